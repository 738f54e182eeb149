use std::fmt;
use std::path::{Path, PathBuf};

use crate::db::Engine;

/// A database location Leadvault knows how to open: `sqlite:PATH` or `postgres://…`.
///
/// Parsed once, at the edge. Its `Display` redacts any password, so it is safe to print in
/// `config check` output, logs and error messages.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw: String,
    engine: Engine,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DatabaseUrlError {
    #[error("database URL must start with sqlite: or postgres:// (got scheme `{0}`)")]
    UnsupportedScheme(String),
    #[error("database URL is not a URL; expected sqlite:PATH or postgres://USER@HOST:PORT/DB")]
    Malformed,
    #[error("PostgreSQL URL has no host; expected postgres://USER@HOST:PORT/DB")]
    MissingHost,
    #[error("SQLite URL has no file path; expected sqlite:PATH")]
    MissingPath,
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, DatabaseUrlError> {
        let raw = raw.trim();
        let (scheme, _) = raw.split_once(':').ok_or(DatabaseUrlError::Malformed)?;
        match scheme {
            "sqlite" => {
                let url = Self {
                    raw: raw.to_owned(),
                    engine: Engine::Sqlite,
                };
                if url.sqlite_path().is_none_or(|p| p.as_os_str().is_empty()) {
                    return Err(DatabaseUrlError::MissingPath);
                }
                Ok(url)
            }
            "postgres" | "postgresql" => {
                let parsed = ::url::Url::parse(raw).map_err(|_| DatabaseUrlError::Malformed)?;
                if parsed.host_str().is_none_or(str::is_empty) {
                    return Err(DatabaseUrlError::MissingHost);
                }
                Ok(Self {
                    raw: raw.to_owned(),
                    engine: Engine::Postgres,
                })
            }
            other => Err(DatabaseUrlError::UnsupportedScheme(
                other.chars().take(20).collect(),
            )),
        }
    }

    /// The embedded default: a SQLite file, created if missing.
    pub fn sqlite_file(path: &Path) -> Self {
        // The driver percent-decodes the path and stops it at `?` or `#`: encode those.
        let encoded: String = path
            .display()
            .to_string()
            .chars()
            .map(|c| match c {
                '%' => "%25".to_owned(),
                '?' => "%3F".to_owned(),
                '#' => "%23".to_owned(),
                c => c.to_string(),
            })
            .collect();
        Self {
            raw: format!("sqlite://{encoded}?mode=rwc"),
            engine: Engine::Sqlite,
        }
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The same PostgreSQL server, user and options, another database (`None` for SQLite):
    /// where a backup's verification restores into a scratch database.
    pub fn with_database(&self, database: &str) -> Option<Self> {
        if self.engine != Engine::Postgres {
            return None;
        }
        let mut url = ::url::Url::parse(&self.raw).ok()?;
        url.set_path(database);
        Some(Self {
            raw: url.to_string(),
            engine: Engine::Postgres,
        })
    }

    /// The SQLite file this URL names, if it is a SQLite URL.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        if self.engine != Engine::Sqlite {
            return None;
        }
        let rest = self
            .raw
            .strip_prefix("sqlite://")
            .or_else(|| self.raw.strip_prefix("sqlite:"))?;
        let path = rest.split_once('?').map_or(rest, |(path, _)| path);
        let decoded = path
            .replace("%3F", "?")
            .replace("%23", "#")
            .replace("%25", "%");
        Some(PathBuf::from(decoded))
    }

    /// The URL with credentials, for the driver only.
    pub(crate) fn expose(&self) -> &str {
        &self.raw
    }

    /// Host and port of a PostgreSQL URL, for error messages.
    pub(crate) fn server(&self) -> String {
        ::url::Url::parse(&self.raw)
            .ok()
            .map_or_else(String::new, |u| {
                let host = u.host_str().unwrap_or_default().to_owned();
                match u.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => format!("{host}:5432"),
                }
            })
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.engine {
            Engine::Sqlite => f.write_str(&self.raw),
            Engine::Postgres => match ::url::Url::parse(&self.raw) {
                Ok(mut url) => {
                    if url.password().is_some() {
                        // Only fails for URLs that cannot carry a password at all.
                        let _ = url.set_password(Some("REDACTED"));
                    }
                    // Drivers also take secrets as query parameters.
                    let query: Vec<(String, String)> = url
                        .query_pairs()
                        .map(|(k, v)| {
                            let secret =
                                matches!(k.as_ref(), "password" | "sslpassword" | "passfile");
                            (
                                k.into_owned(),
                                if secret {
                                    "REDACTED".to_owned()
                                } else {
                                    v.into_owned()
                                },
                            )
                        })
                        .collect();
                    if !query.is_empty() {
                        url.query_pairs_mut().clear().extend_pairs(query);
                    }
                    f.write_str(url.as_str())
                }
                Err(_) => f.write_str("postgres://REDACTED"),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_passwords_never_display() -> Result<(), DatabaseUrlError> {
        let url = DatabaseUrl::parse("postgres://app:s3cret-pw@db.internal:6432/leadvault")?;
        assert_eq!(url.engine(), Engine::Postgres);
        let shown = format!("{url} {url:?}");
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(shown.contains("REDACTED"));
        assert_eq!(url.server(), "db.internal:6432");

        let url = DatabaseUrl::parse(
            "postgres://app@db/lv?sslmode=require&password=qs-secret-1&sslpassword=qs-secret-2",
        )?;
        let shown = url.to_string();
        assert!(!shown.contains("qs-secret"), "{shown}");
        assert!(shown.contains("sslmode=require"), "{shown}");
        Ok(())
    }

    #[test]
    fn sqlite_urls_name_their_file() -> Result<(), DatabaseUrlError> {
        let url = DatabaseUrl::parse("sqlite:///var/lib/lv/db.sqlite?mode=rwc")?;
        assert_eq!(
            url.sqlite_path(),
            Some(PathBuf::from("/var/lib/lv/db.sqlite"))
        );
        let url = DatabaseUrl::parse("sqlite:data/lv.db")?;
        assert_eq!(url.sqlite_path(), Some(PathBuf::from("data/lv.db")));
        let made = DatabaseUrl::sqlite_file(Path::new("/tmp/x.db"));
        assert_eq!(made.sqlite_path(), Some(PathBuf::from("/tmp/x.db")));
        let odd = Path::new("/tmp/100% done?#1/lv.db");
        assert_eq!(
            DatabaseUrl::sqlite_file(odd).sqlite_path().as_deref(),
            Some(odd)
        );
        Ok(())
    }

    #[test]
    fn unsupported_and_malformed_urls_are_refused_with_the_reason() {
        assert_eq!(
            DatabaseUrl::parse("mysql://root@localhost/x"),
            Err(DatabaseUrlError::UnsupportedScheme("mysql".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("just words"),
            Err(DatabaseUrlError::Malformed)
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://"),
            Err(DatabaseUrlError::MissingHost)
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:"),
            Err(DatabaseUrlError::MissingPath)
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://?mode=rwc"),
            Err(DatabaseUrlError::MissingPath)
        );
    }
}
