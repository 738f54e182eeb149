//! Symmetric key material and how keys are named.

use std::fmt;

use zeroize::Zeroizing;

use crate::random::{RandomError, random_bytes};

pub const KEY_LEN: usize = 32;

/// 256 bits of AES or HMAC key material. Zeroized on drop; never printed.
#[derive(Clone)]
pub struct KeyBytes(Zeroizing<[u8; KEY_LEN]>);

impl KeyBytes {
    pub fn generate() -> Result<Self, RandomError> {
        Ok(Self(Zeroizing::new(random_bytes::<KEY_LEN>()?)))
    }

    /// Takes key bytes unwrapped by a provider. `None` unless exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; KEY_LEN]>::try_from(bytes)
            .ok()
            .map(|array| Self(Zeroizing::new(array)))
    }

    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl fmt::Debug for KeyBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyBytes(<redacted>)")
    }
}

/// Which key, and which version of it, sealed a ciphertext. Carried in every ciphertext
/// so that rotation can leave old data readable while new data uses the new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyRef {
    pub id: [u8; 16],
    pub version: u32,
}

impl KeyRef {
    pub const ENCODED_LEN: usize = 20;

    pub(crate) fn encode(&self) -> [u8; Self::ENCODED_LEN] {
        let mut out = [0u8; Self::ENCODED_LEN];
        out[..16].copy_from_slice(&self.id);
        out[16..].copy_from_slice(&self.version.to_be_bytes());
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let id = <[u8; 16]>::try_from(bytes.get(..16)?).ok()?;
        let version = u32::from_be_bytes(<[u8; 4]>::try_from(bytes.get(16..20)?).ok()?);
        Some(Self { id, version })
    }
}
