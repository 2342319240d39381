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

/// Deletes (or cancels) an object at the Stripe emulator.
pub async fn stripe_delete(path: &str) -> (u16, Value) {
    json(request(reqwest::Method::DELETE, path)).await
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

/// The emulator's own endpoints (`/_compat/…`).
fn compat(method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    let url = format!("{}/_compat/{path}", api_base().trim_end_matches('/'));
    reqwest::Client::new().request(method, url)
}

/// How many Stripe API requests were made with `key` since it was last
/// forgotten: the emulator's count, as a merchant's request log shows it.
pub async fn stripe_calls(key: &str) -> u64 {
    let (status, body) = json(compat(reqwest::Method::GET, &format!("requests?key={key}"))).await;
    assert_eq!(status, 200, "{body}");
    body["count"].as_u64().expect("count")
}

/// The requests made with `key` so far, as `[method, path]` pairs.
pub async fn stripe_requests(key: &str) -> Value {
    json(compat(reqwest::Method::GET, &format!("requests?key={key}")))
        .await
        .1["data"]
        .clone()
}

/// Starts counting `key`'s requests from zero.
pub async fn forget_stripe_calls(key: &str) {
    json(compat(
        reqwest::Method::DELETE,
        &format!("requests?key={key}"),
    ))
    .await;
}

/// Registers a webhook endpoint for every event, as a merchant does in the
/// dashboard; returns its id.
pub async fn register_webhook(url: &str, secret: &str) -> String {
    let request = compat(reqwest::Method::POST, "webhooks")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[
            ("url", url),
            ("secret", secret),
            ("events[]", "*"),
        ]));
    let (status, body) = json(request).await;
    assert_eq!(status, 200, "{body}");
    body["id"].as_str().expect("webhook id").to_string()
}

/// Removes a webhook endpoint.
pub async fn remove_webhook(id: &str) {
    json(compat(reqwest::Method::DELETE, &format!("webhooks/{id}"))).await;
}
