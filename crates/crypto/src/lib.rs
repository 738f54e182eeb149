//! Key material and secret tokens for Leadvault.
//!
//! This crate is the only place that touches cryptographic primitives; every one of them
//! comes from `ring`. Secrets live in types that zeroize on drop and never print themselves.

mod blind_index;
mod field;
mod fingerprint;
mod hex;
mod key;
mod local_key;
mod mac;
mod pkcs11;
mod provider;
mod random;
mod stream;
mod token;

pub use blind_index::{
    BLIND_INDEX_LEN, BlindIndex, IndexKind, NormalizeError, blind_index, normalize_email,
    normalize_phone,
};
pub use field::{FieldContext, FieldError, decrypt_field, encrypt_field, field_key_ref};
pub use fingerprint::fingerprint;
pub use hex::{from_hex, to_hex};
pub use key::{KEY_LEN, KeyBytes, KeyRef};
pub use local_key::{KeyFileError, LocalKeyFile, ROOT_KEY_LEN, RootKey};
pub use mac::{mac, mac_matches};
pub use pkcs11::{Pkcs11Pin, Pkcs11Provider, Pkcs11Settings};
pub use provider::{KeyProvider, LocalProvider, ProviderError, unwrap_key, wrap_key};
pub use random::{RandomError, random_bytes};
pub use stream::{
    DEFAULT_CHUNK_SIZE, STREAM_HEADER_LEN, StreamError, decrypt_stream, encrypt_stream,
    stream_key_ref,
};
pub use token::{SecretToken, TokenHash, TokenParseError};
