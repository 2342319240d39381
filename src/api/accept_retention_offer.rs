//! Take the retention offer of a deep-linked cancel flow instead of
//! canceling.

use leptos::prelude::*;

use crate::error::PortalError;

/// Applies the coupon the merchant offered when making the portal session.
/// The coupon is the session's, never the browser's; the subscription must
/// be the one the flow is about.
#[server(prefix = "/api", endpoint = "accept_retention_offer")]
pub async fn accept_retention_offer(
    subscription_id: String,
    nonce: String,
) -> Result<(), PortalError> {
    use crate::server::actions::coupon;
    use crate::server::{navigation, session};
    let (state, session) = session::current().await?;
    let result = coupon::accept_retention_offer(&state, &session, &subscription_id, &nonce).await;
    navigation::finish(&state, &session, result).await
}
