//! Finish saving a new card after Stripe.js confirmed it: the card becomes
//! the default.

use leptos::prelude::*;

use crate::error::PortalError;

/// Answers with the portal address to go to (the home page with the
/// `update_card` notice). The page calls this from Rust after Stripe.js,
/// so it navigates itself; there is no form post to redirect.
#[server(prefix = "/api", endpoint = "finish_card_setup")]
pub async fn finish_card_setup(
    setup_intent_id: String,
    nonce: String,
) -> Result<String, PortalError> {
    use crate::model::{NoticeTarget, PortalEvent};
    use crate::server::{navigation, session, wallet};
    let (state, session) = session::current().await?;
    let card = wallet::finish_setup(&state, &session, &setup_intent_id, &nonce)
        .await
        .inspect_err(|e| crate::server::routes::error_page::set_error_status(*e))?;
    navigation::next_href(
        &state,
        &session,
        PortalEvent::UpdateCard,
        NoticeTarget::Card(card),
    )
    .await
}
