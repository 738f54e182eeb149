//! Analytics fixtures: events sent as the script sends them, from a chosen address and
//! browser, and what was stored of them.

use leadvault_store::sqlx::{self, Row};

use crate::TestApp;

/// A desktop Chrome, as real browsers send it.
pub const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// An iPhone's Safari.
pub const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

/// The body the script sends for `name` on `url` of `site`.
pub fn event_body(site: &impl ToString, name: &str, url: &str) -> String {
    serde_json::json!({"s": site.to_string(), "n": name, "u": url, "w": 1280}).to_string()
}

/// A stored visit, as reports will read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVisit {
    pub entry_page: String,
    pub exit_page: String,
    pub pageviews: i64,
    pub other_events: i64,
    pub channel: String,
    pub source: String,
    pub utm_source: String,
    pub country: String,
    pub browser: String,
    pub os: String,
    pub device: String,
    pub screen: String,
}

impl TestApp {
    /// Posts `body` to `/api/event` as a browser at `ip` (through a trusted proxy: build
    /// the app with `trusted_proxies(&["127.0.0.1/32"])`) with `user_agent` would.
    pub async fn send_event(
        &self,
        body: impl Into<reqwest::Body>,
        ip: &str,
        user_agent: &str,
    ) -> reqwest::Response {
        self.client
            .post(self.url("/api/event"))
            .header("content-type", "text/plain")
            .header("x-forwarded-for", ip)
            .header("user-agent", user_agent)
            .body(body)
            .send()
            .await
            .expect("POST /api/event")
    }

    /// Every stored visit, oldest first (after [`TestApp::flush_analytics`]).
    pub async fn stored_visits(&self) -> Vec<StoredVisit> {
        sqlx::query(
            "SELECT entry_page, exit_page, pageviews, other_events, channel, source, utm_source, \
             country, browser, os, device, screen FROM analytics_visits ORDER BY started, visit_id",
        )
        .fetch_all(self.analytics.db().pool())
        .await
        .expect("visits")
        .iter()
        .map(|row| StoredVisit {
            entry_page: row.get(0),
            exit_page: row.get(1),
            pageviews: row.get(2),
            other_events: row.get(3),
            channel: row.get(4),
            source: row.get(5),
            utm_source: row.get(6),
            country: row.get(7),
            browser: row.get(8),
            os: row.get(9),
            device: row.get(10),
            screen: row.get(11),
        })
        .collect()
    }

    /// Every stored event as (name, path, properties as JSON), oldest first.
    pub async fn stored_events(&self) -> Vec<(String, String, Option<String>)> {
        sqlx::query_as("SELECT name, path, props FROM analytics_events ORDER BY at")
            .fetch_all(self.analytics.db().pool())
            .await
            .expect("events")
    }
}
