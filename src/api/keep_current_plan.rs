//! Drop a plan change that waits for the end of the billing period.

use leptos::prelude::*;

use crate::error::PortalError;

#[server(prefix = "/api", endpoint = "keep_current_plan")]
pub async fn keep_current_plan(subscription_id: String, nonce: String) -> Result<(), PortalError> {
    use crate::server::{actions, session};
    let (state, session) = session::current().await?;
    let result = actions::keep_current_plan(&state, &session, &subscription_id, &nonce).await;
    actions::finish(&state, &session, result).await
}
