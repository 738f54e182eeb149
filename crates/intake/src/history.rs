//! The history of a lead or a work order: what happened to it, in order, by whom.
//! Statuses and ids only, never what it says.

use leadvault_audit::Actor;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Batch, Db, OrgId, Statement, TenantScope, Timestamp, Tx};

use crate::error::IntakeError;
use crate::ids::{LeadId, OrderId};

/// Whose history: each kind of record keeps its own (its events go when it goes).
#[derive(Debug, Clone, Copy)]
pub enum Trail {
    Lead(LeadId),
    Order(OrderId),
}

impl Trail {
    fn table_and_column(self) -> (&'static str, &'static str) {
        match self {
            Self::Lead(_) => ("lead_events", "lead_id"),
            Self::Order(_) => ("work_order_events", "order_id"),
        }
    }

    fn id(self) -> String {
        match self {
            Self::Lead(id) => id.to_string(),
            Self::Order(id) => id.to_string(),
        }
    }
}

/// What a line of a history says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryKind {
    /// Received (a lead) or placed (an order); the detail is the first status.
    Created,
    /// The status changed; the detail is the new one.
    Status,
    /// Assigned; the detail is the assignee's user id.
    Assigned,
    /// A note was added; the detail is the note's id.
    Note,
    /// Staff say they contacted the person (no detail).
    Contacted,
    /// A follow-up date was set (the detail, RFC 3339) or cleared (empty).
    FollowUp,
    /// A payment changed; the detail is its new state (`payments`' `PaymentState` name).
    Payment,
}

impl HistoryKind {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Status => "status",
            Self::Assigned => "assigned",
            Self::Note => "note",
            Self::Contacted => "contacted",
            Self::FollowUp => "follow_up",
            Self::Payment => "payment",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [
            Self::Created,
            Self::Status,
            Self::Assigned,
            Self::Note,
            Self::Contacted,
            Self::FollowUp,
            Self::Payment,
        ]
        .into_iter()
        .find(|kind| kind.name() == name)
    }
}

/// Adds to `batch` a line of a history, for the caller's transaction: what happened
/// (`kind`), and its detail (the new status, the assignee's user id or the note's id).
pub fn record_event(
    batch: &mut Batch,
    org: OrgId,
    trail: Trail,
    actor: Actor,
    kind: HistoryKind,
    detail: &str,
    now: Timestamp,
) {
    let (actor_kind, actor_id) = actor.parts();
    let (table, column) = trail.table_and_column();
    batch.push(
        Statement::new(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {table} ({column}, org_id, at, actor_kind, actor_id, kind, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )))
        .bind(trail.id())
        .bind(org.to_string())
        .bind(now.as_unix_micros())
        .bind(actor_kind)
        .bind(actor_id)
        .bind(kind.name())
        .bind(detail),
    );
}

/// One line of a history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEvent {
    pub at: Timestamp,
    /// `member`, `anonymous`, `system`.
    pub actor_kind: String,
    pub actor_id: String,
    pub kind: HistoryKind,
    /// The new status, or the assignee's user id.
    pub detail: String,
}

/// A lead's history, oldest first (no personal data: statuses and ids).
pub async fn lead_history(
    db: &Db,
    org: OrgId,
    lead: LeadId,
) -> Result<Vec<HistoryEvent>, IntakeError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let events = history_in(&mut tx, org, Trail::Lead(lead)).await?;
    tx.commit().await?;
    Ok(events)
}

/// A history, oldest first, in the caller's transaction.
pub(crate) async fn history_in(
    tx: &mut Tx,
    org: OrgId,
    trail: Trail,
) -> Result<Vec<HistoryEvent>, IntakeError> {
    let (table, column) = trail.table_and_column();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT at, actor_kind, actor_id, kind, detail FROM {table} \
         WHERE {column} = $1 AND org_id = $2 ORDER BY at"
    )))
    .bind(trail.id())
    .bind(org.to_string())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(HistoryEvent {
                at: Timestamp::from_unix_micros(row.try_get(0)?),
                actor_kind: row.try_get(1)?,
                actor_id: row.try_get(2)?,
                kind: HistoryKind::parse(&row.try_get::<String, _>(3)?)
                    .ok_or(IntakeError::Corrupt("a history line's kind"))?,
                detail: row.try_get(4)?,
            })
        })
        .collect()
}
