use leadvault_store::Migration;

/// Every domain crate's migrations, in dependency order. The one list `serve`, `migrate`
/// and `/readyz` agree on.
pub fn migrations() -> Vec<Migration> {
    [leadvault_accounts::MIGRATIONS, leadvault_keys::MIGRATIONS].concat()
}
