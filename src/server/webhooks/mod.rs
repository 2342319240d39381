//! `POST /webhooks/stripe`: Stripe's events, verified and stored once, then
//! processed from the database (`worker`) so one received just before a
//! crash or restart is still applied.

pub mod worker;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use stripe_webhook::{Webhook, WebhookError};

use crate::server::db::now_ms;
use crate::server::db::webhook_events::ReceivedEvent;
use crate::server::metrics::{EventOutcome, metrics};
use crate::server::state::AppState;

/// Stripe's events are up to a few hundred KB (a subscription with its
/// items and discounts); Portico's own forms are limited far lower.
pub const MAX_EVENT_BODY: usize = 1024 * 1024;

/// Why an event was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    NotConfigured,
    Unsigned,
    BadSignature,
    Stale,
    Malformed,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Self::NotConfigured => (
                StatusCode::NOT_FOUND,
                "webhooks are not configured (STRIPE_WEBHOOK_SECRET)",
            ),
            Self::Unsigned => (StatusCode::BAD_REQUEST, "missing Stripe-Signature header"),
            Self::BadSignature => (StatusCode::BAD_REQUEST, "signature does not match"),
            Self::Stale => (
                StatusCode::BAD_REQUEST,
                "signature timestamp outside the tolerance",
            ),
            Self::Malformed => (StatusCode::BAD_REQUEST, "not a Stripe event"),
        };
        (status, axum::Json(json!({"error": message}))).into_response()
    }
}

/// Receives one event: the signature over the raw body is checked before
/// anything is parsed, then the event is stored once by id and the worker
/// woken. The answer comes as soon as the event is stored.
pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match accept(&state, &headers, &body).await {
        Ok(Some(duplicate)) => {
            axum::Json(json!({"received": true, "duplicate": duplicate})).into_response()
        }
        Ok(None) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"error": "cannot store the event now; retry"})),
        )
            .into_response(),
        Err(refusal) => {
            metrics().webhook_event(EventOutcome::Refused);
            tracing::warn!(reason = ?refusal, "webhook event refused");
            refusal.into_response()
        }
    }
}

/// `Ok(Some(duplicate))` once stored (or known), `Ok(None)` when storage
/// failed (Stripe retries), `Err` when the event is refused.
async fn accept(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Option<bool>, Refusal> {
    let secrets = &state.config.mirror.webhook_secrets;
    if secrets.is_empty() {
        return Err(Refusal::NotConfigured);
    }
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or(Refusal::Unsigned)?;
    let payload = std::str::from_utf8(body).map_err(|_| Refusal::Malformed)?;
    verify(
        payload,
        signature,
        secrets.iter().map(|s| s.expose_secret()),
    )?;
    let event: Value = serde_json::from_str(payload).map_err(|_| Refusal::Malformed)?;
    let (Some(id), Some(event_type), Some(created), Some(livemode)) = (
        event["id"].as_str().filter(|id| id.starts_with("evt_")),
        event["type"].as_str(),
        event["created"].as_i64(),
        event["livemode"].as_bool(),
    ) else {
        return Err(Refusal::Malformed);
    };
    if livemode != state.livemode() {
        // Signed with this endpoint's secret but of the other mode: nothing
        // here reads that mode's objects. Answered 2xx so Stripe stops.
        tracing::warn!(event.id = id, "webhook event of the other mode ignored");
        return Ok(Some(false));
    }
    let received = ReceivedEvent {
        id,
        livemode,
        event_type,
        created,
        payload,
    };
    match state.db.store_event(&received, now_ms()).await {
        Ok(stored) => {
            metrics().webhook_event(if stored {
                EventOutcome::Received
            } else {
                EventOutcome::Duplicate
            });
            if stored {
                tracing::debug!(
                    event.id = id,
                    event.r#type = event_type,
                    "webhook event stored"
                );
                state.webhook_wakeup.notify_one();
            }
            Ok(Some(!stored))
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot store a webhook event");
            Ok(None)
        }
    }
}

/// Stripe's scheme, checked by async-stripe's verifier with its 5-minute
/// tolerance, against each secret in turn (rotation). The verifier parses
/// the event only after the signature and time matched, so a parse
/// failure still means an authentic event: Portico reads it as JSON, and
/// an API version async-stripe does not know yet loses nothing.
fn verify<'a>(
    payload: &str,
    signature: &str,
    secrets: impl Iterator<Item = &'a str>,
) -> Result<(), Refusal> {
    let mut refusal = Refusal::BadSignature;
    for secret in secrets {
        match Webhook::construct_event(payload, signature, secret) {
            Ok(_) | Err(WebhookError::BadParse(_)) => return Ok(()),
            Err(WebhookError::BadTimestamp(_)) => refusal = Refusal::Stale,
            Err(_) => {}
        }
    }
    Err(refusal)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOAD: &str = r#"{"id":"evt_1","object":"event","type":"customer.updated"}"#;

    fn header(secret: &str, at: Option<i64>) -> String {
        Webhook::generate_test_header(PAYLOAD, secret, at)
    }

    #[test]
    fn any_configured_secret_verifies_and_others_do_not() {
        let signed = header("whsec_old", None);
        assert_eq!(
            verify(PAYLOAD, &signed, ["whsec_new", "whsec_old"].into_iter()),
            Ok(())
        );
        assert_eq!(
            verify(PAYLOAD, &signed, ["whsec_new"].into_iter()),
            Err(Refusal::BadSignature)
        );
        let tampered = PAYLOAD.replace("evt_1", "evt_2");
        assert_eq!(
            verify(&tampered, &signed, ["whsec_old"].into_iter()),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn a_signature_older_than_five_minutes_is_stale() {
        let old = crate::server::db::now() - 301;
        let signed = header("whsec_1", Some(old));
        assert_eq!(
            verify(PAYLOAD, &signed, ["whsec_1"].into_iter()),
            Err(Refusal::Stale)
        );
        let recent = header("whsec_1", Some(old + 60));
        assert_eq!(verify(PAYLOAD, &recent, ["whsec_1"].into_iter()), Ok(()));
    }

    #[test]
    fn a_garbled_header_is_refused() {
        for signature in ["", "t=abc,v1=00", "v1=deadbeef", "t=1"] {
            assert!(
                verify(PAYLOAD, signature, ["whsec_1"].into_iter()).is_err(),
                "{signature}"
            );
        }
    }
}
