//! Accessibility checks with axe-core (Deque's rules engine, from npm: `tools/axe`, which
//! scripts/test installs), run inside headless Chromium on the page a test is looking at.
//! A test fails on any violation axe rates serious or critical.
//!
//! The script is injected through WebDriver, which the page's Content-Security-Policy does
//! not govern: the pages keep their strict policy while they are checked.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

use crate::chromium::Chromium;

/// Where axe-core's script is: `LV_AXE_JS`, or `tools/axe/node_modules` of the workspace.
fn script_path() -> PathBuf {
    std::env::var_os("LV_AXE_JS").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../tools/axe/node_modules/axe-core/axe.min.js")
        },
        PathBuf::from,
    )
}

fn script() -> &'static str {
    static SCRIPT: OnceLock<String> = OnceLock::new();
    SCRIPT.get_or_init(|| {
        let path = script_path();
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "axe-core is missing at {} ({e}): run `npm ci --prefix tools/axe` (scripts/test does)",
                path.display()
            )
        })
    })
}

/// One rule the page breaks, as axe reports it.
#[derive(Debug, Clone)]
pub struct Violation {
    pub rule: String,
    pub impact: String,
    pub help: String,
    /// The elements concerned (CSS selectors).
    pub nodes: Vec<String>,
}

impl Chromium {
    /// The serious and critical accessibility violations of the current page.
    pub async fn accessibility_violations(&self) -> Vec<Violation> {
        if self.run("return typeof window.axe === 'object';").await != Value::Bool(true) {
            self.run(&format!("{}\nreturn true;", script())).await;
        }
        let found = self
            .run_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']})
                    .then(r => done(JSON.stringify(r.violations)))
                    .catch(e => done(JSON.stringify({error: String(e)})));",
            )
            .await;
        let text = found.as_str().unwrap_or("[]");
        let parsed: Value = serde_json::from_str(text).expect("axe's answer");
        assert!(parsed.get("error").is_none(), "axe failed: {parsed}");
        parsed
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .map(|v| Violation {
                rule: v["id"].as_str().unwrap_or_default().to_owned(),
                impact: v["impact"].as_str().unwrap_or_default().to_owned(),
                help: v["help"].as_str().unwrap_or_default().to_owned(),
                nodes: v["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|n| n["target"].to_string())
                    .collect(),
            })
            .collect()
    }

    /// Fails the test, naming each rule and element, if the current page (`what`) has a
    /// serious or critical accessibility violation.
    pub async fn assert_accessible(&self, what: &str) {
        let violations = self.accessibility_violations().await;
        assert!(
            violations.is_empty(),
            "{what} is not accessible:\n{}",
            violations
                .iter()
                .map(|v| format!(
                    "- {} ({}): {} at {}",
                    v.rule,
                    v.impact,
                    v.help,
                    v.nodes.join(", ")
                ))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
