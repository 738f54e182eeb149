//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>): the receiver checks
//! `webhook-signature: v1,base64(HMAC-SHA256(secret, id "." timestamp "." body))` with the
//! secret it was given as `whsec_` + base64.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

/// An endpoint's signing secret: 32 random bytes.
pub struct SigningSecret(Zeroizing<Vec<u8>>);

impl SigningSecret {
    pub fn generate() -> Result<Self, leadvault_crypto::RandomError> {
        Ok(Self(Zeroizing::new(
            leadvault_crypto::random_bytes::<32>()?.to_vec(),
        )))
    }

    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(Zeroizing::new(bytes.to_vec()))
    }

    /// Reads `whsec_…` as receivers are given it.
    pub fn parse(text: &str) -> Option<Self> {
        let encoded = text.strip_prefix("whsec_")?;
        STANDARD
            .decode(encoded)
            .ok()
            .map(|b| Self(Zeroizing::new(b)))
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// `whsec_` and the secret in base64: shown to the organization once.
    pub fn display(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("whsec_{}", STANDARD.encode(&*self.0)))
    }

    /// The `webhook-signature` header value for this message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.0);
        let tag = ring::hmac::sign(&key, format!("{id}.{timestamp}.{body}").as_bytes());
        format!("v1,{}", STANDARD.encode(tag.as_ref()))
    }
}

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification.
    #[test]
    fn the_specifications_example_signs_the_same() {
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            secret.sign(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                r#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_secret_round_trips_through_its_display() {
        let secret = SigningSecret::generate().unwrap();
        let again = SigningSecret::parse(&secret.display()).unwrap();
        assert_eq!(again.expose(), secret.expose());
        assert_eq!(format!("{secret:?}"), "SigningSecret(..)");
    }
}
