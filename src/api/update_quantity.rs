//! Change how many units (seats…) a subscription has.

use leptos::prelude::*;

use crate::error::PortalError;

/// `quantity` arrives as typed in the form; anything but a whole number in
/// the configured range is refused with a clear message.
#[server(prefix = "/api", endpoint = "update_quantity")]
pub async fn update_quantity(
    subscription_id: String,
    quantity: String,
    nonce: String,
) -> Result<(), PortalError> {
    use crate::server::actions::quantity;
    use crate::server::{navigation, session};
    let (state, session) = session::current().await?;
    let quantity: u64 = quantity
        .trim()
        .parse()
        .map_err(|_| PortalError::QuantityOutOfRange)?;
    navigation::finish(
        &state,
        &session,
        quantity::update_quantity(&state, &session, &subscription_id, quantity, &nonce).await,
    )
    .await
}
