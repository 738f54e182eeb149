//! Pages as HTML: every template is rendered through [`render`]. Askama escapes every
//! interpolated value for HTML; nothing is marked safe.

use askama::Template;
use axum::response::Html;

pub fn render(page: &impl Template) -> Html<String> {
    // A template that fails to render is a programming error found by the page tests;
    // the fallback keeps a client from ever seeing a 500 with details.
    Html(page.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "template failed to render");
        String::from("<!doctype html><title>Error</title><p>Something went wrong.</p>")
    }))
}

#[derive(Template)]
#[template(path = "web/error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub explanation: &'a str,
    pub request_id: Option<String>,
}

/// A timestamp as people read it: `2026-11-23 14:05 UTC`.
pub fn utc(at: leadvault_store::Timestamp) -> String {
    at.minute_utc()
}

/// A span of time as people read it: `12 min`, `3 h 5 min`, `2 d 4 h`.
pub fn span(from: leadvault_store::Timestamp, to: leadvault_store::Timestamp) -> String {
    let minutes = (to.as_unix_micros() - from.as_unix_micros()).max(0) / 60_000_000;
    match minutes {
        0..60 => format!("{minutes} min"),
        60..1440 => format!("{} h {} min", minutes / 60, minutes % 60),
        _ => format!("{} d {} h", minutes / 1440, minutes % 1440 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_as_utc_dates() {
        let at = |s: i64| leadvault_store::Timestamp::from_unix_micros(s * 1_000_000);
        assert_eq!(utc(at(0)), "1970-01-01 00:00 UTC");
        assert_eq!(utc(at(951_782_400)), "2000-02-29 00:00 UTC");
        assert_eq!(utc(at(1_795_446_300)), "2026-11-23 15:05 UTC");
    }
}
