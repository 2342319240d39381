//! Everything that runs only on the server: configuration, storage, Stripe,
//! sessions and HTTP routes. Compiled with the `ssr` feature alone, so none of
//! it (nor any secret) can reach the wasm bundle.

pub mod actions;
pub mod app;
pub mod audit;
pub mod billing_history;
pub mod cli;
pub mod config;
pub mod db;
pub mod details;
pub mod email_change;
pub mod email_login;
pub mod identity_hash;
pub mod mail;
pub mod metrics;
pub mod mirror;
pub mod navigation;
pub mod origins;
pub mod plans;
pub mod portal;
pub mod rate_limit;
pub mod routes;
pub mod session;
pub mod session_api;
pub mod state;
pub mod stripe;
pub mod wallet;
pub mod webhooks;

pub use state::AppState;
