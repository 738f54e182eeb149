//! Root key providers: where the root key lives and how tenant keys are wrapped with it.
//!
//! A provider never hands out the root key. It wraps (encrypts) and unwraps (decrypts)
//! tenant keys; with the PKCS#11 provider that happens inside the HSM.
//!
//! Wrapped key format, version 1: `0x01 ‖ 96-bit nonce ‖ AES-256-GCM(ciphertext ‖ tag)`, with
//! associated data `leadvault/wrap/v1` plus the caller's context (organization and key
//! version), so a wrapped key moved to another tenant or version does not unwrap.

use std::fmt;

use ring::aead::{Aad, NONCE_LEN, Nonce};

use crate::field::{aead_key, length_prefixed};
use crate::hex::to_hex;
use crate::key::{KEY_LEN, KeyBytes};
use crate::local_key::{KeyFileError, LocalKeyFile};
use crate::random::random_bytes;

pub(crate) const WRAP_VERSION: u8 = 1;
pub(crate) const WRAP_TAG_LEN: usize = 16;
pub(crate) const WRAPPED_LEN: usize = 1 + NONCE_LEN + KEY_LEN + WRAP_TAG_LEN;

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    #[error("cannot load the PKCS#11 module {module}: {reason}")]
    Module { module: String, reason: String },
    #[error("no PKCS#11 token labelled \"{0}\" is present")]
    TokenNotFound(String),
    #[error("the PKCS#11 PIN was refused by token \"{0}\"")]
    WrongPin(String),
    #[error(
        "the PKCS#11 PIN is not set: give it in the environment variable or file named in the configuration"
    )]
    MissingPin,
    #[error(
        "no root key labelled \"{key}\" on token \"{token}\"; create it with `leadvault keys init`"
    )]
    KeyNotFound { token: String, key: String },
    #[error(
        "a wrapped key failed to unwrap: it was altered, moved to another tenant or version, or wrapped by another root key"
    )]
    Unwrap,
    #[error("PKCS#11 operation failed: {0}")]
    Pkcs11(String),
    #[error("the system random number generator failed")]
    Random,
}

/// Holds a root key and wraps tenant keys with it.
pub trait KeyProvider: Send + Sync + fmt::Debug {
    /// A stable, non-secret name for the root key, stored beside every key it wraps, so that
    /// rotation knows what is wrapped by what.
    fn root_key_id(&self) -> &str;
    fn wrap(&self, key: &KeyBytes, context: &[&[u8]]) -> Result<Vec<u8>, ProviderError>;
    fn unwrap(&self, wrapped: &[u8], context: &[&[u8]]) -> Result<KeyBytes, ProviderError>;
}

pub(crate) fn wrap_aad(context: &[&[u8]]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = vec![b"leadvault/wrap/v1"];
    parts.extend_from_slice(context);
    length_prefixed(&parts)
}

/// Splits a wrapped key into nonce and sealed bytes, checking its shape.
pub(crate) fn parse_wrapped(wrapped: &[u8]) -> Result<([u8; NONCE_LEN], &[u8]), ProviderError> {
    if wrapped.len() != WRAPPED_LEN || wrapped[0] != WRAP_VERSION {
        return Err(ProviderError::Unwrap);
    }
    let nonce = <[u8; NONCE_LEN]>::try_from(&wrapped[1..1 + NONCE_LEN])
        .map_err(|_| ProviderError::Unwrap)?;
    Ok((nonce, &wrapped[1 + NONCE_LEN..]))
}

/// The evaluation provider: the root key is a local file (see [`LocalKeyFile`]).
pub struct LocalProvider {
    root: KeyBytes,
    id: String,
}

impl LocalProvider {
    pub fn open(file: &LocalKeyFile) -> Result<Self, ProviderError> {
        let root = KeyBytes::from_slice(file.load()?.expose()).ok_or(ProviderError::Unwrap)?;
        // A key check value: names the key without revealing anything about it.
        let check = ring::hmac::sign(
            &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, root.expose()),
            b"leadvault root key id",
        );
        let id = format!("local:{}", to_hex(&check.as_ref()[..8]));
        Ok(Self { root, id })
    }
}

impl fmt::Debug for LocalProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalProvider")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl KeyProvider for LocalProvider {
    fn root_key_id(&self) -> &str {
        &self.id
    }

    fn wrap(&self, key: &KeyBytes, context: &[&[u8]]) -> Result<Vec<u8>, ProviderError> {
        wrap_key(&self.root, key, context)
    }

    fn unwrap(&self, wrapped: &[u8], context: &[&[u8]]) -> Result<KeyBytes, ProviderError> {
        unwrap_key(&self.root, wrapped, context)
    }
}

/// Wraps `key` under a key-encryption key held in memory (the local root key, or a tenant
/// key wrapping its data keys), in the wrapped-key format above.
pub fn wrap_key(
    kek: &KeyBytes,
    key: &KeyBytes,
    context: &[&[u8]],
) -> Result<Vec<u8>, ProviderError> {
    let nonce = random_bytes::<NONCE_LEN>().map_err(|_| ProviderError::Random)?;
    let mut sealed = key.expose().to_vec();
    aead_key(kek)
        .map_err(|_| ProviderError::Unwrap)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(wrap_aad(context).as_slice()),
            &mut sealed,
        )
        .map_err(|_| ProviderError::Unwrap)?;
    let mut out = Vec::with_capacity(WRAPPED_LEN);
    out.push(WRAP_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Reverses [`wrap_key`]; fails on any change to the bytes, the context or the key.
pub fn unwrap_key(
    kek: &KeyBytes,
    wrapped: &[u8],
    context: &[&[u8]],
) -> Result<KeyBytes, ProviderError> {
    let (nonce, sealed) = parse_wrapped(wrapped)?;
    let mut buffer = zeroize::Zeroizing::new(sealed.to_vec());
    let plain = aead_key(kek)
        .map_err(|_| ProviderError::Unwrap)?
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(wrap_aad(context).as_slice()),
            &mut buffer,
        )
        .map_err(|_| ProviderError::Unwrap)?;
    KeyBytes::from_slice(plain).ok_or(ProviderError::Unwrap)
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn provider(dir: &std::path::Path, name: &str) -> Result<LocalProvider, ProviderError> {
        let file = LocalKeyFile::new(dir.join(name));
        file.load_or_create()?;
        LocalProvider::open(&file)
    }

    #[test]
    fn wrapped_keys_unwrap_only_in_their_own_context_and_under_their_own_root() -> TestResult {
        let dir = tempfile::tempdir()?;
        let root = provider(dir.path(), "a.key")?;
        let tenant = KeyBytes::generate()?;
        let ctx: &[&[u8]] = &[b"org-1", b"v1"];
        let wrapped = root.wrap(&tenant, ctx)?;
        assert_eq!(wrapped.len(), WRAPPED_LEN);
        assert_eq!(root.unwrap(&wrapped, ctx)?.expose(), tenant.expose());

        assert!(
            root.unwrap(&wrapped, &[b"org-2", b"v1"]).is_err(),
            "moved to another tenant"
        );
        assert!(
            root.unwrap(&wrapped, &[b"org-1", b"v2"]).is_err(),
            "relabelled version"
        );
        let other = provider(dir.path(), "b.key")?;
        assert!(other.unwrap(&wrapped, ctx).is_err(), "another root key");
        assert_ne!(root.root_key_id(), other.root_key_id());
        for i in 0..wrapped.len() {
            let mut bent = wrapped.clone();
            bent[i] ^= 1;
            assert!(root.unwrap(&bent, ctx).is_err(), "flip at {i}");
        }
        Ok(())
    }

    #[test]
    fn the_root_key_id_is_stable_and_reveals_nothing() -> TestResult {
        let dir = tempfile::tempdir()?;
        let a = provider(dir.path(), "a.key")?;
        let again = LocalProvider::open(&LocalKeyFile::new(dir.path().join("a.key")))?;
        assert_eq!(a.root_key_id(), again.root_key_id());
        assert!(a.root_key_id().starts_with("local:") && a.root_key_id().len() == 22);
        let key = std::fs::read(dir.path().join("a.key"))?;
        assert!(!a.root_key_id().contains(&to_hex(&key[..4])));
        assert!(!format!("{a:?}").contains(&to_hex(&key)));
        Ok(())
    }
}
