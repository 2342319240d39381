//! A portal session's `flow_data`: every check a deep-linked flow passes
//! before its session exists. Its subscription must be the customer's and
//! the configuration must allow the task on it, asked exactly as the portal
//! will ask when the customer acts.

use super::params::RawFlow;
use super::request::allowed_url;
use super::wire::ApiError;
use crate::error::PortalError;
use crate::model::{AfterCompletion, FlowKind, FlowTask, PortalFlow};
use crate::policy::{self, Action};
use crate::server::actions::{coupon::plain_code, guard};
use crate::server::db::portal_configs::StoredConfig;
use crate::server::db::sessions::SessionRow;
use crate::server::plans;
use crate::server::session::{PortalSession, SessionScope};
use crate::server::state::AppState;

/// Longest `after_completion.hosted_confirmation.custom_message` (Stripe's limit).
const MAX_CUSTOM_MESSAGE: usize = 500;

/// Checks a request's flow against the customer and the configuration.
pub async fn check_flow(
    state: &AppState,
    customer: &str,
    config: &StoredConfig,
    raw: RawFlow,
) -> Result<PortalFlow, ApiError> {
    let after_completion = after_completion(config, &raw)?;
    let kind = raw.kind()?;
    let settings = &config.settings;
    // A session-to-be, so ownership and policy are asked exactly as the
    // portal will ask them when the customer acts.
    let session = PortalSession {
        row: SessionRow {
            livemode: state.livemode(),
            scope: SessionScope {
                customer_id: customer.to_string(),
                configuration_id: config.id.clone(),
                ..SessionScope::default()
            },
            ..SessionRow::default()
        },
        config: settings.clone(),
    };
    let param = format!("flow_data[{}][subscription]", kind.as_str());
    let owned = async |action: Action| -> Result<String, ApiError> {
        let id = raw
            .subscription
            .clone()
            .ok_or_else(|| ApiError::missing(&param))?;
        let sub = guard::owned_subscription(state, &session, &id)
            .await
            .map_err(|e| match e {
                PortalError::SubscriptionNotFound => ApiError::no_such("subscription", &param, &id),
                _ => ApiError::unavailable(),
            })?;
        if !policy::allows(settings, &sub, action) {
            let doing = match action {
                Action::Cancel => "cancel",
                _ => "change the plan of",
            };
            return Err(ApiError::invalid(
                None,
                &param,
                format!(
                    "The portal configuration {} does not let the customer {doing} \
                     subscription {id} in its current state.",
                    config.id
                ),
            ));
        }
        Ok(id)
    };
    let task = match kind {
        FlowKind::PaymentMethodUpdate => {
            if policy::may_add_card(settings).is_err() {
                return Err(ApiError::invalid(
                    None,
                    "flow_data[type]",
                    format!(
                        "The portal configuration {} does not allow payment method updates.",
                        config.id
                    ),
                ));
            }
            FlowTask::PaymentMethodUpdate
        }
        FlowKind::SubscriptionCancel => FlowTask::SubscriptionCancel {
            subscription: owned(Action::Cancel).await?,
            retention_coupon: retention_coupon(state, &raw).await?,
        },
        FlowKind::SubscriptionUpdate => FlowTask::SubscriptionUpdate {
            subscription: owned(Action::ChangePlan).await?,
        },
        FlowKind::SubscriptionUpdateConfirm => {
            let subscription = owned(Action::ChangePlan).await?;
            let price = confirmed_price(state, &session, config, &raw, &subscription).await?;
            FlowTask::SubscriptionUpdateConfirm {
                subscription,
                price,
            }
        }
    };
    Ok(PortalFlow {
        task,
        after_completion,
        completed: false,
        finished_by: None,
    })
}

/// What happens once the task is done; a redirect must stay on an allowed
/// origin.
fn after_completion(config: &StoredConfig, raw: &RawFlow) -> Result<AfterCompletion, ApiError> {
    Ok(match raw.after.as_deref() {
        None | Some("portal_homepage") => AfterCompletion::PortalHomepage,
        Some("hosted_confirmation") => {
            let custom_message = raw.custom_message.clone();
            if custom_message
                .as_ref()
                .is_some_and(|m| m.chars().count() > MAX_CUSTOM_MESSAGE)
            {
                return Err(ApiError::invalid(
                    None,
                    "flow_data[after_completion][hosted_confirmation][custom_message]",
                    format!("The custom message is longer than {MAX_CUSTOM_MESSAGE} characters."),
                ));
            }
            AfterCompletion::HostedConfirmation { custom_message }
        }
        Some("redirect") => {
            let param = "flow_data[after_completion][redirect][return_url]";
            let url = raw
                .redirect_url
                .as_deref()
                .ok_or_else(|| ApiError::missing(param))?;
            AfterCompletion::Redirect {
                return_url: allowed_url(&config.settings, url, param)?,
            }
        }
        Some(other) => {
            return Err(ApiError::invalid(
                None,
                "flow_data[after_completion][type]",
                format!(
                    "Invalid after_completion type: {other}. Use portal_homepage, \
                     hosted_confirmation or redirect."
                ),
            ));
        }
    })
}

/// A cancel flow's retention offer: a coupon that exists and can still be
/// applied.
async fn retention_coupon(state: &AppState, raw: &RawFlow) -> Result<Option<String>, ApiError> {
    let param = "flow_data[subscription_cancel][retention][coupon_offer][coupon]";
    match (
        raw.retention_type.as_deref(),
        raw.retention_coupon.as_deref(),
    ) {
        (None, None) => Ok(None),
        (Some("coupon_offer"), Some(coupon)) => {
            if !plain_code(coupon) {
                return Err(ApiError::no_such("coupon", param, coupon));
            }
            let offer = state
                .stripe
                .coupon_offer(coupon)
                .await
                .map_err(|_| ApiError::unavailable())?;
            match offer {
                Some(_) => Ok(Some(coupon.to_string())),
                None => Err(ApiError::no_such("coupon", param, coupon)),
            }
        }
        (Some("coupon_offer"), None) => Err(ApiError::missing(param)),
        _ => Err(ApiError::invalid(
            None,
            "flow_data[subscription_cancel][retention][type]",
            "The retention type must be coupon_offer.",
        )),
    }
}

/// A confirm flow's item and price: the item must be the subscription's,
/// the price one the picker offers it (and not its current one).
async fn confirmed_price(
    state: &AppState,
    session: &PortalSession,
    config: &StoredConfig,
    raw: &RawFlow,
    subscription: &str,
) -> Result<String, ApiError> {
    let items = "flow_data[subscription_update_confirm][items][0]";
    let item = raw
        .item_id
        .as_deref()
        .ok_or_else(|| ApiError::missing(&format!("{items}[id]")))?;
    let price = raw
        .item_price
        .as_deref()
        .ok_or_else(|| ApiError::missing(&format!("{items}[price]")))?;
    let choices = plans::plan_choices(state, session, subscription)
        .await
        .map_err(|_| ApiError::unavailable())?;
    if !choices.subscription.lines.iter().any(|l| l.item_id == item) {
        return Err(ApiError::no_such(
            "subscription item",
            &format!("{items}[id]"),
            item,
        ));
    }
    if !choices
        .options
        .iter()
        .any(|o| o.price_id == price && !o.current)
    {
        return Err(ApiError::invalid(
            None,
            &format!("{items}[price]"),
            format!(
                "The price {price} is not one the portal configuration {} offers \
                 for this subscription.",
                config.id
            ),
        ));
    }
    Ok(price.to_string())
}
