use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leadvault_store::SiteId;

use crate::analytics::site_script::{LV_MIN, SiteScript};
use crate::state::AppState;

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
}

/// A script, with its type and a cache lifetime (the files are part of the binary).
fn javascript(source: &'static str, resource_policy: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (
                HeaderName::from_static("cross-origin-resource-policy"),
                resource_policy,
            ),
        ],
        source,
    )
}

/// The public form's own script: inline errors, conditional questions, its height.
pub async fn form_script() -> impl IntoResponse {
    javascript(include_str!("../../static/form.js"), "same-origin")
}

/// The embed script a firm puts on its site: the one resource other sites load.
pub async fn embed_script() -> impl IntoResponse {
    javascript(include_str!("../../static/embed.js"), "cross-origin")
}

/// The analytics script a firm puts in its pages' head, loaded by other sites. With
/// `?site=ID`, it carries the site's experiments, if it has any: cached briefly (a started
/// or stopped experiment reaches visitors within a minute or so) and revalidated by its
/// entity tag. An unknown site, an address that is not one, or a database that cannot be
/// read gets the plain script: a firm's page never loses its analytics to experiments.
pub async fn analytics_script(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some(query) = query else {
        return javascript(LV_MIN, "cross-origin").into_response();
    };
    let site = url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "site")
        .and_then(|(_, value)| SiteId::parse(value.trim()));
    let script = match site {
        Some(site) => match state.analytics().script(state.db(), site).await {
            Ok(script) => script,
            Err(error) => {
                tracing::warn!(%error, "a site's experiments could not be read; the plain script is served");
                SiteScript::plain()
            }
        },
        None => SiteScript::plain(),
    };
    let cache = [
        (header::CACHE_CONTROL, "public, max-age=60".to_owned()),
        (header::ETAG, script.etag.clone()),
        (header::VARY, "Accept-Encoding".to_owned()),
    ];
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim().trim_start_matches("W/") == script.etag)
        });
    if unchanged {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        cache,
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (
                HeaderName::from_static("cross-origin-resource-policy"),
                "cross-origin",
            ),
        ],
        script.body.clone(),
    )
        .into_response()
}
