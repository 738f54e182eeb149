//! Assignment rules: which attorney a new lead goes to without anyone choosing. A rule names
//! a site (or any), an answer (a question's key and the value it must have: a practice area,
//! an urgency level), and the attorneys who take such leads in turn. Rules are tried in
//! order; the first that matches and has an attorney who may take the lead assigns it, in
//! the submission's own transaction. A lead no rule takes waits for intake staff.

use leadvault_audit::{Acting, Actor, Chain, Event, append};
use leadvault_store::sqlx::AnyConnection;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Batch, Db, Done, OrgId, SiteId, Statement, TenantScope, Timestamp};
use uuid::Uuid;

use crate::access::LeadAccess;
use crate::actions::IntakeAction;
use crate::error::IntakeError;
use crate::form::{Answers, FieldKey};
use crate::forms::check_site;
use crate::history::{HistoryKind, Trail, record_event};
use crate::ids::{LeadId, RuleId};

const MAX_ATTORNEYS: usize = 50;

/// Who assignment rules act as, in history and the audit log.
pub const RULES_ACTOR: Actor = Actor::System("assignment rules");

/// "A lead whose `key` answer is `value`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerIs {
    pub key: FieldKey,
    pub value: String,
}

/// A rule as written: checked by [`NewRule::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRule {
    site: Option<SiteId>,
    answer: Option<AnswerIs>,
    attorneys: Vec<Uuid>,
}

impl NewRule {
    /// A rule for leads of `site` (or any site) with `answer` (or any), taken in turn by
    /// `attorneys` (1 to 50, each once; the caller checks they are attorneys).
    pub fn new(
        site: Option<SiteId>,
        answer: Option<(&str, &str)>,
        attorneys: Vec<Uuid>,
    ) -> Result<Self, IntakeError> {
        let answer = match answer {
            None => None,
            Some((key, value)) => {
                let key = FieldKey::parse(key.trim()).ok_or_else(|| {
                    IntakeError::Invalid(
                        "name the question by its key (lower-case letters, digits and _)".into(),
                    )
                })?;
                let value = value.trim();
                if value.is_empty() || value.chars().count() > 200 {
                    return Err(IntakeError::Invalid(
                        "the answer to match has 1 to 200 characters".into(),
                    ));
                }
                Some(AnswerIs {
                    key,
                    value: value.to_owned(),
                })
            }
        };
        let mut unique = attorneys.clone();
        unique.sort();
        unique.dedup();
        if attorneys.is_empty()
            || attorneys.len() > MAX_ATTORNEYS
            || unique.len() != attorneys.len()
        {
            return Err(IntakeError::Invalid(format!(
                "choose 1 to {MAX_ATTORNEYS} attorneys to take these leads"
            )));
        }
        Ok(Self {
            site,
            answer,
            attorneys,
        })
    }
}

/// A stored rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentRule {
    pub id: RuleId,
    pub site: Option<SiteId>,
    pub answer: Option<AnswerIs>,
    /// In turn order.
    pub attorneys: Vec<Uuid>,
}

impl AssignmentRule {
    fn matches(&self, site: Option<SiteId>, answers: &Answers) -> bool {
        let site_ok = self.site.is_none_or(|wanted| site == Some(wanted));
        let answer_ok = self.answer.as_ref().is_none_or(|wanted| {
            answers
                .get(wanted.key.as_str())
                .is_some_and(|given| given.split('\n').any(|v| v == wanted.value))
        });
        site_ok && answer_ok
    }
}

fn rule_from(row: &sqlx::any::AnyRow) -> Result<AssignmentRule, IntakeError> {
    let corrupt = || IntakeError::Corrupt("an assignment rule");
    let site = row
        .try_get::<Option<String>, _>(1)?
        .map(|s| SiteId::parse(&s).ok_or_else(corrupt))
        .transpose()?;
    let answer = match (
        row.try_get::<Option<String>, _>(2)?,
        row.try_get::<Option<String>, _>(3)?,
    ) {
        (Some(key), Some(value)) => Some(AnswerIs {
            key: FieldKey::parse(&key).ok_or_else(corrupt)?,
            value,
        }),
        _ => None,
    };
    let stored: Vec<String> =
        serde_json::from_str(&row.try_get::<String, _>(4)?).map_err(|_| corrupt())?;
    let attorneys = stored
        .iter()
        .map(|user| Uuid::try_parse(user).map_err(|_| corrupt()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AssignmentRule {
        id: RuleId::parse(&row.try_get::<String, _>(0)?).ok_or_else(corrupt)?,
        site,
        answer,
        attorneys,
    })
}

async fn rules_in(
    conn: &mut AnyConnection,
    org: OrgId,
) -> Result<Vec<AssignmentRule>, IntakeError> {
    let rows = sqlx::query(
        "SELECT id, site_id, field_key, field_value, attorneys FROM assignment_rules \
         WHERE org_id = $1 ORDER BY position",
    )
    .bind(org.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(rule_from).collect()
}

/// `org`'s rules, in the order they are tried.
pub async fn list_rules(db: &Db, org: OrgId) -> Result<Vec<AssignmentRule>, IntakeError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let rules = rules_in(&mut tx, org).await?;
    tx.commit().await?;
    Ok(rules)
}

/// Adds a rule after the others.
pub async fn add_rule(db: &Db, acting: &Acting, rule: &NewRule) -> Result<RuleId, IntakeError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let id = RuleId::random();
    let attorneys: Vec<String> = rule.attorneys.iter().map(Uuid::to_string).collect();
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    check_site(&mut tx, org, rule.site).await?;
    sqlx::query(
        "INSERT INTO assignment_rules (id, org_id, position, site_id, field_key, field_value, \
         attorneys, turn, created_at) \
         VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM assignment_rules WHERE org_id = $2), \
         $3, $4, $5, $6, 0, $7)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(rule.site.map(|s| s.to_string()))
    .bind(rule.answer.as_ref().map(|a| a.key.as_str().to_owned()))
    .bind(rule.answer.as_ref().map(|a| a.value.clone()))
    .bind(serde_json::json!(attorneys).to_string())
    .bind(now.as_unix_micros())
    .execute(&mut *tx)
    .await?;
    let event = by
        .event(IntakeAction::AssignmentRuleAdded)
        .on("assignment_rule", id)
        .touching(&["site", "answer", "attorneys"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes a rule; another organization's (or no) rule is [`IntakeError::UnknownRule`].
pub async fn remove_rule(db: &Db, acting: &Acting, rule: RuleId) -> Result<(), IntakeError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let removed = sqlx::query("DELETE FROM assignment_rules WHERE id = $1 AND org_id = $2")
        .bind(rule.to_string())
        .bind(org.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed != 1 {
        return Err(IntakeError::UnknownRule);
    }
    let event = by
        .event(IntakeAction::AssignmentRuleRemoved)
        .on("assignment_rule", rule);
    append(&mut tx, Chain::of(org), &event, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Which way a rule moves in the order rules are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Tried one place sooner.
    Up,
    /// Tried one place later.
    Down,
}

/// Swaps `rule` with its neighbour in the order rules are tried (nothing happens at either
/// end); audited.
pub async fn move_rule(
    db: &Db,
    acting: &Acting,
    rule: RuleId,
    direction: Move,
) -> Result<(), IntakeError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    let position: i64 =
        sqlx::query("SELECT position FROM assignment_rules WHERE id = $1 AND org_id = $2")
            .bind(rule.to_string())
            .bind(org.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(IntakeError::UnknownRule)?
            .try_get(0)?;
    let neighbour = match direction {
        Move::Up => {
            "SELECT id, position FROM assignment_rules WHERE org_id = $1 AND position < $2 \
             ORDER BY position DESC LIMIT 1"
        }
        Move::Down => {
            "SELECT id, position FROM assignment_rules WHERE org_id = $1 AND position > $2 \
             ORDER BY position LIMIT 1"
        }
    };
    let Some(other) = sqlx::query(neighbour)
        .bind(org.to_string())
        .bind(position)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(()); // first or last already
    };
    let (other_id, other_position): (String, i64) = (other.try_get(0)?, other.try_get(1)?);
    for (id, to) in [(rule.to_string(), other_position), (other_id, position)] {
        sqlx::query("UPDATE assignment_rules SET position = $1 WHERE id = $2 AND org_id = $3")
            .bind(to)
            .bind(id)
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
    }
    let event = by
        .event(IntakeAction::AssignmentRuleMoved)
        .on("assignment_rule", rule)
        .touching(&["position"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Where a new lead goes, as far as can be known before its transaction: the first rule
/// that matches it and has an attorney who may take it, and those attorneys. Whose turn it
/// is is settled in the lead's transaction ([`Routing::take_turn`]).
#[derive(Debug)]
pub(crate) struct Routing {
    rule: RuleId,
    eligible: Vec<Uuid>,
}

/// The rule a new lead of `site` with `answers` goes by, if one takes it, and its attorneys
/// who are still in `attorneys` (each one's own access, so that nobody is given a lead of a
/// site they do not reach). Read before the lead's write transaction, so as not to hold
/// SQLite's write lock for it; a rule changed in between routes this one lead as it was.
pub(crate) async fn route(
    conn: &mut AnyConnection,
    org: OrgId,
    site: Option<SiteId>,
    answers: &Answers,
    attorneys: &[LeadAccess],
) -> Result<Option<Routing>, IntakeError> {
    if attorneys.is_empty() {
        return Ok(None);
    }
    for rule in rules_in(conn, org).await? {
        if !rule.matches(site, answers) {
            continue;
        }
        let eligible: Vec<Uuid> = rule
            .attorneys
            .iter()
            .copied()
            .filter(|user| {
                attorneys
                    .iter()
                    .any(|a| a.assignee() == Some(*user) && a.covers_site(site))
            })
            .collect();
        if !eligible.is_empty() {
            return Ok(Some(Routing {
                rule: rule.id,
                eligible,
            }));
        }
    }
    Ok(None)
}

impl Routing {
    /// The statement, for the lead's transaction, that moves the rule's turn on and returns
    /// it (nothing, if the rule has been deleted since).
    pub(crate) fn take_turn(&self, org: OrgId) -> Statement {
        Statement::new(
            "UPDATE assignment_rules SET turn = turn + 1 WHERE id = $1 AND org_id = $2 \
             RETURNING turn",
        )
        .bind(self.rule.to_string())
        .bind(org.to_string())
    }

    /// The attorney whose turn it was, from what [`Routing::take_turn`] returned.
    pub(crate) fn assignee(&self, done: &Done) -> Result<Option<Uuid>, IntakeError> {
        let Some(row) = done.rows.first() else {
            return Ok(None);
        };
        let turn: i64 = row.try_get(0)?;
        let count = i64::try_from(self.eligible.len()).unwrap_or(i64::MAX);
        let index = usize::try_from((turn - 1).rem_euclid(count)).unwrap_or(0);
        Ok(self.eligible.get(index).copied())
    }
}

/// Adds to `batch` the history line saying the rules gave `lead` to `to`; the audit event
/// saying so, for the caller to record with the lead's own.
pub(crate) fn record_routing(
    batch: &mut Batch,
    org: OrgId,
    lead: LeadId,
    to: Uuid,
    request_id: Option<Uuid>,
    now: Timestamp,
) -> Event {
    record_event(
        batch,
        org,
        Trail::Lead(lead),
        RULES_ACTOR,
        HistoryKind::Assigned,
        &to.to_string(),
        now,
    );
    Event::new(RULES_ACTOR, IntakeAction::LeadAssigned)
        .on("lead", lead)
        .touching(&["assigned_to"])
        .in_request(request_id)
}
