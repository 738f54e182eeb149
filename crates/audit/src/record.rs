//! What one audit record says. Ids and names only, never the values of personal data.

use leadvault_store::OrgId;
use uuid::Uuid;

/// Which chain a record belongs to: its organization's, or the installation's own (for
/// events that belong to no organization, like a root key rotation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chain {
    Org(OrgId),
    Instance,
}

impl Chain {
    /// The chain a stored name denotes.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "instance" => Some(Self::Instance),
            other => other
                .strip_prefix("org:")
                .and_then(OrgId::parse)
                .map(Self::Org),
        }
    }

    /// The chain of events about `org`'s data: the installation's own for
    /// [`OrgId::INSTANCE`], which owns installation-wide secrets.
    pub fn of(org: OrgId) -> Self {
        if org == OrgId::INSTANCE {
            Self::Instance
        } else {
            Self::Org(org)
        }
    }

    pub fn name(self) -> String {
        match self {
            Self::Org(org) => format!("org:{org}"),
            Self::Instance => "instance".to_owned(),
        }
    }
}

/// Who did it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A member of staff (user id).
    Member(Uuid),
    /// A client using the portal (user id).
    Client(Uuid),
    /// A job of Leadvault's own, or the operator's command line, by name.
    System(&'static str),
    /// Somebody not signed in (a public form, a failed sign-in).
    Anonymous,
}

impl Actor {
    /// Kind and id as stored (`member` and a user id, `system` and a job's name, …), also
    /// for other records that name an actor the same way (a lead's history).
    pub fn parts(self) -> (&'static str, String) {
        match self {
            Self::Member(id) => ("member", id.to_string()),
            Self::Client(id) => ("client", id.to_string()),
            Self::System(name) => ("system", name.to_owned()),
            Self::Anonymous => ("anonymous", String::new()),
        }
    }
}

/// Whether the operation happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    Denied,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Denied => "denied",
        }
    }
}

/// What was done, as a stable dotted name (`lead.read`, `member.role_changed`). Each domain
/// crate names its own in an enum whose `name` is an exhaustive `match`, so the whole
/// vocabulary is in one place per crate and a new operation cannot be misspelt at a call site.
pub trait Action: Copy {
    fn name(self) -> &'static str;
}

/// One operation to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub actor: Actor,
    /// What was done, as a stable dotted name: `lead.read`, `member.role_changed`, `key.shredded`.
    pub action: &'static str,
    /// The kind and id of what it was done to (`lead`, its id), if anything.
    pub target: Option<(&'static str, String)>,
    /// The names of the fields touched (never their values).
    pub fields: Vec<String>,
    /// The request that did it, to find its log lines.
    pub request_id: Option<Uuid>,
    pub outcome: Outcome,
}

impl Event {
    /// `actor` did `action`, and was allowed to; to nothing in particular, touching no fields.
    pub fn new(actor: Actor, action: impl Action) -> Self {
        Self {
            actor,
            action: action.name(),
            target: None,
            fields: Vec::new(),
            request_id: None,
            outcome: Outcome::Allowed,
        }
    }

    /// What it was done to.
    #[must_use]
    pub fn on(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.target = Some((kind, id.to_string()));
        self
    }

    /// The names of the fields it touched.
    #[must_use]
    pub fn touching(mut self, fields: &[&str]) -> Self {
        self.fields = fields.iter().map(|f| (*f).to_owned()).collect();
        self
    }

    #[must_use]
    pub fn in_request(mut self, request_id: Option<Uuid>) -> Self {
        self.request_id = request_id;
        self
    }

    /// It was refused (or failed a check, like a wrong password).
    #[must_use]
    pub fn denied(mut self) -> Self {
        self.outcome = Outcome::Denied;
        self
    }

    #[must_use]
    pub fn with_outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }
}

/// Who is doing something, and in which request: what every audited operation is handed
/// by its caller (the web handler, the command line, a job).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct By {
    pub actor: Actor,
    pub request_id: Option<Uuid>,
}

impl By {
    pub fn new(actor: Actor, request_id: Option<Uuid>) -> Self {
        Self { actor, request_id }
    }

    /// An event of this actor in this request.
    pub fn event(&self, action: impl Action) -> Event {
        Event::new(self.actor, action).in_request(self.request_id)
    }
}
