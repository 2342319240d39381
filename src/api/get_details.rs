//! The customer's billing details and what they may change.

use leptos::prelude::*;

use crate::error::PortalError;
use crate::model::DetailsPage;

#[server(prefix = "/api", endpoint = "get_details")]
pub async fn get_details() -> Result<DetailsPage, PortalError> {
    use crate::server::{navigation, session};
    let result = async {
        let (state, session) = session::current().await?;
        let profile = state
            .stripe
            .profile(&session.row.scope.customer_id)
            .await
            .map_err(|e| e.into_portal_error(PortalError::CustomerNotFound))?
            .ok_or(PortalError::CustomerNotFound)?;
        Ok(DetailsPage {
            details: profile.details,
            allowed: crate::policy::editable_details(&session.config).to_vec(),
            form_nonce: navigation::new_form_nonce(),
        })
    }
    .await;
    result.inspect_err(|e| crate::server::routes::error_page::set_error_status(*e))
}
