//! Security headers on every response.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// No inline script or style anywhere, no framing, no third-party anything.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Set by a handler of an embeddable page (a public form) on its response: the page may be
/// framed by these origins, the organization's own sites, and by nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameAncestors(Vec<String>);

impl FrameAncestors {
    /// The HTTPS origins of these site domains.
    pub fn domains<'a>(domains: impl IntoIterator<Item = &'a str>) -> Self {
        Self(
            domains
                .into_iter()
                .map(|domain| format!("https://{domain}"))
                .collect(),
        )
    }

    fn ancestors(&self) -> String {
        if self.0.is_empty() {
            "'none'".to_owned()
        } else {
            self.0.join(" ")
        }
    }
}

/// Set by a handler whose page holds a form that ends on Stripe's hosted pages (the server
/// answers it with a redirect to Checkout or the customer portal): browsers apply
/// `form-action` to where a form's redirects lead, so those origins are allowed too, on
/// that page only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeadsToCheckout;

/// The page's policy: the fixed one, with the framing and the checkout origin it allows.
fn policy(frame: Option<&FrameAncestors>, checkout: Option<&str>) -> String {
    let mut policy = CONTENT_SECURITY_POLICY.to_owned();
    if let Some(frame) = frame {
        policy = policy.replace(
            "frame-ancestors 'none'",
            &format!("frame-ancestors {}", frame.ancestors()),
        );
    }
    if let Some(origin) = checkout {
        policy = policy.replace(
            "form-action 'self'",
            &format!("form-action 'self' {origin}"),
        );
    }
    policy
}

fn always() -> [(HeaderName, HeaderValue); 6] {
    [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(
                "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
            ),
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
    ]
}

const CROSS_ORIGIN_RESOURCE_POLICY: &str = "cross-origin-resource-policy";

pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let frame = response.extensions_mut().remove::<FrameAncestors>();
    let checkout = response
        .extensions_mut()
        .remove::<LeadsToCheckout>()
        .map(|_| state.stripe().hosted_origins());
    apply(
        response.headers_mut(),
        state.options().https,
        frame.as_ref(),
        checkout.as_deref(),
    );
    response
}

/// Sets every security header: the fixed ones, HSTS over HTTPS, `no-store` unless the
/// handler chose a cache policy, same-origin resources unless the handler chose otherwise,
/// and framing as `frame` allows (by default, none).
fn apply(
    headers: &mut HeaderMap,
    https: bool,
    frame: Option<&FrameAncestors>,
    checkout: Option<&str>,
) {
    for (name, value) in always() {
        headers.insert(name, value);
    }
    if frame.is_some() {
        // X-Frame-Options cannot name several origins; the CSP says it all.
        headers.remove(header::X_FRAME_OPTIONS);
    }
    if (frame.is_some() || checkout.is_some())
        && let Ok(policy) = HeaderValue::from_str(&policy(frame, checkout))
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    // Nothing is for other sites to load, unless a handler said so (the embed script).
    if !headers.contains_key(CROSS_ORIGIN_RESOURCE_POLICY) {
        headers.insert(
            HeaderName::from_static(CROSS_ORIGIN_RESOURCE_POLICY),
            HeaderValue::from_static("same-origin"),
        );
    }
    // Pages may show personal data: nothing is cached unless a handler said otherwise.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csp(headers: &HeaderMap) -> &str {
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("ascii")
    }

    #[test]
    fn pages_cannot_be_framed_by_default() {
        let mut headers = HeaderMap::new();
        apply(&mut headers, false, None, None);
        assert!(csp(&headers).contains("frame-ancestors 'none'"));
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
        assert!(!headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
    }

    #[test]
    fn an_embeddable_page_may_be_framed_by_the_organizations_sites_only() {
        let mut headers = HeaderMap::new();
        let frame = FrameAncestors::domains(["lima.law", "www.lima.law"]);
        apply(&mut headers, true, Some(&frame), None);
        let policy = csp(&headers);
        assert!(
            policy.contains("frame-ancestors https://lima.law https://www.lima.law;"),
            "{policy}"
        );
        assert!(
            policy.contains("script-src 'self'") && !policy.contains("unsafe"),
            "{policy}"
        );
        assert!(!headers.contains_key(header::X_FRAME_OPTIONS));
        assert!(headers.contains_key(header::STRICT_TRANSPORT_SECURITY));

        // An organization without sites: an embeddable page still frames nowhere.
        let mut headers = HeaderMap::new();
        apply(
            &mut headers,
            false,
            Some(&FrameAncestors::domains([])),
            None,
        );
        assert!(csp(&headers).contains("frame-ancestors 'none'"));
    }

    #[test]
    fn a_page_whose_form_ends_on_stripe_may_lead_there_and_nowhere_else() {
        let mut headers = HeaderMap::new();
        apply(&mut headers, false, None, None);
        assert!(csp(&headers).contains("form-action 'self';"));
        let mut headers = HeaderMap::new();
        let frame = FrameAncestors::domains(["lima.law"]);
        apply(
            &mut headers,
            false,
            Some(&frame),
            Some("https://checkout.stripe.com"),
        );
        let policy = csp(&headers);
        assert!(
            policy.contains("form-action 'self' https://checkout.stripe.com;"),
            "{policy}"
        );
        assert!(
            policy.contains("frame-ancestors https://lima.law;"),
            "{policy}"
        );
    }
}
