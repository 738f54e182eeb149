use leadvault_store::Migration;

/// The webhook tables (after accounts': endpoints belong to organizations).
pub const MIGRATIONS: &[Migration] = &[Migration {
    id: "webhooks/0001_webhooks",
    sqlite: include_str!("../migrations/sqlite/0001_webhooks.sql"),
    postgres: include_str!("../migrations/postgres/0001_webhooks.sql"),
}];
