//! Keyed message authentication with a data key, for values the server hands out and must
//! recognize later (a public form's page token). HMAC-SHA-256; the label separates uses, so
//! a tag made for one purpose is never accepted for another.

use ring::hmac;

use crate::key::KeyBytes;

fn key_for(key: &KeyBytes, label: &[u8]) -> hmac::Key {
    // A sub-key per label: HMAC(data key, label).
    let base = hmac::Key::new(hmac::HMAC_SHA256, key.expose());
    hmac::Key::new(hmac::HMAC_SHA256, hmac::sign(&base, label).as_ref())
}

/// The 32-byte tag of `message` under `key`, for the use named by `label`.
pub fn mac(key: &KeyBytes, label: &[u8], message: &[u8]) -> Vec<u8> {
    hmac::sign(&key_for(key, label), message).as_ref().to_vec()
}

/// Whether `tag` is `message`'s tag under `key` for `label`, compared in constant time.
pub fn mac_matches(key: &KeyBytes, label: &[u8], message: &[u8], tag: &[u8]) -> bool {
    hmac::verify(&key_for(key, label), message, tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_holds_for_its_label_message_and_key_only() {
        let key = KeyBytes::generate().unwrap();
        let tag = mac(&key, b"a", b"message");
        assert!(mac_matches(&key, b"a", b"message", &tag));
        assert!(!mac_matches(&key, b"b", b"message", &tag));
        assert!(!mac_matches(&key, b"a", b"messagE", &tag));
        assert!(!mac_matches(
            &KeyBytes::generate().unwrap(),
            b"a",
            b"message",
            &tag
        ));
        assert!(!mac_matches(&key, b"a", b"message", &tag[..31]));
    }
}
