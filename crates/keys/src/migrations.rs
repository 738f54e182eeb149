use leadvault_store::Migration;

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        id: "keys/0001_keys",
        sqlite: include_str!("../migrations/sqlite/0001_keys.sql"),
        postgres: include_str!("../migrations/postgres/0001_keys.sql"),
    },
    Migration {
        id: "keys/0002_signing_keys",
        sqlite: include_str!("../migrations/sqlite/0002_signing_keys.sql"),
        postgres: include_str!("../migrations/postgres/0002_signing_keys.sql"),
    },
];
