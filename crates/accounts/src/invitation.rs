//! Invitations: a member who manages members invites an e-mail address to a role; the link
//! sent there works once, within [`INVITATION_LIFETIME`].
//!
//! The invitation is made the same way whether or not the address already has an account
//! (in this or any other organization), so inviting reveals nothing. Whoever opens the link
//! either chooses a password (a new person) or proves they own the existing account by
//! typing its password.

use std::collections::BTreeSet;
use std::time::Duration;

use leadvault_audit::{Acting, Actor, Event};
use leadvault_crypto::SecretToken;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, TenantScope, Timestamp, set_tenant_scope};

use crate::actions::AccountAction;
use crate::customer::insert_customer;
use crate::email::Email;
use crate::error::AccountsError;
use crate::ids::{InvitationId, SiteId, UserId};
use crate::member::{Grant, write_grant};
use crate::password::{Password, PasswordHasher};
use crate::policy::Scope;
use crate::role::Role;
use crate::trail::{record, record_refusal};

pub const INVITATION_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// What an invitation makes of the person who accepts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Joining {
    /// Staff, with a role and its reach.
    Member(Grant),
    /// A client of the organization, for the client portal.
    Customer,
}

/// The stored role text of a client invitation; no [`Role`] is spelt like it.
const CUSTOMER: &str = "customer";

impl Joining {
    fn stored_role(&self) -> &'static str {
        match self {
            Self::Member(grant) => grant.role().as_str(),
            Self::Customer => CUSTOMER,
        }
    }

    fn scope(&self) -> &Scope {
        match self {
            Self::Member(grant) => grant.scope(),
            Self::Customer => &Scope::Organization,
        }
    }
}

/// What an invitation is for, as listed and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitedAs {
    Member(Role),
    Customer,
}

impl InvitedAs {
    fn parse(stored: &str) -> Result<Self, AccountsError> {
        if stored == CUSTOMER {
            return Ok(Self::Customer);
        }
        stored
            .parse()
            .map(Self::Member)
            .map_err(|_| AccountsError::Corrupt("a role"))
    }
}

impl std::fmt::Display for InvitedAs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Member(role) => role.fmt(f),
            Self::Customer => f.write_str("client"),
        }
    }
}

/// A pending invitation, as listed to those who manage members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: InvitationId,
    pub email: String,
    pub invited_as: InvitedAs,
    pub expires_at: Timestamp,
}

/// What the holder of an invitation link is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationView {
    pub org_name: String,
    pub email: String,
    pub invited_as: InvitedAs,
    /// Whether the address already has an account, whose password must then be typed.
    pub account_exists: bool,
}

/// Invites `email` to `org` as staff with a grant, or as a client. Returns the link's
/// secret token, which is stored only as a hash.
pub async fn invite(
    db: &Db,
    acting: &Acting,
    invited_by: UserId,
    email: &Email,
    joining: &Joining,
) -> Result<(InvitationId, SecretToken), AccountsError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    let already = sqlx::query(
        "SELECT (SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE m.org_id = $1 AND u.email = $2) \
              + (SELECT count(*) FROM customers c JOIN users u ON u.id = c.user_id \
                 WHERE c.org_id = $1 AND u.email = $2)",
    )
    .bind(org.to_string())
    .bind(email.as_str())
    .fetch_one(&mut *tx)
    .await?
    .try_get::<i64, _>(0)?;
    if already > 0 {
        return Err(AccountsError::AlreadyMember);
    }
    let id = InvitationId::random();
    let token = SecretToken::generate()?;
    sqlx::query(
        "INSERT INTO invitations (id, org_id, email, role, scope, token_hash, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(email.as_str())
    .bind(joining.stored_role())
    .bind(joining.scope().kind())
    .bind(token.hash().as_bytes().to_vec())
    .bind(invited_by.to_string())
    .bind(now.as_unix_micros())
    .bind(now.saturating_add(INVITATION_LIFETIME).as_unix_micros())
    .execute(&mut *tx)
    .await?;
    if let Scope::Sites(sites) = joining.scope() {
        for site in sites {
            let inserted = sqlx::query(
                "INSERT INTO invitation_sites (invitation_id, site_id) \
                 SELECT $1, id FROM sites WHERE id = $2 AND org_id = $3",
            )
            .bind(id.to_string())
            .bind(site.to_string())
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted != 1 {
                return Err(AccountsError::UnknownSite);
            }
        }
    }
    let event = by
        .event(AccountAction::InvitationCreated)
        .on("invitation", id)
        .touching(&["email", "role", "scope"]);
    record(&mut tx, org, &event, now).await?;
    tx.commit().await?;
    Ok((id, token))
}

/// The organization's invitations that can still be accepted.
pub async fn pending_invitations(
    db: &Db,
    org: OrgId,
    now: Timestamp,
) -> Result<Vec<Invitation>, AccountsError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let rows = sqlx::query(
        "SELECT id, email, role, expires_at FROM invitations \
         WHERE org_id = $1 AND expires_at > $2 ORDER BY created_at",
    )
    .bind(org.to_string())
    .bind(now.as_unix_micros())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.iter()
        .map(|row| {
            Ok(Invitation {
                id: InvitationId::parse(&row.try_get::<String, _>(0)?)
                    .ok_or(AccountsError::Corrupt("an invitation id"))?,
                email: row.try_get(1)?,
                invited_as: InvitedAs::parse(&row.try_get::<String, _>(2)?)?,
                expires_at: Timestamp::from_unix_micros(row.try_get(3)?),
            })
        })
        .collect()
}

/// Withdraws an invitation of `org`; `false` if `org` has no such invitation.
pub async fn revoke_invitation(
    db: &Db,
    acting: &Acting,
    id: InvitationId,
) -> Result<bool, AccountsError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let removed = sqlx::query("DELETE FROM invitations WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed == 1 {
        let event = by
            .event(AccountAction::InvitationRevoked)
            .on("invitation", id);
        record(&mut tx, org, &event, now).await?;
    }
    tx.commit().await?;
    Ok(removed == 1)
}

/// What the link shows, if the token is a live invitation.
pub async fn view_invitation(
    db: &Db,
    token: &SecretToken,
    now: Timestamp,
) -> Result<Option<InvitationView>, AccountsError> {
    // The token says which organization: the lookup has to cross them all.
    let mut tx = db.begin_in(TenantScope::AllOrganizations).await?;
    let row = sqlx::query(
        "SELECT o.name, i.email, i.role, (SELECT count(*) FROM users u WHERE u.email = i.email) \
         FROM invitations i JOIN organizations o ON o.id = i.org_id \
         WHERE i.token_hash = $1 AND i.expires_at > $2",
    )
    .bind(token.hash().as_bytes().to_vec())
    .bind(now.as_unix_micros())
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(InvitationView {
        org_name: row.try_get(0)?,
        email: row.try_get(1)?,
        invited_as: InvitedAs::parse(&row.try_get::<String, _>(2)?)?,
        account_exists: row.try_get::<i64, _>(3)? > 0,
    }))
}

/// Accepts an invitation. `password` is the new account's password (already checked
/// against the password policy by the caller) or, for an existing account, its password.
/// Returns the member who joined. `by` is whoever holds the link; the record of the
/// acceptance names the person who joined.
pub async fn accept_invitation(
    db: &Db,
    hasher: &PasswordHasher,
    token: &SecretToken,
    password: Password,
    acting: &Acting,
) -> Result<(OrgId, UserId), AccountsError> {
    let (by, now) = (&acting.by, acting.now);
    let view = view_invitation(db, token, now)
        .await?
        .ok_or(AccountsError::InvitationInvalid)?;
    let existing = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1")
        .bind(&view.email)
        .fetch_optional(db.pool())
        .await?;
    // Slow work first, outside the transaction.
    let (user, new_hash) = match existing {
        Some(row) => {
            let id = UserId::parse(&row.try_get::<String, _>(0)?)
                .ok_or(AccountsError::Corrupt("a user id"))?;
            if !hasher.verify(password, row.try_get(1)?).await? {
                let event = by.event(AccountAction::InvitationAccepted);
                record_refusal(db, id, by, event, now).await?;
                return Err(AccountsError::WrongPassword);
            }
            (id, None)
        }
        None => (UserId::random(), Some(hasher.hash(password).await?)),
    };

    let mut tx = db.begin_write_in(TenantScope::AllOrganizations).await?;
    let row = sqlx::query(
        "SELECT id, org_id, role, scope FROM invitations WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token.hash().as_bytes().to_vec())
    .bind(now.as_unix_micros())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AccountsError::InvitationInvalid)?;
    let invitation: String = row.try_get(0)?;
    let org = OrgId::parse(&row.try_get::<String, _>(1)?)
        .ok_or(AccountsError::Corrupt("an organization id"))?;
    // From here on, only that organization's rows.
    set_tenant_scope(&mut tx, TenantScope::Org(org)).await?;
    let invited_as = InvitedAs::parse(&row.try_get::<String, _>(2)?)?;
    let scope = if row.try_get::<String, _>(3)? == "sites" {
        let sites = sqlx::query("SELECT site_id FROM invitation_sites WHERE invitation_id = $1")
            .bind(&invitation)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| {
                SiteId::parse(&r.try_get::<String, _>(0)?)
                    .ok_or(AccountsError::Corrupt("a site id"))
            })
            .collect::<Result<BTreeSet<_>, _>>()?;
        Scope::Sites(sites)
    } else {
        Scope::Organization
    };
    let joining = match invited_as {
        InvitedAs::Customer => Joining::Customer,
        InvitedAs::Member(role) => Joining::Member(
            Grant::new(role, scope).map_err(|_| AccountsError::Corrupt("an invitation"))?,
        ),
    };
    // Deleting it is what makes the link single-use: of two racing acceptances, the second
    // finds nothing to delete.
    let deleted = sqlx::query("DELETE FROM invitations WHERE id = $1")
        .bind(&invitation)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if deleted != 1 {
        return Err(AccountsError::InvitationInvalid);
    }
    if let Some(hash) = new_hash {
        sqlx::query(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user.to_string())
        .bind(&view.email)
        .bind(hash)
        .bind(now.as_unix_micros())
        .execute(&mut *tx)
        .await?;
    }
    match &joining {
        Joining::Customer => insert_customer(&mut tx, org, user, now).await?,
        Joining::Member(grant) => {
            let joined = sqlx::query(
                "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(org.to_string())
            .bind(user.to_string())
            .bind(grant.role().as_str())
            .bind(now.as_unix_micros())
            .execute(&mut *tx)
            .await
            .map_err(leadvault_store::StoreError::from);
            match joined {
                Err(e) if e.is_unique_violation() => return Err(AccountsError::AlreadyMember),
                other => other?,
            };
            write_grant(&mut tx, org, user, grant).await?;
        }
    }
    let joiner = match joining {
        Joining::Customer => Actor::Client(user.as_uuid()),
        Joining::Member(_) => Actor::Member(user.as_uuid()),
    };
    let event = Event::new(joiner, AccountAction::InvitationAccepted)
        .on("invitation", invitation)
        .in_request(by.request_id);
    record(&mut tx, org, &event, now).await?;
    tx.commit().await?;
    Ok((org, user))
}
