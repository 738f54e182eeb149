//! Self-signed certificates for TLS tests, made with the `openssl` command (Debian's
//! `openssl` package; scripts/test installs it when missing).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A certificate for `localhost` and 127.0.0.1, and its key, as PEM files.
#[derive(Debug, Clone)]
pub struct TestCert {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TestCert {
    /// Writes `NAME.crt` and `NAME.key` into `dir`, with `NAME` as the common name, so tests
    /// can tell two certificates apart.
    pub fn create(dir: &Path, name: &str) -> Self {
        let cert = dir.join(format!("{name}.crt"));
        let key = dir.join(format!("{name}.key"));
        let out = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "2",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .args([
                "-subj",
                &format!("/CN={name}"),
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-addext",
                "basicConstraints=critical,CA:FALSE",
                "-addext",
                "extendedKeyUsage=serverAuth",
            ])
            .output()
            .expect("run openssl (apt-get install openssl)");
        assert!(
            out.status.success(),
            "openssl req failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self { cert, key }
    }

    /// The certificate's DER bytes, to compare with what a server presented.
    pub fn der(&self) -> Vec<u8> {
        let out = Command::new("openssl")
            .args(["x509", "-outform", "DER", "-in"])
            .arg(&self.cert)
            .output()
            .expect("run openssl x509");
        out.stdout
    }
}
