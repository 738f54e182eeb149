//! What an owner gives Leadvault to reach the firm's Stripe account: a secret (ideally
//! restricted) API key and the signing secret of the webhook endpoint they made. Both are
//! zeroized when dropped, print as `..`, and are sealed by the keyring before they are
//! stored; neither is ever shown again.

use std::fmt;

use zeroize::Zeroizing;

/// Whether a key reaches Stripe's test data or real money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Test,
    Live,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Self::Test => "test",
            Self::Live => "live",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Test, Self::Live]
            .into_iter()
            .find(|mode| mode.name() == text)
    }
}

/// A Stripe secret key: `sk_test_…`, `sk_live_…`, or a restricted `rk_test_…`/`rk_live_…`.
pub struct SecretKey(Zeroizing<String>);

/// Why a typed key or secret was refused; the message is fit to show (it never repeats
/// what was typed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error(
        "that is not a Stripe secret key: it starts with rk_live_, rk_test_, sk_live_ or sk_test_ (a publishable key, pk_, is not enough)"
    )]
    NotAKey,
    #[error("that is not a webhook signing secret: it starts with whsec_")]
    NotASigningSecret,
}

fn well_formed(rest: &str) -> bool {
    (16..=256).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl SecretKey {
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let text = text.trim();
        let rest = ["sk_test_", "sk_live_", "rk_test_", "rk_live_"]
            .iter()
            .find_map(|prefix| text.strip_prefix(prefix))
            .ok_or(SecretError::NotAKey)?;
        if !well_formed(rest) {
            return Err(SecretError::NotAKey);
        }
        Ok(Self(Zeroizing::new(text.to_owned())))
    }

    pub fn mode(&self) -> Mode {
        if self.0.contains("_live_") {
            Mode::Live
        } else {
            Mode::Test
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

/// A webhook endpoint's signing secret, `whsec_…`. Stripe signs with the whole text as the
/// HMAC key.
pub struct SigningSecret(Zeroizing<String>);

impl SigningSecret {
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let text = text.trim();
        let rest = text
            .strip_prefix("whsec_")
            .ok_or(SecretError::NotASigningSecret)?;
        if !well_formed(rest) {
            return Err(SecretError::NotASigningSecret);
        }
        Ok(Self(Zeroizing::new(text.to_owned())))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_told_by_their_prefix_and_never_printed() {
        let key = SecretKey::parse(" rk_test_51Habcdefghijklmnop ").unwrap();
        assert_eq!(key.mode(), Mode::Test);
        assert_eq!(format!("{key:?}"), "SecretKey(..)");
        let live = SecretKey::parse("sk_live_51Habcdefghijklmnop").unwrap();
        assert_eq!(live.mode(), Mode::Live);
        for bad in [
            "pk_test_51Habcdefghijklmnop",
            "sk_test_short",
            "sk_test_51Habcdefghij klmnop",
            "",
        ] {
            assert_eq!(
                SecretKey::parse(bad).err(),
                Some(SecretError::NotAKey),
                "{bad}"
            );
        }
        assert!(SigningSecret::parse("whsec_abcdefghijklmnopqrstuvwxyz012345").is_ok());
        assert!(SigningSecret::parse("sk_test_51Habcdefghijklmnop").is_err());
        let secret = SigningSecret::parse("whsec_abcdefghijklmnopqrstuvwxyz012345").unwrap();
        assert_eq!(format!("{secret:?}"), "SigningSecret(..)");
    }
}
