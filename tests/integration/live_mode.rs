//! Live mode is kept apart from test mode: its own configuration, its own
//! API keys, an identity proof always required, no development mailbox.
//! Everything here is refused before Stripe would be asked, so the live
//! instance points at an https address where nothing listens (live mode
//! accepts no http Stripe, and the emulator speaks only http).

use crate::support::{Backend, TestApp, config_vars, fresh_database, urlencode};
use portico::server::session_api::api_key;

const SHOP: &str = "https://shop.example";

async fn live_app() -> TestApp {
    let mut vars = config_vars(
        "https://127.0.0.1:9/",
        &fresh_database(Backend::Sqlite).await,
    );
    vars.insert("PORTICO_MODE", "live".into());
    vars.insert("STRIPE_SECRET_KEY", "sk_live_portico_integration".into());
    vars.insert("PORTICO_PUBLIC_URL", "https://billing.example".into());
    let app = TestApp::start_with(vars).await;
    // The merchant relaxes the *test* configuration and allows the shop in
    // the live one.
    app.configure(|c| c.require_hash = false).await;
    let db = &app.state.db;
    let mut live = db
        .default_portal_config(true)
        .await
        .unwrap()
        .expect("live default");
    live.settings.require_hash = false;
    live.settings.email_login = true;
    live.settings.allowed_origins = vec![SHOP.into()];
    db.update_portal_config(&live.id, &live.settings)
        .await
        .unwrap();
    app
}

#[tokio::test]
async fn live_mode_has_its_own_configuration_and_always_wants_a_proof() {
    let app = live_app().await;
    let db = &app.state.db;
    let test = db.default_portal_config(false).await.unwrap().unwrap();
    let live = db.default_portal_config(true).await.unwrap().unwrap();
    assert_ne!(test.id, live.id);

    // Neither configuration's require_hash=false lets a live link in unsigned.
    let email = urlencode("ada@example.com");
    for path in [
        format!("/portal?email={email}"),
        format!("/embed?email={email}&origin={}", urlencode(SHOP)),
    ] {
        let response = app.get_with(&path, &[("accept-language", "en")]).await;
        assert_eq!(response.status(), 401, "{path}");
        assert!(response.headers().get("set-cookie").is_none());
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("missing its security signature"),
            "{path}"
        );
    }
    assert_eq!(app.session_count().await, 0);
}

#[tokio::test]
async fn live_mode_refuses_test_keys() {
    let app = live_app().await;
    let (_, test_key) = api_key::create(&app.state.db, false, None).await.unwrap();
    assert!(test_key.starts_with("portico_sk_test_"));
    let response = app
        .post_page(
            "/v1/billing_portal/sessions",
            &[("customer", "cus_123")],
            &[("authorization", &format!("Bearer {test_key}"))],
        )
        .await;
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn live_mode_without_smtp_sends_no_email() {
    // Email sign-in is on in the live configuration, but there is no
    // development mailbox in live mode.
    let app = live_app().await;
    let form = app.get_with("/login", &[("accept-language", "en")]).await;
    assert_eq!(form.status(), 404);
    let response = app
        .post_page("/login", &[("email", "ada@example.com")], &[])
        .await;
    assert_eq!(response.status(), 404);
    assert!(
        app.state
            .db
            .outbox_for("ada@example.com")
            .await
            .unwrap()
            .is_empty()
    );
}
