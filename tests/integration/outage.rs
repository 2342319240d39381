//! When Stripe is down or answers garbage, customers get a clear, translated
//! "billing provider unavailable" page, never a 500 or a panic.

use crate::support::{Backend, TestApp, config_vars, fresh_database};

/// A port with nothing listening on it.
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// A server that answers every request with a text/plain 500, as a proxy in
/// front of a broken API would.
async fn broken_api() -> String {
    use axum::http::StatusCode;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .fallback(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error") });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/")
}

#[tokio::test]
async fn unreachable_stripe_shows_billing_unavailable() {
    let base = format!("http://127.0.0.1:{}/", closed_port().await);
    let app = TestApp::start_with(config_vars(&base, &fresh_database(Backend::Sqlite).await)).await;
    let response = app
        .get_with(
            &app.sign_in_path("email", "ada@example.com"),
            &[("accept-language", "en")],
        )
        .await;
    assert_eq!(response.status(), 503);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("billing provider isn't responding")
    );
    assert_eq!(app.session_count().await, 0);
}

#[tokio::test]
async fn text_plain_500_from_stripe_shows_billing_unavailable() {
    let base = broken_api().await;
    let app = TestApp::start_with(config_vars(&base, &fresh_database(Backend::Sqlite).await)).await;
    let response = app
        .get_with(
            &app.sign_in_path("customer_id", "cus_123"),
            &[("accept-language", "de")],
        )
        .await;
    assert_eq!(response.status(), 503);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Zahlungsanbieter antwortet gerade nicht")
    );
}
