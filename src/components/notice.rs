//! The confirmation shown after an action, from the `event` the server put
//! in the address when it redirected back to the portal.

use leptos::prelude::*;

use crate::components::embed_bridge::event_json;
use crate::components::format;
use crate::components::subscription_card::plan_name;
use crate::components::wallet::brand_name;
use crate::i18n::*;
use crate::model::{
    EventCard, EventNotice, EventResponse, EventSubscription, NoticeTarget, PaymentCard,
    PortalEvent, PortalOverview, Subscription, SubscriptionStatus,
};

#[component]
pub fn ActionNotice(
    /// The session's last action, as the server confirmed it.
    notice: EventNotice,
    overview: PortalOverview,
) -> impl IntoView {
    let i18n = use_i18n();
    let event = notice.event;
    let found_card = match &notice.target {
        NoticeTarget::Card(id) => overview
            .wallet
            .as_ref()
            .and_then(|w| w.cards.iter().find(|c| &c.id == id))
            .cloned(),
        _ => None,
    };
    let card = found_card
        .as_ref()
        .map(|c| (brand_name(&c.brand), c.last4.clone()));
    let subscription = match &notice.target {
        NoticeTarget::Subscription(id) => {
            overview.subscriptions.iter().find(|s| &s.id == id).cloned()
        }
        _ => None,
    };
    // Stripe's state, not the address, says what happened: a replayed form
    // that changed nothing confirms nothing.
    if !happened(event, subscription.as_ref(), found_card.as_ref()) {
        return None;
    }
    // What the embedding page's handleResponse receives with the event.
    let response = event_json(&EventResponse {
        subscription: subscription.as_ref().map(EventSubscription::of),
        payment_method: found_card.map(|c| EventCard {
            id: c.id,
            brand: c.brand,
            last4: c.last4,
        }),
        plan: None,
    });
    let custom = overview.config.cancellation_confirmation_message.clone();
    let is_cancel = event == PortalEvent::Cancel;
    let text = move || {
        let l = i18n.get_locale();
        Some(match event {
            PortalEvent::Cancel => match &subscription {
                Some(s) if s.status != SubscriptionStatus::Canceled => {
                    let date = s
                        .access_ends_at()
                        .map(|t| format::date(l, t))
                        .unwrap_or_default();
                    td_string!(l, notice.cancel_scheduled, date = date)
                }
                _ => td_string!(l, notice.canceled_now).to_string(),
            },
            PortalEvent::Reactivate => td_string!(l, notice.reactivated).to_string(),
            PortalEvent::Resubscribe => td_string!(l, notice.resubscribed).to_string(),
            PortalEvent::UpdateQuantity => td_string!(l, notice.quantity_updated).to_string(),
            PortalEvent::ApplyCoupon => td_string!(l, notice.coupon_applied).to_string(),
            PortalEvent::ChangePlan => match subscription
                .as_ref()
                .and_then(|s| s.scheduled_change.as_ref())
            {
                Some(change) => td_string!(
                    l,
                    notice.plan_change_scheduled,
                    plan = plan_name(&change.line),
                    date = format::date(l, change.starts_at)
                ),
                None => td_string!(l, notice.plan_changed).to_string(),
            },
            PortalEvent::CancelScheduledChange => {
                td_string!(l, notice.scheduled_change_dropped).to_string()
            }
            PortalEvent::UpdateCard | PortalEvent::SetDefaultCard => {
                let (brand, last4) = card.clone()?;
                let card =
                    td_string!(l, cards.card_label, brand = brand, last4 = last4).to_string();
                if event == PortalEvent::UpdateCard {
                    td_string!(l, notice.card_added, card = card).to_string()
                } else {
                    td_string!(l, notice.default_card_set, card = card).to_string()
                }
            }
            PortalEvent::RemoveCard => td_string!(l, notice.card_removed).to_string(),
            PortalEvent::UpdateDetails => td_string!(l, notice.details_updated).to_string(),
            // Not an action's outcome: nothing to confirm.
            PortalEvent::SignOut
            | PortalEvent::SelectPlan
            | PortalEvent::PreChangePlan
            | PortalEvent::PreResubscribe => return None,
        })
    };
    Some(move || {
        text().map(|text| {
            view! {
                <div
                    class="notice-success"
                    role="status"
                    data-portico-event=event.as_str()
                    data-portico-response=response.clone()
                >
                    <p>{text}</p>
                    {is_cancel.then(|| custom.clone().map(|m| view! { <p class="custom-message">{m}</p> }))}
                </div>
            }
        })
    })
}

/// Whether Stripe's state shows that `event` took effect on what it acted
/// on (`None`: not among what the page shows).
fn happened(
    event: PortalEvent,
    subscription: Option<&Subscription>,
    card: Option<&PaymentCard>,
) -> bool {
    match event {
        // Not shown: ended and hidden ("only active subscriptions").
        PortalEvent::Cancel => subscription
            .is_none_or(|s| s.cancellation_pending() || s.status == SubscriptionStatus::Canceled),
        PortalEvent::Reactivate => subscription.is_some_and(|s| !s.cancel_at_period_end),
        PortalEvent::CancelScheduledChange => {
            subscription.is_some_and(|s| s.scheduled_change.is_none())
        }
        PortalEvent::SetDefaultCard => card.is_some_and(|c| c.is_default),
        PortalEvent::UpdateCard => card.is_some(),
        _ => true,
    }
}
