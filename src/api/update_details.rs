//! Change the customer's billing details.

use leptos::prelude::*;

use crate::error::PortalError;
use crate::model::DetailsForm;

/// Fields the configuration does not allow are ignored; a field left out of
/// the form stays as it is.
#[server(prefix = "/api", endpoint = "update_details")]
pub async fn update_details(form: DetailsForm, nonce: String) -> Result<(), PortalError> {
    use crate::server::{details, navigation, session};
    let (state, session) = session::current().await?;
    details::update(&state, &session, &form, &nonce)
        .await
        .inspect_err(|e| crate::server::routes::error_page::set_error_status(*e))?;
    navigation::redirect_next(
        &state,
        &session,
        details::EVENT,
        crate::model::NoticeTarget::None,
    )
    .await
}
