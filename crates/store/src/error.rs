use std::path::PathBuf;

/// What went wrong talking to the database, classified by what the caller should do.
///
/// `Unavailable` is transient: the web layer answers 503 and the pool reconnects by itself
/// when the database returns. The open-time variants carry a message an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is unavailable ({0})")]
    Unavailable(#[source] sqlx::Error),
    #[error(
        "cannot connect to PostgreSQL at {server}: {reason}; check that the server is running and the database URL is right"
    )]
    CannotConnect { server: String, reason: String },
    #[error(
        "{path} is not a readable SQLite database (it is damaged or not a database file); restore it from a backup or move it aside to start afresh"
    )]
    CorruptSqlite { path: PathBuf },
    #[error("cannot open SQLite database {path}: {reason}")]
    CannotOpenSqlite { path: PathBuf, reason: String },
    #[error("database query failed ({0})")]
    Query(#[source] sqlx::Error),
    /// The commit a write shared with others failed, the transaction was lost before it, or
    /// the committer is gone: the write is not stored.
    #[error("the shared commit failed ({0})")]
    SharedCommit(std::sync::Arc<str>),
    /// A [`crate::Batch`] was used against its contract: a bug, not the database's fault.
    #[error("a batch of statements went wrong: {0}")]
    Batch(&'static str),
}

impl StoreError {
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::CannotConnect { .. })
    }

    /// A uniqueness constraint refused the write: the caller usually has a domain answer
    /// for that ("this e-mail is taken"), so it is told apart from other failures.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Self::Query(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if is_connection_failure(&err) {
            Self::Unavailable(err)
        } else {
            Self::Query(err)
        }
    }
}

/// Errors after which retrying on a fresh connection may well succeed.
pub(crate) fn is_connection_failure(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // PostgreSQL class 08 is "connection exception"; 57P01-57P03 are shutdowns and
            // "cannot connect now" while the server starts. SQLite's BUSY (5) and LOCKED (6),
            // extended codes included, mean another writer held on past the busy timeout.
            code.starts_with("08")
                || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
                // (SQLSTATEs are always five characters; SQLite's numeric codes are shorter.)
                || (code.len() < 5 && code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, 5 | 6)))
        }),
        _ => false,
    }
}
