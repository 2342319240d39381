//! Drop a plan change that waits for the end of the billing period.

use leptos::prelude::*;

use crate::error::PortalError;

#[server(prefix = "/api", endpoint = "keep_current_plan")]
pub async fn keep_current_plan(subscription_id: String, nonce: String) -> Result<(), PortalError> {
    use crate::server::actions::plan_change;
    use crate::server::{navigation, session};
    let (state, session) = session::current().await?;
    let result = plan_change::keep_current_plan(&state, &session, &subscription_id, &nonce).await;
    navigation::finish(&state, &session, result).await
}
