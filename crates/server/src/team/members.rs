//! Managing members: `GET /members`, inviting, changing a role and its reach, removing, and
//! withdrawing invitations. Every handler requires [`Capability::ManageMembers`]; changes
//! that touch owners also require being one ([`may_assign`]).

use std::collections::BTreeSet;

use axum::extract::{Path, RawForm, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use leadvault_accounts::{
    AccountsError, Capability, Email, Grant, InvitationId, Joining, MemberSummary, Role, Scope,
    Site, SiteId, UserId, change_grant, find_member, invite, list_members, list_sites, may_assign,
    pending_invitations, remove_member, revoke_invitation,
};
use leadvault_crypto::SecretToken;
use leadvault_store::Timestamp;

use crate::mails;
use crate::state::AppState;
use crate::team::views::{InvitationRow, MemberRow, MembersPage, RoleOption, SiteOption};
use crate::web::auth::{SignedIn, signed_out};
use crate::web::denial::Needed;
use crate::web::error::AppError;
use crate::web::form_body::Fields;
use crate::web::render::{render, utc};
use crate::web::shell::{Section, Shell};

/// The role field's value that invites a client instead of staff.
const CLIENT: &str = "customer";

/// What the form said about the page beyond the stored data.
#[derive(Default)]
struct Extras {
    invite_email: String,
    invite_role: Option<Role>,
    error: Option<String>,
    invited: Option<String>,
    invited_link: Option<String>,
}

impl Extras {
    fn error(message: String) -> Self {
        Self {
            error: Some(message),
            ..Self::default()
        }
    }
}

async fn members_page(
    state: &AppState,
    signed_in: &SignedIn,
    extras: Extras,
) -> Result<MembersPage, AppError> {
    let org = signed_in.org();
    let sites = list_sites(state.db(), org).await?;
    let me = signed_in.member.user_id;
    let members = list_members(state.db(), org)
        .await?
        .into_iter()
        .map(|member| member_row(member, &sites, me))
        .collect();
    let invitations = pending_invitations(state.db(), org, Timestamp::now())
        .await?
        .into_iter()
        .map(|i| InvitationRow {
            id: i.id.to_string(),
            email: i.email,
            role: i.invited_as.to_string(),
            expires: utc(i.expires_at),
        })
        .collect();
    let chosen = extras.invite_role.unwrap_or(Role::Intake);
    Ok(MembersPage {
        shell: Some(Shell::of(state, signed_in, Section::Members).await?),
        csrf: signed_in.csrf_token(),
        members,
        invitations,
        roles: Role::ALL
            .into_iter()
            .map(|r| RoleOption {
                value: r.as_str(),
                label: r.as_str(),
                selected: r == chosen,
            })
            .collect(),
        client_option: RoleOption {
            value: CLIENT,
            label: "client (client portal only)",
            selected: false,
        },
        sites: site_options(&sites, &Scope::Sites(BTreeSet::new())),
        invite_email: extras.invite_email,
        error: extras.error,
        invited: extras.invited,
        invited_link: extras.invited_link,
    })
}

/// The organization's sites as checkboxes, checked where `scope` reaches.
fn site_options(sites: &[Site], scope: &Scope) -> Vec<SiteOption> {
    sites
        .iter()
        .map(|s| SiteOption {
            id: s.id.to_string(),
            domain: s.domain.to_string(),
            checked: matches!(scope, Scope::Sites(set) if set.contains(&s.id)),
        })
        .collect()
}

/// A member as listed, with what their scope reaches in words and as checkboxes.
fn member_row(member: MemberSummary, sites: &[Site], me: UserId) -> MemberRow {
    let domain = |id: &SiteId| {
        sites
            .iter()
            .find(|s| s.id == *id)
            .map(|s| s.domain.as_str())
    };
    MemberRow {
        user_id: member.user_id.to_string(),
        reach: match &member.scope {
            Scope::Organization => "Whole organization".to_owned(),
            Scope::Sites(set) if set.is_empty() => "No sites".to_owned(),
            Scope::Sites(set) => set.iter().filter_map(domain).collect::<Vec<_>>().join(", "),
        },
        sites: site_options(sites, &member.scope),
        email: member.email,
        role: member.role.to_string(),
        since: utc(member.since),
        is_me: member.user_id == me,
    }
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::ManageMembers).await?;
    Ok(render(&members_page(&state, &signed_in, Extras::default()).await?).into_response())
}

/// The page again, with a message, as 422: the request changed nothing.
async fn refused(
    state: &AppState,
    signed_in: &SignedIn,
    extras: Extras,
) -> Result<Response, AppError> {
    let page = members_page(state, signed_in, extras).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

/// The role and reach a form asks for. No site ticked means the whole organization.
fn requested_grant(fields: &Fields, sites: &[Site]) -> Result<Grant, String> {
    let role: Role = fields.one("role").parse().map_err(|e| format!("{e}"))?;
    let mut chosen = BTreeSet::new();
    for text in fields.all("site") {
        let id = SiteId::parse(text)
            .filter(|id| sites.iter().any(|s| s.id == *id))
            .ok_or_else(|| AccountsError::UnknownSite.to_string())?;
        chosen.insert(id);
    }
    let scope = if chosen.is_empty() {
        Scope::Organization
    } else {
        Scope::Sites(chosen)
    };
    Grant::new(role, scope).map_err(|e| e.to_string())
}

pub async fn invite_someone(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed_in: SignedIn,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let fields = managing(&state, &signed_in, &body).await?;
    let org = signed_in.org();
    let mut extras = Extras {
        invite_email: fields.one("email").chars().take(254).collect(),
        invite_role: fields.one("role").parse().ok(),
        ..Extras::default()
    };
    let sites = list_sites(state.db(), org).await?;
    let requested = Email::parse(fields.one("email"))
        .map_err(|e| e.to_string())
        .and_then(|email| Ok((email, requested_joining(&fields, &sites)?)));
    let (email, joining) = match requested {
        Ok(requested) => requested,
        Err(message) => {
            extras.error = Some(message);
            return refused(&state, &signed_in, extras).await;
        }
    };
    if let Joining::Member(grant) = &joining
        && !may_assign(signed_in.member.role, None, Some(grant.role()))
    {
        return Err(signed_in.refuse(&state, Needed::AssignRole).await);
    }
    let made = invite(
        state.db(),
        &signed_in.acting,
        signed_in.member.user_id,
        &email,
        &joining,
    )
    .await;
    let (id, token) = match made {
        Ok(made) => made,
        Err(e @ (AccountsError::AlreadyMember | AccountsError::UnknownSite)) => {
            extras.error = Some(e.to_string());
            return refused(&state, &signed_in, extras).await;
        }
        Err(other) => return Err(other.into()),
    };
    tracing::info!(target: "security", org_id = %org, invitation = %id, "invitation made");
    let invited_link =
        send_invitation(&state, &signed_in, &headers, &email, &joining, &token).await?;
    let extras = Extras {
        invited: Some(email.as_str().to_owned()),
        invited_link,
        ..Extras::default()
    };
    Ok(render(&members_page(&state, &signed_in, extras).await?).into_response())
}

/// Sends the invitation's link by e-mail; without e-mail, returns it, to be shown to the
/// inviter once and passed on.
async fn send_invitation(
    state: &AppState,
    signed_in: &SignedIn,
    headers: &HeaderMap,
    email: &Email,
    joining: &Joining,
    token: &SecretToken,
) -> Result<Option<String>, AppError> {
    let path = format!("/invitation?token={}", token.expose());
    let Some(public) = state.mail_links() else {
        return Ok(Some(format!(
            "{}{path}",
            origin(headers, state.options().https)
        )));
    };
    let mail = mails::invitation(
        email.as_str(),
        &signed_in.member.org_name,
        &invited_as(joining),
        &format!("{public}{path}"),
    )?;
    state.send_mail(&mail).await?;
    Ok(None)
}

/// Who the invited person joins as: a client (of no site), or a member with the role and
/// sites the form asks for. `Err`: what to tell the inviter.
fn requested_joining(fields: &Fields, sites: &[Site]) -> Result<Joining, String> {
    if fields.one("role") == CLIENT {
        if fields.all("site").next().is_some() {
            return Err("a client sees only their own work orders; choose no sites".into());
        }
        return Ok(Joining::Customer);
    }
    requested_grant(fields, sites).map(Joining::Member)
}

/// What the invitation e-mail says the person is invited as.
fn invited_as(joining: &Joining) -> String {
    match joining {
        Joining::Member(grant) => grant.role().to_string(),
        Joining::Customer => "client".to_owned(),
    }
}

/// The address this person reached us at, for a link they will pass on. Only ever shown
/// back to the same requester, so a forged `Host` only misleads whoever forged it.
fn origin(headers: &HeaderMap, https: bool) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
        })
        .unwrap_or("localhost");
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// A member of the signed-in person's organization, by the id in the path; anything else
/// (malformed, another organization's, nobody's) is 404.
async fn target(
    state: &AppState,
    signed_in: &SignedIn,
    id: &str,
) -> Result<leadvault_accounts::Member, AppError> {
    let user = UserId::parse(id).ok_or(AppError::NotFound)?;
    find_member(state.db(), user, signed_in.org())
        .await?
        .ok_or(AppError::NotFound)
}

/// The checks every form of this page starts with: its anti-CSRF token, then the capability.
async fn managing(state: &AppState, signed_in: &SignedIn, body: &[u8]) -> Result<Fields, AppError> {
    let fields = Fields::parse(body);
    signed_in.require(state, Capability::ManageMembers).await?;
    Ok(fields)
}

/// The answer to a change of a member: the page with the refusal when it would leave the
/// organization without an owner; else back to the list, or to sign-in when the change was
/// to oneself (whose sessions it ended).
async fn after_change(
    state: &AppState,
    signed_in: &SignedIn,
    user: UserId,
    outcome: Result<(), AccountsError>,
) -> Result<Response, AppError> {
    match outcome {
        Ok(()) => {}
        Err(e @ AccountsError::LastOwner) => {
            return refused(state, signed_in, Extras::error(e.to_string())).await;
        }
        Err(other) => return Err(other.into()),
    }
    if user == signed_in.member.user_id {
        Ok(signed_out(state.options()))
    } else {
        Ok(Redirect::to("/members").into_response())
    }
}

pub async fn change_role(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let fields = managing(&state, &signed_in, &body).await?;
    let target = target(&state, &signed_in, &id).await?;
    let sites = list_sites(state.db(), signed_in.org()).await?;
    let grant = match requested_grant(&fields, &sites) {
        Ok(grant) => grant,
        Err(message) => return refused(&state, &signed_in, Extras::error(message)).await,
    };
    if !may_assign(signed_in.member.role, Some(target.role), Some(grant.role())) {
        return Err(signed_in.refuse(&state, Needed::AssignRole).await);
    }
    let outcome = change_grant(state.db(), &signed_in.acting, target.user_id, &grant).await;
    if outcome.is_ok() {
        tracing::info!(target: "security", org_id = %target.org_id, user_id = %target.user_id, role = %grant.role(), "role changed; sessions ended");
    }
    after_change(&state, &signed_in, target.user_id, outcome).await
}

pub async fn remove(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    managing(&state, &signed_in, &body).await?;
    let target = target(&state, &signed_in, &id).await?;
    if !may_assign(signed_in.member.role, Some(target.role), None) {
        return Err(signed_in.refuse(&state, Needed::AssignRole).await);
    }
    let outcome = remove_member(state.db(), &signed_in.acting, target.user_id).await;
    if outcome.is_ok() {
        tracing::info!(target: "security", org_id = %target.org_id, user_id = %target.user_id, "member removed; sessions ended");
    }
    after_change(&state, &signed_in, target.user_id, outcome).await
}

pub async fn withdraw_invitation(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    managing(&state, &signed_in, &body).await?;
    let id = InvitationId::parse(&id).ok_or(AppError::NotFound)?;
    let _org = signed_in.org();
    if !revoke_invitation(state.db(), &signed_in.acting, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/members").into_response())
}
