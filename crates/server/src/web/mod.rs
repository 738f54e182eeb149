//! The web layer's machinery, shared by every feature: extractors of who is signed in,
//! CSRF checks (a layer driven by the route table), errors and their one mapping to HTTP,
//! security headers, request ids and logging, rate limits, client addresses, form and
//! multipart bodies, rendering, TLS and serving.

pub(crate) mod auth;
pub(crate) mod client_ip;
pub(crate) mod csrf;
pub(crate) mod csrf_guard;
pub(crate) mod denial;
pub(crate) mod error;
pub(crate) mod form_body;
pub(crate) mod headers;
pub(crate) mod multipart;
pub(crate) mod observe;
pub(crate) mod person;
pub(crate) mod plan_guard;
pub(crate) mod rate_limit;
pub(crate) mod redirect;
pub(crate) mod render;
pub(crate) mod shell;
pub(crate) mod shutdown;
pub(crate) mod tls;
