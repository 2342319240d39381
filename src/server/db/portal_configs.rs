//! Stored portal configurations.

use sqlx::Row;

use super::{Db, DbError, flag, now};
use crate::portal_config::PortalConfig;

/// A configuration with its identity.
#[derive(Clone, Debug)]
pub struct StoredConfig {
    /// `pcfg_…`, stable across restarts.
    pub id: String,
    pub livemode: bool,
    pub settings: PortalConfig,
}

/// The id of the configuration created at first start for each mode.
pub fn default_id(livemode: bool) -> &'static str {
    if livemode {
        "pcfg_default_live"
    } else {
        "pcfg_default_test"
    }
}

impl Db {
    /// Makes sure each mode has a default configuration; an existing one is
    /// left as the merchant set it.
    pub async fn ensure_default_config(&self, livemode: bool) -> Result<(), DbError> {
        let settings = serde_json::to_string(&PortalConfig::default())?;
        let t = now();
        sqlx::query(
            "INSERT INTO portal_configurations (id, livemode, is_default, settings, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(default_id(livemode))
        .bind(flag(livemode))
        .bind(flag(true))
        .bind(settings)
        .bind(t)
        .bind(t)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Reads one configuration of a mode.
    pub async fn portal_config(
        &self,
        id: &str,
        livemode: bool,
    ) -> Result<Option<StoredConfig>, DbError> {
        let row = sqlx::query(
            "SELECT id, settings FROM portal_configurations WHERE id = $1 AND livemode = $2",
        )
        .bind(id)
        .bind(flag(livemode))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| -> Result<StoredConfig, DbError> {
            let settings: String = row.try_get("settings")?;
            Ok(StoredConfig {
                id: row.try_get("id")?,
                livemode,
                settings: serde_json::from_str(&settings)?,
            })
        })
        .transpose()
    }

    /// The default configuration of a mode.
    pub async fn default_portal_config(
        &self,
        livemode: bool,
    ) -> Result<Option<StoredConfig>, DbError> {
        let id: Option<String> = sqlx::query_scalar(
            "SELECT id FROM portal_configurations WHERE livemode = $1 AND is_default = 1",
        )
        .bind(flag(livemode))
        .fetch_optional(&self.pool)
        .await?;
        match id {
            Some(id) => self.portal_config(&id, livemode).await,
            None => Ok(None),
        }
    }

    /// Replaces a configuration's settings.
    pub async fn update_portal_config(
        &self,
        id: &str,
        settings: &PortalConfig,
    ) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE portal_configurations SET settings = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(serde_json::to_string(settings)?)
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
