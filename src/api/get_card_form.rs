//! What the add-card page needs to load Stripe.js.

use leptos::prelude::*;

use crate::error::PortalError;
use crate::model::CardForm;

#[server(prefix = "/api", endpoint = "get_card_form")]
pub async fn get_card_form() -> Result<CardForm, PortalError> {
    use crate::server::{navigation, session};
    let result = async {
        let (state, session) = session::current().await?;
        crate::policy::may_add_card(&session.config)?;
        Ok(CardForm {
            publishable_key: state.config.stripe.publishable_key.clone(),
            stripe_js_url: state.config.stripe.js_url.to_string(),
            form_nonce: navigation::new_form_nonce(),
        })
    }
    .await;
    result.inspect_err(|e| crate::server::routes::error_page::set_error_status(*e))
}
