//! Group commit for SQLite: writes queued at the same moment share one transaction and one
//! commit.
//!
//! SQLite writes one transaction at a time, and with `synchronous = FULL` every commit
//! waits for the disk. Under load, writers queue; here the queue is served by one task (the
//! committer) that opens a transaction, lends it to each queued writer in turn, each inside
//! a savepoint of its own, and commits once for all of them. A writer learns that its write
//! is durable only when that commit has returned, so nothing is acknowledged before it is
//! on disk; a writer whose work fails (or is dropped half-way) is rolled back to its
//! savepoint and the others go on. A writer alone commits alone, at once: nobody waits for
//! company.
//!
//! On PostgreSQL, which lets transactions write concurrently, a [`GroupedTx`] is a plain
//! write transaction.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor};
use tokio::sync::{mpsc, oneshot};

use crate::batch::{Batch, Outcomes, Statement};
use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::tenant::TenantScope;

/// The most writers one commit serves: a bound on how long other writers of the database
/// (which take the writer connection between groups) can wait.
const MOST_PER_GROUP: usize = 64;

/// Each writer's savepoint. One name serves all: a failure rolls back to the most recent
/// savepoint of that name, which is always the failing writer's own.
const SAVEPOINT: &str = "SAVEPOINT lv_member";
const ROLLBACK: &str = "ROLLBACK TO lv_member";

/// A write transaction that may share its commit (see the module's documentation). Run
/// batches of statements with [`GroupedTx::run`], then [`GroupedTx::commit`]; dropped
/// without committing, its writes are undone. Hold it for statements only (prepare
/// everything else before joining): every writer queued behind it waits meanwhile.
#[derive(Debug)]
pub struct GroupedTx {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Alone(Tx),
    Member(Lease),
}

/// The shared transaction, lent to one writer; it goes back to the committer when the
/// writer commits or is dropped.
#[derive(Debug)]
struct Lease {
    tx: Option<Tx>,
    savepoint: bool,
    /// What the writers before this one in the transaction settled ([`GroupedTx::recall`]).
    memo: Memo,
    /// What this one settles, for the writers after it if it commits.
    remembered: Memo,
    back: Option<oneshot::Sender<Returned>>,
    committed: Option<oneshot::Receiver<Result<(), Arc<str>>>>,
}

/// Values a shared transaction's writers leave one another (see [`GroupedTx::remember`]).
type Memo = HashMap<String, Vec<u8>>;

#[derive(Debug)]
struct Returned {
    tx: Tx,
    remembered: Memo,
    /// Whether the writer finished its work (it asked to commit).
    finished: bool,
    /// Whether the writer's savepoint was set (it ran anything).
    savepoint: bool,
}

/// A writer waiting for the shared transaction.
type Request = oneshot::Sender<Result<Lease, StoreError>>;

/// A write that reads first (see [`crate::Db::read_then_write_in`]): read on
/// [`ReadThenWrite::conn`], then [`ReadThenWrite::write`].
#[derive(Debug)]
pub struct ReadThenWrite {
    inner: ReadFirst,
}

#[derive(Debug)]
enum ReadFirst {
    /// SQLite: reads on a pooled connection, outside the write lock; then a grouped write.
    Apart {
        db: Db,
        scope: TenantScope,
        reader: PoolConnection<Any>,
    },
    /// PostgreSQL: reads in the write transaction itself.
    Inside(Tx),
}

impl ReadThenWrite {
    pub(crate) fn apart(db: Db, scope: TenantScope, reader: PoolConnection<Any>) -> Self {
        Self {
            inner: ReadFirst::Apart { db, scope, reader },
        }
    }

    pub(crate) fn inside(tx: Tx) -> Self {
        Self {
            inner: ReadFirst::Inside(tx),
        }
    }

    /// Where the reads run.
    pub fn conn(&mut self) -> &mut AnyConnection {
        match &mut self.inner {
            ReadFirst::Apart { reader, .. } => reader,
            ReadFirst::Inside(tx) => tx,
        }
    }

    /// The write, once the reads are done.
    pub async fn write(self) -> Result<GroupedTx, StoreError> {
        match self.inner {
            ReadFirst::Apart { db, scope, reader } => {
                drop(reader);
                db.begin_grouped_in(scope).await
            }
            ReadFirst::Inside(tx) => Ok(GroupedTx::alone(tx)),
        }
    }
}

/// The queue to the committer, which is started when first needed and stops when the last
/// [`crate::Db`] handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct Committer {
    requests: mpsc::UnboundedSender<Request>,
}

impl Committer {
    pub(crate) fn start(writer: AnyPool) -> Self {
        let (requests, queue) = mpsc::unbounded_channel();
        tokio::spawn(commit_groups(writer, queue));
        Self { requests }
    }

    pub(crate) async fn join(&self) -> Result<GroupedTx, StoreError> {
        let (request, lease) = oneshot::channel();
        self.requests
            .send(request)
            .map_err(|_| StoreError::SharedCommit("the committer has stopped".into()))?;
        let lease = lease
            .await
            .map_err(|_| StoreError::SharedCommit("the committer has stopped".into()))??;
        Ok(GroupedTx {
            inner: Inner::Member(lease),
        })
    }
}

impl GroupedTx {
    pub(crate) fn alone(tx: Tx) -> Self {
        Self {
            inner: Inner::Alone(tx),
        }
    }

    /// Runs `batch` in this transaction.
    pub async fn run(&mut self, batch: Batch) -> Result<Outcomes, StoreError> {
        match &mut self.inner {
            Inner::Alone(tx) => batch.run(tx).await,
            Inner::Member(lease) => {
                let tx = lease.tx.as_mut().ok_or(LENT_OUT)?;
                if lease.savepoint {
                    batch.run(tx).await
                } else {
                    lease.savepoint = true;
                    batch.run_preceded(Statement::new(SAVEPOINT), tx).await
                }
            }
        }
    }

    /// What an earlier writer of the same shared transaction settled and left under `key`
    /// ([`GroupedTx::remember`]), which a later one may take as known rather than read
    /// back: the committer holds SQLite's write lock from the first writer to the commit, so
    /// nothing outside the transaction changes it in between. Always `None` for a
    /// transaction of its own (PostgreSQL).
    pub fn recall(&self, key: &str) -> Option<&[u8]> {
        match &self.inner {
            Inner::Alone(_) => None,
            Inner::Member(lease) => lease.memo.get(key).map(Vec::as_slice),
        }
    }

    /// Leaves `value` under `key` for the writers after this one in the shared transaction,
    /// if this one commits; the writes it describes must be in this one's batches.
    pub fn remember(&mut self, key: String, value: Vec<u8>) {
        if let Inner::Member(lease) = &mut self.inner {
            lease.remembered.insert(key, value);
        }
    }

    /// Commits, or waits for the shared commit: when this returns `Ok`, the writes are
    /// durable.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.inner {
            Inner::Alone(tx) => Ok(tx.commit().await?),
            Inner::Member(mut lease) => {
                let committed = lease.committed.take().ok_or(LENT_OUT)?;
                lease.give_back(true);
                match committed.await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(why)) => Err(StoreError::SharedCommit(why)),
                    Err(_) => Err(StoreError::SharedCommit("the committer stopped".into())),
                }
            }
        }
    }
}

const LENT_OUT: StoreError = StoreError::Batch("a grouped transaction was used after commit");

impl Lease {
    fn give_back(&mut self, finished: bool) {
        if let (Some(tx), Some(back)) = (self.tx.take(), self.back.take()) {
            // If the committer is gone, the transaction is dropped, and rolled back.
            let _ = back.send(Returned {
                tx,
                remembered: std::mem::take(&mut self.remembered),
                finished,
                savepoint: self.savepoint,
            });
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.give_back(false);
    }
}

/// The committer: one group after another, each as many writers as are queued when it
/// starts or join while it runs, up to [`MOST_PER_GROUP`].
async fn commit_groups(writer: AnyPool, mut queue: mpsc::UnboundedReceiver<Request>) {
    while let Some(first) = queue.recv().await {
        let tx = match writer.begin_with("BEGIN IMMEDIATE").await {
            Ok(tx) => tx,
            Err(e) => {
                let _ = first.send(Err(e.into()));
                continue;
            }
        };
        let mut held = Some(tx);
        let mut memo = Memo::new();
        let mut members = Vec::new();
        let mut served = 0;
        let mut next = Some(first);
        let mut broken: Option<Arc<str>> = None;
        while let Some(request) = next.take() {
            let Some(tx) = held.take() else { break };
            let (back, returned) = oneshot::channel();
            let (committed, told) = oneshot::channel();
            let lease = Lease {
                tx: Some(tx),
                savepoint: false,
                memo: memo.clone(),
                remembered: Memo::new(),
                back: Some(back),
                committed: Some(told),
            };
            // A writer that stopped waiting drops the lease, which gives the transaction
            // straight back, unused.
            let _ = request.send(Ok(lease));
            let Ok(returned) = returned.await else {
                // Only if a lease was leaked: the transaction is gone with it.
                broken = Some("the shared transaction was lost".into());
                break;
            };
            let mut tx = returned.tx;
            served += 1;
            if returned.finished {
                memo.extend(returned.remembered);
                members.push(committed);
            } else if returned.savepoint
                && let Err(e) = tx.execute(ROLLBACK).await
            {
                // SQLite undoes the whole transaction after some errors (a full disk, an I/O
                // error); then there is no savepoint left to go back to.
                broken = Some(e.to_string().into());
                break;
            }
            held = Some(tx);
            if served < MOST_PER_GROUP {
                next = queue.try_recv().ok();
            }
        }
        let outcome = match (broken, held) {
            (None, Some(tx)) => tx.commit().await.map_err(|e| e.to_string().into()),
            (Some(why), _) => Err(why),
            (None, None) => Err("the shared transaction was lost".into()),
        };
        for member in members {
            let _ = member.send(outcome.clone());
        }
    }
}
