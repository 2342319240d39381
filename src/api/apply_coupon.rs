//! Apply a coupon code to a subscription.

use leptos::prelude::*;

use crate::error::PortalError;

#[server(prefix = "/api", endpoint = "apply_coupon")]
pub async fn apply_coupon(
    subscription_id: String,
    code: String,
    nonce: String,
) -> Result<(), PortalError> {
    use crate::server::{actions, session};
    let (state, session) = session::current().await?;
    let result = actions::apply_coupon(&state, &session, &subscription_id, &code, &nonce).await;
    actions::finish(&state, &session, result).await
}
