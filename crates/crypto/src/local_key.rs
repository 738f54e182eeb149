//! The evaluation key provider: a root key in a local file.
//!
//! Production deployments keep the root key in an HSM (the PKCS#11 provider); this file
//! exists so that `leadvault serve` runs with no setup. Its permissions are enforced on
//! every load, because a world-readable root key is no key at all.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::random::{RandomError, random_bytes};

pub const ROOT_KEY_LEN: usize = 32;

/// 256 bits of root key material. Zeroized on drop; never printed.
pub struct RootKey(Zeroizing<[u8; ROOT_KEY_LEN]>);

impl RootKey {
    /// Key bytes, for the key provider that wraps tenant keys with them.
    pub fn expose(&self) -> &[u8; ROOT_KEY_LEN] {
        &self.0
    }
}

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RootKey(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read key file {path}: {source}")]
    Unreadable { path: PathBuf, source: io::Error },
    #[error("cannot create key file {path}: {source}")]
    Create { path: PathBuf, source: io::Error },
    #[error(
        "key file {path} has mode {mode:04o}, so other users can read it; run `chmod 600 {path}`"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error(
        "key file {path} holds {len} bytes, expected {ROOT_KEY_LEN}; it is not a Leadvault root key"
    )]
    WrongLength { path: PathBuf, len: usize },
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// A root key file on local disk.
#[derive(Debug, Clone)]
pub struct LocalKeyFile {
    path: PathBuf,
}

impl LocalKeyFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    /// Creates a new random key with mode 0600. Refuses to overwrite an existing file, so a
    /// second process starting at the same moment cannot replace a key already in use.
    pub fn create(&self) -> Result<RootKey, KeyFileError> {
        let key = Zeroizing::new(random_bytes::<ROOT_KEY_LEN>()?);
        let create_err = |source| KeyFileError::Create {
            path: self.path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&self.path)
            .map_err(create_err)?;
        file.write_all(key.as_ref()).map_err(create_err)?;
        file.sync_all().map_err(create_err)?;
        Ok(RootKey(key))
    }

    /// Reads the key, checking first that no one but its owner can read it.
    pub fn load(&self) -> Result<RootKey, KeyFileError> {
        let unreadable = |source| KeyFileError::Unreadable {
            path: self.path.clone(),
            source,
        };
        let mut file = fs::File::open(&self.path).map_err(unreadable)?;
        let meta = file.metadata().map_err(unreadable)?;
        if !meta.is_file() {
            return Err(unreadable(io::Error::other("not a regular file")));
        }
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(KeyFileError::TooOpen {
                path: self.path.clone(),
                mode,
            });
        }
        let mut bytes = Zeroizing::new(Vec::with_capacity(ROOT_KEY_LEN + 1));
        // Read one byte more than a key so an oversized file is noticed without reading it all.
        (&mut file)
            .take(ROOT_KEY_LEN as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        let key: [u8; ROOT_KEY_LEN] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| KeyFileError::WrongLength {
                    path: self.path.clone(),
                    len: bytes.len(),
                })?;
        Ok(RootKey(Zeroizing::new(key)))
    }

    /// Loads the key, creating it first if there is none. Returns whether it was created.
    pub fn load_or_create(&self) -> Result<(RootKey, bool), KeyFileError> {
        match self.create() {
            Ok(key) => Ok((key, true)),
            Err(KeyFileError::Create { source, .. })
                if source.kind() == io::ErrorKind::AlreadyExists =>
            {
                Ok((self.load()?, false))
            }
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn a_new_key_file_is_private_random_and_256_bits() -> TestResult {
        let dir = tempfile::tempdir()?;
        let file = LocalKeyFile::new(dir.path().join("root.key"));
        let (key, created) = file.load_or_create()?;
        assert!(created);
        let meta = fs::metadata(file.path())?;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(meta.len(), 32);
        let (again, created) = file.load_or_create()?;
        assert!(!created);
        assert_eq!(key.expose(), again.expose());

        let other = LocalKeyFile::new(dir.path().join("other.key")).create()?;
        assert_ne!(key.expose(), other.expose());
        Ok(())
    }

    #[test]
    fn a_readable_by_others_key_file_is_refused() -> TestResult {
        let dir = tempfile::tempdir()?;
        let file = LocalKeyFile::new(dir.path().join("root.key"));
        file.create()?;
        fs::set_permissions(file.path(), fs::Permissions::from_mode(0o644))?;
        let err = file.load().err().ok_or("loaded an open key file")?;
        assert!(matches!(err, KeyFileError::TooOpen { mode: 0o644, .. }));
        assert!(err.to_string().contains("chmod 600"));
        Ok(())
    }

    #[test]
    fn a_file_of_the_wrong_size_is_refused() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("root.key");
        for len in [0usize, 31, 33, 4096] {
            fs::write(&path, vec![7u8; len])?;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
            let err = LocalKeyFile::new(&path)
                .load()
                .err()
                .ok_or("loaded a bad key")?;
            assert!(
                matches!(err, KeyFileError::WrongLength { .. }),
                "{len}: {err}"
            );
        }
        Ok(())
    }

    #[test]
    fn debug_output_reveals_nothing() -> TestResult {
        let dir = tempfile::tempdir()?;
        let key = LocalKeyFile::new(dir.path().join("k")).create()?;
        let shown = format!("{key:?}");
        assert_eq!(shown, "RootKey(<redacted>)");
        Ok(())
    }
}
