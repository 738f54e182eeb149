//! A consultation submission, from checked answers to a stored lead, in one transaction:
//! encrypt each data class under the organization's key, index e-mail and phone blindly for
//! the duplicate hint, store the lead and its first history event, and append the audit
//! record. When this returns `Ok`, the lead is committed: a crash after it loses nothing.

use std::collections::BTreeMap;

use leadvault_audit::{Actor, Chain, Claim, Claiming, Event};
use leadvault_documents::{DocumentStore, Owner};
use leadvault_keys::KeyPurpose;
use leadvault_mail::{SealedMail, enqueue_sealed};
use leadvault_store::{
    Batch, GroupedWrite, OrgId, Outcomes, Slot, Statement, Step, TenantScope, Timestamp, Turn,
};
use serde_json::json;
use uuid::Uuid;

use crate::access::LeadAccess;
use crate::actions::IntakeAction;
use crate::attachments::{LEAD_DOCUMENTS, Upload, record_uploads};
use crate::contacts::{contacts_of, earlier_leads, earlier_leads_found, record_contacts};
use crate::error::IntakeError;
use crate::form::{Answers, DataClass};
use crate::forms::Form;
use crate::history::{HistoryKind, Trail, record_event};
use crate::ids::LeadId;
use crate::pipeline::NEW;
use crate::routing::{Routing, record_routing, route};
use crate::sealed::{Sealed, seal_answers};
use crate::spam::{page_spent, spend_page};
use crate::tracking::TrackingCode;
use crate::vault::Vault;

/// The table encrypted lead fields belong to (part of every ciphertext's context).
pub const LEADS_TABLE: &str = "leads";

/// The columns that hold a lead's encrypted answers (one per class; the column is named
/// after the class, as the encryption context is), for re-encryption after a key rotation.
pub const LEAD_COLUMNS: [leadvault_keys::EncryptedColumn; 3] = [
    leadvault_keys::EncryptedColumn {
        table: LEADS_TABLE,
        id_column: "id",
        column: "contact",
    },
    leadvault_keys::EncryptedColumn {
        table: LEADS_TABLE,
        id_column: "id",
        column: "assessment",
    },
    leadvault_keys::EncryptedColumn {
        table: LEADS_TABLE,
        id_column: "id",
        column: "sensitive",
    },
];

/// Whether submissions append to the audit log: always, except in a binary built with the
/// `bench-without-audit` feature, which exists only so that `bench/intake.sh` can show what
/// auditing costs. Such a binary says so loudly when it serves and must never be deployed.
pub const SUBMISSIONS_AUDITED: bool = !cfg!(feature = "bench-without-audit");

/// Where a submission came from, besides the form's site: plain, never personal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// `utm_source`, `utm_medium`, `utm_campaign`, `utm_term`, `utm_content`, as given.
    pub utm: BTreeMap<String, String>,
    /// The channel the person came through, as analytics names channels (`organic_search`,
    /// `paid_social`, …), told from the campaign tags; stored plain for filters and figures.
    pub channel: Option<String>,
}

/// What a submitter gets back (the code, once), and what staff will see.
#[derive(Debug)]
pub struct Receipt {
    pub lead_id: LeadId,
    pub tracking_code: TrackingCode,
    /// Earlier leads of the organization with the same e-mail or phone: shown to intake
    /// staff, never to the submitter.
    pub possible_duplicates: Vec<LeadId>,
}

/// The plain meta data stored with a lead.
fn meta_json(form: &Form, answers: &Answers, origin: &Origin, now: Timestamp) -> String {
    let mut consent = BTreeMap::new();
    let mut plain = BTreeMap::new();
    for answer in answers.of_class(DataClass::Meta) {
        let field = form.definition.field(answer.key.as_str());
        match field.and_then(|f| f.consent_text.as_deref()) {
            Some(text) => {
                let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
                consent.insert(
                    answer.key.as_str(),
                    json!({ "agreed": true, "text_sha256": leadvault_crypto::to_hex(digest.as_ref()) }),
                );
            }
            None => {
                plain.insert(answer.key.as_str(), answer.value.as_str());
            }
        }
    }
    json!({
        "form_version": form.version,
        "submitted_at": now.rfc3339(),
        "site": form.site.as_ref().map(|site| site.domain.as_str()),
        "utm": origin.utm,
        "consent": consent,
        "answers": plain,
    })
    .to_string()
}

/// The lead's own row, unassigned (the rules' choice, if any, is set once the rule's turn is
/// taken).
fn lead_row(
    form: &Form,
    answers: &Answers,
    origin: &Origin,
    lead: LeadId,
    tracking_code: &TrackingCode,
    sealed: &mut Sealed,
    now: Timestamp,
) -> Statement {
    Statement::new(
        "INSERT INTO leads (id, org_id, form_id, form_version, site_id, status, tracking_hash, \
         meta, contact, assessment, sensitive, created_at, updated_at, channel) \
         VALUES ($1, $2, $3, $4, $12, $5, $6, $7, $8, $9, $10, $11, $11, $13)",
    )
    .bind(lead.to_string())
    .bind(form.org_id.to_string())
    .bind(form.id.to_string())
    .bind(form.version)
    .bind(NEW)
    .bind(tracking_code.hash())
    .bind(meta_json(form, answers, origin, now))
    .bind(sealed.take(DataClass::Contact))
    .bind(sealed.take(DataClass::Assessment))
    .bind(sealed.take(DataClass::Sensitive))
    .bind(now.as_unix_micros())
    .bind(form.site.as_ref().map(|site| site.id.to_string()))
    .bind(origin.channel.clone())
}

/// What else a submission carries besides the answers.
#[derive(Debug, Default)]
pub struct Submission<'a> {
    pub origin: Origin,
    pub request_id: Option<Uuid>,
    /// Notifications to staff, sealed for the outbox: queued in the lead's own transaction,
    /// so they go out if, and only if, the lead is stored. They say that a lead is waiting,
    /// never what it says.
    pub notify: &'a [SealedMail],
    /// The organization's attorneys, each as far as they reach: whom assignment rules may
    /// give the lead to.
    pub attorneys: &'a [LeadAccess],
    /// The code to give the lead, when the caller needed it first (to e-mail it in the
    /// lead's own transaction); otherwise a new one is made.
    pub tracking_code: Option<TrackingCode>,
    /// The token of the page it was sent from, spent with the lead (one lead per page).
    pub page_token: Option<&'a str>,
    /// Documents sent with it (a form whose owner asked for them), received already and
    /// recorded with the lead; the caller keeps them once this returned `Ok`.
    pub uploads: &'a [Upload],
    /// Where the documents are; needed when there are any.
    pub documents: Option<&'a DocumentStore>,
}

/// Stores a checked consultation as a new lead of `form`'s organization.
pub async fn submit_lead(
    vault: Vault<'_>,
    form: &Form,
    answers: &Answers,
    submission: &Submission<'_>,
    now: Timestamp,
) -> Result<Receipt, IntakeError> {
    let Vault { db, keyring, .. } = vault;
    let (origin, request_id) = (&submission.origin, submission.request_id);
    let org = form.org_id;
    let lead = LeadId::random();
    let tracking_code = match &submission.tracking_code {
        Some(code) => code.clone(),
        None => TrackingCode::generate()?,
    };
    let field_key = keyring.current(org, KeyPurpose::Field, now).await?;
    let index_key = keyring.current(org, KeyPurpose::BlindIndex, now).await?;

    let mut sealed = seal_answers(&field_key, org, LEADS_TABLE, &lead.to_string(), answers)?;
    let digests = contacts_of(
        &form.definition,
        answers.0.iter().map(|a| (a.key.as_str(), a.value.as_str())),
        &index_key.key,
    );

    // Read first, when there are attorneys to route to (on SQLite without the write lock):
    // the rule that takes the lead.
    let site = form.site.as_ref().map(|site| site.id);
    let scope = TenantScope::Org(org);
    let (read, routing) = if submission.attorneys.is_empty() {
        (None, None)
    } else {
        let mut read = db.read_then_write_in(scope).await?;
        let routing = route(read.conn(), org, site, answers, submission.attorneys).await?;
        (Some(read), routing)
    };

    // Then the write (see `LeadWrite`), prepared here: the duplicate hint's lookup, and the
    // statements that need nothing from the database.
    let mut first = Batch::new();
    let earlier = earlier_leads(org, &digests).map(|lookup| first.push(lookup));
    let page = submission
        .page_token
        .map(|token| first.push(spend_page(token, now)));
    first.push(lead_row(
        form,
        answers,
        origin,
        lead,
        &tracking_code,
        &mut sealed,
        now,
    ));
    record_contacts(&mut first, org, lead, &digests);
    record_event(
        &mut first,
        org,
        Trail::Lead(lead),
        Actor::Anonymous,
        HistoryKind::Created,
        NEW,
        now,
    );
    for mail in submission.notify {
        enqueue_sealed(&mut first, mail, now);
    }
    match submission.documents {
        Some(store) => {
            let id = lead.to_string();
            let owner = Owner {
                kind: LEAD_DOCUMENTS,
                id: &id,
            };
            record_uploads(
                &mut first,
                store,
                &field_key,
                org,
                owner,
                submission.uploads,
                now,
            )?;
        }
        None if !submission.uploads.is_empty() => {
            return Err(IntakeError::Corrupt("documents without their store"));
        }
        None => {}
    }
    let mut fields: Vec<&str> = answers.0.iter().map(|a| a.key.as_str()).collect();
    fields.extend(submission.uploads.iter().map(|u| u.field.as_str()));
    let created = Event::new(Actor::Anonymous, IntakeAction::LeadCreated)
        .on("lead", lead)
        .touching(&fields)
        .in_request(request_id);
    let write = LeadWrite {
        stage: Stage::Start(first),
        earlier,
        found: Vec::new(),
        page,
        claiming: SUBMISSIONS_AUDITED
            .then(|| Claiming::new(Chain::of(org), if routing.is_some() { 2 } else { 1 })),
        routing,
        org,
        lead,
        created,
        webhook: WebhookData {
            form: form.id.to_string(),
            site: site.map(|s| s.to_string()),
        },
        request_id,
        now,
    };
    let possible_duplicates = match read {
        Some(read) => read.write(write).await?,
        None => db.write_grouped_in(scope, write).await?,
    };
    Ok(Receipt {
        lead_id: lead,
        tracking_code,
        possible_duplicates,
    })
}

/// The plain facts a "lead created" webhook carries besides the lead.
#[derive(Debug)]
struct WebhookData {
    form: String,
    site: Option<String>,
}

/// A submission's write, in one or two batches. First the statements that need nothing
/// from the database, with the claims last: the audit log's next places and the rule's
/// turn, whose row locks on PostgreSQL are then held for as little as can be. Then what
/// needs the claims. On SQLite, a submission whose group already knows the audit head (see
/// `Claiming::recall`) and that no rule routes sends it all as one batch: every round trip
/// inside the write is paid by all the submissions queued behind it.
#[derive(Debug)]
struct LeadWrite {
    stage: Stage,
    /// Where the duplicate hint's lookup is, and what it found (in the first batch).
    earlier: Option<Slot>,
    found: Vec<LeadId>,
    /// Where the page's spending is (in the first batch).
    page: Option<Slot>,
    /// The audit log's places for the lead's records; `None` only in a binary built for the
    /// benchmark's comparison ([`SUBMISSIONS_AUDITED`]).
    claiming: Option<Claiming>,
    routing: Option<Routing>,
    org: OrgId,
    lead: LeadId,
    created: Event,
    webhook: WebhookData,
    request_id: Option<Uuid>,
    now: Timestamp,
}

#[derive(Debug)]
enum Stage {
    /// The first batch, prepared.
    Start(Batch),
    /// The first batch sent; the claims it holds, if it asked for any, or the audit claim
    /// recalled from the writer before.
    Asked {
        claim: Option<Slot>,
        known: Option<Claim>,
        turn: Option<Slot>,
    },
    /// Everything sent.
    Sent,
}

impl GroupedWrite for LeadWrite {
    /// Earlier leads with the same e-mail or phone.
    type Output = Vec<LeadId>;
    type Error = IntakeError;

    fn step(
        &mut self,
        turn: &mut Turn<'_>,
        last: Option<Outcomes>,
    ) -> Result<Step<Vec<LeadId>>, IntakeError> {
        match (std::mem::replace(&mut self.stage, Stage::Sent), last) {
            (Stage::Start(mut first), None) => {
                let known = self.claiming.as_ref().and_then(|c| c.recall(turn));
                let claim = match &self.claiming {
                    Some(claiming) if known.is_none() => Some(first.push(claiming.statement())),
                    _ => None,
                };
                let rule_turn = self
                    .routing
                    .as_ref()
                    .map(|routing| first.push(routing.take_turn(self.org)));
                if claim.is_some() || rule_turn.is_some() {
                    self.stage = Stage::Asked {
                        claim,
                        known,
                        turn: rule_turn,
                    };
                    return Ok(Step::Run(first));
                }
                self.finish(turn, &mut first, known, None)?;
                Ok(Step::Run(first))
            }
            (
                Stage::Asked {
                    claim,
                    known,
                    turn: rule_turn,
                },
                Some(mut asked),
            ) => {
                self.first_answers(&mut asked)?;
                let claim = match (claim, &self.claiming) {
                    (Some(slot), Some(claiming)) => Some(claiming.claimed(asked.take(slot)?)?),
                    _ => known,
                };
                let assignee = match (&self.routing, rule_turn) {
                    (Some(routing), Some(slot)) => routing.assignee(&asked.take(slot)?)?,
                    _ => None,
                };
                let mut second = Batch::new();
                self.finish(turn, &mut second, claim, assignee)?;
                Ok(Step::Run(second))
            }
            (Stage::Sent, Some(mut sent)) => {
                self.first_answers(&mut sent)?;
                Ok(Step::Done(std::mem::take(&mut self.found)))
            }
            _ => Err(IntakeError::Corrupt("a submission's write out of step")),
        }
    }
}

impl LeadWrite {
    /// Takes in what the first batch answered (once).
    fn first_answers(&mut self, outcomes: &mut Outcomes) -> Result<(), IntakeError> {
        // A page spent by another submission: this one's writes are undone with it.
        if let Some(page) = self.page.take() {
            page_spent(&outcomes.take(page)?)?;
        }
        if let Some(earlier) = self.earlier.take() {
            self.found = earlier_leads_found(&outcomes.take(earlier)?)?;
        }
        Ok(())
    }

    /// Adds to `batch` what needs the claims: the rule's assignment, the audit records, the
    /// webhook.
    fn finish(
        &self,
        turn: &mut Turn<'_>,
        batch: &mut Batch,
        claim: Option<Claim>,
        assignee: Option<Uuid>,
    ) -> Result<(), IntakeError> {
        let (org, lead, now) = (self.org, self.lead, self.now);
        let assigned = match assignee {
            Some(to) => {
                batch.push(
                    Statement::new(
                        "UPDATE leads SET assigned_to = $1 WHERE id = $2 AND org_id = $3",
                    )
                    .bind(to.to_string())
                    .bind(lead.to_string())
                    .bind(org.to_string()),
                );
                Some(record_routing(batch, org, lead, to, self.request_id, now))
            }
            None => None,
        };
        let events: Vec<&Event> = std::iter::once(&self.created)
            .chain(assigned.as_ref())
            .collect();
        match (claim, &self.claiming) {
            (Some(claim), _) => {
                claim.record_grouped(turn, batch, &events, now)?;
            }
            (None, Some(_)) => return Err(IntakeError::Corrupt("an audit claim")),
            (None, None) => {}
        }
        let data = json!({
            "lead_id": lead.to_string(),
            "form_id": self.webhook.form,
            "site_id": self.webhook.site,
            "status": NEW,
            "assigned_to": assignee.map(|a| a.to_string()),
        });
        leadvault_webhooks::enqueue(batch, org, "lead.created", data, now);
        Ok(())
    }
}
