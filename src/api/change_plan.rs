//! Move a subscription to another plan.

use leptos::prelude::*;

use crate::error::PortalError;

#[server(prefix = "/api", endpoint = "change_plan")]
pub async fn change_plan(
    subscription_id: String,
    price: String,
    nonce: String,
) -> Result<(), PortalError> {
    use crate::server::actions::plan_change;
    use crate::server::{navigation, session};
    let (state, session) = session::current().await?;
    let result = plan_change::change_plan(&state, &session, &subscription_id, &price, &nonce).await;
    navigation::finish(&state, &session, result).await
}
