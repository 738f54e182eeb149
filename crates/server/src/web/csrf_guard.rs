//! CSRF by construction: the router puts [`guard`] in front of every state-changing route of
//! the route table, so a handler receives a body only after its token has been checked. No
//! handler checks a token itself, and none can forget to: a new POST or PUT route is guarded
//! the moment it is added to the table, as a signed-in route unless [`policy`] names it as
//! something else.
//!
//! The token comes from the `X-CSRF-Token` header (the JSON API), or from the `csrf` field of
//! the body: a urlencoded form (read whole, within [`BODY_LIMIT_BYTES`], and passed on
//! intact), or the first part of a multipart one (only that part is read; the documents
//! after it stream on to the handler untouched).

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use leadvault_accounts::{SessionToken, find_member, find_session};
use leadvault_audit::Actor;
use leadvault_store::Timestamp;

use crate::routes::BODY_LIMIT_BYTES;
use crate::state::AppState;
use crate::web::auth::presented_token;
use crate::web::csrf;
use crate::web::denial;
use crate::web::error::{ApiError, AppError};
use crate::web::observe;

/// How a state-changing route proves that a request comes from one of our own pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Csrf {
    /// The session's synchronizer token. A request that presents no session cookie holds no
    /// authority to abuse: it goes on, and the handler's sign-in check refuses it.
    Session,
    /// A signed-out page (setup, sign-in, password reset, invitations, e-mail confirmation):
    /// the double-submit cookie and field.
    Anonymous,
    /// Checked otherwise, for the reason given.
    Exempt(&'static str),
}

/// The layer: checks the request's token under `policy`, then hands it on, body intact.
pub async fn guard(
    State(state): State<AppState>,
    policy: Csrf,
    request: Request,
    next: Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    match check(&state, policy, request).await {
        Ok(request) => next.run(request).await,
        // The JSON API answers in JSON, as its handlers do.
        Err(refusal) if api => ApiError::from(refusal).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn check(state: &AppState, policy: Csrf, request: Request) -> Result<Request, AppError> {
    match policy {
        Csrf::Exempt(_) => Ok(request),
        Csrf::Anonymous => {
            let (token, request) = token_of(request).await?;
            csrf::verify(
                request.headers(),
                token.as_deref().unwrap_or_default(),
                state.options(),
            )?;
            Ok(request)
        }
        Csrf::Session => {
            let Some(session) = presented_token(request.headers(), state.options()) else {
                return Ok(request);
            };
            let (token, request) = token_of(request).await?;
            let checked = csrf::verify_for_session(
                request.headers(),
                token.as_deref().unwrap_or_default(),
                &session,
            );
            match checked {
                Ok(()) => Ok(request),
                Err(refusal) => Err(audited(state, &session, refusal).await),
            }
        }
    }
}

/// Records a refused request in the audit log of the organization whose session it
/// presented ([`denial::csrf_refused`]); a session that is no longer live has no one to
/// record it for.
async fn audited(state: &AppState, token: &SessionToken, refusal: AppError) -> AppError {
    let session = match find_session(state.db(), token, Timestamp::now()).await {
        Ok(Some(session)) => session,
        Ok(None) => return refusal,
        Err(err) => return err.into(),
    };
    let actor = match find_member(state.db(), session.user_id, session.org_id).await {
        Ok(Some(_)) => Actor::Member(session.user_id.as_uuid()),
        Ok(None) => Actor::Client(session.user_id.as_uuid()),
        Err(err) => return err.into(),
    };
    denial::csrf_refused(state, session.org_id, observe::by(actor)).await
}

/// The token the request carries, and the request to pass on.
async fn token_of(request: Request) -> Result<(Option<String>, Request), AppError> {
    if let Some(token) = header_token(request.headers()) {
        return Ok((Some(token), request));
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let media_type = content_type.to_ascii_lowercase();
    if media_type.starts_with("application/x-www-form-urlencoded") {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, BODY_LIMIT_BYTES)
            .await
            .map_err(|_| AppError::TooLarge)?;
        let token = url::form_urlencoded::parse(&bytes)
            .find(|(name, _)| name == "csrf")
            .map(|(_, value)| value.into_owned());
        Ok((token, Request::from_parts(parts, Body::from(bytes))))
    } else if let Some(boundary) = boundary(&content_type) {
        let (parts, body) = request.into_parts();
        let (token, body) = first_part(body, &boundary).await?;
        Ok((token, Request::from_parts(parts, body)))
    } else {
        Ok((None, request))
    }
}

fn header_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The boundary of a `multipart/form-data` content type (as sent: boundaries are case
/// sensitive).
fn boundary(content_type: &str) -> Option<String> {
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return None;
    }
    content_type
        .split(';')
        .filter_map(|param| param.trim().split_once('='))
        .find(|(key, _)| key.eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.trim_matches('"').to_owned())
        .filter(|b| !b.is_empty())
}

/// How much of a multipart body is read to find its first part: a token, its headers and
/// the boundaries around it fit many times over.
const FIRST_PART_LIMIT: usize = 4096;

/// The value of the first part of a multipart body, if it is named `csrf`, and the body
/// again, whole: what was read to find it, followed by the rest as it streams in.
async fn first_part(body: Body, boundary: &str) -> Result<(Option<String>, Body), AppError> {
    let mut stream = body.into_data_stream();
    let mut read: Vec<u8> = Vec::new();
    let mut token = None;
    loop {
        if let Some(found) = parse_first_part(&read, boundary) {
            token = found;
            break;
        }
        if read.len() >= FIRST_PART_LIMIT {
            break;
        }
        match stream.next().await {
            Some(Ok(chunk)) => read.extend_from_slice(&chunk),
            Some(Err(_)) => return Err(AppError::Invalid("The request broke off.".into())),
            None => break,
        }
    }
    let prefix = futures_util::stream::once(async move { Ok::<Bytes, axum::Error>(read.into()) });
    Ok((token, Body::from_stream(prefix.chain(stream))))
}

/// Once `read` holds the whole first part: `Some(value)` if it is named `csrf`,
/// `Some(None)` if it is named anything else. `None` while more must be read.
#[allow(clippy::option_option)]
fn parse_first_part(read: &[u8], boundary: &str) -> Option<Option<String>> {
    let opening = format!("--{boundary}\r\n");
    let rest = read.strip_prefix(opening.as_bytes())?;
    let headers_end = find(rest, b"\r\n\r\n")?;
    let headers = String::from_utf8_lossy(&rest[..headers_end]).to_ascii_lowercase();
    let value_and_after = &rest[headers_end + 4..];
    let closing = format!("\r\n--{boundary}");
    let value_end = find(value_and_after, closing.as_bytes())?;
    let named_csrf = headers
        .lines()
        .filter(|line| line.starts_with("content-disposition:"))
        .any(|line| line.split(';').any(|p| p.trim() == "name=\"csrf\""));
    Some(
        named_csrf
            .then(|| String::from_utf8(value_and_after[..value_end].to_vec()).ok())
            .flatten(),
    )
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_part_is_read_only_when_whole() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--XyZ--\r\n";
        assert_eq!(
            parse_first_part(body, "XyZ"),
            Some(Some("abc123".to_owned()))
        );
        assert_eq!(parse_first_part(&body[..40], "XyZ"), None, "not yet whole");
        let other = b"--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--XyZ--\r\n";
        assert_eq!(parse_first_part(other, "XyZ"), Some(None));
        assert_eq!(parse_first_part(b"garbage", "XyZ"), None);
    }

    #[test]
    fn boundaries_are_read_from_the_content_type() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"abc\"").as_deref(),
            Some("abc")
        );
        assert_eq!(
            boundary("Multipart/Form-Data; Boundary=----WebKitAbC").as_deref(),
            Some("----WebKitAbC")
        );
        assert_eq!(boundary("application/json"), None);
    }
}
