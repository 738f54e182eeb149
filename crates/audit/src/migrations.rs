use leadvault_store::Migration;

/// The audit crate's tables.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        id: "audit/0001_audit",
        sqlite: include_str!("../migrations/sqlite/0001_audit.sql"),
        postgres: include_str!("../migrations/postgres/0001_audit.sql"),
    },
    Migration {
        id: "audit/0002_checkpoints",
        sqlite: include_str!("../migrations/sqlite/0002_checkpoints.sql"),
        postgres: include_str!("../migrations/postgres/0002_checkpoints.sql"),
    },
];
