//! Reusable pieces of the portal's pages.

pub mod actions;
pub mod card_setup;
pub mod details_summary;
pub mod embed_bridge;
pub mod error_panel;
pub mod format;
pub mod invoice_table;
pub mod language_switcher;
pub mod notice;
pub mod session_frame;
pub mod subscription_card;
pub mod wallet;
