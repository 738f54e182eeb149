//! What the client's and the staff's order pages share: an order as a row and as a page;
//! and what every page with documents shares: a document as a row and as a download.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use leadvault_audit::Acting;
use leadvault_documents::{Document, DocumentId};
use leadvault_intake::form::FormDefinition;
use leadvault_intake::{HistoryKind, Holder, OrderFile, OrderId, OrderStatus, open_document};
use leadvault_payments::PaymentState;

use crate::intake::views::{AnswerRow, DocumentRow, HistoryRow, OrderPage};
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::render::utc;
use crate::web::shell::Shell;

pub fn order_id(text: &str) -> Result<OrderId, AppError> {
    OrderId::parse(text).ok_or(AppError::NotFound)
}

fn size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{} KB", bytes.div_ceil(1_000)),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

/// A lead's or an order's answers as listed: in the form's order, with its labels, a
/// multiple choice one per line.
pub fn answer_rows(
    definition: &FormDefinition,
    answers: &BTreeMap<String, String>,
) -> Vec<AnswerRow> {
    definition
        .fields
        .iter()
        .filter_map(|field| {
            answers.get(field.key.as_str()).map(|value| AnswerRow {
                label: field.label.clone(),
                lines: value.split('\n').map(str::to_owned).collect(),
            })
        })
        .collect()
}

/// A document as listed on a lead's or an order's page; `base` is the download route of
/// the person looking (`/portal/documents` for a client, `/orders/documents` or
/// `/leads/documents` for staff: each route checks its own kind of person).
pub fn document_row(base: &str, definition: &FormDefinition, document: &Document) -> DocumentRow {
    DocumentRow {
        href: format!("{base}/{}", document.id),
        name: document.name.clone(),
        field: definition
            .field(&document.field)
            .map_or_else(|| document.field.clone(), |f| f.label.clone()),
        kind: document.kind.name().to_uppercase(),
        size: size(document.size),
    }
}

/// An order's page, made from its file for staff (in their workspace's `shell`) or for the
/// client (no shell); `names` says who an
/// actor (kind and id) of its history is.
pub fn order_page(
    file: OrderFile,
    shell: Option<Shell>,
    csrf: String,
    names: impl Fn(&str, &str) -> String,
) -> OrderPage {
    let OrderFile { order, form } = file;
    // Staff see the order in their workspace; a client in the portal.
    let staff = shell.is_some();
    let label = |key: &str| {
        form.field(key)
            .map_or_else(|| key.to_owned(), |f| f.label.clone())
    };
    let mut answers = answer_rows(&form, &order.answers);
    answers.extend(order.summary.details.iter().map(|(key, value)| AnswerRow {
        label: label(key),
        lines: value.split('\n').map(str::to_owned).collect(),
    }));
    let base = if staff {
        "/orders/documents"
    } else {
        "/portal/documents"
    };
    let status = order.summary.status;
    OrderPage {
        shell,
        id: order.summary.id.to_string(),
        csrf,
        staff,
        error: None,
        form: order.summary.form_name.clone(),
        status: status.label(),
        placed: utc(order.summary.created_at),
        answers,
        withheld: order.withheld.iter().map(|key| label(key)).collect(),
        documents: order
            .documents
            .iter()
            .map(|d| document_row(base, &form, d))
            .collect(),
        history: order
            .history
            .iter()
            .map(|event| HistoryRow {
                at: utc(event.at),
                what: match event.kind {
                    HistoryKind::Created => "order placed".to_owned(),
                    HistoryKind::Status => format!(
                        "status set to {}",
                        OrderStatus::parse(&event.detail).map_or("?", OrderStatus::label)
                    ),
                    HistoryKind::Assigned => "assigned".to_owned(),
                    HistoryKind::Note => "added a note".to_owned(),
                    // Leads' alone; an order's history never holds them.
                    HistoryKind::Contacted | HistoryKind::FollowUp => "updated".to_owned(),
                    HistoryKind::Payment => payment_history(&event.detail),
                },
                by: names(&event.actor_kind, &event.actor_id),
            })
            .collect(),
        moves: status
            .next()
            .iter()
            .map(|s| (s.name(), s.label()))
            .collect(),
        may_cancel: status.client_may_cancel(),
        payment: Default::default(),
    }
}

/// A payment's line in a history: its new state, as people read it.
pub fn payment_history(detail: &str) -> String {
    format!(
        "payment: {}",
        PaymentState::parse(detail).map_or("?", PaymentState::label)
    )
}

/// A document as a download: audited first, then streamed out as it is decrypted, each
/// chunk authenticated before it is sent. Never shown inline, never cached.
pub async fn download(
    state: &AppState,
    acting: &Acting,
    id: &str,
    holder: Holder<'_>,
) -> Result<Response, AppError> {
    let id = DocumentId::parse(id).ok_or(AppError::NotFound)?;
    let document = open_document(state.vault(), acting, id, holder).await?;
    let chunks = state
        .documents()
        .read(state.keyring(), acting.org, &document, acting.now)
        .await?;
    let body = Body::from_stream(futures_util::stream::unfold(chunks, |mut chunks| async {
        chunks.recv().await.map(|chunk| (chunk, chunks))
    }));
    let disposition = format!("attachment; filename=\"{}\"", document.download_name());
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(document.kind.media_type()),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(document.size));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
