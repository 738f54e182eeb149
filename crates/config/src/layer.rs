//! One layer of configuration as written by a person: every key optional, unknown keys refused.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::audit::AuditLayer;
use crate::mail::MailLayer;
use crate::resolve::ConfigError;

pub const ENV_PREFIX: &str = "LEADVAULT_";

/// A partial configuration from one source. Later layers override earlier ones key by key.
#[derive(Debug, Default, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub database_max_connections: Option<u32>,
    pub behind_tls_proxy: Option<bool>,
    /// Reverse proxies whose `X-Forwarded-For` is believed; nobody else's is.
    pub trusted_proxies: Option<Vec<String>>,
    pub key_file: Option<PathBuf>,
    pub log_format: Option<String>,
    pub log_level: Option<String>,
    pub shutdown_grace_secs: Option<u64>,
    pub tls: Option<TlsLayer>,
    pub keys: Option<KeysLayer>,
    /// The origin people open Leadvault at; links in e-mail point there.
    pub public_url: Option<String>,
    pub mail: Option<MailLayer>,
    pub audit: Option<AuditLayer>,
    /// Plans an operator sells organizations (off unless plans are listed).
    pub billing: Option<crate::billing::BillingLayer>,
    /// The daily encrypted backup (off unless a destination is given).
    pub backup: Option<crate::backup::BackupLayer>,
    /// Let webhooks go to plain HTTP and private addresses (development and tests only).
    pub webhooks_allow_private_networks: Option<bool>,
    /// Stripe's API (default `https://api.stripe.com`; a stand-in for tests).
    pub stripe_api_url: Option<String>,
    /// The largest document a client may upload, in MB (default 50).
    pub upload_limit_mb: Option<u64>,
    /// Where uploaded documents are kept (default `documents` in the data directory).
    pub documents_dir: Option<PathBuf>,
    /// An IP-to-country database (MaxMind DB format) instead of the bundled one.
    pub analytics_country_database: Option<PathBuf>,
    /// How long analytics keeps raw events and visits, in months (default 13).
    pub analytics_retention_months: Option<u32>,
}

/// Where the root key lives: `provider = "local"` (the key file) or `"pkcs11"` (an HSM).
#[derive(Debug, Default, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KeysLayer {
    pub provider: Option<String>,
    pub pkcs11_module: Option<PathBuf>,
    pub pkcs11_token_label: Option<String>,
    pub pkcs11_key_label: Option<String>,
    /// The name of the environment variable that holds the PIN (never the PIN itself).
    pub pkcs11_pin_env: Option<String>,
    pub pkcs11_pin_file: Option<PathBuf>,
}

#[derive(Debug, Default, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TlsLayer {
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    /// A plain-HTTP address that only redirects to HTTPS (for example 0.0.0.0:80).
    pub redirect_listen: Option<String>,
}

impl Layer {
    pub fn from_toml(text: &str, origin: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::File {
            path: origin.to_owned(),
            reason: e.message().to_owned(),
        })
    }

    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        Self::from_toml(&text, path)
    }

    /// Reads `LEADVAULT_*` variables. A misspelt one is an error, not silently ignored: an
    /// operator who set `LEADVAULT_LISTN` must learn that it did nothing.
    pub fn from_env(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let mut layer = Self::default();
        for (name, value) in vars {
            let Some(key) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let path = || PathBuf::from(&value);
            match key {
                // Read by the command line itself, and the default home of the HSM PIN: not
                // configuration keys.
                "CONFIG" | "PKCS11_PIN" => {}
                "BILLING_STRIPE_KEY" => {
                    layer.billing.get_or_insert_default().stripe_key = Some(value.clone());
                }
                "BILLING_SIGNING_SECRET" => {
                    layer.billing.get_or_insert_default().signing_secret = Some(value.clone());
                }
                "BACKUP_DESTINATION" => {
                    layer.backup.get_or_insert_default().destination = Some(value.clone());
                }
                "BACKUP_RECIPIENTS" => {
                    layer.backup.get_or_insert_default().recipients = Some(parse_list(&value));
                }
                "BACKUP_NOTIFY" => {
                    layer.backup.get_or_insert_default().notify = Some(value.clone());
                }
                "BACKUP_DAILY_AT" => {
                    layer.backup.get_or_insert_default().daily_at = Some(value.clone());
                }
                "DATA_DIR" => layer.data_dir = Some(path()),
                "LISTEN" => layer.listen = Some(value.clone()),
                "DATABASE_URL" => layer.database_url = Some(value.clone()),
                "DATABASE_MAX_CONNECTIONS" => {
                    layer.database_max_connections = Some(parse_number(&name, &value)?);
                }
                "BEHIND_TLS_PROXY" => layer.behind_tls_proxy = Some(parse_bool(&name, &value)?),
                "WEBHOOKS_ALLOW_PRIVATE_NETWORKS" => {
                    layer.webhooks_allow_private_networks = Some(parse_bool(&name, &value)?);
                }
                "UPLOAD_LIMIT_MB" => layer.upload_limit_mb = Some(parse_number(&name, &value)?),
                "DOCUMENTS_DIR" => layer.documents_dir = Some(path()),
                "ANALYTICS_RETENTION_MONTHS" => {
                    layer.analytics_retention_months = Some(parse_number(&name, &value)?);
                }
                "ANALYTICS_COUNTRY_DATABASE" => {
                    layer.analytics_country_database = Some(path());
                }
                "KEY_FILE" => layer.key_file = Some(path()),
                "TRUSTED_PROXIES" => layer.trusted_proxies = Some(parse_list(&value)),
                "LOG_FORMAT" => layer.log_format = Some(value.clone()),
                "LOG_LEVEL" => layer.log_level = Some(value.clone()),
                "SHUTDOWN_GRACE_SECS" => {
                    layer.shutdown_grace_secs = Some(parse_number(&name, &value)?);
                }
                "TLS_CERT_FILE" => layer.tls.get_or_insert_default().cert_file = Some(path()),
                "TLS_KEY_FILE" => layer.tls.get_or_insert_default().key_file = Some(path()),
                "TLS_REDIRECT_LISTEN" => {
                    layer.tls.get_or_insert_default().redirect_listen = Some(value.clone());
                }
                "KEYS_PROVIDER" => {
                    layer.keys.get_or_insert_default().provider = Some(value.clone())
                }
                "KEYS_PKCS11_MODULE" => {
                    layer.keys.get_or_insert_default().pkcs11_module = Some(path())
                }
                "KEYS_PKCS11_TOKEN_LABEL" => {
                    layer.keys.get_or_insert_default().pkcs11_token_label = Some(value.clone());
                }
                "KEYS_PKCS11_KEY_LABEL" => {
                    layer.keys.get_or_insert_default().pkcs11_key_label = Some(value.clone());
                }
                "KEYS_PKCS11_PIN_ENV" => {
                    layer.keys.get_or_insert_default().pkcs11_pin_env = Some(value.clone())
                }
                "KEYS_PKCS11_PIN_FILE" => {
                    layer.keys.get_or_insert_default().pkcs11_pin_file = Some(path())
                }
                "PUBLIC_URL" => layer.public_url = Some(value.clone()),
                "STRIPE_API_URL" => layer.stripe_api_url = Some(value.clone()),
                "MAIL_SMTP_URL" => {
                    layer.mail.get_or_insert_default().smtp_url = Some(value.clone());
                }
                "MAIL_FROM" => layer.mail.get_or_insert_default().from = Some(value.clone()),
                "AUDIT_CHECKPOINT_TO" => {
                    layer.audit.get_or_insert_default().checkpoint_to = Some(parse_list(&value));
                }
                "AUDIT_CHECKPOINT_EVERY_MINS" => {
                    layer.audit.get_or_insert_default().checkpoint_every_mins =
                        Some(parse_number(&name, &value)?);
                }
                "AUDIT_EXPORT_TO" => {
                    layer.audit.get_or_insert_default().export_to = Some(value.clone());
                }
                _ => return Err(ConfigError::UnknownEnv(name)),
            }
        }
        Ok(layer)
    }

    /// This layer with every key that `over` sets replaced by `over`'s value.
    #[must_use]
    pub fn overridden_by(self, over: Self) -> Self {
        let tls = match (self.tls, over.tls) {
            (Some(base), Some(top)) => Some(TlsLayer {
                cert_file: top.cert_file.or(base.cert_file),
                key_file: top.key_file.or(base.key_file),
                redirect_listen: top.redirect_listen.or(base.redirect_listen),
            }),
            (base, top) => top.or(base),
        };
        Self {
            data_dir: over.data_dir.or(self.data_dir),
            listen: over.listen.or(self.listen),
            database_url: over.database_url.or(self.database_url),
            database_max_connections: over
                .database_max_connections
                .or(self.database_max_connections),
            behind_tls_proxy: over.behind_tls_proxy.or(self.behind_tls_proxy),
            webhooks_allow_private_networks: over
                .webhooks_allow_private_networks
                .or(self.webhooks_allow_private_networks),
            upload_limit_mb: over.upload_limit_mb.or(self.upload_limit_mb),
            documents_dir: over.documents_dir.or(self.documents_dir),
            analytics_country_database: over
                .analytics_country_database
                .or(self.analytics_country_database),
            analytics_retention_months: over
                .analytics_retention_months
                .or(self.analytics_retention_months),
            trusted_proxies: over.trusted_proxies.or(self.trusted_proxies),
            key_file: over.key_file.or(self.key_file),
            log_format: over.log_format.or(self.log_format),
            log_level: over.log_level.or(self.log_level),
            shutdown_grace_secs: over.shutdown_grace_secs.or(self.shutdown_grace_secs),
            tls,
            keys: match (self.keys, over.keys) {
                (Some(base), Some(top)) => Some(KeysLayer {
                    provider: top.provider.or(base.provider),
                    pkcs11_module: top.pkcs11_module.or(base.pkcs11_module),
                    pkcs11_token_label: top.pkcs11_token_label.or(base.pkcs11_token_label),
                    pkcs11_key_label: top.pkcs11_key_label.or(base.pkcs11_key_label),
                    pkcs11_pin_env: top.pkcs11_pin_env.or(base.pkcs11_pin_env),
                    pkcs11_pin_file: top.pkcs11_pin_file.or(base.pkcs11_pin_file),
                }),
                (base, top) => top.or(base),
            },
            public_url: over.public_url.or(self.public_url),
            stripe_api_url: over.stripe_api_url.or(self.stripe_api_url),
            mail: match (self.mail, over.mail) {
                (Some(base), Some(top)) => Some(base.overridden_by(top)),
                (base, top) => top.or(base),
            },
            backup: match (self.backup, over.backup) {
                (Some(base), Some(top)) => Some(base.overridden_by(top)),
                (base, top) => top.or(base),
            },
            billing: match (self.billing, over.billing) {
                (Some(base), Some(top)) => Some(base.overridden_by(top)),
                (base, top) => top.or(base),
            },
            audit: match (self.audit, over.audit) {
                (Some(base), Some(top)) => Some(base.overridden_by(top)),
                (base, top) => top.or(base),
            },
        }
    }
}

/// A comma-separated list, blanks dropped.
fn parse_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_bool(name: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(ConfigError::Invalid {
            key: name.to_owned(),
            reason: "expected true or false".to_owned(),
        }),
    }
}

fn parse_number<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError::Invalid {
        key: name.to_owned(),
        reason: "expected a whole number".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn unknown_file_keys_are_refused_by_name() {
        let err = Layer::from_toml(
            "listen = \"127.0.0.1:1\"\nlisten_port = 3\n",
            Path::new("lv.toml"),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            err.contains("lv.toml") && err.contains("listen_port"),
            "{err}"
        );
    }

    #[test]
    fn unknown_environment_variables_are_refused_by_name() {
        let err = Layer::from_env(env(&[("LEADVAULT_LISTN", "x")])).err();
        assert!(matches!(err, Some(ConfigError::UnknownEnv(ref n)) if n == "LEADVAULT_LISTN"));
        assert!(Layer::from_env(env(&[("PATH", "/bin"), ("LEADVAULT_CONFIG", "x")])).is_ok());
    }

    #[test]
    fn environment_values_are_typed() -> Result<(), ConfigError> {
        let layer = Layer::from_env(env(&[
            ("LEADVAULT_BEHIND_TLS_PROXY", "yes"),
            ("LEADVAULT_SHUTDOWN_GRACE_SECS", "7"),
            ("LEADVAULT_TLS_CERT_FILE", "/c.pem"),
        ]))?;
        assert_eq!(layer.behind_tls_proxy, Some(true));
        assert_eq!(layer.shutdown_grace_secs, Some(7));
        assert_eq!(
            layer.tls.and_then(|t| t.cert_file),
            Some(PathBuf::from("/c.pem"))
        );
        assert!(Layer::from_env(env(&[("LEADVAULT_BEHIND_TLS_PROXY", "perhaps")])).is_err());
        assert!(Layer::from_env(env(&[("LEADVAULT_SHUTDOWN_GRACE_SECS", "-1")])).is_err());
        Ok(())
    }

    #[test]
    fn later_layers_win_key_by_key() {
        let file = Layer {
            listen: Some("file".into()),
            log_level: Some("file".into()),
            tls: Some(TlsLayer {
                cert_file: Some("file.pem".into()),
                key_file: Some("file.key".into()),
                redirect_listen: None,
            }),
            ..Layer::default()
        };
        let env = Layer {
            listen: Some("env".into()),
            tls: Some(TlsLayer {
                cert_file: Some("env.pem".into()),
                key_file: None,
                redirect_listen: None,
            }),
            ..Layer::default()
        };
        let merged = file.overridden_by(env);
        assert_eq!(merged.listen.as_deref(), Some("env"));
        assert_eq!(merged.log_level.as_deref(), Some("file"));
        let tls = merged.tls.unwrap_or_default();
        assert_eq!(tls.cert_file, Some("env.pem".into()));
        assert_eq!(tls.key_file, Some("file.key".into()));
    }
}
