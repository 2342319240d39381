//! Server functions: the portal's public API. Each one resolves the session,
//! then calls plain server code (`server::actions`, `server::portal`) that
//! checks ownership, the configuration and the policy before Stripe is
//! touched. One function per file.

pub mod apply_coupon;
pub mod cancel_subscription;
pub mod change_plan;
pub mod get_overview;
pub mod get_plan_choices;
pub mod keep_current_plan;
pub mod preview_plan_change;
pub mod reactivate_subscription;
pub mod resubscribe;
pub mod update_quantity;
