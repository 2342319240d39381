//! The client's address, for per-client rate limits.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request};

use crate::server::state::AppState;

/// The address a request came from: the last entry of the configured proxy
/// header (the one the trusted proxy added; earlier entries are the
/// client's to forge), else the connection's peer.
pub fn client_ip(state: &AppState, request: &Request) -> String {
    if let Some(header) = &state.config.server.client_ip_header
        && let Some(value) = request
            .headers()
            .get(header.as_str())
            .and_then(|v| v.to_str().ok())
        && let Some(last) = value.rsplit(',').map(str::trim).find(|v| !v.is_empty())
    {
        return last.to_string();
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}
