//! Billflow's email login: a customer types an email address and, if it
//! belongs to a Stripe customer, receives a link that signs them in.
//!
//! OWASP ASVS V2.7's rules for such links: the token is random (32 bytes
//! from the CSPRNG), stored only as a hash, usable once, valid 10 minutes,
//! and consumed by a POST, not by the GET a mail scanner prefetches. The
//! page answers the same whether or not the address is known, and the
//! lookup and the sending happen after the answer, so its timing says
//! nothing either. Requests are limited per address and per client.

use leptos_i18n::Locale as _;
use url::Url;

use crate::error::PortalError;
use crate::i18n::*;
use crate::model::{Customer, DetailField, EmailAddress};
use crate::portal_config::PortalConfig;
use crate::server::audit::{self, Audit};
use crate::server::db::login_links::LoginLinkRow;
use crate::server::db::now;
use crate::server::db::portal_configs::StoredConfig;
use crate::server::mail::{Email, LinkMail, MailError};
use crate::server::origins;
use crate::server::rate_limit::{self, LOGIN_PER_ADDRESS, LOGIN_PER_CLIENT};
use crate::server::session::token;
use crate::server::state::AppState;
use crate::server::stripe::EmailOwner;

/// Prefix of the tokens in sign-in emails.
pub const TOKEN_PREFIX: &str = "pmail_";
/// Seconds a sign-in link stays valid.
pub const LINK_TTL: i64 = 10 * 60;
/// The query parameter that carries the token to the configuration's
/// `login_redirect_url` (the merchant's page with the embed).
pub const REDIRECT_TOKEN_PARAM: &str = "portico_token";

/// Someone asks for a sign-in email.
pub struct LinkRequest<'a> {
    pub email: &'a str,
    /// The client's address, for the per-client limit.
    pub client: &'a str,
    /// The language the email is written in.
    pub locale: Locale,
}

/// The default configuration of this instance's mode, if email login is on
/// and mail can be sent.
pub async fn login_config(state: &AppState) -> Result<StoredConfig, PortalError> {
    let config = state
        .portal_config(None)
        .await?
        .ok_or(PortalError::Unavailable)?;
    if !config.settings.email_login || !state.mailer.is_available() {
        return Err(PortalError::EmailLoginUnavailable);
    }
    Ok(config)
}

/// Handles a request for a sign-in email. `Ok` means "answered": the caller
/// shows the same page whether or not the address belongs to a customer.
/// Refusals (malformed address, too many requests, login off) do not depend
/// on whether the address is known either.
pub async fn request_link(state: &AppState, request: LinkRequest<'_>) -> Result<(), PortalError> {
    let config = login_config(state).await?;
    let email = EmailAddress::parse(request.email.trim())
        .ok_or(PortalError::InvalidDetail(DetailField::Email))?;
    let email = email.as_str();
    let now = now();
    rate_limit::check(state, LOGIN_PER_CLIENT, request.client, now).await?;
    rate_limit::check(state, LOGIN_PER_ADDRESS, &email.to_lowercase(), now).await?;

    let state = state.clone();
    let email = email.to_string();
    let locale = request.locale;
    tokio::spawn(async move {
        match send_link(&state, &config, &email, locale).await {
            // The address itself is never logged.
            Ok(true) => tracing::info!("sign-in email sent"),
            Ok(false) => tracing::info!("sign-in email asked for an unknown address"),
            Err(e) => tracing::warn!(error = %e, "sign-in email not sent"),
        }
    });
    Ok(())
}

/// Why a sign-in email was not sent (logged only).
#[derive(Debug, thiserror::Error)]
enum SendError {
    #[error("Stripe: {0}")]
    Stripe(#[from] crate::server::stripe::StripeApiError),
    #[error("storage: {0}")]
    Db(#[from] crate::server::db::DbError),
    #[error("mail: {0}")]
    Mail(#[from] MailError),
    #[error("cannot build the link")]
    Link,
}

/// Looks the address up and, for a customer, stores a link and mails it.
/// Returns whether a customer was found.
async fn send_link(
    state: &AppState,
    config: &StoredConfig,
    email: &str,
    locale: Locale,
) -> Result<bool, SendError> {
    let Some(customer) = find_customer(state, email).await? else {
        return Ok(false);
    };
    let token = token::generate(TOKEN_PREFIX);
    let created_at = now();
    let row = LoginLinkRow {
        id: format!("mll_{}", token::random(20)),
        customer_id: customer.id.clone(),
        configuration_id: config.id.clone(),
        livemode: state.livemode(),
        created_at,
        expires_at: created_at + LINK_TTL,
        used_at: None,
        recipient_hint: mask_email(customer.email.as_deref().unwrap_or(email)),
    };
    state.db.insert_login_link(&row, &token.hash).await?;
    let link = link_url(
        &state.config.server.public_url,
        &config.settings,
        &token.plain,
    )
    .ok_or(SendError::Link)?;
    let company = company_name(&config.settings, &state.config.server.public_url);
    // The address Stripe holds, not what was typed (the same address,
    // perhaps in another case): the account's owner receives the link.
    let recipient = customer.email.as_deref().unwrap_or(email);
    let message = compose(locale, &company, recipient, &link);
    state.mailer.send(&state.db, &message).await?;
    Audit::customer(&customer.id)
        .detail(Some(&row.id))
        .record(state, audit::SEND_LOGIN_LINK, Ok(()))
        .await;
    Ok(true)
}

/// The customer with this email, when exactly one has it. Several sharing
/// it get no link: the merchant must identify them by customer id (logged
/// for the merchant; the page reads the same as for an unknown address).
async fn find_customer(
    state: &AppState,
    email: &str,
) -> Result<Option<Customer>, crate::server::stripe::StripeApiError> {
    Ok(match state.stripe.fresh().email_owner(email).await? {
        EmailOwner::One(customer) => Some(customer),
        EmailOwner::Nobody => None,
        EmailOwner::Several => {
            tracing::warn!(
                "several customers share an email address: no sign-in email sent; \
                 sign them in by customer id"
            );
            None
        }
    })
}

/// The link in the email: the configuration's `login_redirect_url` (the
/// merchant's page with the embed) receives the token when it is set and
/// allowed, Portico's own confirmation page otherwise.
pub fn link_url(public_url: &Url, settings: &PortalConfig, token: &str) -> Option<String> {
    let redirect = settings
        .login_redirect_url
        .as_deref()
        .and_then(|url| Url::parse(url).ok())
        .filter(|url| origins::is_allowed(settings, url));
    let mut url = match redirect {
        Some(mut url) => {
            url.query_pairs_mut()
                .append_pair(REDIRECT_TOKEN_PARAM, token);
            return Some(url.to_string());
        }
        None => public_url.join("login/confirm").ok()?,
    };
    url.query_pairs_mut().append_pair("token", token);
    Some(url.to_string())
}

/// The name the email is sent by: the configuration's company name, or the
/// portal's host.
pub fn company_name(settings: &PortalConfig, public_url: &Url) -> String {
    settings
        .company_name
        .clone()
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| public_url.host_str().unwrap_or("Portico").to_string())
}

/// The sign-in email in `locale`.
pub fn compose(locale: Locale, company: &str, to: &str, link: &str) -> Email {
    LinkMail {
        lang: locale.as_str(),
        company,
        to,
        subject: td_string!(locale, login.email_subject, company = company).to_string(),
        intro: td_string!(locale, login.email_intro, company = company).to_string(),
        button: td_string!(locale, login.email_button),
        link,
        notes: &[
            td_string!(locale, login.email_validity),
            td_string!(locale, login.email_ignore),
        ],
    }
    .email()
}

/// `ada@example.com` → `a•••@example.com`: enough for the customer to
/// recognise their address on the confirmation page, not to learn someone
/// else's from a forwarded link.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".to_string(),
    }
}

/// The link of `token` if it can still be used (for the confirmation page,
/// which uses nothing up).
pub async fn usable_link(state: &AppState, token: &str) -> Result<LoginLinkRow, PortalError> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 100 {
        return Err(PortalError::LoginLinkExpired);
    }
    let row = state
        .db
        .login_link_by_hash(&token::hash(token))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read sign-in links");
            PortalError::Unavailable
        })?
        .filter(|row| row.livemode == state.livemode())
        .ok_or(PortalError::LoginLinkExpired)?;
    if row.used_at.is_some() || row.expires_at <= now() {
        return Err(PortalError::LoginLinkExpired);
    }
    Ok(row)
}

/// Uses the link of `token`: succeeds once, within its 10 minutes.
pub async fn use_link(state: &AppState, token: &str) -> Result<LoginLinkRow, PortalError> {
    let row = usable_link(state, token).await?;
    let used = state.db.use_login_link(&row, now()).await.map_err(|e| {
        tracing::error!(error = %e, "cannot use a sign-in link");
        PortalError::Unavailable
    })?;
    // Another request used it between the read and the update.
    if !used {
        return Err(PortalError::LoginLinkExpired);
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public() -> Url {
        Url::parse("https://billing.example/").unwrap()
    }

    #[test]
    fn links_go_to_portico_unless_the_merchant_receives_them() {
        let mut settings = PortalConfig::default();
        assert_eq!(
            link_url(&public(), &settings, "pmail_abc").as_deref(),
            Some("https://billing.example/login/confirm?token=pmail_abc")
        );
        settings.login_redirect_url = Some("https://shop.example/billing?tab=1".into());
        // Not an allowed origin: never an open redirect.
        assert_eq!(
            link_url(&public(), &settings, "pmail_abc").as_deref(),
            Some("https://billing.example/login/confirm?token=pmail_abc")
        );
        settings.allowed_origins = vec!["https://shop.example".into()];
        assert_eq!(
            link_url(&public(), &settings, "pmail_abc").as_deref(),
            Some("https://shop.example/billing?tab=1&portico_token=pmail_abc")
        );
    }

    #[test]
    fn email_names_the_company_and_escapes_it_in_html() {
        let email = compose(
            Locale::en,
            "Acme <Tools>",
            "ada@example.com",
            "https://billing.example/login/confirm?token=pmail_abc&x=1",
        );
        assert!(email.subject.contains("Acme <Tools>"));
        assert!(
            email
                .text
                .contains("https://billing.example/login/confirm?token=pmail_abc&x=1")
        );
        assert!(email.html.contains("Acme &lt;Tools&gt;"));
        assert!(email.html.contains("token=pmail_abc&amp;x=1"));
        assert_eq!(email.from_name.as_deref(), Some("Acme <Tools>"));
    }

    #[test]
    fn emails_are_translated() {
        let en = compose(Locale::en, "Acme", "a@b.example", "https://x.example/");
        let de = compose(Locale::de, "Acme", "a@b.example", "https://x.example/");
        assert_ne!(en.subject, de.subject);
        assert_ne!(en.text, de.text);
    }

    #[test]
    fn addresses_are_masked_for_the_confirmation_page() {
        assert_eq!(mask_email("ada@example.com"), "a•••@example.com");
        assert_eq!(mask_email("ünï@exämple.de"), "ü•••@exämple.de");
        assert_eq!(mask_email("@x.example"), "•••@x.example");
        assert_eq!(mask_email("nothing"), "•••");
    }

    #[test]
    fn company_defaults_to_the_portal_host() {
        let settings = PortalConfig::default();
        assert_eq!(company_name(&settings, &public()), "billing.example");
    }
}
