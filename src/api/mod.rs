//! Server functions: the portal's public API. Each one resolves the session
//! (`server::session::current`), then calls plain server code that checks
//! ownership, the configuration and the policy before Stripe is touched.
//! One function per file; `Endpoint` names them all.

pub mod accept_retention_offer;
pub mod apply_coupon;
pub mod cancel_subscription;
pub mod change_plan;
pub mod finish_card_setup;
pub mod get_card_form;
pub mod get_details;
pub mod get_invoices;
pub mod get_overview;
pub mod get_plan_choices;
pub mod get_session_frame;
pub mod keep_current_plan;
pub mod preview_plan_change;
pub mod reactivate_subscription;
pub mod remove_card;
pub mod resubscribe;
pub mod set_default_card;
pub mod start_card_setup;
pub mod update_details;
pub mod update_quantity;

/// Where every server function is served: `/api/<endpoint>`.
pub const PREFIX: &str = "/api/";

/// Every server function, by the `endpoint` name it is served under. A
/// test checks this list against the functions the server registers, so a
/// new one must be named here (and so stays outside every deep-linked flow
/// until `FlowTask` lists it, and inside the security suite's matrix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    AcceptRetentionOffer,
    ApplyCoupon,
    CancelSubscription,
    ChangePlan,
    FinishCardSetup,
    GetCardForm,
    GetDetails,
    GetInvoices,
    GetOverview,
    GetPlanChoices,
    GetSessionFrame,
    KeepCurrentPlan,
    PreviewPlanChange,
    ReactivateSubscription,
    RemoveCard,
    Resubscribe,
    SetDefaultCard,
    StartCardSetup,
    UpdateDetails,
    UpdateQuantity,
}

impl Endpoint {
    pub const ALL: [Endpoint; 20] = [
        Self::AcceptRetentionOffer,
        Self::ApplyCoupon,
        Self::CancelSubscription,
        Self::ChangePlan,
        Self::FinishCardSetup,
        Self::GetCardForm,
        Self::GetDetails,
        Self::GetInvoices,
        Self::GetOverview,
        Self::GetPlanChoices,
        Self::GetSessionFrame,
        Self::KeepCurrentPlan,
        Self::PreviewPlanChange,
        Self::ReactivateSubscription,
        Self::RemoveCard,
        Self::Resubscribe,
        Self::SetDefaultCard,
        Self::StartCardSetup,
        Self::UpdateDetails,
        Self::UpdateQuantity,
    ];

    /// The `endpoint` name of the `#[server]` attribute.
    pub fn name(self) -> &'static str {
        match self {
            Self::AcceptRetentionOffer => "accept_retention_offer",
            Self::ApplyCoupon => "apply_coupon",
            Self::CancelSubscription => "cancel_subscription",
            Self::ChangePlan => "change_plan",
            Self::FinishCardSetup => "finish_card_setup",
            Self::GetCardForm => "get_card_form",
            Self::GetDetails => "get_details",
            Self::GetInvoices => "get_invoices",
            Self::GetOverview => "get_overview",
            Self::GetPlanChoices => "get_plan_choices",
            Self::GetSessionFrame => "get_session_frame",
            Self::KeepCurrentPlan => "keep_current_plan",
            Self::PreviewPlanChange => "preview_plan_change",
            Self::ReactivateSubscription => "reactivate_subscription",
            Self::RemoveCard => "remove_card",
            Self::Resubscribe => "resubscribe",
            Self::SetDefaultCard => "set_default_card",
            Self::StartCardSetup => "start_card_setup",
            Self::UpdateDetails => "update_details",
            Self::UpdateQuantity => "update_quantity",
        }
    }

    /// The path it is served at.
    pub fn path(self) -> String {
        format!("{PREFIX}{}", self.name())
    }

    /// The server function a request path calls, if any.
    pub fn from_path(path: &str) -> Option<Self> {
        let name = path.strip_prefix(PREFIX)?;
        Self::ALL.into_iter().find(|e| e.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use leptos::server_fn::ServerFn;

    use super::*;

    /// Each server function's own path, as its `#[server]` attribute made it.
    fn declared() -> Vec<(Endpoint, &'static str)> {
        vec![
            (
                Endpoint::AcceptRetentionOffer,
                accept_retention_offer::AcceptRetentionOffer::PATH,
            ),
            (Endpoint::ApplyCoupon, apply_coupon::ApplyCoupon::PATH),
            (
                Endpoint::CancelSubscription,
                cancel_subscription::CancelSubscription::PATH,
            ),
            (Endpoint::ChangePlan, change_plan::ChangePlan::PATH),
            (
                Endpoint::FinishCardSetup,
                finish_card_setup::FinishCardSetup::PATH,
            ),
            (Endpoint::GetCardForm, get_card_form::GetCardForm::PATH),
            (Endpoint::GetDetails, get_details::GetDetails::PATH),
            (Endpoint::GetInvoices, get_invoices::GetInvoices::PATH),
            (Endpoint::GetOverview, get_overview::GetOverview::PATH),
            (
                Endpoint::GetPlanChoices,
                get_plan_choices::GetPlanChoices::PATH,
            ),
            (
                Endpoint::GetSessionFrame,
                get_session_frame::GetSessionFrame::PATH,
            ),
            (
                Endpoint::KeepCurrentPlan,
                keep_current_plan::KeepCurrentPlan::PATH,
            ),
            (
                Endpoint::PreviewPlanChange,
                preview_plan_change::PreviewPlanChange::PATH,
            ),
            (
                Endpoint::ReactivateSubscription,
                reactivate_subscription::ReactivateSubscription::PATH,
            ),
            (Endpoint::RemoveCard, remove_card::RemoveCard::PATH),
            (Endpoint::Resubscribe, resubscribe::Resubscribe::PATH),
            (
                Endpoint::SetDefaultCard,
                set_default_card::SetDefaultCard::PATH,
            ),
            (
                Endpoint::StartCardSetup,
                start_card_setup::StartCardSetup::PATH,
            ),
            (Endpoint::UpdateDetails, update_details::UpdateDetails::PATH),
            (
                Endpoint::UpdateQuantity,
                update_quantity::UpdateQuantity::PATH,
            ),
        ]
    }

    #[test]
    fn every_server_function_is_named_once_at_its_path() {
        let declared = declared();
        assert_eq!(declared.len(), Endpoint::ALL.len());
        for (endpoint, path) in declared {
            assert_eq!(endpoint.path(), path);
            assert_eq!(Endpoint::from_path(path), Some(endpoint));
        }
        assert_eq!(Endpoint::from_path("/api/get_overview/x"), None);
        assert_eq!(Endpoint::from_path("/apiget_overview"), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_server_registers_exactly_these_functions() {
        let mut registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path.to_string())
            .collect();
        registered.sort();
        let mut named: Vec<String> = Endpoint::ALL.iter().map(|e| e.path()).collect();
        named.sort();
        assert_eq!(registered, named);
    }
}
