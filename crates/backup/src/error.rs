//! What can go wrong with a backup, each told so that an operator knows what to do: which
//! file, which hash, which destination.

use std::io;

/// A backup, a verification, a restore or a prune that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("the backup settings are not usable: {0}")]
    Settings(String),
    #[error(
        "backup {name} is not encrypted to any of the keys given: wrong identity file? (it was made for other recipients)"
    )]
    WrongKey { name: String },
    #[error("backup {name} is not an age-encrypted Leadvault backup: {reason}")]
    NotABackup { name: String, reason: String },
    #[error(
        "backup {name} is damaged: its encrypted data does not authenticate at or before byte {at} of the archive, so it was changed or cut (nothing was restored)"
    )]
    Damaged { name: String, at: u64 },
    #[error(
        "backup {name} is truncated: the archive ends after {at} bytes, before its last block (nothing was restored)"
    )]
    Truncated { name: String, at: u64 },
    #[error(
        "backup {name}: file {file} has SHA-256 {found}, but the manifest says {expected} (nothing was restored)"
    )]
    HashMismatch {
        name: String,
        file: String,
        expected: String,
        found: String,
    },
    #[error(
        "backup {name}: the archive has SHA-256 {found}, but its index says {expected}: it was changed after it was written"
    )]
    ArchiveHashMismatch {
        name: String,
        expected: String,
        found: String,
    },
    #[error("backup {name}: file {file} is listed in the manifest but missing from the archive")]
    MissingFile { name: String, file: String },
    #[error("backup {name}: file {file} is in the archive but not in its manifest")]
    UnlistedFile { name: String, file: String },
    #[error("backup {name} has no manifest: it was cut short or not written by Leadvault")]
    NoManifest { name: String },
    #[error(
        "backup {name} was made with migration {migration}, which this version of Leadvault does not know: restore it with the version that made it ({version}) or a newer one"
    )]
    NewerSchema {
        name: String,
        migration: String,
        version: String,
    },
    #[error("backup {name} does not verify: {problem}")]
    Verification { name: String, problem: String },
    #[error("there is no backup named {0} at the destination")]
    NotFound(String),
    #[error(
        "the restore target is not empty: {0}; restore only into an empty data directory or database"
    )]
    TargetNotEmpty(String),
    #[error(
        "the disk is full while {doing} ({path}): free space or set backup.scratch_dir to a larger disk; nothing was kept"
    )]
    DiskFull { doing: String, path: String },
    #[error("the destination {destination} could not be reached or refused the request: {reason}")]
    Destination { destination: String, reason: String },
    #[error("{doing}: {source}")]
    Io {
        doing: String,
        #[source]
        source: io::Error,
    },
    #[error("the database: {0}")]
    Store(#[from] leadvault_store::StoreError),
    #[error("the database schema: {0}")]
    Migration(#[from] leadvault_store::MigrationError),
    #[error("the audit log: {0}")]
    Audit(#[from] leadvault_audit::AuditError),
}

impl BackupError {
    /// Wraps an I/O error with what was being done, telling a full disk apart.
    pub fn io(doing: impl Into<String>, path: &std::path::Path) -> impl FnOnce(io::Error) -> Self {
        let doing = doing.into();
        let path = path.display().to_string();
        move |source| {
            if is_disk_full(&source) {
                Self::DiskFull { doing, path }
            } else {
                Self::Io {
                    doing: format!("{doing} ({path})"),
                    source,
                }
            }
        }
    }
}

impl From<leadvault_store::sqlx::Error> for BackupError {
    fn from(e: leadvault_store::sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

/// ENOSPC or EDQUOT.
pub(crate) fn is_disk_full(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::StorageFull || matches!(e.raw_os_error(), Some(28 | 122))
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::Path;

    use super::*;

    #[test]
    fn a_full_disk_is_told_apart_and_names_what_was_written() {
        // /dev/full answers every write with ENOSPC, as a full disk does.
        let full = Path::new("/dev/full");
        let written = std::fs::OpenOptions::new()
            .write(true)
            .open(full)
            .and_then(|mut file| file.write_all(&[0; 4096]).and_then(|()| file.sync_all()));
        let error = BackupError::io("writing the snapshot", full)(written.unwrap_err());
        assert!(matches!(error, BackupError::DiskFull { .. }), "{error}");
        let message = error.to_string();
        assert!(message.contains("disk is full"), "{message}");
        assert!(message.contains("/dev/full"), "{message}");
        assert!(message.contains("nothing was kept"), "{message}");
    }

    #[test]
    fn other_input_and_output_errors_keep_their_cause() {
        let missing = Path::new("/nonexistent/leadvault");
        let error = BackupError::io("reading", missing)(std::fs::read(missing).unwrap_err());
        assert!(matches!(error, BackupError::Io { .. }), "{error}");
    }
}
