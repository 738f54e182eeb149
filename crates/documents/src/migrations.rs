use leadvault_store::Migration;

/// The documents table (after accounts': documents belong to organizations).
pub const MIGRATIONS: &[Migration] = &[Migration {
    id: "documents/0001_documents",
    sqlite: include_str!("../migrations/sqlite/0001_documents.sql"),
    postgres: include_str!("../migrations/postgres/0001_documents.sql"),
}];
