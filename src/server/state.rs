//! What every request handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::server::config::{Config, Mode};
use crate::server::db::Db;
use crate::server::mail::Mailer;
use crate::server::stripe::StripeApi;

/// Shared application state; cheap to clone.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub db: Db,
    pub stripe: StripeApi,
    pub mailer: Mailer,
}

impl AppState {
    /// Whether this instance serves live mode.
    pub fn livemode(&self) -> bool {
        self.config.mode == Mode::Live
    }
}
