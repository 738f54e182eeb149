//! Built-in TLS through the real binary: protocol versions, certificate reload on SIGHUP
//! without dropping connections, the redirect listener, and clear errors.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use leadvault_test_support::{LeadvaultProcess, TestCert, run_leadvault};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::leadvault_bin;

fn serve_tls(dir: &std::path::Path, cert: &TestCert, extra: &[&str]) -> LeadvaultProcess {
    let mut args = vec![
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        cert.cert.to_str().unwrap(),
        "--tls-key",
        cert.key.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    LeadvaultProcess::spawn(leadvault_bin(), dir, &args, &[])
}

/// One HTTPS request with the openssl client forced to one protocol version.
async fn openssl_get(addr: SocketAddr, version: &[&str]) -> String {
    let mut child = tokio::process::Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &addr.to_string(),
            "-servername",
            "localhost",
            "-ign_eof",
        ])
        .args(version)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("openssl s_client");
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    drop(stdin);
    let out = tokio::time::timeout(Duration::from_secs(15), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn only_tls_1_2_and_1_3_are_spoken() {
    let dir = tempfile::tempdir().unwrap();
    let cert = TestCert::create(dir.path(), "first");
    let mut serve = serve_tls(dir.path(), &cert, &[]);
    let addr = serve.listening().await;
    assert!(
        serve
            .stdout()
            .contains(&format!("is listening on https://{addr}")),
        "{}",
        serve.stdout()
    );

    for (flag, name) in [("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")] {
        let out = openssl_get(addr, &[flag]).await;
        assert!(
            out.contains(&format!("Protocol  : {name}"))
                || out.contains(&format!("Protocol: {name}"))
                || out.contains(&format!(", {name},")),
            "{flag}: {out}"
        );
        assert!(out.contains("HTTP/1.1 200"), "{flag}: {out}");
        assert!(
            out.to_ascii_lowercase()
                .contains("strict-transport-security: max-age=63072000"),
            "HSTS over TLS: {out}"
        );
    }
    // The client is allowed to offer the old versions (SECLEVEL=0), so a refusal is the
    // server's: it answers with an alert and no session is established.
    for flag in ["-tls1_1", "-tls1"] {
        let out = openssl_get(addr, &[flag, "-cipher", "DEFAULT@SECLEVEL=0"]).await;
        assert!(!out.contains("HTTP/1.1"), "{flag} was served: {out}");
        assert!(
            out.contains("Cipher is (NONE)") && out.contains("alert"),
            "{flag} not refused: {out}"
        );
    }
    serve.stop().await;
}

/// A TLS 1.3 connection trusting the given certificates; returns it and the certificate the
/// server presented.
async fn connect(
    addr: SocketAddr,
    trusted: &[&TestCert],
) -> (tokio_rustls::client::TlsStream<TcpStream>, Vec<u8>) {
    let mut roots = rustls::RootCertStore::empty();
    for cert in trusted {
        roots.add(CertificateDer::from(cert.der())).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS13])
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let stream = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let presented = stream.get_ref().1.peer_certificates().unwrap()[0]
        .as_ref()
        .to_vec();
    (stream, presented)
}

/// GET /healthz on a kept-alive connection.
async fn healthz(stream: &mut tokio_rustls::client::TlsStream<TcpStream>) -> String {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    while !response.ends_with(b"\r\n\r\nok") {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(
            n > 0,
            "connection closed: {}",
            String::from_utf8_lossy(&response)
        );
        response.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn sighup_reloads_the_certificate_without_dropping_connections() {
    let dir = tempfile::tempdir().unwrap();
    let first = TestCert::create(dir.path(), "first");
    let second = TestCert::create(dir.path(), "second");
    let live = TestCert {
        cert: dir.path().join("live.crt"),
        key: dir.path().join("live.key"),
    };
    std::fs::copy(&first.cert, &live.cert).unwrap();
    std::fs::copy(&first.key, &live.key).unwrap();
    let mut serve = serve_tls(dir.path(), &live, &[]);
    let addr = serve.listening().await;

    let (mut kept, presented) = connect(addr, &[&first, &second]).await;
    assert_eq!(presented, first.der());
    assert!(healthz(&mut kept).await.starts_with("HTTP/1.1 200"));

    std::fs::copy(&second.cert, &live.cert).unwrap();
    std::fs::copy(&second.key, &live.key).unwrap();
    serve.signal("HUP");
    for _ in 0..100 {
        if serve.stderr().contains("TLS certificate reloaded") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        serve.stderr().contains("TLS certificate reloaded"),
        "{}",
        serve.stderr()
    );
    assert!(
        healthz(&mut kept).await.starts_with("HTTP/1.1 200"),
        "the open connection survived the reload"
    );
    let (_, presented) = connect(addr, &[&first, &second]).await;
    assert_eq!(
        presented,
        second.der(),
        "new handshakes get the new certificate"
    );

    // A broken file does not take the server down: the certificate in use stays.
    std::fs::write(&live.cert, "not a certificate").unwrap();
    serve.signal("HUP");
    for _ in 0..100 {
        if serve.stderr().contains("previous one stays in use") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        serve.stderr().contains("previous one stays in use"),
        "{}",
        serve.stderr()
    );
    let (mut fresh, presented) = connect(addr, &[&first, &second]).await;
    assert_eq!(presented, second.der());
    assert!(healthz(&mut fresh).await.starts_with("HTTP/1.1 200"));
    drop((kept, fresh));
    serve.stop().await;
}

#[tokio::test]
async fn the_plain_http_listener_only_redirects_to_https() {
    let dir = tempfile::tempdir().unwrap();
    let cert = TestCert::create(dir.path(), "first");
    let mut serve = serve_tls(dir.path(), &cert, &["--tls-redirect-listen", "127.0.0.1:0"]);
    let addr = serve.listening().await;
    let line = serve
        .stdout()
        .lines()
        .find(|l| l.starts_with("Plain HTTP on"))
        .unwrap()
        .to_owned();
    let redirect: SocketAddr = line.split_whitespace().nth(3).unwrap().parse().unwrap();
    let client = leadvault_test_support::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in ["/setup?token=abc", "/healthz"] {
        let response = client
            .get(format!("http://{redirect}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 308, "{path}");
        assert_eq!(
            response.headers()["location"],
            format!("https://127.0.0.1:{}{path}", addr.port()).as_str()
        );
        assert!(
            response.text().await.unwrap().is_empty(),
            "nothing is served over plain HTTP"
        );
    }
    serve.stop().await;
}

#[tokio::test]
async fn tls_may_listen_on_public_addresses_and_bad_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let first = TestCert::create(dir.path(), "first");
    let second = TestCert::create(dir.path(), "second");
    let mut serve = LeadvaultProcess::spawn(
        leadvault_bin(),
        dir.path(),
        &[
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--tls-cert",
            first.cert.to_str().unwrap(),
            "--tls-key",
            first.key.to_str().unwrap(),
        ],
        &[],
    );
    serve.listening().await;
    serve.stop().await;

    let cases = [
        (
            vec![
                "--tls-cert",
                "missing.crt",
                "--tls-key",
                first.key.to_str().unwrap(),
            ],
            "cannot read the TLS certificate missing.crt",
        ),
        (
            vec![
                "--tls-cert",
                first.cert.to_str().unwrap(),
                "--tls-key",
                second.key.to_str().unwrap(),
            ],
            "does not belong to the certificate",
        ),
        (
            vec![
                "--tls-cert",
                first.key.to_str().unwrap(),
                "--tls-key",
                first.key.to_str().unwrap(),
            ],
            "no certificate in the file",
        ),
    ];
    for (flags, expected) in cases {
        for command in [
            ["serve", "--listen", "127.0.0.1:0"].as_slice(),
            ["config", "check"].as_slice(),
        ] {
            let mut args = command.to_vec();
            args.extend_from_slice(&flags);
            let out = run_leadvault(leadvault_bin(), dir.path(), &args, &[], None).await;
            assert!(!out.status.success(), "{args:?}");
            assert!(out.stderr.contains(expected), "{args:?}: {}", out.stderr);
            assert!(!out.stderr.contains("panicked"));
        }
    }
}
