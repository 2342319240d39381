//! Customer A with each of customer B's ids, in every field of every server
//! function that takes one, and in every page address that takes one: every
//! pair refused, nothing changed at Stripe for either of them.

use portico::api::Endpoint;
use portico::paths::PagePath;

use super::{Field, fields, report, snapshot};
use crate::support::{fresh_seed, signed_in, stripe_post};

#[tokio::test]
async fn another_customers_ids_are_refused_everywhere() {
    let seed = fresh_seed("ownership");
    let (app, cookie) = signed_in(&seed, "yuki").await;
    let (a, b) = (&seed.customers["yuki"], &seed.customers["ada"]);
    // B's ids of every kind a server function takes.
    let (status, intent) = stripe_post(
        "setup_intents",
        &[("customer", b.id.as_str()), ("usage", "off_session")],
    )
    .await;
    assert_eq!(status, 200, "{intent}");
    let scheduled = &b.subscriptions["pro_monthly"];
    let (status, schedule) = stripe_post(
        "subscription_schedules",
        &[("from_subscription", scheduled)],
    )
    .await;
    assert_eq!(status, 200, "{schedule}");
    let mut invoices = b.invoices.clone();
    invoices.extend(b.open_invoice.clone());
    let theirs = |field: Field| -> Vec<String> {
        match field {
            Field::Subscription => b.subscriptions.values().cloned().collect(),
            Field::PaymentMethod => vec![b.payment_method.clone()],
            Field::SetupIntent => vec![intent["id"].as_str().unwrap_or_default().to_string()],
            Field::InvoiceCursor => invoices.clone(),
            // A's subscription is in yen: no dollar price is offered to it.
            Field::Price => [
                "pro_monthly",
                "pro_yearly",
                "seats_monthly",
                "starter_monthly",
            ]
            .iter()
            .map(|p| seed.prices[*p].clone())
            .collect(),
            Field::Other => Vec::new(),
        }
    };
    // What A would send in the other fields: their own, valid values.
    let own = a.subscriptions["pro_monthly_jpy"].clone();
    let mine = |name: &str| -> String {
        match name {
            "subscription_id" | "subscription" => own.clone(),
            "price" => seed.prices["pro_monthly_jpy"].clone(),
            "payment_method_id" => a.payment_method.clone(),
            "code" | "coupon" => "WELCOME20".into(),
            "quantity" => "2".into(),
            "attempt" => "0".into(),
            "nonce" => crate::support::NONCE.into(),
            _ => String::new(),
        }
    };
    let before = (snapshot(&a.id).await, snapshot(&b.id).await);
    let browser = app.as_customer(&cookie);
    let mut pairs = 0;
    let mut failures = Vec::new();
    for endpoint in Endpoint::ALL {
        for (field, kind) in fields(endpoint) {
            for id in theirs(*kind) {
                let form: Vec<(String, String)> = fields(endpoint)
                    .iter()
                    .map(|(name, _)| {
                        let value = if name == field {
                            id.clone()
                        } else {
                            mine(name)
                        };
                        (name.to_string(), value)
                    })
                    .filter(|(_, v)| !v.is_empty())
                    .collect();
                let form: Vec<(&str, &str)> =
                    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let (status, body) = browser.call(endpoint, &form).await;
                pairs += 1;
                if !(400..500).contains(&status) || body.contains(&b.email) {
                    failures.push(format!("{endpoint:?} {field}={id}: {status} {body:.200}"));
                }
            }
        }
    }
    // Page addresses that take a subscription id.
    for sub in b.subscriptions.values() {
        let pages = [
            PagePath::Cancel(sub.clone()).href(),
            PagePath::Plan(sub.clone()).href(),
            format!("{}?subscription={sub}", PagePath::Invoices.href()),
        ];
        for page in pages {
            let response = app.get_with(&page, &[("cookie", &cookie)]).await;
            let status = response.status().as_u16();
            let html = response.text().await.unwrap_or_default();
            pairs += 1;
            let shows_theirs =
                html.contains(&b.email) || html.contains(&format!("value=\"{sub}\""));
            if shows_theirs || status >= 500 {
                failures.push(format!("{page}: {status}, shows B's data: {shows_theirs}"));
            }
        }
    }
    let after = (snapshot(&a.id).await, snapshot(&b.id).await);
    if before != after {
        failures.push(format!("Stripe changed: {before:?} -> {after:?}"));
    }
    report(
        "ownership",
        &format!("{pairs} pairs of another customer's ids tried"),
        &failures,
    );
    assert!(pairs > 60, "{pairs} pairs");
}
