//! Start saving a new card: returns the SetupIntent's client secret, which
//! the page hands to Stripe.js's `confirmCardSetup`.

use leptos::prelude::*;

use crate::error::PortalError;

/// `attempt` counts the tries on one page: a declined or unauthenticated
/// card ends its SetupIntent, so a new try needs a new one, while a double
/// click on the same try gets the same one.
#[server(prefix = "/api", endpoint = "start_card_setup")]
pub async fn start_card_setup(nonce: String, attempt: u32) -> Result<String, PortalError> {
    use crate::server::{session, wallet};
    let (state, session) = session::current().await?;
    wallet::start_setup(&state, &session, &nonce, attempt)
        .await
        .map(|setup| setup.client_secret)
        .inspect_err(|e| crate::server::routes::error_page::set_error_status(*e))
}
