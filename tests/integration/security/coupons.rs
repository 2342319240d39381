//! Coupons and promotion codes: once per customer unless the merchant says
//! otherwise, however the code left the subscription, and one redemption
//! however many applications race.

use crate::support::{fresh_seed, nonce, signed_in, stripe_get, stripe_post, unique_suffix};

/// A coupon of the test's own, redeemable in the portal (`repeatable`:
/// marked so one customer may redeem it again), and its id.
async fn coupon(name: &str, repeatable: bool) -> String {
    let id = format!("{name}-{}", unique_suffix());
    let mut form = vec![
        ("id", id.as_str()),
        ("percent_off", "10"),
        ("duration", "once"),
        ("metadata[portico_redeemable]", "true"),
    ];
    if repeatable {
        form.push(("metadata[portico_repeatable]", "true"));
    }
    let (status, body) = stripe_post("coupons", &form).await;
    assert_eq!(status, 200, "{body}");
    id
}

async fn discount_of(subscription: &str) -> String {
    let sub = stripe_get(&format!("subscriptions/{subscription}?expand[]=discounts")).await;
    let discount = &sub["discounts"][0];
    discount["coupon"]["id"]
        .as_str()
        .or(discount["source"]["coupon"]["id"].as_str())
        .or(discount["source"]["coupon"].as_str())
        .or(discount["coupon"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_code_is_redeemed_once_per_customer_after_it_left() {
    let seed = fresh_seed("once");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = app.as_customer(&cookie);
    let pro = &seed.customers["ada"].subscriptions["pro_monthly"];
    let seats = &seed.customers["ada"].subscriptions["seats"];
    let (first, second) = (coupon("ONCE", false).await, coupon("NEXT", false).await);
    let (status, body) = ada.apply_coupon(pro, &first).await;
    assert!(status < 400, "{body}");
    // Another code takes its place: the first has left the subscription.
    let (status, body) = ada.with_nonce(nonce(2)).apply_coupon(pro, &second).await;
    assert!(status < 400, "{body}");
    assert_eq!(discount_of(pro).await, second);
    for (n, sub) in [(3, pro), (4, seats)] {
        let (status, body) = ada.with_nonce(nonce(n)).apply_coupon(sub, &first).await;
        assert_eq!(status, 422, "{sub}: {body}");
        assert!(body.contains("CouponInvalid"), "{body}");
    }
    assert_eq!(discount_of(pro).await, second);
    assert_eq!(discount_of(seats).await, "");
    // The same form sent again after its answer redeems nothing more.
    let third = coupon("TWICE", false).await;
    let page = ada.with_nonce(nonce(5));
    let a = page.apply_coupon(seats, &third).await;
    let b = page.apply_coupon(seats, &third).await;
    assert!(a.0 < 400 && b.0 == 422, "{a:?} {b:?}");
    assert_eq!(discount_of(seats).await, third);
    // Another customer redeems it as usual.
    let (app_t, cookie_t) = signed_in(&seed, "trial").await;
    let trial = &seed.customers["trial"].subscriptions["pro_trial"];
    let (status, body) = app_t
        .as_customer(&cookie_t)
        .apply_coupon(trial, &first)
        .await;
    assert!(status < 400, "{body}");
}

#[tokio::test]
async fn concurrent_applications_of_a_code_redeem_it_once() {
    let seed = fresh_seed("race");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = app.as_customer(&cookie);
    let seats = &seed.customers["ada"].subscriptions["seats"];
    let coupon_id = format!("RACE-{}", unique_suffix());
    let (status, body) = stripe_post(
        "coupons",
        &[
            ("id", &coupon_id),
            ("percent_off", "30"),
            ("duration", "once"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let code = format!("R{}", unique_suffix()).to_uppercase();
    let (status, promo) = stripe_post(
        "promotion_codes",
        &[
            ("promotion[type]", "coupon"),
            ("promotion[coupon]", &coupon_id),
            ("code", &code),
        ],
    )
    .await;
    assert_eq!(status, 200, "{promo}");
    // Ten pages (ten form nonces) apply the code at once.
    let pages: Vec<_> = (10..20).map(|n| ada.with_nonce(nonce(n))).collect();
    let answers =
        futures::future::join_all(pages.iter().map(|page| page.apply_coupon(seats, &code))).await;
    let applied = answers.iter().filter(|(status, _)| *status < 400).count();
    assert_eq!(applied, 1, "{answers:?}");
    let promo = stripe_get(&format!(
        "promotion_codes/{}",
        promo["id"].as_str().unwrap()
    ))
    .await;
    assert_eq!(promo["times_redeemed"], 1, "{promo}");
    assert_eq!(
        app.audit_count(&seed.customers["ada"].id, "apply_coupon", "ok")
            .await,
        1
    );
}

#[tokio::test]
async fn a_code_the_merchant_marked_repeatable_is_redeemed_again() {
    let seed = fresh_seed("repeat");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = app.as_customer(&cookie);
    let pro = &seed.customers["ada"].subscriptions["pro_monthly"];
    let (again, other) = (coupon("AGAIN", true).await, coupon("OTHER", false).await);
    for (n, code) in [(1, &again), (2, &other), (3, &again)] {
        let (status, body) = ada.with_nonce(nonce(n)).apply_coupon(pro, code).await;
        assert!(status < 400, "{code}: {body}");
        assert_eq!(&discount_of(pro).await, code);
    }
}
