//! Where Portico keeps its own data.

use super::{ConfigError, invalid};

/// Where Portico keeps its own data.
#[derive(Debug)]
pub struct DatabaseConfig {
    /// `DATABASE_URL`: `sqlite:…` or `postgres://…`.
    pub url: String,
}

impl DatabaseConfig {
    /// `DATABASE_URL`: SQLite by default, or PostgreSQL.
    pub(super) fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let url = get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/portico.db".into());
        if !["sqlite:", "postgres:", "postgresql:"]
            .iter()
            .any(|p| url.starts_with(p))
        {
            return Err(invalid("DATABASE_URL", "use a sqlite: or postgres:// URL"));
        }
        Ok(Self { url })
    }
}
