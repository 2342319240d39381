//! Identity proofs: a merchant who signs with expiring identities can turn
//! Billflow's static hashes (which never expire) off.

use portico::server::db::now;
use portico::server::identity_hash::signed_identity;

use crate::support::{Backend, TestApp, fresh_seed, urlencode};

#[tokio::test]
async fn static_hashes_can_be_turned_off() {
    let seed = fresh_seed("nostatic");
    let app = TestApp::start(Backend::Sqlite).await;
    let email = &seed.customers["ada"].email;
    let static_link = app.sign_in_path("email", email);
    assert_eq!(app.get(&static_link).await.status(), 303, "on by default");
    app.configure(|c| {
        c.static_hashes = false;
        c.allowed_origins = vec!["https://shop.example".into()];
    })
    .await;
    let signed = signed_identity("default", app.hash_secret().as_bytes(), email, now());
    let signed_link = format!(
        "/portal?email={}&hash={}",
        urlencode(email),
        urlencode(&signed)
    );
    for path in [
        static_link.clone(),
        static_link.replacen("/portal?", "/embed?origin=https%3A%2F%2Fshop.example&", 1),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status(), 403, "{path}");
        assert!(response.headers().get("set-cookie").is_none());
    }
    assert_eq!(app.get(&signed_link).await.status(), 303);
}

#[tokio::test]
async fn test_and_live_mode_may_not_share_a_secret() {
    use leptos::prelude::LeptosOptions;
    use portico::server::app::{BootError, state};
    use portico::server::config::Config;

    let database = crate::support::fresh_database(Backend::Sqlite).await;
    let _test = TestApp::start_with(crate::support::config_vars(
        &crate::support::api_base(),
        &database,
    ))
    .await;
    let mut live = crate::support::config_vars("https://127.0.0.1:9/", &database);
    live.insert("PORTICO_MODE", "live".into());
    live.insert("STRIPE_SECRET_KEY", "sk_live_portico_integration".into());
    live.insert("PORTICO_PUBLIC_URL", "https://billing.example".into());
    let boot = |vars: std::collections::HashMap<&'static str, String>| async move {
        let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("a valid config");
        state(
            config,
            LeptosOptions::builder().output_name("portico").build(),
        )
        .await
    };
    let refused = boot(live.clone()).await;
    assert!(
        matches!(refused, Err(BootError::SharedSecret)),
        "{:?}",
        refused.err()
    );
    // With a secret of its own, live mode starts on the same database.
    live.insert(
        "PORTICO_HASH_SECRET",
        "live-secret-9c41e07b2d5f8a36e1c94b70d2a5f3e8".into(),
    );
    assert!(boot(live).await.is_ok());
}
