//! Public share links: a site's dashboard, read-only, for whoever has the link (a firm
//! showing its marketing agency, say). One link per site at most; only a hash of its token
//! is kept, so the link is shown once, and making a new one ends the old.

use leadvault_audit::{Acting, AuditError, Chain, append};
use leadvault_store::sqlx;
use leadvault_store::{Db, SiteId, StoreError, TenantScope};

use crate::actions::AnalyticsAction;

/// Shares `site` under the token whose SHA-256 is `token_hash`, ending any earlier link;
/// audited in the same transaction.
pub async fn share(
    db: &Db,
    acting: &Acting,
    site: SiteId,
    token_hash: &[u8],
) -> Result<(), AuditError> {
    let mut tx = db.begin_write_in(TenantScope::Org(acting.org)).await?;
    sqlx::query("DELETE FROM analytics_shares WHERE site_id = $1")
        .bind(site.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO analytics_shares (site_id, token_hash, created_at) VALUES ($1, $2, $3)",
    )
    .bind(site.to_string())
    .bind(token_hash.to_vec())
    .bind(acting.now.as_unix_micros())
    .execute(&mut *tx)
    .await?;
    let event = acting.by.event(AnalyticsAction::Shared).on("site", site);
    append(&mut tx, Chain::of(acting.org), &event, acting.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends `site`'s share link, audited in the same transaction; `false` if it had none.
pub async fn unshare(db: &Db, acting: &Acting, site: SiteId) -> Result<bool, AuditError> {
    let mut tx = db.begin_write_in(TenantScope::Org(acting.org)).await?;
    let removed = sqlx::query("DELETE FROM analytics_shares WHERE site_id = $1")
        .bind(site.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed != 1 {
        return Ok(false);
    }
    let event = acting.by.event(AnalyticsAction::Unshared).on("site", site);
    append(&mut tx, Chain::of(acting.org), &event, acting.now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Whether `site` has a share link.
pub async fn is_shared(db: &Db, site: SiteId) -> Result<bool, StoreError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT created_at FROM analytics_shares WHERE site_id = $1")
            .bind(site.to_string())
            .fetch_optional(db.pool())
            .await?;
    Ok(found.is_some())
}

/// The site shared under the token whose SHA-256 is `token_hash`, if any.
pub async fn shared_site(db: &Db, token_hash: &[u8]) -> Result<Option<SiteId>, StoreError> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT site_id FROM analytics_shares WHERE token_hash = $1")
            .bind(token_hash.to_vec())
            .fetch_optional(db.pool())
            .await?;
    Ok(found.as_deref().and_then(SiteId::parse))
}
