//! Forms with documents, sent as `multipart/form-data`: the answers, and each document
//! streamed straight into the document store (checked by its first bytes, encrypted as it
//! comes, never held whole). Used by the client portal's order form and by public forms
//! whose owner asked for documents.
//!
//! The page's anti-forgery token must be the first part ([`first_part`]), so that the caller
//! can check it before anything of the request is stored, even for a moment. Limits: each
//! document as large as the store allows (the operator's setting), every other part 64 KiB,
//! at most [`MAX_PARTS`] parts. A document refused for its type or size is an error on its
//! field (the answers are kept to show the page again); documents received are dropped, and
//! so removed, unless the caller stores what they belong to.

use axum::body::Body;
use axum::extract::multipart::Field as Part;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, header};
use futures_util::StreamExt;
use leadvault_documents::{DocumentError, Incoming};
use leadvault_intake::form::{
    Answers, FieldErrors, FieldKey, FieldType, is_shown, missing_uploads,
};
use leadvault_intake::{Form, Upload};
use leadvault_store::Timestamp;

use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::form_body::Fields;

const MAX_PARTS: usize = 200;
const MAX_TEXT_PART: usize = 64 * 1024;

/// A form as read from the request.
#[derive(Debug)]
pub struct Sent {
    /// Every text part, in order (the form's answers and the page's own fields).
    pub fields: Fields,
    pub uploads: Vec<Upload>,
    /// Refused documents: (field key, why, fit to show).
    pub refused: Vec<(String, String)>,
}

/// The checked answers, with the documents judged too: refused ones and required ones left
/// out become errors on their fields, and documents of questions the answers leave hidden
/// are dropped (and so removed). One judgement for every form that takes documents.
pub fn with_documents(
    form: &Form,
    checked: Result<Answers, FieldErrors>,
    uploads: &mut Vec<Upload>,
    refused: &[(String, String)],
) -> Result<Answers, FieldErrors> {
    let mut errors = match &checked {
        Ok(_) => FieldErrors::default(),
        Err(errors) => errors.clone(),
    };
    document_errors(form, checked.as_ref().ok(), uploads, refused, &mut errors);
    if let Ok(answers) = &checked {
        keep_shown(form, answers, uploads);
    }
    match checked {
        Ok(answers) if errors.errors.is_empty() => Ok(answers),
        _ => Err(errors),
    }
}

/// Adds to `errors` what is wrong with the documents: those refused, and required ones
/// left out (judged against `answers`, when the answers themselves passed).
fn document_errors(
    form: &Form,
    answers: Option<&Answers>,
    uploads: &[Upload],
    refused: &[(String, String)],
    errors: &mut FieldErrors,
) {
    for (field, why) in refused {
        if let Some(key) = FieldKey::parse(field) {
            errors.errors.push((key, why.clone()));
        }
    }
    if let Some(answers) = answers {
        let uploaded: Vec<&str> = uploads.iter().map(|u| u.field.as_str()).collect();
        for key in missing_uploads(&form.definition, answers, &uploaded) {
            if errors.for_field(key.as_str()).is_none() {
                errors
                    .errors
                    .push((key, "Please attach a document.".to_owned()));
            }
        }
    }
}

/// Whether the request says it is `multipart/form-data`.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

fn unreadable() -> AppError {
    AppError::Invalid("the form could not be read; please send it again".to_owned())
}

/// Text a multipart form may carry besides its documents: answers, the page's own fields
/// and the parts' headers.
const TEXT_ALLOWANCE: u64 = 1024 * 1024;

/// The request as multipart parts, held to what `form` can carry: one document per file
/// field at the store's limit, plus [`TEXT_ALLOWANCE`]. Past that the body ends in an error,
/// whatever it holds, so nothing (not even a refused file read out to reach the next part)
/// makes the server read without bound. Anything not multipart is refused.
pub async fn parts(body: Request, state: &AppState, form: &Form) -> Result<Multipart, AppError> {
    let files = form
        .definition
        .fields
        .iter()
        .filter(|f| f.field_type == FieldType::File)
        .count() as u64;
    let mut left = files
        .saturating_mul(state.documents().limit())
        .saturating_add(TEXT_ALLOWANCE);
    let (head, body) = body.into_parts();
    let limited = body.into_data_stream().map(move |chunk| {
        let chunk = chunk.map_err(|e| std::io::Error::other(e.to_string()))?;
        left = left
            .checked_sub(chunk.len() as u64)
            .ok_or_else(|| std::io::Error::other("the form is larger than it may be"))?;
        Ok::<_, std::io::Error>(chunk)
    });
    let body = Request::from_parts(head, Body::from_stream(limited));
    Multipart::from_request(body, state)
        .await
        .map_err(|_| AppError::Invalid("this form is sent as multipart/form-data".to_owned()))
}

/// Drops the documents of fields the answers leave hidden (a condition not met): only what
/// the form asked for is kept.
fn keep_shown(form: &Form, answers: &Answers, uploads: &mut Vec<Upload>) {
    uploads.retain(|upload| {
        form.definition
            .field(&upload.field)
            .is_some_and(|field| is_shown(field, answers))
    });
}

async fn next_part(multipart: &mut Multipart) -> Result<Option<Part<'_>>, AppError> {
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

/// The value of the first part, which must be named `name` (the page's token); a request
/// that does not start with it is refused as forged.
pub async fn first_part(multipart: &mut Multipart, name: &str) -> Result<String, AppError> {
    let first = next_part(multipart).await?.ok_or(AppError::CsrfRejected)?;
    if first.name() != Some(name) {
        return Err(AppError::CsrfRejected);
    }
    text_of(first).await
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

/// Whether documents are taken, and which text part, filled in, says a bot sent the form
/// (then its documents are not even received).
#[derive(Debug, Clone, Copy)]
pub struct Gate<'a> {
    pub take_documents: bool,
    pub honeypot: Option<&'a str>,
}

/// Reads the rest of the request for `form`: text parts, and at most one document for each
/// of its file fields (a file sent for any other name is ignored).
pub async fn read_rest(
    state: &AppState,
    form: &Form,
    mut multipart: Multipart,
    gate: Gate<'_>,
) -> Result<Sent, AppError> {
    let mut fields = Vec::new();
    let mut uploads: Vec<Upload> = Vec::new();
    let mut refused = Vec::new();
    let mut take_documents = gate.take_documents;
    let now = Timestamp::now();
    let mut count = 1;
    while let Some(mut part) = next_part(&mut multipart).await? {
        count += 1;
        if count > MAX_PARTS {
            return Err(AppError::Invalid("the form has too many parts".to_owned()));
        }
        let name = part.name().unwrap_or_default().to_owned();
        if uploads.iter().any(|u| u.field == name) {
            return Err(AppError::Invalid(
                "send one document per question".to_owned(),
            ));
        }
        let file_field = form
            .definition
            .field(&name)
            .filter(|f| f.field_type == FieldType::File);
        let Some(field) = file_field.filter(|_| take_documents) else {
            if part.file_name().is_none() {
                let value = text_of(part).await?;
                if gate.honeypot == Some(name.as_str()) && !value.is_empty() {
                    take_documents = false;
                }
                fields.push((name, value));
            }
            continue;
        };
        let file_name = part.file_name().unwrap_or_default().to_owned();
        let mut incoming = state
            .documents()
            .receive(state.keyring(), form.org_id, &field.accept, now)
            .await?;
        let outcome = match receive(&mut incoming, &mut part).await? {
            Ok(false) => continue, // no file chosen: `incoming` goes, leaving nothing
            Ok(true) => incoming.finish().await,
            Err(refusal) => Err(refusal),
        };
        match outcome {
            Ok(document) => uploads.push(Upload {
                field: name,
                name: file_name,
                document,
            }),
            Err(refusal @ DocumentError::TooLarge { .. }) => {
                // Reading on would mean reading all of it: the rest of the request is left
                // unread, and the page asks again.
                refused.push((name, refusal.to_string()));
                break;
            }
            Err(refusal) if refusal.is_refusal() => refused.push((name, refusal.to_string())),
            Err(other) => return Err(other.into()),
        }
    }
    Ok(Sent {
        fields: Fields::from_pairs(fields),
        uploads,
        refused,
    })
}
