//! Signing in with a Billflow-style hash link and reading the portal, on
//! SQLite and PostgreSQL, against the Stripe emulator.

use crate::support::{BACKENDS, Backend, TestApp, seed, urlencode};

fn ada_email() -> String {
    seed().customers["ada"].email.clone()
}

#[tokio::test]
async fn valid_email_hash_opens_a_session_and_shows_subscriptions() {
    for backend in BACKENDS {
        let app = TestApp::start(backend).await;
        let cookie = app.sign_in(&app.sign_in_path("email", &ada_email())).await;
        assert!(
            cookie.starts_with("portico_session=pses_"),
            "{backend:?}: {cookie}"
        );

        let (status, html) = app.portal_page(&cookie, "en-US,en;q=0.9").await;
        assert_eq!(status, 200, "{backend:?}");
        for expected in [
            "Your subscriptions",
            "Pro",
            "$29.00 / month",
            "Team Seats",
            "$60.00 / month",
            "$12.00 per seat",
        ] {
            assert!(
                html.contains(expected),
                "{backend:?}: page lacks {expected:?}"
            );
        }
        assert!(
            html.contains("Cancellation scheduled"),
            "{backend:?}: pending cancellation notice"
        );
        assert!(
            html.contains("Ended on"),
            "{backend:?}: canceled subscription is listed by default"
        );
        let ended = html.find("Ended on").unwrap();
        let active = html.rfind("Renews on").unwrap();
        assert!(
            active < ended,
            "{backend:?}: ended subscriptions come after current ones"
        );
        assert_eq!(app.session_count().await, 1, "{backend:?}");
    }
}

#[tokio::test]
async fn valid_customer_id_hash_signs_in_that_customer() {
    let seed = seed();
    let app = TestApp::start(Backend::Sqlite).await;
    let cookie = app
        .sign_in(&app.sign_in_path("customer_id", &seed.customers["yuki"].id))
        .await;
    let (status, html) = app.portal_page(&cookie, "en").await;
    assert_eq!(status, 200);
    assert!(html.contains("¥3,000 / month"), "JPY has no decimals");
    assert!(html.contains(&seed.customers["yuki"].email));
}

#[tokio::test]
async fn forged_hash_is_refused_and_creates_nothing() {
    for backend in BACKENDS {
        let app = TestApp::start(backend).await;
        let forged = urlencode(&ada_email());
        let path = format!("/portal?email={forged}&hash={}", "ab".repeat(32));
        let response = app.get_with(&path, &[("accept-language", "en")]).await;
        assert_eq!(response.status(), 403, "{backend:?}");
        assert!(
            response.headers().get("set-cookie").is_none(),
            "{backend:?}"
        );
        let body = response.text().await.unwrap();
        assert!(
            body.contains("security signature is not valid"),
            "{backend:?}: {body}"
        );
        assert_eq!(app.session_count().await, 0, "{backend:?}");
    }
}

#[tokio::test]
async fn malformed_or_missing_hashes_get_their_own_answers() {
    let app = TestApp::start(Backend::Sqlite).await;
    let email = urlencode(&ada_email());
    let cases = [
        (
            format!("/portal?email={email}"),
            401,
            "missing its security signature",
        ),
        (
            format!("/portal?email={email}&hash=not-hex"),
            403,
            "not valid",
        ),
        (
            format!("/portal?email={email}&hash={}", "z".repeat(64)),
            403,
            "not valid",
        ),
        ("/portal?hash=abc".to_string(), 400, "names no customer"),
    ];
    for (path, status, text) in cases {
        let response = app.get_with(&path, &[("accept-language", "en")]).await;
        assert_eq!(response.status(), status, "{path}");
        assert!(response.text().await.unwrap().contains(text), "{path}");
    }
    assert_eq!(app.session_count().await, 0);
}

#[tokio::test]
async fn hash_of_one_customer_does_not_open_another() {
    let seed = seed();
    let app = TestApp::start(Backend::Sqlite).await;
    let signed_for_ada = app.sign_in_path("email", &seed.customers["ada"].email);
    let hash = signed_for_ada.rsplit("hash=").next().unwrap();
    let path = format!(
        "/portal?email={}&hash={hash}",
        urlencode(&seed.customers["yuki"].email)
    );
    assert_eq!(app.get(&path).await.status(), 403);
}

#[tokio::test]
async fn unknown_customer_with_valid_hash_is_not_found() {
    let app = TestApp::start(Backend::Sqlite).await;
    for (key, value) in [
        ("email", "nobody-here@example.com"),
        ("customer_id", "cus_doesnotexist"),
    ] {
        let response = app
            .get_with(&app.sign_in_path(key, value), &[("accept-language", "en")])
            .await;
        assert_eq!(response.status(), 404, "{key}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("couldn't find a billing account")
        );
    }
    assert_eq!(app.session_count().await, 0);
}

#[tokio::test]
async fn refusals_are_translated() {
    let app = TestApp::start(Backend::Sqlite).await;
    let path = format!(
        "/portal?email={}&hash={}",
        urlencode(&ada_email()),
        "00".repeat(32)
    );
    let body = app
        .get_with(&path, &[("accept-language", "de-DE,de;q=0.9,en;q=0.5")])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("Sicherheitssignatur dieses Anmeldelinks ist ungültig"),
        "{body}"
    );
    assert!(body.contains(r#"lang="de""#));
}

#[tokio::test]
async fn portal_without_session_asks_to_sign_in_again() {
    let app = TestApp::start(Backend::Sqlite).await;
    let (status, html) = app.portal_page("", "en").await;
    assert_eq!(status, 401);
    assert!(html.contains("You are not signed in"));
    let (status, html) = app.portal_page("portico_session=pses_madeup", "de").await;
    assert_eq!(status, 401);
    assert!(html.contains("Sitzung ist abgelaufen"));
}

#[tokio::test]
async fn expired_session_is_refused() {
    for backend in BACKENDS {
        let app = TestApp::start(backend).await;
        let cookie = app.sign_in(&app.sign_in_path("email", &ada_email())).await;
        // Age the session past its 5-minute first-use window.
        sqlx::query("UPDATE portal_sessions SET created_at = created_at - 301")
            .execute(&app.state.db.pool)
            .await
            .unwrap();
        let (status, html) = app.portal_page(&cookie, "en").await;
        assert_eq!(status, 401, "{backend:?}");
        assert!(html.contains("Your session has expired"), "{backend:?}");
    }
}

#[tokio::test]
async fn session_scoped_to_one_subscription_shows_only_it() {
    let seed = seed();
    let ada = &seed.customers["ada"];
    let app = TestApp::start(Backend::Sqlite).await;
    let scoped = format!(
        "{}&subscription_id={}",
        app.sign_in_path("email", &ada.email),
        ada.subscriptions["seats"]
    );
    let cookie = app.sign_in(&scoped).await;
    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(html.contains("Your subscription"));
    assert!(html.contains("Team Seats"));
    assert!(
        !html.contains("$29.00 / month"),
        "other subscriptions are hidden"
    );
}

#[tokio::test]
async fn another_customers_subscription_id_is_refused() {
    let seed = seed();
    let app = TestApp::start(Backend::Sqlite).await;
    let path = format!(
        "{}&subscription_id={}",
        app.sign_in_path("email", &seed.customers["ada"].email),
        seed.customers["yuki"].subscriptions["pro_monthly_jpy"]
    );
    let response = app.get(&path).await;
    assert_eq!(response.status(), 404);
    assert_eq!(app.session_count().await, 0);
}

#[tokio::test]
async fn only_active_toggle_hides_canceled_subscriptions() {
    let app = TestApp::start(Backend::Sqlite).await;
    app.configure(|c| c.only_active_subscriptions = true).await;

    let cookie = app.sign_in(&app.sign_in_path("email", &ada_email())).await;
    let (_, html) = app.portal_page(&cookie, "en").await;
    assert!(html.contains("Team Seats"));
    assert!(
        !html.contains("Ended on"),
        "the canceled subscription is hidden"
    );
}

#[tokio::test]
async fn customer_without_subscriptions_sees_empty_state() {
    let seed = seed();
    let app = TestApp::start(Backend::Sqlite).await;
    let cookie = app
        .sign_in(&app.sign_in_path("email", &seed.customers["empty"].email))
        .await;
    let (status, html) = app.portal_page(&cookie, "en").await;
    assert_eq!(status, 200);
    assert!(html.contains("No subscriptions yet"));
}

#[tokio::test]
async fn trialing_subscription_shows_when_the_trial_ends() {
    let seed = seed();
    let app = TestApp::start(Backend::Sqlite).await;
    let cookie = app
        .sign_in(&app.sign_in_path("email", &seed.customers["trial"].email))
        .await;
    let (_, html) = app.portal_page(&cookie, "de").await;
    assert!(html.contains("Testphase endet am"), "{html}");
}

#[tokio::test]
async fn hash_is_optional_in_test_mode_when_configuration_allows() {
    let app = TestApp::start(Backend::Sqlite).await;
    app.configure(|c| c.require_hash = false).await;
    let path = format!("/portal?email={}", urlencode(&ada_email()));
    assert_eq!(app.get(&path).await.status(), 303);
    // A wrong hash is still refused where the hash is optional.
    assert_eq!(
        app.get(&format!("{path}&hash={}", "00".repeat(32)))
            .await
            .status(),
        403
    );
}
