//! The browser's part: the page's Content-Security-Policy, no caching of a
//! customer's pages and answers, `__Host-` cookies and HSTS over https, and
//! the sign-in rate limit.

use portico::api::Endpoint;

use crate::support::{
    Backend, TestApp, config_vars, fresh_database, fresh_seed, signed_in, urlencode,
};

#[tokio::test]
async fn pages_name_their_scripts_and_are_never_cached() {
    let seed = fresh_seed("headers");
    let (app, cookie) = signed_in(&seed, "ada").await;
    let response = app.get_with("/", &[("cookie", &cookie)]).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let html = response.text().await.expect("page");
    let policy = headers["content-security-policy"].to_str().expect("policy");
    for directive in [
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    // The hydration script's nonce is the one the policy allows, and no
    // other inline script runs.
    let nonce = html
        .split("nonce=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the hydration script has a nonce");
    assert!(nonce.len() >= 16, "{nonce}");
    let script_src = policy
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .expect("script-src");
    assert!(script_src.contains(&format!("'nonce-{nonce}'")), "{policy}");
    // No inline script without the nonce, and no "anything".
    assert!(!script_src.contains("unsafe-inline"), "{policy}");
    assert!(
        !script_src
            .split_whitespace()
            .any(|s| s == "*" || s.ends_with(':')),
        "{policy}"
    );
    assert!(!headers.contains_key("x-portico-script-nonce"));
    assert_eq!(headers["cache-control"], "no-store");
    // Another page view, another nonce.
    let again = app.get_with("/", &[("cookie", &cookie)]).await;
    let other = again.headers()["content-security-policy"].to_str().unwrap();
    assert!(!other.contains(&format!("'nonce-{nonce}'")));
    // Server-function answers too are the customer's alone.
    let (status, _) = app
        .as_customer(&cookie)
        .call(Endpoint::GetOverview, &[])
        .await;
    assert_eq!(status, 200);
    let answer = app
        .post_page(&Endpoint::GetOverview.path(), &[], &[("cookie", &cookie)])
        .await;
    assert_eq!(answer.headers()["cache-control"], "no-store");
    // Plain http: no HSTS.
    assert!(!headers.contains_key("strict-transport-security"));
}

#[tokio::test]
async fn over_https_the_session_cookie_is_host_only_and_https_is_pinned() {
    let seed = fresh_seed("https");
    let mut vars = config_vars(
        &crate::support::api_base(),
        &fresh_database(Backend::Sqlite).await,
    );
    vars.insert("PORTICO_PUBLIC_URL", "https://billing.shop.example".into());
    let app = TestApp::start_with(vars).await;
    let response = app
        .get(&app.sign_in_path("email", &seed.customers["ada"].email))
        .await;
    assert_eq!(response.status(), 303);
    assert!(
        response.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    let set: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = set
        .iter()
        .find(|c| c.starts_with("__Host-portico_session=pses_"))
        .unwrap_or_else(|| panic!("{set:?}"));
    assert!(session.contains("; Path=/;") && session.contains("; Secure"));
    assert!(!session.contains("Domain"));
    // No other cookie of that name in the answer: a client that applies
    // Set-Cookie headers in order keeps its session.
    let names: Vec<&str> = set.iter().filter_map(|c| c.split('=').next()).collect();
    let mut unique = names.clone();
    unique.dedup();
    assert_eq!(names.len(), unique.len(), "{set:?}");
    let token = session
        .split(';')
        .next()
        .and_then(|p| p.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap();
    let (status, html) = app
        .portal_page(&format!("__Host-portico_session={token}"), "en")
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Pro"), "{html:.300}");
    // Over https, a cookie without the prefix (one a sibling subdomain
    // could have planted) is no session.
    let (status, _) = app
        .portal_page(&format!("portico_session={token}"), "en")
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn sign_in_links_are_rate_limited_per_client() {
    let seed = fresh_seed("ratelimit");
    let app = TestApp::start(Backend::Sqlite).await;
    let ada = &seed.customers["ada"].email;
    // Limits count per minute of the clock: start early in one.
    let second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 60;
    if second > 40 {
        tokio::time::sleep(std::time::Duration::from_secs(61 - second)).await;
    }
    // A client guessing at hashes, through both ways in.
    let mut refused_at = None;
    for attempt in 1..=70 {
        let path = if attempt % 2 == 0 {
            format!("/portal?email={}&hash={attempt:064x}", urlencode(ada))
        } else {
            format!(
                "/embed?email={}&hash={attempt:064x}&origin=https%3A%2F%2Fshop.example",
                urlencode(ada)
            )
        };
        let status = app.get(&path).await.status().as_u16();
        if status == 429 {
            refused_at = Some(attempt);
            break;
        }
        assert!((400..500).contains(&status), "{attempt}: {status}");
    }
    assert_eq!(refused_at, Some(61), "60 sign-ins a minute, then refused");
    // Another customer signing in from the same address (an office) is
    // not locked out.
    let trial = &seed.customers["trial"].email;
    assert_eq!(
        app.get(&app.sign_in_path("email", trial)).await.status(),
        303
    );
    // Now even the right hash waits, with a page that says so.
    let response = app.get(&app.sign_in_path("email", ada)).await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().get("set-cookie").is_none());
    let page = response.text().await.unwrap();
    assert!(page.to_lowercase().contains("too many"), "{page:.400}");
}
