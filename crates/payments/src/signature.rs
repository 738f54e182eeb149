//! The `Stripe-Signature` header, checked as Stripe documents it: `t=<unix seconds>` and one
//! or more `v1=<hex HMAC-SHA256>` over `"<t>.<raw body>"` keyed with the endpoint's signing
//! secret. Every `v1` is tried against every secret still accepted (two during a rotation),
//! each comparison in constant time; a timestamp more than five minutes away from now is
//! refused, so a captured request cannot be replayed later.

use ring::hmac;

use crate::secrets::SigningSecret;

/// How far a signature's time may be from ours, either way.
pub const TOLERANCE_SECONDS: i64 = 300;

/// Why a webhook's signature was refused (the request is answered 400 and changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header, or one without t= and v1=")]
    Malformed,
    #[error("the signature's time is more than five minutes from now")]
    OutOfTolerance,
    #[error("no signature matches")]
    NoMatch,
}

fn key(secret: &SigningSecret) -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, secret.expose().as_bytes())
}

fn signed_payload(timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut payload = format!("{timestamp}.").into_bytes();
    payload.extend_from_slice(body);
    payload
}

/// Checks `header` over `body` against `secrets` at `now` (unix seconds).
pub fn verify(
    header: &str,
    body: &[u8],
    secrets: &[SigningSecret],
    now: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => {
                timestamp = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| SignatureError::Malformed)?,
                );
            }
            Some(("v1", value)) => {
                // Not hex (or not 32 bytes) can match nothing; skipping it keeps the others.
                if let Some(bytes) = leadvault_crypto::from_hex(value).filter(|b| b.len() == 32) {
                    signatures.push(bytes);
                }
            }
            // v0 (Stripe's old test scheme) and anything later are ignored, as Stripe's
            // libraries do.
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now.abs_diff(timestamp) > TOLERANCE_SECONDS.unsigned_abs() {
        return Err(SignatureError::OutOfTolerance);
    }
    let payload = signed_payload(timestamp, body);
    let matched = secrets.iter().any(|secret| {
        let key = key(secret);
        signatures
            .iter()
            .any(|signature| hmac::verify(&key, &payload, signature).is_ok())
    });
    if matched {
        Ok(())
    } else {
        Err(SignatureError::NoMatch)
    }
}

/// The header Stripe would send for `body` at `timestamp`: for the Stripe stand-in of the
/// tests, and for people checking their set-up.
pub fn sign(secret: &SigningSecret, timestamp: i64, body: &[u8]) -> String {
    let tag = hmac::sign(&key(secret), &signed_payload(timestamp, body));
    format!(
        "t={timestamp},v1={}",
        leadvault_crypto::to_hex(tag.as_ref())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_1","type":"checkout.session.completed"}"#;
    const NOW: i64 = 1_780_000_000;

    fn secret(text: &str) -> SigningSecret {
        SigningSecret::parse(text).unwrap()
    }

    /// A signature computed independently of `sign` (the HMAC written out by hand with
    /// ring), so the test fails if `sign` and `verify` share a mistake.
    fn by_hand(secret: &str, t: i64, body: &[u8]) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
        let mut message = t.to_string().into_bytes();
        message.push(b'.');
        message.extend_from_slice(body);
        leadvault_crypto::to_hex(hmac::sign(&key, &message).as_ref())
    }

    #[test]
    fn a_signature_stripe_would_send_is_accepted() {
        let text = "whsec_abcdefghijklmnopqrstuvwxyz012345";
        let header = format!("t={NOW},v1={},v0=deadbeef", by_hand(text, NOW, BODY));
        assert_eq!(verify(&header, BODY, &[secret(text)], NOW + 10), Ok(()));
        assert_eq!(
            sign(&secret(text), NOW, BODY),
            format!("t={NOW},v1={}", by_hand(text, NOW, BODY))
        );
    }

    #[test]
    fn any_of_several_signatures_and_secrets_may_match_during_a_rotation() {
        let old = "whsec_oldoldoldoldoldoldoldold0000";
        let new = "whsec_newnewnewnewnewnewnewnew1111";
        let header = format!(
            "t={NOW},v1={},v1={}",
            by_hand("whsec_someoneelsesomeoneelse222", NOW, BODY),
            by_hand(new, NOW, BODY)
        );
        assert_eq!(
            verify(&header, BODY, &[secret(old), secret(new)], NOW),
            Ok(())
        );
        assert_eq!(
            verify(&header, BODY, &[secret(old)], NOW),
            Err(SignatureError::NoMatch)
        );
    }

    #[test]
    fn a_changed_body_an_old_time_or_a_bad_header_is_refused() {
        let text = "whsec_abcdefghijklmnopqrstuvwxyz012345";
        let secrets = [secret(text)];
        let header = sign(&secrets[0], NOW, BODY);
        let changed = br#"{"id":"evt_1","type":"checkout.session.completed" }"#;
        assert_eq!(
            verify(&header, changed, &secrets, NOW),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verify(&header, BODY, &secrets, NOW + TOLERANCE_SECONDS + 1),
            Err(SignatureError::OutOfTolerance)
        );
        assert_eq!(
            verify(&header, BODY, &secrets, NOW - TOLERANCE_SECONDS - 1),
            Err(SignatureError::OutOfTolerance)
        );
        assert_eq!(
            verify(&header, BODY, &secrets, NOW + TOLERANCE_SECONDS),
            Ok(())
        );
        // The time is signed too: moving it breaks the signature.
        let moved = header.replace(&format!("t={NOW}"), &format!("t={}", NOW + 1));
        assert_eq!(
            verify(&moved, BODY, &secrets, NOW),
            Err(SignatureError::NoMatch)
        );
        for bad in [
            "",
            "t=abc,v1=00",
            &format!("t={NOW}"),
            "v1=00",
            &format!("t={NOW},v1=zz"),
        ] {
            assert_eq!(
                verify(bad, BODY, &secrets, NOW),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
    }
}
