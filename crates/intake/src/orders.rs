//! Work orders: placed by a client through a work-order form with the documents they
//! upload, read under [`OrderAccess`] with every decryption audited, and moved through
//! their lifecycle ([`OrderStatus`]) with history, notifications and webhooks, each in
//! the transaction of the change it reports.

use std::collections::BTreeMap;

use leadvault_audit::{Acting, Actor, By, Chain, append, append_alone};
use leadvault_documents::{Document, DocumentStore, Owner};
use leadvault_keys::{KeyPurpose, Keyring};
use leadvault_mail::{SealedMail, enqueue_sealed};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Batch, Db, OrgId, SiteId, TenantScope, Timestamp, Tx};
use serde_json::json;
use uuid::Uuid;

use crate::actions::IntakeAction;
use crate::attachments::{ORDER_DOCUMENTS, Upload, record_uploads};
use crate::error::IntakeError;
use crate::form::{Answers, DataClass, FieldType, FormDefinition, FormKind};
use crate::forms::Form;
use crate::history::{HistoryEvent, HistoryKind, Trail, history_in, record_event};
use crate::ids::{FormId, OrderId};
use crate::leads::site_of;
use crate::order_access::OrderAccess;
use crate::order_status::OrderStatus;
use crate::sealed::{CLASS_COLUMNS, open_answers, seal_answers};
use crate::vault::Vault;

/// The table encrypted order fields belong to (part of every ciphertext's context).
pub const ORDERS_TABLE: &str = "work_orders";

/// The columns that hold an order's encrypted answers, for re-encryption after a key
/// rotation.
pub const ORDER_COLUMNS: [leadvault_keys::EncryptedColumn; 3] = [
    leadvault_keys::EncryptedColumn {
        table: ORDERS_TABLE,
        id_column: "id",
        column: "contact",
    },
    leadvault_keys::EncryptedColumn {
        table: ORDERS_TABLE,
        id_column: "id",
        column: "assessment",
    },
    leadvault_keys::EncryptedColumn {
        table: ORDERS_TABLE,
        id_column: "id",
        column: "sensitive",
    },
];

/// An order as a client places it.
#[derive(Debug)]
pub struct NewOrder<'a> {
    pub client: Uuid,
    pub form: &'a Form,
    pub answers: &'a Answers,
    /// Received already (encrypted, in place); recorded with the order or discarded.
    pub uploads: Vec<Upload>,
    /// "A work order is waiting", sealed for the outbox, for staff.
    pub notify: &'a [SealedMail],
    pub request_id: Option<Uuid>,
}

/// An order in a list: no answers, only what says which one it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSummary {
    pub id: OrderId,
    pub form_name: String,
    pub status: OrderStatus,
    pub customer_id: Uuid,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The form's plain (`meta`) answers: job type, due date, rush.
    pub details: BTreeMap<String, String>,
    pub schedule: Schedule,
}

/// An order, decrypted as far as the viewer may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderView {
    pub summary: OrderSummary,
    pub form_id: FormId,
    pub form_version: i64,
    pub site_id: Option<SiteId>,
    /// Answers by field key, of the classes the viewer may see.
    pub answers: BTreeMap<String, String>,
    /// Keys of answers kept from this viewer (a client's own sensitive answers).
    pub withheld: Vec<String>,
    pub documents: Vec<Document>,
    pub history: Vec<HistoryEvent>,
}

fn meta_json(form: &Form, answers: &Answers, now: Timestamp) -> String {
    let plain: BTreeMap<&str, &str> = answers
        .of_class(DataClass::Meta)
        .map(|a| (a.key.as_str(), a.value.as_str()))
        .collect();
    json!({
        "form_version": form.version,
        "submitted_at": now.rfc3339(),
        "answers": plain,
    })
    .to_string()
}

/// Stores an order and its documents in one transaction. On a failure before the documents
/// were recorded, nothing is kept (dropped, they remove themselves); after, a file whose
/// record did not commit is left to the documents sweep.
pub async fn place_order(
    db: &Db,
    keyring: &Keyring,
    documents: &DocumentStore,
    order: NewOrder<'_>,
    now: Timestamp,
) -> Result<OrderId, IntakeError> {
    let NewOrder {
        client,
        form,
        answers,
        uploads,
        notify,
        request_id,
    } = order;
    if form.kind != FormKind::WorkOrder || !form.published {
        return Err(IntakeError::UnknownForm);
    }
    let org = form.org_id;
    let id = OrderId::random();
    // Keys first: fetching one may write, which must not happen inside the write below.
    let field_key = keyring.current(org, KeyPurpose::Field, now).await?;
    let mut sealed = seal_answers(&field_key, org, ORDERS_TABLE, &id.to_string(), answers)?;
    let site = form.site.as_ref().map(|site| site.id);
    let status = OrderStatus::Received;
    let schedule = Schedule::of(&form.definition, answers);

    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    sqlx::query(
        "INSERT INTO work_orders (id, org_id, form_id, form_version, site_id, customer_id, \
         status, meta, contact, assessment, sensitive, created_at, updated_at, due_on, rush) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(form.id.to_string())
    .bind(form.version)
    .bind(site.map(|s| s.to_string()))
    .bind(client.to_string())
    .bind(status.name())
    .bind(meta_json(form, answers, now))
    .bind(sealed.take(DataClass::Contact))
    .bind(sealed.take(DataClass::Assessment))
    .bind(sealed.take(DataClass::Sensitive))
    .bind(now.as_unix_micros())
    .bind(schedule.due_on.map(Timestamp::as_unix_micros))
    .bind(i64::from(schedule.rush))
    .execute(&mut *tx)
    .await?;
    let owner_id = id.to_string();
    let owner = Owner {
        kind: ORDER_DOCUMENTS,
        id: &owner_id,
    };
    let mut writes = Batch::new();
    record_uploads(
        &mut writes,
        documents,
        &field_key,
        org,
        owner,
        &uploads,
        now,
    )?;
    let actor = Actor::Client(client);
    record_event(
        &mut writes,
        org,
        Trail::Order(id),
        actor,
        HistoryKind::Created,
        status.name(),
        now,
    );
    let mut fields: Vec<&str> = answers.0.iter().map(|a| a.key.as_str()).collect();
    fields.extend(uploads.iter().map(|u| u.field.as_str()));
    let event = By::new(actor, request_id)
        .event(IntakeAction::WorkOrderCreated)
        .on("work_order", id)
        .touching(&fields);
    append(&mut tx, Chain::of(org), &event, now).await?;
    for mail in notify {
        enqueue_sealed(&mut writes, mail, now);
    }
    let data = json!({
        "work_order_id": id.to_string(),
        "form_id": form.id.to_string(),
        "status": status.name(),
        "documents": uploads.len(),
    });
    leadvault_webhooks::enqueue(&mut writes, org, "work_order.created", data, now);
    writes.run(&mut tx).await?;
    tx.commit().await?;
    Ok(id)
}

/// When an order is due and whether it is a rush job, from its form's plain answers: the
/// date field keyed `due` (or else the form's first plain date field) and the box keyed
/// `rush` (or else its first plain checkbox).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Schedule {
    /// Midnight UTC of the due date.
    pub due_on: Option<Timestamp>,
    pub rush: bool,
}

impl Schedule {
    fn of(definition: &FormDefinition, answers: &Answers) -> Self {
        let plain = |kind: FieldType, key: &str| {
            let fields: Vec<&str> = definition
                .fields
                .iter()
                .filter(|f| f.field_type == kind && f.class == DataClass::Meta)
                .map(|f| f.key.as_str())
                .collect();
            let chosen = fields.iter().find(|k| **k == key).or(fields.first())?;
            answers.get(chosen)
        };
        Self {
            due_on: plain(FieldType::Date, "due").and_then(Timestamp::parse_date),
            rush: plain(FieldType::Checkbox, "rush") == Some("yes"),
        }
    }
}

/// How many columns [`SUMMARY_COLUMNS`] are: a query that selects more reads them after.
const SUMMARY_WIDTH: usize = 9;
pub(crate) const SUMMARY_COLUMNS: &str =
    "o.id, f.name, o.status, o.customer_id, o.created_at, o.updated_at, o.meta, o.due_on, o.rush";
pub(crate) const ORDERS_WITH_FORMS: &str = "work_orders o JOIN forms f ON f.id = o.form_id";

pub(crate) fn summary_from(row: &sqlx::any::AnyRow) -> Result<OrderSummary, IntakeError> {
    let corrupt = || IntakeError::Corrupt("a work order");
    let meta: serde_json::Value =
        serde_json::from_str(&row.try_get::<String, _>(6)?).map_err(|_| corrupt())?;
    let details = meta
        .get("answers")
        .and_then(|a| serde_json::from_value(a.clone()).ok())
        .unwrap_or_default();
    Ok(OrderSummary {
        id: OrderId::parse(&row.try_get::<String, _>(0)?).ok_or_else(corrupt)?,
        form_name: row.try_get(1)?,
        status: OrderStatus::parse(&row.try_get::<String, _>(2)?).ok_or_else(corrupt)?,
        customer_id: Uuid::try_parse(&row.try_get::<String, _>(3)?).map_err(|_| corrupt())?,
        created_at: Timestamp::from_unix_micros(row.try_get(4)?),
        updated_at: Timestamp::from_unix_micros(row.try_get(5)?),
        details,
        schedule: Schedule {
            due_on: row
                .try_get::<Option<i64>, _>(7)?
                .map(Timestamp::from_unix_micros),
            rush: row.try_get::<i64, _>(8)? != 0,
        },
    })
}

/// Reads and decrypts an order for `by`, recording the read (with the names of the fields
/// shown) before anything is returned.
#[allow(clippy::too_many_arguments)] // stores, tenant, record, reach, actor and time
pub async fn read_order(
    vault: Vault<'_>,
    acting: &Acting,
    order: OrderId,
    access: &OrderAccess,
) -> Result<OrderView, IntakeError> {
    let Vault {
        db,
        keyring,
        documents,
    } = vault;
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    // Read (and keys fetched) without holding the write lock; the read is recorded before
    // anything is returned, in a write of its own.
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let columns = format!(
        "{SUMMARY_COLUMNS}, o.form_id, o.form_version, o.site_id, o.contact, o.assessment, \
         o.sensitive"
    );
    let row = order_row(&mut tx, org, order, access, &columns).await?;
    let summary = summary_from(&row)?;
    let mut answers = BTreeMap::new();
    let mut withheld = Vec::new();
    let id = order.to_string();
    for (i, (class, _)) in CLASS_COLUMNS.iter().enumerate() {
        let Some(sealed) = row.try_get::<Option<Vec<u8>>, _>(SUMMARY_WIDTH + 3 + i)? else {
            continue;
        };
        let object = open_answers(keyring, org, ORDERS_TABLE, &id, *class, &sealed, now).await?;
        if access.classes().contains(class) {
            answers.extend(object);
        } else {
            withheld.extend(object.into_keys());
        }
    }
    let owner = Owner {
        kind: ORDER_DOCUMENTS,
        id: &id,
    };
    let attached = documents
        .documents_of(&mut tx, keyring, org, owner, now)
        .await?;
    let history = history_in(&mut tx, org, Trail::Order(order)).await?;
    let mut fields: Vec<&str> = answers.keys().map(String::as_str).collect();
    fields.extend(attached.iter().map(|d| d.field.as_str()));
    let event = by
        .event(IntakeAction::WorkOrderRead)
        .on("work_order", order)
        .touching(&fields);
    tx.commit().await?;
    append_alone(db, Chain::of(org), &event, now).await?;
    let corrupt = || IntakeError::Corrupt("a work order");
    let site: Option<String> = row.try_get(SUMMARY_WIDTH + 2)?;
    Ok(OrderView {
        summary,
        form_id: FormId::parse(&row.try_get::<String, _>(SUMMARY_WIDTH)?).ok_or_else(corrupt)?,
        form_version: row.try_get(SUMMARY_WIDTH + 1)?,
        site_id: site_of(site)?,
        answers,
        withheld,
        documents: attached,
        history,
    })
}

/// A status change, and who should hear of it.
#[derive(Debug)]
pub struct StatusChange<'a> {
    pub to: OrderStatus,
    /// Sealed for the outbox (the client's "your order is now …"); queued with the change.
    pub notify: &'a [SealedMail],
}

/// Moves an order to `change.to`, if the lifecycle allows it from where the order stands
/// and `access` may make that move (staff: any allowed move; a client: only cancelling
/// an order nobody accepted yet). Returns the status it had.
pub async fn set_order_status(
    db: &Db,
    acting: &Acting,
    order: OrderId,
    access: &OrderAccess,
    change: &StatusChange<'_>,
) -> Result<OrderStatus, IntakeError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    let status = order_column(&mut tx, org, order, access, "status").await?;
    let from = OrderStatus::parse(&status).ok_or(IntakeError::Corrupt("a work order's status"))?;
    let allowed = match access {
        OrderAccess::Staff { .. } => from.next().contains(&change.to),
        OrderAccess::Client(_) => change.to == OrderStatus::Cancelled && from.client_may_cancel(),
    };
    if !allowed {
        return Err(IntakeError::NotAllowed {
            from: from.label(),
            to: change.to.label(),
        });
    }
    // Only from the status read above: two changes at once (staff accepting while the
    // client cancels) cannot both apply where the engine lets both read first.
    let changed = sqlx::query(
        "UPDATE work_orders SET status = $1, updated_at = $2 \
         WHERE id = $3 AND org_id = $4 AND status = $5",
    )
    .bind(change.to.name())
    .bind(now.as_unix_micros())
    .bind(order.to_string())
    .bind(org.to_string())
    .bind(from.name())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed != 1 {
        return Err(IntakeError::NotAllowed {
            from: from.label(),
            to: change.to.label(),
        });
    }
    let mut writes = Batch::new();
    record_event(
        &mut writes,
        org,
        Trail::Order(order),
        by.actor,
        HistoryKind::Status,
        change.to.name(),
        now,
    );
    let event = by
        .event(IntakeAction::WorkOrderStatusChanged)
        .on("work_order", order)
        .touching(&["status"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    for mail in change.notify {
        enqueue_sealed(&mut writes, mail, now);
    }
    let data = json!({
        "work_order_id": order.to_string(),
        "status": change.to.name(),
        "previous_status": from.name(),
    });
    leadvault_webhooks::enqueue(&mut writes, org, "work_order.updated", data, now);
    writes.run(&mut tx).await?;
    tx.commit().await?;
    Ok(from)
}

/// An order's summary (nothing decrypted, nothing audited: no answer but the plain ones)
/// within `access`'s reach: what its price and its list row are made from.
pub async fn order_summary(
    db: &Db,
    org: OrgId,
    order: OrderId,
    access: &OrderAccess,
) -> Result<OrderSummary, IntakeError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let row = order_row(&mut tx, org, order, access, SUMMARY_COLUMNS).await?;
    tx.commit().await?;
    summary_from(&row)
}

/// The client who placed an order within `access`'s reach: whom to tell of a change.
pub async fn order_client(
    db: &Db,
    org: OrgId,
    order: OrderId,
    access: &OrderAccess,
) -> Result<Uuid, IntakeError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let client = order_column(&mut tx, org, order, access, "customer_id").await?;
    tx.commit().await?;
    Uuid::try_parse(&client).map_err(|_| IntakeError::Corrupt("a client id"))
}

/// One text column of an order within `access`'s reach, in the caller's transaction; an
/// order out of reach is [`IntakeError::UnknownOrder`].
async fn order_column(
    tx: &mut Tx,
    org: OrgId,
    order: OrderId,
    access: &OrderAccess,
    column: &'static str,
) -> Result<String, IntakeError> {
    let row = order_row(tx, org, order, access, &format!("o.{column}")).await?;
    Ok(row.try_get(0)?)
}

/// One order of `org` within `access`'s reach, as a row of `columns` (a constant list, of
/// the order `o` and its form `f`); an order out of reach is [`IntakeError::UnknownOrder`],
/// exactly as one that does not exist.
async fn order_row(
    tx: &mut Tx,
    org: OrgId,
    order: OrderId,
    access: &OrderAccess,
    columns: &str,
) -> Result<sqlx::any::AnyRow, IntakeError> {
    let reach = access.condition("o", 3);
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {columns} FROM {ORDERS_WITH_FORMS} WHERE o.id = $1 AND o.org_id = $2{}",
        reach.sql
    )))
    .bind(order.to_string())
    .bind(org.to_string());
    reach
        .bind_to(query)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(IntakeError::UnknownOrder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{Submitted, check_answers};

    fn schedule(definition: &str, sent: &[(&str, &str)]) -> Schedule {
        let definition = FormDefinition::from_json(definition).unwrap();
        let sent: Submitted = sent
            .iter()
            .map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()]))
            .collect();
        Schedule::of(
            &definition,
            &check_answers(&definition, &sent, false).unwrap(),
        )
    }

    #[test]
    fn the_due_date_and_rush_come_from_the_forms_plain_date_and_box() {
        let keyed = r#"{"kind": "work_order", "fields": [
            {"key": "filed", "label": "Filed on", "type": "date", "class": "meta"},
            {"key": "due", "label": "Due", "type": "date", "class": "meta"},
            {"key": "rush", "label": "Rush", "type": "checkbox", "class": "meta"},
            {"key": "party", "label": "Party", "type": "text", "class": "contact"}]}"#;
        let s = schedule(
            keyed,
            &[
                ("filed", "2026-01-02"),
                ("due", "2026-12-24"),
                ("rush", "yes"),
            ],
        );
        assert_eq!(s.due_on, Timestamp::parse_date("2026-12-24"));
        assert!(s.rush);
        let s = schedule(keyed, &[("filed", "2026-01-02")]);
        assert_eq!((s.due_on, s.rush), (None, false), "the date keyed due wins");

        let unkeyed = r#"{"kind": "work_order", "fields": [
            {"key": "deadline", "label": "Deadline", "type": "date", "class": "meta"},
            {"key": "when", "label": "Private date", "type": "date", "class": "assessment"}]}"#;
        let s = schedule(
            unkeyed,
            &[("deadline", "2027-03-01"), ("when", "2027-01-01")],
        );
        assert_eq!(s.due_on, Timestamp::parse_date("2027-03-01"));
    }

    #[test]
    fn the_summary_width_counts_the_summary_columns() {
        assert_eq!(SUMMARY_COLUMNS.split(',').count(), SUMMARY_WIDTH);
    }
}
