//! Stale replays: a form of an earlier page sent again after the state moved
//! on (the Back button) acts on the state as it is now, rather than replaying
//! Stripe's first answer; and the home page's address cannot make the embed
//! report an action that did not happen.

use crate::support::{fresh_seed, nonce, signed_in, stripe_post, subscription};

#[tokio::test]
async fn an_old_cancel_form_sent_again_after_keeping_cancels_for_real() {
    let seed = fresh_seed("replay");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let sub = &seed.customers["ada"].subscriptions["pro_monthly"];
    let first_page = app.as_customer(&cookie).js_off();
    let (status, _) = first_page.cancel(sub, None).await;
    assert_eq!(status, 302);
    assert_eq!(subscription(sub).await["cancel_at_period_end"], true);
    let (status, _) = first_page.with_nonce(nonce(2)).reactivate(sub).await;
    assert_eq!(status, 302);
    assert_eq!(subscription(sub).await["cancel_at_period_end"], false);

    // Back to the first page, and its cancel form again.
    let (status, location) = first_page.cancel(sub, None).await;
    assert_eq!(status, 302);
    assert_eq!(
        subscription(sub).await["cancel_at_period_end"],
        true,
        "the replayed form canceled, instead of replaying the first answer"
    );
    let ada = &seed.customers["ada"].id;
    assert_eq!(app.audit_count(ada, "cancel", "ok").await, 2);

    // The notice and the embed's event come from the session's last action.
    let html = page(&app, &cookie, &location).await;
    assert!(
        html.contains(r#"data-portico-event="cancel""#),
        "{location}"
    );
    // An address typed in, or the same with another subscription, reports nothing.
    let seats = &seed.customers["ada"].subscriptions["seats"];
    for typed in [
        format!("/?event=cancel&subscription={sub}&n=typed"),
        location.replace(sub.as_str(), seats),
        format!("/?event=reactivate&subscription={sub}&n=x"),
    ] {
        let html = page(&app, &cookie, &typed).await;
        assert!(!html.contains("data-portico-event"), "{typed}");
        assert!(!html.contains("notice-success"), "{typed}");
    }
}

#[tokio::test]
async fn an_old_default_card_form_sent_again_makes_that_card_the_default_again() {
    let seed = fresh_seed("replaycard");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let ada = &seed.customers["ada"];
    let first = ada.payment_method.clone();
    let second = crate::support::new_card("4242424242424242").await;
    let (status, body) = stripe_post(
        &format!("payment_methods/{second}/attach"),
        &[("customer", ada.id.as_str())],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let default = || async {
        crate::support::customer(&ada.id).await["invoice_settings"]["default_payment_method"]
            .clone()
    };
    let first_page = app.as_customer(&cookie).js_off();
    assert_eq!(first_page.set_default_card(&second).await.0, 302);
    assert_eq!(default().await, second.as_str());
    let second_page = first_page.with_nonce(nonce(2));
    assert_eq!(second_page.set_default_card(&first).await.0, 302);
    assert_eq!(default().await, first.as_str());
    // The first page's form again: the card it names becomes the default.
    assert_eq!(first_page.set_default_card(&second).await.0, 302);
    assert_eq!(default().await, second.as_str());
}

async fn page(app: &crate::support::TestApp, cookie: &str, path: &str) -> String {
    let response = app.get_with(path, &[("cookie", cookie)]).await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.expect("page").replace("<!>", "")
}
