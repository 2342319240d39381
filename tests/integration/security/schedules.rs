//! The merchant's own subscription schedule (a ramp: an intro price, then
//! the full one) is not the customer's to undo: no "keep current plan", no
//! cancel-then-reactivate, no change that would race with it. Portico
//! releases only the schedules it made (see actions.rs for those).

use crate::support::{fresh_seed, nonce, signed_in, stripe_get, stripe_post, subscription};

#[tokio::test]
async fn a_merchants_schedule_is_left_alone() {
    let seed = fresh_seed("ramp");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = app.as_customer(&cookie);
    let pro = &seed.customers["ada"].subscriptions["pro_monthly"];
    // The merchant's ramp: Pro monthly (the intro) until the period ends,
    // then Pro yearly.
    let (status, schedule) =
        stripe_post("subscription_schedules", &[("from_subscription", pro)]).await;
    assert_eq!(status, 200, "{schedule}");
    let id = schedule["id"].as_str().unwrap().to_string();
    let start = schedule["phases"][0]["start_date"].to_string();
    let end = schedule["phases"][0]["end_date"].to_string();
    let (status, body) = stripe_post(
        &format!("subscription_schedules/{id}"),
        &[
            ("end_behavior", "release"),
            ("phases[0][start_date]", &start),
            ("phases[0][end_date]", &end),
            ("phases[0][items][0][price]", &seed.prices["pro_monthly"]),
            ("phases[1][items][0][price]", &seed.prices["pro_yearly"]),
            ("phases[1][proration_behavior]", "none"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let (status, html) = app.portal_page(&cookie, "en").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("follows a schedule agreed with you"),
        "{html:.300}"
    );
    assert!(!html.contains("Keep current plan"));

    // Every way a customer could undo or race the ramp is refused.
    let answers = [
        ("keep", ada.keep_current_plan(pro).await),
        ("cancel", ada.with_nonce(nonce(2)).cancel(pro, None).await),
        ("reactivate", ada.with_nonce(nonce(3)).reactivate(pro).await),
        (
            "change",
            ada.with_nonce(nonce(4))
                .change_plan(pro, &seed.prices["starter_monthly"])
                .await,
        ),
        (
            "coupon",
            ada.with_nonce(nonce(5))
                .apply_coupon(pro, "WELCOME20")
                .await,
        ),
    ];
    for (what, (status, body)) in answers {
        assert!((400..500).contains(&status), "{what}: {status} {body}");
    }
    let schedule = stripe_get(&format!("subscription_schedules/{id}")).await;
    assert_eq!(schedule["status"], "active", "{schedule}");
    assert_eq!(
        schedule["phases"][1]["items"][0]["price"],
        seed.prices["pro_yearly"].as_str()
    );
    let after = subscription(pro).await;
    assert_eq!(after["schedule"], id.as_str());
    assert_eq!(after["cancel_at_period_end"], false);
    assert_eq!(
        after["items"]["data"][0]["price"]["id"],
        seed.prices["pro_monthly"].as_str()
    );
}
