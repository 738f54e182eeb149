//! Key material and secret tokens for Leadvault.
//!
//! This crate is the only place that touches cryptographic primitives; every one of them
//! comes from `ring`. Secrets live in types that zeroize on drop and never print themselves.

mod local_key;
mod random;
mod token;

pub use local_key::{KeyFileError, LocalKeyFile, ROOT_KEY_LEN, RootKey};
pub use random::{RandomError, random_bytes};
pub use token::{SecretToken, TokenHash, TokenParseError};
