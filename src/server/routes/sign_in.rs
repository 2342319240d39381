//! `GET /portal?customer_id=…&hash=…` (or `?email=…&hash=…`): the Billflow-style
//! way in. A valid link opens a session and redirects to the portal, so the
//! hash leaves the address bar and the browser history.

use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;

use crate::error::PortalError;
use crate::quantity_preset::QuantityPreset;
use crate::server::db::audit::AuditEntry;
use crate::server::db::now;
use crate::server::identity_hash::verify_identity_hash;
use crate::server::routes::error_page::render_error;
use crate::server::session::{self, SessionScope};
use crate::server::state::AppState;
use crate::server::stripe::looks_like_id;

/// The longest email Portico accepts (RFC 5321's path limit).
const MAX_EMAIL_LEN: usize = 254;

/// Who a sign-in link names.
#[derive(Debug, PartialEq, Eq)]
enum Identity {
    CustomerId(String),
    Email(String),
}

impl Identity {
    /// The value the merchant signed.
    fn signed_value(&self) -> &str {
        match self {
            Identity::CustomerId(v) | Identity::Email(v) => v,
        }
    }
}

/// The link's parameters; the first of repeated parameters wins.
#[derive(Debug, Default)]
struct SignInLink {
    identity: Option<Identity>,
    hash: Option<String>,
    subscription_id: Option<String>,
    /// Billflow's `options.quantity`: `quantity=3` or `quantity[seat]=5`.
    quantity: QuantityPreset,
}

impl SignInLink {
    fn parse(query: &str) -> Self {
        let mut customer_id = None;
        let mut email = None;
        let mut link = SignInLink::default();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let value = value.trim().to_string();
            if value.is_empty() {
                continue;
            }
            match &*key {
                "customer_id" => customer_id = customer_id.or(Some(value)),
                "email" => email = email.or(Some(value)),
                "hash" => link.hash = link.hash.or(Some(value)),
                "subscription_id" => link.subscription_id = link.subscription_id.or(Some(value)),
                other => {
                    link.quantity.accept(other, &value);
                }
            }
        }
        // Billflow signs whichever of the two identifies the customer; the id
        // is the stronger one when a link carries both.
        link.identity = customer_id
            .map(Identity::CustomerId)
            .or(email.map(Identity::Email));
        link
    }
}

/// Handles a sign-in link.
pub async fn sign_in(State(state): State<AppState>, request: Request) -> Response {
    let link = SignInLink::parse(request.uri().query().unwrap_or_default());
    match open_session(&state, &link).await {
        Ok(token) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            let headers = response.headers_mut();
            headers.insert(LOCATION, HeaderValue::from_static("/"));
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Ok(cookie) = HeaderValue::from_str(&session::cookie(
                &token,
                state.config.server.secure_cookies(),
            )) {
                headers.insert(SET_COOKIE, cookie);
            }
            response
        }
        Err(error) => {
            tracing::info!(error = ?error, "sign-in refused");
            render_error(request, error).await
        }
    }
}

/// Checks the link and opens a session; returns the session token.
async fn open_session(state: &AppState, link: &SignInLink) -> Result<String, PortalError> {
    let identity = link.identity.as_ref().ok_or(PortalError::MissingIdentity)?;
    let config = state
        .db
        .default_portal_config(state.livemode())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read the portal configuration");
            PortalError::Unavailable
        })?
        .ok_or(PortalError::Unavailable)?;

    // Live mode always demands the hash; test mode follows the configuration.
    // A hash that is present is always checked, even where it is optional.
    let hash_required = state.livemode() || config.settings.require_hash;
    match &link.hash {
        None if hash_required => return Err(PortalError::HashMissing),
        None => {}
        Some(hash) => {
            let secret = state.config.auth.hash_secret.expose_secret().as_bytes();
            if !verify_identity_hash(secret, identity.signed_value(), hash) {
                return Err(PortalError::HashInvalid);
            }
        }
    }

    let customer = match identity {
        Identity::CustomerId(id) if looks_like_id(id, "cus_") => state.stripe.customer(id).await,
        Identity::Email(email) if email.len() <= MAX_EMAIL_LEN && email.contains('@') => {
            state.stripe.customer_by_email(email).await
        }
        _ => return Err(PortalError::CustomerNotFound),
    }
    .map_err(|e| e.into_portal_error(PortalError::CustomerNotFound))?
    .ok_or(PortalError::CustomerNotFound)?;

    // A link scoped to one subscription must name one of this customer's.
    if let Some(subscription_id) = &link.subscription_id {
        if !looks_like_id(subscription_id, "sub_") {
            return Err(PortalError::SubscriptionNotFound);
        }
        let owner = state
            .stripe
            .subscription(subscription_id)
            .await
            .map_err(|e| e.into_portal_error(PortalError::SubscriptionNotFound))?
            .map(|(owner, _)| owner);
        if owner.as_deref() != Some(customer.id.as_str()) {
            return Err(PortalError::SubscriptionNotFound);
        }
    }

    let scope = SessionScope {
        customer_id: &customer.id,
        configuration_id: &config.id,
        subscription_id: link.subscription_id.as_deref(),
        quantity_preset: &link.quantity,
    };
    let (row, token) = session::open(state, &scope).await?;
    let audit = AuditEntry {
        occurred_at: now(),
        session_id: Some(&row.id),
        customer_id: Some(&customer.id),
        action: "sign_in",
        subscription_id: row.subscription_id.as_deref(),
        outcome: "ok",
        detail: Some(match identity {
            Identity::CustomerId(_) => "hash:customer_id",
            Identity::Email(_) => "hash:email",
        }),
    };
    if let Err(e) = state.db.record_audit(&audit).await {
        tracing::error!(error = %e, "cannot write the audit log");
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_id_wins_over_email() {
        let link = SignInLink::parse("email=a%40b.c&customer_id=cus_1&hash=ab");
        assert_eq!(link.identity, Some(Identity::CustomerId("cus_1".into())));
        assert_eq!(link.hash.as_deref(), Some("ab"));
    }

    #[test]
    fn empty_parameters_count_as_missing() {
        let link = SignInLink::parse("customer_id=&email=+&hash=");
        assert_eq!(link.identity, None);
        assert_eq!(link.hash, None);
    }

    #[test]
    fn quantity_presets_ride_along() {
        let link = SignInLink::parse("customer_id=cus_1&quantity%5Bseat%5D=8&quantity=2");
        assert_eq!(link.quantity.for_unit("seat", 1, 100), Some(8));
        assert_eq!(link.quantity.for_unit("license", 1, 100), Some(2));
    }

    #[test]
    fn first_repeated_parameter_wins() {
        let link = SignInLink::parse("email=a%40b.c&email=evil%40x.y");
        assert_eq!(link.identity, Some(Identity::Email("a@b.c".into())));
    }
}
