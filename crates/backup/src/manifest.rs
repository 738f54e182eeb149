//! What a backup says of itself. The manifest travels inside the encrypted archive, last, so
//! that it can hold the hash of every file written before it; the index travels beside the
//! archive, unencrypted, and holds nothing of anyone's data: when, which version and schema,
//! how large, and the archive's own hash, so that `backup list` needs no key and a changed
//! archive is caught before it is opened.

use std::collections::BTreeMap;

use leadvault_store::Timestamp;
use serde::{Deserialize, Serialize};

/// The layout this version writes and reads.
pub const FORMAT: u32 = 1;

/// The archive's last entry.
pub const MANIFEST_PATH: &str = "manifest.json";

/// The migrations applied to the backed-up databases, per ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub main: Vec<String>,
    pub analytics: Vec<String>,
}

/// One file of the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// The manifest: everything needed to check a restored copy against what was backed up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub leadvault_version: String,
    pub created_at: i64,
    pub engine: String,
    pub schema: Schema,
    pub files: Vec<FileEntry>,
    /// Rows per table, per database (`main`, and `analytics` on SQLite).
    pub counts: BTreeMap<String, BTreeMap<String, u64>>,
}

/// The index beside the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub format: u32,
    pub name: String,
    pub created_at: i64,
    pub leadvault_version: String,
    pub engine: String,
    pub schema: Schema,
    pub archive_size: u64,
    pub archive_sha256: String,
    pub documents: u64,
}

impl Index {
    pub fn created_at(&self) -> Timestamp {
        Timestamp::from_unix_micros(self.created_at)
    }
}

/// A backup's name: when it was made, to the second, so that names sort by time.
pub fn backup_name(at: Timestamp) -> String {
    let c = at.civil();
    format!(
        "leadvault-{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// Whether `name` is one [`backup_name`] makes (and so safe in a path or an object key).
pub fn is_backup_name(name: &str) -> bool {
    let Some(stamp) = name.strip_prefix("leadvault-") else {
        return false;
    };
    let bytes = stamp.as_bytes();
    bytes.len() == 16
        && bytes[8] == b'T'
        && bytes[15] == b'Z'
        && bytes[..8].iter().all(u8::is_ascii_digit)
        && bytes[9..15].iter().all(u8::is_ascii_digit)
}

pub fn archive_key(name: &str) -> String {
    format!("{name}.tar.age")
}

pub fn index_key(name: &str) -> String {
    format!("{name}.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_time_and_are_recognized() {
        let earlier = backup_name(Timestamp::from_unix_micros(1_765_000_000_000_000));
        let later = backup_name(Timestamp::from_unix_micros(1_765_086_400_000_000));
        assert!(earlier < later);
        assert!(is_backup_name(&earlier), "{earlier}");
        assert!(!is_backup_name("leadvault-../../etc"));
        assert!(!is_backup_name("other-20261207T000000Z"));
    }
}
