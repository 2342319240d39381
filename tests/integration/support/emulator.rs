//! The Stripe emulator, as a merchant sees it in their dashboard: tests read
//! what an action changed there, and set up what a customer had before.

use serde_json::Value;

use super::form::form_body;

/// A setting scripts/test provides; tests cannot run without it.
pub fn required_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: integration tests need the Stripe emulator; run scripts/test")
    })
}

/// The emulator's base URL (`PORTICO_TEST_STRIPE_API_BASE`).
pub fn api_base() -> String {
    required_env("PORTICO_TEST_STRIPE_API_BASE")
}

/// A request to the Stripe emulator with the merchant's secret key.
fn request(method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    let url = format!("{}/v1/{path}", api_base().trim_end_matches('/'));
    reqwest::Client::new()
        .request(method, url)
        .bearer_auth("sk_test_portico_integration")
}

async fn json(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("emulator request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("emulator body");
    (status, serde_json::from_str(&text).expect("emulator JSON"))
}

/// Reads an object straight from the Stripe emulator.
pub async fn stripe_get(path: &str) -> Value {
    json(request(reqwest::Method::GET, path)).await.1
}

/// Creates or changes an object at the Stripe emulator; returns the status
/// and the JSON answer.
pub async fn stripe_post(path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let request = request(reqwest::Method::POST, path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(form));
    json(request).await
}

/// A subscription (`sub_…`) as Stripe has it now.
pub async fn subscription(id: &str) -> Value {
    stripe_get(&format!("subscriptions/{id}")).await
}

/// Every subscription of a customer, whatever its status.
pub async fn subscriptions_of(customer: &str) -> Vec<Value> {
    let list = stripe_get(&format!(
        "subscriptions?customer={customer}&status=all&limit=100"
    ))
    .await;
    list["data"].as_array().cloned().unwrap_or_default()
}

/// A customer (`cus_…`) as Stripe has it now.
pub async fn customer(id: &str) -> Value {
    stripe_get(&format!("customers/{id}")).await
}

/// A card payment method, not attached to anyone yet.
pub async fn new_card(number: &str) -> String {
    let (status, pm) = stripe_post(
        "payment_methods",
        &[
            ("type", "card"),
            ("card[number]", number),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2034"),
            ("card[cvc]", "123"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{pm}");
    pm["id"].as_str().expect("pm id").to_string()
}
