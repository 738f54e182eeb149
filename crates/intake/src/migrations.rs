use leadvault_store::Migration;

/// The intake crate's tables (after accounts': forms belong to organizations and sites).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        id: "intake/0001_intake",
        sqlite: include_str!("../migrations/sqlite/0001_intake.sql"),
        postgres: include_str!("../migrations/postgres/0001_intake.sql"),
    },
    Migration {
        id: "intake/0002_notes",
        sqlite: include_str!("../migrations/sqlite/0002_notes.sql"),
        postgres: include_str!("../migrations/postgres/0002_notes.sql"),
    },
    Migration {
        id: "intake/0003_routing",
        sqlite: include_str!("../migrations/sqlite/0003_routing.sql"),
        postgres: include_str!("../migrations/postgres/0003_routing.sql"),
    },
    Migration {
        id: "intake/0004_spent_pages",
        sqlite: include_str!("../migrations/sqlite/0004_spent_pages.sql"),
        postgres: include_str!("../migrations/postgres/0004_spent_pages.sql"),
    },
    Migration {
        id: "intake/0005_work_orders",
        sqlite: include_str!("../migrations/sqlite/0005_work_orders.sql"),
        postgres: include_str!("../migrations/postgres/0005_work_orders.sql"),
    },
    Migration {
        id: "intake/0006_speed_to_lead",
        sqlite: include_str!("../migrations/sqlite/0006_speed_to_lead.sql"),
        postgres: include_str!("../migrations/postgres/0006_speed_to_lead.sql"),
    },
    Migration {
        id: "intake/0007_order_board",
        sqlite: include_str!("../migrations/sqlite/0007_order_board.sql"),
        postgres: include_str!("../migrations/postgres/0007_order_board.sql"),
    },
];
