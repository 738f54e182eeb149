//! Page templates. Askama escapes every interpolated value for HTML; nothing is marked safe.

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
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub explanation: &'a str,
    pub request_id: Option<String>,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub needs_setup: bool,
}

/// The first-run form. Values typed by the person are shown back after an error, except
/// the password, which is never echoed.
#[derive(Template, Default)]
#[template(path = "setup.html")]
pub struct SetupPage {
    pub csrf: String,
    pub token: String,
    pub org_name: String,
    pub email: String,
    pub errors: SetupErrors,
}

#[derive(Debug, Default)]
pub struct SetupErrors {
    pub org_name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub form: Option<String>,
}

#[derive(Template)]
#[template(path = "setup_done.html")]
pub struct SetupDonePage {
    pub org_name: String,
}
