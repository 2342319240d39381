//! Customers changing their own subscriptions, checked at the Stripe emulator:
//! each action changes what it should, refuses other customers' ids without
//! touching them, and a double submit makes one change.

use portico::api::Endpoint;
use serde_json::Value;

use crate::support::{
    Backend, TestApp, fresh_seed, nonce, seed, signed_in, stripe_get, stripe_post, subscription,
    subscriptions_of,
};

#[tokio::test]
async fn cancel_at_period_end_stores_the_reason_on_stripe() {
    let seed = fresh_seed("cancel");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let sub = &seed.customers["ada"].subscriptions["pro_monthly"];
    let (status, location) = app
        .as_customer(&cookie)
        .js_off()
        .cancel_with_comment(sub, Some("too_expensive"), "Budget cuts")
        .await;
    assert_eq!(status, 302, "JS-off form post redirects back");
    assert!(location.starts_with("/?event=cancel"), "{location}");

    let after = subscription(sub).await;
    assert_eq!(
        after["status"], "active",
        "still active until the period ends"
    );
    assert_eq!(after["cancel_at_period_end"], true);
    assert_eq!(after["cancellation_details"]["feedback"], "too_expensive");
    assert_eq!(after["cancellation_details"]["comment"], "Budget cuts");
    assert_eq!(after["metadata"]["portico_cancel_reason"], "too_expensive");

    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(
        html.contains("Keep subscription"),
        "reactivation is offered"
    );
    assert_eq!(
        app.audit_count(&seed.customers["ada"].id, "cancel", "ok")
            .await,
        1
    );
}

#[tokio::test]
async fn cancel_immediately_when_configured() {
    let seed = fresh_seed("cancelnow");
    let (app, cookie) = signed_in(&seed, "ada").await;
    app.configure(|c| c.cancel_immediately = true).await;

    let sub = &seed.customers["ada"].subscriptions["seats"];
    let (status, _) = app.as_customer(&cookie).cancel(sub, Some("unused")).await;
    assert!(status < 400, "{status}");
    let after = subscription(sub).await;
    assert_eq!(after["status"], "canceled");
    assert_eq!(after["metadata"]["portico_cancel_reason"], "unused");
}

#[tokio::test]
async fn another_customers_subscription_is_refused_and_unchanged() {
    let seed = fresh_seed("idor");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = app.as_customer(&cookie);
    let theirs = &seed.customers["yuki"].subscriptions["pro_monthly_jpy"];
    let before = subscription(theirs).await;
    let yearly = seed.prices["pro_yearly"].as_str();
    let attempts = [
        (Endpoint::CancelSubscription, ada.cancel(theirs, None).await),
        (
            Endpoint::UpdateQuantity,
            ada.update_quantity(theirs, "3").await,
        ),
        (
            Endpoint::ApplyCoupon,
            ada.apply_coupon(theirs, "WELCOME20").await,
        ),
        (Endpoint::ChangePlan, ada.change_plan(theirs, yearly).await),
    ];
    for (function, (status, body)) in attempts {
        let function = function.name();
        assert_eq!(status, 404, "{function}: refused as not found");
        assert!(body.contains("SubscriptionNotFound"), "{function}: {body}");
    }
    let more = [
        (
            Endpoint::ReactivateSubscription,
            ada.reactivate(theirs).await,
        ),
        (Endpoint::GetPlanChoices, ada.plan_choices(theirs).await),
        (
            Endpoint::PreviewPlanChange,
            ada.preview(theirs, yearly).await,
        ),
    ];
    for (function, (_, body)) in more {
        let function = function.name();
        assert!(body.contains("SubscriptionNotFound"), "{function}: {body}");
    }
    // Yuki cannot restart Ada's canceled subscription on her own card.
    let yuki = app
        .sign_in(&app.sign_in_path("email", &seed.customers["yuki"].email))
        .await;
    let adas = &seed.customers["ada"].subscriptions["starter_monthly_canceled"];
    let counts = (
        subscriptions_of(&seed.customers["ada"].id).await.len(),
        subscriptions_of(&seed.customers["yuki"].id).await.len(),
    );
    let (_, body) = app.as_customer(&yuki).resubscribe(adas).await;
    assert!(body.contains("SubscriptionNotFound"), "{body}");
    assert_eq!(
        counts,
        (
            subscriptions_of(&seed.customers["ada"].id).await.len(),
            subscriptions_of(&seed.customers["yuki"].id).await.len()
        )
    );
    let after = subscription(theirs).await;
    assert_eq!(
        before["cancel_at_period_end"],
        after["cancel_at_period_end"]
    );
    assert_eq!(
        before["items"]["data"][0]["quantity"],
        after["items"]["data"][0]["quantity"]
    );
    assert_eq!(before["discounts"], after["discounts"]);
    assert_eq!(
        app.audit_count(&seed.customers["ada"].id, "cancel", "SubscriptionNotFound")
            .await,
        1
    );
}

#[tokio::test]
async fn reactivate_keeps_a_subscription_pending_cancellation() {
    let seed = fresh_seed("reactivate");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = app.as_customer(&cookie);
    let sub = &seed.customers["ada"].subscriptions["starter_yearly_canceling"];
    assert_eq!(subscription(sub).await["cancel_at_period_end"], true);
    let (status, _) = ada.reactivate(sub).await;
    assert!(status < 400);
    assert_eq!(subscription(sub).await["cancel_at_period_end"], false);

    // Reactivating what is not pending is refused by the policy.
    let active = &seed.customers["ada"].subscriptions["pro_monthly"];
    let (_, body) = ada.reactivate(active).await;
    assert!(body.contains("NotAllowed"), "{body}");
}

#[tokio::test]
async fn quantity_changes_within_the_configured_range() {
    let seed = fresh_seed("quantity");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = app.as_customer(&cookie);
    let seats = &seed.customers["ada"].subscriptions["seats"];
    for bad in ["0", "101", "three", "-1"] {
        let (_, body) = ada.update_quantity(seats, bad).await;
        assert!(body.contains("QuantityOutOfRange"), "{bad}: {body}");
    }
    assert_eq!(subscription(seats).await["items"]["data"][0]["quantity"], 5);

    let (status, _) = ada.update_quantity(seats, "7").await;
    assert!(status < 400);
    assert_eq!(subscription(seats).await["items"]["data"][0]["quantity"], 7);

    // A product without a unit label has no quantity to change.
    let pro = &seed.customers["ada"].subscriptions["pro_monthly"];
    let (_, body) = ada.with_nonce(nonce(2)).update_quantity(pro, "2").await;
    assert!(body.contains("NotAllowed"), "{body}");
}

#[tokio::test]
async fn valid_coupon_applies_and_invalid_one_changes_nothing() {
    let seed = fresh_seed("coupon");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = app.as_customer(&cookie);
    let pro = &seed.customers["ada"].subscriptions["pro_monthly"];
    for bad in ["NOPE", "", "WELCOME20; DROP"] {
        let (_, body) = ada.apply_coupon(pro, bad).await;
        assert!(body.contains("CouponInvalid"), "{bad:?}: {body}");
    }
    assert_eq!(
        subscription(pro).await["discounts"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );

    let (status, _) = ada.apply_coupon(pro, "WELCOME20").await;
    assert!(status < 400);
    assert_eq!(
        subscription(pro).await["discounts"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(
        html.contains("Coupon WELCOME20 applied"),
        "the customer sees the coupon"
    );
    assert!(
        html.contains("After discount: $23.20 / month"),
        "and the new price"
    );
}

#[tokio::test]
async fn resubscribe_creates_one_new_subscription_even_when_sent_twice_at_once() {
    let seed = fresh_seed("resubscribe");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = app.as_customer(&cookie);
    let customer = &seed.customers["ada"].id;
    let canceled = &seed.customers["ada"].subscriptions["starter_monthly_canceled"];
    let before = subscriptions_of(customer).await.len();

    let (a, b) = tokio::join!(ada.resubscribe(canceled), ada.resubscribe(canceled));
    assert!(a.0 < 400 || b.0 < 400, "one of them succeeds: {a:?} {b:?}");
    // The same form submitted again later replays at Stripe: still one change.
    ada.resubscribe(canceled).await;
    // A new page (fresh nonce) cannot restart the same subscription again.
    let (status, body) = ada.with_nonce(nonce(2)).resubscribe(canceled).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("NotAllowed"), "{body}");

    let after = subscriptions_of(customer).await;
    assert_eq!(after.len(), before + 1, "exactly one new subscription");
    let newest = after
        .iter()
        .find(|s| s["status"] == "active" && s["metadata"]["portico_source"] == "resubscribe");
    let newest = newest.expect("the new subscription");
    assert_eq!(
        newest["items"]["data"][0]["price"]["id"],
        seed.prices["starter_monthly"]
    );
}

#[tokio::test]
async fn change_plan_previews_then_moves_to_the_new_price() {
    let seed = fresh_seed("plan");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = app.as_customer(&cookie);
    let pro = &seed.customers["ada"].subscriptions["pro_monthly"];
    let yearly = &seed.prices["pro_yearly"];

    let (status, body) = ada.plan_choices(pro).await;
    assert_eq!(status, 200, "{body}");
    let choices: Value = serde_json::from_str(&body).unwrap();
    let offered: Vec<&str> = choices["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["price_id"].as_str().unwrap())
        .collect();
    assert!(
        offered.contains(&yearly.as_str())
            && offered.contains(&seed.prices["starter_monthly"].as_str())
    );
    assert!(
        !offered.contains(&seed.prices["pro_monthly_jpy"].as_str()),
        "other currencies are not offered"
    );
    assert!(
        !offered.contains(&seed.prices["seats_monthly"].as_str()),
        "other product groups are not offered"
    );

    let (status, body) = ada.preview(pro, yearly).await;
    assert_eq!(status, 200, "{body}");
    let preview: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(preview["amount_due"]["currency"], "usd");
    assert_eq!(
        preview["due_now"], true,
        "an interval change is invoiced at once"
    );

    // A price outside the offer is refused.
    let (_, body) = ada.change_plan(pro, &seed.prices["seats_monthly"]).await;
    assert!(body.contains("PlanUnavailable"), "{body}");

    let (status, _) = ada.change_plan(pro, yearly).await;
    assert!(status < 400);
    let after = subscription(pro).await;
    assert_eq!(after["items"]["data"][0]["price"]["id"], *yearly);
}

#[tokio::test]
async fn actions_need_a_session() {
    let seed = fresh_seed("nosession");
    let app = TestApp::start(Backend::Sqlite).await;
    let sub = &seed.customers["ada"].subscriptions["pro_monthly"];
    let (_, body) = app.as_customer("").cancel(sub, None).await;
    assert!(body.contains("NotSignedIn"), "{body}");
    assert_eq!(subscription(sub).await["cancel_at_period_end"], false);
}

#[tokio::test]
async fn disabled_toggle_refuses_the_action() {
    let seed = fresh_seed("toggle");
    let (app, cookie) = signed_in(&seed, "ada").await;
    app.configure(|c| c.cancellation = false).await;
    let sub = &seed.customers["ada"].subscriptions["pro_monthly"];
    let (_, body) = app.as_customer(&cookie).cancel(sub, None).await;
    assert!(body.contains("NotAllowed"), "{body}");
    assert_eq!(subscription(sub).await["cancel_at_period_end"], false);
    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(
        !html.contains("Cancel subscription"),
        "the UI does not offer it either"
    );
}

#[tokio::test]
async fn dropdown_toggle_puts_actions_in_a_menu() {
    let seed = fresh_seed("dropdown");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let (_, buttons) = app.portal_page(&cookie, "en").await;
    assert!(!buttons.contains(r#"<details class="actions-menu">"#));
    app.configure(|c| c.dropdown_actions = true).await;
    let (_, menu) = app.portal_page(&cookie, "en").await;
    assert!(
        menu.contains(r#"<details class="actions-menu"><summary>Manage subscription</summary>"#)
    );
}

#[tokio::test]
async fn configured_confirmation_message_follows_a_cancellation() {
    let seed = fresh_seed("confirm");
    let (app, cookie) = signed_in(&seed, "ada").await;
    app.configure(|c| {
        c.cancellation_confirmation_message =
            Some("Sorry to see you go - reply to any email to come back.".into())
    })
    .await;
    let sub = &seed.customers["ada"].subscriptions["pro_monthly"];
    let (_, location) = app.as_customer(&cookie).js_off().cancel(sub, None).await;
    let (_, html) = app.portal_page(&cookie, "en").await;
    // (The text is also in the page's hydration data; look for the element.)
    assert!(
        !html.contains(r#"class="custom-message""#),
        "only after a cancellation"
    );
    let response = app
        .get_with(&location, &[("cookie", &cookie), ("accept-language", "en")])
        .await;
    let html = response.text().await.unwrap().replace("<!>", "");
    assert!(
        html.contains("You keep access until"),
        "the date access ends"
    );
    assert!(html.contains(
        r#"<p class="custom-message">Sorry to see you go - reply to any email to come back.</p>"#
    ));
}

#[tokio::test]
async fn coupons_must_be_redeemable_and_new() {
    let seed = fresh_seed("redeemable");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = app.as_customer(&cookie);
    let pro = &seed.customers["ada"].subscriptions["pro_monthly"];
    // STAFF100 exists and is valid at Stripe, but the merchant did not mark
    // it redeemable: guessing an internal coupon id gets nothing.
    let (status, body) = ada.apply_coupon(pro, "STAFF100").await;
    assert_eq!(status, 422);
    assert!(body.contains("CouponInvalid"), "{body}");
    ada.apply_coupon(pro, "WELCOME20").await;
    // Applying it again (another page) would restart a one-time discount.
    let (_, body) = ada
        .with_nonce(nonce(2))
        .apply_coupon(pro, "WELCOME20")
        .await;
    assert!(body.contains("CouponInvalid"), "{body}");
}

#[tokio::test]
async fn long_cancellation_comment_is_kept_and_cut_only_in_metadata() {
    let seed = fresh_seed("longcomment");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let sub = &seed.customers["ada"].subscriptions["pro_monthly"];
    let comment = "é".repeat(800);
    let (status, body) = app
        .as_customer(&cookie)
        .cancel_with_comment(sub, None, &comment)
        .await;
    assert!(status < 400, "{status} {body}");
    let after = subscription(sub).await;
    assert_eq!(after["cancel_at_period_end"], true);
    assert_eq!(
        after["cancellation_details"]["comment"]
            .as_str()
            .map(|c| c.chars().count()),
        Some(800)
    );
    assert_eq!(
        after["metadata"]["portico_cancel_comment"]
            .as_str()
            .map(|c| c.chars().count()),
        Some(500)
    );
}

#[tokio::test]
async fn promotion_codes_apply_their_coupon_and_respect_their_limits() {
    let seed = fresh_seed("promo");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = app.as_customer(&cookie);
    let pro = &seed.customers["ada"].subscriptions["pro_monthly"];
    // Stripe matches promotion codes case-insensitively; so does the portal.
    let (status, body) = ada.apply_coupon(pro, "spring25").await;
    assert!(status < 400, "{body}");
    let after = stripe_get(&format!("subscriptions/{pro}?expand[]=discounts")).await;
    assert_eq!(
        after["discounts"][0]["promotion_code"],
        seed.promotion_code.as_str()
    );
    assert_eq!(after["discounts"][0]["source"]["coupon"], "SPRING25-COUPON");
    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(
        html.contains("Coupon SPRING25 applied"),
        "the code the customer typed"
    );
    assert!(
        html.contains("After discount: $21.75 / month"),
        "and the new price"
    );

    // A code issued to another customer is refused and changes nothing.
    let code = format!("ONLYYUKI{}", &seed.customers["yuki"].id[4..]);
    let (status, created) = stripe_post(
        "promotion_codes",
        &[
            ("promotion[type]", "coupon"),
            ("promotion[coupon]", "WELCOME20"),
            ("customer", &seed.customers["yuki"].id),
            ("code", &code),
        ],
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let seats = &seed.customers["ada"].subscriptions["seats"];
    let (_, body) = ada.apply_coupon(seats, &code).await;
    assert!(body.contains("CouponInvalid"), "{body}");
    // So is a deactivated one.
    let promo = created["id"].as_str().expect("promotion code id");
    stripe_post(&format!("promotion_codes/{promo}"), &[("active", "false")]).await;
    let yuki = app
        .sign_in(&app.sign_in_path("email", &seed.customers["yuki"].email))
        .await;
    let jpy = &seed.customers["yuki"].subscriptions["pro_monthly_jpy"];
    let (_, body) = app.as_customer(&yuki).apply_coupon(jpy, &code).await;
    assert!(body.contains("CouponInvalid"), "{body}");
    for id in [seats, jpy] {
        assert_eq!(subscription(id).await["discounts"], serde_json::json!([]));
    }
}

#[tokio::test]
async fn downgrade_waits_for_the_period_end_when_configured_and_can_be_dropped() {
    use portico::portal_config::ScheduleCondition;
    let seed = fresh_seed("schedule");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = app.as_customer(&cookie);
    app.configure(|c| {
        c.schedule_at_period_end = vec![
            ScheduleCondition::DecreasingItemAmount,
            ScheduleCondition::ShorteningInterval,
        ]
    })
    .await;
    let pro = &seed.customers["ada"].subscriptions["pro_monthly"];
    let starter = &seed.prices["starter_monthly"];
    let period_end = subscription(pro).await["items"]["data"][0]["current_period_end"].clone();

    let (status, body) = ada.preview(pro, starter).await;
    assert_eq!(status, 200, "{body}");
    let preview: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(preview["starts_at"], period_end, "{preview}");
    assert_eq!(preview["amount_due"]["minor"], 900);

    let (status, body) = ada.change_plan(pro, starter).await;
    assert!(status < 400, "{body}");
    let after = subscription(pro).await;
    assert_eq!(
        after["items"]["data"][0]["price"]["id"], seed.prices["pro_monthly"],
        "the customer keeps Pro until the period ends"
    );
    let schedule_id = after["schedule"].as_str().expect("a schedule").to_string();
    let schedule = stripe_get(&format!("subscription_schedules/{schedule_id}")).await;
    assert_eq!(schedule["phases"][1]["items"][0]["price"], *starter);
    assert_eq!(schedule["phases"][1]["start_date"], period_end);
    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(
        html.contains("Changes to Starter · Monthly ($9.00 / month) on"),
        "the card says what changes when"
    );
    assert!(html.contains("Keep current plan"));

    // While the change waits, the plan cannot be changed again.
    let (status, body) = ada
        .with_nonce(nonce(2))
        .change_plan(pro, &seed.prices["pro_yearly"])
        .await;
    assert_eq!(status, 403, "{body}");

    let (status, body) = ada.keep_current_plan(pro).await;
    assert!(status < 400, "{body}");
    let schedule = stripe_get(&format!("subscription_schedules/{schedule_id}")).await;
    assert_eq!(schedule["status"], "released");
    let after = subscription(pro).await;
    assert_eq!(after["schedule"], Value::Null);
    assert_eq!(
        after["items"]["data"][0]["price"]["id"],
        seed.prices["pro_monthly"]
    );
    assert_eq!(
        app.audit_count(&seed.customers["ada"].id, "cancel_scheduled_change", "ok")
            .await,
        1
    );

    // An upgrade still applies at once.
    let (status, body) = ada
        .with_nonce(nonce(3))
        .change_plan(pro, &seed.prices["pro_yearly"])
        .await;
    assert!(status < 400, "{body}");
    assert_eq!(
        subscription(pro).await["items"]["data"][0]["price"]["id"],
        seed.prices["pro_yearly"]
    );

    // Canceling a subscription with a waiting change drops the change.
    let (status, body) = ada
        .with_nonce(nonce(4))
        .change_plan(pro, &seed.prices["starter_yearly"])
        .await;
    assert!(status < 400, "{body}");
    assert!(subscription(pro).await["schedule"].is_string());
    let (status, body) = ada.with_nonce(nonce(5)).cancel(pro, None).await;
    assert!(status < 400, "{body}");
    let after = subscription(pro).await;
    assert_eq!(after["cancel_at_period_end"], true);
    assert_eq!(after["schedule"], Value::Null);
}

#[tokio::test]
async fn sign_in_link_presets_the_quantity_within_the_range() {
    let seed = fresh_seed("preset");
    let app = TestApp::start(Backend::Sqlite).await;
    let ada = &seed.customers["ada"];
    let seats = &ada.subscriptions["seats"];
    let quantity_field = |html: &str| -> String {
        let at = html
            .find(&format!(r#"id="quantity-{seats}""#))
            .expect("the quantity field");
        let end = at + html[at..].find('>').expect("end of the input");
        html[at..end].to_string()
    };

    let plain = app.sign_in(&app.sign_in_path("email", &ada.email)).await;
    let (_, html) = app.portal_page(&plain, "en").await;
    assert!(
        quantity_field(&html).contains(r#"value="5""#),
        "what the customer has"
    );

    let link = format!(
        "{}&quantity%5Bseat%5D=8",
        app.sign_in_path("email", &ada.email)
    );
    let cookie = app.sign_in(&link).await;
    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(
        quantity_field(&html).contains(r#"value="8""#),
        "the link's suggestion"
    );

    let link = format!("{}&quantity=900", app.sign_in_path("email", &ada.email));
    let cookie = app.sign_in(&link).await;
    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(
        quantity_field(&html).contains(r#"value="100""#),
        "never above the maximum"
    );
    assert_eq!(
        subscription(seats).await["items"]["data"][0]["quantity"],
        5,
        "only a suggestion"
    );
}

#[tokio::test]
async fn service_narrows_the_plan_picker_to_its_product_group() {
    let seed = seed();
    let ada = &seed.customers["ada"];
    let pro = &ada.subscriptions["pro_monthly"];
    let app = TestApp::start(Backend::Sqlite).await;
    let offered = async |service: &str| -> Vec<String> {
        let path = format!(
            "{}&service={service}",
            app.sign_in_path("email", &ada.email)
        );
        let cookie = app.sign_in(&path).await;
        let (status, body) = app.as_customer(&cookie).plan_choices(pro).await;
        assert_eq!(status, 200, "{body}");
        let choices: Value = serde_json::from_str(&body).unwrap();
        choices["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["price_id"].as_str().unwrap().to_string())
            .collect()
    };
    let own_group = offered("default").await;
    assert!(own_group.contains(&seed.prices["starter_monthly"]));
    // Billflow's `service` is not signed: it may narrow the offer, never widen it.
    assert!(offered("seats").await.is_empty());
    assert!(offered("no-such-group").await.is_empty());
}
