//! Plain axum routes, beside the Leptos pages and server functions.

pub mod error_page;
pub mod health;
pub mod locale;
pub mod same_origin;
pub mod sign_in;
