//! A deep-linked flow (Stripe's `flow_data`): a portal session made for one
//! task. The customer sees only that task's page until it is done; what
//! happens then is the flow's `after_completion`.

use serde::{Deserialize, Serialize};

/// A session's flow and how far it got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalFlow {
    pub task: FlowTask,
    pub after_completion: AfterCompletion,
    /// The task was done (or the retention offer taken).
    #[serde(default)]
    pub completed: bool,
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

/// Where a customer is sent when a flow is done with a confirmation page.
pub const FLOW_DONE_PATH: &str = "/flow/done";

/// The server function every page calls for its header (return link,
/// sign-out), in a flow or not. (It reads the session without
/// `session::current`, where flows are checked; it is listed so that it
/// keeps working if it ever goes through it.)
const FRAME_ENDPOINT: &str = "get_session_frame";

impl FlowTask {
    /// Stripe's `flow.type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::PaymentMethodUpdate => "payment_method_update",
            Self::SubscriptionCancel { .. } => "subscription_cancel",
            Self::SubscriptionUpdate { .. } => "subscription_update",
            Self::SubscriptionUpdateConfirm { .. } => "subscription_update_confirm",
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
    pub fn path(&self) -> String {
        match self {
            Self::PaymentMethodUpdate => "/payment-methods/new".into(),
            Self::SubscriptionCancel { subscription, .. } => {
                format!("/subscriptions/{subscription}/cancel")
            }
            Self::SubscriptionUpdate { subscription } => {
                format!("/subscriptions/{subscription}/plan")
            }
            Self::SubscriptionUpdateConfirm {
                subscription,
                price,
            } => format!("/subscriptions/{subscription}/plan?price={price}"),
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

    /// The server functions (their `endpoint` names) the task's page calls.
    /// Everything else is refused while the task is open: a new server
    /// function is outside every flow until it is listed here.
    fn endpoints(&self) -> &'static [&'static str] {
        match self {
            Self::PaymentMethodUpdate => {
                &["get_card_form", "start_card_setup", "finish_card_setup"]
            }
            Self::SubscriptionCancel { .. } => &[
                "get_overview",
                "cancel_subscription",
                "accept_retention_offer",
            ],
            Self::SubscriptionUpdate { .. } | Self::SubscriptionUpdateConfirm { .. } => {
                &["get_plan_choices", "preview_plan_change", "change_plan"]
            }
        }
    }

    /// Whether an action's event (see `policy::Action::event`) finishes the
    /// task. Taking the retention offer finishes a cancel flow too: the
    /// customer chose to stay.
    pub fn completed_by(&self, event: &str) -> bool {
        match self {
            Self::PaymentMethodUpdate => event == "update_card",
            Self::SubscriptionCancel { .. } => matches!(event, "cancel" | "apply_coupon"),
            Self::SubscriptionUpdate { .. } | Self::SubscriptionUpdateConfirm { .. } => {
                event == "change_plan"
            }
        }
    }
}

impl PortalFlow {
    /// The only page the customer may see, or `None` once the whole portal
    /// is open (a finished flow whose completion is the portal homepage).
    pub fn pinned_path(&self) -> Option<String> {
        match (self.completed, &self.after_completion) {
            (false, _) => Some(self.task.path()),
            (true, AfterCompletion::PortalHomepage) => None,
            (true, _) => Some(FLOW_DONE_PATH.into()),
        }
    }

    /// The task while it is still to be done.
    pub fn open_task(&self) -> Option<&FlowTask> {
        (!self.completed).then_some(&self.task)
    }

    /// Whether the session may call the server function `endpoint`: those
    /// of the task's page while it is open, only the page frame on the
    /// confirmation, and anything once the whole portal is open.
    pub fn allows_endpoint(&self, endpoint: &str) -> bool {
        let task_endpoints = match (self.completed, &self.after_completion) {
            (true, AfterCompletion::PortalHomepage) => return true,
            (true, _) => &[][..],
            (false, _) => self.task.endpoints(),
        };
        endpoint == FRAME_ENDPOINT || task_endpoints.contains(&endpoint)
    }

    /// Whether the customer may load the page at `path` (no query).
    pub fn allows_path(&self, path: &str) -> bool {
        match self.pinned_path() {
            None => true,
            Some(pinned) => {
                let pinned = pinned.split('?').next().unwrap_or_default();
                path == pinned || (self.completed && path == FLOW_DONE_PATH)
            }
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
        }
    }

    #[test]
    fn an_open_flow_pins_its_page() {
        let flow = cancel_flow(AfterCompletion::PortalHomepage);
        assert_eq!(
            flow.pinned_path().as_deref(),
            Some("/subscriptions/sub_1/cancel")
        );
        assert!(flow.allows_path("/subscriptions/sub_1/cancel"));
        assert!(!flow.allows_path("/"));
        assert!(!flow.allows_path("/subscriptions/sub_2/cancel"));
        assert!(!flow.allows_path(FLOW_DONE_PATH));
    }

    #[test]
    fn a_finished_flow_opens_the_portal_or_shows_the_confirmation() {
        let mut home = cancel_flow(AfterCompletion::PortalHomepage);
        home.completed = true;
        assert_eq!(home.pinned_path(), None);
        assert!(home.allows_path("/invoices"));

        let mut confirm = cancel_flow(AfterCompletion::HostedConfirmation {
            custom_message: None,
        });
        confirm.completed = true;
        assert_eq!(confirm.pinned_path().as_deref(), Some(FLOW_DONE_PATH));
        assert!(!confirm.allows_path("/"));
        assert!(!confirm.allows_path("/subscriptions/sub_1/cancel"));
    }

    #[test]
    fn confirm_flow_pins_the_plan_page_with_its_price() {
        let task = FlowTask::SubscriptionUpdateConfirm {
            subscription: "sub_1".into(),
            price: "price_2".into(),
        };
        assert_eq!(task.path(), "/subscriptions/sub_1/plan?price=price_2");
        let flow = PortalFlow {
            task,
            after_completion: AfterCompletion::PortalHomepage,
            completed: false,
        };
        assert!(flow.allows_path("/subscriptions/sub_1/plan"));
    }

    #[test]
    fn an_open_flow_calls_only_its_pages_server_functions() {
        let cancel = cancel_flow(AfterCompletion::PortalHomepage);
        for allowed in ["get_session_frame", "get_overview", "cancel_subscription"] {
            assert!(cancel.allows_endpoint(allowed), "{allowed}");
        }
        for refused in [
            "change_plan",
            "update_details",
            "remove_card",
            "get_invoices",
            "x",
        ] {
            assert!(!cancel.allows_endpoint(refused), "{refused}");
        }
        let card = PortalFlow {
            task: FlowTask::PaymentMethodUpdate,
            after_completion: AfterCompletion::PortalHomepage,
            completed: false,
        };
        assert!(card.allows_endpoint("finish_card_setup"));
        assert!(!card.allows_endpoint("cancel_subscription"));
    }

    #[test]
    fn a_finished_flow_calls_everything_or_only_the_frame() {
        let mut home = cancel_flow(AfterCompletion::PortalHomepage);
        home.completed = true;
        assert!(home.allows_endpoint("update_details"));
        assert_eq!(home.open_task(), None);

        let mut redirect = cancel_flow(AfterCompletion::Redirect {
            return_url: "https://shop.example/".into(),
        });
        redirect.completed = true;
        assert!(redirect.allows_endpoint("get_session_frame"));
        assert!(!redirect.allows_endpoint("cancel_subscription"));
    }

    #[test]
    fn only_the_tasks_own_events_finish_it() {
        assert!(FlowTask::PaymentMethodUpdate.completed_by("update_card"));
        assert!(!FlowTask::PaymentMethodUpdate.completed_by("remove_card"));
        let cancel = cancel_flow(AfterCompletion::PortalHomepage).task;
        assert!(cancel.completed_by("cancel"));
        assert!(cancel.completed_by("apply_coupon"));
        assert!(!cancel.completed_by("change_plan"));
    }
}
