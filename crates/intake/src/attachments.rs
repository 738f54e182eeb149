//! Documents of leads and work orders: what each kind of record calls its documents, and
//! the one way a document is handed out for download, only within the reader's reach of
//! the record it belongs to, and audited before anything is sent.

use leadvault_audit::{Acting, Chain, append_alone};
use leadvault_documents::{Document, DocumentError, DocumentId, DocumentStore, Owner, Received};
use leadvault_keys::DataKey;
use leadvault_store::sqlx;
use leadvault_store::{Batch, OrgId, TenantScope, Timestamp};

use crate::access::LeadAccess;
use crate::actions::IntakeAction;
use crate::error::IntakeError;
use crate::order_access::OrderAccess;
use crate::vault::Vault;

/// What the documents of leads (public forms whose owner asked for documents) are recorded
/// as belonging to.
pub(crate) const LEAD_DOCUMENTS: &str = "lead";
/// What the documents of work orders are recorded as belonging to.
pub(crate) const ORDER_DOCUMENTS: &str = "work_order";

/// A document sent with a lead or an order: the field it came through and the name it had.
#[derive(Debug)]
pub struct Upload {
    pub field: String,
    pub name: String,
    /// Received already (encrypted, in place); dropped unless its record commits.
    pub document: Received,
}

/// Adds to `batch` the recording of `uploads` as `owner`'s, for the caller's transaction,
/// and keeps their files from then on: were a file kept only after the commit returned, a
/// request dropped right after the commit (the client went away) would remove files whose
/// records committed. A file whose record does not commit after all is left to the
/// documents sweep.
pub(crate) fn record_uploads(
    batch: &mut Batch,
    store: &DocumentStore,
    field_key: &DataKey,
    org: OrgId,
    owner: Owner<'_>,
    uploads: &[Upload],
    now: Timestamp,
) -> Result<(), IntakeError> {
    for upload in uploads {
        store.record(
            batch,
            field_key,
            org,
            owner,
            &upload.field,
            &upload.name,
            &upload.document,
            now,
        )?;
        upload.document.keep();
    }
    Ok(())
}

/// Whose documents, seen by whom.
#[derive(Debug, Clone, Copy)]
pub enum Holder<'a> {
    Lead(&'a LeadAccess),
    Order(&'a OrderAccess),
}

/// A document within the reader's reach, for download: the download is audited before the
/// document is handed out. One out of reach looks like one that does not exist.
#[allow(clippy::too_many_arguments)] // stores, tenant, record, reach, actor and time
pub async fn open_document(
    vault: Vault<'_>,
    acting: &Acting,
    document: DocumentId,
    holder: Holder<'_>,
) -> Result<Document, IntakeError> {
    let Vault {
        db,
        keyring,
        documents,
    } = vault;
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    // Read (and keys fetched) without holding the write lock; the download is recorded
    // before the document is handed out, in a write of its own.
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let found = match documents.find(&mut tx, keyring, org, document, now).await {
        Ok(found) => found,
        Err(DocumentError::Unknown) => return Err(IntakeError::UnknownDocument),
        Err(other) => return Err(other.into()),
    };
    let (table, kind, reach) = match holder {
        Holder::Lead(access) => ("leads", LEAD_DOCUMENTS, access.condition("r", 3)),
        Holder::Order(access) => ("work_orders", ORDER_DOCUMENTS, access.condition("r", 3)),
    };
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT r.id FROM {table} r JOIN documents d ON d.owner_id = r.id \
         AND d.owner_kind = '{kind}' WHERE d.id = $1 AND r.org_id = $2{}",
        reach.sql
    )))
    .bind(document.to_string())
    .bind(org.to_string());
    reach
        .bind_to(query)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(IntakeError::UnknownDocument)?;
    let event = by
        .event(IntakeAction::DocumentDownloaded)
        .on("document", document)
        .touching(&[found.field.as_str()]);
    tx.commit().await?;
    append_alone(db, Chain::of(org), &event, now).await?;
    Ok(found)
}
