//! Login CSRF: a static hash never expires, so a link made with one and put
//! on another site would sign the visitor into that account unasked. From
//! another site the visitor first sees which account (masked) and goes on
//! with a button; the merchant's own pages, signed identities and clients
//! without `Sec-Fetch-Site` sign in at once.

use portico::server::db::now;
use portico::server::identity_hash::signed_identity;

use crate::support::{TestApp, fresh_seed, urlencode};

/// What a browser sends on a link clicked on `referer`'s page.
fn clicked_on(referer: &str) -> [(&str, &str); 4] {
    [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-dest", "document"),
        ("sec-fetch-mode", "navigate"),
        ("referer", referer),
    ]
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("portico_session=pses_"))
        .map(|c| c.split(';').next().unwrap_or_default().to_string())
}

#[tokio::test]
async fn a_static_hash_link_from_another_site_asks_first() {
    let seed = fresh_seed("logincsrf");
    let app = TestApp::start(crate::support::Backend::Sqlite).await;
    app.configure(|c| c.allowed_origins = vec!["https://shop.example".into()])
        .await;
    let email = &seed.customers["ada"].email;
    let path = app.sign_in_path("email", email);

    let response = app
        .get_with(&path, &clicked_on("https://evil.example/page"))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        session_cookie(&response),
        None,
        "no session before the click"
    );
    let page = response.text().await.unwrap();
    let masked = format!("a•••@{}", email.split('@').nth(1).unwrap());
    assert!(page.contains(&masked), "{page:.600}");
    assert!(!page.contains(email.as_str()), "the address is masked");
    assert!(page.contains(r#"action="/portal""#), "{page:.600}");
    // The button posts the link back, from Portico's own page.
    let query = path.split_once('?').unwrap().1;
    let response = app
        .post_page(
            "/portal",
            &[("link", query)],
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let cookie = session_cookie(&response).expect("a session after the click");
    let (status, _) = app.portal_page(&cookie, "en").await;
    assert_eq!(status, 200);
    // The button cannot be pressed from another site.
    let response = app
        .post_page(
            "/portal",
            &[("link", query)],
            &clicked_on("https://evil.example/"),
        )
        .await;
    assert_eq!(response.status(), 403);
    // A link with no referer (hidden by the linking page) asks too.
    let response = app.get_with(&path, &clicked_on("")[..3]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(session_cookie(&response), None);
    // A sibling subdomain is another site too.
    let mut sibling = clicked_on("https://blog.shop.example/");
    sibling[0] = ("sec-fetch-site", "same-site");
    let response = app.get_with(&path, &sibling).await;
    assert_eq!(response.status(), 200);
    assert_eq!(session_cookie(&response), None);
    // The embed's address, sent as a link and opened as a page of its own,
    // opens nothing: an embed must be framed.
    let embed = path.replacen("/portal?", "/embed?origin=https%3A%2F%2Fshop.example&", 1);
    let response = app
        .get_with(
            &embed,
            &[
                ("sec-fetch-site", "cross-site"),
                ("sec-fetch-dest", "document"),
            ],
        )
        .await;
    assert_eq!(response.status(), 403);
    assert!(response.headers().get("set-cookie").is_none());
    let response = app
        .get_with(
            &embed,
            &[
                ("sec-fetch-site", "cross-site"),
                ("sec-fetch-dest", "iframe"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303, "framed by the shop, it opens");
    // A forged hash is refused before any confirmation.
    let forged = format!("/portal?email={}&hash={}", urlencode(email), "0".repeat(64));
    let response = app
        .get_with(&forged, &clicked_on("https://evil.example/"))
        .await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn the_merchants_pages_and_signed_identities_sign_in_at_once() {
    let seed = fresh_seed("loginok");
    let app = TestApp::start(crate::support::Backend::Sqlite).await;
    app.configure(|c| c.allowed_origins = vec!["https://shop.example".into()])
        .await;
    let email = &seed.customers["ada"].email;
    // Linked from the merchant's own page.
    let response = app
        .get_with(
            &app.sign_in_path("email", email),
            &clicked_on("https://shop.example/account"),
        )
        .await;
    assert_eq!(response.status(), 303);
    assert!(session_cookie(&response).is_some());
    // A signed identity expires within minutes: no confirmation needed.
    let signed = signed_identity("default", app.hash_secret().as_bytes(), email, now());
    let response = app
        .get_with(
            &format!(
                "/portal?email={}&hash={}",
                urlencode(email),
                urlencode(&signed)
            ),
            &clicked_on("https://evil.example/"),
        )
        .await;
    assert_eq!(response.status(), 303);
    assert!(session_cookie(&response).is_some());
}
