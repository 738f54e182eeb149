//! Public share links: a site's dashboard, read-only, for whoever has the link (a firm
//! showing its marketing agency, say). One link per site at most; only a hash of its token
//! is kept, so the link is shown once, and making a new one ends the old.

use leadvault_store::sqlx;
use leadvault_store::{SiteId, StoreError, Timestamp};

use crate::storage::AnalyticsDb;

/// Shares `site` under the token whose SHA-256 is `token_hash`, ending any earlier link.
pub async fn share(
    db: &AnalyticsDb,
    site: SiteId,
    token_hash: &[u8],
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = db.db().begin_write().await?;
    sqlx::query("DELETE FROM analytics_shares WHERE site_id = $1")
        .bind(site.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO analytics_shares (site_id, token_hash, created_at) VALUES ($1, $2, $3)",
    )
    .bind(site.to_string())
    .bind(token_hash.to_vec())
    .bind(now.as_unix_micros())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends `site`'s share link; `false` if it had none.
pub async fn unshare(db: &AnalyticsDb, site: SiteId) -> Result<bool, StoreError> {
    let removed = sqlx::query("DELETE FROM analytics_shares WHERE site_id = $1")
        .bind(site.to_string())
        .execute(db.db().pool())
        .await?
        .rows_affected();
    Ok(removed == 1)
}

/// Whether `site` has a share link.
pub async fn is_shared(db: &AnalyticsDb, site: SiteId) -> Result<bool, StoreError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT created_at FROM analytics_shares WHERE site_id = $1")
            .bind(site.to_string())
            .fetch_optional(db.db().pool())
            .await?;
    Ok(found.is_some())
}

/// The site shared under the token whose SHA-256 is `token_hash`, if any.
pub async fn shared_site(
    db: &AnalyticsDb,
    token_hash: &[u8],
) -> Result<Option<SiteId>, StoreError> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT site_id FROM analytics_shares WHERE token_hash = $1")
            .bind(token_hash.to_vec())
            .fetch_optional(db.db().pool())
            .await?;
    Ok(found.as_deref().and_then(SiteId::parse))
}
