//! What a plan change would cost, before the customer confirms.

use leptos::prelude::*;

use crate::error::PortalError;
use crate::model::PlanPreview;

#[server(prefix = "/api", endpoint = "preview_plan_change")]
pub async fn preview_plan_change(
    subscription_id: String,
    price: String,
) -> Result<PlanPreview, PortalError> {
    use crate::server::{plans, session};
    let (state, session) = session::current().await?;
    plans::preview_plan(&state, &session, &subscription_id, &price)
        .await
        .inspect_err(|e| crate::server::routes::error_page::set_error_status(*e))
}
