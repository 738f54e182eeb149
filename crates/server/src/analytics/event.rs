//! `POST /api/event`: what the tracking script sends. Answers 202 as soon as the event is
//! queued (or dropped by design), without waiting for the database.
//!
//! | sent | answer |
//! |---|---|
//! | a page view or event of a known site, from a page on the site's domain | 202, counted |
//! | the same from an automated agent (crawler, headless browser, HTTP library) | 202, dropped |
//! | the same from a browser asking not to be tracked, where the site honours it | 202, dropped |
//! | a body that is not an event (malformed, non-UTF-8, a bad name, URL or revenue) | 422, with the reason |
//! | a body over 16 KiB | 413 |
//! | a site that does not exist | 404 |
//! | a page on another domain than the site's | 403 |
//! | more than the per-address allowance | 429 |
//! | the ingester's queue full | 503 |
//!
//! The client's address and user agent are read here, turned into a country, a visitor id
//! and a browser class by the enricher, and not kept: they never reach the queue, the
//! database or the log.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use leadvault_analytics::{Client, IncomingEvent};
use leadvault_store::Timestamp;

use crate::state::AppState;
use crate::web::client_ip::ClientIp;
use crate::web::error::AppError;

/// The largest event body taken: the name, two URLs and a few properties fit many times.
pub const EVENT_BODY_LIMIT: usize = 16 * 1024;

pub async fn collect(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    state.limits().analytics_events.check(&ip)?;
    let event =
        IncomingEvent::parse(&body).map_err(|refused| AppError::Invalid(refused.to_string()))?;
    let analytics = state.analytics();
    let site = analytics
        .site(state.db(), event.site)
        .await?
        .ok_or(AppError::NotFound)?;
    let domain = site.site.domain.as_str();
    if !event.is_on(domain) {
        return Err(AppError::Forbidden);
    }
    if site.site.honours_do_not_track && asks_not_to_be_tracked(&headers) {
        return Ok(StatusCode::ACCEPTED);
    }
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let hit = analytics
        .enricher()
        .enrich(event, domain, Client { ip, user_agent }, Timestamp::now())
        .map_err(|error| AppError::Internal(error.to_string()))?;
    if let Some(hit) = hit {
        analytics
            .ingester()
            .accept(hit)
            .map_err(|_| AppError::Unavailable)?;
    }
    Ok(StatusCode::ACCEPTED)
}

/// `DNT: 1` or `Sec-GPC: 1`.
fn asks_not_to_be_tracked(headers: &HeaderMap) -> bool {
    ["dnt", "sec-gpc"].iter().any(|name| {
        headers
            .get(*name)
            .is_some_and(|value| value.as_bytes() == b"1")
    })
}
