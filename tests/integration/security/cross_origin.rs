//! Cross-origin posts (CSRF): every server function and every form route,
//! posted by another site, a sibling subdomain or a page of another origin,
//! with the customer's cookie: all refused, nothing changed.

use portico::api::Endpoint;

use super::{Field, fields, report, snapshot};
use crate::support::{NONCE, fresh_seed, signed_in, subscription};

/// The plain form routes beside the server functions.
const FORM_ROUTES: [&str; 5] = ["/portal", "/logout", "/locale", "/login", "/login/confirm"];

#[tokio::test]
async fn cross_origin_posts_are_refused_everywhere() {
    let seed = fresh_seed("csrf");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = &seed.customers["ada"];
    let sub = &ada.subscriptions["pro_monthly"];
    let before = snapshot(&ada.id).await;
    let value = |field: Field| match field {
        Field::Subscription => sub.clone(),
        Field::Price => seed.prices["pro_yearly"].clone(),
        Field::PaymentMethod => ada.payment_method.clone(),
        _ => NONCE.to_string(),
    };
    let mut paths: Vec<(String, Vec<(String, String)>)> = Endpoint::ALL
        .iter()
        .map(|e| {
            let form = fields(*e)
                .iter()
                .map(|(name, field)| (name.to_string(), value(*field)))
                .collect();
            (e.path(), form)
        })
        .collect();
    paths.extend(FORM_ROUTES.map(|p| (p.to_string(), Vec::new())));
    let mut tried = 0;
    let mut failures = Vec::new();
    for (path, form) in &paths {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (&**k, &**v)).collect();
        for header in [
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-site", "same-site"),
            ("origin", "https://evil.example"),
        ] {
            let response = app
                .post_page(path, &form, &[("cookie", &cookie), header])
                .await;
            tried += 1;
            if response.status() != 403 {
                failures.push(format!("{path} {header:?}: {}", response.status()));
            }
        }
    }
    let after = snapshot(&ada.id).await;
    if before != after {
        failures.push(format!("Stripe changed: {before} -> {after}"));
    }
    report(
        "cross_origin",
        &format!("{tried} cross-origin posts"),
        &failures,
    );
    // The same post from the portal's own page goes through: the refusals
    // above were the origin's doing.
    let response = app
        .post_page(
            &Endpoint::CancelSubscription.path(),
            &[("subscription_id", sub), ("nonce", NONCE)],
            &[("cookie", &cookie), ("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(subscription(sub).await["cancel_at_period_end"], true);
}
