//! Changing the customer's billing details, as far as the configuration's
//! `customer_update` allows. Same order as subscription actions: nonce,
//! policy, validation, Stripe with an idempotency key, audit.

use crate::error::PortalError;
use crate::i18n::Locale;
use crate::model::{DetailsForm, PortalEvent};
use crate::policy;
use crate::server::actions::guard::FormNonce;
use crate::server::actions::idempotency;
use crate::server::audit::Audit;
use crate::server::email_change;
use crate::server::session::PortalSession;
use crate::server::state::AppState;

pub const EVENT: PortalEvent = PortalEvent::UpdateDetails;

/// Validates the form and writes what changed. An invalid field changes
/// nothing and names the field. A new email address is not written: a link
/// to confirm it is mailed to it (see `email_change`), in `locale`.
pub async fn update(
    state: &AppState,
    session: &PortalSession,
    form: &DetailsForm,
    form_nonce: &str,
    locale: Locale,
) -> Result<(), PortalError> {
    let customer = session.row.scope.customer_id.as_str();
    let result = async {
        let nonce = FormNonce::parse(form_nonce)?;
        if !policy::may_edit_details(&session.config) {
            return Err(PortalError::NotAllowed);
        }
        let mut update = form
            .validate(policy::editable_details(&session.config))
            .map_err(PortalError::InvalidDetail)?;
        let current = state
            .stripe
            .fresh()
            .profile(customer)
            .await
            .map_err(|e| e.into_portal_error(PortalError::CustomerNotFound))?
            .ok_or(PortalError::CustomerNotFound)?
            .details;
        // Another address waits for its owner. The same one in another case
        // is no change: Stripe's email search is case-sensitive, so writing
        // it would only make the customer harder to find.
        let new_email = update
            .email
            .take()
            .filter(|email| !email.as_str().eq_ignore_ascii_case(&current.email));
        let params = format!("{update:?}");
        let key = idempotency::key(session, EVENT.as_str(), customer, &[&params], &nonce);
        state
            .stripe
            .update_details(customer, &current, &update, &key)
            .await
            .map_err(|e| e.into_details_error())?;
        match new_email {
            Some(email) => email_change::request(state, session, &email, locale).await,
            None => Ok(()),
        }
    }
    .await;
    Audit::of(&session.row)
        .record(state, EVENT.as_str(), result)
        .await;
    result
}
