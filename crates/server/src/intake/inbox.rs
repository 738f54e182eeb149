//! The lead inbox's request and page: filters read from the URL (so a view can be
//! bookmarked and shared), the links that keep them (status counts, next and first page),
//! and the rows. Nothing here decrypts: a lead's row is its form, status, assignee and time.

use std::collections::BTreeMap;

use leadvault_accounts::{MemberSummary, Site};
use leadvault_analytics::{Channel, Day};
use leadvault_intake::{
    Assigned, Contact, Cursor, Form, FormId, InboxFilter, InboxPage, InboxQuery, MAX_PAGE,
    Pipeline, Sort, Waiting,
};
use leadvault_store::{SiteId, Timestamp};
use uuid::Uuid;

use crate::intake::reach::attorney_access;
use crate::intake::view_params::ViewParams;
use crate::intake::views::{Choice, LeadRow, LeadsPage, StatusCount};
use crate::web::render::utc;
use crate::web::shell::Shell;

/// Leads on a page of the inbox.
pub const PAGE_SIZE: usize = 50;

/// The filters as they travel in the URL, by name; `after` is the page's start.
const FILTERS: [&str; 10] = [
    "status", "assigned", "form", "site", "channel", "waiting", "from", "until", "q", "sort",
];

/// The inbox's parameters, as given (unknown ones are ignored).
#[derive(Debug, Default)]
pub struct InboxParams(ViewParams);

impl InboxParams {
    pub fn new(params: BTreeMap<String, String>) -> Self {
        Self(ViewParams::new("/leads", &FILTERS, params).keeping_private(&["q"]))
    }

    /// The parameters of a page's address, where a search is refused (what is searched
    /// never travels in a URL, so none is bookmarked or logged): those parameters without
    /// it, and the refusal if there was one.
    pub fn from_address(mut params: BTreeMap<String, String>) -> (Self, Option<String>) {
        let refused = params.remove("q").map(|_| {
            "search with the search box: an address or number is never put in a link".to_owned()
        });
        (Self::new(params), refused)
    }

    /// Whether these parameters search by an e-mail address or a phone number.
    pub fn searching(&self) -> bool {
        self.get("q").is_some()
    }

    /// The query these parameters ask for, `me` being who "mine" means; or what is wrong
    /// with them, in words.
    pub fn query(&self, me: Uuid, now: Timestamp) -> Result<InboxQuery, String> {
        let day = |key: &str, what: &str| -> Result<Option<Day>, String> {
            self.get(key)
                .map(|text| {
                    Day::parse(text).ok_or_else(|| format!("{what} is a date (YYYY-MM-DD)"))
                })
                .transpose()
        };
        let filter = InboxFilter {
            status: self.get("status").map(str::to_owned),
            assigned: match self.get("assigned") {
                None | Some("anyone") => Assigned::Anyone,
                Some("nobody") => Assigned::Nobody,
                Some("mine") => Assigned::To(me),
                Some(id) => Assigned::To(
                    Uuid::try_parse(id).map_err(|_| "choose an assignee from the list")?,
                ),
            },
            form: self
                .get("form")
                .map(|id| FormId::parse(id).ok_or("choose a form from the list"))
                .transpose()?,
            site: self
                .get("site")
                .map(|id| SiteId::parse(id).ok_or("choose a site from the list"))
                .transpose()?,
            channel: self
                .get("channel")
                .map(|name| {
                    Channel::parse(name)
                        .map(|c| c.as_str().to_owned())
                        .ok_or("choose a channel from the list")
                })
                .transpose()?,
            waiting: match self.get("waiting") {
                None => None,
                Some("contact") => Some(Waiting::FirstContact),
                Some("follow-up") => Some(Waiting::FollowUpBy(now)),
                Some(_) => return Err("choose what leads wait for from the list".to_owned()),
            },
            from: day("from", "“Received from”")?.map(Day::start),
            // The last day asked for is included: up to the start of the next.
            until: day("until", "“Received until”")?.map(|day| day.plus(1).start()),
            contact: self
                .get("q")
                .map(|text| Contact::read(text).map_err(|e| e.to_string()))
                .transpose()?,
        };
        Ok(InboxQuery {
            filter,
            sort: match self.get("sort") {
                None | Some("newest") => Sort::NewestFirst,
                Some("oldest") => Sort::OldestFirst,
                Some(_) => return Err("sort newest or oldest first".to_owned()),
            },
            after: self
                .get("after")
                .map(|text| Cursor::parse(text).ok_or("that page no longer exists"))
                .transpose()?,
            // A search shows every lead it finds on one page (links never carry what was
            // searched, so there is no next page to link to).
            limit: if self.searching() {
                MAX_PAGE
            } else {
                PAGE_SIZE
            },
        })
    }
}

impl std::ops::Deref for InboxParams {
    type Target = ViewParams;

    fn deref(&self) -> &ViewParams {
        &self.0
    }
}

/// What the page offers to choose from.
#[derive(Debug)]
pub struct Choices<'a> {
    pub pipeline: &'a Pipeline,
    pub forms: &'a [Form],
    pub sites: &'a [Site],
    pub members: &'a [MemberSummary],
    /// Whether the reader sees others' leads (and so may filter by assignee).
    pub triages: bool,
    /// Whether the reader may download the view as a spreadsheet.
    pub exports: bool,
}

/// The inbox page: rows, counts, links; `error` when the filters could not be read. `csrf`
/// guards the bulk form.
pub fn leads_page(
    params: &InboxParams,
    page: Option<InboxPage>,
    choices: &Choices<'_>,
    shell: Shell,
    error: Option<String>,
) -> LeadsPage {
    let email_of = |id: Uuid| {
        choices
            .members
            .iter()
            .find(|m| m.user_id.as_uuid() == id)
            .map(|m| m.email.clone())
            .unwrap_or_default()
    };
    let chosen = |key: &str, value: &str| params.get(key) == Some(value);
    let option = |key: &str, value: String, label: String| Choice {
        selected: chosen(key, &value),
        value,
        label,
    };
    let (leads, next, counts) = match page {
        Some(page) => (page.leads, page.next, page.counts),
        None => (Vec::new(), None, Vec::new()),
    };
    LeadsPage {
        rows: leads
            .into_iter()
            .map(|lead| LeadRow {
                id: lead.id.to_string(),
                form: lead.form_name,
                status: choices.pipeline.label_of(&lead.status),
                assigned: lead.assigned_to.map(email_of).unwrap_or_default(),
                received: utc(lead.created_at),
            })
            .collect(),
        counts: choices
            .pipeline
            .stages()
            .iter()
            .map(|stage| StatusCount {
                label: stage.label.clone(),
                count: counts
                    .iter()
                    .find(|(status, _)| *status == stage.name)
                    .map_or_else(|| "0".to_owned(), |(_, n)| n.to_string()),
                href: params.href(&[("status", &stage.name)], None),
                current: chosen("status", &stage.name),
            })
            .collect(),
        all_statuses: params.href(&[("status", "")], None),
        statuses: choices
            .pipeline
            .stages()
            .iter()
            .map(|s| option("status", s.name.clone(), s.label.clone()))
            .collect(),
        assignees: if choices.triages {
            [
                ("nobody".to_owned(), "Nobody yet".to_owned()),
                ("mine".to_owned(), "Me".to_owned()),
            ]
            .into_iter()
            .chain(
                choices
                    .members
                    .iter()
                    .map(|m| (m.user_id.to_string(), m.email.clone())),
            )
            .map(|(value, label)| option("assigned", value, label))
            .collect()
        } else {
            Vec::new()
        },
        forms: choices
            .forms
            .iter()
            .map(|f| option("form", f.id.to_string(), f.name.clone()))
            .collect(),
        sites: choices
            .sites
            .iter()
            .map(|s| option("site", s.id.to_string(), s.domain.to_string()))
            .collect(),
        channels: Channel::ALL
            .iter()
            .map(|c| option("channel", c.as_str().to_owned(), c.label().to_owned()))
            .collect(),
        waiting: [
            ("contact", "First contact"),
            ("follow-up", "A follow-up due now"),
        ]
        .iter()
        .map(|(value, label)| option("waiting", (*value).to_owned(), (*label).to_owned()))
        .collect(),
        from: params.value("from"),
        until: params.value("until"),
        q: params.value("q"),
        oldest_first: chosen("sort", "oldest"),
        more_found: params.searching() && next.is_some(),
        next: next
            .filter(|_| !params.searching())
            .map(|cursor| params.href(&[], Some(&cursor.encode()))),
        first: params.get("after").map(|_| params.href(&[], None)),
        filtered: params.filtered(),
        error,
        csrf: shell.csrf.clone(),
        shell: Some(shell),
        back: params.href(&[], params.get("after")),
        // An export is a link: what was searched cannot go in it.
        export: (choices.exports && !params.searching())
            .then(|| params.href_at("/leads/export", &[], None)),
        hidden: params.carried(),
        attorneys: if choices.triages {
            choices
                .members
                .iter()
                .filter(|m| attorney_access(m.role, &m.scope, m.user_id).is_some())
                .map(|m| Choice {
                    value: m.user_id.to_string(),
                    label: m.email.clone(),
                    selected: false,
                })
                .collect()
        } else {
            Vec::new()
        },
    }
}
