//! Changing the customer's billing details, as far as the configuration's
//! `customer_update` allows. Same order as subscription actions: nonce,
//! policy, validation, Stripe with an idempotency key, audit.

use crate::error::PortalError;
use crate::model::{DetailsForm, PortalEvent};
use crate::policy;
use crate::server::actions::guard::FormNonce;
use crate::server::actions::idempotency;
use crate::server::audit::Audit;
use crate::server::session::PortalSession;
use crate::server::state::AppState;
use crate::server::stripe::EmailOwner;

pub const EVENT: PortalEvent = PortalEvent::UpdateDetails;

/// Validates the form and writes what changed. An invalid field changes
/// nothing and names the field.
/// Refuses an address another customer holds: sign-in links and emails
/// find customers by email, so taking someone's address would take their
/// sign-ins. (A new address is not yet verified by mail; see README.)
async fn address_free(state: &AppState, customer: &str, email: &str) -> Result<(), PortalError> {
    match state
        .stripe
        .email_owner(email)
        .await
        .map_err(|e| e.into_details_error())?
    {
        EmailOwner::Nobody => Ok(()),
        EmailOwner::One(owner) if owner.id == customer => Ok(()),
        EmailOwner::One(_) | EmailOwner::Several => Err(PortalError::EmailTaken),
    }
}

pub async fn update(
    state: &AppState,
    session: &PortalSession,
    form: &DetailsForm,
    form_nonce: &str,
) -> Result<(), PortalError> {
    let customer = session.row.scope.customer_id.as_str();
    let result = async {
        let nonce = FormNonce::parse(form_nonce)?;
        if !policy::may_edit_details(&session.config) {
            return Err(PortalError::NotAllowed);
        }
        let update = form
            .validate(policy::editable_details(&session.config))
            .map_err(PortalError::InvalidDetail)?;
        let current = state
            .stripe
            .profile(customer)
            .await
            .map_err(|e| e.into_portal_error(PortalError::CustomerNotFound))?
            .ok_or(PortalError::CustomerNotFound)?
            .details;
        if let Some(email) = &update.email
            && !email.as_str().eq_ignore_ascii_case(&current.email)
        {
            address_free(state, customer, email.as_str()).await?;
        }
        let params = format!("{update:?}");
        let key = idempotency::key(session, EVENT.as_str(), customer, &[&params], &nonce);
        state
            .stripe
            .update_details(customer, &current, &update, &key)
            .await
            .map_err(|e| e.into_details_error())
    }
    .await;
    Audit::of(&session.row)
        .record(state, EVENT.as_str(), result)
        .await;
    result
}
