//! Real object-storage emulators on loopback for the backup tests: Microsoft's Azurite (Azure
//! Blob Storage, from npm: `tools/azurite`) and moto's server (S3, from PyPI: `moto[server]`).
//! `scripts/test` installs both; where one is missing, outside CI the test says so loudly and
//! returns, in CI it fails.
//!
//! Each test starts its own emulator on a free port, with nothing in it; the backup code
//! creates no container or bucket, so the test creates the one it writes to
//! ([`Azurite::create_container`], [`Moto::create_bucket`]). The process is killed when the
//! value is dropped.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

/// How long an emulator may take to listen (Azurite takes a second or two).
const START_POLLS: u32 = 300;
const POLL: Duration = Duration::from_millis(100);

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

/// `None` outside CI, after saying once, loudly, what is skipped; a failure in CI.
fn missing<T>(what: &str, reason: &str, install: &str, warned: &'static Once) -> Option<T> {
    if in_ci() {
        panic!("{what} is required in CI and is not available: {reason}\n{install}");
    }
    warned.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "\n==== SKIPPING backup tests that need {what}: {reason}\n==== {install}\n"
        );
    });
    None
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

fn collect(stream: impl AsyncRead + Unpin + Send + 'static, into: Arc<Mutex<String>>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut text = into.lock().expect("output lock");
            text.push_str(&line);
            text.push('\n');
        }
    });
}

/// An emulator process, listening on `port`, its output collected as it comes (moto logs
/// every request: a pipe nobody read would fill and stop it).
#[derive(Debug)]
struct Running {
    child: Child,
    port: u16,
    output: Arc<Mutex<String>>,
}

/// Why an emulator did not start.
enum NotStarted {
    /// Its program or module is not installed.
    Missing(String),
    /// It ran and stopped before it listened.
    Exited(ExitStatus, String),
}

impl Running {
    /// Spawns `command` and waits until `port` answers.
    async fn launch(what: &str, mut command: Command, port: u16) -> Result<Self, NotStarted> {
        let program = command
            .as_std()
            .get_program()
            .to_string_lossy()
            .into_owned();
        let spawned = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(NotStarted::Missing(format!("cannot run {program}: {e}")));
            }
            Err(e) => panic!("cannot start {what} ({program}): {e}"),
        };
        let output = Arc::new(Mutex::new(String::new()));
        collect(child.stdout.take().expect("stdout"), output.clone());
        collect(child.stderr.take().expect("stderr"), output.clone());
        for _ in 0..START_POLLS {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(Self {
                    child,
                    port,
                    output,
                });
            }
            if let Ok(Some(status)) = child.try_wait() {
                // Let the collectors drain the pipes.
                tokio::time::sleep(POLL).await;
                let text = output.lock().expect("output lock").trim().to_owned();
                return Err(NotStarted::Exited(status, text));
            }
            tokio::time::sleep(POLL).await;
        }
        panic!(
            "{what} did not listen on port {port} within {} seconds; its output:\n{}",
            START_POLLS * 100 / 1000,
            output.lock().expect("output lock")
        );
    }

    fn output(&self) -> String {
        self.output.lock().expect("output lock").clone()
    }
}

// --- Azurite ------------------------------------------------------------------------------

/// Azurite's Blob service on a free loopback port, storing into a fresh temporary directory.
///
/// Leadvault reaches it as it reaches Azure, with `object_store`'s Azure settings
/// `azure_storage_account_name` = [`Azurite::ACCOUNT`], `azure_storage_account_key` =
/// [`Azurite::KEY`], `azure_storage_endpoint` = [`Azurite::blob_endpoint`] and
/// `azure_allow_http` = `true` (not `azure_storage_use_emulator`, which ignores the endpoint
/// and reads `AZURITE_BLOB_STORAGE_URL` from the environment instead).
#[derive(Debug)]
pub struct Azurite {
    running: Running,
    // After `running`: the process is killed before its directory goes.
    _location: tempfile::TempDir,
}

static AZURITE_WARNED: Once = Once::new();
const AZURITE_INSTALL: &str =
    "Run scripts/test (installs it) or `npm ci --prefix tools/azurite` (needs Node.js)";

/// The service version the requests made here declare (Azurite accepts it; it is started with
/// `--skipApiVersionCheck` anyway, so that a newer `object_store` is not refused).
const AZURE_API_VERSION: &str = "2021-08-06";

/// Where Azurite's Blob service is: `LV_AZURITE_BLOB`, or `tools/azurite/node_modules` of
/// the workspace.
fn azurite_script() -> PathBuf {
    std::env::var_os("LV_AZURITE_BLOB").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../tools/azurite/node_modules/.bin/azurite-blob")
        },
        PathBuf::from,
    )
}

impl Azurite {
    /// The emulator's well-known storage account.
    pub const ACCOUNT: &str = "devstoreaccount1";
    /// The well-known key of [`Azurite::ACCOUNT`] (published by Microsoft; a test value).
    pub const KEY: &str =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// Starts Azurite, or `None` (outside CI) where it is not installed.
    pub async fn start() -> Option<Self> {
        let script = azurite_script();
        if !script.is_file() {
            return missing(
                "Azurite",
                &format!("{} does not exist", script.display()),
                AZURITE_INSTALL,
                &AZURITE_WARNED,
            );
        }
        let location = tempfile::tempdir().expect("a directory for Azurite");
        let port = free_port();
        let mut command = Command::new("node");
        command
            .arg(&script)
            .args(["--blobHost", "127.0.0.1", "--blobPort"])
            .arg(port.to_string())
            .arg("--location")
            .arg(location.path())
            .args([
                "--silent",
                "--loose",
                "--skipApiVersionCheck",
                "--disableTelemetry",
            ])
            .current_dir(location.path());
        match Running::launch("Azurite", command, port).await {
            Ok(running) => Some(Self {
                running,
                _location: location,
            }),
            Err(NotStarted::Missing(reason)) => {
                missing("Azurite", &reason, AZURITE_INSTALL, &AZURITE_WARNED)
            }
            Err(NotStarted::Exited(status, output)) => {
                panic!("Azurite exited ({status}) before it listened on port {port}:\n{output}")
            }
        }
    }

    pub fn port(&self) -> u16 {
        self.running.port
    }

    /// The account's Blob endpoint, path-style as the emulator serves it:
    /// `http://127.0.0.1:PORT/devstoreaccount1`.
    pub fn blob_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/{}", self.running.port, Self::ACCOUNT)
    }

    /// Creates a container (`Create Container`, authorized with the account key).
    pub async fn create_container(&self, name: &str) {
        assert!(
            (3..=63).contains(&name.len())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{name:?} is not a valid container name"
        );
        let path = format!("/{}/{name}", Self::ACCOUNT);
        let date = http_date();
        // The Shared Key string to sign: the verb, eleven standard headers (all empty here;
        // Content-Length is empty when zero), the x-ms-* headers sorted, and the resource:
        // the account, then the URL's path (which, path-style, starts with the account
        // again), then each query parameter as `name:value` on its own line, sorted.
        // https://learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key
        let string_to_sign = format!(
            "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{AZURE_API_VERSION}\n/{}{path}\nrestype:container",
            Self::ACCOUNT
        );
        let key = BASE64.decode(Self::KEY).expect("the account key is base64");
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
        let signature = BASE64.encode(ring::hmac::sign(&key, string_to_sign.as_bytes()));
        let response = crate::http_client()
            .put(format!(
                "http://127.0.0.1:{}{path}?restype=container",
                self.running.port
            ))
            .header("x-ms-date", &date)
            .header("x-ms-version", AZURE_API_VERSION)
            .header(
                "Authorization",
                format!("SharedKey {}:{signature}", Self::ACCOUNT),
            )
            .header("Content-Length", "0")
            .send()
            .await
            .expect("Azurite answers");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(
            status,
            reqwest::StatusCode::CREATED,
            "Azurite did not create container {name}: {body}\nits output:\n{}",
            self.running.output()
        );
    }

    /// Stops the emulator (to see what backups do when their destination is unreachable).
    pub async fn stop(&mut self) {
        let _ = self.running.child.kill().await;
    }
}

/// The current time as HTTP dates are written (RFC 1123, GMT): `Tue, 08 Dec 2026 00:01:55 GMT`.
fn http_date() -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let now = leadvault_store::Timestamp::now();
    let c = now.civil();
    // 1970-01-01 was a Thursday.
    let days = now.as_unix_micros().div_euclid(86_400_000_000);
    let weekday = WEEKDAYS[usize::try_from(days.rem_euclid(7)).expect("0 to 6")];
    let month = MONTHS[usize::try_from(c.month - 1).expect("1 to 12")];
    format!(
        "{weekday}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        c.day, c.year, c.hour, c.minute, c.second
    )
}

// --- moto ---------------------------------------------------------------------------------

/// moto's server (an S3 stand-in, state in memory) on a free loopback port.
///
/// Leadvault reaches it as it reaches S3, with `object_store`'s S3 settings
/// `aws_access_key_id` / `aws_secret_access_key` = [`Moto::ACCESS_KEY_ID`] /
/// [`Moto::SECRET_ACCESS_KEY`], `aws_region` = [`Moto::REGION`], `aws_endpoint` =
/// [`Moto::endpoint`] and `aws_allow_http` = `true` (path-style requests, `object_store`'s
/// default).
#[derive(Debug)]
pub struct Moto {
    running: Running,
}

static MOTO_WARNED: Once = Once::new();
const MOTO_INSTALL: &str =
    "Run scripts/test (installs it) or `python3 -m pip install 'moto[server]'`";

impl Moto {
    /// Any credentials do; moto checks no signatures. These are the ones its documentation uses.
    pub const ACCESS_KEY_ID: &str = "testing";
    pub const SECRET_ACCESS_KEY: &str = "testing";
    pub const REGION: &str = "us-east-1";

    /// Starts moto's server, or `None` (outside CI) where it is not installed.
    pub async fn start() -> Option<Self> {
        let port = free_port();
        let mut command = Command::new("python3");
        command
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(port.to_string());
        match Running::launch("moto's server", command, port).await {
            Ok(running) => Some(Self { running }),
            Err(NotStarted::Missing(reason)) => {
                missing("moto's server", &reason, MOTO_INSTALL, &MOTO_WARNED)
            }
            // `No module named moto`, or `… named 'flask'` where moto lacks its server extra.
            Err(NotStarted::Exited(_, output)) if output.contains("No module named") => missing(
                "moto's server",
                output.lines().next_back().unwrap_or_default(),
                MOTO_INSTALL,
                &MOTO_WARNED,
            ),
            Err(NotStarted::Exited(status, output)) => {
                panic!(
                    "moto's server exited ({status}) before it listened on port {port}:\n{output}"
                )
            }
        }
    }

    pub fn port(&self) -> u16 {
        self.running.port
    }

    /// The S3 endpoint: `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.running.port)
    }

    /// Creates a bucket (in [`Moto::REGION`], which needs no location constraint; moto takes
    /// the request unsigned).
    pub async fn create_bucket(&self, name: &str) {
        let response = crate::http_client()
            .put(format!("{}/{name}", self.endpoint()))
            .header("Content-Length", "0")
            .send()
            .await
            .expect("moto's server answers");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "moto did not create bucket {name}: {status} {body}\nits output:\n{}",
            self.running.output()
        );
    }

    /// Stops the server (to see what backups do when their destination is unreachable).
    pub async fn stop(&mut self) {
        let _ = self.running.child.kill().await;
    }
}
