//! Where Portico listens and how customers reach it.

use std::net::SocketAddr;

use secrecy::SecretString;
use url::Url;

use super::{ConfigError, Mode, https_in_live, invalid, parse_url};

/// Where Portico listens and how it is reached.
#[derive(Debug)]
pub struct ServerConfig {
    /// `PORTICO_BIND`.
    pub bind: SocketAddr,
    /// `PORTICO_PUBLIC_URL`: the origin customers' browsers use.
    pub public_url: Url,
    /// `PORTICO_CLIENT_IP_HEADER`: the header a reverse proxy puts the
    /// client's address in (its last entry counts); `None` uses the peer.
    pub client_ip_header: Option<String>,
    /// `PORTICO_METRICS_TOKEN`: when set, `GET /metrics` answers only
    /// `Authorization: Bearer <token>`.
    pub metrics_token: Option<SecretString>,
}

impl ServerConfig {
    /// Cookies get `Secure` when customers reach Portico over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// `PORTICO_BIND`, `PORTICO_PUBLIC_URL`, `PORTICO_CLIENT_IP_HEADER`,
    /// `PORTICO_METRICS_TOKEN`.
    pub(super) fn from_lookup(
        get: &dyn Fn(&str) -> Option<String>,
        mode: Mode,
    ) -> Result<Self, ConfigError> {
        let bind: SocketAddr = get("PORTICO_BIND")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| invalid("PORTICO_BIND", format!("{e}")))?;
        let public_url = match get("PORTICO_PUBLIC_URL") {
            Some(raw) => parse_url("PORTICO_PUBLIC_URL", &raw)?,
            None => parse_url("PORTICO_PUBLIC_URL", &format!("http://{bind}"))?,
        };
        https_in_live("PORTICO_PUBLIC_URL", &public_url, mode)?;
        let client_ip_header = get("PORTICO_CLIENT_IP_HEADER")
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty());
        let metrics_token = get("PORTICO_METRICS_TOKEN").map(SecretString::from);
        Ok(Self {
            bind,
            public_url,
            client_ip_header,
            metrics_token,
        })
    }
}
