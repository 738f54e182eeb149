//! `backup verify`: download, decrypt, check every hash, restore into scratch, and check the
//! restored copy as a restore would (`checks.rs`). Nothing of the scratch copy is kept.

use std::path::Path;
use std::sync::Arc;

use leadvault_store::{DatabaseUrl, Db, DbOptions, Engine, Ledger, Timestamp, migrate_ledger};
use tempfile::TempDir;

use crate::archive::{Expected, unpack};
use crate::checks::{Checked, KnownSchema, check_restored};
use crate::destination::Destination;
use crate::error::BackupError;
use crate::keys::Identities;
use crate::manifest::{Index, Manifest};
use crate::pipe::ChannelReader;
use crate::progress::Progress;
use crate::snapshot::{SQLITE_ANALYTICS, SQLITE_MAIN, scratch_dir};
use crate::tables::open_copy;

/// A backup found whole and restorable.
#[derive(Debug, Clone)]
pub struct Verified {
    pub index: Index,
    pub manifest: Manifest,
    pub checked: Checked,
}

/// An archive downloaded, decrypted and checked, unpacked in a scratch directory.
pub(crate) struct Unpacked {
    pub index: Index,
    pub manifest: Manifest,
    pub dir: TempDir,
}

/// Downloads `name` and unpacks it under `scratch`, every hash checked.
pub(crate) async fn fetch(
    from: &Destination,
    name: &str,
    identities: Arc<Identities>,
    known: &KnownSchema,
    scratch: &Path,
    progress: Arc<dyn Progress>,
) -> Result<Unpacked, BackupError> {
    let index = from.index(name).await?;
    known.admits(name, &index.schema, &index.leadvault_version)?;
    let dir = scratch_dir(scratch, "restore-")?;
    progress.step(
        "downloading, decrypting and checking",
        Some(index.archive_size),
    );
    let chunks = from.download(name).await?;
    let expected = Expected {
        name: name.to_owned(),
        archive_sha256: index.archive_sha256.clone(),
        archive_size: index.archive_size,
    };
    let into = dir.path().to_path_buf();
    let reading = progress.clone();
    let manifest = tokio::task::spawn_blocking(move || {
        unpack(
            ChannelReader::new(chunks),
            &identities,
            &expected,
            &into,
            &*reading,
        )
    })
    .await
    .map_err(|e| BackupError::Io {
        doing: "reading the archive".into(),
        source: std::io::Error::other(e),
    })??;
    // The index is outside the encryption; what is inside decides.
    known.admits(name, &manifest.schema, &manifest.leadvault_version)?;
    Ok(Unpacked {
        index,
        manifest,
        dir,
    })
}

/// Where a PostgreSQL backup is restored to be checked: a server on which the role may
/// create (and drop) a scratch database.
#[derive(Debug, Clone)]
pub struct ScratchServer(pub DatabaseUrl);

impl ScratchServer {
    /// `backup.verify_database_url`, else the installation's own PostgreSQL server (its
    /// `postgres` database, to connect to while creating the scratch one); none on SQLite.
    pub fn configured(
        settings: &leadvault_config::BackupSettings,
        database: &DatabaseUrl,
    ) -> Option<Self> {
        settings
            .verify_database_url
            .clone()
            .or_else(|| database.with_database("postgres"))
            .map(Self)
    }
}

pub async fn verify(
    from: &Destination,
    name: &str,
    identities: Arc<Identities>,
    known: &KnownSchema,
    scratch: &Path,
    server: Option<&ScratchServer>,
    progress: Arc<dyn Progress>,
) -> Result<Verified, BackupError> {
    let unpacked = fetch(from, name, identities, known, scratch, progress.clone()).await?;
    progress.step("restoring into scratch and checking", None);
    let documents = unpacked.dir.path().join("documents");
    let checked = match unpacked.manifest.engine.as_str() {
        "sqlite" => {
            let main = open_copy(&DatabaseUrl::sqlite_file(
                &unpacked.dir.path().join(SQLITE_MAIN),
            ))
            .await?;
            let analytics = open_copy(&DatabaseUrl::sqlite_file(
                &unpacked.dir.path().join(SQLITE_ANALYTICS),
            ))
            .await?;
            let checked = check_restored(
                name,
                &main,
                &analytics,
                &documents,
                &unpacked.manifest,
                known,
            )
            .await;
            main.close().await;
            analytics.close().await;
            checked?
        }
        "postgres" => {
            let server = server.ok_or_else(|| {
                BackupError::Settings(
                    "verifying a PostgreSQL backup needs a server to restore into (backup.verify_database_url)".into(),
                )
            })?;
            let scratch_db = ScratchDatabase::create(server).await?;
            let checked = async {
                let db = scratch_db.connect().await?;
                let result = async {
                    load_postgres(&db, unpacked.dir.path(), &unpacked.manifest, known).await?;
                    check_restored(name, &db, &db, &documents, &unpacked.manifest, known).await
                }
                .await;
                db.close().await;
                result
            }
            .await;
            scratch_db.drop_it().await;
            checked?
        }
        other => {
            return Err(BackupError::NotABackup {
                name: name.to_owned(),
                reason: format!("it is of an engine Leadvault does not know: {other}"),
            });
        }
    };
    Ok(Verified {
        index: unpacked.index,
        manifest: unpacked.manifest,
        checked,
    })
}

/// Creates the schema the backup was made with, then loads its rows.
pub(crate) async fn load_postgres(
    db: &Db,
    dir: &Path,
    manifest: &Manifest,
    known: &KnownSchema,
) -> Result<(), BackupError> {
    let now = Timestamp::from_unix_micros(manifest.created_at);
    let main = KnownSchema::as_of(&known.main, &manifest.schema.main);
    migrate_ledger(db, Ledger::MAIN, &main, now).await?;
    let analytics = KnownSchema::as_of(&known.analytics, &manifest.schema.analytics);
    migrate_ledger(db, Ledger::ANALYTICS, &analytics, now).await?;
    crate::postgres::load(db, &dir.join("postgres")).await
}

/// A database made for one verification and dropped after it.
struct ScratchDatabase {
    server: DatabaseUrl,
    name: String,
}

impl ScratchDatabase {
    async fn create(server: &ScratchServer) -> Result<Self, BackupError> {
        let name = format!("leadvault_verify_{}", uuid::Uuid::new_v4().simple());
        let admin = Db::connect(&server.0, &DbOptions::default()).await?;
        let made = leadvault_store::sqlx::query(leadvault_store::sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name}"
        )))
        .execute(admin.pool())
        .await;
        admin.close().await;
        made.map_err(|e| {
            BackupError::Settings(format!(
                "cannot create a scratch database to verify in (the role needs CREATEDB, or set backup.verify_database_url): {e}"
            ))
        })?;
        Ok(Self {
            server: server.0.clone(),
            name,
        })
    }

    async fn connect(&self) -> Result<Db, BackupError> {
        let url = self.server.with_database(&self.name).ok_or_else(|| {
            BackupError::Settings("backup.verify_database_url is not a PostgreSQL URL".into())
        })?;
        Ok(Db::connect(&url, &DbOptions::default()).await?)
    }

    async fn drop_it(self) {
        let Ok(admin) = Db::connect(&self.server, &DbOptions::default()).await else {
            tracing::warn!(database = %self.name, "could not drop the scratch database");
            return;
        };
        let dropped = leadvault_store::sqlx::query(leadvault_store::sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(admin.pool())
        .await;
        if let Err(e) = dropped {
            tracing::warn!(database = %self.name, error = %e, "could not drop the scratch database");
        }
        admin.close().await;
    }
}

pub(crate) fn engine_of(manifest: &Manifest) -> Option<Engine> {
    match manifest.engine.as_str() {
        "sqlite" => Some(Engine::Sqlite),
        "postgres" => Some(Engine::Postgres),
        _ => None,
    }
}
