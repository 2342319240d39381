//! Email addresses find customers (hash links, email sign-in), so an
//! address is an account's key: a new one is saved only when its owner
//! confirms it, a customer cannot take another's, several customers sharing
//! one open none, and sign-in mail goes to the address Stripe holds.

use portico::model::UpdatableDetail;

use crate::support::{
    Backend, TestApp, customer, fresh_seed, nonce, stripe_post, unique_suffix, wait_for_mail,
};

/// The app, with email editing on and the SMTP sink, and Ada signed in.
async fn editing_email(seed: &crate::support::Seed) -> (TestApp, String) {
    let app = TestApp::start_with_mail(Backend::Sqlite).await;
    app.configure(|c| c.customer_update = vec![UpdatableDetail::Email])
        .await;
    let cookie = app
        .sign_in(&app.sign_in_path("email", &seed.customers["ada"].email))
        .await;
    (app, cookie)
}

/// The confirmation link in the one mail `to` received.
async fn confirmation_link(to: &str) -> String {
    let mail = wait_for_mail(to, 1).await;
    let text = &mail[0].text;
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/email/confirm?token="))
        .unwrap_or_else(|| panic!("no link in {text}"));
    let url = url::Url::parse(link).expect("a URL");
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

/// The confirmation page's button, pressed.
async fn press_confirm(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_page(
        "/email/confirm",
        &[("token", token)],
        &[("sec-fetch-site", "same-origin"), ("accept-language", "en")],
    )
    .await
}

fn token_in(path: &str) -> String {
    let query = path.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .expect("a token")
}

#[tokio::test]
async fn a_new_email_is_saved_only_once_its_owner_confirms_it() {
    let seed = fresh_seed("newmail");
    let (app, cookie) = editing_email(&seed).await;
    let ada = app.as_customer(&cookie);
    let ada_id = &seed.customers["ada"].id;
    let old = seed.customers["ada"].email.clone();
    let new = format!("ada.new{}@example.com", unique_suffix());
    let (status, body) = ada.update_details(&[("form[email]", &new)]).await;
    assert!(status < 400, "{body}");
    // Nothing changes at Stripe until the owner of the new address says so.
    assert_eq!(customer(ada_id).await["email"], old.as_str());
    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(html.contains("Waiting for confirmation"), "{html:.300}");
    let path = confirmation_link(&new).await;
    // A mail scanner's visit changes nothing.
    let page = app.get_with(&path, &[("accept-language", "en")]).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains(new.as_str()));
    assert_eq!(customer(ada_id).await["email"], old.as_str());
    let token = token_in(&path);
    let done = press_confirm(&app, &token).await;
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("now uses"));
    assert_eq!(customer(ada_id).await["email"], new.as_str());
    // The link works once.
    let again = press_confirm(&app, &token).await;
    assert_eq!(again.status(), 410);
}

#[tokio::test]
async fn a_customer_cannot_take_another_customers_email() {
    let seed = fresh_seed("takeover");
    let (app, cookie) = editing_email(&seed).await;
    let ada = app.as_customer(&cookie);
    let ada_id = &seed.customers["ada"].id;
    let theirs = seed.customers["trial"].email.clone();
    for (n, taken) in [(1, theirs.clone()), (2, theirs.to_uppercase())] {
        let (status, body) = ada
            .with_nonce(nonce(n))
            .update_details(&[("form[email]", &taken)])
            .await;
        // The same answer as for a free address: the form tells no one
        // whose address it is.
        assert!(status < 400, "{taken}: {body}");
    }
    // The page reads as for any address: it waits for confirmation.
    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(html.contains("Waiting for confirmation"), "{html:.300}");
    // The other customer gets no mail, and no address changes.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(crate::support::mailbox(&theirs).await.is_empty());
    assert_eq!(customer(ada_id).await["email"], seed.customers["ada"].email);
    // Their link still opens their own account.
    let trial = app.sign_in(&app.sign_in_path("email", &theirs)).await;
    let (_, html) = app.portal_page(&trial, "en").await;
    assert!(html.contains("Tom Trial"), "{html:.300}");
    // An address taken after the link was mailed is refused at the link.
    let free = format!("ada.free{}@example.com", unique_suffix());
    let (status, body) = ada
        .with_nonce(nonce(3))
        .update_details(&[("form[email]", &free)])
        .await;
    assert!(status < 400, "{body}");
    let path = confirmation_link(&free).await;
    let (status, _) = stripe_post("customers", &[("email", free.as_str())]).await;
    assert_eq!(status, 200);
    let token = token_in(&path);
    let refused = press_confirm(&app, &token).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(customer(ada_id).await["email"], seed.customers["ada"].email);
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
