//! Saved cards: the default, removal rules, saving a new card through a
//! SetupIntent, and other customers' payment methods refused — checked at
//! the Stripe emulator.

use portico::api::Endpoint;
use serde_json::Value;

use crate::support::{
    confirm_in_browser, customer, fresh_seed, new_card, nonce, signed_in, stripe_get, stripe_post,
    subscription,
};

fn default_card(customer: &Value) -> String {
    customer["invoice_settings"]["default_payment_method"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn cards_of(customer: &str) -> Vec<String> {
    let list = stripe_get(&format!("payment_methods?customer={customer}&type=card")).await;
    list["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|pm| pm["id"].as_str().map(str::to_string))
        .collect()
}

/// Saves a second Visa (ending 5556) on the customer, as if added earlier.
async fn add_second_card(customer: &str) -> String {
    let id = new_card("4000056655665556").await;
    let (status, body) = stripe_post(
        &format!("payment_methods/{id}/attach"),
        &[("customer", customer)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    id
}

#[tokio::test]
async fn cards_are_listed_with_the_default_marked() {
    let seed = fresh_seed("cardlist");
    let ada = &seed.customers["ada"];
    add_second_card(&ada.id).await;
    let (app, cookie) = signed_in(&seed, "ada").await;
    let (status, html) = app.portal_page(&cookie, "en").await;
    assert_eq!(status, 200);
    assert!(html.contains("Visa ending in 4242"), "the seeded card");
    assert!(html.contains("Visa ending in 5556"), "the added card");
    assert!(html.contains("Expires 12/2034"));
    // Only the non-default card offers "Make default" and "Remove".
    assert!(html.contains("Make Visa ending in 5556 your default card"));
    assert!(!html.contains("Make Visa ending in 4242 your default card"));
    assert!(html.contains("Remove Visa ending in 5556"));
    assert!(!html.contains("Remove Visa ending in 4242"));
}

#[tokio::test]
async fn making_a_card_the_default_moves_every_charge_to_it() {
    let seed = fresh_seed("carddefault");
    let ada = &seed.customers["ada"];
    let master = add_second_card(&ada.id).await;
    // A subscription set to charge the old card directly.
    let sub = &ada.subscriptions["pro_monthly"];
    let (status, body) = stripe_post(
        &format!("subscriptions/{sub}"),
        &[("default_payment_method", &ada.payment_method)],
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let (app, cookie) = signed_in(&seed, "ada").await;
    let (status, location) = app
        .as_customer(&cookie)
        .js_off()
        .set_default_card(&master)
        .await;
    assert_eq!(status, 302);
    assert!(
        location.starts_with("/?event=set_default_card&card="),
        "{location}"
    );
    assert_eq!(default_card(&customer(&ada.id).await), master);
    let after = subscription(sub).await;
    assert!(
        after["default_payment_method"].is_null(),
        "the subscription's own card is cleared, so it charges the new default: {}",
        after["default_payment_method"]
    );
    let html = app
        .get_with(&location, &[("cookie", &cookie)])
        .await
        .text()
        .await
        .expect("page")
        .replace("<!>", "");
    assert!(html.contains("Visa ending in 5556 is now your default card."));
    assert_eq!(app.audit_count(&ada.id, "set_default_card", "ok").await, 1);
}

#[tokio::test]
async fn removing_cards_keeps_the_default_and_the_last_card() {
    let seed = fresh_seed("cardremove");
    let ada = &seed.customers["ada"];
    let master = add_second_card(&ada.id).await;
    let (app, cookie) = signed_in(&seed, "ada").await;
    let browser = app.as_customer(&cookie);

    // The default card cannot go.
    let (status, body) = browser.remove_card(&ada.payment_method).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("CardIsDefault"), "{body}");

    // Another card can.
    let (status, location) = browser.js_off().remove_card(&master).await;
    assert_eq!(status, 302, "{location}");
    assert_eq!(cards_of(&ada.id).await, vec![ada.payment_method.clone()]);

    // With the default unset, the last card still stays while subscriptions bill.
    stripe_post(
        &format!("customers/{}", ada.id),
        &[("invoice_settings[default_payment_method]", "")],
    )
    .await;
    let (status, body) = browser
        .with_nonce(nonce(2))
        .remove_card(&ada.payment_method)
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("CardRequired"), "{body}");
    assert_eq!(cards_of(&ada.id).await.len(), 1, "nothing removed");
    assert_eq!(app.audit_count(&ada.id, "remove_card", "ok").await, 1);
    assert_eq!(
        app.audit_count(&ada.id, "remove_card", "CardRequired")
            .await,
        1
    );
}

#[tokio::test]
async fn a_customer_without_subscriptions_may_remove_their_last_card() {
    let seed = fresh_seed("cardlast");
    let empty = &seed.customers["empty"];
    stripe_post(
        &format!("customers/{}", empty.id),
        &[("invoice_settings[default_payment_method]", "")],
    )
    .await;
    let (app, cookie) = signed_in(&seed, "empty").await;
    let (status, _) = app
        .as_customer(&cookie)
        .js_off()
        .remove_card(&empty.payment_method)
        .await;
    assert_eq!(status, 302);
    assert!(cards_of(&empty.id).await.is_empty());
}

#[tokio::test]
async fn another_customers_card_is_refused_and_unchanged() {
    let seed = fresh_seed("cardidor");
    let ada = &seed.customers["ada"];
    let yuki = &seed.customers["yuki"];
    let yukis_other = add_second_card(&yuki.id).await;
    let (app, cookie) = signed_in(&seed, "ada").await;
    let browser = app.as_customer(&cookie);
    for function in [Endpoint::SetDefaultCard, Endpoint::RemoveCard] {
        for id in [
            yuki.payment_method.as_str(),
            yukis_other.as_str(),
            "pm_doesnotexist",
            "pm_1/../x",
        ] {
            let (status, body) = browser.submit(function, &[("payment_method_id", id)]).await;
            let function = function.name();
            assert_eq!(status, 404, "{function} {id}: {body}");
        }
    }
    assert_eq!(cards_of(&yuki.id).await.len(), 2, "yuki keeps both cards");
    assert_eq!(default_card(&customer(&yuki.id).await), yuki.payment_method);
    assert_eq!(default_card(&customer(&ada.id).await), ada.payment_method);
}

#[tokio::test]
async fn a_confirmed_setup_intent_saves_the_card_as_default() {
    let seed = fresh_seed("cardsetup");
    let ada = &seed.customers["ada"];
    let (app, cookie) = signed_in(&seed, "ada").await;
    let browser = app.as_customer(&cookie);
    let secret = browser.start_adding_card().await;
    let card = new_card("4000056655665556").await;
    let intent = confirm_in_browser(&secret, &card).await;
    assert_eq!(intent["status"], "succeeded", "{intent}");
    let intent_id = intent["id"].as_str().expect("id");

    let href = browser.finish_adding_card(intent_id).await;
    assert!(href.starts_with("/?event=update_card&card=pm_"), "{href}");

    let new_default = default_card(&customer(&ada.id).await);
    assert_ne!(new_default, ada.payment_method);
    assert!(
        cards_of(&ada.id).await.contains(&new_default),
        "attached to ada"
    );
    assert_eq!(app.audit_count(&ada.id, "update_card", "ok").await, 1);
}

#[tokio::test]
async fn a_declined_card_changes_nothing() {
    let seed = fresh_seed("carddecline");
    let ada = &seed.customers["ada"];
    let (app, cookie) = signed_in(&seed, "ada").await;
    let browser = app.as_customer(&cookie);
    let secret = browser.start_adding_card().await;
    let intent = confirm_in_browser(&secret, &new_card("4000000000000002").await).await;
    let intent_id = secret.split("_secret").next().expect("id");
    assert_ne!(intent["status"], "succeeded", "{intent}");

    let (status, body) = browser.finish_card_setup(intent_id).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("CardSetupFailed"), "{body}");
    assert_eq!(default_card(&customer(&ada.id).await), ada.payment_method);
    assert_eq!(cards_of(&ada.id).await, vec![ada.payment_method.clone()]);
}

#[tokio::test]
async fn another_customers_setup_intent_is_refused() {
    let seed = fresh_seed("cardsetupidor");
    let ada = &seed.customers["ada"];
    let (yuki_app, yuki_cookie) = signed_in(&seed, "yuki").await;
    let secret = yuki_app.as_customer(&yuki_cookie).start_adding_card().await;
    let intent = confirm_in_browser(&secret, &new_card("4000056655665556").await).await;
    let intent_id = intent["id"].as_str().expect("id");

    let (app, cookie) = signed_in(&seed, "ada").await;
    let (status, body) = app.as_customer(&cookie).finish_card_setup(intent_id).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(default_card(&customer(&ada.id).await), ada.payment_method);
    assert_eq!(cards_of(&ada.id).await, vec![ada.payment_method.clone()]);
}

#[tokio::test]
async fn card_actions_follow_the_update_card_toggle() {
    let seed = fresh_seed("cardtoggle");
    let ada = &seed.customers["ada"];
    let master = add_second_card(&ada.id).await;
    let (app, cookie) = signed_in(&seed, "ada").await;
    app.configure(|c| c.update_card = false).await;
    let browser = app.as_customer(&cookie);
    let (status, _) = browser.set_default_card(&master).await;
    assert_eq!(status, 403);
    let (status, _) = browser.start_card_setup(0).await;
    assert_eq!(status, 403);
    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(!html.contains("Payment methods"), "the section is hidden");
    assert_eq!(default_card(&customer(&ada.id).await), ada.payment_method);
}
