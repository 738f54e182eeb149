//! The lead inbox: leads a page at a time, filtered on what is stored plain (status,
//! assignee, form, site, when received) or found by an e-mail address or phone number
//! through its blind index, so nothing is decrypted to list or to search.
//!
//! Pages are keyset-paged ([`crate::keyset`]): leads that arrive while someone pages neither
//! repeat nor push others off a page. Every query carries the reader's [`LeadAccess`]
//! condition: an attorney's inbox is their own leads, as everywhere else.

use leadvault_audit::{Acting, Chain, append_alone};
use leadvault_crypto::{IndexKind, blind_index, normalize_email, normalize_phone};
use leadvault_keys::{KeyPurpose, Keyring};
use leadvault_store::sqlx;
use leadvault_store::{Db, OrgId, SiteId, TenantScope, Timestamp};
use uuid::Uuid;

use crate::access::LeadAccess;
use crate::actions::IntakeAction;
use crate::error::IntakeError;
use crate::ids::{FormId, LeadId};
use crate::keyset::{Conditions, Cursor, Value};
use crate::leads::{LeadSummary, summary_of};
use crate::pipeline::pipeline_in;
use crate::tally::{Tally, capped};

/// Leads on a page, at most.
pub const MAX_PAGE: usize = 200;

/// Whose leads, as a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Assigned {
    #[default]
    Anyone,
    /// Leads nobody has been given yet.
    Nobody,
    /// Leads of this member ("mine" is the reader's own id).
    To(Uuid),
}

/// Leads waiting for something, as a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// Nobody has contacted the person yet.
    FirstContact,
    /// Their follow-up date is at or before this time.
    FollowUpBy(Timestamp),
}

/// Which way the inbox runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    NewestFirst,
    OldestFirst,
}

/// An e-mail address or a phone number to find leads by, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    Email(String),
    Phone(String),
}

impl Contact {
    /// What kind of value it is: all the audit record says of a search.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Email(_) => "email",
            Self::Phone(_) => "phone",
        }
    }

    /// Reads what someone typed in the search box: an address if it has an `@`, otherwise
    /// a phone number if it has digits enough to be one.
    pub fn read(text: &str) -> Result<Self, IntakeError> {
        let text = text.trim();
        if text.contains('@') {
            normalize_email(text)
                .map(Self::Email)
                .map_err(|_| IntakeError::Invalid("that is not an e-mail address".into()))
        } else {
            normalize_phone(text, "1").map(Self::Phone).map_err(|_| {
                IntakeError::Invalid("search by a whole e-mail address or phone number".into())
            })
        }
    }
}

/// What the inbox shows: the filters, all optional and combined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxFilter {
    pub status: Option<String>,
    pub assigned: Assigned,
    pub form: Option<FormId>,
    pub site: Option<SiteId>,
    /// The channel it came through, as analytics names them.
    pub channel: Option<String>,
    pub waiting: Option<Waiting>,
    /// Received at or after.
    pub from: Option<Timestamp>,
    /// Received before.
    pub until: Option<Timestamp>,
    pub contact: Option<Contact>,
}

/// One page's request.
#[derive(Debug, Clone, Default)]
pub struct InboxQuery {
    pub filter: InboxFilter,
    pub sort: Sort,
    /// Where the previous page ended; `None` for the first.
    pub after: Option<Cursor<LeadId>>,
    /// Leads on the page (at most [`MAX_PAGE`]).
    pub limit: usize,
}

/// A page of the inbox, and where the next starts (none: this is the last).
#[derive(Debug)]
pub struct InboxPage {
    pub leads: Vec<LeadSummary>,
    pub next: Option<Cursor<LeadId>>,
    /// Leads per status of the pipeline under the same filters but the status one, every
    /// page alike; counted up to [`crate::tally::CAP`].
    pub counts: Vec<(String, Tally)>,
}

/// The filter's conditions but its status one (which counts per status leave out).
fn conditions(
    org: OrgId,
    filter: &InboxFilter,
    digest: Option<&[u8]>,
    access: &LeadAccess,
) -> Conditions {
    let mut c = Conditions::new("l", org);
    match filter.assigned {
        Assigned::Anyone => {}
        Assigned::Nobody => c.and("l.assigned_to IS NULL".to_owned()),
        Assigned::To(member) => {
            let at = c.value(Value::Text(member.to_string()));
            c.and(format!("l.assigned_to = {at}"));
        }
    }
    if let Some(form) = filter.form {
        let at = c.value(Value::Text(form.to_string()));
        c.and(format!("l.form_id = {at}"));
    }
    if let Some(site) = filter.site {
        let at = c.value(Value::Text(site.to_string()));
        c.and(format!("l.site_id = {at}"));
    }
    if let Some(channel) = &filter.channel {
        let at = c.value(Value::Text(channel.clone()));
        c.and(format!("l.channel = {at}"));
    }
    match filter.waiting {
        None => {}
        Some(Waiting::FirstContact) => c.and("l.first_contact_at IS NULL".to_owned()),
        Some(Waiting::FollowUpBy(by)) => {
            let at = c.value(Value::Int(by.as_unix_micros()));
            c.and(format!("l.follow_up_at <= {at}"));
        }
    }
    if let Some(from) = filter.from {
        let at = c.value(Value::Int(from.as_unix_micros()));
        c.and(format!("l.created_at >= {at}"));
    }
    if let Some(until) = filter.until {
        let at = c.value(Value::Int(until.as_unix_micros()));
        c.and(format!("l.created_at < {at}"));
    }
    if let (Some(contact), Some(digest)) = (&filter.contact, digest) {
        let kind = c.value(Value::Text(contact.kind().to_owned()));
        let digest = c.value(Value::Bytes(digest.to_vec()));
        c.and(format!(
            "lc.org_id = $1 AND lc.kind = {kind} AND lc.digest = {digest} AND l.id = lc.lead_id"
        ));
    }
    c.reach(|first| access.condition("l", first));
    c
}

/// A page of `org`'s leads within `access`. A search by contact is recorded in the audit
/// log with the kind of value searched (never the value) before anything is answered.
pub async fn inbox(
    db: &Db,
    keyring: &Keyring,
    acting: &Acting,
    access: &LeadAccess,
    query: &InboxQuery,
) -> Result<InboxPage, IntakeError> {
    let org = acting.org;
    let digest = match &query.filter.contact {
        None => None,
        Some(contact) => {
            let event = acting
                .by
                .event(IntakeAction::LeadsSearched)
                .touching(&[contact.kind()]);
            append_alone(db, Chain::of(org), &event, acting.now).await?;
            let key = keyring
                .current(org, KeyPurpose::BlindIndex, acting.now)
                .await?;
            let digest = match contact {
                Contact::Email(email) => blind_index(&key.key, IndexKind::Email, email),
                Contact::Phone(phone) => blind_index(&key.key, IndexKind::Phone, phone),
            };
            Some(digest.as_bytes().to_vec())
        }
    };
    let limit = query.limit.clamp(1, MAX_PAGE);
    let mut page = conditions(org, &query.filter, digest.as_deref(), access);
    let counts_of = page.clone();
    if let Some(status) = &query.filter.status {
        let at = page.value(Value::Text(status.clone()));
        page.and(format!("l.status = {at}"));
    }
    // A search starts from the few index entries it matches (SQLite keeps the left side of a
    // CROSS JOIN outside), not from every lead in time order; a lead found twice (the same
    // address in two answers) is listed once.
    let (from, distinct) = match digest {
        Some(_) => ("lead_contacts lc CROSS JOIN leads l", "DISTINCT "),
        None => ("leads l", ""),
    };
    let order = page.after(
        "l.created_at",
        "l.id",
        query.after,
        query.sort == Sort::OldestFirst,
    );
    let take = page.value(Value::Int(i64::try_from(limit + 1).unwrap_or(i64::MAX)));
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let listed = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {distinct}l.id, f.name, l.status, l.assigned_to, l.created_at, l.site_id \
         FROM {from} JOIN forms f ON f.id = l.form_id WHERE {} \
         ORDER BY {order} LIMIT {take}",
        page.sql
    )));
    let rows = page.bind(listed).fetch_all(&mut *tx).await?;
    // Each status counted through its index, and only so far (`tally`): a page view never
    // reads every lead of a large inbox.
    let mut counts = Vec::new();
    for stage in pipeline_in(&mut tx, org).await?.stages() {
        let mut of_status = counts_of.clone();
        let at = of_status.value(Value::Text(stage.name.clone()));
        of_status.and(format!("l.status = {at}"));
        let counted = sqlx::query_scalar(sqlx::AssertSqlSafe(capped(&format!(
            "SELECT {distinct}l.id FROM {from} WHERE {}",
            of_status.sql
        ))));
        let n: i64 = of_status.bind_scalar(counted).fetch_one(&mut *tx).await?;
        counts.push((stage.name.clone(), Tally::of(n)));
    }
    tx.commit().await?;
    let mut leads = rows.iter().map(summary_of).collect::<Result<Vec<_>, _>>()?;
    let next = if leads.len() > limit {
        leads.truncate(limit);
        leads.last().map(|last| Cursor {
            at: last.created_at,
            id: last.id,
        })
    } else {
        None
    };
    Ok(InboxPage {
        leads,
        next,
        counts,
    })
}
