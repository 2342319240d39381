//! Start a canceled subscription again.

use leptos::prelude::*;

use crate::error::PortalError;

/// Creates a new subscription on the canceled one's price, or on `price`
/// when the configuration lets customers choose, with an optional coupon.
#[server(prefix = "/api", endpoint = "resubscribe")]
pub async fn resubscribe(
    subscription_id: String,
    price: Option<String>,
    coupon: Option<String>,
    nonce: String,
) -> Result<(), PortalError> {
    use crate::server::actions::resubscribe;
    use crate::server::{navigation, session};
    let (state, session) = session::current().await?;
    let result = resubscribe::resubscribe(
        &state,
        &session,
        &subscription_id,
        price.as_deref(),
        coupon.as_deref(),
        &nonce,
    )
    .await;
    navigation::finish(&state, &session, result).await
}
