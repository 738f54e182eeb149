//! CSRF protection. Every state-changing request must not come from another site according
//! to the `Origin` and `Sec-Fetch-Site` headers browsers send, and must carry a token:
//!
//! - signed in: the synchronizer token derived from the session ([`verify_for_session`]);
//! - not signed in (first-run setup, sign-in, later the public forms): double submit of a
//!   server-issued random token, set in an HttpOnly, SameSite=Strict cookie and repeated in a
//!   hidden field, equal, compared in constant time ([`verify`]).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leadvault_accounts::SessionToken;
use leadvault_crypto::SecretToken;
use subtle::ConstantTimeEq;

use crate::state::WebOptions;
use crate::web::error::AppError;
use crate::web::render::render;

/// A token to embed in a form, and the cookie that must come back with it.
#[derive(Debug)]
pub struct CsrfGrant {
    pub token: String,
    pub set_cookie: HeaderValue,
}

fn cookie_name(options: &WebOptions) -> &'static str {
    // `__Host-` makes the browser refuse the cookie unless it is Secure, host-only and
    // Path=/, so it needs HTTPS; on plain loopback HTTP the unprefixed name is used.
    if options.https {
        "__Host-lv_csrf"
    } else {
        "lv_csrf"
    }
}

/// Issues a fresh token, or reuses the one the browser already holds so that two open tabs
/// do not invalidate each other.
pub fn grant(headers: &HeaderMap, options: &WebOptions) -> Result<CsrfGrant, AppError> {
    let token = match cookie_value(headers, cookie_name(options)) {
        Some(existing) if SecretToken::parse(existing).is_ok() => existing.to_owned(),
        _ => SecretToken::generate()
            .map_err(|e| AppError::Internal(e.to_string()))?
            .expose()
            .to_owned(),
    };
    let secure = if options.https { "; Secure" } else { "" };
    let cookie = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict{secure}",
        cookie_name(options)
    );
    let set_cookie =
        HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(CsrfGrant { token, set_cookie })
}

/// An anonymous form page: a (reused or fresh) token goes into the page that `page` builds,
/// and the matching cookie onto the response.
pub fn form_page<T: askama::Template>(
    headers: &HeaderMap,
    options: &WebOptions,
    status: StatusCode,
    page: impl FnOnce(String) -> T,
) -> Result<Response, AppError> {
    let grant = grant(headers, options)?;
    let page = page(grant.token);
    Ok((
        status,
        [(header::SET_COOKIE, grant.set_cookie)],
        render(&page),
    )
        .into_response())
}

/// Refuses a request that a browser says, or whose Origin shows, came from another site.
pub fn check_origin(headers: &HeaderMap) -> Result<(), AppError> {
    // Browsers that send Sec-Fetch-Site say themselves whether the request is same-origin;
    // that is authoritative, and survives a proxy that rewrites Host. Only without it is the
    // Origin compared with Host.
    match (headers.get("sec-fetch-site"), headers.get(header::ORIGIN)) {
        (Some(site), _) => {
            if !matches!(site.as_bytes(), b"same-origin" | b"none") {
                return Err(AppError::CsrfRejected);
            }
        }
        (None, Some(origin)) => {
            let host = headers.get(header::HOST).map(HeaderValue::as_bytes);
            let origin_host = origin
                .to_str()
                .ok()
                .and_then(|o| o.split_once("://"))
                .map(|(_, host)| host.as_bytes());
            if origin_host.is_none() || origin_host != host {
                return Err(AppError::CsrfRejected);
            }
        }
        // Not a browser, or a very old one: the token check still applies.
        (None, None) => {}
    }
    Ok(())
}

/// Accepts an anonymous state-changing request only if it passes every check.
pub fn verify(headers: &HeaderMap, submitted: &str, options: &WebOptions) -> Result<(), AppError> {
    check_origin(headers)?;
    let Some(cookie) = cookie_value(headers, cookie_name(options)) else {
        return Err(AppError::CsrfRejected);
    };
    let same = cookie.len() == submitted.len()
        && bool::from(cookie.as_bytes().ct_eq(submitted.as_bytes()));
    if same && SecretToken::parse(cookie).is_ok() {
        Ok(())
    } else {
        Err(AppError::CsrfRejected)
    }
}

pub(crate) fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Accepts a signed-in person's state-changing request only if it comes from our own pages
/// and carries the token derived from their session (the synchronizer token).
pub fn verify_for_session(
    headers: &HeaderMap,
    submitted: &str,
    session: &SessionToken,
) -> Result<(), AppError> {
    check_origin(headers)?;
    if session.csrf_matches(submitted) {
        Ok(())
    } else {
        Err(AppError::CsrfRejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> WebOptions {
        WebOptions::default()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_str(v).expect("test header"));
        }
        map
    }

    #[test]
    fn matching_cookie_and_field_pass() {
        let grant = grant(&HeaderMap::new(), &plain()).expect("grant");
        let cookie = format!("lv_csrf={}", grant.token);
        let h = headers(&[
            ("cookie", &cookie),
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert!(verify(&h, &grant.token, &plain()).is_ok());
    }

    #[test]
    fn every_missing_or_foreign_part_is_rejected() {
        let token = grant(&HeaderMap::new(), &plain()).expect("grant").token;
        let other = grant(&HeaderMap::new(), &plain()).expect("grant").token;
        let cookie = format!("lv_csrf={token}");
        let cases: Vec<(HeaderMap, &str)> = vec![
            (headers(&[]), &token),
            (headers(&[("cookie", &cookie)]), ""),
            (headers(&[("cookie", &cookie)]), &other),
            (
                headers(&[("cookie", &cookie), ("sec-fetch-site", "cross-site")]),
                &token,
            ),
            (
                headers(&[
                    ("cookie", &cookie),
                    ("host", "a.test"),
                    ("origin", "https://evil.test"),
                ]),
                &token,
            ),
            (
                headers(&[("cookie", &cookie), ("host", "a.test"), ("origin", "null")]),
                &token,
            ),
            (headers(&[("cookie", "lv_csrf=abc")]), "abc"),
        ];
        for (i, (h, submitted)) in cases.iter().enumerate() {
            assert!(verify(h, submitted, &plain()).is_err(), "case {i} passed");
        }
    }

    #[test]
    fn behind_a_proxy_that_rewrites_host_the_browsers_own_verdict_counts() {
        let grant = grant(&HeaderMap::new(), &plain()).expect("grant");
        let cookie = format!("lv_csrf={}", grant.token);
        let h = headers(&[
            ("cookie", &cookie),
            ("host", "127.0.0.1:8080"),
            ("origin", "https://intake.firm.example"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert!(verify(&h, &grant.token, &plain()).is_ok());
    }

    #[test]
    fn https_cookies_are_host_prefixed_and_secure() {
        let grant = grant(
            &HeaderMap::new(),
            &WebOptions {
                https: true,
                ..WebOptions::default()
            },
        )
        .expect("grant");
        let cookie = grant.set_cookie.to_str().expect("ascii");
        assert!(cookie.starts_with("__Host-lv_csrf="), "{cookie}");
        assert!(
            cookie.contains("; Secure")
                && cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Strict")
        );
    }
}
