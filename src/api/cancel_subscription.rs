//! Cancel a subscription, with an optional reason.

use leptos::prelude::*;

use crate::error::PortalError;

/// Cancels at period end (or at once, per configuration). `reason` is one of
/// Stripe's feedback values; both are recorded on the Stripe subscription.
#[server(prefix = "/api", endpoint = "cancel_subscription")]
pub async fn cancel_subscription(
    subscription_id: String,
    reason: Option<String>,
    comment: Option<String>,
    nonce: String,
) -> Result<(), PortalError> {
    use crate::server::actions::cancel;
    use crate::server::{navigation, session};
    let (state, session) = session::current().await?;
    let result = cancel::cancel(
        &state,
        &session,
        &subscription_id,
        reason.as_deref(),
        comment.as_deref(),
        &nonce,
    )
    .await;
    navigation::finish(&state, &session, result).await
}
