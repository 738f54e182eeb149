use std::path::Path;
use std::sync::{Arc, Once, OnceLock};
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Row};

use crate::batch::{Batch, Outcomes};
use crate::error::StoreError;
use crate::group::{Committer, GroupedWrite, ReadThenWrite, write_alone};
use crate::tenant::{TenantScope, set_tenant_scope};
use crate::url::DatabaseUrl;

/// The two database engines Leadvault runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A transaction on either engine.
pub type Tx = sqlx::Transaction<'static, Any>;

/// Pool sizing and patience. The acquire timeout is short on purpose: when the database is
/// gone, a request should get a quick 503, not hang.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(3),
        }
    }
}

/// A connection pool to one database, SQLite or PostgreSQL. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    /// Where [`Db::begin_write`] takes its connection. On SQLite a pool of one: SQLite lets
    /// one transaction write at a time anyway, and writers that queue here are handed the
    /// connection the moment the last one commits, where writers on several connections
    /// would wait on SQLite's busy handler, which sleeps and polls (1, 2, 5, 10 … 100 ms),
    /// leaving the lock idle between them. On PostgreSQL the same pool as everything else.
    writer: AnyPool,
    /// SQLite's group committer, started by the first [`Db::write_grouped_in`].
    committer: Arc<OnceLock<Committer>>,
    engine: Engine,
}

// SQLite settings for every connection: WAL so readers never block the writer; `FULL` so a
// commit is on disk before it returns (with `NORMAL`, a power cut may take back transactions
// that were acknowledged); a busy timeout so concurrent writers queue instead of failing;
// enforced foreign keys; a WAL file cut back to 64 MiB once checkpointed; and reads through
// a memory map of up to 2 GiB of the file (most builds' limit), not a copy per page read
// (an experiment's results read millions of rows; see docs/PERFORMANCE.md).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
     PRAGMA journal_size_limit = 67108864; PRAGMA mmap_size = 2147418112;";

/// The writer connection checkpoints the WAL itself only past this many pages (64 MiB of
/// 4 KiB pages), a bound for when nothing calls [`Db::checkpoint`]. By default SQLite
/// checkpoints in the commit that takes the WAL past 1,000 pages, and on the one writer
/// connection every transaction queued behind that commit would wait for it.
///
/// The writer also keeps up to 64 MiB of pages in its cache (SQLite's default is 2 MiB):
/// writes that land all over an index (analytics' millions of events) otherwise spend their
/// time copying pages in from the operating system.
const WRITER_CHECKPOINT_PAGES: &str =
    "PRAGMA wal_autocheckpoint = 16384; PRAGMA cache_size = -65536;";

impl Db {
    /// Opens a pool and proves the database answers, turning the usual failures (server
    /// down, wrong credentials, damaged file) into one-line messages an operator can act on.
    pub async fn connect(url: &DatabaseUrl, options: &DbOptions) -> Result<Self, StoreError> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);

        let engine = url.engine();
        if let Some(path) = url.sqlite_path() {
            check_sqlite_file(&path)?;
        }
        // One direct connection first: its error names the real cause (refused, bad
        // password, damaged file) where a pool would retry and report only a timeout.
        // Bounded, so a host that silently drops packets gives an error, not a long hang.
        let mut probe = tokio::time::timeout(
            options.acquire_timeout,
            AnyConnection::connect(url.expose()),
        )
        .await
        .map_err(|_| open_error(url, sqlx::Error::PoolTimedOut))?
        .map_err(|e| open_error(url, e))?;
        if engine == Engine::Sqlite {
            probe
                .execute(SQLITE_PRAGMAS)
                .await
                .map_err(|e| open_error(url, e))?;
        }
        probe.close().await.map_err(|e| open_error(url, e))?;

        let pool_of = |max_connections: u32, more_pragmas: Option<&'static str>| {
            AnyPoolOptions::new()
                .max_connections(max_connections)
                // A pinged SQLite connection proves nothing a statement would not (it is a
                // file, not a socket), and a ping is one more hand-off to its thread.
                .test_before_acquire(engine == Engine::Postgres)
                .acquire_timeout(options.acquire_timeout)
                .after_connect(move |conn: &mut AnyConnection, _meta| {
                    Box::pin(async move {
                        if engine == Engine::Sqlite {
                            conn.execute(SQLITE_PRAGMAS).await?;
                            if let Some(pragmas) = more_pragmas {
                                conn.execute(pragmas).await?;
                            }
                        }
                        Ok(())
                    })
                })
                .connect_lazy(url.expose())
                .map_err(|e| open_error(url, e))
        };
        let pool = pool_of(options.max_connections, None)?;
        let writer = match engine {
            Engine::Sqlite => pool_of(1, Some(WRITER_CHECKPOINT_PAGES))?,
            Engine::Postgres => pool.clone(),
        };
        Ok(Self {
            pool,
            writer,
            committer: Arc::new(OnceLock::new()),
            engine,
        })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The pool, for domain crates to run their queries on.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// A transaction that will write. On SQLite it runs on the one writer connection and
    /// takes the write lock at once (`BEGIN IMMEDIATE`): writers of this process queue for
    /// the connection, and writers of other processes (or of other connections, such as
    /// one-statement writes on the pool) wait on the busy timeout, where a transaction that
    /// read first and wrote later would fail when it tried to upgrade its lock while another
    /// writes. On PostgreSQL, a plain `BEGIN`.
    pub async fn begin_write(&self) -> Result<Tx, StoreError> {
        match self.engine {
            Engine::Sqlite => Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?),
            Engine::Postgres => self.begin().await,
        }
    }

    /// Does `work` in a write transaction that may share its commit with writes queued at
    /// the same moment (on SQLite; see [`GroupedWrite`]), seeing the rows of `scope` only:
    /// for the writes that come many at a time, such as submissions. On PostgreSQL, in a
    /// transaction of its own ([`Db::begin_write_in`]). When this returns `Ok`, the write
    /// is durable.
    pub async fn write_grouped_in<W: GroupedWrite>(
        &self,
        scope: TenantScope,
        work: W,
    ) -> Result<W::Output, W::Error> {
        match self.engine {
            Engine::Sqlite => {
                let committer = self
                    .committer
                    .get_or_init(|| Committer::start(self.writer.clone()));
                committer.write(work).await
            }
            Engine::Postgres => write_alone(self.begin_write_in(scope).await?, work).await,
        }
    }

    /// A write that must read first (a duplicate check, the rules it goes by), seeing the
    /// rows of `scope` only. On SQLite the reads run on a pooled connection, outside the
    /// write lock, and the write is grouped ([`Db::write_grouped_in`]); on PostgreSQL they
    /// run in the write transaction itself, which saves the round trips of a transaction of
    /// their own.
    pub async fn read_then_write_in(
        &self,
        scope: TenantScope,
    ) -> Result<ReadThenWrite, StoreError> {
        match self.engine {
            Engine::Sqlite => Ok(ReadThenWrite::apart(
                self.clone(),
                scope,
                self.pool.acquire().await?,
            )),
            Engine::Postgres => Ok(ReadThenWrite::inside(self.begin_write_in(scope).await?)),
        }
    }

    /// [`Db::begin_write`], seeing the rows of `scope` only.
    pub async fn begin_write_in(&self, scope: TenantScope) -> Result<Tx, StoreError> {
        let mut tx = self.begin_write().await?;
        set_tenant_scope(&mut tx, scope).await?;
        Ok(tx)
    }

    /// A transaction that sees the rows of `scope` only (see [`TenantScope`]). Every query
    /// of tenant tables runs in one.
    pub async fn begin_in(&self, scope: TenantScope) -> Result<Tx, StoreError> {
        let mut tx = self.begin().await?;
        set_tenant_scope(&mut tx, scope).await?;
        Ok(tx)
    }

    /// A read of the rows of `scope`, for reads on the hot path. On PostgreSQL a
    /// transaction, as [`Db::begin_in`] (the scope is set for it). On SQLite a pooled
    /// connection without `BEGIN` and `COMMIT`: there is no scope to set, each statement
    /// reads a consistent snapshot on its own, and every statement costs a hand-off to the
    /// driver's connection thread, which is where SQLite's time goes. Reads whose
    /// statements must see one snapshot together use [`Db::begin_in`].
    pub async fn read_in(&self, scope: TenantScope) -> Result<Reader, StoreError> {
        match self.engine {
            Engine::Sqlite => Ok(Reader::Connection(self.pool.acquire().await?)),
            Engine::Postgres => Ok(Reader::Transaction(self.begin_in(scope).await?)),
        }
    }

    /// Runs `batch`, statements that only read, as one [`Db::read_in`]: on SQLite one
    /// hand-off to a connection's thread for them all.
    pub async fn read_batch_in(
        &self,
        scope: TenantScope,
        batch: Batch,
    ) -> Result<Outcomes, StoreError> {
        let mut read = self.read_in(scope).await?;
        let outcomes = batch.run(read.conn()).await?;
        read.finish().await?;
        Ok(outcomes)
    }

    /// Whether the role we connect as is exempt from row-level security (a PostgreSQL
    /// superuser, or a role with BYPASSRLS): then the second wall between tenants is down.
    /// Always `false` on SQLite, which has no such wall.
    pub async fn bypasses_row_security(&self) -> Result<bool, StoreError> {
        if self.engine != Engine::Postgres {
            return Ok(false);
        }
        let exempt: i64 = sqlx::query_scalar(
            "SELECT CASE WHEN rolsuper OR rolbypassrls THEN 1 ELSE 0 END FROM pg_roles WHERE rolname = current_user",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(exempt == 1)
    }

    /// Proves a connection can be had and a statement runs.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        conn.ping().await?;
        sqlx::query("SELECT 1").execute(&mut *conn).await?;
        Ok(())
    }

    /// Copies what the WAL holds into the database file, as far as readers allow, without
    /// holding up writers (SQLite's passive checkpoint): `serve` calls this a few times a
    /// second, so that the writer connection does not checkpoint in its commits. How many
    /// pages the WAL holds and how many of them are now in the database file; `None` on
    /// PostgreSQL, which has nothing of the kind to do.
    pub async fn checkpoint(&self) -> Result<Option<Checkpointed>, StoreError> {
        if self.engine != Engine::Sqlite {
            return Ok(None);
        }
        let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&self.pool)
            .await?;
        Ok(Some(Checkpointed {
            wal_pages: row.try_get(1)?,
            copied_pages: row.try_get(2)?,
        }))
    }

    /// Closes every connection; on SQLite this checkpoints the WAL into the main file.
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// Fails early, with a clear message, on paths SQLite would reject with a cryptic one.
fn check_sqlite_file(path: &Path) -> Result<(), StoreError> {
    let cannot_open = |reason: &str| StoreError::CannotOpenSqlite {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(cannot_open("it is a directory, not a file")),
        Ok(_) => std::fs::File::open(path)
            .map(drop)
            .map_err(|e| cannot_open(&e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => Err(cannot_open(
                "its directory does not exist; create it or choose another data directory",
            )),
            _ => Ok(()),
        },
        Err(e) => Err(cannot_open(&e.to_string())),
    }
}

fn open_error(url: &DatabaseUrl, err: sqlx::Error) -> StoreError {
    if let Some(path) = url.sqlite_path() {
        let code = match &err {
            sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
            _ => None,
        };
        // SQLITE_CORRUPT (11) and SQLITE_NOTADB (26), and their extended codes, whose low
        // byte is the primary code.
        let primary = code.and_then(|c| c.parse::<i64>().ok()).map(|c| c & 0xff);
        if matches!(primary, Some(11 | 26)) {
            return StoreError::CorruptSqlite { path };
        }
        return StoreError::CannotOpenSqlite {
            path,
            reason: err.to_string(),
        };
    }
    let reason = match &err {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::PoolTimedOut => "no answer in time".to_owned(),
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01" | "28000") => "authentication failed".to_owned(),
            Some("3D000") => "the database does not exist".to_owned(),
            _ => db.message().to_owned(),
        },
        other => other.to_string(),
    };
    StoreError::CannotConnect {
        server: url.server(),
        reason,
    }
}

/// What a [`Db::checkpoint`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpointed {
    pub wal_pages: i64,
    pub copied_pages: i64,
}

/// A read opened by [`Db::read_in`]: run queries on [`Reader::conn`], then
/// [`Reader::finish`].
#[derive(Debug)]
pub enum Reader {
    Transaction(Tx),
    Connection(sqlx::pool::PoolConnection<sqlx::Any>),
}

impl Reader {
    /// The connection to run the read's queries on.
    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        match self {
            Self::Transaction(tx) => tx,
            Self::Connection(conn) => conn,
        }
    }

    /// Ends the read (commits the transaction, or gives the connection back).
    pub async fn finish(self) -> Result<(), StoreError> {
        if let Self::Transaction(tx) = self {
            tx.commit().await?;
        }
        Ok(())
    }
}
