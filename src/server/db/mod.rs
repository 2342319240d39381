//! Portico's own storage: SQLite by default, PostgreSQL for several instances
//! behind a load balancer. One code path over sqlx's `Any` driver; the schema
//! is kept per backend (`migrations/sqlite`, `migrations/postgres`) because
//! the two differ in small ways (identity columns).

pub mod api_keys;
pub mod audit;
pub mod coupon_redemptions;
pub mod email_changes;
pub mod login_links;
pub mod mail_outbox;
pub mod mirror;
pub mod portal_configs;
pub mod rate_limits;
pub mod secret_fingerprints;
pub mod sessions;
pub mod webhook_events;

use std::path::Path;
use std::str::FromStr;

use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Which database engine a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a `DATABASE_URL` names.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// A storage failure. Its detail is logged, never shown to customers.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL")]
    UnsupportedUrl,
    #[error("cannot prepare the SQLite file: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored configuration is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
}

/// A connection pool and the backend it speaks to.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Connects, creating a SQLite file (and its folder) when needed, and
    /// applies the backend's migrations.
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        install_default_drivers();
        let backend = Backend::from_url(url).ok_or(DbError::UnsupportedUrl)?;
        let mut options = AnyPoolOptions::new().max_connections(8);
        let url = if backend == Backend::Sqlite {
            prepare_sqlite_file(url)?;
            // One writer at a time is SQLite's model; a small pool avoids
            // "database is locked" under concurrent writes.
            options = options.max_connections(4);
            with_sqlite_defaults(url)
        } else {
            url.to_string()
        };
        let pool = options.connect(&url).await?;
        if backend == Backend::Sqlite {
            // Write-ahead logging lets page views read while an action writes;
            // the setting persists in the file.
            sqlx::query("PRAGMA journal_mode=WAL")
                .execute(&pool)
                .await?;
        }
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        Ok(Self { pool, backend })
    }
}

/// Creates the folder of a file-backed SQLite URL.
fn prepare_sqlite_file(url: &str) -> Result<(), DbError> {
    let options = SqliteConnectOptions::from_str(url)?;
    let file = options.get_filename();
    if file != Path::new(":memory:")
        && let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)?;
    }
    Ok(())
}

/// Lets SQLite create the file on first start (sqlx's busy timeout of 5 s
/// already covers short write contention).
fn with_sqlite_defaults(url: &str) -> String {
    if url.contains("mode=") {
        url.to_string()
    } else {
        format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
    }
}

/// A flag as stored: 0 or 1 (see the migrations for why not BOOLEAN).
pub(crate) fn flag(value: bool) -> i64 {
    i64::from(value)
}

/// Current Unix time in milliseconds (the mirror and webhook events order
/// by it).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Current Unix time in seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}
