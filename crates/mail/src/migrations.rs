use leadvault_store::Migration;

/// The mail crate's tables.
pub const MIGRATIONS: &[Migration] = &[Migration {
    id: "mail/0001_outbox",
    sqlite: include_str!("../migrations/sqlite/0001_outbox.sql"),
    postgres: include_str!("../migrations/postgres/0001_outbox.sql"),
}];
