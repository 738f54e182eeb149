//! What the domain crates contribute to the application as a whole. The one list of each
//! that `serve`, `migrate`, `/readyz` and `leadvault keys` agree on.

use leadvault_keys::EncryptedColumn;
use leadvault_store::Migration;

/// Every domain crate's migrations, in dependency order.
pub fn migrations() -> Vec<Migration> {
    [
        leadvault_accounts::MIGRATIONS,
        leadvault_keys::MIGRATIONS,
        leadvault_mail::MIGRATIONS,
        leadvault_audit::MIGRATIONS,
        leadvault_webhooks::MIGRATIONS,
        leadvault_documents::MIGRATIONS,
        leadvault_intake::MIGRATIONS,
        leadvault_payments::MIGRATIONS,
        leadvault_backup::MIGRATIONS,
        leadvault_analytics::DEFINITION_MIGRATIONS,
    ]
    .concat()
}

/// The migrations this binary knows, per ledger: what a backup's schema is checked against.
pub fn backup_schema() -> leadvault_backup::KnownSchema {
    leadvault_backup::KnownSchema {
        main: migrations(),
        analytics: leadvault_analytics::MIGRATIONS.to_vec(),
    }
}

/// Every column that holds field ciphertexts, for re-encryption after a tenant key rotation
/// and for `keys status`. Accounts stores TOTP secrets (under the installation's own key,
/// `OrgId::INSTANCE`), mail its queued messages and keys the audit checkpoint key (the same
/// key owner); intake the lead and work-order answers of each class and staff notes;
/// documents the uploaded file names; webhooks their endpoints' signing secrets; payments
/// the organizations' Stripe keys and webhook signing secrets.
pub fn encrypted_columns() -> Vec<EncryptedColumn> {
    let mut columns = vec![
        leadvault_accounts::TOTP_SECRET_COLUMN,
        leadvault_mail::OUTBOX_COLUMN,
        leadvault_keys::SIGNING_KEY_COLUMN,
    ];
    columns.extend(leadvault_intake::LEAD_COLUMNS);
    columns.extend(leadvault_intake::ORDER_COLUMNS);
    columns.push(leadvault_documents::NAME_COLUMN);
    columns.push(leadvault_intake::NOTE_COLUMN);
    columns.push(leadvault_webhooks::SECRET_COLUMN);
    columns.push(leadvault_payments::KEY_COLUMN);
    columns.push(leadvault_payments::SIGNING_SECRET_COLUMN);
    columns
}
