//! Email sign-in (Billflow's email login) against the Stripe emulator and a
//! real SMTP server (emulator/mail_sink.py), on SQLite and PostgreSQL: the
//! same answer for any address, a link that works once within 10 minutes
//! and only through a POST, and limits per address and per client.

use crate::support::{BACKENDS, Backend, TestApp, fresh_seed, mailbox, wait_for_mail};

/// The sign-in link in an email's text.
fn link_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.starts_with("http") && w.contains("token="))
        .unwrap_or_else(|| panic!("no link in {text:?}"))
        .to_string()
}

/// A page without its `nonce="…"` attributes, which differ on every render.
fn without_nonces(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(" nonce=\"") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 8..];
        rest = after.find('"').map_or("", |end| &after[end + 1..]);
    }
    out.push_str(rest);
    out
}

fn token_of(link: &str) -> String {
    let url = url::Url::parse(link).expect("link is a URL");
    url.query_pairs()
        .find(|(k, _)| k == "token" || k == "portico_token")
        .map(|(_, v)| v.into_owned())
        .expect("token parameter")
}

async fn ask_for_link(app: &TestApp, email: &str) -> (u16, String) {
    let response = app
        .post_page("/login", &[("email", email)], &[("accept-language", "en")])
        .await;
    let status = response.status().as_u16();
    (
        status,
        response.text().await.expect("body").replace("<!>", ""),
    )
}

async fn confirm(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_page(
        "/login/confirm",
        &[("token", token)],
        &[("accept-language", "en")],
    )
    .await
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

#[tokio::test]
async fn known_address_receives_a_link_that_signs_in_once() {
    for backend in BACKENDS {
        let seed = fresh_seed("mail");
        let ada = &seed.customers["ada"];
        let app = TestApp::start_with_mail(backend).await;
        app.configure(|c| c.company_name = Some("Acme Tools".into()))
            .await;

        let (status, page) = ask_for_link(&app, &ada.email).await;
        assert_eq!(status, 200, "{backend:?}");
        assert!(page.contains("Check your email"), "{backend:?}");

        let mail = wait_for_mail(&ada.email, 1).await;
        assert_eq!(mail.len(), 1, "{backend:?}: one email");
        let message = &mail[0];
        assert!(
            message.from.contains("Acme Tools") && message.from.contains("billing@acme.test"),
            "{backend:?}: sender {:?}",
            message.from
        );
        assert_eq!(message.subject, "Your sign-in link for Acme Tools");
        assert!(message.text.contains("works once, within 10 minutes"));
        let link = link_in(&message.text);
        // The test app's public URL is its bind address, port 0.
        assert!(
            link.starts_with("http://127.0.0.1:0/login/confirm?token=pmail_"),
            "{backend:?}: {link}"
        );
        assert!(message.html.contains(&link.replace('&', "&amp;")));

        // Opening the link (or a mail scanner fetching it) signs nobody in.
        // The page names the account, masked, so a link forwarded by
        // someone else shows it is not the customer's own.
        let path = link.trim_start_matches("http://127.0.0.1:0").to_string();
        let masked = format!("{}•••@example.com", &ada.email[..1]);
        for _ in 0..2 {
            let page = app.get_with(&path, &[("accept-language", "en")]).await;
            assert_eq!(page.status(), 200, "{backend:?}");
            assert!(session_cookie(&page).is_none(), "{backend:?}: GET signs in");
            let html = page.text().await.unwrap().replace("<!>", "");
            assert!(html.contains("Continue to the billing portal"));
            assert!(
                html.contains(&format!("signs in the account of {masked}")),
                "{html}"
            );
            assert!(
                !html.contains(&ada.email),
                "{backend:?}: the address is masked"
            );
        }

        let token = token_of(&link);
        let used = confirm(&app, &token).await;
        assert_eq!(used.status(), 303, "{backend:?}");
        assert_eq!(used.headers()["location"], "/");
        let cookie = session_cookie(&used).expect("session cookie");
        assert!(cookie.starts_with("portico_session=pses_"));
        let (status, html) = app.portal_page(&cookie, "en").await;
        assert_eq!(status, 200, "{backend:?}");
        assert!(html.contains("Your subscriptions") && html.contains(&ada.email));

        // Once.
        let again = confirm(&app, &token).await;
        assert_eq!(again.status(), 410, "{backend:?}");
        assert!(session_cookie(&again).is_none());
        let html = again.text().await.unwrap();
        assert!(html.contains("expired or was already used"), "{backend:?}");
        assert!(html.contains("Request a new sign-in link"));
        assert_eq!(app.audit_count(&ada.id, "send_login_link", "ok").await, 1);
        assert_eq!(app.audit_count(&ada.id, "sign_in", "ok").await, 1);

        // Signed in, the form and a spent link lead to the portal.
        for signed_in_path in ["/login".to_string(), path.clone()] {
            let page = app.get_with(&signed_in_path, &[("cookie", &cookie)]).await;
            assert_eq!(page.status(), 303, "{backend:?}: {signed_in_path}");
            assert_eq!(page.headers()["location"], "/");
        }
    }
}

#[tokio::test]
async fn using_one_link_spends_the_customers_other_links() {
    let seed = fresh_seed("mailspend");
    let ada = &seed.customers["ada"];
    let app = TestApp::start_with_mail(Backend::Postgres).await;
    ask_for_link(&app, &ada.email).await;
    ask_for_link(&app, &ada.email).await;
    let mail = wait_for_mail(&ada.email, 2).await;
    let first = token_of(&link_in(&mail[0].text));
    let second = token_of(&link_in(&mail[1].text));
    assert_ne!(first, second);
    assert_eq!(confirm(&app, &second).await.status(), 303);
    assert_eq!(
        confirm(&app, &first).await.status(),
        410,
        "the older email is spent too"
    );
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let seed = fresh_seed("mailout");
    let ada = &seed.customers["ada"];
    let app = TestApp::start_with_mail(Backend::Sqlite).await;
    ask_for_link(&app, &ada.email).await;
    let token = token_of(&link_in(&wait_for_mail(&ada.email, 1).await[0].text));
    let cookie = session_cookie(&confirm(&app, &token).await).unwrap();
    let (status, html) = app.portal_page(&cookie, "en").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"action="/logout""#), "a Sign out button");

    let out = app
        .post_page(
            "/logout",
            &[],
            &[("cookie", &cookie), ("accept-language", "en")],
        )
        .await;
    assert_eq!(out.status(), 200);
    let cleared: Vec<&str> = out
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(
        cleared.iter().all(|c| (c.starts_with("portico_session=;")
            || c.starts_with("__Host-portico_embed=;"))
            && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    assert_eq!(cleared.len(), 2, "both kinds of session cookie are cleared");
    let page = out.text().await.unwrap();
    assert!(page.contains("You're signed out") && page.contains("Sign in again by email"));
    assert_eq!(app.session_count().await, 0);
    // The old cookie opens nothing any more.
    let (status, _) = app.portal_page(&cookie, "en").await;
    assert_eq!(status, 401);
    assert_eq!(app.audit_count(&ada.id, "sign_out", "ok").await, 1);
}

#[tokio::test]
async fn unknown_address_gets_the_same_answer_and_no_email() {
    let seed = fresh_seed("mailunknown");
    let known = &seed.customers["ada"].email;
    let unknown = known.replace("ada", "nobody");
    let app = TestApp::start_with_mail(Backend::Sqlite).await;

    let (unknown_status, unknown_page) = ask_for_link(&app, &unknown).await;
    let (known_status, known_page) = ask_for_link(&app, known).await;
    assert_eq!(unknown_status, known_status);
    // The pages differ only in the address they repeat (and the per-page
    // script nonce).
    assert_eq!(
        without_nonces(&unknown_page.replace(&unknown, "ADDRESS")),
        without_nonces(&known_page.replace(known, "ADDRESS"))
    );

    wait_for_mail(known, 1).await;
    assert!(
        mailbox(&unknown).await.is_empty(),
        "no email to an unknown address"
    );
    let links: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_links")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(links, 1, "a link only for the known customer");
}

#[tokio::test]
async fn expired_and_altered_links_are_refused() {
    for backend in BACKENDS {
        let seed = fresh_seed("mailexpire");
        let ada = &seed.customers["ada"];
        let app = TestApp::start_with_mail(backend).await;
        ask_for_link(&app, &ada.email).await;
        let token = token_of(&link_in(&wait_for_mail(&ada.email, 1).await[0].text));

        // One character changed: a token nobody was sent.
        let mut altered = token.clone();
        let last = altered.pop().unwrap();
        altered.push(if last == 'A' { 'B' } else { 'A' });
        for bad in [
            altered.as_str(),
            "pmail_",
            "",
            "pses_whatever",
            &"x".repeat(500),
        ] {
            let response = confirm(&app, bad).await;
            assert_eq!(response.status(), 410, "{backend:?}: {bad:?}");
            assert!(session_cookie(&response).is_none());
        }

        // Eleven minutes later.
        sqlx::query("UPDATE login_links SET expires_at = created_at - 60")
            .execute(&app.state.db.pool)
            .await
            .unwrap();
        let response = confirm(&app, &token).await;
        assert_eq!(response.status(), 410, "{backend:?}: expired");
        assert!(session_cookie(&response).is_none());
        let page = app
            .get_with(
                &format!("/login/confirm?token={token}"),
                &[("accept-language", "de")],
            )
            .await;
        assert_eq!(page.status(), 410);
        assert!(
            page.text()
                .await
                .unwrap()
                .contains("Dieser Anmeldelink ist abgelaufen"),
            "{backend:?}: refusal is translated"
        );
        assert_eq!(app.session_count().await, 0, "{backend:?}");
    }
}

#[tokio::test]
async fn requests_are_limited_per_address_and_per_client() {
    let seed = fresh_seed("maillimit");
    let ada = &seed.customers["ada"];
    let app = TestApp::start_with_mail(Backend::Postgres).await;
    for _ in 0..5 {
        assert_eq!(ask_for_link(&app, &ada.email).await.0, 200);
    }
    // The address in another case is the same address.
    let (status, page) = ask_for_link(&app, &ada.email.to_uppercase()).await;
    assert_eq!(status, 429);
    assert!(page.contains("Too many attempts"), "{page}");
    wait_for_mail(&ada.email, 5).await;

    // One client may not probe many addresses either: 20 an hour in all.
    for n in 0..14 {
        assert_eq!(
            ask_for_link(&app, &format!("probe{n}@example.com")).await.0,
            200,
            "request {}",
            n + 7
        );
    }
    assert_eq!(ask_for_link(&app, "one-more@example.com").await.0, 429);
}

#[tokio::test]
async fn malformed_address_is_named_and_nothing_is_sent() {
    let app = TestApp::start_with_mail(Backend::Sqlite).await;
    for bad in [
        "",
        "not-an-email",
        "a@b",
        &format!("{}@example.com", "a".repeat(300)),
    ] {
        let (status, page) = ask_for_link(&app, bad).await;
        assert_eq!(status, 422, "{bad:?}");
        assert!(
            page.contains("Please enter a valid email address"),
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn links_go_to_the_merchants_page_when_configured() {
    let seed = fresh_seed("mailredirect");
    let ada = &seed.customers["ada"];
    let app = TestApp::start_with_mail(Backend::Sqlite).await;
    app.configure(|c| {
        c.allowed_origins = vec!["https://shop.example".into()];
        c.login_redirect_url = Some("https://shop.example/billing".into());
    })
    .await;
    ask_for_link(&app, &ada.email).await;
    let link = link_in(&wait_for_mail(&ada.email, 1).await[0].text);
    assert!(
        link.starts_with("https://shop.example/billing?portico_token=pmail_"),
        "{link}"
    );
    // The merchant's page hands the token to the embed, which confirms it.
    let response = confirm(&app, &token_of(&link)).await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn email_login_can_be_turned_off() {
    let seed = fresh_seed("mailoff");
    let app = TestApp::start_with_mail(Backend::Sqlite).await;
    app.configure(|c| c.email_login = false).await;
    assert!(
        !portico::portal_config::PortalConfig::default().email_login,
        "a merchant turns email sign-in on"
    );
    let form = app.get_with("/login", &[("accept-language", "en")]).await;
    assert_eq!(form.status(), 404);
    assert!(
        form.text()
            .await
            .unwrap()
            .contains("Signing in by email isn't available")
    );
    let (status, _) = ask_for_link(&app, &seed.customers["ada"].email).await;
    assert_eq!(status, 404);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(mailbox(&seed.customers["ada"].email).await.is_empty());
}

#[tokio::test]
async fn without_smtp_the_message_is_kept_in_the_outbox() {
    let seed = fresh_seed("mailoutbox");
    let ada = &seed.customers["ada"];
    // The embedded default: no PORTICO_SMTP_URL.
    let app = TestApp::start(Backend::Sqlite).await;
    app.configure(|c| c.email_login = true).await;
    assert_eq!(ask_for_link(&app, &ada.email).await.0, 200);
    let mut kept = Vec::new();
    for _ in 0..100 {
        kept = app.state.db.outbox_for(&ada.email).await.unwrap();
        if !kept.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(kept.len(), 1);
    let link = link_in(&kept[0].body);
    assert_eq!(confirm(&app, &token_of(&link)).await.status(), 303);
    assert!(
        mailbox(&ada.email).await.is_empty(),
        "nothing went out by SMTP"
    );
}
