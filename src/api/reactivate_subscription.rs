//! Keep a subscription whose cancellation is scheduled.

use leptos::prelude::*;

use crate::error::PortalError;

#[server(prefix = "/api", endpoint = "reactivate_subscription")]
pub async fn reactivate_subscription(
    subscription_id: String,
    nonce: String,
) -> Result<(), PortalError> {
    use crate::server::actions::cancel;
    use crate::server::{navigation, session};
    let (state, session) = session::current().await?;
    let result = cancel::reactivate(&state, &session, &subscription_id, &nonce).await;
    navigation::finish(&state, &session, result).await
}
