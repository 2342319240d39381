//! The portal embedded on the merchant's page: what the page tells
//! `public/embed-frame.js`, and what the merchant's `handleResponse`
//! receives with each event.

use serde::{Deserialize, Serialize};

use super::{PlanOption, Subscription};

/// An event the portal reports to the embedding page's `handleResponse`
/// (Billflow's names), and the notice a page shows after an action. The
/// `pre_load`, `post_load`, `error` and `create_subscription` events are
/// `public/embed.js`'s and `embed-frame.js`'s own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalEvent {
    ChangePlan,
    UpdateQuantity,
    ApplyCoupon,
    Cancel,
    Reactivate,
    Resubscribe,
    /// A plan change waiting for the end of the period was dropped.
    CancelScheduledChange,
    /// A new card was saved (and became the default).
    UpdateCard,
    SetDefaultCard,
    RemoveCard,
    UpdateDetails,
    SignOut,
    /// The customer picked a plan in the picker, before confirming.
    SelectPlan,
    /// A plan change's confirmation is being sent.
    PreChangePlan,
    /// A resubscription's confirmation is being sent.
    PreResubscribe,
}

impl PortalEvent {
    /// Every event, for parsing and exhaustive tests.
    pub const ALL: [PortalEvent; 15] = [
        Self::ChangePlan,
        Self::UpdateQuantity,
        Self::ApplyCoupon,
        Self::Cancel,
        Self::Reactivate,
        Self::Resubscribe,
        Self::CancelScheduledChange,
        Self::UpdateCard,
        Self::SetDefaultCard,
        Self::RemoveCard,
        Self::UpdateDetails,
        Self::SignOut,
        Self::SelectPlan,
        Self::PreChangePlan,
        Self::PreResubscribe,
    ];

    /// The name `handleResponse` receives (and the address's `?event=`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChangePlan => "change_plan",
            Self::UpdateQuantity => "update_quantity",
            Self::ApplyCoupon => "apply_coupon",
            Self::Cancel => "cancel",
            Self::Reactivate => "reactivate",
            Self::Resubscribe => "resubscribe",
            Self::CancelScheduledChange => "cancel_scheduled_change",
            Self::UpdateCard => "update_card",
            Self::SetDefaultCard => "set_default_card",
            Self::RemoveCard => "remove_card",
            Self::UpdateDetails => "update_details",
            Self::SignOut => "sign_out",
            Self::SelectPlan => "select_plan",
            Self::PreChangePlan => "pre_change_plan",
            Self::PreResubscribe => "pre_resubscribe",
        }
    }

    /// The event of a name, e.g. from the address's `?event=`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// What an action acted on, for its notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeTarget {
    None,
    Subscription(String),
    Card(String),
}

/// The notice the portal home shows after an action: the event, what it
/// acted on, and a one-time value `n` (a new address after every action).
/// The server keeps the last one per session (`key`); the page reports an
/// event to an embedding page only when its address carries that notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventNotice {
    pub event: PortalEvent,
    pub target: NoticeTarget,
    pub n: String,
}

impl EventNotice {
    /// The home page's query for this notice (`event=…&subscription=…&n=…`).
    pub fn query(&self) -> String {
        let mut pairs = vec![("event", self.event.as_str())];
        match &self.target {
            NoticeTarget::None => {}
            NoticeTarget::Subscription(id) => pairs.push(("subscription", id)),
            NoticeTarget::Card(id) => pairs.push(("card", id)),
        }
        pairs.push(("n", &self.n));
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::paths::query_value(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// What the session stores of its last notice.
    pub fn key(&self) -> String {
        self.query()
    }

    /// The notice an address names, from its query values.
    pub fn from_query(
        event: Option<&str>,
        subscription: Option<String>,
        card: Option<String>,
        n: Option<String>,
    ) -> Option<Self> {
        let target = match (subscription, card) {
            (Some(id), None) => NoticeTarget::Subscription(id),
            (None, Some(id)) => NoticeTarget::Card(id),
            (None, None) => NoticeTarget::None,
            (Some(_), Some(_)) => return None,
        };
        Some(Self {
            event: PortalEvent::parse(event?)?,
            target,
            n: n?,
        })
    }
}

/// What the page tells `public/embed-frame.js` when the portal runs in an
/// iframe on the merchant's page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedFrame {
    /// The embedding page's origin (an allowed origin): the only window
    /// messages are posted to and accepted from.
    pub parent_origin: String,
    /// Send events to the page's `handleResponse` (Billflow's "handle response").
    pub events: bool,
    /// Log every message to the browser console (Billflow's "debug mode").
    pub debug: bool,
}

/// What an embedding page's `handleResponse` receives as `response` for an
/// action's event: the subscription or card acted on, as Portico shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription: Option<EventSubscription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<EventCard>,
    /// For `select_plan`: the plan the customer picked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<EventPlan>,
}

/// A plan in an event, in Stripe's names; the amount in minor units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPlan {
    pub price: String,
    pub product_name: String,
    pub amount: i64,
    pub currency: String,
    pub interval: String,
    pub interval_count: u32,
}

impl EventPlan {
    /// The event view of a plan the picker offers.
    pub fn of(o: &PlanOption) -> Self {
        Self {
            price: o.price_id.clone(),
            product_name: o.product_name.clone(),
            amount: o.amount.minor,
            currency: o.amount.currency.clone(),
            interval: o.interval.stripe_name().to_string(),
            interval_count: o.interval_count,
        }
    }
}

/// A subscription in an event, in Stripe's names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventSubscription {
    pub id: String,
    /// Stripe's status (`active`, `canceled`, …).
    pub status: String,
    pub price: Option<String>,
    pub product: Option<String>,
    pub quantity: Option<u64>,
    pub cancel_at_period_end: bool,
    pub current_period_end: Option<i64>,
}

/// A card in an event: never more than Stripe shows in its dashboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCard {
    pub id: String,
    pub brand: String,
    pub last4: String,
}

impl EventSubscription {
    /// The event view of a subscription.
    pub fn of(s: &Subscription) -> Self {
        let line = s.lines.first();
        Self {
            id: s.id.clone(),
            status: s.status.stripe_name().to_string(),
            price: line.map(|l| l.price_id.clone()),
            product: line.map(|l| l.product_id.clone()),
            quantity: line.map(|l| l.quantity),
            cancel_at_period_end: s.cancel_at_period_end,
            current_period_end: s.current_period_end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PortalEvent;

    #[test]
    fn event_names_are_billflows_and_parse_back() {
        let names: Vec<&str> = PortalEvent::ALL.iter().map(|e| e.as_str()).collect();
        assert_eq!(
            names,
            [
                "change_plan",
                "update_quantity",
                "apply_coupon",
                "cancel",
                "reactivate",
                "resubscribe",
                "cancel_scheduled_change",
                "update_card",
                "set_default_card",
                "remove_card",
                "update_details",
                "sign_out",
                "select_plan",
                "pre_change_plan",
                "pre_resubscribe",
            ]
        );
        for event in PortalEvent::ALL {
            assert_eq!(PortalEvent::parse(event.as_str()), Some(event));
        }
        assert_eq!(PortalEvent::parse("cancel "), None);
    }

    #[test]
    fn a_notice_reads_back_from_its_address() {
        use super::{EventNotice, NoticeTarget};
        let notice = EventNotice {
            event: PortalEvent::Cancel,
            target: NoticeTarget::Subscription("sub_1".into()),
            n: "abc123".into(),
        };
        assert_eq!(notice.query(), "event=cancel&subscription=sub_1&n=abc123");
        let read = EventNotice::from_query(
            Some("cancel"),
            Some("sub_1".into()),
            None,
            Some("abc123".into()),
        );
        assert_eq!(read.as_ref(), Some(&notice));
        assert_eq!(read.map(|r| r.key()), Some(notice.key()));
        let other = EventNotice::from_query(
            Some("cancel"),
            Some("sub_2".into()),
            None,
            Some("abc123".into()),
        );
        assert_ne!(other.map(|o| o.key()), Some(notice.key()));
        assert_eq!(
            EventNotice::from_query(Some("cancel"), None, None, None),
            None
        );
        assert_eq!(
            EventNotice::from_query(Some("nope"), None, None, Some("n".into())),
            None
        );
        let odd = EventNotice {
            event: PortalEvent::RemoveCard,
            target: NoticeTarget::Card("pm_&x=1".into()),
            n: "n".into(),
        };
        assert_eq!(odd.query(), "event=remove_card&card=pm_%26x%3D1&n=n");
    }
}
