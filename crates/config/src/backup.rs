//! `[backup]`: where the daily encrypted backup goes, to whom it is encrypted, when it runs
//! and how many are kept. Off unless a destination is given. Object storage credentials come
//! from the environment under the names the providers' own tools use (`AZURE_STORAGE_*`,
//! `AWS_*`), never from the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use leadvault_store::DatabaseUrl;
use serde::Deserialize;

use crate::resolve::{ConfigError, invalid};

/// `[backup]` as written.
#[derive(Debug, Default, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BackupLayer {
    /// `file:///var/backups/leadvault`, a plain path, `az://container/prefix` or
    /// `s3://bucket/prefix`.
    pub destination: Option<String>,
    /// age X25519 public keys (`age1…`); the private keys stay offline.
    pub recipients: Option<Vec<String>>,
    /// The time of day (UTC, `HH:MM`) the daily backup starts (default 02:30).
    pub daily_at: Option<String>,
    pub keep_daily: Option<u32>,
    pub keep_weekly: Option<u32>,
    pub keep_monthly: Option<u32>,
    /// Who hears of a failed or missing daily backup.
    pub notify: Option<String>,
    /// Where a backup is assembled and a verification restores (default `backup-scratch` in
    /// the data directory); needs room for a copy of the databases.
    pub scratch_dir: Option<PathBuf>,
    /// PostgreSQL only: a server (and a role that may create databases) where verification
    /// restores into a scratch database (default: the database URL's server).
    pub verify_database_url: Option<String>,
    /// Object storage settings that are not secrets (`azure_storage_account_name`,
    /// `azure_storage_endpoint`, `aws_region`, `aws_endpoint`, `aws_allow_http`, …).
    pub options: Option<BTreeMap<String, String>>,
}

impl BackupLayer {
    #[must_use]
    pub fn overridden_by(self, over: Self) -> Self {
        Self {
            destination: over.destination.or(self.destination),
            recipients: over.recipients.or(self.recipients),
            daily_at: over.daily_at.or(self.daily_at),
            keep_daily: over.keep_daily.or(self.keep_daily),
            keep_weekly: over.keep_weekly.or(self.keep_weekly),
            keep_monthly: over.keep_monthly.or(self.keep_monthly),
            notify: over.notify.or(self.notify),
            scratch_dir: over.scratch_dir.or(self.scratch_dir),
            verify_database_url: over.verify_database_url.or(self.verify_database_url),
            options: match (self.options, over.options) {
                (Some(mut base), Some(top)) => {
                    base.extend(top);
                    Some(base)
                }
                (base, top) => top.or(base),
            },
        }
    }
}

/// How many backups retention keeps: the newest of each of the last `daily` days, `weekly`
/// ISO weeks and `monthly` months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep {
    pub daily: u32,
    pub weekly: u32,
    pub monthly: u32,
}

impl Default for Keep {
    fn default() -> Self {
        Self {
            daily: 7,
            weekly: 4,
            monthly: 6,
        }
    }
}

/// `[backup]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSettings {
    pub destination: String,
    pub recipients: Vec<String>,
    /// Minutes after midnight, UTC.
    pub daily_at_minute: u32,
    pub keep: Keep,
    pub notify: Option<String>,
    pub scratch_dir: PathBuf,
    pub verify_database_url: Option<DatabaseUrl>,
    pub options: BTreeMap<String, String>,
}

const DEFAULT_DAILY_AT: u32 = 2 * 60 + 30;

/// `HH:MM` as minutes after midnight.
pub fn parse_time_of_day(text: &str) -> Option<u32> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let hours: u32 = hours.parse().ok()?;
    let minutes: u32 = minutes.parse().ok()?;
    (hours < 24 && minutes < 60 && text.trim().len() == 5).then_some(hours * 60 + minutes)
}

pub(crate) fn resolve(
    layer: Option<BackupLayer>,
    data_dir: &Path,
) -> Result<Option<BackupSettings>, ConfigError> {
    let Some(layer) = layer else { return Ok(None) };
    let Some(destination) = layer.destination.filter(|d| !d.trim().is_empty()) else {
        if layer.recipients.is_some() {
            return Err(invalid(
                "backup.destination",
                "recipients are listed but no destination is given",
            ));
        }
        return Ok(None);
    };
    let recipients = layer.recipients.unwrap_or_default();
    if recipients.is_empty() {
        return Err(invalid(
            "backup.recipients",
            "list at least one age public key (age1…); backups are never written unencrypted",
        ));
    }
    if let Some(bad) = recipients.iter().find(|r| !r.trim().starts_with("age1")) {
        return Err(invalid(
            "backup.recipients",
            format!("`{bad}` is not an age X25519 public key (age1…)"),
        ));
    }
    let daily_at_minute = match layer.daily_at.as_deref() {
        None => DEFAULT_DAILY_AT,
        Some(text) => parse_time_of_day(text)
            .ok_or_else(|| invalid("backup.daily_at", "a time of day like 02:30 (UTC)"))?,
    };
    let defaults = Keep::default();
    let keep = Keep {
        daily: layer.keep_daily.unwrap_or(defaults.daily),
        weekly: layer.keep_weekly.unwrap_or(defaults.weekly),
        monthly: layer.keep_monthly.unwrap_or(defaults.monthly),
    };
    if keep.daily == 0 {
        return Err(invalid(
            "backup.keep_daily",
            "at least 1: the newest backup is always kept",
        ));
    }
    let notify = match layer.notify {
        Some(address) if !address.contains('@') => {
            return Err(invalid("backup.notify", "an e-mail address"));
        }
        other => other,
    };
    Ok(Some(BackupSettings {
        destination: destination.trim().to_owned(),
        recipients: recipients.iter().map(|r| r.trim().to_owned()).collect(),
        daily_at_minute,
        keep,
        notify,
        scratch_dir: layer
            .scratch_dir
            .unwrap_or_else(|| data_dir.join("backup-scratch")),
        verify_database_url: layer
            .verify_database_url
            .as_deref()
            .map(|url| {
                DatabaseUrl::parse(url).map_err(|e| invalid("backup.verify_database_url", e))
            })
            .transpose()?,
        options: layer.options.unwrap_or_default(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_of_day_is_hours_and_minutes() {
        assert_eq!(parse_time_of_day("02:30"), Some(150));
        assert_eq!(parse_time_of_day("23:59"), Some(23 * 60 + 59));
        assert_eq!(parse_time_of_day("24:00"), None);
        assert_eq!(parse_time_of_day("2:30"), None);
        assert_eq!(parse_time_of_day("02:60"), None);
        assert_eq!(parse_time_of_day("noon"), None);
    }

    #[test]
    fn a_destination_without_recipients_is_refused() {
        let layer = BackupLayer {
            destination: Some("/var/backups".into()),
            ..BackupLayer::default()
        };
        assert!(resolve(Some(layer), Path::new("/data")).is_err());
    }

    #[test]
    fn no_destination_means_no_backups() {
        assert!(matches!(resolve(None, Path::new("/data")), Ok(None)));
    }
}
