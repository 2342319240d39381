//! The client's address, for per-client rate limits.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, Request};

use crate::server::state::AppState;

/// Who a request came from, for per-client limits: the last entry of the
/// configured proxy header (the one the trusted proxy added; earlier
/// entries are the client's to forge), else the connection's peer. An IPv6
/// address counts by its /64, which one client usually holds whole.
pub fn client_ip(state: &AppState, request: &Request) -> String {
    let from_proxy = state
        .config
        .server
        .client_ip_header
        .as_ref()
        .and_then(|header| {
            let value = request.headers().get(header.as_str())?.to_str().ok()?;
            value
                .rsplit(',')
                .map(str::trim)
                .find(|v| !v.is_empty())
                .map(str::to_string)
        });
    let raw = from_proxy.or_else(|| {
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string())
    });
    match raw {
        Some(raw) => client_key(&raw),
        None => "unknown".to_string(),
    }
}

fn client_key(raw: &str) -> String {
    match raw.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        // Whatever the proxy wrote, counted as it is.
        Err(_) => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_network() {
        assert_eq!(client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(client_key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
        assert_eq!(client_key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(client_key("192.0.2.7"), "192.0.2.7");
    }
}
