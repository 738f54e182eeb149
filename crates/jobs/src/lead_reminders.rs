//! Speed-to-lead and follow-up reminders: a lead not contacted by its organization's target
//! is e-mailed to its assignee, then to intake staff; a follow-up date that has come, to the
//! assignee (or intake staff if nobody has the lead). The e-mails say which form and when,
//! and link to the lead; nothing the person wrote is in them.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use leadvault_accounts::{MemberSummary, Role, list_members};
use leadvault_audit::{Acting, Actor, By};
use leadvault_intake::{DueReminder, RemindWhom, ReminderKind, due_reminders, mark_reminded};
use leadvault_keys::Keyring;
use leadvault_mail::{Mail, Recipient, seal};
use leadvault_store::{Db, Timestamp};
use tokio::sync::Notify;
use zeroize::Zeroizing;

use crate::error::JobError;

/// Who sends the reminders, in the audit log.
pub const LEAD_REMINDER_ACTOR: Actor = Actor::System("lead-reminders");

/// How often the job looks for reminders owed: well within any target.
const LOOK_EVERY: Duration = Duration::from_secs(60);

enum About {
    FirstContact(i64),
    FollowUp,
}

#[derive(Template)]
#[template(path = "lead_reminder.txt")]
struct ReminderText<'a> {
    about: About,
    form_name: &'a str,
    received: String,
    due: String,
    link: &'a str,
    to_assignee: bool,
}

/// Who hears of `reminder` among `members`: the assignee while they are still one who may
/// work the lead; intake staff of the lead's site otherwise (owners and admins when the
/// organization has no intake staff there).
fn recipients<'m>(reminder: &DueReminder, members: &'m [MemberSummary]) -> Vec<&'m MemberSummary> {
    let covers = |m: &MemberSummary| reminder.site.is_none_or(|site| m.scope.covers(site));
    if let RemindWhom::Assignee(user) = reminder.whom {
        let assignee: Vec<_> = members
            .iter()
            .filter(|m| m.user_id.as_uuid() == user && covers(m))
            .collect();
        if !assignee.is_empty() {
            return assignee;
        }
    }
    let intake: Vec<_> = members
        .iter()
        .filter(|m| m.role == Role::Intake && covers(m))
        .collect();
    if !intake.is_empty() {
        return intake;
    }
    members
        .iter()
        .filter(|m| matches!(m.role, Role::Owner | Role::Admin))
        .collect()
}

/// Sends every reminder owed at `now` (queued in the outbox with the record that it was
/// sent). `leads_page` is the absolute address of `/leads`. Returns how many were sent.
pub async fn remind_leads(
    db: &Db,
    keyring: &Keyring,
    leads_page: &str,
    now: Timestamp,
) -> Result<usize, JobError> {
    let by = By::new(LEAD_REMINDER_ACTOR, None);
    let mut sent = 0;
    let mut members: Option<(leadvault_store::OrgId, Vec<MemberSummary>)> = None;
    for reminder in due_reminders(db, now).await? {
        if members.as_ref().is_none_or(|(org, _)| *org != reminder.org) {
            members = Some((reminder.org, list_members(db, reminder.org).await?));
        }
        let Some((_, of_org)) = &members else {
            continue;
        };
        let to = recipients(&reminder, of_org);
        let (about, due) = match reminder.kind {
            ReminderKind::FirstContact {
                due,
                target_minutes,
            } => (About::FirstContact(target_minutes), due),
            ReminderKind::FollowUp { due } => (About::FollowUp, due),
        };
        let link = format!("{leads_page}/{}", reminder.lead);
        let body = ReminderText {
            about,
            form_name: &reminder.form_name,
            received: reminder.received.minute_utc(),
            due: due.minute_utc(),
            link: &link,
            to_assignee: matches!(reminder.whom, RemindWhom::Assignee(_))
                && to.iter().all(|m| m.role == Role::Attorney),
        }
        .render()?;
        let subject = match reminder.kind {
            ReminderKind::FirstContact { .. } => "A lead is waiting for its first contact",
            ReminderKind::FollowUp { .. } => "A lead is due its follow-up",
        };
        let mut mails = Vec::with_capacity(to.len());
        for member in to {
            let mail = Mail {
                to: Recipient::parse(&member.email)?,
                subject: subject.to_owned(),
                body: Zeroizing::new(body.clone()),
            };
            mails.push(seal(keyring, &mail, now).await?);
        }
        let acting = Acting::new(reminder.org, by, now);
        if mark_reminded(db, &acting, &reminder, &mails).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Sends reminders owed now and every minute until `shutdown`, waking the mail worker when
/// something was queued.
pub async fn lead_reminders_until(
    db: Db,
    keyring: Arc<Keyring>,
    leads_page: String,
    mail_wake: Arc<Notify>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        match remind_leads(&db, &keyring, &leads_page, Timestamp::now()).await {
            Ok(0) => {}
            Ok(sent) => {
                tracing::info!(reminders = sent, "lead reminders queued");
                mail_wake.notify_one();
            }
            Err(e) => tracing::warn!(error = %e, "lead-reminder round failed"),
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(LOOK_EVERY) => {}
        }
    }
}
