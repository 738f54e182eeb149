//! Group commit for SQLite: writes queued at the same moment share one transaction and one
//! commit.
//!
//! SQLite writes one transaction at a time, and with `synchronous = FULL` every commit
//! waits for the disk. Under load, writers queue; here the queue is served by one task (the
//! committer) that opens a transaction, does each queued writer's work in turn, each inside
//! a savepoint of its own, and commits once for all of them. A writer learns that its write
//! is durable only when that commit has returned, so nothing is acknowledged before it is
//! on disk; a writer whose work fails is rolled back to its savepoint and the others go on.
//! A writer alone commits alone, at once: nobody waits for company.
//!
//! A writer hands its work over as a [`GroupedWrite`], steps that each give the next batch
//! of statements from what the last one did, rather than borrowing the transaction: the
//! committer runs them itself, so a writer's turn costs the round trips to SQLite and no
//! task switch, and every writer queued behind it waits that much less.
//!
//! On PostgreSQL, which lets transactions write concurrently, the work is done in a plain
//! write transaction of its own.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor};
use tokio::sync::{mpsc, oneshot};

use crate::batch::{Batch, Outcomes};
use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::tenant::TenantScope;

/// The most writers one commit serves: a bound on how long other writers of the database
/// (which take the writer connection between groups) can wait.
const MOST_PER_GROUP: usize = 64;

/// Each writer's savepoint. Before the next writer's, the last one's is released (its
/// writes become the transaction's), so a failure rolls back to the failing writer's own;
/// both ride in that writer's first batch.
const FIRST_SAVEPOINT: &[&str] = &["SAVEPOINT lv_member"];
const NEXT_SAVEPOINT: &[&str] = &["RELEASE lv_member", "SAVEPOINT lv_member"];
const ROLLBACK: &str = "ROLLBACK TO lv_member";

/// A write done in steps, each a batch of statements: [`GroupedWrite::step`] is called
/// first with no outcomes, then with the outcomes of each batch it asked for, until it is
/// done. Steps run while every writer queued behind this one waits: prepare everything
/// that needs no answer from the database (encryption, rendering) before.
pub trait GroupedWrite: Send + 'static {
    type Output: Send + 'static;
    type Error: From<StoreError> + Send + 'static;

    /// The next batch to run, given what the last one did (`None` at first), or the
    /// output. An error undoes this write's batches.
    fn step(
        &mut self,
        turn: &mut Turn<'_>,
        last: Option<Outcomes>,
    ) -> Result<Step<Self::Output>, Self::Error>;
}

/// What a write does next.
#[derive(Debug)]
pub enum Step<T> {
    Run(Batch),
    Done(T),
}

/// Values a shared transaction's writers leave one another (see [`Turn::remember`]).
type Memo = HashMap<String, Vec<u8>>;

/// A writer's view of the transaction it may share.
#[derive(Debug)]
pub struct Turn<'a> {
    /// What the writers before this one in the transaction settled.
    known: &'a Memo,
    /// What this one settles, for the writers after it if it succeeds.
    remembered: &'a mut Memo,
}

impl Turn<'_> {
    /// What an earlier writer of the same shared transaction settled and left under `key`
    /// ([`Turn::remember`]), which a later one may take as known rather than read back:
    /// the committer holds SQLite's write lock from the first writer to the commit, so
    /// nothing outside the transaction changes it in between. Always `None` for a
    /// transaction of its own (PostgreSQL).
    pub fn recall(&self, key: &str) -> Option<&[u8]> {
        self.known.get(key).map(Vec::as_slice)
    }

    /// Leaves `value` under `key` for the writers after this one in the shared transaction,
    /// if this one succeeds; the writes it describes must be in this one's batches.
    pub fn remember(&mut self, key: String, value: Vec<u8>) {
        self.remembered.insert(key, value);
    }
}

/// Does `work` in `tx`, alone, and commits.
pub(crate) async fn write_alone<W: GroupedWrite>(
    mut tx: Tx,
    mut work: W,
) -> Result<W::Output, W::Error> {
    let known = Memo::new();
    let mut remembered = Memo::new();
    let mut last = None;
    loop {
        let mut turn = Turn {
            known: &known,
            remembered: &mut remembered,
        };
        match work.step(&mut turn, last.take())? {
            Step::Run(batch) => last = Some(batch.run(&mut tx).await?),
            Step::Done(output) => {
                tx.commit().await.map_err(StoreError::from)?;
                return Ok(output);
            }
        }
    }
}

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

    /// The write, once the reads are done; when this returns `Ok`, it is durable.
    pub async fn write<W: GroupedWrite>(self, work: W) -> Result<W::Output, W::Error> {
        match self.inner {
            ReadFirst::Apart { db, scope, reader } => {
                drop(reader);
                db.write_grouped_in(scope, work).await
            }
            ReadFirst::Inside(tx) => write_alone(tx, work).await,
        }
    }
}

/// A writer's work as the committer holds it, whatever its types.
trait Member: Send {
    /// Whether the writer stopped waiting (then its work is not done).
    fn abandoned(&self) -> bool;
    /// The next batch, or `None` when the work is over (done or failed).
    fn step(&mut self, turn: &mut Turn<'_>, last: Option<Outcomes>) -> Option<Batch>;
    /// Ends the work with `error`.
    fn fail(&mut self, error: StoreError);
    fn failed(&self) -> bool;
    /// Tells the writer: its work's result, once its transaction's fate is known.
    fn finish(self: Box<Self>, committed: Result<(), Arc<str>>);
}

struct Pending<W: GroupedWrite> {
    work: W,
    result: Option<Result<W::Output, W::Error>>,
    reply: oneshot::Sender<Result<W::Output, W::Error>>,
}

impl<W: GroupedWrite> Member for Pending<W> {
    fn abandoned(&self) -> bool {
        self.reply.is_closed()
    }

    fn step(&mut self, turn: &mut Turn<'_>, last: Option<Outcomes>) -> Option<Batch> {
        if self.result.is_some() {
            return None;
        }
        // A writer's bug must not stop the committer, which every other writer needs.
        let stepped = catch_unwind(AssertUnwindSafe(|| self.work.step(turn, last)))
            .unwrap_or_else(|_| Err(StoreError::Batch("a grouped write panicked").into()));
        match stepped {
            Ok(Step::Run(batch)) => Some(batch),
            Ok(Step::Done(output)) => {
                self.result = Some(Ok(output));
                None
            }
            Err(error) => {
                self.result = Some(Err(error));
                None
            }
        }
    }

    fn fail(&mut self, error: StoreError) {
        self.result = Some(Err(error.into()));
    }

    fn failed(&self) -> bool {
        !matches!(self.result, Some(Ok(_)))
    }

    fn finish(self: Box<Self>, committed: Result<(), Arc<str>>) {
        let result = match (self.result, committed) {
            (Some(Err(error)), _) => Err(error),
            (Some(Ok(output)), Ok(())) => Ok(output),
            (Some(Ok(_)), Err(why)) => Err(StoreError::SharedCommit(why).into()),
            (None, _) => Err(StoreError::SharedCommit("the write was not done".into()).into()),
        };
        // A writer that stopped waiting is not told.
        let _ = self.reply.send(result);
    }
}

/// The queue to the committer, which is started when first needed and stops when the last
/// [`crate::Db`] handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct Committer {
    requests: mpsc::UnboundedSender<Box<dyn Member>>,
}

impl std::fmt::Debug for dyn Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Member")
    }
}

impl Committer {
    pub(crate) fn start(writer: AnyPool) -> Self {
        let (requests, queue) = mpsc::unbounded_channel();
        tokio::spawn(commit_groups(writer, queue));
        Self { requests }
    }

    pub(crate) async fn write<W: GroupedWrite>(&self, work: W) -> Result<W::Output, W::Error> {
        let stopped = || StoreError::SharedCommit("the committer has stopped".into());
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            work,
            result: None,
            reply,
        };
        self.requests
            .send(Box::new(pending))
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// How one writer's turn ended.
enum Served {
    /// Its work is done, its savepoint open; what it settled for those after it.
    Done(Memo),
    /// Its work failed and is undone.
    Undone,
    /// Its work failed and could not be undone alone: the transaction is lost.
    Broken(Arc<str>),
}

/// The committer: one group after another, each as many writers as are queued when it
/// starts or join while it runs, up to [`MOST_PER_GROUP`].
async fn commit_groups(writer: AnyPool, mut queue: mpsc::UnboundedReceiver<Box<dyn Member>>) {
    while let Some(first) = queue.recv().await {
        if first.abandoned() {
            continue;
        }
        let mut tx = match writer.begin_with("BEGIN IMMEDIATE").await {
            Ok(tx) => tx,
            Err(e) => {
                first.finish(Err(e.to_string().into()));
                continue;
            }
        };
        let mut memo = Memo::new();
        let mut members: Vec<Box<dyn Member>> = Vec::new();
        let mut broken: Option<Arc<str>> = None;
        let mut served = 0;
        // Whether a writer's savepoint is open (to be released before the next one's).
        let mut open = false;
        let mut next = Some(first);
        while let Some(mut member) = next.take() {
            if !member.abandoned() {
                served += 1;
                match serve(&mut tx, &mut open, &memo, member.as_mut()).await {
                    Served::Done(remembered) => {
                        memo.extend(remembered);
                        members.push(member);
                    }
                    // Its result is an error whatever the others' fate: it is told now.
                    Served::Undone => member.finish(Ok(())),
                    Served::Broken(why) => {
                        member.finish(Ok(()));
                        broken = Some(why);
                        break;
                    }
                }
            }
            if served < MOST_PER_GROUP {
                next = queue.try_recv().ok();
            }
        }
        let outcome = match broken {
            None => tx.commit().await.map_err(|e| e.to_string().into()),
            Some(why) => Err(why),
        };
        for member in members {
            member.finish(outcome.clone());
        }
    }
}

/// Does one writer's work in the shared transaction, in a savepoint of its own (`open`:
/// whether the writer before left one open, and then whether this one did).
async fn serve(tx: &mut Tx, open: &mut bool, known: &Memo, member: &mut dyn Member) -> Served {
    let mut remembered = Memo::new();
    let mut last = None;
    let mut opened = false;
    loop {
        let mut turn = Turn {
            known,
            remembered: &mut remembered,
        };
        let Some(batch) = member.step(&mut turn, last.take()) else {
            break;
        };
        let ran = if opened {
            batch.run(tx).await.map_err(|error| (error, true))
        } else {
            let savepoint = if *open {
                NEXT_SAVEPOINT
            } else {
                FIRST_SAVEPOINT
            };
            let ran = batch.run_preceded(savepoint, tx).await;
            opened = ran
                .as_ref()
                .map_or_else(|failed| failed.prefix_ran, |_| true);
            *open |= opened;
            ran.map_err(|failed| (failed.error, failed.prefix_ran))
        };
        match ran {
            Ok(outcomes) => last = Some(outcomes),
            Err((error, in_savepoint)) => {
                member.fail(error);
                if !in_savepoint {
                    // Without its own savepoint, rolling back would undo the writer before.
                    return Served::Broken("a writer's savepoint could not be set".into());
                }
                break;
            }
        }
    }
    if !member.failed() {
        return Served::Done(remembered);
    }
    if !opened {
        return Served::Undone;
    }
    match tx.execute(ROLLBACK).await {
        Ok(_) => Served::Undone,
        // SQLite undoes the whole transaction after some errors (a full disk, an I/O
        // error); then there is no savepoint left to go back to.
        Err(e) => Served::Broken(e.to_string().into()),
    }
}
