//! A real SMTP server on loopback for the e-mail tests: Python's `aiosmtpd`, storing what
//! it receives in a Maildir the test reads. `scripts/test` installs it; where it is missing,
//! outside CI the test says so loudly and returns, in CI it fails.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Once;
use std::time::Duration;

use tokio::process::{Child, Command};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub to: String,
    pub subject: String,
    /// The body, transfer encoding undone.
    pub body: String,
    /// Everything, headers included, as received.
    pub raw: String,
}

/// A running SMTP server and its Maildir.
#[derive(Debug)]
pub struct SmtpSink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

fn missing(reason: &str) -> Option<SmtpSink> {
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        panic!("the SMTP test server is required in CI and is not available: {reason}");
    }
    static WARNED: Once = Once::new();
    WARNED.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "\n==== SKIPPING e-mail tests: {reason}\n==== Run scripts/test (installs aiosmtpd) or `python3 -m pip install aiosmtpd`\n"
        );
    });
    None
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

impl SmtpSink {
    /// Starts a server on a free port, or `None` (outside CI) where aiosmtpd is missing.
    pub async fn start() -> Option<Self> {
        Self::start_on(free_port()).await
    }

    /// Starts a server on `port` (to bring one back where an earlier one stopped).
    pub async fn start_on(port: u16) -> Option<Self> {
        let dir = tempfile::tempdir().expect("a Maildir directory");
        let maildir = dir.path().join("mail");
        let spawned = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => return missing(&format!("cannot run python3: {e}")),
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Some(Self { child, port, dir });
            }
            if let Ok(Some(_)) = child.try_wait() {
                let mut err = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    use tokio::io::AsyncReadExt as _;
                    let _ = stderr.read_to_string(&mut err).await;
                }
                return missing(&format!("aiosmtpd did not start: {}", err.trim()));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not listen on port {port} within 10 seconds");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL Leadvault is configured with.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// What sends to this server, as `serve`'s mail worker would.
    pub fn sender(&self) -> leadvault_mail::SmtpSender {
        leadvault_mail::SmtpSender::new(
            &leadvault_mail::SmtpUrl::parse(&self.url()).expect("the sink's address"),
            "Leadvault <noreply@leadvault.test>",
        )
        .expect("a sender to the sink")
    }

    /// Stops the server (the messages it received stay readable).
    pub async fn stop(&mut self) {
        let _ = self.child.kill().await;
    }

    fn maildir_new(&self) -> PathBuf {
        self.dir.path().join("mail").join("new")
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let Ok(entries) = std::fs::read_dir(self.maildir_new()) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        paths
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .map(|raw| parse(&raw))
            .collect()
    }

    /// Waits (up to 15 s) for a message to `to`, and returns it (the first found, should there
    /// be several: Maildir names do not order messages that arrive within the same second).
    pub async fn wait_for_recipient(&self, to: &str) -> ReceivedMail {
        for _ in 0..150 {
            if let Some(mail) = self.messages().into_iter().find(|m| m.to == to) {
                return mail;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no message to {to}; received {:?}",
            self.messages().iter().map(|m| &m.to).collect::<Vec<_>>()
        );
    }

    /// Waits (up to 15 s) until at least `count` messages have arrived, and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedMail> {
        for _ in 0..150 {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "expected {count} message(s), received {}",
            self.messages().len()
        );
    }
}

fn parse(raw: &str) -> ReceivedMail {
    let normalized = raw.replace("\r\n", "\n");
    let (head, body) = normalized.split_once("\n\n").unwrap_or((&normalized, ""));
    // Unfold continuation lines, then read the headers we need.
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    let header = |name: &str| {
        unfolded
            .lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let encoding = header("Content-Transfer-Encoding").to_ascii_lowercase();
    let body = match encoding.as_str() {
        "quoted-printable" => quoted_printable(body),
        "" | "7bit" | "8bit" => body.to_owned(),
        other => panic!("unexpected transfer encoding {other}"),
    };
    ReceivedMail {
        to: header("To"),
        subject: header("Subject"),
        body,
        raw: raw.to_owned(),
    }
}

/// RFC 2045 quoted-printable: `=` at a line end joins lines, `=XX` is a byte.
fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(byte) = u8::from_str_radix(hex, 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
