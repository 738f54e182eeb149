//! `backup restore`: into an empty data directory or database only. Everything is
//! downloaded, decrypted and checked in scratch first; the target is touched only once the
//! whole backup is known good, and the restored copy is checked again where it lies.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use leadvault_store::{DatabaseUrl, Db, DbOptions, Engine};

use crate::checks::{Checked, KnownSchema, check_restored};
use crate::destination::Destination;
use crate::error::BackupError;
use crate::keys::Identities;
use crate::manifest::Index;
use crate::progress::Progress;
use crate::snapshot::{SQLITE_ANALYTICS, SQLITE_MAIN};
use crate::tables::open_copy;
use crate::verify::{engine_of, fetch, load_postgres};

/// Where a backup is restored to.
#[derive(Debug, Clone)]
pub struct Target {
    pub database: DatabaseUrl,
    /// Analytics' database: the SQLite file beside the main one, or the same PostgreSQL one.
    pub analytics: DatabaseUrl,
    pub documents_dir: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Restored {
    pub index: Index,
    pub checked: Checked,
}

pub async fn restore(
    from: &Destination,
    name: &str,
    identities: Arc<Identities>,
    known: &KnownSchema,
    target: &Target,
    scratch: &Path,
    progress: Arc<dyn Progress>,
) -> Result<Restored, BackupError> {
    check_empty(target).await?;
    let unpacked = fetch(from, name, identities, known, scratch, progress.clone()).await?;
    let engine = engine_of(&unpacked.manifest).ok_or_else(|| BackupError::NotABackup {
        name: name.to_owned(),
        reason: format!(
            "it is of an engine Leadvault does not know: {}",
            unpacked.manifest.engine
        ),
    })?;
    if engine != target.database.engine() {
        return Err(BackupError::Settings(format!(
            "backup {name} is of a {} installation; restore it into {} (cross-engine restores are not supported)",
            engine.name(),
            engine.name()
        )));
    }
    progress.step("restoring", None);
    let documents = unpacked.dir.path().join("documents");
    let placed = place_documents(&documents, &target.documents_dir);
    let databases = match placed {
        Err(e) => Err(e),
        Ok(()) => match engine {
            Engine::Sqlite => place_sqlite(unpacked.dir.path(), target),
            Engine::Postgres => {
                let db = Db::connect(&target.database, &DbOptions::default()).await?;
                let loaded =
                    load_postgres(&db, unpacked.dir.path(), &unpacked.manifest, known).await;
                db.close().await;
                loaded
            }
        },
    };
    if let Err(e) = databases {
        undo(target, engine);
        return Err(e);
    }
    progress.step("checking the restored copy", None);
    let main = open_copy(&target.database).await?;
    let analytics = match engine {
        Engine::Sqlite => open_copy(&target.analytics).await?,
        Engine::Postgres => main.clone(),
    };
    let checked = check_restored(
        name,
        &main,
        &analytics,
        &target.documents_dir,
        &unpacked.manifest,
        known,
    )
    .await;
    main.close().await;
    if engine == Engine::Sqlite {
        analytics.close().await;
    }
    Ok(Restored {
        index: unpacked.index,
        checked: checked?,
    })
}

/// Refuses a target that holds anything: a restore never merges into, or overwrites, data.
async fn check_empty(target: &Target) -> Result<(), BackupError> {
    match target.database.engine() {
        Engine::Sqlite => {
            for url in [&target.database, &target.analytics] {
                if let Some(path) = url.sqlite_path()
                    && std::fs::metadata(&path).is_ok_and(|m| m.len() > 0)
                {
                    return Err(BackupError::TargetNotEmpty(format!(
                        "the database file {} exists",
                        path.display()
                    )));
                }
            }
        }
        Engine::Postgres => {
            let db = Db::connect(&target.database, &DbOptions::default()).await?;
            let empty = crate::postgres::is_empty(&db).await;
            db.close().await;
            if !empty? {
                return Err(BackupError::TargetNotEmpty(format!(
                    "the database {} has tables",
                    target.database
                )));
            }
        }
    }
    if let Ok(mut entries) = std::fs::read_dir(&target.documents_dir)
        && entries.next().is_some()
    {
        return Err(BackupError::TargetNotEmpty(format!(
            "the documents directory {} has files",
            target.documents_dir.display()
        )));
    }
    Ok(())
}

/// Moves a checked file into place: copied beside its final name, synced, renamed.
fn place(from: &Path, to: &Path) -> Result<(), BackupError> {
    let partial = to.with_extension("restoring");
    std::fs::copy(from, &partial).map_err(BackupError::io("restoring a file", to))?;
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(BackupError::io("restoring a file", to))?;
    std::fs::rename(&partial, to).map_err(BackupError::io("restoring a file", to))
}

fn place_sqlite(unpacked: &Path, target: &Target) -> Result<(), BackupError> {
    for (inside, url) in [
        (SQLITE_MAIN, &target.database),
        (SQLITE_ANALYTICS, &target.analytics),
    ] {
        let to = url.sqlite_path().ok_or_else(|| {
            BackupError::Settings("the target database is not a SQLite file".into())
        })?;
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(BackupError::io("making the data directory", parent))?;
        }
        place(&unpacked.join(inside), &to)?;
    }
    Ok(())
}

fn place_documents(unpacked: &Path, to: &Path) -> Result<(), BackupError> {
    std::fs::create_dir_all(to).map_err(BackupError::io("making the documents directory", to))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700))
            .map_err(BackupError::io("securing the documents directory", to))?;
    }
    let Ok(entries) = std::fs::read_dir(unpacked) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry.map_err(BackupError::io("reading the unpacked documents", unpacked))?;
        place(&entry.path(), &to.join(entry.file_name()))?;
    }
    Ok(())
}

/// Takes back what a failed restore placed, so that the target is empty again (on
/// PostgreSQL the schema the migrations made stays: see docs/OPERATIONS.md).
fn undo(target: &Target, engine: Engine) {
    if engine == Engine::Sqlite {
        for url in [&target.database, &target.analytics] {
            if let Some(path) = url.sqlite_path() {
                let _ = std::fs::remove_file(path);
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(&target.documents_dir) {
        for entry in entries.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
