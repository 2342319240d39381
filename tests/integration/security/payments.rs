//! A change invoiced at once applies only when its payment succeeds: a
//! declined card keeps the old price (and leaves no invoice a retry could
//! charge later), and 3-D Secure holds the change until the customer's bank
//! confirms it on the invoice's page.

use portico::portal_config::ProrationBehavior;
use serde_json::Value;

use crate::support::{
    Seed, TestApp, fresh_seed, new_card, nonce, signed_in, stripe_get, stripe_post, subscription,
};

/// Makes `number` the card Stripe charges for `who`.
async fn pay_with(seed: &Seed, who: &str, number: &str) {
    let customer = &seed.customers[who].id;
    let card = new_card(number).await;
    let (status, body) = stripe_post(
        &format!("payment_methods/{card}/attach"),
        &[("customer", customer.as_str())],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = stripe_post(
        &format!("customers/{customer}"),
        &[("invoice_settings[default_payment_method]", card.as_str())],
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

fn price_of(sub: &Value) -> &str {
    sub["items"]["data"][0]["price"]["id"]
        .as_str()
        .unwrap_or_default()
}

async fn latest_invoice(sub: &Value) -> Value {
    let id = sub["latest_invoice"].as_str().expect("latest invoice");
    stripe_get(&format!("invoices/{id}")).await
}

async fn signed_in_changing_plans(seed: &Seed) -> (TestApp, String) {
    let (app, cookie) = signed_in(seed, "ada").await;
    app.configure(|c| c.change_plan = true).await;
    (app, cookie)
}

/// Ada upgrades Pro from monthly to yearly (invoiced at once) with a card
/// whose bank asks for 3-D Secure: Stripe holds the change.
async fn held_upgrade(tag: &str) -> (Seed, TestApp, String, Value) {
    let seed = fresh_seed(tag);
    let (app, cookie) = signed_in_changing_plans(&seed).await;
    let pro = &seed.customers["ada"].subscriptions["pro_monthly"];
    pay_with(&seed, "ada", "4000002500003155").await;
    let (status, body) = app
        .as_customer(&cookie)
        .change_plan(pro, &seed.prices["pro_yearly"])
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("PaymentNeedsConfirmation"), "{body}");
    let held = subscription(pro).await;
    assert_eq!(price_of(&held), seed.prices["pro_monthly"]);
    assert!(held["pending_update"].is_object(), "{held}");
    (seed, app, cookie, held)
}

#[tokio::test]
async fn an_upgrade_whose_card_is_declined_keeps_the_old_price() {
    let seed = fresh_seed("upgradedecline");
    let (app, cookie) = signed_in_changing_plans(&seed).await;
    let ada = app.as_customer(&cookie);
    let pro = &seed.customers["ada"].subscriptions["pro_monthly"];
    let before = subscription(pro).await;
    // Monthly to yearly is invoiced at once.
    pay_with(&seed, "ada", "4000000000000341").await;
    let (status, body) = ada.change_plan(pro, &seed.prices["pro_yearly"]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("PaymentFailed"), "{body}");

    let after = subscription(pro).await;
    assert_eq!(price_of(&after), seed.prices["pro_monthly"]);
    assert_eq!(after["status"], "active");
    assert!(after["pending_update"].is_null(), "{after}");
    // The invoice of the change is void: no retry can charge for it.
    assert_ne!(after["latest_invoice"], before["latest_invoice"]);
    assert_eq!(latest_invoice(&after).await["status"], "void");
    assert_eq!(
        app.audit_count(&seed.customers["ada"].id, "change_plan", "ok")
            .await,
        0
    );
    let (_, page) = app.portal_page(&cookie, "en").await;
    assert!(!page.contains("waits for your bank"), "{page}");

    // With a card that pays, the same change goes through, even from the
    // same page (the same form nonce): the decline is not replayed.
    pay_with(&seed, "ada", "4242424242424242").await;
    let (status, body) = ada.change_plan(pro, &seed.prices["pro_yearly"]).await;
    assert!(status < 400, "{body}");
    let after = subscription(pro).await;
    assert_eq!(price_of(&after), seed.prices["pro_yearly"]);
    assert_eq!(latest_invoice(&after).await["status"], "paid");
}

#[tokio::test]
async fn an_upgrade_waits_for_3d_secure_and_applies_once_confirmed() {
    let (seed, app, cookie, held) = held_upgrade("upgrade3ds").await;
    let ada = app.as_customer(&cookie);
    let pro = &seed.customers["ada"].subscriptions["pro_monthly"];
    let invoice = latest_invoice(&held).await;
    assert_eq!(invoice["status"], "open");
    let (_, page) = app.portal_page(&cookie, "en").await;
    assert!(page.contains("waits for your bank"), "{page}");
    let url = invoice["hosted_invoice_url"].as_str().expect("hosted url");
    assert!(
        page.contains(url),
        "the note links the invoice's page: {page}"
    );
    // While the change waits, no other change replaces it.
    let (status, body) = ada
        .with_nonce(nonce(2))
        .change_plan(pro, &seed.prices["pro_yearly"])
        .await;
    assert!(status == 403 || status == 422, "{status} {body}");
    assert!(subscription(pro).await["pending_update"].is_object());

    // The customer confirms on the invoice's page (Stripe's hosted page).
    let confirmed = reqwest::Client::new()
        .post(format!("{url}/authenticate"))
        .form(&[("success", "true")])
        .send()
        .await
        .expect("hosted page");
    assert!(confirmed.status().is_success(), "{confirmed:?}");
    // The home page (a list of the customer's subscriptions) shows it first.
    let (_, page) = app.portal_page(&cookie, "en").await;
    assert!(!page.contains("waits for your bank"), "{page}");
    assert!(page.contains("$290.00 / year"), "{page}");
    let after = subscription(pro).await;
    assert_eq!(price_of(&after), seed.prices["pro_yearly"]);
    assert!(after["pending_update"].is_null(), "{after}");
}

#[tokio::test]
async fn more_seats_billed_at_once_are_added_only_when_paid() {
    let seed = fresh_seed("seatsdecline");
    let (app, cookie) = signed_in(&seed, "ada").await;
    app.configure(|c| {
        c.quantity = true;
        c.proration_behavior = ProrationBehavior::AlwaysInvoice;
    })
    .await;
    let seats = &seed.customers["ada"].subscriptions["seats"];
    let before = subscription(seats).await["items"]["data"][0]["quantity"].clone();
    pay_with(&seed, "ada", "4000000000000341").await;
    let (status, body) = app
        .as_customer(&cookie)
        .update_quantity(seats, &(before.as_u64().expect("quantity") + 3).to_string())
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("PaymentFailed"), "{body}");
    let after = subscription(seats).await;
    assert_eq!(after["items"]["data"][0]["quantity"], before);
    assert!(after["pending_update"].is_null(), "{after}");
    assert_eq!(latest_invoice(&after).await["status"], "void");
}

#[tokio::test]
async fn a_change_waiting_for_3d_secure_can_be_dropped() {
    let (seed, app, cookie, held) = held_upgrade("upgrade3dsdrop").await;
    let ada = app.as_customer(&cookie);
    let pro = &seed.customers["ada"].subscriptions["pro_monthly"];
    let (status, body) = ada.with_nonce(nonce(2)).keep_current_plan(pro).await;
    assert!(status < 400, "{body}");
    let after = subscription(pro).await;
    assert_eq!(price_of(&after), seed.prices["pro_monthly"]);
    assert!(after["pending_update"].is_null(), "{after}");
    assert_eq!(latest_invoice(&held).await["status"], "void");
    let (_, page) = app.portal_page(&cookie, "en").await;
    assert!(!page.contains("waits for your bank"), "{page}");
}

#[tokio::test]
async fn canceling_drops_a_change_waiting_for_its_payment() {
    let (seed, app, cookie, held) = held_upgrade("upgrade3dscancel").await;
    let ada = app.as_customer(&cookie);
    let pro = &seed.customers["ada"].subscriptions["pro_monthly"];
    let (status, body) = ada.with_nonce(nonce(2)).cancel(pro, None).await;
    assert!(status < 400, "{body}");
    let after = subscription(pro).await;
    assert!(
        after["cancel_at_period_end"].as_bool().unwrap_or(false),
        "{after}"
    );
    assert!(after["pending_update"].is_null(), "{after}");
    assert_eq!(latest_invoice(&held).await["status"], "void");
}
