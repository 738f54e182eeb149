//! `[audit]`: where signed checkpoints of the audit log are copied, how often, and where
//! records are exported for a SIEM.

use std::path::Path;
use std::time::Duration;

use leadvault_audit::Sink;
use serde::Deserialize;

use crate::resolve::{ConfigError, invalid};

/// `[audit]` as written.
#[derive(Debug, Default, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AuditLayer {
    /// Files, `udp://host:port` or `unix:/dev/log`: where each new checkpoint is copied.
    pub checkpoint_to: Option<Vec<String>>,
    pub checkpoint_every_mins: Option<u64>,
    /// A file, `udp://host:port` or `unix:/dev/log` that receives every record once.
    pub export_to: Option<String>,
}

impl AuditLayer {
    #[must_use]
    pub fn overridden_by(self, over: Self) -> Self {
        Self {
            checkpoint_to: over.checkpoint_to.or(self.checkpoint_to),
            checkpoint_every_mins: over.checkpoint_every_mins.or(self.checkpoint_every_mins),
            export_to: over.export_to.or(self.export_to),
        }
    }
}

/// The audit jobs of `serve`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSettings {
    /// Never empty: by default, a file beside the database. Point it at another machine
    /// (syslog) so that whoever holds the database cannot also rewrite the checkpoints.
    pub checkpoint_to: Vec<Sink>,
    pub checkpoint_every: Duration,
    pub export_to: Option<Sink>,
}

pub const DEFAULT_CHECKPOINT_MINS: u64 = 60;
pub const CHECKPOINT_FILE: &str = "audit-checkpoints.jsonl";

pub(crate) fn resolve(layer: AuditLayer, data_dir: &Path) -> Result<AuditSettings, ConfigError> {
    let checkpoint_to = match layer.checkpoint_to {
        Some(targets) if !targets.is_empty() => targets
            .iter()
            .map(|t| Sink::parse(t).map_err(|e| invalid("audit.checkpoint_to", e)))
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(invalid(
                "audit.checkpoint_to",
                "name at least one place: checkpoints are what shows a truncated log",
            ));
        }
        None => vec![Sink::File(data_dir.join(CHECKPOINT_FILE))],
    };
    let minutes = layer
        .checkpoint_every_mins
        .unwrap_or(DEFAULT_CHECKPOINT_MINS);
    if !(1..=24 * 60).contains(&minutes) {
        return Err(invalid(
            "audit.checkpoint_every_mins",
            "must be from 1 to 1440 (a day)",
        ));
    }
    let export_to = layer
        .export_to
        .as_deref()
        .map(|t| Sink::parse(t).map_err(|e| invalid("audit.export_to", e)))
        .transpose()?;
    Ok(AuditSettings {
        checkpoint_to,
        checkpoint_every: Duration::from_secs(minutes * 60),
        export_to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_go_beside_the_database_unless_told_otherwise() {
        let settings = resolve(AuditLayer::default(), Path::new("/srv/lv")).unwrap();
        assert_eq!(
            settings.checkpoint_to,
            vec![Sink::File("/srv/lv/audit-checkpoints.jsonl".into())]
        );
        assert_eq!(settings.checkpoint_every, Duration::from_secs(3600));
        assert_eq!(settings.export_to, None);

        let layer = AuditLayer {
            checkpoint_to: Some(vec![
                "udp://logs.example:514".into(),
                "/mnt/worm/cp.jsonl".into(),
            ]),
            checkpoint_every_mins: Some(5),
            export_to: Some("unix:/dev/log".into()),
        };
        let settings = resolve(layer, Path::new("/srv/lv")).unwrap();
        assert_eq!(settings.checkpoint_to.len(), 2);
        assert_eq!(settings.checkpoint_every, Duration::from_secs(300));
        assert_eq!(
            settings.export_to,
            Some(Sink::SyslogUnix("/dev/log".into()))
        );
    }

    #[test]
    fn nonsense_is_refused_with_the_key_named() {
        for layer in [
            AuditLayer {
                checkpoint_to: Some(vec![]),
                ..AuditLayer::default()
            },
            AuditLayer {
                checkpoint_to: Some(vec!["udp://".into()]),
                ..AuditLayer::default()
            },
            AuditLayer {
                checkpoint_every_mins: Some(0),
                ..AuditLayer::default()
            },
            AuditLayer {
                export_to: Some("unix:".into()),
                ..AuditLayer::default()
            },
        ] {
            let err = resolve(layer, Path::new("d")).unwrap_err().to_string();
            assert!(err.contains("audit."), "{err}");
        }
    }
}
