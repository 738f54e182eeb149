//! The monthly access-review reminder: owners get an e-mail (through the encrypted outbox)
//! naming the members whose access went unused for 90 days.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use leadvault_accounts::{due_access_reviews, mark_reminded};
use leadvault_audit::{Acting, Actor, By};
use leadvault_keys::Keyring;
use leadvault_mail::{Mail, Recipient, enqueue};
use leadvault_store::{Db, Timestamp};
use tokio::sync::Notify;
use zeroize::Zeroizing;

use crate::error::JobError;

/// Who the reminder is, in the audit log.
pub const ACCESS_REVIEW_ACTOR: Actor = Actor::System("access-review");

/// How often the job looks for organizations that are due.
const LOOK_EVERY: Duration = Duration::from_secs(6 * 60 * 60);

struct Member {
    email: String,
    role: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "access_review.txt")]
struct ReviewText<'a> {
    org_name: &'a str,
    members: &'a [Member],
    link: &'a str,
}

fn day(at: Timestamp) -> String {
    let c = at.civil();
    format!("{:04}-{:02}-{:02}", c.year, c.month, c.day)
}

/// Queues a reminder to the owners of every organization that is due one, and notes it.
/// `members_page` is the absolute address of the members page. Returns how many
/// organizations were reminded.
pub async fn remind_access_reviews(
    db: &Db,
    keyring: &Keyring,
    members_page: &str,
    now: Timestamp,
) -> Result<usize, JobError> {
    let by = By::new(ACCESS_REVIEW_ACTOR, None);
    let due = due_access_reviews(db, now).await?;
    for review in &due {
        let members: Vec<Member> = review
            .unused
            .iter()
            .map(|m| Member {
                email: m.email.clone(),
                role: m.role.to_string(),
                last_used: m.last_used.map_or_else(|| "never".to_owned(), day),
            })
            .collect();
        let body = ReviewText {
            org_name: &review.org_name,
            members: &members,
            link: members_page,
        }
        .render()?;
        for owner in &review.owner_emails {
            let mail = Mail {
                to: Recipient::parse(owner)?,
                subject: format!("Access review for {}", review.org_name),
                body: Zeroizing::new(body.clone()),
            };
            enqueue(db, keyring, &mail, now).await?;
        }
        mark_reminded(db, &Acting::new(review.org_id, by, now), &review.unused).await?;
    }
    Ok(due.len())
}

/// Looks for due reviews now and every few hours until `shutdown`, waking the mail worker
/// when something was queued.
pub async fn access_reviews_until(
    db: Db,
    keyring: Arc<Keyring>,
    members_page: String,
    mail_wake: Arc<Notify>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        match remind_access_reviews(&db, &keyring, &members_page, Timestamp::now()).await {
            Ok(0) => {}
            Ok(reminded) => {
                tracing::info!(organizations = reminded, "access-review reminders queued");
                mail_wake.notify_one();
            }
            Err(e) => tracing::warn!(error = %e, "access-review round failed"),
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(LOOK_EVERY) => {}
        }
    }
}
