//! A running Portico: started in-process on a free port, against the Stripe
//! emulator, on a fresh SQLite file or a fresh PostgreSQL database; its
//! pages, sign-in links, configuration and storage as tests look at them.

use std::collections::HashMap;
use std::net::SocketAddr;

use leptos::prelude::LeptosOptions;
use portico::server::AppState;
use portico::server::config::Config;
use portico::server::identity_hash::identity_hash;

use super::emulator::{api_base, required_env};
use super::form::{form_body, urlencode};
use super::mail::smtp_url;
use super::seed::{Seed, unique_suffix};

/// The hash secret every test app uses.
/// Random enough for live mode (see `config::auth`).
const HASH_SECRET: &str = "integration-test-hash-secret-5d1f9a3c7e2b8046";

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
    let unique = format!("{}_{}", std::process::id(), unique_suffix());
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
        // The stories here change Stripe behind Portico's back to set up
        // what a customer had before, and read the page at once: every page
        // asks Stripe. `mirror.rs` tests the mirror, with its webhooks.
        ("PORTICO_CACHE_TTL", "0".to_string()),
    ])
}

/// The webhook signing secret of apps started with [`mirrored_vars`].
pub const WEBHOOK_SECRET: &str = "whsec_integration_mirror";

/// Environment for a Portico with the Stripe mirror kept by webhooks, and a
/// Stripe key of its own so the emulator counts its calls apart from every
/// other test's (see `emulator::stripe_calls`).
pub fn mirrored_vars(database_url: &str) -> HashMap<&'static str, String> {
    let mut vars = config_vars(&api_base(), database_url);
    vars.remove("PORTICO_CACHE_TTL");
    vars.insert(
        "STRIPE_SECRET_KEY",
        format!("sk_test_mirror_{}", unique_suffix()),
    );
    vars.insert("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_string());
    vars
}

/// The runtime every in-process Portico of the test binary runs on: the
/// production one (`portico::server::app::runtime`, one worker thread).
fn server_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| portico::server::app::runtime().expect("server runtime"))
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

/// A running Portico.
pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
}

impl TestApp {
    /// Starts Portico on `backend` against the test emulator.
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(config_vars(&api_base(), &fresh_database(backend).await)).await
    }

    /// Starts Portico on `backend`, sending email through the SMTP sink.
    pub async fn start_with_mail(backend: Backend) -> Self {
        let mut vars = config_vars(&api_base(), &fresh_database(backend).await);
        vars.insert("PORTICO_SMTP_URL", smtp_url());
        vars.insert("PORTICO_MAIL_FROM", "billing@acme.test".to_string());
        let app = Self::start_with(vars).await;
        // Off by default; a merchant who configures mail turns it on.
        app.configure(|c| c.email_login = true).await;
        app
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
                let listener =
                    portico::server::app::listen(([127, 0, 0, 1], 0).into()).expect("bind");
                let addr: SocketAddr = listener.local_addr().expect("addr");
                let options = LeptosOptions::builder()
                    .output_name("portico")
                    .site_addr(addr)
                    .build();
                let state = portico::server::app::state(config, options)
                    .await
                    .expect("boot");
                // The webhook worker and the reconcile pass, as `serve` runs them.
                portico::server::app::spawn_background(&state);
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

    /// The identity-hash secret this app signs with.
    pub fn hash_secret(&self) -> &'static str {
        HASH_SECRET
    }

    /// A sign-in link path signed with the test secret.
    pub fn sign_in_path(&self, key: &str, value: &str) -> String {
        format!(
            "/portal?{key}={}&hash={}",
            urlencode(value),
            identity_hash(HASH_SECRET.as_bytes(), value)
        )
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

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        request.send().await.expect("request")
    }

    /// Posts a form to a Portico route with extra headers; returns the
    /// response.
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
