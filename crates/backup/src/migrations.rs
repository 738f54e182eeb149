use leadvault_store::Migration;

/// The record of backup runs (instance-wide: no organization owns a backup).
pub const MIGRATIONS: &[Migration] = &[Migration {
    id: "backup/0001_backup_runs",
    sqlite: include_str!("../migrations/sqlite/0001_backup_runs.sql"),
    postgres: include_str!("../migrations/postgres/0001_backup_runs.sql"),
}];
