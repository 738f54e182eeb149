//! Lower-case hexadecimal, for the few places that show or store bytes as text (key ids,
//! session ids, hashes). Not for secrets that need zeroizing: callers wrap those themselves.

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of `text` if it is whole hexadecimal (either case), else `None`.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    // Checked byte by byte: `from_str_radix` alone would take a sign ("+1").
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_what_is_not_hex() {
        assert_eq!(to_hex(&[0, 0xab, 0x7f]), "00ab7f");
        assert_eq!(from_hex("00ab7f"), Some(vec![0, 0xab, 0x7f]));
        assert_eq!(from_hex("00AB7F"), Some(vec![0, 0xab, 0x7f]));
        assert_eq!(from_hex(""), Some(vec![]));
        for bad in ["abc", "zz", "+1", "é0"] {
            assert_eq!(from_hex(bad), None, "{bad}");
        }
    }
}
