//! Boot: connect storage and Stripe, assemble the router, serve.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::MatchedPath;
use axum::http::HeaderValue;
use axum::http::header::{REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS};
use axum::routing::{get, post};
use leptos::prelude::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use secrecy::ExposeSecret;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::app::{App, shell};
use crate::server::config::Config;
use crate::server::db::{Db, DbError, now};
use crate::server::identity_hash::secret_fingerprint;
use crate::server::mail::{MailError, Mailer};
use crate::server::metrics;
use crate::server::mirror::{Mirror, sync};
use crate::server::routes::api_errors::api_error_statuses;
use crate::server::routes::email_confirm;
use crate::server::routes::embed::embed;
use crate::server::routes::flow_pin::pin_flow;
use crate::server::routes::login;
use crate::server::routes::logout::logout;
use crate::server::routes::same_origin::same_origin_posts;
use crate::server::routes::security_headers::{provide_script_nonce, security_headers};
use crate::server::routes::session_link::follow_link;
use crate::server::routes::sign_in::{confirm_sign_in, sign_in};
use crate::server::routes::{health::health, locale::set_locale};
use crate::server::session_api::create_session;
use crate::server::state::AppState;
use crate::server::stripe::{StripeApi, StripeApiError};
use crate::server::webhooks;

/// Why Portico could not start.
#[derive(Debug, thiserror::Error)]
pub enum BootError {
    #[error("database: {0}")]
    Db(#[from] DbError),
    #[error("Stripe client: {0}")]
    Stripe(#[from] StripeApiError),
    #[error("mail: {0}")]
    Mail(#[from] MailError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server stopped: {0}")]
    Serve(std::io::Error),
    #[error(
        "PORTICO_HASH_SECRET: test and live mode share a secret in this database; \
         give each mode its own (whoever holds the test secret could sign in live customers)"
    )]
    SharedSecret,
}

/// The largest request body Portico reads: its forms and the portal session
/// API's parameters take a few KB.
pub const MAX_REQUEST_BODY: usize = 16 * 1024;

/// How often expired sessions, sign-in links, rate-limit windows and old
/// development mail are swept from the database.
const SESSION_SWEEP_EVERY: Duration = Duration::from_secs(600);
/// Rate-limit windows older than this are of no more use.
const RATE_LIMIT_KEEP: i64 = 24 * 60 * 60;
/// Development mail is kept this long (its links expire in 10 minutes).
const OUTBOX_KEEP: i64 = 24 * 60 * 60;
/// Webhook events are kept this long to recognise Stripe's redeliveries (it
/// retries for up to three days).
const EVENT_KEEP: i64 = 7 * 24 * 60 * 60;
/// Expired sessions are kept this long before they are swept: a portal
/// session link opened late must still find its session, to show "this link
/// expired" with the way back to the merchant's `return_url` rather than a
/// bare "unknown link". An expired row opens nothing (see `session::expiry`).
const EXPIRED_SESSION_KEEP: i64 = 24 * 60 * 60;

/// The async runtime Portico runs on: one worker thread. Leptos 0.8's
/// `<Suspense>` can miss the wake-up of a task that finishes on another
/// worker thread while it re-checks its children, and the page response
/// then never ends (leptos-rs/leptos#4851, fixed after 0.8.23). On one
/// thread that cannot happen. Portico mostly waits on Stripe and the
/// database, so one thread serves many requests; to use more cores, run
/// more instances behind the load balancer.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
}

/// Connects to the database and Stripe and returns the application state.
pub async fn state(config: Config, leptos_options: LeptosOptions) -> Result<AppState, BootError> {
    let db = Db::connect(&config.database.url).await?;
    db.ensure_default_config(false).await?;
    db.ensure_default_config(true).await?;
    let fingerprints: Vec<String> = config
        .auth
        .hash_keys
        .iter()
        .map(|k| secret_fingerprint(k.secret.expose_secret().as_bytes()))
        .collect();
    let livemode = config.mode == crate::server::config::Mode::Live;
    if db
        .record_secret_fingerprints(livemode, &fingerprints)
        .await?
    {
        return Err(BootError::SharedSecret);
    }
    let mut stripe = StripeApi::new(&config.stripe)?;
    match config.mirror.max_age() {
        Some(max_age) => {
            stripe = stripe.with_mirror(Mirror::new(db.clone(), livemode, max_age));
            if !config.mirror.webhooks() {
                tracing::warn!(
                    cache_ttl_s = max_age.as_secs(),
                    "STRIPE_WEBHOOK_SECRET is not set: pages keep Stripe's answers for \
                     PORTICO_CACHE_TTL only, and a change made at Stripe shows after that"
                );
            }
        }
        None => tracing::warn!(
            "PORTICO_CACHE_TTL=0 and no STRIPE_WEBHOOK_SECRET: every page asks Stripe"
        ),
    }
    let mailer = Mailer::from_config(&config)?;
    if !mailer.is_available() {
        tracing::warn!("PORTICO_SMTP_URL is not set: sign-in by email is off in live mode");
    }
    Ok(AppState {
        leptos_options,
        config: Arc::new(config),
        db,
        stripe,
        mailer,
        webhook_wakeup: Arc::new(tokio::sync::Notify::new()),
    })
}

/// The whole HTTP application for a state.
pub fn router(state: AppState) -> Router {
    let options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    let https = state.config.server.secure_cookies();
    let router = Router::new()
        .route("/portal", get(sign_in).post(confirm_sign_in))
        .route("/embed", get(embed))
        .route("/login", get(login::login_form).post(login::request_link))
        .route(
            "/login/confirm",
            get(login::confirm_page).post(login::confirm),
        )
        .route(
            "/email/confirm",
            get(email_confirm::confirm_page).post(email_confirm::confirm),
        )
        .route("/logout", post(logout))
        .route("/v1/billing_portal/sessions", post(create_session))
        .route("/session/{token}", get(follow_link))
        .route("/healthz", get(health))
        .route("/locale", post(set_locale))
        .leptos_routes_with_context(&state, routes, provide_script_nonce, move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_script_nonce, shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pin_flow,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            same_origin_posts,
        ))
        .layer(axum::middleware::from_fn(api_error_statuses))
        // Every form Portico takes fits in a few KB; a larger body is refused
        // (413) before anything reads it.
        .layer(RequestBodyLimitLayer::new(MAX_REQUEST_BODY))
        // Stripe's events: larger than any form, signed, no cookies; outside
        // the page layers and their body limit.
        .route(
            "/webhooks/stripe",
            post(webhooks::receive).layer(RequestBodyLimitLayer::new(webhooks::MAX_EVENT_BODY)),
        )
        .route("/metrics", get(metrics::render))
        .layer(axum::middleware::from_fn(metrics::track))
        // Sign-in URLs carry the identity hash or a one-time token: never
        // send them onwards.
        .layer(SetResponseHeaderLayer::if_not_present(
            REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // Every log line of a request carries its id (the client's
        // X-Request-Id, or a new one), also sent back for support requests.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state);
    if https {
        // Over https, browsers are told to come back only over https.
        router.layer(SetResponseHeaderLayer::overriding(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ))
    } else {
        router
    }
}

/// The span of a request's logs: its id and the route it matched, never its
/// path or query, which may carry a sign-in token or identity hash.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or("unmatched");
    tracing::info_span!("request", id, method = %request.method(), route)
}

/// A listening socket whose connections have Nagle's algorithm off (Linux
/// gives accepted sockets the listener's setting). A page goes out in
/// several writes (headers, then the streamed body); with Nagle on, each
/// later write waited for the client's delayed ACK, about 40 ms.
pub fn listen(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.set_nodelay(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState) -> Result<(), BootError> {
    let addr = state.config.server.bind;
    spawn_background(&state);
    let listener = listen(addr).map_err(|source| BootError::Bind { addr, source })?;
    tracing::info!(%addr, mode = state.config.mode.as_str(), "Portico listening");
    // The peer address is the client's, for per-client rate limits (unless
    // PORTICO_CLIENT_IP_HEADER names a proxy's header).
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(BootError::Serve)
}

/// Starts what runs beside the requests: the sweeper, the webhook worker
/// and the periodic reconcile pass.
pub fn spawn_background(state: &AppState) {
    let db = state.db.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SESSION_SWEEP_EVERY);
        loop {
            tick.tick().await;
            sweep(&db, now()).await;
        }
    });
    if state.config.mirror.webhooks() {
        webhooks::worker::spawn(state.clone());
    }
    let every = state.config.mirror.sync_interval;
    if let (Some(_), Some(max_age)) = (state.stripe.mirror(), state.config.mirror.max_age())
        && !every.is_zero()
    {
        let stripe = state.stripe.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            // The first tick is immediate: a restarted instance does not
            // reconcile at once, the mirror it finds is at most `every` old.
            tick.tick().await;
            loop {
                tick.tick().await;
                match sync::periodic(&stripe, every, max_age).await {
                    Ok(report) => tracing::info!(
                        refreshed = report.refreshed,
                        failed = report.failed,
                        "mirror reconciled"
                    ),
                    Err(e) => tracing::warn!(error = %e, "mirror reconcile failed"),
                }
            }
        });
    }
}

/// Removes what is of no more use at `now`: expired sessions (after a
/// grace period), sign-in links, rate-limit windows and development mail.
pub async fn sweep(db: &Db, now: i64) {
    match db.delete_expired_sessions(now - EXPIRED_SESSION_KEEP).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(sessions.removed = n, "expired sessions swept"),
        Err(e) => tracing::warn!(error = %e, "session sweep failed"),
    }
    if let Err(e) = db.delete_expired_login_links(now).await {
        tracing::warn!(error = %e, "sign-in link sweep failed");
    }
    if let Err(e) = db.delete_expired_email_changes(now).await {
        tracing::warn!(error = %e, "email change sweep failed");
    }
    if let Err(e) = db.delete_old_rate_limits(now - RATE_LIMIT_KEEP).await {
        tracing::warn!(error = %e, "rate-limit sweep failed");
    }
    if let Err(e) = db.delete_old_outbox_messages(now - OUTBOX_KEEP).await {
        tracing::warn!(error = %e, "outbox sweep failed");
    }
    if let Err(e) = db.delete_old_events((now - EVENT_KEEP) * 1000).await {
        tracing::warn!(error = %e, "webhook event sweep failed");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
