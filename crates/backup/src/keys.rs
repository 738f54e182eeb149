//! Whom a backup is encrypted to, and the keys that open one. The public keys (`age1…`) are
//! in the configuration; the private keys are the operator's, kept offline and given only to
//! `backup verify` and `backup restore` (an identity file, as `age-keygen` writes it).

use std::path::Path;
use std::str::FromStr;

use age::x25519;
use zeroize::Zeroizing;

use crate::error::BackupError;

/// The recipients every backup is encrypted to.
#[derive(Clone)]
pub struct Recipients(Vec<x25519::Recipient>);

impl std::fmt::Debug for Recipients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(ToString::to_string))
            .finish()
    }
}

impl Recipients {
    pub fn parse(keys: &[String]) -> Result<Self, BackupError> {
        if keys.is_empty() {
            return Err(BackupError::Settings(
                "no recipients: list at least one age public key".into(),
            ));
        }
        keys.iter()
            .map(|key| {
                x25519::Recipient::from_str(key.trim()).map_err(|_| {
                    BackupError::Settings(format!("`{key}` is not an age X25519 public key"))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub(crate) fn encryptor(&self) -> Result<age::Encryptor, BackupError> {
        age::Encryptor::with_recipients(self.0.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| BackupError::Settings(format!("cannot encrypt to the recipients: {e}")))
    }
}

/// Private keys that may open a backup. Never printed.
pub struct Identities(Vec<x25519::Identity>);

impl std::fmt::Debug for Identities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identities({} keys)", self.0.len())
    }
}

impl Identities {
    /// Reads an identity file: one `AGE-SECRET-KEY-1…` per line, `#` comments.
    pub fn read(path: &Path) -> Result<Self, BackupError> {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(BackupError::io("reading the identity file", path))?,
        );
        Self::parse(&text).map_err(|reason| {
            BackupError::Settings(format!("identity file {}: {reason}", path.display()))
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let keys = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .enumerate()
            .map(|(n, line)| {
                x25519::Identity::from_str(line)
                    .map_err(|_| format!("key {} is not an age X25519 identity", n + 1))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err("it holds no key".into());
        }
        Ok(Self(keys))
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &dyn age::Identity> {
        self.0.iter().map(|i| i as &dyn age::Identity)
    }
}

impl Recipients {
    /// These recipients and one more, made for a single backup: its identity lets the daily
    /// job verify the backup it just made, then is dropped. The server never keeps a key that
    /// opens an earlier backup.
    pub fn with_one_time_key(&self) -> (Self, Identities) {
        let identity = x25519::Identity::generate();
        let mut recipients = self.0.clone();
        recipients.push(identity.to_public());
        (Self(recipients), Identities(vec![identity]))
    }
}

/// A new key pair: the private key's text (for an identity file) and the public key.
pub fn generate_identity() -> (Zeroizing<String>, String) {
    let identity = x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let secret =
        Zeroizing::new(age::secrecy::ExposeSecret::expose_secret(&identity.to_string()).to_owned());
    (secret, public)
}
