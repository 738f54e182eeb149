//! Who is asking: the client's IP address, for rate limits. Held in memory only; never
//! logged or stored.
//!
//! The address is the socket's peer, unless that peer is a configured trusted proxy: then
//! `X-Forwarded-For` is read from the right, skipping trusted proxies, and the first address
//! that is not one is the client. A client cannot choose its own address by sending the header.

use std::net::{IpAddr, SocketAddr};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use leadvault_config::IpRange;

use crate::state::AppState;
use crate::web::error::AppError;

/// The socket peer of a connection, set by the accept loop on every request.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpRange]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|range| range.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let Some(header) = forwarded_for else {
        return peer;
    };
    let mut client = peer;
    for hop in header.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if is_trusted(ip) => client = ip,
            Ok(ip) => return ip,
            // Garbage in the chain: trust nothing to the left of it.
            Err(_) => return client,
        }
    }
    client
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<Peer>()
            .map(|p| p.0.ip())
            .ok_or_else(|| AppError::Internal("no peer address on the request".into()))?;
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(Self(client_ip(
            peer,
            forwarded,
            &state.options().trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    fn ranges(list: &[&str]) -> Vec<IpRange> {
        list.iter()
            .map(|r| r.parse().expect("test range"))
            .collect()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        assert_eq!(
            client_ip(ip("203.0.113.5"), Some("198.51.100.1"), &[]),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_ip(
                ip("203.0.113.5"),
                Some("198.51.100.1"),
                &ranges(&["10.0.0.0/8"])
            ),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let trusted = ranges(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some("198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        // A client that prepends a fake address does not get to choose.
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                Some("1.2.3.4, 198.51.100.7, 10.0.0.9"),
                &trusted
            ),
            ip("198.51.100.7")
        );
        assert_eq!(client_ip(ip("10.0.0.2"), None, &trusted), ip("10.0.0.2"));
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some("garbage, 10.0.0.3"), &trusted),
            ip("10.0.0.3")
        );
    }
}
