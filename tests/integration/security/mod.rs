//! The security suite: an attacker with an account of their own, against
//! every server function. Generated from `portico::api::Endpoint`, so a new
//! server function is covered once its fields are named in [`fields`] (the
//! match is exhaustive: it does not compile until they are).
//!
//! - [`ownership`]: customer A calls every function and page with each kind
//!   of customer B's ids; every pair is refused and nothing changes.
//! - [`fuzz`]: malformed, overlong, unicode, null-byte, negative, huge,
//!   repeated and missing fields and wrong content types: never a 5xx,
//!   nothing changes.
//! - [`cross_origin`]: every server function and form route posted from
//!   another origin: refused.
//! - [`catalog`]: only offered prices are plans.
//! - [`coupons`]: a code once per customer, however it left, however
//!   many applications race.
//! - [`emails`]: an address is an account's key: not taken, not shared.
//! - [`identities`]: static hashes can be turned off.
//! - [`login_csrf`]: a static-hash link from another site asks first.
//! - [`schedules`]: the merchant's schedule is not the customer's to undo.
//! - [`payments`]: a change invoiced at once applies only when paid.
//! - [`replays`], [`headers`]: stale forms, and the browser's part (CSP,
//!   caching, cookies, HSTS, sign-in rate limit).
//!
//! Each writes its figures to `PORTICO_TEST_FIGURES` (a directory), and
//! scripts/test prints them as one line.

mod catalog;
mod coupons;
mod cross_origin;
mod emails;
mod fuzz;
mod headers;
mod identities;
mod login_csrf;
mod ownership;
mod payments;
mod replays;
mod schedules;

use portico::api::Endpoint;
use serde_json::{Value, json};

use crate::support::{customer, stripe_get, subscriptions_of};

/// What a field of a server function takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Subscription,
    Price,
    PaymentMethod,
    SetupIntent,
    /// An invoice id used as a page cursor.
    InvoiceCursor,
    /// Anything else the customer types or the page sends.
    Other,
}

/// Every field each server function takes (`nonce` included), by name.
pub fn fields(endpoint: Endpoint) -> &'static [(&'static str, Field)] {
    use Field::*;
    match endpoint {
        Endpoint::AcceptRetentionOffer
        | Endpoint::KeepCurrentPlan
        | Endpoint::ReactivateSubscription => {
            &[("subscription_id", Subscription), ("nonce", Other)]
        }
        Endpoint::ApplyCoupon => &[
            ("subscription_id", Subscription),
            ("code", Other),
            ("nonce", Other),
        ],
        Endpoint::CancelSubscription => &[
            ("subscription_id", Subscription),
            ("reason", Other),
            ("comment", Other),
            ("nonce", Other),
        ],
        Endpoint::ChangePlan => &[
            ("subscription_id", Subscription),
            ("price", Price),
            ("nonce", Other),
        ],
        Endpoint::FinishCardSetup => &[("setup_intent_id", SetupIntent), ("nonce", Other)],
        Endpoint::GetCardForm
        | Endpoint::GetDetails
        | Endpoint::GetOverview
        | Endpoint::GetSessionFrame => &[],
        Endpoint::GetInvoices => &[
            ("subscription", Subscription),
            ("after", InvoiceCursor),
            ("before", InvoiceCursor),
        ],
        Endpoint::GetPlanChoices => &[("subscription_id", Subscription)],
        Endpoint::PreviewPlanChange => &[("subscription_id", Subscription), ("price", Price)],
        Endpoint::RemoveCard | Endpoint::SetDefaultCard => {
            &[("payment_method_id", PaymentMethod), ("nonce", Other)]
        }
        Endpoint::Resubscribe => &[
            ("subscription_id", Subscription),
            ("price", Price),
            ("coupon", Other),
            ("nonce", Other),
        ],
        Endpoint::StartCardSetup => &[("nonce", Other), ("attempt", Other)],
        Endpoint::UpdateDetails => &[
            ("form[name]", Other),
            ("form[email]", Other),
            ("form[phone]", Other),
            ("form[line1]", Other),
            ("form[city]", Other),
            ("form[postal_code]", Other),
            ("form[country]", Other),
            ("form[tax_id_type]", Other),
            ("form[tax_id_value]", Other),
            ("nonce", Other),
        ],
        Endpoint::UpdateQuantity => &[
            ("subscription_id", Subscription),
            ("quantity", Other),
            ("nonce", Other),
        ],
    }
}

/// What a customer has at Stripe, as far as any server function could
/// change it: subscriptions (status, cancellation, items, discounts),
/// details, the default card and the saved cards.
pub async fn snapshot(customer_id: &str) -> Value {
    let mut subscriptions: Vec<Value> = subscriptions_of(customer_id)
        .await
        .iter()
        .map(|s| {
            json!({
                "id": s["id"],
                "status": s["status"],
                "cancel_at_period_end": s["cancel_at_period_end"],
                "items": s["items"]["data"].as_array().map(|items| items.iter().map(|i| json!([i["price"]["id"], i["quantity"]])).collect::<Vec<_>>()),
                "discounts": s["discounts"],
                "schedule": s["schedule"],
                "default_payment_method": s["default_payment_method"],
                "metadata": s["metadata"],
            })
        })
        .collect();
    subscriptions.sort_by_key(|s| s["id"].to_string());
    let c = customer(customer_id).await;
    let cards = stripe_get(&format!(
        "customers/{customer_id}/payment_methods?type=card"
    ))
    .await;
    let mut card_ids: Vec<String> = cards["data"]
        .as_array()
        .map(|d| d.iter().map(|pm| pm["id"].to_string()).collect())
        .unwrap_or_default();
    card_ids.sort();
    json!({
        "subscriptions": subscriptions,
        "details": [c["name"], c["email"], c["phone"], c["address"]],
        "default_card": c["invoice_settings"]["default_payment_method"],
        "cards": card_ids,
    })
}

/// Writes one figure line for scripts/test (`figures`, then the count of
/// `failures`; the file is skipped without `PORTICO_TEST_FIGURES`), then
/// fails the test with every failure listed, if any.
pub fn report(name: &str, figures: &str, failures: &[String]) {
    let line = format!("{figures}, {} failures", failures.len());
    if let Ok(dir) = std::env::var("PORTICO_TEST_FIGURES") {
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(format!("{dir}/{name}.txt"), &line);
    }
    eprintln!("{name}: {line}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
