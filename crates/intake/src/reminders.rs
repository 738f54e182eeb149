//! Which leads are owed a reminder now: those past their organization's speed-to-lead target
//! with no first contact (first the assignee is reminded, then, a target's time later,
//! intake staff; a lead nobody was given goes to intake staff at once), and those whose
//! follow-up date has come. The reminder job (in `jobs`) decides who receives each and
//! writes the e-mails; [`mark_reminded`] records each reminder once, with its e-mails in the
//! same transaction, so a reminder is neither lost nor sent twice by two servers.

use std::time::Duration;

use leadvault_audit::{Acting, Chain, append};
use leadvault_mail::{SealedMail, enqueue_sealed};
use leadvault_store::sqlx::any::AnyRow;
use leadvault_store::sqlx::{self, Row as _};
use leadvault_store::{Batch, Db, OrgId, SiteId, TenantScope, Timestamp};
use uuid::Uuid;

use crate::actions::IntakeAction;
use crate::contact_target::ContactTarget;
use crate::error::IntakeError;
use crate::ids::LeadId;
use crate::leads::site_of;
use crate::pipeline::NEW;

/// Leads looked at per round, at most (the next round takes the rest).
const ROUND: i64 = 500;
/// A lead older than this gets no first-contact reminder: setting a target for the first
/// time must not flood anyone with last year's leads.
const RECENT: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Who a reminder is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemindWhom {
    /// The member the lead was given to.
    Assignee(Uuid),
    /// Intake staff of the lead's site.
    IntakeStaff,
}

/// What the reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderKind {
    /// The lead has had no first contact by its target (`due`).
    FirstContact { due: Timestamp, target_minutes: i64 },
    /// Its follow-up date has come.
    FollowUp { due: Timestamp },
}

/// A reminder owed now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReminder {
    pub org: OrgId,
    pub lead: LeadId,
    pub form_name: String,
    pub site: Option<SiteId>,
    pub received: Timestamp,
    pub kind: ReminderKind,
    pub whom: RemindWhom,
}

impl DueReminder {
    /// The stage the lead's reminder column moves to once this one is sent.
    fn stage(&self) -> (&'static str, i64) {
        match (self.kind, self.whom) {
            (ReminderKind::FirstContact { .. }, RemindWhom::Assignee(_)) => ("contact_reminded", 1),
            (ReminderKind::FirstContact { .. }, RemindWhom::IntakeStaff) => ("contact_reminded", 2),
            (ReminderKind::FollowUp { .. }, _) => ("follow_up_reminded", 1),
        }
    }
}

/// Every reminder owed at `now`, across organizations.
pub async fn due_reminders(db: &Db, now: Timestamp) -> Result<Vec<DueReminder>, IntakeError> {
    let mut tx = db.begin_in(TenantScope::AllOrganizations).await?;
    let waiting = sqlx::query(
        "SELECT l.id, l.org_id, f.name, l.site_id, l.assigned_to, l.created_at, \
         l.contact_reminded, t.minutes, t.weekdays, t.opens, t.closes, t.utc_offset \
         FROM leads l JOIN contact_targets t ON t.org_id = l.org_id \
         JOIN forms f ON f.id = l.form_id \
         WHERE l.first_contact_at IS NULL AND l.contact_reminded < 2 AND l.status = $1 \
         AND l.created_at >= $2 AND l.created_at + t.minutes * 60000000 <= $3 \
         ORDER BY l.created_at LIMIT $4",
    )
    .bind(NEW)
    .bind(now.saturating_sub(RECENT).as_unix_micros())
    .bind(now.as_unix_micros())
    .bind(ROUND)
    .fetch_all(&mut *tx)
    .await?;
    let follow_ups = sqlx::query(
        "SELECT l.id, l.org_id, f.name, l.site_id, l.assigned_to, l.created_at, l.follow_up_at \
         FROM leads l JOIN forms f ON f.id = l.form_id \
         WHERE l.follow_up_at IS NOT NULL AND l.follow_up_at <= $1 AND l.follow_up_reminded = 0 \
         ORDER BY l.follow_up_at LIMIT $2",
    )
    .bind(now.as_unix_micros())
    .bind(ROUND)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut due = Vec::new();
    for row in &waiting {
        let target = ContactTarget::read(row, 7)?;
        let lead = LeadRow::read(row)?;
        let first_due = target.due(lead.received);
        let reminded: i64 = row.try_get(6)?;
        let whom = match (reminded, lead.assignee) {
            (0, Some(member)) if first_due <= now => RemindWhom::Assignee(member),
            (0, None) if first_due <= now => RemindWhom::IntakeStaff,
            // The assignee had a target's time more: now intake staff hear of it.
            (1, _) if target.after_office_minutes(first_due, target.minutes) <= now => {
                RemindWhom::IntakeStaff
            }
            _ => continue,
        };
        due.push(lead.owed(
            ReminderKind::FirstContact {
                due: first_due,
                target_minutes: target.minutes,
            },
            whom,
        ));
    }
    for row in &follow_ups {
        let lead = LeadRow::read(row)?;
        let whom = lead
            .assignee
            .map_or(RemindWhom::IntakeStaff, RemindWhom::Assignee);
        let at = Timestamp::from_unix_micros(row.try_get(6)?);
        due.push(lead.owed(ReminderKind::FollowUp { due: at }, whom));
    }
    Ok(due)
}

/// The columns both queries start with: id, organization, form name, site, assignee,
/// received.
struct LeadRow {
    org: OrgId,
    lead: LeadId,
    form_name: String,
    site: Option<SiteId>,
    assignee: Option<Uuid>,
    received: Timestamp,
}

impl LeadRow {
    fn read(row: &AnyRow) -> Result<Self, IntakeError> {
        Ok(Self {
            lead: LeadId::parse(&row.try_get::<String, _>(0)?)
                .ok_or(IntakeError::Corrupt("a lead id"))?,
            org: OrgId::parse(&row.try_get::<String, _>(1)?)
                .ok_or(IntakeError::Corrupt("an organization id"))?,
            form_name: row.try_get(2)?,
            site: site_of(row.try_get(3)?)?,
            assignee: row
                .try_get::<Option<String>, _>(4)?
                .and_then(|a| Uuid::try_parse(&a).ok()),
            received: Timestamp::from_unix_micros(row.try_get(5)?),
        })
    }

    fn owed(self, kind: ReminderKind, whom: RemindWhom) -> DueReminder {
        DueReminder {
            org: self.org,
            lead: self.lead,
            form_name: self.form_name,
            site: self.site,
            received: self.received,
            kind,
            whom,
        }
    }
}

/// Records that `reminder` was sent, and queues `mails` (its e-mails, sealed by the caller)
/// in the same transaction. Returns false, and queues nothing, if the reminder
/// was already recorded (another server, or an earlier round, sent it) or the lead changed
/// meanwhile (contacted, or its follow-up date moved).
pub async fn mark_reminded(
    db: &Db,
    acting: &Acting,
    reminder: &DueReminder,
    mails: &[SealedMail],
) -> Result<bool, IntakeError> {
    let org = acting.org;
    let (column, stage) = reminder.stage();
    let (still, follow_up_at) = match reminder.kind {
        ReminderKind::FirstContact { .. } => ("first_contact_at IS NULL", None),
        ReminderKind::FollowUp { due } => ("follow_up_at = $4", Some(due.as_unix_micros())),
    };
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    let mark = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE leads SET {column} = $1 WHERE id = $2 AND org_id = $3 AND {column} < $1 \
         AND {still}"
    )))
    .bind(stage)
    .bind(reminder.lead.to_string())
    .bind(org.to_string());
    let mark = match follow_up_at {
        Some(at) => mark.bind(at),
        None => mark,
    };
    let marked = mark.execute(&mut *tx).await?.rows_affected();
    if marked != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    let about = match reminder.kind {
        ReminderKind::FirstContact { .. } => "first_contact",
        ReminderKind::FollowUp { .. } => "follow_up",
    };
    let event = acting
        .by
        .event(IntakeAction::LeadReminderSent)
        .on("lead", reminder.lead)
        .touching(&[about]);
    append(&mut tx, Chain::of(org), &event, acting.now).await?;
    let mut queue = Batch::new();
    for mail in mails {
        enqueue_sealed(&mut queue, mail, acting.now);
    }
    queue.run(&mut tx).await?;
    tx.commit().await?;
    Ok(true)
}
