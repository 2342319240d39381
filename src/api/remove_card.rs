//! Remove a saved card.

use leptos::prelude::*;

use crate::error::PortalError;

#[server(prefix = "/api", endpoint = "remove_card")]
pub async fn remove_card(payment_method_id: String, nonce: String) -> Result<(), PortalError> {
    use crate::model::{NoticeTarget, PortalEvent};
    use crate::server::{navigation, session, wallet};
    let (state, session) = session::current().await?;
    wallet::remove(&state, &session, &payment_method_id, &nonce)
        .await
        .inspect_err(|e| crate::server::routes::error_page::set_error_status(*e))?;
    navigation::redirect_next(
        &state,
        &session,
        PortalEvent::RemoveCard,
        NoticeTarget::None,
    )
    .await
}
