//! What the domain crates contribute to the application as a whole. The one list of each
//! that `serve`, `migrate`, `/readyz` and `leadvault keys` agree on.

use leadvault_keys::EncryptedColumn;
use leadvault_store::Migration;

/// Every domain crate's migrations, in dependency order.
pub fn migrations() -> Vec<Migration> {
    [leadvault_accounts::MIGRATIONS, leadvault_keys::MIGRATIONS].concat()
}

/// Every column that holds field ciphertexts, for re-encryption after a tenant key rotation
/// and for `keys status`. The domain crates that store personal data (intake) add theirs
/// here; accounts and keys store none.
pub fn encrypted_columns() -> Vec<EncryptedColumn> {
    Vec::new()
}
