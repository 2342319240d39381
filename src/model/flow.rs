//! A deep-linked flow (Stripe's `flow_data`): a portal session made for one
//! task. The customer sees only that task's page until it is done; what
//! happens then is the flow's `after_completion`.

use serde::{Deserialize, Serialize};

use super::PortalEvent;
use crate::api::Endpoint;
use crate::paths::PagePath;

/// A session's flow and how far it got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalFlow {
    pub task: FlowTask,
    pub after_completion: AfterCompletion,
    /// The task was done (or the retention offer taken).
    #[serde(default)]
    pub completed: bool,
    /// The action that finished it, which the confirmation page reports
    /// (never the page's address: the customer could edit it).
    #[serde(default)]
    pub finished_by: Option<PortalEvent>,
}

/// The one task a flow is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FlowTask {
    /// Add a card and make it the default.
    PaymentMethodUpdate,
    /// Cancel one subscription, with an optional offer to stay.
    SubscriptionCancel {
        subscription: String,
        /// A coupon offered before the cancel is confirmed.
        retention_coupon: Option<String>,
    },
    /// Pick a new plan for one subscription.
    SubscriptionUpdate { subscription: String },
    /// Confirm a change to the given price, chosen by the merchant.
    SubscriptionUpdateConfirm { subscription: String, price: String },
}

/// What happens once the task is done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AfterCompletion {
    /// The whole portal opens.
    PortalHomepage,
    /// A confirmation page, with the merchant's message if any.
    HostedConfirmation { custom_message: Option<String> },
    /// Straight back to the merchant.
    Redirect { return_url: String },
}

/// Stripe's `flow_data[type]`: what kind of task a flow is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowKind {
    PaymentMethodUpdate,
    SubscriptionCancel,
    SubscriptionUpdate,
    SubscriptionUpdateConfirm,
}

impl FlowKind {
    pub const ALL: [FlowKind; 4] = [
        Self::PaymentMethodUpdate,
        Self::SubscriptionCancel,
        Self::SubscriptionUpdate,
        Self::SubscriptionUpdateConfirm,
    ];

    /// Stripe's name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PaymentMethodUpdate => "payment_method_update",
            Self::SubscriptionCancel => "subscription_cancel",
            Self::SubscriptionUpdate => "subscription_update",
            Self::SubscriptionUpdateConfirm => "subscription_update_confirm",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl FlowTask {
    /// Stripe's `flow.type`.
    pub fn kind(&self) -> FlowKind {
        match self {
            Self::PaymentMethodUpdate => FlowKind::PaymentMethodUpdate,
            Self::SubscriptionCancel { .. } => FlowKind::SubscriptionCancel,
            Self::SubscriptionUpdate { .. } => FlowKind::SubscriptionUpdate,
            Self::SubscriptionUpdateConfirm { .. } => FlowKind::SubscriptionUpdateConfirm,
        }
    }

    /// The subscription the task is about, if any.
    pub fn subscription(&self) -> Option<&str> {
        match self {
            Self::PaymentMethodUpdate => None,
            Self::SubscriptionCancel { subscription, .. }
            | Self::SubscriptionUpdate { subscription }
            | Self::SubscriptionUpdateConfirm { subscription, .. } => Some(subscription),
        }
    }

    /// The page that performs the task.
    pub fn page(&self) -> PagePath {
        match self {
            Self::PaymentMethodUpdate => PagePath::AddCard,
            Self::SubscriptionCancel { subscription, .. } => PagePath::Cancel(subscription.clone()),
            Self::SubscriptionUpdate { subscription }
            | Self::SubscriptionUpdateConfirm { subscription, .. } => {
                PagePath::Plan(subscription.clone())
            }
        }
    }

    /// The task page's address: a confirm flow's page opens on its price.
    pub fn href(&self) -> String {
        match self {
            Self::SubscriptionUpdateConfirm { price, .. } => {
                format!("{}?price={price}", self.page().href())
            }
            _ => self.page().href(),
        }
    }

    /// The retention coupon a cancel flow offers, if any.
    pub fn retention_coupon(&self) -> Option<&str> {
        match self {
            Self::SubscriptionCancel {
                retention_coupon, ..
            } => retention_coupon.as_deref(),
            _ => None,
        }
    }

    /// The price a `subscription_update_confirm` flow moves to: the only
    /// change the customer may confirm in it.
    pub fn confirmed_price(&self) -> Option<&str> {
        match self {
            Self::SubscriptionUpdateConfirm { price, .. } => Some(price),
            _ => None,
        }
    }

    /// The server functions the task's page calls. Everything else is
    /// refused while the task is open: a new server function is outside
    /// every flow until it is listed here.
    fn endpoints(&self) -> &'static [Endpoint] {
        match self {
            Self::PaymentMethodUpdate => &[
                Endpoint::GetCardForm,
                Endpoint::StartCardSetup,
                Endpoint::FinishCardSetup,
            ],
            Self::SubscriptionCancel { .. } => &[
                Endpoint::GetOverview,
                Endpoint::CancelSubscription,
                Endpoint::AcceptRetentionOffer,
            ],
            Self::SubscriptionUpdate { .. } | Self::SubscriptionUpdateConfirm { .. } => &[
                Endpoint::GetPlanChoices,
                Endpoint::PreviewPlanChange,
                Endpoint::ChangePlan,
            ],
        }
    }

    /// Whether an action's event finishes the task. Taking the retention
    /// offer finishes a cancel flow too: the customer chose to stay.
    pub fn completed_by(&self, event: PortalEvent) -> bool {
        match self {
            Self::PaymentMethodUpdate => event == PortalEvent::UpdateCard,
            Self::SubscriptionCancel { .. } => {
                matches!(event, PortalEvent::Cancel | PortalEvent::ApplyCoupon)
            }
            Self::SubscriptionUpdate { .. } | Self::SubscriptionUpdateConfirm { .. } => {
                event == PortalEvent::ChangePlan
            }
        }
    }
}

impl PortalFlow {
    /// The only page the customer may see, or `None` once the whole portal
    /// is open (a finished flow whose completion is the portal homepage).
    pub fn pinned_page(&self) -> Option<PagePath> {
        match (self.completed, &self.after_completion) {
            (false, _) => Some(self.task.page()),
            (true, AfterCompletion::PortalHomepage) => None,
            (true, _) => Some(PagePath::FlowDone),
        }
    }

    /// Where a page request outside the flow is sent (with the task page's
    /// query), or `None` once the whole portal is open.
    pub fn pinned_href(&self) -> Option<String> {
        match self.pinned_page()? {
            PagePath::FlowDone => Some(PagePath::FlowDone.href()),
            _ => Some(self.task.href()),
        }
    }

    /// The merchant's URL the flow returns the customer to when it is
    /// done, if it ends there.
    pub fn redirect_url(&self) -> Option<&str> {
        match &self.after_completion {
            AfterCompletion::Redirect { return_url } => Some(return_url),
            _ => None,
        }
    }

    /// The task while it is still to be done.
    pub fn open_task(&self) -> Option<&FlowTask> {
        (!self.completed).then_some(&self.task)
    }

    /// Whether the session may call `endpoint`: those of the task's page
    /// while it is open, only the page frame on the confirmation, and
    /// anything once the whole portal is open. (The frame reads the session
    /// without `session::current`, where flows are checked; it is listed so
    /// that it keeps working if it ever goes through it.)
    pub fn allows_endpoint(&self, endpoint: Endpoint) -> bool {
        let task_endpoints = match (self.completed, &self.after_completion) {
            (true, AfterCompletion::PortalHomepage) => return true,
            (true, _) => &[][..],
            (false, _) => self.task.endpoints(),
        };
        endpoint == Endpoint::GetSessionFrame || task_endpoints.contains(&endpoint)
    }

    /// Whether the customer may load `page`.
    pub fn allows_page(&self, page: &PagePath) -> bool {
        match self.pinned_page() {
            None => true,
            Some(pinned) => *page == pinned || (self.completed && *page == PagePath::FlowDone),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cancel_flow(after: AfterCompletion) -> PortalFlow {
        PortalFlow {
            task: FlowTask::SubscriptionCancel {
                subscription: "sub_1".into(),
                retention_coupon: None,
            },
            after_completion: after,
            completed: false,
            finished_by: None,
        }
    }

    fn page(path: &str) -> PagePath {
        PagePath::parse(path).expect(path)
    }

    #[test]
    fn an_open_flow_pins_its_page() {
        let flow = cancel_flow(AfterCompletion::PortalHomepage);
        assert_eq!(
            flow.pinned_href().as_deref(),
            Some("/subscriptions/sub_1/cancel")
        );
        assert!(flow.allows_page(&page("/subscriptions/sub_1/cancel")));
        assert!(!flow.allows_page(&page("/")));
        assert!(!flow.allows_page(&page("/subscriptions/sub_2/cancel")));
        assert!(!flow.allows_page(&page("/flow/done")));
    }

    #[test]
    fn a_finished_flow_opens_the_portal_or_shows_the_confirmation() {
        let mut home = cancel_flow(AfterCompletion::PortalHomepage);
        home.completed = true;
        assert_eq!(home.pinned_href(), None);
        assert!(home.allows_page(&page("/invoices")));

        let mut confirm = cancel_flow(AfterCompletion::HostedConfirmation {
            custom_message: None,
        });
        confirm.completed = true;
        assert_eq!(confirm.pinned_href().as_deref(), Some("/flow/done"));
        assert!(!confirm.allows_page(&page("/")));
        assert!(!confirm.allows_page(&page("/subscriptions/sub_1/cancel")));
    }

    #[test]
    fn confirm_flow_pins_the_plan_page_with_its_price() {
        let task = FlowTask::SubscriptionUpdateConfirm {
            subscription: "sub_1".into(),
            price: "price_2".into(),
        };
        assert_eq!(task.href(), "/subscriptions/sub_1/plan?price=price_2");
        let flow = PortalFlow {
            task,
            after_completion: AfterCompletion::PortalHomepage,
            completed: false,
            finished_by: None,
        };
        assert!(flow.allows_page(&page("/subscriptions/sub_1/plan")));
    }

    #[test]
    fn an_open_flow_calls_only_its_pages_server_functions() {
        let cancel = cancel_flow(AfterCompletion::PortalHomepage);
        for allowed in [
            Endpoint::GetSessionFrame,
            Endpoint::GetOverview,
            Endpoint::CancelSubscription,
        ] {
            assert!(cancel.allows_endpoint(allowed), "{allowed:?}");
        }
        for refused in [
            Endpoint::ChangePlan,
            Endpoint::UpdateDetails,
            Endpoint::RemoveCard,
            Endpoint::GetInvoices,
        ] {
            assert!(!cancel.allows_endpoint(refused), "{refused:?}");
        }
        let card = PortalFlow {
            task: FlowTask::PaymentMethodUpdate,
            after_completion: AfterCompletion::PortalHomepage,
            completed: false,
            finished_by: None,
        };
        assert!(card.allows_endpoint(Endpoint::FinishCardSetup));
        assert!(!card.allows_endpoint(Endpoint::CancelSubscription));
    }

    #[test]
    fn a_finished_flow_calls_everything_or_only_the_frame() {
        let mut home = cancel_flow(AfterCompletion::PortalHomepage);
        home.completed = true;
        assert!(home.allows_endpoint(Endpoint::UpdateDetails));
        assert_eq!(home.open_task(), None);

        let mut redirect = cancel_flow(AfterCompletion::Redirect {
            return_url: "https://shop.example/".into(),
        });
        redirect.completed = true;
        assert!(redirect.allows_endpoint(Endpoint::GetSessionFrame));
        assert!(!redirect.allows_endpoint(Endpoint::CancelSubscription));
    }

    #[test]
    fn only_the_tasks_own_events_finish_it() {
        assert!(FlowTask::PaymentMethodUpdate.completed_by(PortalEvent::UpdateCard));
        assert!(!FlowTask::PaymentMethodUpdate.completed_by(PortalEvent::RemoveCard));
        let cancel = cancel_flow(AfterCompletion::PortalHomepage).task;
        assert!(cancel.completed_by(PortalEvent::Cancel));
        assert!(cancel.completed_by(PortalEvent::ApplyCoupon));
        assert!(!cancel.completed_by(PortalEvent::ChangePlan));
    }

    #[test]
    fn flow_kinds_are_stripes_names() {
        let names: Vec<&str> = FlowKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "payment_method_update",
                "subscription_cancel",
                "subscription_update",
                "subscription_update_confirm"
            ]
        );
        assert_eq!(FlowKind::parse("subscription_cancl"), None);
    }
}
