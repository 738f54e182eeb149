//! Storage for Leadvault on two engines through one API.
//!
//! SQLite is the embedded default; PostgreSQL serves several `serve` processes sharing one
//! database. Both run behind sqlx's runtime-selected `Any` driver, so every domain crate
//! writes its SQL once, in the portable subset both engines share (`$1` placeholders,
//! `BIGINT` timestamps, `TEXT` ids, binary blobs), and keeps engine-specific DDL in its
//! per-engine migrations. `docs/ARCHITECTURE.md` explains why this was chosen over a
//! storage trait with one implementation per engine.

mod batch;
mod db;
mod error;
mod group;
mod id;
mod migrate;
mod tenant;
mod time;
mod url;

pub use batch::{Batch, Done, Outcomes, Slot, Statement, Value};
pub use db::{Checkpointed, Db, DbOptions, Engine, Reader, Tx};
pub use error::StoreError;
pub use group::{GroupedWrite, ReadThenWrite, Step, Turn};
pub use migrate::{
    Ledger, Migration, MigrationError, SchemaStatus, migrate, migrate_ledger, schema_status,
    schema_status_ledger,
};
pub use tenant::{OrgId, SiteId, TenantScope, set_tenant_scope};
pub use time::{Civil, Timestamp};
pub use url::{DatabaseUrl, DatabaseUrlError};

/// For [`uuid_id!`]'s ids.
pub use uuid::Uuid;

/// Re-exported so domain crates write queries against the same sqlx the pool was built with.
pub use sqlx;
