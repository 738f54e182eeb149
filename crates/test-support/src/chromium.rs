//! Headless Chromium for browser tests, driven through ChromeDriver's W3C WebDriver API
//! (plain JSON over HTTP, so no driver crate is needed).
//!
//! Debian's `chromium` and `chromedriver` (scripts/test installs them). Each instance has a
//! fresh profile, and maps host names to loopback ports so that a test can serve pages from
//! several origins (`https://www.lima.law` → a test server), with certificate errors
//! accepted for the tests' self-signed certificates.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// The key WebDriver names an element reference with.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running headless Chromium with one WebDriver session.
#[derive(Debug)]
pub struct Chromium {
    driver: Child,
    http: reqwest::Client,
    session: String,
    base: String,
    profile: tempfile::TempDir,
}

/// An element of the current page (or frame).
#[derive(Debug, Clone)]
pub struct Element(Value);

impl Chromium {
    /// Starts Chromium with `hosts` resolving to loopback addresses, as
    /// `("www.lima.law", addr)`: a page at `https://www.lima.law/` is served by `addr`.
    pub async fn start(hosts: &[(&str, SocketAddr)]) -> Self {
        Self::launch(hosts, false).await
    }

    /// As [`Chromium::start`], but passing for a visitor's browser: it does not say it is
    /// driven by a program (`navigator.webdriver`) and sends an ordinary desktop Chrome
    /// user agent, so analytics counts it as it counts people.
    pub async fn start_as_visitor(hosts: &[(&str, SocketAddr)]) -> Self {
        Self::launch(hosts, true).await
    }

    async fn launch(hosts: &[(&str, SocketAddr)], as_visitor: bool) -> Self {
        let profile = tempfile::tempdir().expect("profile directory");
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver (Debian's chromium-driver; scripts/test installs it)");
        let http = crate::http_client();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            let ready = http.get(format!("{base}/status")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let rules: Vec<String> = hosts
            .iter()
            .map(|(host, addr)| format!("MAP {host} {addr}"))
            .collect();
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-background-networking".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--host-resolver-rules={}", rules.join(", ")),
        ];
        let mut excluded = Vec::new();
        if as_visitor {
            args.push("--disable-blink-features=AutomationControlled".to_owned());
            args.push(format!("--user-agent={}", crate::CHROME));
            excluded.push("enable-automation");
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": args,
                "excludeSwitches": excluded,
                "prefs": {
                    "download.default_directory": profile.path().join("downloads"),
                    "download.prompt_for_download": false,
                },
            },
        }}});
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("new WebDriver session")
            .json()
            .await
            .expect("session answer");
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        Self {
            driver,
            http,
            session,
            base,
            profile,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request
            .send()
            .await
            .expect("WebDriver call")
            .json()
            .await
            .expect("WebDriver answer");
        answer["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// Loads `url` and waits for its load event.
    pub async fn goto(&self, url: &str) {
        let answer = self.post("/url", json!({ "url": url })).await;
        assert!(answer.is_null(), "loading {url}: {answer}");
    }

    /// The first element matching the CSS selector, if any.
    pub async fn find(&self, css: &str) -> Option<Element> {
        let answer = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await;
        answer.get(ELEMENT).is_some().then_some(Element(answer))
    }

    /// The element matching `css`, waiting up to five seconds for it to appear.
    pub async fn wait_for(&self, css: &str) -> Element {
        for _ in 0..50 {
            if let Some(found) = self.find(css).await {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let last = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await;
        panic!("no {css} ({last}) in {}", self.source().await)
    }

    /// Waits up to five seconds for `script` (a function body) to return `true`.
    pub async fn wait_until(&self, script: &str) {
        for _ in 0..50 {
            if self.run(script).await == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("never true: {script}\n{}", self.source().await)
    }

    /// Runs `script` (a function body) in the current frame and returns its result.
    pub async fn run(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": []}))
            .await
    }

    /// Runs `script` (a function body whose last argument is the callback to call with
    /// the result) and waits for its result, up to 30 seconds.
    pub async fn run_async(&self, script: &str) -> Value {
        self.post("/timeouts", json!({"script": 30_000})).await;
        self.post("/execute/async", json!({"script": script, "args": []}))
            .await
    }

    /// Sets the window's inner size, as a phone's (375 × 740) or a desktop's.
    pub async fn resize(&self, width: u32, height: u32) {
        let answer = self
            .post("/window/rect", json!({"width": width, "height": height}))
            .await;
        assert!(answer.is_object(), "resizing: {answer}");
    }

    /// The file a download saved, waiting up to ten seconds for it to be complete: the
    /// first whose name starts with `prefix`.
    pub async fn downloaded(&self, prefix: &str) -> Vec<u8> {
        let dir = self.profile.path().join("downloads");
        for _ in 0..100 {
            let done = std::fs::read_dir(&dir).ok().and_then(|entries| {
                entries.flatten().map(|e| e.path()).find(|path| {
                    let name = path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or_default();
                    name.starts_with(prefix) && !name.ends_with(".crdownload")
                })
            });
            if let Some(path) = done {
                return std::fs::read(path).expect("the downloaded file");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "nothing starting with {prefix} was downloaded into {}",
            dir.display()
        )
    }

    /// A PNG of what the window shows.
    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let encoded = self.call(reqwest::Method::GET, "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().expect("a screenshot"))
            .expect("a base64 screenshot")
    }

    /// The current page's address.
    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Presses and releases `key` (a character, or a WebDriver key code such as
    /// `"\u{E004}"` for Tab) as the keyboard would.
    pub async fn press(&self, key: &str) {
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}]});
        let answer = self.post("/actions", actions).await;
        assert!(answer.is_null(), "pressing {key}: {answer}");
    }

    /// The current frame's HTML.
    pub async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Types `text` into an input.
    pub async fn type_into(&self, element: &Element, text: &str) {
        let answer = self
            .post(
                &format!("/element/{}/value", element.id()),
                json!({ "text": text }),
            )
            .await;
        assert!(answer.is_null(), "typing: {answer}");
    }

    pub async fn click(&self, element: &Element) {
        let answer = self
            .post(&format!("/element/{}/click", element.id()), json!({}))
            .await;
        assert!(answer.is_null(), "clicking: {answer}");
    }

    /// The rendered text of an element.
    pub async fn text(&self, element: &Element) -> String {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{}/text", element.id()),
            None,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Switches into the frame `element` (an iframe of the current page).
    pub async fn enter_frame(&self, element: &Element) {
        let answer = self.post("/frame", json!({ "id": element.0 })).await;
        assert!(answer.is_null(), "entering the frame: {answer}");
    }

    /// Back to the top-level page.
    pub async fn leave_frames(&self) {
        let answer = self.post("/frame", json!({ "id": null })).await;
        assert!(answer.is_null(), "leaving the frame: {answer}");
    }

    /// Loads the current page again and waits for its load event.
    pub async fn reload(&self) {
        let answer = self.post("/refresh", json!({})).await;
        assert!(answer.is_null(), "reloading: {answer}");
    }

    /// Opens a new tab (same profile, same cookies) and switches to it.
    pub async fn new_tab(&self) {
        let opened = self.post("/window/new", json!({ "type": "tab" })).await;
        let handle = opened["handle"].clone();
        let answer = self.post("/window", json!({ "handle": handle })).await;
        assert!(answer.is_null(), "switching to the new tab: {answer}");
    }

    /// Sets a cookie for the current page's site, as the page itself could.
    pub async fn set_cookie(&self, name: &str, value: &str) {
        let answer = self
            .post(
                "/cookie",
                json!({ "cookie": { "name": name, "value": value, "path": "/" } }),
            )
            .await;
        assert!(answer.is_null(), "setting the cookie {name}: {answer}");
    }

    /// Ends the session and the browser.
    pub async fn close(mut self) {
        self.call(reqwest::Method::DELETE, "", None).await;
        let _ = self.driver.kill().await;
    }
}

impl Drop for Chromium {
    /// A test that panics leaves no browser behind: ChromeDriver dies with its handle, and
    /// the browser it started is found by its profile directory.
    fn drop(&mut self) {
        let _ = std::process::Command::new("pkill")
            .arg("-f")
            .arg(self.profile.path())
            .status();
    }
}

impl Element {
    fn id(&self) -> &str {
        self.0[ELEMENT].as_str().unwrap_or_default()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
