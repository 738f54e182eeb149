//! Bearer secrets (setup links, later invitations and resets) and the only form in which
//! the database ever sees them: a SHA-256 hash.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::Zeroizing;

use crate::random::{RandomError, random_bytes};

const TOKEN_BYTES: usize = 32;

/// A random 256-bit bearer secret, shown to its holder once and stored only as a [`TokenHash`].
pub struct SecretToken(Zeroizing<String>);

/// The text offered as a token is not one this system could have issued.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a valid token")]
pub struct TokenParseError;

impl SecretToken {
    pub fn generate() -> Result<Self, RandomError> {
        let bytes = Zeroizing::new(random_bytes::<TOKEN_BYTES>()?);
        Ok(Self(Zeroizing::new(URL_SAFE_NO_PAD.encode(bytes.as_ref()))))
    }

    /// Accepts untrusted text only if it has the exact shape of an issued token, so that
    /// arbitrary input never reaches a database lookup.
    pub fn parse(candidate: &str) -> Result<Self, TokenParseError> {
        let decoded = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(candidate)
                .map_err(|_| TokenParseError)?,
        );
        if decoded.len() != TOKEN_BYTES {
            return Err(TokenParseError);
        }
        Ok(Self(Zeroizing::new(candidate.to_owned())))
    }

    /// The token's text, for the one place that hands it to its holder (a URL, an e-mail).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        let digest = ring::digest::digest(&ring::digest::SHA256, self.0.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(digest.as_ref());
        TokenHash(out)
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(<redacted>)")
    }
}

/// SHA-256 of a [`SecretToken`]. A stolen database copy of these grants nothing: the token
/// has 256 bits of entropy, so the hash cannot be reversed and needs no salt or stretching.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_parse_back_and_hash_identically() -> Result<(), Box<dyn std::error::Error>>
    {
        let token = SecretToken::generate()?;
        let again = SecretToken::parse(token.expose())?;
        assert_eq!(token.hash(), again.hash());
        assert_eq!(token.expose().len(), 43);
        Ok(())
    }

    #[test]
    fn two_tokens_differ() -> Result<(), Box<dyn std::error::Error>> {
        assert_ne!(
            SecretToken::generate()?.hash(),
            SecretToken::generate()?.hash()
        );
        Ok(())
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for bad in ["", "short", "!!!!", &"A".repeat(44), &"A".repeat(42)] {
            assert_eq!(
                SecretToken::parse(bad).err(),
                Some(TokenParseError),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn debug_output_reveals_nothing() -> Result<(), Box<dyn std::error::Error>> {
        let token = SecretToken::generate()?;
        let shown = format!("{token:?} {:?}", token.hash());
        assert!(!shown.contains(token.expose()));
        Ok(())
    }
}
