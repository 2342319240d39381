//! `GET /metrics` in Prometheus' text format (the `prometheus` crate): HTTP
//! requests by route, Stripe calls by endpoint and outcome, the mirror's
//! hits and age, and webhook events received, processed and failing. The
//! README lists every series.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::core::Collector;
use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::server::state::AppState;
use crate::server::webhooks::worker::MAX_ATTEMPTS;

/// Latency buckets (seconds): a warm page takes about a millisecond, a
/// Stripe call a few hundred.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Every series Portico reports.
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    stripe_requests: IntCounterVec,
    stripe_duration: HistogramVec,
    mirror_reads: IntCounterVec,
    webhook_events: IntCounterVec,
    webhook_lag: Histogram,
    webhook_pending: IntGauge,
    webhook_failing: IntGauge,
    mirror_age: Gauge,
}

/// What happened to a webhook event.
#[derive(Clone, Copy, Debug)]
pub enum EventOutcome {
    Received,
    Duplicate,
    Refused,
    Processed,
    Retried,
}

impl EventOutcome {
    fn label(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Duplicate => "duplicate",
            Self::Refused => "refused",
            Self::Processed => "processed",
            Self::Retried => "retried",
        }
    }
}

// Fixed names and labels: building or registering a series cannot fail but
// by a typo here, which every test run would show at once.
fn register<C: Collector + Clone + 'static>(registry: &Registry, collector: C) -> C {
    registry
        .register(Box::new(collector.clone()))
        .expect("unique metric");
    collector
}

fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    register(
        registry,
        IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric"),
    )
}

fn histogram(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> HistogramVec {
    let opts = HistogramOpts::new(name, help).buckets(BUCKETS.to_vec());
    register(
        registry,
        HistogramVec::new(opts, labels).expect("valid metric"),
    )
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    register(registry, IntGauge::new(name, help).expect("valid metric"))
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let registry = Registry::new();
    let webhook_lag = register(
        &registry,
        Histogram::with_opts(
            HistogramOpts::new(
                "portico_webhook_processing_lag_seconds",
                "From receiving a webhook event to having applied it",
            )
            .buckets(BUCKETS.to_vec()),
        )
        .expect("valid metric"),
    );
    let webhook_pending = gauge(
        &registry,
        "portico_webhook_events_pending",
        "Stored webhook events not applied yet",
    );
    let webhook_failing = gauge(
        &registry,
        "portico_webhook_events_failing",
        "Stored webhook events that ran out of attempts (the reconcile pass covers them)",
    );
    let mirror_age = register(
        &registry,
        Gauge::new(
            "portico_mirror_age_seconds",
            "Age of the oldest answer in the Stripe mirror",
        )
        .expect("valid metric"),
    );
    Metrics {
        http_requests: counter(
            &registry,
            "portico_http_requests_total",
            "HTTP requests answered, by route, method and status",
            &["route", "method", "status"],
        ),
        http_duration: histogram(
            &registry,
            "portico_http_request_duration_seconds",
            "HTTP request latency, by route",
            &["route"],
        ),
        stripe_requests: counter(
            &registry,
            "portico_stripe_requests_total",
            "Calls to Stripe's API, by endpoint and outcome (ok, refused, unavailable)",
            &["endpoint", "outcome"],
        ),
        stripe_duration: histogram(
            &registry,
            "portico_stripe_request_duration_seconds",
            "Stripe API latency, by endpoint",
            &["endpoint"],
        ),
        mirror_reads: counter(
            &registry,
            "portico_mirror_reads_total",
            "Reads of Stripe objects, answered by the mirror (hit) or by Stripe (miss)",
            &["result"],
        ),
        webhook_events: counter(
            &registry,
            "portico_webhook_events_total",
            "Webhook events by what happened to them",
            &["result"],
        ),
        webhook_lag,
        webhook_pending,
        webhook_failing,
        mirror_age,
        registry,
    }
});

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    &METRICS
}

impl Metrics {
    /// One Stripe call: `GET /customers/{id}` and how it ended.
    pub fn stripe_call(&self, method: &str, path: &str, outcome: &str, took: Duration) {
        let endpoint = endpoint(method, path);
        self.stripe_requests
            .with_label_values(&[endpoint.as_str(), outcome])
            .inc();
        self.stripe_duration
            .with_label_values(&[endpoint.as_str()])
            .observe(took.as_secs_f64());
    }

    /// A read the mirror answered (`true`) or passed to Stripe.
    pub fn mirror_read(&self, hit: bool) {
        self.mirror_reads
            .with_label_values(&[if hit { "hit" } else { "miss" }])
            .inc();
    }

    pub fn webhook_event(&self, outcome: EventOutcome) {
        self.webhook_events
            .with_label_values(&[outcome.label()])
            .inc();
    }

    pub fn webhook_applied(&self, lag: Duration) {
        self.webhook_event(EventOutcome::Processed);
        self.webhook_lag.observe(lag.as_secs_f64());
    }
}

/// A Stripe path with its ids replaced: `/customers/{id}/payment_methods`.
fn endpoint(method: &str, path: &str) -> String {
    const VERBS: [&str; 4] = ["search", "create_preview", "upcoming", "list"];
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .enumerate()
        .map(|(i, s)| {
            let id = if i == 1 {
                !VERBS.contains(&s)
            } else {
                i > 1
                    && s.chars()
                        .any(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            };
            if id {
                "{id}".to_string()
            } else {
                s.to_string()
            }
        })
        .collect();
    format!("{method} /{}", segments.join("/"))
}

/// Counts every request by the route it matched (never its raw path, which
/// holds ids and tokens).
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    // A fixed set: any token is a valid HTTP method, and each label value
    // is a series kept for good.
    let method: &'static str = match *request.method() {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let m = metrics();
    m.http_requests
        .with_label_values(&[route.as_str(), method, response.status().as_str()])
        .inc();
    m.http_duration
        .with_label_values(&[route.as_str()])
        .observe(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`. With `PORTICO_METRICS_TOKEN` set, only a request bearing
/// it is answered.
pub async fn render(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.config.server.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(given.as_bytes().ct_eq(token.expose_secret().as_bytes())) {
            return StatusCode::UNAUTHORIZED.into_response();
        }
    }
    let m = metrics();
    // Gauges read from the database, which every instance shares: each
    // instance reports the same backlog and age.
    if let Ok(backlog) = state.db.event_backlog(state.livemode(), MAX_ATTEMPTS).await {
        m.webhook_pending.set(backlog.pending);
        m.webhook_failing.set(backlog.failing);
    }
    if let Some(mirror) = state.stripe.mirror() {
        m.mirror_age
            .set(mirror.age().await.unwrap_or_default().as_secs_f64());
    }
    let mut body = Vec::new();
    if let Err(e) = TextEncoder::new().encode(&m.registry.gather(), &mut body) {
        tracing::error!(error = %e, "cannot encode the metrics");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_endpoints_are_named_without_their_ids() {
        assert_eq!(
            endpoint("GET", "/customers/cus_1Abc"),
            "GET /customers/{id}"
        );
        assert_eq!(
            endpoint("GET", "/customers/cus_1/payment_methods"),
            "GET /customers/{id}/payment_methods"
        );
        assert_eq!(
            endpoint("POST", "/invoices/in_9/void"),
            "POST /invoices/{id}/void"
        );
        assert_eq!(
            endpoint("POST", "/invoices/create_preview"),
            "POST /invoices/create_preview"
        );
        assert_eq!(endpoint("GET", "/subscriptions"), "GET /subscriptions");
        assert_eq!(endpoint("GET", "/coupons/SPRING25"), "GET /coupons/{id}");
    }
}
