//! HTTP clients for tests. reqwest is built with rustls and no bundled crypto provider (the
//! installation's one crypto library, ring, is the provider), so a client may only be built
//! once ring is installed as the process's provider: these do that first.

/// Installs ring as the process's rustls provider (once; later calls change nothing).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// `reqwest::Client::new()`, with the provider installed.
pub fn http_client() -> reqwest::Client {
    http_client_builder().build().expect("HTTP client")
}

/// `reqwest::Client::builder()`, with the provider installed.
pub fn http_client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::ClientBuilder::new()
}
