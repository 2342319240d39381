//! `GET /portal?customer_id=…&hash=…` (or `?email=…&hash=…`): the Billflow-style
//! way in. A valid link opens a session and redirects to the portal, so the
//! hash leaves the address bar and the browser history. `GET /embed` takes
//! the same parameters from `public/embed.js` for a portal in an iframe
//! (see `routes::embed`).

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::error::PortalError;
use crate::model::{CustomerId, MAX_EMAIL_LEN, SubscriptionId};
use crate::pages::static_page::StaticPage;
use crate::quantity_preset::QuantityPreset;
use crate::server::actions::guard;
use crate::server::db::now;
use crate::server::identity_hash::{Proof, ProofRefusal, verify_proof};
use crate::server::origins;
use crate::server::rate_limit::{self, SIGN_IN_PER_CLIENT, SIGN_IN_PER_IDENTITY};
use crate::server::routes::client_ip::client_ip;
use crate::server::routes::error_page::{render_error, render_static};
use crate::server::routes::{audit_sign_in, posted_field, session_redirect};
use crate::server::session::{self, CookieSite, SessionScope};
use crate::server::state::AppState;
use crate::server::stripe::EmailOwner;

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

/// What checking a sign-in link came to.
#[derive(Debug)]
pub enum Opened {
    /// A session, by its token.
    Session(String),
    /// The link is good, but the visitor confirms first which account it
    /// opens (`account`, masked): see [`sign_in`].
    Confirm { account: String },
}

/// Handles a sign-in link (`GET /portal`).
///
/// A static hash never expires, so a link made with one, placed on another
/// site, would sign a visitor into that account without a word (login
/// CSRF: they then enter their card into someone else's account). When the
/// link is followed from a site that is not one of the configuration's
/// allowed origins, the visitor sees which account it opens and continues
/// with a button (`POST /portal`, same-origin only). Signed identities
/// (they expire), portal session URLs and embeds open as before, and so do
/// clients that send no `Sec-Fetch-Site`.
pub async fn sign_in(State(state): State<AppState>, request: Request) -> Response {
    let query = request.uri().query().unwrap_or_default().to_string();
    let link = SignInLink::parse(&query);
    let client = client_ip(&state, &request);
    let ask_first = from_another_site(&state, request.headers()).await;
    match open_session(&state, &link, Entry::Link, &client, ask_first).await {
        Ok(Opened::Session(token)) => session_redirect(&state, &token, CookieSite::FirstParty, "/"),
        Ok(Opened::Confirm { account }) => {
            let page = StaticPage::SignInConfirm {
                link: query,
                account,
            };
            render_static(request, StatusCode::OK, page, None).await
        }
        Err(error) => {
            tracing::info!(error = ?error, "sign-in refused");
            render_error(request, error).await
        }
    }
}

/// `POST /portal`: the confirmation's button; the link rides in the form.
pub async fn confirm_sign_in(State(state): State<AppState>, request: Request) -> Response {
    let client = client_ip(&state, &request);
    let (request, link) = posted_field(request, "link").await;
    match open_session(
        &state,
        &SignInLink::parse(&link),
        Entry::Link,
        &client,
        false,
    )
    .await
    {
        Ok(Opened::Session(token)) => session_redirect(&state, &token, CookieSite::FirstParty, "/"),
        Ok(Opened::Confirm { .. }) => render_error(request, PortalError::InvalidInput).await,
        Err(error) => {
            tracing::info!(error = ?error, "sign-in refused");
            render_error(request, error).await
        }
    }
}

/// Whether a page navigation comes from another origin than Portico's and
/// the configuration's allowed origins (the merchant's own pages): by
/// `Sec-Fetch-Site`, and the `Referer`'s origin, which browsers send on
/// cross-site navigations unless the linking page hides it.
async fn from_another_site(state: &AppState, headers: &axum::http::HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // `same-site` too: a sibling subdomain is another site's page.
    let cross_site =
        header("sec-fetch-site").is_some_and(|s| s == "cross-site" || s == "same-site");
    let document = header("sec-fetch-dest").is_none_or(|d| d == "document");
    if !cross_site || !document {
        return false;
    }
    let Some(referer) = header("referer").and_then(|r| url::Url::parse(r).ok()) else {
        return true;
    };
    match state.portal_config(None).await {
        Ok(Some(config)) => !origins::is_allowed(&config.settings, &referer),
        _ => true,
    }
}

/// Checks the link and opens a session; returns the session token, or,
/// with `ask_first` and a static hash, the account to confirm. `client`
/// (see `client_ip`) counts against the sign-in rate limit first, before
/// anything else is read.
pub async fn open_session(
    state: &AppState,
    link: &SignInLink,
    entry: Entry,
    client: &str,
    ask_first: bool,
) -> Result<Opened, PortalError> {
    // Per client and identity, so a shared address (an office, a proxy
    // Portico was not told about) locks out only the one being hammered;
    // and per client overall, far higher.
    let identity_key = link
        .identity
        .as_ref()
        .map(|i| format!("{}:{}", i.kind(), i.signed_value()))
        .unwrap_or_default();
    rate_limit::check(state, SIGN_IN_PER_CLIENT, client, now()).await?;
    rate_limit::check(
        state,
        SIGN_IN_PER_IDENTITY,
        &format!("{client}\n{identity_key}"),
        now(),
    )
    .await?;
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
                Ok(Proof::StaticHash) if !config.settings.static_hashes => {
                    return Err(PortalError::HashInvalid);
                }
                Ok(Proof::StaticHash) => "hash",
                Ok(Proof::Signed) => "signed",
                Err(ProofRefusal::Invalid) => return Err(PortalError::HashInvalid),
                Err(ProofRefusal::Expired) => return Err(PortalError::HashExpired),
            }
        }
    };

    let customer = match identity {
        Identity::CustomerId(id) => match CustomerId::parse(id) {
            Some(id) => state.stripe.fresh().customer(&id).await,
            None => return Err(PortalError::CustomerNotFound),
        },
        Identity::Email(email)
            if email.len() <= MAX_EMAIL_LEN
                && email.contains('@')
                && !email.chars().any(char::is_control) =>
        {
            // Several customers with the address: none is picked silently
            // (the merchant signs them in by customer id).
            match state.stripe.fresh().email_owner(email).await {
                Ok(EmailOwner::One(customer)) => Ok(Some(customer)),
                Ok(EmailOwner::Nobody) => Ok(None),
                Ok(EmailOwner::Several) => return Err(PortalError::AmbiguousEmail),
                Err(e) => Err(e),
            }
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
    if ask_first && proof == "hash" {
        let account = match &customer.email {
            Some(email) => crate::server::email_login::mask_email(email),
            None => crate::server::email_login::mask_email(""),
        };
        return Ok(Opened::Confirm { account });
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
    Ok(Opened::Session(token))
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
