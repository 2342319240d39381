//! What every request handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::error::PortalError;
use crate::server::config::{Config, Mode};
use crate::server::db::Db;
use crate::server::db::portal_configs::StoredConfig;
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
    /// Wakes the webhook worker when an event was stored.
    pub webhook_wakeup: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// Whether this instance serves live mode.
    pub fn livemode(&self) -> bool {
        self.config.mode == Mode::Live
    }

    /// The portal configuration `id` of this instance's mode, or with
    /// `None` the mode's default one; `Ok(None)` when there is no such
    /// configuration. A storage failure is logged here, once, and answers
    /// `PortalError::Unavailable`.
    pub async fn portal_config(
        &self,
        id: Option<&str>,
    ) -> Result<Option<StoredConfig>, PortalError> {
        let livemode = self.livemode();
        match id {
            Some(id) => self.db.portal_config(id, livemode).await,
            None => self.db.default_portal_config(livemode).await,
        }
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read the portal configuration");
            PortalError::Unavailable
        })
    }
}
