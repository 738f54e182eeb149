//! Reading a client's order as it arrives (`multipart/form-data`): the answers, and each
//! document streamed straight into the document store (checked by its first bytes,
//! encrypted as it comes, never held whole). The page's CSRF token must come first, so
//! nothing of a forged request is stored, not even for a moment.
//!
//! Limits: each document as large as the store allows (the operator's setting), each other
//! part 64 KiB, at most [`MAX_PARTS`] parts. A document refused for its type or size is an
//! error on its field; the answers are kept to show the page again.

use axum::extract::Multipart;
use axum::extract::multipart::Field as Part;
use axum::http::HeaderMap;
use leadvault_documents::{DocumentError, Incoming};
use leadvault_intake::form::{FieldType, Submitted};
use leadvault_intake::{Form, Upload};
use leadvault_store::Timestamp;

use crate::error::AppError;
use crate::person::Person;
use crate::state::AppState;

/// The name of the page's CSRF token field.
pub const CSRF: &str = "csrf";
const MAX_PARTS: usize = 200;
const MAX_TEXT_PART: usize = 64 * 1024;

/// An order as read from the request.
#[derive(Debug, Default)]
pub struct OrderRequest {
    pub typed: Submitted,
    pub uploads: Vec<Upload>,
    /// Refused documents: (field key, why).
    pub refused: Vec<(String, String)>,
}

impl OrderRequest {
    /// Removes the documents received, when the order is not placed after all.
    pub async fn discard_uploads(&mut self) {
        for upload in self.uploads.drain(..) {
            upload.document.discard().await;
        }
    }
}

fn unreadable() -> AppError {
    AppError::Invalid("the order could not be read; please send the form again".to_owned())
}

async fn next_part<'a>(multipart: &'a mut Multipart) -> Result<Option<Part<'a>>, AppError> {
    multipart.next_field().await.map_err(|_| unreadable())
}

async fn text_of(mut part: Part<'_>) -> Result<String, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = part.chunk().await.map_err(|_| unreadable())? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_TEXT_PART {
            return Err(AppError::Invalid("an answer is too long".to_owned()));
        }
    }
    String::from_utf8(bytes).map_err(|_| AppError::Invalid("an answer is not text".to_owned()))
}

/// Streams one document into the store: `Ok(Ok(false))` when the file input was left
/// empty, `Ok(Err(_))` when the document was refused, `Err(_)` when the request broke off.
async fn receive(
    incoming: &mut Incoming,
    part: &mut Part<'_>,
) -> Result<Result<bool, DocumentError>, AppError> {
    let mut any = false;
    while let Some(chunk) = part.chunk().await.map_err(|_| unreadable())? {
        any |= !chunk.is_empty();
        if let Err(refused) = incoming.push(&chunk).await {
            return Ok(Err(refused));
        }
    }
    Ok(Ok(any))
}

/// Reads the whole request for `form`: CSRF first, then answers and documents.
pub async fn read_order(
    state: &AppState,
    person: &Person,
    headers: &HeaderMap,
    form: &Form,
    mut multipart: Multipart,
) -> Result<OrderRequest, AppError> {
    let first = next_part(&mut multipart)
        .await?
        .ok_or(AppError::CsrfRejected)?;
    if first.name() != Some(CSRF) {
        return Err(AppError::CsrfRejected);
    }
    person.verify_csrf(headers, &text_of(first).await?)?;
    let mut request = OrderRequest::default();
    let mut parts = 1;
    let now = Timestamp::now();
    loop {
        let Some(mut part) = next_part(&mut multipart).await? else {
            break;
        };
        parts += 1;
        if parts > MAX_PARTS {
            request.discard_uploads().await;
            return Err(AppError::Invalid("the order has too many parts".to_owned()));
        }
        let name = part.name().unwrap_or_default().to_owned();
        let Some(field) = form.definition.field(&name) else {
            continue; // not a question of this form: ignored, like a stray form field
        };
        if field.field_type != FieldType::File {
            let value = match text_of(part).await {
                Ok(value) => value,
                Err(e) => {
                    request.discard_uploads().await;
                    return Err(e);
                }
            };
            request.typed.entry(name).or_default().push(value);
            continue;
        }
        let file_name = part.file_name().unwrap_or_default().to_owned();
        let mut incoming = match state
            .documents()
            .receive(state.keyring(), form.org_id, &field.accept, now)
            .await
        {
            Ok(incoming) => incoming,
            Err(e) => {
                request.discard_uploads().await;
                return Err(e.into());
            }
        };
        let received = match receive(&mut incoming, &mut part).await {
            Ok(received) => received,
            Err(broken) => {
                request.discard_uploads().await;
                return Err(broken);
            }
        };
        let outcome = match received {
            Ok(false) => continue, // no file chosen: `incoming` goes, leaving nothing
            Ok(true) => incoming.finish().await,
            Err(refused) => Err(refused),
        };
        match outcome {
            Ok(document) => request.uploads.push(Upload {
                field: name,
                name: file_name,
                document,
            }),
            Err(refusal @ DocumentError::TooLarge { .. }) => {
                // Reading on would mean reading all of it: the rest of the request is
                // left unread, and the page asks again.
                request.refused.push((name, refusal.to_string()));
                break;
            }
            Err(refusal) if refusal.is_refusal() => {
                request.refused.push((name, refusal.to_string()));
            }
            Err(other) => {
                request.discard_uploads().await;
                return Err(other.into());
            }
        }
    }
    Ok(request)
}
