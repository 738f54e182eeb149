//! A lead's page as a view model, made from its file and the organization's members (who
//! name the people in its history and notes, and the attorneys it may be assigned to).
//! Nothing is read here: the handler reads, this arranges.

use std::collections::HashMap;

use leadvault_accounts::{MemberSummary, SiteId};
use leadvault_analytics::Channel;
use leadvault_intake::{HistoryKind, LeadFile};
use leadvault_store::Timestamp;

use crate::intake::order_view::{answer_rows, document_row};
use crate::intake::reach::attorney_access;
use crate::intake::views::{AttorneyOption, FirstContact, HistoryRow, LeadPage, NoteRow};
use crate::web::render::{span, utc};
use crate::web::shell::Shell;

/// Who looks at the page, as far as it changes what it offers.
#[derive(Debug)]
pub struct LeadViewer {
    pub shell: Shell,
    pub csrf: String,
    /// Intake staff and above: they assign leads and see possible duplicates.
    pub triages: bool,
    /// Why the last change was refused, shown above the lead.
    pub error: Option<String>,
    /// When the page is shown: how long the lead has waited is counted to it.
    pub now: Timestamp,
}

pub fn lead_page(file: LeadFile, members: &[MemberSummary], viewer: LeadViewer) -> LeadPage {
    let LeadFile {
        lead,
        form,
        pipeline,
        history,
        duplicates,
    } = file;
    let emails: HashMap<String, &str> = members
        .iter()
        .map(|m| (m.user_id.to_string(), m.email.as_str()))
        .collect();
    let name = |id: &str| emails.get(id).map_or("someone", |email| email).to_owned();
    let history = history
        .into_iter()
        .map(|event| HistoryRow {
            at: utc(event.at),
            what: match event.kind {
                HistoryKind::Created => "received through the form".to_owned(),
                HistoryKind::Status => {
                    format!("status set to {}", pipeline.label_of(&event.detail))
                }
                HistoryKind::Assigned => format!("assigned to {}", name(&event.detail)),
                HistoryKind::Note => "added a note".to_owned(),
                HistoryKind::Contacted => "contacted the person".to_owned(),
                HistoryKind::Payment => crate::intake::order_view::payment_history(&event.detail),
                // The detail is RFC 3339; follow-ups are set to the minute.
                HistoryKind::FollowUp => {
                    match event.detail.get(..16).and_then(Timestamp::parse_date_time) {
                        Some(at) => format!("follow-up set for {}", utc(at)),
                        None => "follow-up cleared".to_owned(),
                    }
                }
            },
            by: match event.actor_kind.as_str() {
                "member" => name(&event.actor_id),
                "system" => event.actor_id.clone(),
                "anonymous" => "the person who sent it".to_owned(),
                other => other.to_owned(),
            },
        })
        .collect();
    let attorneys = if viewer.triages {
        members
            .iter()
            .filter(|m| may_be_given(m, lead.site_id))
            .map(|m| AttorneyOption {
                selected: lead.assigned_to == Some(m.user_id.as_uuid()),
                id: m.user_id.to_string(),
                email: m.email.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let channel = lead
        .channel
        .as_deref()
        .map(|name| match Channel::parse(name) {
            Some(channel) => channel.label().to_owned(),
            None => name.to_owned(),
        });
    LeadPage {
        shell: Some(viewer.shell),
        notes: lead
            .notes
            .iter()
            .map(|note| NoteRow {
                at: utc(note.at),
                by: name(&note.author_id),
                lines: note.text.as_str().lines().map(str::to_owned).collect(),
            })
            .collect(),
        documents: lead
            .documents
            .iter()
            .map(|d| document_row("/leads/documents", &form, d))
            .collect(),
        error: viewer.error,
        payment: Default::default(),
        id: lead.id.to_string(),
        csrf: viewer.csrf,
        status: pipeline.label_of(&lead.status),
        statuses: pipeline
            .stages()
            .iter()
            .map(|s| (s.name.clone(), s.label.clone(), s.name == lead.status))
            .collect(),
        received: utc(lead.created_at),
        first_contact: match lead.first_contact_at {
            Some(at) => FirstContact::Made {
                at: utc(at),
                after: span(lead.created_at, at),
            },
            None => FirstContact::Waiting {
                for_: span(lead.created_at, viewer.now),
            },
        },
        follow_up: lead.follow_up_at.map(utc),
        follow_up_value: lead.follow_up_at.map(local_input).unwrap_or_default(),
        channel,
        answers: answer_rows(&form, &lead.answers),
        history,
        attorneys,
        may_assign: viewer.triages,
        duplicates: duplicates.iter().map(ToString::to_string).collect(),
    }
}

/// Whether `member` may be given a lead of `site`: an attorney whose scope reaches it.
pub fn may_be_given(member: &MemberSummary, site: Option<SiteId>) -> bool {
    attorney_access(member.role, &member.scope, member.user_id)
        .is_some_and(|access| access.covers_site(site))
}

/// A time as a `datetime-local` field holds it (UTC, to the minute).
fn local_input(at: Timestamp) -> String {
    let c = at.civil();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute
    )
}
