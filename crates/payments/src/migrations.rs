use leadvault_store::Migration;

/// The payment tables (after intake's: payments are for work orders and leads).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        id: "payments/0001_payments",
        sqlite: include_str!("../migrations/sqlite/0001_payments.sql"),
        postgres: include_str!("../migrations/postgres/0001_payments.sql"),
    },
    Migration {
        id: "payments/0002_plans",
        sqlite: include_str!("../migrations/sqlite/0002_plans.sql"),
        postgres: include_str!("../migrations/postgres/0002_plans.sql"),
    },
];
