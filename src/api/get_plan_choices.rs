//! The plan picker's options for one subscription.

use leptos::prelude::*;

use crate::error::PortalError;
use crate::model::PlanChoices;

#[server(prefix = "/api", endpoint = "get_plan_choices")]
pub async fn get_plan_choices(subscription_id: String) -> Result<PlanChoices, PortalError> {
    use crate::server::{plans, session};
    let (state, session) = session::current().await?;
    plans::plan_choices(&state, &session, &subscription_id)
        .await
        .inspect_err(|e| crate::server::routes::error_page::set_error_status(*e))
}
