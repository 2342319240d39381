//! What customers do to their subscriptions. Each action, in this order:
//! the session is already resolved by the caller; the form nonce is checked;
//! the subscription id must belong to the session's customer (and scope);
//! the policy must allow the action under the session's configuration; only
//! then is Stripe called, with an idempotency key derived from the request;
//! the outcome is audited.

use sha2::{Digest, Sha256};

use crate::error::PortalError;
use crate::model::{
    self, AfterCompletion, CancelReason, FLOW_DONE_PATH, FlowTask, PlanChoices, PlanOption,
    PlanPreview, PortalFlow, Subscription,
};
use crate::policy::{self, Action};
use crate::portal_config::ProrationBehavior;
use crate::server::db::audit::AuditEntry;
use crate::server::db::now;
use crate::server::routes::error_page::set_error_status;
use crate::server::session::{PortalSession, token};
use crate::server::state::AppState;
use crate::server::stripe::{
    Cancellation, ItemChange, Redemption, Resubscription, StripeApiError, looks_like_id,
};

/// Longest cancellation comment accepted (Stripe's cancellation_details
/// takes more; a form field this long is already generous).
pub const MAX_COMMENT_LEN: usize = 1000;

/// What an action did, for the page and for the embed's `handleResponse`.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub action: Action,
    /// The subscription afterwards (for resubscribe: the new one).
    pub subscription: Subscription,
}

/// Ends a server function that performed an action: on success, on to
/// what comes next (see `redirect_next`; with JavaScript the router follows
/// the redirect without a reload).
pub async fn finish(
    state: &AppState,
    session: &PortalSession,
    result: Result<Outcome, PortalError>,
) -> Result<(), PortalError> {
    let outcome = result.inspect_err(|e| set_error_status(*e))?;
    redirect_next(
        state,
        session,
        outcome.action.event(),
        &[("subscription", &outcome.subscription.id)],
    )
    .await
}

/// Sends the browser on after `event` (see `next_href`).
pub async fn redirect_next(
    state: &AppState,
    session: &PortalSession,
    event: &str,
    params: &[(&str, &str)],
) -> Result<(), PortalError> {
    leptos_axum::redirect(&next_href(state, session, event, params).await?);
    Ok(())
}

/// Where the browser goes after `event`: the portal home with the event and
/// `params` in the address, for the page's notice (and, embedded, the
/// host's events). When the event finishes the session's deep-linked flow,
/// the flow is marked done and its `after_completion` decides instead: the
/// merchant's redirect URL, the confirmation page, or the home page.
pub async fn next_href(
    state: &AppState,
    session: &PortalSession,
    event: &str,
    params: &[(&str, &str)],
) -> Result<String, PortalError> {
    let finished = session
        .row
        .flow
        .as_ref()
        .filter(|flow| !flow.completed && flow.task.completed_by(event));
    if let Some(flow) = finished {
        let done = PortalFlow {
            completed: true,
            ..flow.clone()
        };
        state
            .db
            .update_session_flow(&session.row.id, &done)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot store the flow's progress");
                PortalError::Unavailable
            })?;
        match &flow.after_completion {
            AfterCompletion::Redirect { return_url } => return Ok(return_url.clone()),
            AfterCompletion::HostedConfirmation { .. } => {
                return Ok(format!("{FLOW_DONE_PATH}?event={event}"));
            }
            AfterCompletion::PortalHomepage => {}
        }
    }
    home_href(event, params)
}

/// The portal home's address after `event` (see `next_href`).
fn home_href(event: &str, params: &[(&str, &str)]) -> Result<String, PortalError> {
    let mut target = url::Url::parse("http://portal/").map_err(|_| PortalError::Unavailable)?;
    {
        let mut query = target.query_pairs_mut();
        query.append_pair("event", event);
        for (name, value) in params {
            query.append_pair(name, value);
        }
        // A new address after every action, so the page reloads its data and
        // its form nonce even when the same action is repeated.
        query.append_pair("n", &token::random(8));
    }
    Ok(format!("/?{}", target.query().unwrap_or_default()))
}

/// A fresh form nonce for a page (see `PortalOverview::form_nonce`).
pub fn new_form_nonce() -> String {
    token::random(32)
}

/// The subscription `id` if it belongs to the session's customer and scope.
/// Anything else is "not found", whether it exists or not, so ids of other
/// customers cannot be probed.
pub async fn owned_subscription(
    state: &AppState,
    session: &PortalSession,
    id: &str,
) -> Result<Subscription, PortalError> {
    within_scope(session, id)?;
    let (owner, subscription) = state
        .stripe
        .subscription(id)
        .await
        .map_err(|e| e.into_portal_error(PortalError::SubscriptionNotFound))?
        .ok_or(PortalError::SubscriptionNotFound)?;
    if owner != session.row.customer_id {
        tracing::warn!(session = %session.row.id, subscription = %id, "subscription of another customer refused");
        return Err(PortalError::SubscriptionNotFound);
    }
    Ok(subscription)
}

/// Refuses an id that is not shaped like a subscription id or that lies
/// outside a session scoped to one subscription, or outside the
/// subscription of the session's open deep-linked flow.
fn within_scope(session: &PortalSession, id: &str) -> Result<(), PortalError> {
    let scopes = [
        session.row.subscription_id.as_deref(),
        session.open_flow_task().and_then(FlowTask::subscription),
    ];
    let scoped_elsewhere = scopes.into_iter().flatten().any(|only| only != id);
    if !looks_like_id(id, "sub_") || scoped_elsewhere {
        return Err(PortalError::SubscriptionNotFound);
    }
    Ok(())
}

fn authorize(
    session: &PortalSession,
    subscription: &Subscription,
    action: Action,
) -> Result<(), PortalError> {
    if policy::allows(&session.config, subscription, action) {
        Ok(())
    } else {
        Err(PortalError::NotAllowed)
    }
}

/// An Idempotency-Key for a request. The same customer, action, target,
/// parameters, prior state and form nonce give the same key (a double
/// submit); anything else a new one. The prior state keeps a repeated
/// action (quantity 6 → 7 → 6 → 7) from replaying an earlier answer.
pub fn idempotency_key(
    session: &PortalSession,
    action: Action,
    target: &str,
    params: &[&str],
    nonce: &str,
) -> String {
    event_key(session, action.event(), target, params, nonce)
}

/// `idempotency_key` for any event, cards and details included.
pub fn event_key(
    session: &PortalSession,
    event: &str,
    target: &str,
    params: &[&str],
    nonce: &str,
) -> String {
    let mut hash = Sha256::new();
    let fixed = [session.row.customer_id.as_str(), event, target, nonce];
    for part in fixed.into_iter().chain(params.iter().copied()) {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    format!("portico-{}", &hex::encode(hash.finalize())[..48])
}

/// Checks the form nonce's shape (it comes from the browser).
pub fn nonce(value: &str) -> Result<&str, PortalError> {
    let ok = (16..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(value)
    } else {
        Err(PortalError::InvalidInput)
    }
}

/// Maps a Stripe failure of a mutation to what the customer reads.
pub fn stripe_error(e: StripeApiError) -> PortalError {
    match e {
        // A concurrent request with the same Idempotency-Key is in flight.
        StripeApiError::Refused { status: 409, .. } => PortalError::InProgress,
        // The card was declined or needs authentication (error_if_incomplete).
        StripeApiError::Refused { status: 402, .. } => PortalError::PaymentFailed,
        other => other.into_portal_error(PortalError::SubscriptionNotFound),
    }
}

async fn audit(
    state: &AppState,
    session: &PortalSession,
    action: Action,
    subscription: &str,
    result: &Result<Outcome, PortalError>,
) {
    let detail = match result {
        Ok(o) if o.subscription.id != subscription => {
            Some(format!("new_subscription={}", o.subscription.id))
        }
        _ => None,
    };
    let outcome = result.as_ref().map(|_| ()).map_err(|e| *e);
    record(
        state,
        session,
        action.event(),
        Some(subscription),
        detail.as_deref(),
        outcome,
    )
    .await;
}

/// Writes one audit row: what was attempted, on what, and how it ended.
/// `detail` is non-secret context (ids, never tokens or card data).
pub async fn record(
    state: &AppState,
    session: &PortalSession,
    event: &str,
    subscription: Option<&str>,
    detail: Option<&str>,
    result: Result<(), PortalError>,
) {
    let outcome = match result {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("{e:?}"),
    };
    let entry = AuditEntry {
        occurred_at: now(),
        session_id: Some(&session.row.id),
        customer_id: Some(&session.row.customer_id),
        action: event,
        subscription_id: subscription,
        outcome: &outcome,
        detail,
    };
    if let Err(e) = state.db.record_audit(&entry).await {
        tracing::error!(error = %e, "cannot write the audit log");
    }
}

/// Runs an action and audits its outcome, success or refusal.
async fn audited<F>(
    state: &AppState,
    session: &PortalSession,
    action: Action,
    subscription: &str,
    run: F,
) -> Result<Outcome, PortalError>
where
    F: Future<Output = Result<Subscription, PortalError>>,
{
    let result = run.await.map(|subscription| Outcome {
        action,
        subscription,
    });
    audit(state, session, action, subscription, &result).await;
    result
}

/// Cancels at period end, or at once when the configuration says so.
pub async fn cancel(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    reason: Option<&str>,
    comment: Option<&str>,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    audited(state, session, Action::Cancel, id, async {
        let form_nonce = nonce(form_nonce)?;
        let sub = owned_subscription(state, session, id).await?;
        authorize(session, &sub, Action::Cancel)?;
        let reason = match reason.filter(|r| !r.is_empty()) {
            Some(r) => Some(CancelReason::parse(r).ok_or(PortalError::InvalidInput)?),
            None => None,
        };
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_LEN) {
            return Err(PortalError::InvalidInput);
        }
        // Reasons are only recorded when the configuration asks for them.
        let why = if session.config.cancellation_reason {
            Cancellation {
                reason,
                comment: comment.map(str::to_string),
            }
        } else {
            Cancellation::default()
        };
        let key = idempotency_key(session, Action::Cancel, id, &[], form_nonce);
        // A schedule owns the subscription's end while it manages it (Stripe
        // refuses cancel_at_period_end then); canceling drops the change.
        if let Some(change) = &sub.scheduled_change
            && !session.config.cancel_immediately
        {
            state
                .stripe
                .release_schedule(id, &change.schedule_id, &format!("{key}-release"))
                .await
                .map_err(stripe_error)?;
        }
        if session.config.cancel_immediately {
            state.stripe.cancel_now(id, &why, &key).await
        } else {
            state
                .stripe
                .set_cancel_at_period_end(id, true, &why, &key)
                .await
        }
        .map_err(stripe_error)
    })
    .await
}

/// Withdraws the customer's scheduled cancellation.
pub async fn reactivate(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    audited(state, session, Action::Reactivate, id, async {
        let form_nonce = nonce(form_nonce)?;
        let sub = owned_subscription(state, session, id).await?;
        authorize(session, &sub, Action::Reactivate)?;
        let key = idempotency_key(session, Action::Reactivate, id, &[], form_nonce);
        state
            .stripe
            .set_cancel_at_period_end(id, false, &Cancellation::default(), &key)
            .await
            .map_err(stripe_error)
    })
    .await
}

/// Changes the quantity of a single-item subscription sold per unit.
pub async fn update_quantity(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    quantity: u64,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    audited(state, session, Action::UpdateQuantity, id, async {
        let form_nonce = nonce(form_nonce)?;
        let sub = owned_subscription(state, session, id).await?;
        authorize(session, &sub, Action::UpdateQuantity)?;
        let config = &session.config;
        if quantity < config.quantity_min.max(1) || quantity > config.quantity_max {
            return Err(PortalError::QuantityOutOfRange);
        }
        let line = sub.single_line().ok_or(PortalError::NotAllowed)?;
        let (from, to) = (line.quantity.to_string(), quantity.to_string());
        let key = idempotency_key(
            session,
            Action::UpdateQuantity,
            id,
            &[&from, &to],
            form_nonce,
        );
        let change = ItemChange {
            quantity: Some(quantity),
            price: None,
        };
        state
            .stripe
            .update_item(id, &line.item_id, change, config.proration_behavior, &key)
            .await
            .map_err(stripe_error)
    })
    .await
}

/// Applies a coupon code to a subscription.
pub async fn apply_coupon(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    code: &str,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    audited(state, session, Action::ApplyCoupon, id, async {
        let form_nonce = nonce(form_nonce)?;
        let sub = owned_subscription(state, session, id).await?;
        authorize(session, &sub, Action::ApplyCoupon)?;
        let redemption = redeemable(state, session, code).await?;
        let current = sub
            .discount
            .as_ref()
            .map(|d| d.coupon_id.as_str())
            .unwrap_or("");
        if current == redemption.coupon_id() {
            // Applying it again would restart a one-time discount.
            return Err(PortalError::CouponInvalid);
        }
        let key = idempotency_key(
            session,
            Action::ApplyCoupon,
            id,
            &[current, code.trim()],
            form_nonce,
        );
        state
            .stripe
            .apply_coupon(id, &redemption, &key)
            .await
            .map_err(|e| match e {
                // Stripe refuses coupons that do not apply to this subscription.
                StripeApiError::Refused { status: 400, .. } => PortalError::CouponInvalid,
                other => stripe_error(other),
            })
    })
    .await
}

/// Takes the retention offer of the session's cancel flow: the merchant's
/// coupon goes on the subscription, and the customer stays. The coupon
/// comes from the session (the merchant's server named it), never from the
/// browser; the offer stands in for the cancellation, so it needs what
/// canceling needs rather than the coupon toggle.
pub async fn accept_retention_offer(
    state: &AppState,
    session: &PortalSession,
    subscription_id: &str,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    let offer = session.open_flow_task().and_then(|task| match task {
        FlowTask::SubscriptionCancel {
            subscription,
            retention_coupon: Some(coupon),
        } => Some((subscription.as_str(), coupon.as_str())),
        _ => None,
    });
    let Some((id, coupon)) = offer else {
        return Err(PortalError::NotAllowed);
    };
    if id != subscription_id {
        return Err(PortalError::SubscriptionNotFound);
    }
    audited(state, session, Action::ApplyCoupon, id, async {
        let form_nonce = nonce(form_nonce)?;
        let sub = owned_subscription(state, session, id).await?;
        authorize(session, &sub, Action::Cancel)?;
        if sub.discount.as_ref().is_some_and(|d| d.coupon_id == coupon) {
            return Err(PortalError::CouponInvalid);
        }
        let key = idempotency_key(
            session,
            Action::ApplyCoupon,
            id,
            &["retention", coupon],
            form_nonce,
        );
        state
            .stripe
            .apply_coupon(id, &Redemption::Coupon(coupon.to_string()), &key)
            .await
            .map_err(|e| match e {
                StripeApiError::Refused { status: 400, .. } => PortalError::CouponInvalid,
                other => stripe_error(other),
            })
    })
    .await
}

/// What a code the customer typed redeems: a promotion code, or a coupon
/// the merchant made redeemable in the portal (see `StripeApi::redemption`).
async fn redeemable(
    state: &AppState,
    session: &PortalSession,
    code: &str,
) -> Result<Redemption, PortalError> {
    let code = code.trim();
    let shaped = !code.is_empty()
        && code.len() <= 200
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !shaped {
        return Err(PortalError::CouponInvalid);
    }
    state
        .stripe
        .redemption(code, &session.row.customer_id)
        .await
        .map_err(stripe_error)?
        .ok_or(PortalError::CouponInvalid)
}

/// Starts a canceled subscription again: Stripe cannot revive a canceled
/// subscription, so this creates a new one on the same price (or another
/// offered price, when the configuration allows choosing). Once restarted, a
/// canceled subscription cannot be restarted again.
pub async fn resubscribe(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    price: Option<&str>,
    coupon: Option<&str>,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    audited(state, session, Action::Resubscribe, id, async {
        let form_nonce = nonce(form_nonce)?;
        within_scope(session, id)?;
        // The customer's own list both proves ownership (an id not in it is
        // "not found") and shows whether it was already restarted.
        let customer = &session.row.customer_id;
        let mut all = state
            .stripe
            .subscriptions(customer)
            .await
            .map_err(stripe_error)?;
        model::mark_superseded(&mut all);
        let sub = all
            .into_iter()
            .find(|s| s.id == id)
            .ok_or(PortalError::SubscriptionNotFound)?;
        authorize(session, &sub, Action::Resubscribe)?;
        let line = sub.single_line().ok_or(PortalError::NotAllowed)?;
        let price = match price.filter(|p| !p.is_empty() && *p != line.price_id) {
            None => line.price_id.clone(),
            Some(other) => {
                if !policy::resubscribe_allows_plan_choice(&session.config) {
                    return Err(PortalError::NotAllowed);
                }
                offered_option(state, session, &sub, other).await?.price_id
            }
        };
        let coupon = match coupon.map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(_) if !policy::resubscribe_allows_coupon(&session.config) => {
                return Err(PortalError::NotAllowed);
            }
            Some(code) => Some(redeemable(state, session, code).await?),
        };
        let payment_method = state
            .stripe
            .usable_payment_method(customer)
            .await
            .map_err(stripe_error)?
            .ok_or(PortalError::NoPaymentMethod)?;
        let params = [
            price.as_str(),
            coupon.as_ref().map_or("", Redemption::coupon_id),
        ];
        let key = idempotency_key(session, Action::Resubscribe, id, &params, form_nonce);
        state
            .stripe
            .create_subscription(
                &Resubscription {
                    replaces: id,
                    customer_id: customer,
                    price_id: &price,
                    quantity: line.quantity,
                    coupon: coupon.as_ref(),
                    payment_method: &payment_method,
                },
                &key,
            )
            .await
            .map_err(stripe_error)
    })
    .await
}

/// Moves a subscription to another offered price.
pub async fn change_plan(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    price: &str,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    audited(state, session, Action::ChangePlan, id, async {
        let form_nonce = nonce(form_nonce)?;
        let sub = owned_subscription(state, session, id).await?;
        authorize(session, &sub, Action::ChangePlan)?;
        let option = offered_option(state, session, &sub, price).await?;
        if option.current {
            return Err(PortalError::PlanUnavailable);
        }
        let line = sub.single_line().ok_or(PortalError::NotAllowed)?;
        let params = [line.price_id.as_str(), price];
        let key = idempotency_key(session, Action::ChangePlan, id, &params, form_nonce);
        let change = ItemChange {
            price: Some(&option.price_id),
            quantity: None,
        };
        if policy::change_waits_for_period_end(&session.config, line, &option) {
            return state
                .stripe
                .schedule_item_change(id, line, change, &key)
                .await
                .map_err(stripe_error);
        }
        state
            .stripe
            .update_item(
                id,
                &line.item_id,
                change,
                session.config.proration_behavior,
                &key,
            )
            .await
            .map_err(stripe_error)
    })
    .await
}

/// Drops a plan change scheduled for the end of the period.
pub async fn keep_current_plan(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    audited(state, session, Action::KeepCurrentPlan, id, async {
        let form_nonce = nonce(form_nonce)?;
        let sub = owned_subscription(state, session, id).await?;
        authorize(session, &sub, Action::KeepCurrentPlan)?;
        let change = sub
            .scheduled_change
            .as_ref()
            .ok_or(PortalError::NotAllowed)?;
        let key = idempotency_key(
            session,
            Action::KeepCurrentPlan,
            id,
            &[&change.schedule_id],
            form_nonce,
        );
        state
            .stripe
            .release_schedule(id, &change.schedule_id, &key)
            .await
            .map_err(stripe_error)
    })
    .await
}

/// The plans a subscription may move to (or, canceled, restart on).
pub async fn plan_choices(
    state: &AppState,
    session: &PortalSession,
    id: &str,
) -> Result<PlanChoices, PortalError> {
    let sub = owned_subscription(state, session, id).await?;
    let resubscribe = sub.status.has_ended();
    let allowed = if resubscribe {
        policy::allows(&session.config, &sub, Action::Resubscribe)
            && policy::resubscribe_allows_plan_choice(&session.config)
    } else {
        policy::allows(&session.config, &sub, Action::ChangePlan)
    };
    // "Show pricing" lets customers look at the plans without acting.
    if !allowed && !session.config.show_pricing {
        return Err(PortalError::NotAllowed);
    }
    let options = options_for(state, session, &sub).await?;
    Ok(PlanChoices {
        subscription: sub,
        options,
        resubscribe,
        can_choose: allowed,
        coupon: resubscribe && policy::resubscribe_allows_coupon(&session.config),
        form_nonce: new_form_nonce(),
    })
}

/// What moving to `price` would cost.
pub async fn preview_plan(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    price: &str,
) -> Result<PlanPreview, PortalError> {
    let sub = owned_subscription(state, session, id).await?;
    authorize(session, &sub, Action::ChangePlan)?;
    let option = offered_option(state, session, &sub, price).await?;
    let line = sub.single_line().ok_or(PortalError::NotAllowed)?;
    if policy::change_waits_for_period_end(&session.config, line, &option) {
        // Nothing is invoiced now; the new price applies from the next period.
        let amount_due = option.amount.times(line.quantity);
        return Ok(PlanPreview {
            option,
            amount_due,
            due_now: false,
            next_payment_at: sub.current_period_end,
            starts_at: sub.current_period_end,
        });
    }
    let proration = session.config.proration_behavior;
    let (amount_due, next) = state
        .stripe
        .preview_price_change(
            &session.row.customer_id,
            id,
            &line.item_id,
            &option.price_id,
            proration,
        )
        .await
        .map_err(stripe_error)?;
    // Stripe invoices at once when the billing interval changes (the cycle
    // anchor resets), whatever the proration setting.
    let interval_changes =
        line.interval != Some(option.interval) || line.interval_count != option.interval_count;
    let due_now = proration == ProrationBehavior::AlwaysInvoice || interval_changes;
    Ok(PlanPreview {
        option,
        amount_due,
        due_now,
        next_payment_at: if due_now { None } else { next },
        starts_at: None,
    })
}

async fn options_for(
    state: &AppState,
    session: &PortalSession,
    sub: &Subscription,
) -> Result<Vec<PlanOption>, PortalError> {
    let line = sub.single_line().ok_or(PortalError::NotAllowed)?;
    let mut options = state
        .stripe
        .plan_options(
            &line.product_id,
            &session.config.products,
            session.row.service.as_deref(),
        )
        .await
        .map_err(stripe_error)?;
    // Only prices in the subscription's currency: Stripe cannot switch a
    // subscription's currency.
    let currency = line.unit_amount.as_ref().map(|m| m.currency.clone());
    options.retain(|o| currency.as_ref().is_none_or(|c| &o.amount.currency == c));
    // An ended subscription has no current plan: its old price is one choice
    // among the others when resubscribing.
    let ended = sub.status.has_ended();
    for o in &mut options {
        o.current = !ended && o.price_id == line.price_id;
    }
    // A `subscription_update_confirm` flow offers only the merchant's price:
    // the customer confirms that change or none.
    if let Some(price) = session.open_flow_task().and_then(FlowTask::confirmed_price) {
        options.retain(|o| o.current || o.price_id == price);
    }
    Ok(options)
}

async fn offered_option(
    state: &AppState,
    session: &PortalSession,
    sub: &Subscription,
    price: &str,
) -> Result<PlanOption, PortalError> {
    if !looks_like_id(price, "price_") && !looks_like_id(price, "plan_") {
        return Err(PortalError::PlanUnavailable);
    }
    options_for(state, session, sub)
        .await?
        .into_iter()
        .find(|o| o.price_id == price)
        .ok_or(PortalError::PlanUnavailable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal_config::PortalConfig;
    use crate::server::db::sessions::SessionRow;

    fn session(customer: &str) -> PortalSession {
        PortalSession {
            row: SessionRow {
                id: "ses_1".into(),
                customer_id: customer.into(),
                configuration_id: "pcfg".into(),
                livemode: false,
                subscription_id: None,
                created_at: 0,
                ..Default::default()
            },
            config: PortalConfig::default(),
        }
    }

    #[test]
    fn double_submit_reuses_the_key_and_anything_else_changes_it() {
        let s = session("cus_1");
        let n = "nonce-0123456789abcdef";
        let key = idempotency_key(&s, Action::Cancel, "sub_1", &[], n);
        assert_eq!(key, idempotency_key(&s, Action::Cancel, "sub_1", &[], n));
        assert!(key.starts_with("portico-") && key.len() <= 255);
        assert_ne!(
            key,
            idempotency_key(&s, Action::Cancel, "sub_1", &[], "nonce-other-000000000")
        );
        assert_ne!(
            key,
            idempotency_key(&s, Action::Reactivate, "sub_1", &[], n)
        );
        assert_ne!(key, idempotency_key(&s, Action::Cancel, "sub_2", &[], n));
        assert_ne!(
            key,
            idempotency_key(&session("cus_2"), Action::Cancel, "sub_1", &[], n)
        );
        let q3 = idempotency_key(&s, Action::UpdateQuantity, "sub_1", &["3"], n);
        assert_ne!(
            q3,
            idempotency_key(&s, Action::UpdateQuantity, "sub_1", &["4"], n)
        );
    }

    #[test]
    fn malformed_nonces_are_refused() {
        assert!(nonce("short").is_err());
        assert!(nonce("has spaces in it 1234").is_err());
        assert!(nonce(&"a".repeat(65)).is_err());
        assert!(nonce("abcdefABCDEF0123-_").is_ok());
    }
}
