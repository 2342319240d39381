//! The embed's server side: `/embed` from allowed origins only, a cookie a
//! third-party iframe sends, `frame-ancestors` on every page, signed
//! identities that expire, several active secrets, and the README's signing
//! snippets (Node, Python, Ruby, PHP) producing values Portico accepts.

use std::collections::HashMap;
use std::process::Command;

use crate::support::{
    BACKENDS, Backend, TestApp, api_base, config_vars, fresh_database, seed, urlencode,
};
use portico::server::identity_hash::{identity_hash, signed_identity};

/// The merchant's site that embeds the portal in these tests.
const SHOP: &str = "http://127.0.0.2:3199";
const NEW_SECRET: &str = "the-new-secret-0123456789";
const OLD_SECRET: &str = "the-old-secret-9876543210";

/// A Portico mid-rotation: `new` is current, `old` still accepted.
async fn rotating_app(backend: Backend) -> TestApp {
    let mut vars: HashMap<&'static str, String> =
        config_vars(&api_base(), &fresh_database(backend).await);
    vars.remove("PORTICO_HASH_SECRET");
    vars.insert(
        "PORTICO_HASH_SECRETS",
        format!("new:{NEW_SECRET},old:{OLD_SECRET}"),
    );
    let app = TestApp::start_with(vars).await;
    app.configure(|c| c.allowed_origins = vec![SHOP.into()])
        .await;
    app
}

fn now() -> i64 {
    portico::server::db::now()
}

fn embed_path(email: &str, hash: &str, origin: &str) -> String {
    format!(
        "/embed?email={}&hash={}&origin={}",
        urlencode(email),
        urlencode(hash),
        urlencode(origin)
    )
}

#[tokio::test]
async fn embed_from_an_allowed_origin_opens_a_session_its_iframe_can_keep() {
    for backend in BACKENDS {
        let app = rotating_app(backend).await;
        let email = seed().customers["ada"].email.clone();
        let hash = identity_hash(NEW_SECRET.as_bytes(), &email);
        let response = app.get(&embed_path(&email, &hash, SHOP)).await;
        assert_eq!(response.status(), 303, "{backend:?}");
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        // The first-party cookie is cleared: where Portico is embedded on
        // its own site, the browser would send both.
        assert!(
            set_cookies
                .iter()
                .any(|c| c.starts_with("portico_session=;") && c.contains("SameSite=Lax")),
            "{set_cookies:?}"
        );
        let set_cookie = set_cookies[0].clone();
        for attribute in ["HttpOnly", "SameSite=None", "Secure", "Partitioned"] {
            assert!(
                set_cookie.contains(attribute),
                "{backend:?}: {attribute} in {set_cookie}"
            );
        }
        let cookie = set_cookie.split(';').next().unwrap().to_string();

        let page = app
            .get_with("/", &[("cookie", &cookie), ("accept-language", "en")])
            .await;
        assert_eq!(page.status(), 200);
        assert_eq!(
            frame_ancestors(&page),
            format!("frame-ancestors 'self' {SHOP}"),
            "{backend:?}"
        );
        let html = page.text().await.unwrap();
        assert!(
            html.contains(&format!(r#"data-parent-origin="{SHOP}""#)),
            "{backend:?}"
        );
        assert!(html.contains(r#"src="/embed-frame.js""#));
        assert!(html.contains("Your subscriptions"));
    }
}

#[tokio::test]
async fn embed_for_another_site_is_refused() {
    let app = rotating_app(Backend::Sqlite).await;
    let email = seed().customers["ada"].email.clone();
    let hash = identity_hash(NEW_SECRET.as_bytes(), &email);
    for origin in ["https://evil.example", "http://127.0.0.2:3198", ""] {
        let response = app
            .get_with(
                &embed_path(&email, &hash, origin),
                &[("accept-language", "en")],
            )
            .await;
        assert_eq!(response.status(), 403, "{origin:?}");
        assert!(response.headers().get("set-cookie").is_none());
        // The refusal itself may only be framed by the merchant's site.
        assert_eq!(
            frame_ancestors(&response),
            format!("frame-ancestors 'self' {SHOP}")
        );
        let html = response.text().await.unwrap();
        assert!(html.contains("This website isn't allowed to show the billing portal."));
        assert!(
            !html.contains("data-parent-origin"),
            "no events for {origin:?}"
        );
    }
    assert_eq!(app.session_count().await, 0);
}

#[tokio::test]
async fn pages_can_be_framed_only_by_allowed_origins() {
    let app = TestApp::start(Backend::Sqlite).await;
    let cookie = app
        .sign_in(&app.sign_in_path("email", &seed().customers["ada"].email))
        .await;
    let page = app.get_with("/", &[("cookie", &cookie)]).await;
    assert_eq!(frame_ancestors(&page), "frame-ancestors 'self'");
    // A session opened in Portico's own tab has no embed bridge.
    assert!(!page.text().await.unwrap().contains("portico-embed"));
    let login = app.get("/login").await;
    assert_eq!(frame_ancestors(&login), "frame-ancestors 'self'");
}

#[tokio::test]
async fn signed_identities_work_with_every_active_key_and_expire() {
    for backend in BACKENDS {
        let app = rotating_app(backend).await;
        let customer = seed().customers["ada"].id.clone();
        let link = |hash: &str| format!("/portal?customer_id={customer}&hash={}", urlencode(hash));
        for hash in [
            signed_identity("new", NEW_SECRET.as_bytes(), &customer, now()),
            signed_identity("old", OLD_SECRET.as_bytes(), &customer, now() - 250),
            // Billflow's static hash, with either secret, during rotation.
            identity_hash(OLD_SECRET.as_bytes(), &customer),
            identity_hash(NEW_SECRET.as_bytes(), &customer),
        ] {
            let response = app.get(&link(&hash)).await;
            assert_eq!(response.status(), 303, "{backend:?}: {hash}");
        }

        let expired = signed_identity("new", NEW_SECRET.as_bytes(), &customer, now() - 301);
        let response = app
            .get_with(&link(&expired), &[("accept-language", "en")])
            .await;
        assert_eq!(response.status(), 401, "{backend:?}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("This sign-in link has expired")
        );

        for forged in [
            // Signed with the old secret but naming the new key.
            signed_identity("old", OLD_SECRET.as_bytes(), &customer, now())
                .replacen("v2.old.", "v2.new.", 1),
            signed_identity("gone", NEW_SECRET.as_bytes(), &customer, now()),
            identity_hash(b"a-retired-secret-000000", &customer),
        ] {
            let response = app.get(&link(&forged)).await;
            assert_eq!(response.status(), 403, "{backend:?}: {forged}");
            assert!(response.headers().get("set-cookie").is_none());
        }
    }
}

/// The `frame-ancestors` directive of a response's Content-Security-Policy.
fn frame_ancestors(response: &reqwest::Response) -> String {
    response.headers()["content-security-policy"]
        .to_str()
        .unwrap_or_default()
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("frame-ancestors"))
        .unwrap_or_default()
        .to_string()
}

/// A fenced code block of the README that holds the signing functions.
fn readme_snippet(language: &str) -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let fence = format!("```{language}\n");
    readme
        .split(&fence)
        .skip(1)
        .filter_map(|rest| rest.split("\n```").next())
        .find(|block| block.contains("signed_identity") || block.contains("SignedIdentity"))
        .unwrap_or_else(|| panic!("README has no {language} signing snippet"))
        .to_string()
}

/// What a snippet prints: its static hash and its signed identity of the value.
fn run_snippet(language: &str, value: &str) -> Option<(String, String)> {
    let snippet = readme_snippet(language);
    let (program, args): (&str, Vec<String>) = match language {
        "js" => (
            "node",
            vec![
                "-e".into(),
                format!(
                    "{snippet}\nconsole.log(porticoHash(process.env.S_OLD, process.env.V));\n\
                     console.log(porticoSignedIdentity('new', process.env.S_NEW, process.env.V));"
                ),
            ],
        ),
        "python" => (
            "python3",
            vec![
                "-c".into(),
                format!(
                    "{snippet}\nimport os\nprint(portico_hash(os.environ['S_OLD'], os.environ['V']))\n\
                     print(portico_signed_identity('new', os.environ['S_NEW'], os.environ['V']))"
                ),
            ],
        ),
        "ruby" => (
            "ruby",
            vec![
                "-e".into(),
                format!(
                    "{snippet}\nputs portico_hash(ENV['S_OLD'], ENV['V'])\n\
                     puts portico_signed_identity('new', ENV['S_NEW'], ENV['V'])"
                ),
            ],
        ),
        "php" => {
            let body = snippet.trim_start().trim_start_matches("<?php");
            let file =
                std::env::temp_dir().join(format!("portico-snippet-{}.php", std::process::id()));
            std::fs::write(
                &file,
                format!(
                    "<?php\n{body}\necho portico_hash(getenv('S_OLD'), getenv('V')), \"\\n\";\n\
                     echo portico_signed_identity('new', getenv('S_NEW'), getenv('V')), \"\\n\";\n"
                ),
            )
            .expect("write the PHP file");
            ("php", vec![file.display().to_string()])
        }
        other => panic!("no runner for {other}"),
    };
    let output = match Command::new(program)
        .args(&args)
        .env("S_OLD", OLD_SECRET)
        .env("S_NEW", NEW_SECRET)
        .env("V", value)
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("{program}: {e}"),
    };
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("UTF-8 output");
    let mut lines = text.lines();
    Some((
        lines.next().expect("hash line").trim().to_string(),
        lines.next().expect("signed line").trim().to_string(),
    ))
}

#[tokio::test]
async fn readme_signing_snippets_produce_values_portico_accepts() {
    let app = rotating_app(Backend::Sqlite).await;
    let email = seed().customers["ada"].email.clone();
    let mut ran = Vec::new();
    for language in ["js", "python", "ruby", "php"] {
        let Some((hash, signed)) = run_snippet(language, &email) else {
            eprintln!("{language}: interpreter not installed, snippet not run");
            continue;
        };
        assert_eq!(
            hash,
            identity_hash(OLD_SECRET.as_bytes(), &email),
            "{language}"
        );
        assert!(signed.starts_with("v2.new."), "{language}: {signed}");
        let by_link = app
            .get(&format!("/portal?email={}&hash={hash}", urlencode(&email)))
            .await;
        assert_eq!(by_link.status(), 303, "{language}: static hash refused");
        let by_embed = app.get(&embed_path(&email, &signed, SHOP)).await;
        assert_eq!(
            by_embed.status(),
            303,
            "{language}: signed identity refused"
        );
        ran.push(language);
    }
    eprintln!("snippets run: {ran:?}");
    // Node and Python are on every machine this project runs on; scripts/test
    // installs Ruby and PHP too and asks for all four, so CI runs every
    // snippet the README shows.
    let required: &[&str] = if std::env::var("PORTICO_TEST_ALL_SNIPPETS").as_deref() == Ok("1") {
        &["js", "python", "ruby", "php"]
    } else {
        &["js", "python"]
    };
    for language in required {
        assert!(
            ran.contains(language),
            "{language} snippet not run: {ran:?}"
        );
    }
}
