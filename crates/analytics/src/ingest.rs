//! The ingester: one task that takes hits from the request handlers through a bounded
//! queue, follows visits, and writes events and changed visits in batches, every second or
//! every [`IngestOptions::flush_at`] events, whichever comes first, and once more when it
//! is stopped.
//!
//! What a crash can lose: the hits queued and buffered since the last flush, at most one
//! second's worth or `flush_at` events plus the queue. A request is answered once its hit is
//! queued, not stored: analytics trades that second for answering at once. A failed write is
//! kept and tried again at the next flush; past [`IngestOptions::max_buffered`] events the
//! oldest are dropped (and counted in the log), so a database outage cannot exhaust memory.
//!
//! A write runs in a task of its own, so hits are taken while it runs; the next write waits
//! for it. The ingester also keeps the rollups reports read up to date: a task of its own
//! rolls up again, every [`IngestOptions::roll_every`], the days something was stored to,
//! and once more when the ingester stops.

use std::collections::HashMap;
use std::time::Duration;

use leadvault_store::{SiteId, StoreError, Timestamp};
use ring::rand::{SecureRandom, SystemRandom};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::day::Day;
use crate::error::AnalyticsError;
use crate::hit::Hit;
use crate::rollup::Pending;
use crate::storage::{AnalyticsDb, StoredEvent};
use crate::visits::{Seen, Visit, VisitId, Visits};

/// How the ingester batches.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The longest a hit waits in the buffer.
    pub flush_every: Duration,
    /// A flush as soon as this many events are buffered.
    pub flush_at: usize,
    /// Hits queued between the handlers and the ingester; past it, hits are refused.
    pub queue: usize,
    /// Open visits followed at most.
    pub open_visits: usize,
    /// Events kept for another try after failed writes, at most.
    pub max_buffered: usize,
    /// How fresh reports are: days with new events are rolled up again this often.
    pub roll_every: Duration,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            flush_every: Duration::from_secs(1),
            flush_at: 10_000,
            queue: 100_000,
            open_visits: 200_000,
            max_buffered: 1_000_000,
            roll_every: Duration::from_secs(60),
        }
    }
}

enum Command {
    Hit(Box<Hit>),
    Flush(oneshot::Sender<()>),
}

/// The handlers' end: cheap to clone.
#[derive(Debug, Clone)]
pub struct Ingester {
    queue: mpsc::Sender<Command>,
}

/// The queue is full or the ingester has stopped: the hit was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("analytics is overloaded; the event was not taken")]
pub struct Overloaded;

impl Ingester {
    /// Queues `hit` without waiting.
    pub fn accept(&self, hit: Hit) -> Result<(), Overloaded> {
        self.queue
            .try_send(Command::Hit(Box::new(hit)))
            .map_err(|_| Overloaded)
    }

    /// Returns once everything queued before the call is stored (or its write failed) and
    /// rolled up for reports.
    pub async fn flush(&self) {
        let (done, flushed) = oneshot::channel();
        if self.queue.send(Command::Flush(done)).await.is_ok() {
            let _ = flushed.await;
        }
    }
}

/// The running ingester's tasks.
#[derive(Debug)]
pub struct Ingesting {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
    roller: JoinHandle<()>,
}

impl Ingesting {
    /// Stops taking hits, stores what was taken (open visits as they are), rolls it up,
    /// and returns.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
        self.roller.abort();
    }
}

/// Starts the ingester writing to `db`, and its task keeping the rollups up to date.
pub fn start(
    db: AnalyticsDb,
    options: IngestOptions,
) -> Result<(Ingester, Ingesting), AnalyticsError> {
    let mut first_id = [0_u8; 8];
    SystemRandom::new()
        .fill(&mut first_id)
        .map_err(|_| AnalyticsError::Random)?;
    // Half the range, so that counting up never wraps in practice.
    let first_id = i64::from_le_bytes(first_id) >> 1;
    let (queue, received) = mpsc::channel(options.queue.max(1));
    let (stop, stopped) = oneshot::channel();
    let pending = Pending::default();
    let roller = tokio::spawn(roll_up_every(
        db.clone(),
        pending.clone(),
        options.roll_every,
    ));
    let state = Buffer {
        visits: Visits::new(options.open_visits, first_id),
        events: Vec::new(),
        visits_to_write: HashMap::new(),
        in_flight: None,
        pending,
        db,
        options,
    };
    let task = tokio::spawn(run(state, received, stopped));
    Ok((Ingester { queue }, Ingesting { stop, task, roller }))
}

/// Rolls up the days stored to, every `every`.
async fn roll_up_every(db: AnalyticsDb, pending: Pending, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        pending.roll_up(&db).await;
    }
}

/// A write handed to its own task: its result, and what it wrote (kept to try again).
type Write = JoinHandle<(Result<(), StoreError>, Vec<StoredEvent>, Vec<Visit>)>;

struct Buffer {
    visits: Visits,
    events: Vec<StoredEvent>,
    /// The latest state of every visit changed and not yet handed to a write.
    visits_to_write: HashMap<(SiteId, VisitId), Visit>,
    /// The write under way, if any: hits are taken meanwhile, and the next write waits.
    in_flight: Option<Write>,
    pending: Pending,
    db: AnalyticsDb,
    options: IngestOptions,
}

async fn run(
    mut buffer: Buffer,
    mut received: mpsc::Receiver<Command>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut ticker = tokio::time::interval(buffer.options.flush_every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut commands = Vec::with_capacity(1024);
    loop {
        tokio::select! {
            biased;
            _ = &mut stopped => break,
            count = received.recv_many(&mut commands, 1024) => {
                if count == 0 {
                    break;
                }
                for command in commands.drain(..) {
                    match command {
                        Command::Hit(hit) => buffer.take(*hit),
                        Command::Flush(done) => {
                            buffer.flush(Timestamp::now()).await;
                            buffer.settle().await;
                            buffer.pending.roll_up(&buffer.db).await;
                            let _ = done.send(());
                        }
                    }
                }
                if buffer.events.len() >= buffer.options.flush_at {
                    buffer.flush(Timestamp::now()).await;
                }
            }
            _ = ticker.tick() => buffer.flush(Timestamp::now()).await,
        }
    }
    // Whatever was queued before the stop is taken too.
    received.close();
    while let Some(command) = received.recv().await {
        match command {
            Command::Hit(hit) => buffer.take(*hit),
            Command::Flush(done) => {
                let _ = done.send(());
            }
        }
    }
    buffer.visits.finish_all();
    buffer.flush(Timestamp::now()).await;
    buffer.settle().await;
    buffer.pending.roll_up(&buffer.db).await;
}

impl Buffer {
    fn take(&mut self, hit: Hit) {
        let recorded = self.visits.record(&Seen {
            site: hit.site,
            visitor: hit.visitor,
            page: &hit.path,
            pageview: hit.is_pageview(),
            at: hit.at,
            facts: &hit.facts,
        });
        let props = (!hit.props.is_empty())
            .then(|| serde_json::to_string(&hit.props).ok())
            .flatten();
        self.events.push(StoredEvent {
            site: hit.site,
            at: hit.at,
            visit: recorded.visit,
            visitor: hit.visitor.today,
            name: hit.name,
            path: hit.path,
            props,
            revenue: hit.revenue,
        });
    }

    /// Hands what was taken to a write of its own, once the last one is done.
    async fn flush(&mut self, now: Timestamp) {
        self.settle().await;
        self.visits.close_idle(now);
        for visit in self.visits.take_changed() {
            self.visits_to_write.insert((visit.site, visit.id), visit);
        }
        if self.events.is_empty() && self.visits_to_write.is_empty() {
            return;
        }
        let events = std::mem::take(&mut self.events);
        let visits: Vec<Visit> = self.visits_to_write.drain().map(|(_, v)| v).collect();
        let db = self.db.clone();
        self.in_flight = Some(tokio::spawn(async move {
            let written = db.write(&events, &visits).await;
            (written, events, visits)
        }));
    }

    /// Waits for the write under way; what it stored is to be rolled up, what it could not
    /// is kept for the next one.
    async fn settle(&mut self) {
        let Some(write) = self.in_flight.take() else {
            return;
        };
        let (written, events, visits) = match write.await {
            Ok(done) => done,
            Err(_) => {
                tracing::error!("an analytics write stopped before it finished");
                return;
            }
        };
        match written {
            Ok(()) => self.pending.add(
                events
                    .iter()
                    .map(|event| (event.site, Day::of(event.at)))
                    .chain(
                        visits
                            .iter()
                            .map(|visit| (visit.site, Day::of(visit.started))),
                    ),
            ),
            Err(error) => {
                tracing::error!(
                    events = events.len(),
                    visits = visits.len(),
                    %error,
                    "analytics could not be stored; trying again at the next flush"
                );
                // Older first; a visit changed since keeps its newer state.
                let newer = std::mem::replace(&mut self.events, events);
                self.events.extend(newer);
                for visit in visits {
                    self.visits_to_write
                        .entry((visit.site, visit.id))
                        .or_insert(visit);
                }
                let excess = self.events.len().saturating_sub(self.options.max_buffered);
                if excess > 0 {
                    self.events.drain(..excess);
                    tracing::error!(dropped = excess, "analytics events dropped: buffer full");
                }
            }
        }
    }
}
