//! A person's own account: `GET /account` (second factor status and sessions), ending
//! sessions, and second-factor enrolment (`/account/two-factor`, its QR code).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::{
    AccountsError, SessionStage, TotpSecret, advance_session, confirm_enrolment,
    end_other_sessions, end_session_by_id, has_second_factor, list_sessions, pending_enrolment,
    recovery_codes_left, second_factor_required, user_email,
};
use leadvault_audit::Acting;
use leadvault_store::Timestamp;
use qrcode::QrCode;
use qrcode::render::svg;
use zeroize::Zeroizing;

use crate::account::views::{AccountPage, EnrolPage, RecoveryCodesPage, SessionRow};
use crate::state::AppState;
use crate::web::auth::{SigningIn, session_cookie, signed_out};
use crate::web::client_ip::ClientIp;
use crate::web::error::AppError;
use crate::web::form_body::CodeForm;
use crate::web::person::Person;
use crate::web::rate_limit::backoff_check;
use crate::web::render::{render, utc};
use crate::web::shell::{Section, Shell};

/// The name authenticator apps show above the code.
const ISSUER: &str = "Leadvault";

pub async fn show(State(state): State<AppState>, person: Person) -> Result<Response, AppError> {
    Ok(render(&account_page(&state, &person, None).await?).into_response())
}

/// The account page, with `error` about a form on it that was refused.
pub(crate) async fn account_page(
    state: &AppState,
    person: &Person,
    error: Option<String>,
) -> Result<AccountPage, AppError> {
    let user = person.user_id;
    let now = Timestamp::now();
    let sessions = list_sessions(state.db(), user, &person.token, now)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            id: s.id,
            device: s.device,
            created: utc(s.created_at),
            last_seen: utc(s.last_seen_at),
            current: s.current,
        })
        .collect();
    Ok(AccountPage {
        shell: Shell::of_person(state, person, Section::Account).await?,
        csrf: person.csrf_token(),
        email: person.email.clone(),
        role: person.relation.to_string(),
        org_name: person.org_name.clone(),
        two_factor: has_second_factor(state.db(), user).await?,
        two_factor_required: second_factor_required(state.db(), user).await?,
        recovery_codes_left: recovery_codes_left(state.db(), user).await?,
        sessions,
        error,
        notice: None,
        mail: state.mail_links().is_some(),
    })
}

pub async fn end_one_session(
    State(state): State<AppState>,
    person: Person,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let user = person.user_id;
    if !end_session_by_id(state.db(), &person.acting, user, &id).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(target: "security", user_id = %user, "session ended by its owner");
    // Still signed in unless it was this very session.
    let still_here = leadvault_accounts::find_session(state.db(), &person.token, Timestamp::now())
        .await?
        .is_some();
    if still_here {
        Ok(Redirect::to("/account").into_response())
    } else {
        Ok(signed_out(state.options()))
    }
}

pub async fn end_other(
    State(state): State<AppState>,
    person: Person,
) -> Result<Response, AppError> {
    let user = person.user_id;
    let ended = end_other_sessions(state.db(), &person.acting, user, &person.token).await?;
    tracing::info!(target: "security", user_id = %user, ended, "signed out everywhere else");
    Ok(Redirect::to("/account").into_response())
}

/// Enrolment is for a fully signed-in person, or for one whose role requires it before
/// anything else; not for someone who has yet to give the second factor they have.
fn may_enrol(signing_in: &SigningIn) -> Result<(), AppError> {
    match signing_in.session.stage {
        SessionStage::Full | SessionStage::Enrol => Ok(()),
        SessionStage::SecondFactor => Err(AppError::SecondFactorPending),
    }
}

pub async fn show_enrolment(
    State(state): State<AppState>,
    signing_in: SigningIn,
) -> Result<Response, AppError> {
    may_enrol(&signing_in)?;
    let now = Timestamp::now();
    let user = signing_in.session.user_id;
    let secret = match pending_enrolment(state.db(), state.keyring(), user, now).await {
        Ok(secret) => secret,
        Err(AccountsError::AlreadyEnrolled) => return Ok(Redirect::to("/account").into_response()),
        Err(other) => return Err(other.into()),
    };
    Ok(render(&enrol_page(&signing_in, &secret, None)).into_response())
}

fn enrol_page(signing_in: &SigningIn, secret: &TotpSecret, error: Option<String>) -> EnrolPage {
    EnrolPage {
        csrf: signing_in.csrf_token(),
        secret: secret.for_typing().to_string(),
        required: signing_in.session.stage == SessionStage::Enrol,
        error,
    }
}

/// The QR code of the secret being enrolled, as SVG (an image: no script, no inline style).
pub async fn enrolment_qr(
    State(state): State<AppState>,
    signing_in: SigningIn,
) -> Result<Response, AppError> {
    may_enrol(&signing_in)?;
    let user = signing_in.session.user_id;
    let email = user_email(state.db(), user)
        .await?
        .ok_or(AppError::SignInRequired)?;
    let secret = match pending_enrolment(state.db(), state.keyring(), user, Timestamp::now()).await
    {
        Ok(secret) => secret,
        Err(AccountsError::AlreadyEnrolled) => return Err(AppError::NotFound),
        Err(other) => return Err(other.into()),
    };
    let uri = secret.otpauth_uri(ISSUER, &email);
    let code = QrCode::new(uri.as_bytes()).map_err(|e| AppError::Internal(e.to_string()))?;
    let image = Zeroizing::new(
        code.render::<svg::Color<'_>>()
            .min_dimensions(220, 220)
            .quiet_zone(true)
            .build(),
    );
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], image.to_string()).into_response())
}

pub async fn confirm(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    signing_in: SigningIn,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    state.limits().second_factor.check(&ip)?;
    may_enrol(&signing_in)?;
    let now = Timestamp::now();
    let user = signing_in.session.user_id;
    let failures = &state.limits().second_factor_failures;
    backoff_check(failures, &user, now)?;

    let code = form.code();
    let by = signing_in.by();
    let codes = match confirm_enrolment(
        state.db(),
        state.keyring(),
        user,
        &code,
        &Acting::personal(by, now),
    )
    .await
    {
        Ok(codes) => codes,
        Err(AccountsError::Totp(wrong)) => {
            failures.record_failure(&user, now);
            let secret = pending_enrolment(state.db(), state.keyring(), user, now).await?;
            let page = enrol_page(&signing_in, &secret, Some(wrong.to_string()));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
        }
        Err(AccountsError::AlreadyEnrolled | AccountsError::NotEnrolled) => {
            return Ok(Redirect::to("/account").into_response());
        }
        Err(other) => return Err(other.into()),
    };
    failures.record_success(&user);
    tracing::info!(target: "security", user_id = %user, "second factor enrolled");
    let page = render(&RecoveryCodesPage {
        codes: codes.iter().map(str::to_owned).collect(),
    });
    if signing_in.session.stage == SessionStage::Enrol {
        // Enrolment completes sign-in: a new session id for the new privilege.
        let fresh = advance_session(state.db(), &signing_in.token, SessionStage::Full, now)
            .await?
            .ok_or(AppError::SignInRequired)?;
        return Ok((
            [(header::SET_COOKIE, session_cookie(state.options(), &fresh)?)],
            page,
        )
            .into_response());
    }
    Ok(page.into_response())
}
