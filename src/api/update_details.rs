//! Change the customer's billing details.

use leptos::prelude::*;

use crate::error::PortalError;
use crate::model::DetailsForm;

/// Fields the configuration does not allow are ignored; a field left out of
/// the form stays as it is.
#[server(prefix = "/api", endpoint = "update_details")]
pub async fn update_details(form: DetailsForm, nonce: String) -> Result<(), PortalError> {
    use crate::server::routes::locale::request_locale;
    use crate::server::{details, navigation, session};
    let (state, session) = session::current().await?;
    // The confirmation of a new email address is mailed in the page's language.
    let locale = use_context::<axum::http::request::Parts>()
        .map(|parts| request_locale(&parts.headers))
        .unwrap_or_default();
    details::update(&state, &session, &form, &nonce, locale)
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
