//! A fingerprint of public content: SHA-256, in hex. For telling versions of a document
//! apart (an HTTP entity tag), not for anything secret.

use crate::hex::to_hex;

pub fn fingerprint(content: &[u8]) -> String {
    to_hex(ring::digest::digest(&ring::digest::SHA256, content).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_sha256_in_hex() {
        // FIPS 180-2's example "abc".
        assert_eq!(
            fingerprint(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
