//! `GET /portal?customer_id=…&hash=…` (or `?email=…&hash=…`): the Billflow-style
//! way in. A valid link opens a session and redirects to the portal, so the
//! hash leaves the address bar and the browser history. `GET /embed` takes
//! the same parameters from `public/embed.js` for a portal in an iframe
//! (see `routes::embed`).

use axum::extract::{Request, State};
use axum::response::Response;

use crate::error::PortalError;
use crate::model::{CustomerId, MAX_EMAIL_LEN, SubscriptionId};
use crate::quantity_preset::QuantityPreset;
use crate::server::actions::guard;
use crate::server::db::now;
use crate::server::identity_hash::{Proof, ProofRefusal, verify_proof};
use crate::server::origins;
use crate::server::routes::error_page::render_error;
use crate::server::routes::{audit_sign_in, session_redirect};
use crate::server::session::{self, CookieSite, SessionScope};
use crate::server::state::AppState;

/// The longest `service` (a product group name) kept.
const MAX_SERVICE_LEN: usize = 100;

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

    fn kind(&self) -> &'static str {
        match self {
            Identity::CustomerId(_) => "customer_id",
            Identity::Email(_) => "email",
        }
    }
}

/// The link's parameters; the first of repeated parameters wins.
#[derive(Debug, Default)]
pub struct SignInLink {
    identity: Option<Identity>,
    hash: Option<String>,
    subscription_id: Option<String>,
    /// Billflow's `service`: the product group the plan picker offers.
    service: Option<String>,
    /// For an embed: the origin of the page that embeds the portal.
    pub origin: Option<String>,
    /// Billflow's `options.quantity`: `quantity=3` or `quantity[seat]=5`.
    quantity: QuantityPreset,
}

impl SignInLink {
    pub fn parse(query: &str) -> Self {
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
                "service" if value.len() <= MAX_SERVICE_LEN => {
                    link.service = link.service.or(Some(value))
                }
                "origin" => link.origin = link.origin.or(Some(value)),
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

    /// Whether the link names a customer at all.
    pub fn has_identity(&self) -> bool {
        self.identity.is_some()
    }
}

/// How a link came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Opened in the browser's own tab.
    Link,
    /// Opened by `embed.js` in an iframe on the merchant's page.
    Embed,
}

/// Handles a sign-in link.
pub async fn sign_in(State(state): State<AppState>, request: Request) -> Response {
    let link = SignInLink::parse(request.uri().query().unwrap_or_default());
    match open_session(&state, &link, Entry::Link).await {
        Ok(token) => session_redirect(&state, &token, CookieSite::FirstParty, "/"),
        Err(error) => {
            tracing::info!(error = ?error, "sign-in refused");
            render_error(request, error).await
        }
    }
}

/// Checks the link and opens a session; returns the session token.
pub async fn open_session(
    state: &AppState,
    link: &SignInLink,
    entry: Entry,
) -> Result<String, PortalError> {
    let config = state
        .portal_config(None)
        .await?
        .ok_or(PortalError::Unavailable)?;

    // The embedding page must be the merchant's: its events are posted
    // there, and only there may the portal be framed.
    let embed_origin = match entry {
        Entry::Link => None,
        Entry::Embed => Some(
            link.origin
                .as_deref()
                .and_then(|o| origins::allowed_origin(&config.settings, o))
                .ok_or(PortalError::EmbedNotAllowed)?,
        ),
    };
    let identity = link.identity.as_ref().ok_or(PortalError::MissingIdentity)?;

    // Live mode always demands a proof; test mode follows the configuration.
    // A proof that is present is always checked, even where it is optional.
    let hash_required = state.livemode() || config.settings.require_hash;
    let proof = match &link.hash {
        None if hash_required => return Err(PortalError::HashMissing),
        None => "unsigned",
        Some(hash) => {
            let auth = &state.config.auth;
            match verify_proof(
                &auth.hash_keys,
                auth.signed_identity_max_age,
                identity.signed_value(),
                hash,
                now(),
            ) {
                Ok(Proof::StaticHash) => "hash",
                Ok(Proof::Signed) => "signed",
                Err(ProofRefusal::Invalid) => return Err(PortalError::HashInvalid),
                Err(ProofRefusal::Expired) => return Err(PortalError::HashExpired),
            }
        }
    };

    let customer = match identity {
        Identity::CustomerId(id) => match CustomerId::parse(id) {
            Some(id) => state.stripe.customer(&id).await,
            None => return Err(PortalError::CustomerNotFound),
        },
        Identity::Email(email)
            if email.len() <= MAX_EMAIL_LEN
                && email.contains('@')
                && !email.chars().any(char::is_control) =>
        {
            state.stripe.customer_by_email(email).await
        }
        _ => return Err(PortalError::CustomerNotFound),
    }
    .map_err(|e| e.into_portal_error(PortalError::CustomerNotFound))?
    .ok_or(PortalError::CustomerNotFound)?;

    // A link scoped to one subscription must name one of this customer's.
    if let Some(subscription_id) = &link.subscription_id {
        let id = SubscriptionId::parse(subscription_id).ok_or(PortalError::SubscriptionNotFound)?;
        guard::subscription_of(state, &customer.id, &id).await?;
    }

    let scope = SessionScope {
        customer_id: customer.id,
        configuration_id: config.id,
        subscription_id: link.subscription_id.clone(),
        quantity_preset: link.quantity.clone(),
        service: link.service.clone(),
        embed_origin,
        ..SessionScope::default()
    };
    let (row, token) = session::open(state, scope).await?;
    let via = match entry {
        Entry::Link => "link",
        Entry::Embed => "embed",
    };
    audit_sign_in(state, &row, &format!("{via}:{proof}:{}", identity.kind())).await;
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
    fn embed_parameters_are_read() {
        let link =
            SignInLink::parse("email=a%40b.c&origin=https%3A%2F%2Fshop.example&service=Team+plans");
        assert_eq!(link.origin.as_deref(), Some("https://shop.example"));
        assert_eq!(link.service.as_deref(), Some("Team plans"));
        assert!(link.quantity.is_empty());
    }

    #[test]
    fn first_repeated_parameter_wins() {
        let link = SignInLink::parse("email=a%40b.c&email=evil%40x.y");
        assert_eq!(link.identity, Some(Identity::Email("a@b.c".into())));
    }
}
