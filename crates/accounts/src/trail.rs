//! Where account events go in the audit log.
//!
//! An event in an organization (a role change, an invitation) goes to that organization's
//! chain. An event about a person's own account (a sign-in, a password or second-factor
//! change, a session ended) concerns every organization that person can reach, so it goes to
//! each of their chains, staff or client: each firm's investigator finds their own people's
//! sign-ins in their own log. About nobody known (a sign-in with an unknown address), it goes
//! to the installation's chain.

use leadvault_audit::{Actor, By, Chain, Event, append};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, TenantScope, Timestamp, Tx, set_tenant_scope};

use crate::error::AccountsError;
use crate::ids::UserId;

/// Appends `event` to `org`'s chain inside the caller's transaction.
pub(crate) async fn record(
    tx: &mut Tx,
    org: OrgId,
    event: &Event,
    now: Timestamp,
) -> Result<(), AccountsError> {
    append(tx, Chain::of(org), event, now).await?;
    Ok(())
}

/// How `user` relates to an organization, as an audit actor.
fn as_actor(user: UserId, client: bool) -> Actor {
    if client {
        Actor::Client(user.as_uuid())
    } else {
        Actor::Member(user.as_uuid())
    }
}

/// Appends `event` about `user`'s own account, done `by` someone, to the chain of every
/// organization `user` belongs to (or the installation's, if none), inside the caller's
/// transaction. When the person acts themself, each chain names them as what they are
/// there: a member or a client.
///
/// Widens the transaction's tenant scope to every organization (the lookup crosses them), so
/// call it after the transaction's own work.
pub(crate) async fn record_about(
    tx: &mut Tx,
    user: UserId,
    by: &By,
    event: Event,
    now: Timestamp,
) -> Result<(), AccountsError> {
    set_tenant_scope(tx, TenantScope::AllOrganizations).await?;
    let rows = sqlx::query(
        "SELECT org_id, CAST(0 AS BIGINT) FROM memberships WHERE user_id = $1 \
         UNION SELECT org_id, CAST(1 AS BIGINT) FROM customers WHERE user_id = $1 ORDER BY 1",
    )
    .bind(user.to_string())
    .fetch_all(&mut **tx)
    .await?;
    let themself =
        matches!(by.actor, Actor::Member(id) | Actor::Client(id) if id == user.as_uuid());
    let event = event.on("user", user).in_request(by.request_id);
    if rows.is_empty() {
        let event = Event {
            actor: by.actor,
            ..event
        };
        append(tx, Chain::Instance, &event, now).await?;
        return Ok(());
    }
    for row in &rows {
        let org = OrgId::parse(&row.try_get::<String, _>(0)?)
            .ok_or(AccountsError::Corrupt("an organization id"))?;
        let client = row.try_get::<i64, _>(1)? == 1;
        let actor = if themself {
            as_actor(user, client)
        } else {
            by.actor
        };
        let event = Event {
            actor,
            ..event.clone()
        };
        append(tx, Chain::of(org), &event, now).await?;
    }
    Ok(())
}

/// [`record_about`] in a transaction of its own: for a refusal, which changes nothing else.
pub(crate) async fn record_refusal(
    db: &Db,
    user: UserId,
    by: &By,
    event: Event,
    now: Timestamp,
) -> Result<(), AccountsError> {
    let mut tx = db.begin_write().await?;
    record_about(&mut tx, user, by, event.denied(), now).await?;
    tx.commit().await?;
    Ok(())
}
