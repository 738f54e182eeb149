use leadvault_store::Migration;

/// The accounts crate's tables, in the order they must be applied.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        id: "accounts/0001_accounts",
        sqlite: include_str!("../migrations/sqlite/0001_accounts.sql"),
        postgres: include_str!("../migrations/postgres/0001_accounts.sql"),
    },
    Migration {
        id: "accounts/0002_sign_in",
        sqlite: include_str!("../migrations/sqlite/0002_sign_in.sql"),
        postgres: include_str!("../migrations/postgres/0002_sign_in.sql"),
    },
    Migration {
        id: "accounts/0003_sites_and_invitations",
        sqlite: include_str!("../migrations/sqlite/0003_sites_and_invitations.sql"),
        postgres: include_str!("../migrations/postgres/0003_sites_and_invitations.sql"),
    },
    Migration {
        id: "accounts/0004_tenant_walls",
        sqlite: include_str!("../migrations/sqlite/0004_tenant_walls.sql"),
        postgres: include_str!("../migrations/postgres/0004_tenant_walls.sql"),
    },
    Migration {
        id: "accounts/0005_password_resets",
        sqlite: include_str!("../migrations/sqlite/0005_password_resets.sql"),
        postgres: include_str!("../migrations/postgres/0005_password_resets.sql"),
    },
    Migration {
        id: "accounts/0006_customers",
        sqlite: include_str!("../migrations/sqlite/0006_customers.sql"),
        postgres: include_str!("../migrations/postgres/0006_customers.sql"),
    },
    Migration {
        id: "accounts/0007_email_changes",
        sqlite: include_str!("../migrations/sqlite/0007_email_changes.sql"),
        postgres: include_str!("../migrations/postgres/0007_email_changes.sql"),
    },
    Migration {
        id: "accounts/0008_access_reviews",
        sqlite: include_str!("../migrations/sqlite/0008_access_reviews.sql"),
        postgres: include_str!("../migrations/postgres/0008_access_reviews.sql"),
    },
    Migration {
        id: "accounts/0009_site_privacy",
        sqlite: include_str!("../migrations/sqlite/0009_site_privacy.sql"),
        postgres: include_str!("../migrations/postgres/0009_site_privacy.sql"),
    },
];
