//! Changing the email address a customer signs in with. Sign-in links and
//! sign-in emails find customers by email, so a new address is an
//! account's new key: it is saved at Stripe only once its owner opens the
//! link mailed to it (`/email/confirm`), and never when another customer
//! holds it. Asking for an address another customer holds answers the same
//! as any other request (a link "is on its way"), so the form tells no one
//! whose address it is.

use leptos_i18n::Locale as _;
use url::Url;

use crate::error::PortalError;
use crate::i18n::*;
use crate::model::{DetailsUpdate, EmailAddress, PortalEvent, TaxIdChange};
use crate::server::audit::Audit;
use crate::server::db::email_changes::EmailChangeRow;
use crate::server::db::now;
use crate::server::email_login::company_name;
use crate::server::mail::{Email, LinkMail};
use crate::server::rate_limit::{self, Limit};
use crate::server::session::{PortalSession, token};
use crate::server::state::AppState;
use crate::server::stripe::EmailOwner;

/// Prefix of email-change tokens.
pub const TOKEN_PREFIX: &str = "pemc_";
/// How long a confirmation link works.
pub const LINK_TTL: i64 = 24 * 60 * 60;

/// Confirmation mails one customer may ask for: a few typos, not a way to
/// mail strangers.
const EMAIL_CHANGE_PER_CUSTOMER: Limit = Limit {
    kind: "email_change:customer",
    max: 5,
    window: 60 * 60,
};

/// Confirmation mails to one address, from whichever customer.
const EMAIL_CHANGE_PER_ADDRESS: Limit = Limit {
    kind: "email_change:address",
    max: 3,
    window: 60 * 60,
};

/// Whether `email` may become `customer`'s: nobody else holds it.
pub async fn address_free(
    state: &AppState,
    customer: &str,
    email: &str,
) -> Result<bool, PortalError> {
    Ok(
        match state
            .stripe
            .fresh()
            .email_owner(email)
            .await
            .map_err(|e| e.into_details_error())?
        {
            EmailOwner::Nobody => true,
            EmailOwner::One(owner) => owner.id == customer,
            EmailOwner::Several => false,
        },
    )
}

/// Mails a confirmation link for `email` to that address, unless another
/// customer holds it. The change is stored and the answer given either way,
/// and the mail goes out in the background: what the customer sees (the
/// answer, its timing, the "waiting for confirmation" line) is the same
/// whoever holds the address. The link re-checks it.
pub async fn request(
    state: &AppState,
    session: &PortalSession,
    email: &EmailAddress,
    locale: Locale,
) -> Result<(), PortalError> {
    let customer = session.row.scope.customer_id.as_str();
    // Without mail no link can be confirmed; that depends on no address.
    if !state.mailer.is_available() {
        return Err(PortalError::Unavailable);
    }
    let at = now();
    rate_limit::check(state, EMAIL_CHANGE_PER_CUSTOMER, customer, at).await?;
    rate_limit::check(
        state,
        EMAIL_CHANGE_PER_ADDRESS,
        &email.as_str().to_lowercase(),
        at,
    )
    .await?;
    let token = token::generate(TOKEN_PREFIX);
    let row = EmailChangeRow {
        id: format!("mec_{}", token::random(20)),
        customer_id: customer.to_string(),
        livemode: session.row.livemode,
        new_email: email.as_str().to_string(),
        created_at: at,
        expires_at: at + LINK_TTL,
    };
    state
        .db
        .insert_email_change(&row, &token.hash)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot store the email change");
            PortalError::Unavailable
        })?;
    let link = confirm_url(&state.config.server.public_url, &token.plain)
        .ok_or(PortalError::Unavailable)?;
    let company = company_name(&session.config, &state.config.server.public_url);
    let state = state.clone();
    tokio::spawn(async move {
        match address_free(&state, &row.customer_id, &row.new_email).await {
            Ok(true) => {
                let message = compose(locale, &company, &row.new_email, &link);
                match state.mailer.send(&state.db, &message).await {
                    Ok(()) => tracing::info!("email change confirmation sent"),
                    Err(e) => tracing::warn!(error = %e, "email change confirmation not sent"),
                }
            }
            Ok(false) => {
                tracing::info!("email change to an address another customer holds: nothing sent")
            }
            Err(e) => tracing::warn!(error = ?e, "email change confirmation not sent"),
        }
    });
    Ok(())
}

/// What a confirmation link names, while it may be used: the new address.
pub async fn pending(state: &AppState, token: &str) -> Result<EmailChangeRow, PortalError> {
    state
        .db
        .open_email_change(&token::hash(token), now())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read the email change");
            PortalError::Unavailable
        })?
        .filter(|row| row.livemode == state.livemode())
        .ok_or(PortalError::LinkExpired)
}

/// Uses a confirmation link: saves its address at Stripe, if nobody else
/// took it meanwhile. Answers the new address.
pub async fn confirm(state: &AppState, token: &str) -> Result<String, PortalError> {
    let row = pending(state, token).await?;
    if !address_free(state, &row.customer_id, &row.new_email).await? {
        return Err(PortalError::EmailTaken);
    }
    let storage = |e: crate::server::db::DbError| {
        tracing::error!(error = %e, "cannot use the email change");
        PortalError::Unavailable
    };
    // Claimed first, so of two confirmations racing only one writes.
    if !state
        .db
        .use_email_change(&row.id, now())
        .await
        .map_err(storage)?
    {
        return Err(PortalError::LinkExpired);
    }
    let email = EmailAddress::parse(&row.new_email).ok_or(PortalError::InvalidInput)?;
    let update = DetailsUpdate {
        name: None,
        email: Some(email),
        phone: None,
        address: None,
        tax_id: TaxIdChange::Keep,
    };
    // The link is used once: its id keys the write.
    let key = format!("portico-email-{}", row.id);
    let current = crate::model::CustomerDetails::default();
    let result = state
        .stripe
        .update_details(&row.customer_id, &current, &update, &key)
        .await
        .map_err(|e| e.into_details_error());
    Audit::customer(&row.customer_id)
        .detail(Some("email_confirmed"))
        .record(state, PortalEvent::UpdateDetails.as_str(), result)
        .await;
    if result.is_err() {
        // Stripe did not take it (or may not have): the link works again,
        // and its key makes a second write the same one.
        if let Err(e) = state.db.reopen_email_change(&row.id).await {
            tracing::error!(error = %e, "cannot reopen the email change");
        }
    }
    result.map(|()| row.new_email)
}

/// The link in the confirmation email.
fn confirm_url(public_url: &Url, token: &str) -> Option<String> {
    let mut url = public_url.join("/email/confirm").ok()?;
    url.query_pairs_mut().append_pair("token", token);
    Some(url.to_string())
}

/// The confirmation email in `locale`.
fn compose(locale: Locale, company: &str, to: &str, link: &str) -> Email {
    LinkMail {
        lang: locale.as_str(),
        company,
        to,
        subject: td_string!(locale, email_change.subject, company = company).to_string(),
        intro: td_string!(locale, email_change.intro, company = company).to_string(),
        button: td_string!(locale, email_change.button),
        link,
        notes: &[td_string!(locale, email_change.ignore)],
    }
    .email()
}
