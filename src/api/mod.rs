//! Server functions: the portal's public API. Each one resolves the session,
//! then calls plain server code (`server::actions`, `server::portal`) that
//! checks ownership, the configuration and the policy before Stripe is
//! touched. One function per file.

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
