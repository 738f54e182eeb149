//! Sending one webhook: an HTTP/1.1 POST over TLS (or plain HTTP where the operator allows
//! private networks, for development), to an address checked first. The same client makes
//! Leadvault's other outgoing calls (Stripe's API, through [`WebhookClient::call`]), so the
//! tree has one HTTP client over one TLS stack. An endpoint URL is typed
//! by an organization's admin, so it must not reach into the installation's own network
//! (loopback, private ranges, link-local cloud metadata): the name is resolved once, every
//! address checked, and the connection made to the checked address, so a second lookup
//! cannot swap it (DNS rebinding).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use url::Url;

/// Why a webhook could not be sent: for the delivery's record (no body of any answer).
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("the address is not allowed: {0}")]
    Refused(&'static str),
    #[error("the name could not be resolved")]
    Resolve,
    #[error("could not connect")]
    Connect,
    #[error("TLS failed")]
    Tls,
    #[error("the HTTP exchange failed")]
    Http,
    #[error("no answer in time")]
    Timeout,
}

/// Whether `ip` is on the public internet: not loopback, private, link-local, shared,
/// documentation, multicast or otherwise special.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80
                    || first == 0x2001 && v6.segments()[1] == 0x0db8)
            }
        },
    }
}

/// One outgoing HTTP request. Its headers may carry a secret (Stripe's bearer key), so
/// its `Debug` names them without their values.
pub struct Outgoing<'a> {
    pub method: hyper::Method,
    pub url: &'a Url,
    pub headers: &'a [(&'static str, String)],
    /// The body's media type, when there is a body.
    pub content_type: &'static str,
    pub body: String,
    /// The most of the answer's body read; a longer one reads as empty.
    pub answer_limit: usize,
}

impl std::fmt::Debug for Outgoing<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Outgoing")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("headers", &names)
            .finish_non_exhaustive()
    }
}

/// What came back: the status and the body, read whole (within the request's limit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Sends webhooks (and other outgoing calls). One per installation; cheap to clone.
#[derive(Clone)]
pub struct WebhookClient {
    tls: TlsConnector,
    allow_private_networks: bool,
    timeout: Duration,
}

impl std::fmt::Debug for WebhookClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookClient")
            .field("allow_private_networks", &self.allow_private_networks)
            .finish_non_exhaustive()
    }
}

impl WebhookClient {
    /// A client trusting the system's certificate authorities. `allow_private_networks`
    /// (development and tests only) also allows plain HTTP and private addresses.
    pub fn new(allow_private_networks: bool) -> Self {
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            // A certificate the store cannot use is skipped, as browsers do.
            let _ = roots.add(cert);
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|builder| builder.with_root_certificates(roots).with_no_client_auth());
        let config = match config {
            Ok(config) => config,
            // The ring provider supports the default versions; unreachable in practice.
            Err(_) => rustls::ClientConfig::builder()
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth(),
        };
        Self {
            tls: TlsConnector::from(Arc::new(config)),
            allow_private_networks,
            timeout: Duration::from_secs(10),
        }
    }

    /// Whether `url` may be an endpoint at all: HTTPS (or HTTP where private networks are
    /// allowed), a host, no credentials.
    pub fn accepts(&self, url: &Url) -> Result<(), SendError> {
        match url.scheme() {
            "https" => {}
            "http" if self.allow_private_networks => {}
            _ => return Err(SendError::Refused("an endpoint must be https://")),
        }
        if url.host_str().is_none() {
            return Err(SendError::Refused("an endpoint needs a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(SendError::Refused("an endpoint cannot carry credentials"));
        }
        Ok(())
    }

    async fn address(&self, url: &Url) -> Result<SocketAddr, SendError> {
        let host = url.host_str().ok_or(SendError::Refused("no host"))?;
        let port = url
            .port_or_known_default()
            .ok_or(SendError::Refused("no port"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| SendError::Resolve)?
            .collect();
        let first = *addresses.first().ok_or(SendError::Resolve)?;
        if !self.allow_private_networks && addresses.iter().any(|a| !is_public(a.ip())) {
            return Err(SendError::Refused(
                "the endpoint's address is not on the public internet",
            ));
        }
        Ok(first)
    }

    /// POSTs `body` (JSON) with `headers`; the answer's status.
    pub async fn post(
        &self,
        url: &Url,
        headers: &[(&'static str, String)],
        body: String,
    ) -> Result<u16, SendError> {
        let request = Outgoing {
            method: hyper::Method::POST,
            url,
            headers,
            content_type: "application/json",
            body,
            answer_limit: 64 * 1024,
        };
        Ok(self.call(request).await?.status)
    }

    /// Sends `request` and reads its answer, within the client's time limit.
    pub async fn call(&self, request: Outgoing<'_>) -> Result<Answer, SendError> {
        self.accepts(request.url)?;
        tokio::time::timeout(self.timeout, self.exchange(request))
            .await
            .map_err(|_| SendError::Timeout)?
    }

    async fn exchange(&self, outgoing: Outgoing<'_>) -> Result<Answer, SendError> {
        let Outgoing {
            method,
            url,
            headers,
            content_type,
            body,
            answer_limit,
        } = outgoing;
        let address = self.address(url).await?;
        let tcp = TcpStream::connect(address)
            .await
            .map_err(|_| SendError::Connect)?;
        let host = url.host_str().unwrap_or_default().to_owned();
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(&url[url::Position::BeforePath..])
            .header(
                hyper::header::HOST,
                &url[url::Position::BeforeHost..url::Position::AfterPort],
            )
            .header(hyper::header::USER_AGENT, "Leadvault/1");
        if !body.is_empty() {
            request = request.header(hyper::header::CONTENT_TYPE, content_type);
        }
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|_| SendError::Http)?;
        if url.scheme() == "https" {
            let name = ServerName::try_from(
                host.trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned(),
            )
            .map_err(|_| SendError::Tls)?;
            let tls = self
                .tls
                .connect(name, tcp)
                .await
                .map_err(|_| SendError::Tls)?;
            send(TokioIo::new(tls), request, answer_limit).await
        } else {
            send(TokioIo::new(tcp), request, answer_limit).await
        }
    }
}

async fn send<IO>(
    io: IO,
    request: hyper::Request<Full<Bytes>>,
    answer_limit: usize,
) -> Result<Answer, SendError>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|_| SendError::Http)?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let response = sender
        .send_request(request)
        .await
        .map_err(|_| SendError::Http)?;
    let status = response.status().as_u16();
    // A bounded answer, read so the connection ends cleanly. One longer than the limit reads
    // as empty: a webhook's answer is never looked at, and an API's then fails to parse.
    let body = http_body_util::Limited::new(response.into_body(), answer_limit)
        .collect()
        .await
        .map(|collected| collected.to_bytes().to_vec())
        .unwrap_or_default();
    Ok(Answer { status, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "2001:db8::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn an_endpoint_inside_the_network_is_refused() {
        let client = WebhookClient::new(false);
        for url in [
            "http://example.com/hook",
            "https://127.0.0.1/hook",
            "https://user:pw@example.com/",
        ] {
            let url = Url::parse(url).unwrap();
            let sent = client.post(&url, &[], "{}".into()).await;
            assert!(
                matches!(sent, Err(SendError::Refused(_))),
                "{url}: {sent:?}"
            );
        }
    }
}
