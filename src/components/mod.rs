//! Reusable pieces of the portal's pages.

pub mod actions;
pub mod error_panel;
pub mod format;
pub mod language_switcher;
pub mod notice;
pub mod subscription_card;
