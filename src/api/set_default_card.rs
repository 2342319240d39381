//! Make a saved card the default.

use leptos::prelude::*;

use crate::error::PortalError;

#[server(prefix = "/api", endpoint = "set_default_card")]
pub async fn set_default_card(payment_method_id: String, nonce: String) -> Result<(), PortalError> {
    use crate::model::{NoticeTarget, PortalEvent};
    use crate::server::{navigation, session, wallet};
    let (state, session) = session::current().await?;
    wallet::set_default(&state, &session, &payment_method_id, &nonce)
        .await
        .inspect_err(|e| crate::server::routes::error_page::set_error_status(*e))?;
    navigation::redirect_next(
        &state,
        &session,
        PortalEvent::SetDefaultCard,
        NoticeTarget::Card(payment_method_id),
    )
    .await
}
