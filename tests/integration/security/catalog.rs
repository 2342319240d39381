//! The plan catalog is closed: only what the configuration names, or with
//! none named, the prices the merchant marked offered. Never a $0 or intro
//! price by a click, and no way off a product that is not offered.

use portico::portal_config::OfferedProduct;

use crate::support::{fresh_seed, nonce, signed_in, stripe_get, stripe_post, subscription};

/// A price the merchant did not mark offered, on `product`.
async fn unoffered_price(product: &str, amount: &str) -> String {
    let (status, price) = stripe_post(
        "prices",
        &[
            ("product", product),
            ("unit_amount", amount),
            ("currency", "usd"),
            ("recurring[interval]", "month"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{price}");
    price["id"].as_str().unwrap().to_string()
}

fn price_of(sub: &serde_json::Value) -> String {
    sub["items"]["data"][0]["price"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn only_prices_the_merchant_offers_are_plans() {
    let seed = fresh_seed("catalog");
    let (app, cookie) = signed_in(&seed, "ada").await;
    app.configure(|c| c.change_plan = true).await;
    let ada = app.as_customer(&cookie);
    let pro = &seed.customers["ada"].subscriptions["pro_monthly"];
    let product = stripe_get(&format!("prices/{}", seed.prices["pro_monthly"])).await["product"]
        .as_str()
        .unwrap()
        .to_string();
    let free = unoffered_price(&product, "0").await;
    let intro = unoffered_price(&product, "100").await;
    let (status, choices) = ada.plan_choices(pro).await;
    assert_eq!(status, 200, "{choices}");
    assert!(choices.contains(&seed.prices["pro_yearly"]), "{choices}");
    for (n, price) in [(1, &free), (2, &intro)] {
        assert!(
            !choices.contains(price.as_str()),
            "{price} offered: {choices}"
        );
        let (status, body) = ada.preview(pro, price).await;
        assert_eq!(status, 422, "{body}");
        let (status, body) = ada.with_nonce(nonce(n)).change_plan(pro, price).await;
        assert_eq!(status, 422, "{body}");
        assert!(body.contains("PlanUnavailable"), "{body}");
    }
    assert_eq!(
        price_of(&subscription(pro).await),
        seed.prices["pro_monthly"]
    );
    // An offered price still goes through.
    let (status, body) = ada
        .with_nonce(nonce(3))
        .change_plan(pro, &seed.prices["pro_yearly"])
        .await;
    assert!(status < 400, "{body}");
}

#[tokio::test]
async fn a_subscription_on_a_product_not_offered_moves_nowhere() {
    let seed = fresh_seed("legacy");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = app.as_customer(&cookie);
    // The merchant's grandfathered plan, in the same group as the offered
    // tiers but with no offered price.
    let (status, legacy) = stripe_post(
        "products",
        &[("name", "Legacy"), ("metadata[portico_group]", "default")],
    )
    .await;
    assert_eq!(status, 200, "{legacy}");
    let legacy_price = unoffered_price(legacy["id"].as_str().unwrap(), "500").await;
    let (status, sub) = stripe_post(
        "subscriptions",
        &[
            ("customer", seed.customers["ada"].id.as_str()),
            ("items[0][price]", &legacy_price),
        ],
    )
    .await;
    assert_eq!(status, 200, "{sub}");
    let sub = sub["id"].as_str().unwrap().to_string();
    app.configure(|c| c.change_plan = true).await;
    let (_, choices) = ada.plan_choices(&sub).await;
    assert!(!choices.contains(&seed.prices["pro_monthly"]), "{choices}");
    let (status, body) = ada.change_plan(&sub, &seed.prices["pro_monthly"]).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(price_of(&subscription(&sub).await), legacy_price);

    // With products named in the configuration, a subscription on another
    // product moves nowhere either.
    let starter = &seed.customers["ada"].subscriptions["starter_yearly_canceling"];
    let pro_product =
        stripe_get(&format!("prices/{}", seed.prices["pro_monthly"])).await["product"]
            .as_str()
            .unwrap()
            .to_string();
    app.configure(|c| {
        c.products = vec![OfferedProduct {
            product: pro_product.clone(),
            prices: Vec::new(),
        }]
    })
    .await;
    let (status, body) = ada
        .with_nonce(nonce(2))
        .change_plan(starter, &seed.prices["pro_monthly"])
        .await;
    assert!((400..500).contains(&status), "{body}");
}
