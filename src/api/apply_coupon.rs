//! Apply a coupon code to a subscription.

use leptos::prelude::*;

use crate::error::PortalError;

#[server(prefix = "/api", endpoint = "apply_coupon")]
pub async fn apply_coupon(
    subscription_id: String,
    code: String,
    nonce: String,
) -> Result<(), PortalError> {
    use crate::server::actions::coupon;
    use crate::server::{navigation, session};
    let (state, session) = session::current().await?;
    let result = coupon::apply_coupon(&state, &session, &subscription_id, &code, &nonce).await;
    navigation::finish(&state, &session, result).await
}
