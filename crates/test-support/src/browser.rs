//! A minimal browser for page tests: it keeps cookies, sends the headers a real browser
//! sends with a same-origin form (`Origin`, `Sec-Fetch-Site`), and reads hidden fields.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, SET_COOKIE};
use scraper::{Html, Selector};

use crate::TestApp;

/// One response, read whole.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub html: String,
}

impl Page {
    /// The `Location` of a redirect.
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    /// The body, read as JSON (an API answer).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.html).unwrap_or_else(|e| panic!("{e}: {}", self.html))
    }

    /// The body parsed as HTML, as a browser would.
    fn document(&self) -> Html {
        Html::parse_document(&self.html)
    }

    /// The value of `attribute` of every element matching the CSS selector `css`.
    pub fn attributes(&self, css: &str, attribute: &str) -> Vec<String> {
        let selector = selector(css);
        self.document()
            .select(&selector)
            .filter_map(|element| element.value().attr(attribute).map(str::to_owned))
            .collect()
    }

    /// The text of every element matching the CSS selector `css`.
    pub fn texts(&self, css: &str) -> Vec<String> {
        let selector = selector(css);
        self.document()
            .select(&selector)
            .map(|element| element.text().collect())
            .collect()
    }

    /// The value of the first field named `name` (hidden fields: tokens, ids).
    pub fn hidden(&self, name: &str) -> String {
        self.attributes(&format!("input[name=\"{name}\"]"), "value")
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no {name} field in {}", self.html))
    }

    /// The page's anti-CSRF token.
    pub fn csrf(&self) -> String {
        self.hidden("csrf")
    }

    /// The address of the first link whose address starts with `prefix`.
    pub fn link_to(&self, prefix: &str) -> String {
        self.attributes(&format!("a[href^=\"{prefix}\"]"), "href")
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no link to {prefix}… in {}", self.html))
    }

    /// The action of the first form that posts to an address starting with `prefix`.
    pub fn form_to(&self, prefix: &str) -> String {
        self.attributes(&format!("form[action^=\"{prefix}\"]"), "action")
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no form to {prefix}… in {}", self.html))
    }

    /// The first element matching `css` whose text contains `text` (a table row naming
    /// something, say), as a page of its own to read further.
    pub fn part(&self, css: &str, text: &str) -> Page {
        let selector = selector(css);
        let html = self
            .document()
            .select(&selector)
            .find(|element| element.text().collect::<String>().contains(text))
            .map(|element| element.html())
            .unwrap_or_else(|| panic!("no {css} containing {text:?} in {}", self.html));
        Page {
            status: self.status,
            headers: HeaderMap::new(),
            html,
        }
    }

    /// The text of the first `<code class="…">` element with that class.
    pub fn code_with_class(&self, class: &str) -> String {
        self.texts(&format!("code.{class}"))
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no {class} code in {}", self.html))
    }

    /// Every code listed as an item (`<li><code>…</code></li>`: recovery codes, say).
    pub fn listed_codes(&self) -> Vec<String> {
        self.texts("li > code")
    }
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e}"))
}

/// A browser session against a [`TestApp`] (or any Leadvault on loopback).
#[derive(Debug)]
pub struct Browser<'a> {
    client: &'a reqwest::Client,
    addr: SocketAddr,
    cookies: BTreeMap<String, String>,
    user_agent: String,
    /// Sent as `X-Forwarded-For`, for an app that trusts loopback as its proxy.
    client_address: Option<String>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self::at(&app.client, app.addr)
    }

    /// A browser for the Leadvault at `addr` (a real `leadvault` process, say), through
    /// `client` (which must not follow redirects).
    pub fn at(client: &'a reqwest::Client, addr: SocketAddr) -> Self {
        Self {
            client,
            addr,
            cookies: BTreeMap::new(),
            user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
                .to_owned(),
            client_address: None,
        }
    }

    /// From now on, appear to come from `address` (through a trusted proxy on loopback), so
    /// that per-address rate limits count this browser on its own.
    pub fn set_client_address(&mut self, address: &str) {
        self.client_address = Some(address.to_owned());
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self
            .client
            .request(method, format!("http://{}{path}", self.addr))
            .header("cookie", self.cookie_header())
            .header("user-agent", &self.user_agent);
        match &self.client_address {
            Some(address) => request.header("x-forwarded-for", address),
            None => request,
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// Plants or replaces a cookie, as an attacker or a stale browser might hold one.
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    pub fn forget_cookies(&mut self) {
        self.cookies.clear();
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status: response.status(),
            headers: response.headers().clone(),
            html: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// GETs a file: its status, headers and bytes (a download is not a page).
    pub async fn download(
        &mut self,
        path: &str,
    ) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.bytes().await.unwrap().to_vec())
    }

    /// Posts a form from one of the app's own pages.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .request(reqwest::Method::POST, path)
            .header("origin", format!("http://{}", self.addr))
            .header("sec-fetch-site", "same-origin")
            .form(fields)
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// Sends JSON the way the app's own script would: same-origin, with `csrf` (when given)
    /// in `X-CSRF-Token`. The answer's body is in `Page::html`.
    pub async fn send_json(
        &mut self,
        method: reqwest::Method,
        path: &str,
        csrf: Option<&str>,
        body: &serde_json::Value,
    ) -> Page {
        let mut request = self
            .request(method, path)
            .header("origin", format!("http://{}", self.addr))
            .header("sec-fetch-site", "same-origin")
            .json(body);
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf);
        }
        let response = request.send().await.unwrap();
        self.read(response).await
    }

    /// Posts `parts` as `multipart/form-data`, the way a page with file inputs does, in the
    /// order given.
    pub async fn post_multipart(&mut self, path: &str, parts: &[Part<'_>]) -> Page {
        let boundary = format!("----leadvault-test-{}", uuid::Uuid::new_v4().simple());
        let mut body = Vec::new();
        for part in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match part {
                Part::Text(name, value) => {
                    body.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                            .as_bytes(),
                    );
                    body.extend_from_slice(value.as_bytes());
                }
                Part::File {
                    name,
                    file_name,
                    content_type,
                    bytes,
                } => {
                    body.extend_from_slice(
                        format!(
                            "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
                        )
                        .as_bytes(),
                    );
                    body.extend_from_slice(bytes);
                }
            }
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let response = self
            .request(reqwest::Method::POST, path)
            .header("origin", format!("http://{}", self.addr))
            .header("sec-fetch-site", "same-origin")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// Posts `fields` plus the CSRF token of `from`, the page the form is on.
    /// A client sends the order form of `form` with `answers` and `files` (field, file name,
    /// PDF content), as the portal's page does.
    pub async fn place_order(
        &mut self,
        form: &str,
        answers: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Page {
        let page = self.get(&format!("/portal/orders/new/{form}")).await;
        assert_eq!(page.status, 200, "{}", page.html);
        let csrf = page.csrf();
        let mut parts = vec![Part::Text("csrf", &csrf)];
        parts.extend(answers.iter().map(|(k, v)| Part::Text(k, v)));
        parts.extend(files.iter().map(|(name, file_name, bytes)| Part::File {
            name,
            file_name,
            content_type: "application/pdf",
            bytes,
        }));
        self.post_multipart(&format!("/portal/orders/new/{form}"), &parts)
            .await
    }

    pub async fn submit(&mut self, from: &Page, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = from.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }
}

/// One part of a `multipart/form-data` request.
#[derive(Debug, Clone, Copy)]
pub enum Part<'a> {
    Text(&'a str, &'a str),
    File {
        name: &'a str,
        file_name: &'a str,
        /// What the browser claims; the server must not believe it.
        content_type: &'a str,
        bytes: &'a [u8],
    },
}
