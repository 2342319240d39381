//! Test harness: starts the whole Portico app in-process on a free port,
//! against the Stripe emulator that scripts/test runs and seeds, on a fresh
//! SQLite file or a fresh PostgreSQL database.
#![allow(dead_code)] // each test binary uses a different part of the harness

use std::collections::HashMap;
use std::net::SocketAddr;

use leptos::prelude::LeptosOptions;
use portico::server::AppState;
use portico::server::config::Config;
use portico::server::identity_hash::identity_hash;
use serde::Deserialize;

/// The hash secret every test app uses.
pub const HASH_SECRET: &str = "integration-test-hash-secret";

/// What `emulator/seed.py` created.
#[derive(Debug, Deserialize)]
pub struct Seed {
    pub customers: HashMap<String, SeedCustomer>,
    pub prices: HashMap<String, String>,
    pub products: HashMap<String, String>,
    /// The promotion code `SPRING25` (`promo_…`).
    pub promotion_code: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct SeedCustomer {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub subscriptions: HashMap<String, String>,
    /// The customer's saved card, also the default (`pm_…`).
    #[serde(default)]
    pub payment_method: String,
    /// Invoices seeded for the customer, oldest first.
    #[serde(default)]
    pub invoices: Vec<String>,
    /// An invoice whose charge failed, still to be paid.
    #[serde(default)]
    pub open_invoice: Option<String>,
}

fn required_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: integration tests need the Stripe emulator; run scripts/test")
    })
}

/// The seed manifest of this test run.
pub fn seed() -> Seed {
    let path = required_env("PORTICO_TEST_SEED");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {path}: {e}"))
}

/// An app on SQLite with a seeded customer signed in through a hash link;
/// returns the app and the session cookie.
pub async fn signed_in(seed: &Seed, who: &str) -> (TestApp, String) {
    let app = TestApp::start(Backend::Sqlite).await;
    let cookie = app
        .sign_in(&app.sign_in_path("email", &seed.customers[who].email))
        .await;
    (app, cookie)
}

/// A fresh set of seeded customers (same catalog) for a test that changes
/// subscriptions, so tests running in parallel never share a customer.
pub fn fresh_seed(tag: &str) -> Seed {
    let venv = std::env::var("PORTICO_VENV")
        .unwrap_or_else(|_| format!("{}/.venv", env!("CARGO_MANIFEST_DIR")));
    let out = std::env::temp_dir().join(format!("portico-seed-{tag}-{}.json", rand_suffix()));
    let status = std::process::Command::new(format!("{venv}/bin/python"))
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/emulator/seed.py"))
        .args(["--email-suffix", &format!("+{tag}{}", rand_suffix())])
        .arg("--out")
        .arg(&out)
        .env(
            "STRIPE_API_BASE",
            required_env("PORTICO_TEST_STRIPE_API_BASE"),
        )
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run emulator/seed.py");
    assert!(status.success(), "seeding failed");
    let text = std::fs::read_to_string(&out).expect("seed output");
    serde_json::from_str(&text).expect("seed manifest")
}

/// A card payment method, not attached to anyone yet.
pub async fn new_card(number: &str) -> String {
    let (status, pm) = stripe_post(
        "payment_methods",
        &[
            ("type", "card"),
            ("card[number]", number),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2034"),
            ("card[cvc]", "123"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{pm}");
    pm["id"].as_str().expect("pm id").to_string()
}

/// Starts adding a card the way the add-card page does; returns the
/// SetupIntent's client secret for Stripe.js.
pub async fn start_card_setup(app: &TestApp, cookie: &str, nonce: &str) -> String {
    let (status, body) = app
        .call(
            cookie,
            "start_card_setup",
            &[("nonce", nonce), ("attempt", "0")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("client secret")
}

/// Finishes adding a card after Stripe.js confirmed its SetupIntent;
/// returns the address the page goes to next.
pub async fn finish_card_setup(
    app: &TestApp,
    cookie: &str,
    intent_id: &str,
    nonce: &str,
) -> String {
    let (status, body) = app
        .call(
            cookie,
            "finish_card_setup",
            &[("setup_intent_id", intent_id), ("nonce", nonce)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("address")
}

/// What Stripe.js does in the browser: confirm the SetupIntent with a card.
pub async fn confirm_in_browser(client_secret: &str, payment_method: &str) -> serde_json::Value {
    let id = client_secret.split("_secret").next().expect("intent id");
    let (_, intent) = stripe_post(
        &format!("setup_intents/{id}/confirm"),
        &[("payment_method", payment_method)],
    )
    .await;
    intent
}

/// A request to the Stripe emulator with the merchant's secret key.
fn emulator(method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    let base = required_env("PORTICO_TEST_STRIPE_API_BASE");
    let url = format!("{}/v1/{path}", base.trim_end_matches('/'));
    reqwest::Client::new()
        .request(method, url)
        .bearer_auth("sk_test_portico_integration")
}

async fn emulator_json(request: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let response = request.send().await.expect("emulator request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("emulator body");
    (status, serde_json::from_str(&text).expect("emulator JSON"))
}

/// Reads an object straight from the Stripe emulator, as a merchant would
/// see it in their dashboard.
pub async fn stripe_get(path: &str) -> serde_json::Value {
    emulator_json(emulator(reqwest::Method::GET, path)).await.1
}

/// Creates or changes an object at the Stripe emulator, as a merchant would
/// in their dashboard; returns the status and the JSON answer.
pub async fn stripe_post(path: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let request = emulator(reqwest::Method::POST, path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(form));
    emulator_json(request).await
}

/// Sign-in emails as the SMTP sink (emulator/mail_sink.py) received them.
#[derive(Clone, Debug, Deserialize)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub from: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The SMTP server test apps send through.
pub fn smtp_url() -> String {
    required_env("PORTICO_TEST_SMTP_URL")
}

/// Every message the SMTP sink holds for `to`, oldest first.
pub async fn mailbox(to: &str) -> Vec<ReceivedMail> {
    let base = required_env("PORTICO_TEST_MAILBOX");
    let response = reqwest::Client::new()
        .get(format!("{base}/messages"))
        .query(&[("to", to)])
        .send()
        .await
        .expect("mailbox request");
    let text = response.text().await.expect("mailbox body");
    serde_json::from_str(&text).expect("mailbox JSON")
}

/// Waits (up to 15 s) until `to` has received `count` messages; returns them.
pub async fn wait_for_mail(to: &str, count: usize) -> Vec<ReceivedMail> {
    for _ in 0..150 {
        let mail = mailbox(to).await;
        if mail.len() >= count {
            return mail;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{to} received fewer than {count} messages");
}

/// A storage backend to run a test story on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Every backend the story must pass on.
pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// A fresh, empty database URL for the backend.
pub async fn fresh_database(backend: Backend) -> String {
    let unique = format!("{}_{}", std::process::id(), rand_suffix());
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join("portico-tests");
            std::fs::create_dir_all(&dir).expect("temp dir");
            format!("sqlite://{}", dir.join(format!("{unique}.db")).display())
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let admin = required_env("PORTICO_TEST_POSTGRES_URL");
            let name = format!("portico_test_{unique}");
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create database");
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            format!("{base}/{name}")
        }
    }
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{nanos}_{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The runtime every in-process Portico of this test binary runs on: the
/// production one (`portico::server::app::runtime`, one worker thread).
fn server_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| portico::server::app::runtime().expect("server runtime"))
}

/// A running Portico.
pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
}

/// Environment for a test-mode Portico talking to `stripe_base`.
pub fn config_vars(stripe_base: &str, database_url: &str) -> HashMap<&'static str, String> {
    HashMap::from([
        ("PORTICO_MODE", "test".to_string()),
        (
            "STRIPE_SECRET_KEY",
            "sk_test_portico_integration".to_string(),
        ),
        ("STRIPE_API_BASE", stripe_base.to_string()),
        ("PORTICO_HASH_SECRET", HASH_SECRET.to_string()),
        ("DATABASE_URL", database_url.to_string()),
        ("PORTICO_BIND", "127.0.0.1:0".to_string()),
    ])
}

impl TestApp {
    /// Starts Portico on `backend` against the test emulator.
    pub async fn start(backend: Backend) -> Self {
        let stripe = required_env("PORTICO_TEST_STRIPE_API_BASE");
        Self::start_with(config_vars(&stripe, &fresh_database(backend).await)).await
    }

    /// Starts Portico on `backend`, sending email through the SMTP sink.
    pub async fn start_with_mail(backend: Backend) -> Self {
        let stripe = required_env("PORTICO_TEST_STRIPE_API_BASE");
        let mut vars = config_vars(&stripe, &fresh_database(backend).await);
        vars.insert("PORTICO_SMTP_URL", smtp_url());
        vars.insert("PORTICO_MAIL_FROM", "billing@acme.test".to_string());
        let app = Self::start_with(vars).await;
        // Off by default; a merchant who configures mail turns it on.
        app.configure(|c| c.email_login = true).await;
        app
    }

    /// Posts a plain HTML form (JavaScript off) to a Portico route; returns
    /// the response.
    pub async fn post_page(
        &self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(form));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        request.send().await.expect("request")
    }

    /// Starts Portico with explicit settings.
    pub async fn start_with(vars: HashMap<&'static str, String>) -> Self {
        // Server logs appear with the failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "portico=info".into()))
            .try_init();
        let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("valid test config");
        // The app runs on one runtime shared by every test of the binary, not
        // on the test's own: each #[tokio::test] has a runtime that dies with
        // its test, and a server task parked on a finished test's runtime
        // once left a request hanging forever.
        let (state, addr) = server_runtime()
            .spawn(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                let addr: SocketAddr = listener.local_addr().expect("addr");
                let options = LeptosOptions::builder()
                    .output_name("portico")
                    .site_addr(addr)
                    .build();
                let state = portico::server::app::state(config, options)
                    .await
                    .expect("boot");
                let router = portico::server::app::router(state.clone());
                tokio::spawn(async move {
                    axum::serve(
                        listener,
                        router.into_make_service_with_connect_info::<SocketAddr>(),
                    )
                    .await
                    .expect("serve");
                });
                (state, addr)
            })
            .await
            .expect("start the app");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // A stuck request fails its test instead of stalling the run.
            .timeout(std::time::Duration::from_secs(90))
            .build()
            .expect("client");
        Self {
            base: format!("http://{addr}"),
            state,
            client,
        }
    }

    /// A sign-in link path signed with the test secret.
    pub fn sign_in_path(&self, key: &str, value: &str) -> String {
        format!(
            "/portal?{key}={}&hash={}",
            urlencode(value),
            identity_hash(HASH_SECRET.as_bytes(), value)
        )
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        request.send().await.expect("request")
    }

    /// Follows a sign-in link and returns the session cookie it set.
    pub async fn sign_in(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(
            response.status(),
            303,
            "sign-in should redirect: {}",
            response.text().await.unwrap_or_default()
        );
        response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_string()
    }

    /// The portal page as a signed-in browser sees it.
    pub async fn portal_page(&self, cookie: &str, language: &str) -> (u16, String) {
        let response = self
            .get_with("/", &[("cookie", cookie), ("accept-language", language)])
            .await;
        let status = response.status().as_u16();
        // Hydration markers split interpolated text (`Coupon <!>X<!> applied`).
        (
            status,
            response.text().await.expect("body").replace("<!>", ""),
        )
    }

    /// Calls a server function the way a browser's fetch does (JavaScript on);
    /// returns the status and body.
    pub async fn call(&self, cookie: &str, function: &str, form: &[(&str, &str)]) -> (u16, String) {
        let response = self
            .client
            .post(format!("{}/api/{function}", self.base))
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(form))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// Posts a form to a server function the way a browser without
    /// JavaScript does; returns the status and the Location it redirects to.
    pub async fn post_form(
        &self,
        cookie: &str,
        function: &str,
        form: &[(&str, &str)],
    ) -> (u16, String) {
        let response = self
            .client
            .post(format!("{}/api/{function}", self.base))
            .header("cookie", cookie)
            .header("accept", "text/html")
            .header("referer", format!("{}/", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(form))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (status, location)
    }

    /// How many audit entries record `action` with `outcome` for a customer.
    pub async fn audit_count(&self, customer: &str, action: &str, outcome: &str) -> usize {
        self.state
            .db
            .audit_for_customer(customer, 100)
            .await
            .expect("audit")
            .iter()
            .filter(|a| a.action == action && a.outcome == outcome)
            .count()
    }

    /// Changes the test-mode default portal configuration, as a merchant would.
    pub async fn configure(&self, change: impl FnOnce(&mut portico::portal_config::PortalConfig)) {
        let db = &self.state.db;
        let mut config = db
            .default_portal_config(false)
            .await
            .expect("read")
            .expect("default exists");
        change(&mut config.settings);
        assert!(
            db.update_portal_config(&config.id, &config.settings)
                .await
                .expect("update")
        );
    }

    /// How many sessions are stored.
    pub async fn session_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM portal_sessions")
            .fetch_one(&self.state.db.pool)
            .await
            .expect("count sessions")
    }
}

fn form_body(form: &[(&str, &str)]) -> String {
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in form {
        body.append_pair(k, v);
    }
    body.finish()
}

pub fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
