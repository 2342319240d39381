//! Email addresses find customers (hash links, email sign-in), so an
//! address is an account's key: a customer cannot take another's, several
//! customers sharing one open none, and sign-in mail goes to the address
//! Stripe holds.

use portico::model::UpdatableDetail;

use crate::support::{
    Backend, TestApp, customer, fresh_seed, nonce, signed_in, stripe_post, unique_suffix,
    wait_for_mail,
};

#[tokio::test]
async fn a_customer_cannot_take_another_customers_email() {
    let seed = fresh_seed("takeover");
    let (app, cookie) = signed_in(&seed, "ada").await;
    app.configure(|c| c.customer_update = vec![UpdatableDetail::Email])
        .await;
    let ada = app.as_customer(&cookie);
    let ada_id = &seed.customers["ada"].id;
    let theirs = seed.customers["trial"].email.clone();
    for (n, taken) in [(1, theirs.clone()), (2, theirs.to_uppercase())] {
        let (status, body) = ada
            .with_nonce(nonce(n))
            .update_details(&[("form[email]", &taken)])
            .await;
        assert_eq!(status, 422, "{taken}: {body}");
        assert!(body.contains("EmailTaken"), "{body}");
    }
    assert_eq!(customer(ada_id).await["email"], seed.customers["ada"].email);
    // The other customer's link still opens their own account.
    let trial = app.sign_in(&app.sign_in_path("email", &theirs)).await;
    let (_, html) = app.portal_page(&trial, "en").await;
    assert!(html.contains("Tom Trial"), "{html:.300}");
    // An address nobody holds is hers to take.
    let free = format!("ada.new{}@example.com", unique_suffix());
    let (status, body) = ada
        .with_nonce(nonce(3))
        .update_details(&[("form[email]", &free)])
        .await;
    assert!(status < 400, "{body}");
    assert_eq!(customer(ada_id).await["email"], free.as_str());
}

#[tokio::test]
async fn an_email_several_customers_share_opens_none() {
    let app = TestApp::start(Backend::Sqlite).await;
    let shared = format!("shared{}@example.com", unique_suffix());
    for name in ["First", "Second"] {
        let (status, body) =
            stripe_post("customers", &[("email", shared.as_str()), ("name", name)]).await;
        assert_eq!(status, 200, "{body}");
    }
    let response = app
        .get_with(
            &app.sign_in_path("email", &shared),
            &[("accept-language", "en")],
        )
        .await;
    assert_eq!(response.status(), 409);
    assert!(response.headers().get("set-cookie").is_none());
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Several billing accounts use this email"),
        "{page:.400}"
    );
}

#[tokio::test]
async fn sign_in_mail_goes_to_the_address_stripe_holds() {
    let app = TestApp::start_with_mail(Backend::Sqlite).await;
    let held = format!("casey{}@example.com", unique_suffix());
    let (status, body) = stripe_post("customers", &[("email", held.as_str())]).await;
    assert_eq!(status, 200, "{body}");
    let typed = held.to_uppercase();
    let response = app
        .post_page("/login", &[("email", &typed)], &[("accept-language", "en")])
        .await;
    assert_eq!(response.status(), 200);
    let mail = wait_for_mail(&held, 1).await;
    assert_eq!(mail.len(), 1);
}
