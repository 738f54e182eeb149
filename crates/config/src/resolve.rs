//! Turning layers into one validated configuration.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use leadvault_store::{DatabaseUrl, DbOptions};

use crate::audit::AuditSettings;
use crate::ip_range::IpRange;
use crate::layer::Layer;
use crate::mail::{MailSettings, PublicUrl};

const DEFAULT_DATA_DIR: &str = "./data";
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_SHUTDOWN_GRACE: u64 = 10;
const MAX_SHUTDOWN_GRACE: u64 = 300;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error(
        "unknown environment variable {0}; see `leadvault config check --help` for the known ones"
    )]
    UnknownEnv(String),
    #[error("{key}: {reason}")]
    Invalid { key: String, reason: String },
}

pub(crate) fn invalid(key: &str, reason: impl fmt::Display) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        reason: reason.to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub redirect_listen: Option<SocketAddr>,
}

/// Where the PIN of a PKCS#11 token comes from. The PIN itself is never configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinSource {
    Env(String),
    File(PathBuf),
}

/// Where the root key lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The evaluation key file (`key_file`).
    Local,
    /// A PKCS#11 token: an HSM in production, SoftHSM2 in tests.
    Pkcs11 {
        module: PathBuf,
        token_label: String,
        key_label: String,
        pin: PinSource,
    },
}

pub const DEFAULT_PIN_ENV: &str = "LEADVAULT_PKCS11_PIN";
const DEFAULT_KEY_LABEL: &str = "leadvault-root";

/// How the server may be reached, decided from the listen address and TLS settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Plain HTTP, only ever on a loopback address (evaluation, or a proxy on the same host).
    PlainLoopback,
    /// Plain HTTP to a reverse proxy that terminates TLS; cookies are marked Secure and HSTS
    /// is sent, because every browser sees HTTPS.
    BehindTlsProxy,
    /// TLS terminated by Leadvault itself.
    Tls(TlsFiles),
}

impl Transport {
    /// Whether browsers reach this server over HTTPS.
    pub fn is_https(&self) -> bool {
        !matches!(self, Self::PlainLoopback)
    }
}

/// Plain HTTP was asked for on an address other machines can reach.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "refusing to serve plain HTTP on {listen}, which is not a loopback address: personal data must never cross a network unencrypted. Either configure TLS (--tls-cert and --tls-key, or [tls] cert_file and key_file in leadvault.toml, or LEADVAULT_TLS_CERT_FILE and LEADVAULT_TLS_KEY_FILE), or, if a reverse proxy in front of Leadvault terminates TLS, pass --behind-tls-proxy"
)]
pub struct UnsafeExposure {
    pub listen: SocketAddr,
}

/// The effective, validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub database_url: DatabaseUrl,
    pub database_max_connections: u32,
    pub behind_tls_proxy: bool,
    pub trusted_proxies: Vec<IpRange>,
    pub tls: Option<TlsFiles>,
    pub key_file: PathBuf,
    pub keys: KeySource,
    pub log_format: LogFormat,
    pub log_level: String,
    pub shutdown_grace: Duration,
    pub public_url: Option<PublicUrl>,
    /// Where e-mail goes; without it, invitation links are shown to the inviter instead
    /// and password reset by e-mail is unavailable.
    pub mail: Option<MailSettings>,
    /// Where audit checkpoints and exports go.
    pub audit: AuditSettings,
    /// The plans the operator sells organizations, when billing is on.
    pub billing: Option<crate::billing::BillingSettings>,
    /// The daily encrypted backup, when a destination is configured.
    pub backup: Option<crate::backup::BackupSettings>,
    /// Webhooks may go to plain HTTP and private addresses (development and tests only;
    /// otherwise an endpoint must be HTTPS on the public internet).
    pub webhooks_allow_private_networks: bool,
    /// Where Stripe's API is, when the operator points it away from Stripe's own.
    pub stripe_api_url: Option<url::Url>,
    /// The largest document a client may upload, in bytes.
    pub upload_limit: u64,
    /// Where uploaded documents are kept (encrypted). Servers sharing one PostgreSQL
    /// database must share this directory too (a shared volume).
    pub documents_dir: PathBuf,
    /// The IP-to-country database analytics reads, when not the bundled one.
    pub analytics_country_database: Option<PathBuf>,
    /// How long analytics keeps raw events and visits (months of 31 days); rollups stay.
    pub analytics_retention_months: u32,
}

/// 50 MB, unless the operator says otherwise.
pub const DEFAULT_UPLOAD_LIMIT_MB: u64 = 50;

impl Config {
    /// Merges the layers in order (later wins) over the built-in defaults and validates.
    pub fn resolve(layers: impl IntoIterator<Item = Layer>) -> Result<Self, ConfigError> {
        let merged = layers
            .into_iter()
            .fold(Layer::default(), Layer::overridden_by);

        let data_dir = merged
            .data_dir
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        if data_dir.as_os_str().is_empty() {
            return Err(invalid("data_dir", "must not be empty"));
        }
        let documents_dir = merged
            .documents_dir
            .clone()
            .unwrap_or_else(|| data_dir.join("documents"));
        let analytics_retention_months = merged.analytics_retention_months.unwrap_or(13);
        if !(1..=120).contains(&analytics_retention_months) {
            return Err(invalid(
                "analytics_retention_months",
                "must be from 1 to 120",
            ));
        }
        let upload_limit_mb = merged.upload_limit_mb.unwrap_or(DEFAULT_UPLOAD_LIMIT_MB);
        if !(1..=2000).contains(&upload_limit_mb) {
            return Err(invalid("upload_limit_mb", "must be from 1 to 2000"));
        }
        let listen_text = merged.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        let listen: SocketAddr = listen_text.trim().parse().map_err(|_| {
            invalid(
                "listen",
                format!("`{listen_text}` is not an address like 127.0.0.1:8080 or [::1]:8080"),
            )
        })?;
        let database_url = match merged.database_url.as_deref() {
            Some(url) => DatabaseUrl::parse(url).map_err(|e| invalid("database_url", e))?,
            None => DatabaseUrl::sqlite_file(&data_dir.join("leadvault.db")),
        };
        let database_max_connections = merged
            .database_max_connections
            .unwrap_or(DbOptions::default().max_connections);
        if !(1..=1000).contains(&database_max_connections) {
            return Err(invalid(
                "database_max_connections",
                "must be from 1 to 1000",
            ));
        }
        let tls = match merged.tls {
            None => None,
            Some(tls) => {
                let redirect_listen = match tls.redirect_listen.as_deref() {
                    None => None,
                    Some(text) => Some(text.trim().parse::<SocketAddr>().map_err(|_| {
                        invalid(
                            "tls.redirect_listen",
                            format!("`{text}` is not an address like 0.0.0.0:80"),
                        )
                    })?),
                };
                match (tls.cert_file, tls.key_file) {
                    (Some(cert_file), Some(key_file)) => Some(TlsFiles {
                        cert_file,
                        key_file,
                        redirect_listen,
                    }),
                    (None, None) if redirect_listen.is_none() => None,
                    _ => {
                        return Err(invalid(
                            "tls",
                            "set both cert_file and key_file (redirect_listen needs them too)",
                        ));
                    }
                }
            }
        };
        let log_format = match merged.log_format.as_deref().unwrap_or("human") {
            "human" => LogFormat::Human,
            "json" => LogFormat::Json,
            other => {
                return Err(invalid(
                    "log_format",
                    format!("`{other}` is not human or json"),
                ));
            }
        };
        let shutdown_grace_secs = merged.shutdown_grace_secs.unwrap_or(DEFAULT_SHUTDOWN_GRACE);
        if shutdown_grace_secs > MAX_SHUTDOWN_GRACE {
            return Err(invalid(
                "shutdown_grace_secs",
                format!("at most {MAX_SHUTDOWN_GRACE} seconds"),
            ));
        }
        let keys = resolve_keys(merged.keys.unwrap_or_default())?;
        let trusted_proxies = merged
            .trusted_proxies
            .unwrap_or_default()
            .iter()
            .map(|r| {
                r.parse::<IpRange>()
                    .map_err(|e| invalid("trusted_proxies", e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (public_url, mail) = crate::mail::resolve(merged.public_url.as_deref(), merged.mail)?;
        let audit = crate::audit::resolve(merged.audit.unwrap_or_default(), &data_dir)?;
        let billing = crate::billing::resolve(merged.billing.unwrap_or_default())?;
        let backup = crate::backup::resolve(merged.backup, &data_dir)?;
        let stripe_api_url = merged
            .stripe_api_url
            .as_deref()
            .map(|text| {
                text.parse::<url::Url>()
                    .ok()
                    .filter(|url| matches!(url.scheme(), "https" | "http") && url.has_host())
                    .ok_or_else(|| invalid("stripe_api_url", "an http(s):// URL"))
            })
            .transpose()?;
        Ok(Self {
            billing,
            backup,
            stripe_api_url,
            audit,
            public_url,
            mail,
            keys,
            key_file: merged.key_file.unwrap_or_else(|| data_dir.join("root.key")),
            data_dir,
            listen,
            database_url,
            database_max_connections,
            behind_tls_proxy: merged.behind_tls_proxy.unwrap_or(false),
            webhooks_allow_private_networks: merged
                .webhooks_allow_private_networks
                .unwrap_or(false),
            upload_limit: upload_limit_mb * 1_000_000,
            documents_dir,
            analytics_country_database: merged.analytics_country_database,
            analytics_retention_months,
            trusted_proxies,
            tls,
            log_format,
            log_level: merged.log_level.unwrap_or_else(|| "info".to_owned()),
            shutdown_grace: Duration::from_secs(shutdown_grace_secs),
        })
    }

    /// Decides how the server is reached, refusing plain HTTP beyond loopback.
    pub fn transport(&self) -> Result<Transport, UnsafeExposure> {
        if let Some(tls) = &self.tls {
            return Ok(Transport::Tls(tls.clone()));
        }
        if self.behind_tls_proxy {
            return Ok(Transport::BehindTlsProxy);
        }
        if self.listen.ip().is_loopback() {
            Ok(Transport::PlainLoopback)
        } else {
            Err(UnsafeExposure {
                listen: self.listen,
            })
        }
    }

    pub fn db_options(&self) -> DbOptions {
        DbOptions {
            max_connections: self.database_max_connections,
            ..DbOptions::default()
        }
    }

    pub fn uses_default_database(&self) -> bool {
        self.database_url.sqlite_path().as_deref() == Some(&self.data_dir.join("leadvault.db"))
    }

    /// Whether the key file is the default one in the data directory, which may be created
    /// on first start; a path set explicitly must already exist.
    pub fn key_file_is_default(&self) -> bool {
        self.key_file == self.data_dir.join("root.key")
    }

    pub fn key_file(&self) -> &Path {
        &self.key_file
    }
}

fn resolve_keys(layer: crate::layer::KeysLayer) -> Result<KeySource, ConfigError> {
    match layer.provider.as_deref().unwrap_or("local") {
        "local" => Ok(KeySource::Local),
        "pkcs11" => {
            let module = layer.pkcs11_module.ok_or_else(|| {
                invalid(
                    "keys.pkcs11_module",
                    "required with provider = \"pkcs11\": the path of the token's PKCS#11 library",
                )
            })?;
            let token_label = layer
                .pkcs11_token_label
                .filter(|l| !l.trim().is_empty())
                .ok_or_else(|| {
                    invalid(
                        "keys.pkcs11_token_label",
                        "required with provider = \"pkcs11\"",
                    )
                })?;
            let pin = match (layer.pkcs11_pin_env, layer.pkcs11_pin_file) {
                (Some(_), Some(_)) => {
                    return Err(invalid(
                        "keys",
                        "set pkcs11_pin_env or pkcs11_pin_file, not both",
                    ));
                }
                (Some(name), None) => PinSource::Env(name),
                (None, Some(path)) => PinSource::File(path),
                (None, None) => PinSource::Env(DEFAULT_PIN_ENV.to_owned()),
            };
            Ok(KeySource::Pkcs11 {
                module,
                token_label,
                key_label: layer
                    .pkcs11_key_label
                    .unwrap_or_else(|| DEFAULT_KEY_LABEL.to_owned()),
                pin,
            })
        }
        other => Err(invalid(
            "keys.provider",
            format!("`{other}` is not local or pkcs11"),
        )),
    }
}

/// The effective configuration as TOML, every secret redacted, for `leadvault config check`.
impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted = |s: &str| toml_string(s);
        writeln!(
            f,
            "data_dir = {}",
            quoted(&self.data_dir.display().to_string())
        )?;
        writeln!(f, "listen = {}", quoted(&self.listen.to_string()))?;
        writeln!(
            f,
            "database_url = {}",
            quoted(&self.database_url.to_string())
        )?;
        writeln!(
            f,
            "database_max_connections = {}",
            self.database_max_connections
        )?;
        writeln!(f, "behind_tls_proxy = {}", self.behind_tls_proxy)?;
        if self.webhooks_allow_private_networks {
            writeln!(f, "webhooks_allow_private_networks = true")?;
        }
        if let Some(url) = &self.stripe_api_url {
            writeln!(f, "stripe_api_url = {}", quoted(url.as_str()))?;
        }
        writeln!(f, "upload_limit_mb = {}", self.upload_limit / 1_000_000)?;
        writeln!(
            f,
            "documents_dir = {}",
            quoted(&self.documents_dir.display().to_string())
        )?;
        writeln!(
            f,
            "analytics_retention_months = {}",
            self.analytics_retention_months
        )?;
        if let Some(path) = &self.analytics_country_database {
            writeln!(
                f,
                "analytics_country_database = {}",
                quoted(&path.display().to_string())
            )?;
        }
        let proxies: Vec<String> = self
            .trusted_proxies
            .iter()
            .map(|r| quoted(&r.to_string()))
            .collect();
        writeln!(f, "trusted_proxies = [{}]", proxies.join(", "))?;
        writeln!(
            f,
            "key_file = {}",
            quoted(&self.key_file.display().to_string())
        )?;
        let format = match self.log_format {
            LogFormat::Human => "human",
            LogFormat::Json => "json",
        };
        writeln!(f, "log_format = {}", quoted(format))?;
        writeln!(f, "log_level = {}", quoted(&self.log_level))?;
        writeln!(f, "shutdown_grace_secs = {}", self.shutdown_grace.as_secs())?;
        if let Some(url) = &self.public_url {
            writeln!(f, "public_url = {}", quoted(url.as_str()))?;
        }
        match &self.keys {
            KeySource::Local => writeln!(f, "\n[keys]\nprovider = \"local\"")?,
            KeySource::Pkcs11 {
                module,
                token_label,
                key_label,
                pin,
            } => {
                writeln!(f, "\n[keys]\nprovider = \"pkcs11\"")?;
                writeln!(
                    f,
                    "pkcs11_module = {}",
                    quoted(&module.display().to_string())
                )?;
                writeln!(f, "pkcs11_token_label = {}", quoted(token_label))?;
                writeln!(f, "pkcs11_key_label = {}", quoted(key_label))?;
                match pin {
                    PinSource::Env(name) => writeln!(f, "pkcs11_pin_env = {}", quoted(name))?,
                    PinSource::File(path) => {
                        writeln!(
                            f,
                            "pkcs11_pin_file = {}",
                            quoted(&path.display().to_string())
                        )?;
                    }
                }
            }
        }
        if let Some(billing) = &self.billing {
            writeln!(
                f,
                "\n[billing]  # the Stripe key and signing secret: from the environment, redacted"
            )?;
            writeln!(f, "trial_days = {}", billing.trial_days)?;
            writeln!(f, "grace_days = {}", billing.grace_days)?;
            for plan in &billing.plans {
                writeln!(
                    f,
                    "[[billing.plans]]\nid = {}\nname = {}\nstripe_price = {}",
                    quoted(&plan.id),
                    quoted(&plan.name),
                    quoted(&plan.stripe_price)
                )?;
            }
        }
        if let Some(backup) = &self.backup {
            writeln!(
                f,
                "\n[backup]  # object storage credentials: from the environment, not shown"
            )?;
            writeln!(f, "destination = {}", quoted(&backup.destination))?;
            let recipients: Vec<String> = backup.recipients.iter().map(|r| quoted(r)).collect();
            writeln!(f, "recipients = [{}]", recipients.join(", "))?;
            writeln!(
                f,
                "daily_at = \"{:02}:{:02}\"",
                backup.daily_at_minute / 60,
                backup.daily_at_minute % 60
            )?;
            writeln!(
                f,
                "keep_daily = {}\nkeep_weekly = {}\nkeep_monthly = {}",
                backup.keep.daily, backup.keep.weekly, backup.keep.monthly
            )?;
            if let Some(notify) = &backup.notify {
                writeln!(f, "notify = {}", quoted(notify))?;
            }
            writeln!(
                f,
                "scratch_dir = {}",
                quoted(&backup.scratch_dir.display().to_string())
            )?;
            for (key, value) in &backup.options {
                // Credentials belong in the environment; one written here anyway is not shown.
                let secret = ["key", "secret", "token", "sas", "password"]
                    .iter()
                    .any(|word| key.to_ascii_lowercase().contains(word))
                    && !key.ends_with("key_id");
                let shown = if secret { "<redacted>" } else { value.as_str() };
                writeln!(f, "options.{key} = {}", quoted(shown))?;
            }
        }
        writeln!(f, "\n[audit]")?;
        let targets: Vec<String> = self
            .audit
            .checkpoint_to
            .iter()
            .map(|t| quoted(&t.to_string()))
            .collect();
        writeln!(f, "checkpoint_to = [{}]", targets.join(", "))?;
        writeln!(
            f,
            "checkpoint_every_mins = {}",
            self.audit.checkpoint_every.as_secs() / 60
        )?;
        if let Some(export) = &self.audit.export_to {
            writeln!(f, "export_to = {}", quoted(&export.to_string()))?;
        }
        if let Some(mail) = &self.mail {
            writeln!(f, "\n[mail]")?;
            writeln!(f, "smtp_url = {}", quoted(&mail.smtp_url.to_string()))?;
            writeln!(f, "from = {}", quoted(&mail.from))?;
        }
        if let Some(tls) = &self.tls {
            writeln!(f, "\n[tls]")?;
            writeln!(
                f,
                "cert_file = {}",
                quoted(&tls.cert_file.display().to_string())
            )?;
            writeln!(
                f,
                "key_file = {}",
                quoted(&tls.key_file.display().to_string())
            )?;
            if let Some(redirect) = tls.redirect_listen {
                writeln!(f, "redirect_listen = {}", quoted(&redirect.to_string()))?;
            }
        }
        Ok(())
    }
}

fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::TlsLayer;

    fn layer_listening_on(addr: &str) -> Layer {
        Layer {
            listen: Some(addr.to_owned()),
            ..Layer::default()
        }
    }

    #[test]
    fn defaults_run_a_complete_local_system() -> Result<(), ConfigError> {
        let config = Config::resolve([])?;
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.data_dir, PathBuf::from("./data"));
        assert_eq!(config.key_file, PathBuf::from("./data/root.key"));
        assert_eq!(
            config.database_url.sqlite_path(),
            Some(PathBuf::from("./data/leadvault.db"))
        );
        assert!(config.uses_default_database());
        assert_eq!(config.transport(), Ok(Transport::PlainLoopback));
        Ok(())
    }

    #[test]
    fn defaults_then_file_then_env_then_flags() -> Result<(), ConfigError> {
        let file = Layer {
            listen: Some("127.0.0.1:1001".into()),
            log_level: Some("debug".into()),
            data_dir: Some("/srv/file".into()),
            ..Layer::default()
        };
        let env = Layer {
            listen: Some("127.0.0.1:1002".into()),
            data_dir: Some("/srv/env".into()),
            ..Layer::default()
        };
        let flags = layer_listening_on("127.0.0.1:1003");
        let config = Config::resolve([file, env, flags])?;
        assert_eq!(config.listen.port(), 1003);
        assert_eq!(config.data_dir, PathBuf::from("/srv/env"));
        assert_eq!(config.log_level, "debug");
        assert_eq!(config.key_file, PathBuf::from("/srv/env/root.key"));
        Ok(())
    }

    #[test]
    fn plain_http_beyond_loopback_is_refused_naming_both_ways_forward() -> Result<(), ConfigError> {
        for addr in ["0.0.0.0:8080", "192.0.2.10:443", "[::]:8080"] {
            let err = Config::resolve([layer_listening_on(addr)])?
                .transport()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                err.contains("TLS") && err.contains("--behind-tls-proxy"),
                "{err}"
            );
        }
        assert_eq!(
            Config::resolve([layer_listening_on("[::1]:8080")])?.transport(),
            Ok(Transport::PlainLoopback)
        );
        let proxied = Layer {
            behind_tls_proxy: Some(true),
            ..layer_listening_on("0.0.0.0:8080")
        };
        assert_eq!(
            Config::resolve([proxied])?.transport(),
            Ok(Transport::BehindTlsProxy)
        );
        Ok(())
    }

    #[test]
    fn documents_live_in_the_data_directory_with_a_50_mb_limit_unless_set()
    -> Result<(), ConfigError> {
        let config = Config::resolve([])?;
        assert_eq!(config.documents_dir, PathBuf::from("./data/documents"));
        assert_eq!(config.upload_limit, 50_000_000);
        let env = Layer::from_env([("LEADVAULT_UPLOAD_LIMIT_MB".to_owned(), "5".to_owned())])?;
        assert_eq!(Config::resolve([env])?.upload_limit, 5_000_000);
        Ok(())
    }

    #[test]
    fn invalid_values_name_their_key() {
        let cases = [
            (layer_listening_on("localhost"), "listen"),
            (
                Layer {
                    database_url: Some("mysql://x".into()),
                    ..Layer::default()
                },
                "database_url",
            ),
            (
                Layer {
                    log_format: Some("xml".into()),
                    ..Layer::default()
                },
                "log_format",
            ),
            (
                Layer {
                    shutdown_grace_secs: Some(301),
                    ..Layer::default()
                },
                "shutdown_grace_secs",
            ),
            (
                Layer {
                    database_max_connections: Some(0),
                    ..Layer::default()
                },
                "database_max_connections",
            ),
            (
                Layer {
                    upload_limit_mb: Some(0),
                    ..Layer::default()
                },
                "upload_limit_mb",
            ),
            (
                Layer {
                    tls: Some(TlsLayer {
                        cert_file: Some("c".into()),
                        key_file: None,
                        redirect_listen: None,
                    }),
                    ..Layer::default()
                },
                "tls",
            ),
        ];
        for (layer, key) in cases {
            match Config::resolve([layer]) {
                Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key),
                other => panic!("{key}: expected an error, got {other:?}"),
            }
        }
    }

    #[test]
    fn the_hsm_provider_needs_its_module_and_token_and_never_takes_a_pin() -> Result<(), ConfigError>
    {
        use crate::layer::KeysLayer;
        let hsm = |keys: KeysLayer| Layer {
            keys: Some(keys),
            ..Layer::default()
        };
        let base = KeysLayer {
            provider: Some("pkcs11".into()),
            pkcs11_module: Some("/usr/lib/softhsm/libsofthsm2.so".into()),
            pkcs11_token_label: Some("prod".into()),
            ..KeysLayer::default()
        };
        let config = Config::resolve([hsm(base.clone())])?;
        assert_eq!(
            config.keys,
            KeySource::Pkcs11 {
                module: "/usr/lib/softhsm/libsofthsm2.so".into(),
                token_label: "prod".into(),
                key_label: "leadvault-root".into(),
                pin: PinSource::Env("LEADVAULT_PKCS11_PIN".into()),
            }
        );
        assert!(
            config
                .to_string()
                .contains("pkcs11_pin_env = \"LEADVAULT_PKCS11_PIN\"")
        );
        for (broken, key) in [
            (
                KeysLayer {
                    pkcs11_module: None,
                    ..base.clone()
                },
                "keys.pkcs11_module",
            ),
            (
                KeysLayer {
                    pkcs11_token_label: None,
                    ..base.clone()
                },
                "keys.pkcs11_token_label",
            ),
            (
                KeysLayer {
                    pkcs11_pin_env: Some("A".into()),
                    pkcs11_pin_file: Some("/b".into()),
                    ..base.clone()
                },
                "keys",
            ),
            (
                KeysLayer {
                    provider: Some("vault".into()),
                    ..base.clone()
                },
                "keys.provider",
            ),
        ] {
            match Config::resolve([hsm(broken)]) {
                Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key),
                other => panic!("{key}: {other:?}"),
            }
        }
        assert_eq!(Config::resolve([])?.keys, KeySource::Local);
        Ok(())
    }

    #[test]
    fn display_redacts_the_database_password() -> Result<(), ConfigError> {
        let config = Config::resolve([Layer {
            database_url: Some("postgres://lv:pa55word-xyz@db:5432/lv".into()),
            ..Layer::default()
        }])?;
        let shown = config.to_string();
        assert!(!shown.contains("pa55word-xyz"), "{shown}");
        assert!(
            shown.contains("database_url = \"postgres://lv:REDACTED@db:5432/lv\""),
            "{shown}"
        );
        if let Err(e) = toml::from_str::<toml::Table>(&shown) {
            panic!("output is not valid TOML: {e}\n{shown}");
        }
        Ok(())
    }
}
