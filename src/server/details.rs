//! Changing the customer's billing details, as far as the configuration's
//! `customer_update` allows.

use crate::error::PortalError;
use crate::model::{DetailField, DetailsForm};
use crate::server::actions::{event_key, nonce, record, stripe_error};
use crate::server::session::PortalSession;
use crate::server::state::AppState;
use crate::server::stripe::StripeApiError;

pub const EVENT: &str = "update_details";

/// Validates the form and writes what changed. An invalid field changes
/// nothing and names the field.
pub async fn update(
    state: &AppState,
    session: &PortalSession,
    form: &DetailsForm,
    form_nonce: &str,
) -> Result<(), PortalError> {
    let customer = session.row.customer_id.as_str();
    let result = async {
        let form_nonce = nonce(form_nonce)?;
        if session.config.customer_update.is_empty() {
            return Err(PortalError::NotAllowed);
        }
        let update = form
            .validate(&session.config.customer_update)
            .map_err(PortalError::InvalidDetail)?;
        let current = state
            .stripe
            .profile(customer)
            .await
            .map_err(|e| e.into_portal_error(PortalError::CustomerNotFound))?
            .ok_or(PortalError::CustomerNotFound)?
            .details;
        let params = format!("{update:?}");
        let key = event_key(session, EVENT, customer, &[&params], form_nonce);
        state
            .stripe
            .update_details(customer, &current, &update, &key)
            .await
            .map_err(refusal)
    }
    .await;
    record(state, session, EVENT, None, None, result).await;
    result
}

/// Stripe's own checks name the field they refused.
fn refusal(e: StripeApiError) -> PortalError {
    match &e {
        StripeApiError::Refused { code, param, .. } => {
            let field = match (code.as_deref(), param.as_deref()) {
                (Some("tax_id_invalid"), _) | (_, Some("value" | "type")) => {
                    Some(DetailField::TaxId)
                }
                (Some("email_invalid"), _) | (_, Some("email")) => Some(DetailField::Email),
                (_, Some("phone")) => Some(DetailField::Phone),
                (_, Some(p)) if p.starts_with("address[country]") => Some(DetailField::Country),
                (_, Some(p)) if p.starts_with("address[postal_code]") => {
                    Some(DetailField::PostalCode)
                }
                _ => None,
            };
            match field {
                Some(field) => PortalError::InvalidDetail(field),
                None => stripe_error(e),
            }
        }
        _ => stripe_error(e),
    }
}
