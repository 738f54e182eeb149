//! The optional plain-HTTP listener: it serves nothing, and sends every request to the same
//! host and path over HTTPS (308, so the method and body are kept).

use axum::Router;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

pub fn redirect_router(https_port: u16) -> Router {
    Router::new().fallback(move |headers: HeaderMap, uri: Uri| async move {
        redirect(&headers, &uri, https_port)
    })
}

fn redirect(headers: &HeaderMap, uri: &Uri, https_port: u16) -> Response {
    let Some(host) = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(host_without_port)
    else {
        return (StatusCode::BAD_REQUEST, "a Host header is required").into_response();
    };
    let port = if https_port == 443 {
        String::new()
    } else {
        format!(":{https_port}")
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let location = format!("https://{host}{port}{path}");
    (
        StatusCode::PERMANENT_REDIRECT,
        [(header::LOCATION, location)],
    )
        .into_response()
}

/// The host part of a Host header, if it is a plausible host name or address: it is written
/// into a Location header, so nothing else may pass.
fn host_without_port(value: &str) -> Option<&str> {
    let host = if let Some(rest) = value.strip_prefix('[') {
        // [IPv6]:port
        let end = rest.find(']')?;
        &value[..end + 2]
    } else {
        value.rsplit_once(':').map_or(value, |(host, _)| host)
    };
    let plausible = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    plausible.then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(host: &str, uri: &str, port: u16) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, host.parse().ok()?);
        let response = redirect(&headers, &uri.parse().ok()?, port);
        (response.status() == StatusCode::PERMANENT_REDIRECT)
            .then(|| {
                response.headers()[header::LOCATION]
                    .to_str()
                    .ok()
                    .map(str::to_owned)
            })
            .flatten()
    }

    #[test]
    fn every_request_goes_to_the_same_place_over_https() {
        assert_eq!(
            location("firm.example", "/f/abc?x=1", 443).as_deref(),
            Some("https://firm.example/f/abc?x=1")
        );
        assert_eq!(
            location("firm.example:80", "/", 8443).as_deref(),
            Some("https://firm.example:8443/")
        );
        assert_eq!(
            location("[::1]:8080", "/healthz", 443).as_deref(),
            Some("https://[::1]/healthz")
        );
    }

    #[test]
    fn implausible_hosts_are_not_echoed() {
        for bad in ["evil.example/path", "a b", "x@y", ""] {
            assert_eq!(location(bad, "/", 443), None, "{bad:?}");
        }
    }
}
