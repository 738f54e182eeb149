//! Sites: the domains an organization runs. Forms embed there (and only there: the form
//! pages' `frame-ancestors` lists them) and analytics counts there.

use std::fmt;

use leadvault_audit::Acting;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Batch, Db, OrgId, Outcomes, Slot, Statement, TenantScope, Timestamp};

use crate::actions::AccountAction;
use crate::error::AccountsError;
use crate::ids::SiteId;
use crate::trail::record;

/// A host name, lower-cased, of valid shape: `firm.example`, `www.firm.example`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SiteDomain(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SiteDomainError {
    #[error("enter the site's domain, like www.example.com")]
    Malformed,
    #[error("a domain has at most 253 characters")]
    TooLong,
}

impl SiteDomain {
    /// Accepts a bare domain, or a URL from which the host is taken.
    pub fn parse(input: &str) -> Result<Self, SiteDomainError> {
        let trimmed = input.trim();
        if trimmed.len() > 2048 {
            return Err(SiteDomainError::TooLong);
        }
        let without_scheme = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"))
            .unwrap_or(trimmed);
        let host = without_scheme
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if host.len() > 253 {
            return Err(SiteDomainError::TooLong);
        }
        let label_ok = |label: &str| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        let labels: Vec<&str> = host.split('.').collect();
        let top_ok = labels
            .last()
            .is_some_and(|top| top.bytes().any(|b| b.is_ascii_lowercase()));
        if labels.len() < 2 || !labels.iter().all(|l| label_ok(l)) || !top_ok {
            return Err(SiteDomainError::Malformed);
        }
        Ok(Self(host))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SiteDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SiteDomain({})", self.0)
    }
}

impl fmt::Display for SiteDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub id: SiteId,
    pub domain: SiteDomain,
    pub created_at: Timestamp,
    /// Analytics skips visitors whose browser sends Do Not Track or Global Privacy Control.
    pub honours_do_not_track: bool,
}

/// A site as the public analytics endpoint needs it: whose it is, besides the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicSite {
    pub org: OrgId,
    pub site: Site,
}

pub async fn add_site(
    db: &Db,
    acting: &Acting,
    domain: &SiteDomain,
) -> Result<Site, AccountsError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let id = SiteId::random();
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let inserted =
        sqlx::query("INSERT INTO sites (id, org_id, domain, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id.to_string())
            .bind(org.to_string())
            .bind(domain.as_str())
            .bind(now.as_unix_micros())
            .execute(&mut *tx)
            .await
            .map_err(leadvault_store::StoreError::from);
    match inserted {
        Err(e) if e.is_unique_violation() => return Err(AccountsError::SiteExists),
        Err(e) => return Err(e.into()),
        Ok(_) => {}
    }
    let event = by
        .event(AccountAction::SiteAdded)
        .on("site", id)
        .touching(&["domain"]);
    record(&mut tx, org, &event, now).await?;
    tx.commit().await?;
    Ok(Site {
        id,
        domain: domain.clone(),
        created_at: now,
        honours_do_not_track: false,
    })
}

/// The organization's sites, by domain.
pub async fn list_sites(db: &Db, org: OrgId) -> Result<Vec<Site>, AccountsError> {
    let mut batch = Batch::new();
    let sites = SitesRead::push(&mut batch, org);
    let mut outcomes = db.read_batch_in(TenantScope::Org(org), batch).await?;
    sites.take(&mut outcomes)
}

/// The statement that reads an organization's sites, for a batch.
#[derive(Debug)]
pub(crate) struct SitesRead(Slot);

impl SitesRead {
    pub(crate) fn push(batch: &mut Batch, org: OrgId) -> Self {
        Self(
            batch.push(
                Statement::new(
                    "SELECT id, domain, created_at, honours_do_not_track FROM sites WHERE org_id = $1 ORDER BY domain",
                )
                .bind(org.to_string()),
            ),
        )
    }

    pub(crate) fn take(self, outcomes: &mut Outcomes) -> Result<Vec<Site>, AccountsError> {
        outcomes.take(self.0)?.rows.iter().map(site_of).collect()
    }
}

/// A `sites` row selected as `id, domain, created_at, honours_do_not_track`.
fn site_of(row: &sqlx::any::AnyRow) -> Result<Site, AccountsError> {
    Ok(Site {
        id: SiteId::parse(&row.try_get::<String, _>(0)?)
            .ok_or(AccountsError::Corrupt("a site id"))?,
        domain: SiteDomain::parse(&row.try_get::<String, _>(1)?)
            .map_err(|_| AccountsError::Corrupt("a site domain"))?,
        created_at: Timestamp::from_unix_micros(row.try_get(2)?),
        honours_do_not_track: row.try_get::<i64, _>(3)? != 0,
    })
}

/// The site `id`, whichever organization runs it: an analytics event names only its site,
/// so this is one of the few reads across organizations. It reveals nothing to the
/// sender (the endpoint answers the same for a site that does not exist).
pub async fn public_site(db: &Db, id: SiteId) -> Result<Option<PublicSite>, AccountsError> {
    let mut batch = Batch::new();
    let slot = batch.push(
        Statement::new(
            "SELECT id, domain, created_at, honours_do_not_track, org_id FROM sites WHERE id = $1",
        )
        .bind(id.to_string()),
    );
    let mut outcomes = db
        .read_batch_in(TenantScope::AllOrganizations, batch)
        .await?;
    let rows = outcomes.take(slot)?.rows;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let org = OrgId::parse(&row.try_get::<String, _>(4)?)
        .ok_or(AccountsError::Corrupt("an organization id"))?;
    Ok(Some(PublicSite {
        org,
        site: site_of(row)?,
    }))
}

/// Turns `org`'s site `site` to honour Do Not Track and Global Privacy Control, or not.
/// `false` if `org` has no such site.
pub async fn set_do_not_track(
    db: &Db,
    acting: &Acting,
    site: SiteId,
    honour: bool,
) -> Result<bool, AccountsError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    let changed =
        sqlx::query("UPDATE sites SET honours_do_not_track = $1 WHERE org_id = $2 AND id = $3")
            .bind(i64::from(honour))
            .bind(org.to_string())
            .bind(site.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if changed == 1 {
        let event = by
            .event(AccountAction::SitePrivacyChanged)
            .on("site", site)
            .touching(&["honours_do_not_track"]);
        record(&mut tx, org, &event, now).await?;
    }
    tx.commit().await?;
    Ok(changed == 1)
}

/// Removes a site of `org`. `false` if `org` has no such site (another organization's
/// site is never touched).
pub async fn remove_site(db: &Db, acting: &Acting, site: SiteId) -> Result<bool, AccountsError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let removed = sqlx::query("DELETE FROM sites WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(site.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed == 1 {
        let event = by.event(AccountAction::SiteRemoved).on("site", site);
        record(&mut tx, org, &event, now).await?;
    }
    tx.commit().await?;
    Ok(removed == 1)
}

/// `org`'s site with this domain, if it has one.
pub async fn site_with_domain(
    db: &Db,
    org: OrgId,
    domain: &SiteDomain,
) -> Result<Option<Site>, AccountsError> {
    Ok(list_sites(db, org)
        .await?
        .into_iter()
        .find(|site| site.domain == *domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_taken_from_urls_and_lower_cased() {
        let parse = |s: &str| SiteDomain::parse(s).map(|d| d.as_str().to_owned());
        assert_eq!(parse("Lima.LAW"), Ok("lima.law".into()));
        assert_eq!(
            parse(" https://www.lima.law/contact?x=1 "),
            Ok("www.lima.law".into())
        );
        assert_eq!(parse("intake.lima.law."), Ok("intake.lima.law".into()));
    }

    #[test]
    fn impossible_domains_are_refused() {
        for bad in [
            "",
            "lima",
            "lima..law",
            "-lima.law",
            "lima-.law",
            "li ma.law",
            "lima.law:8080",
            "<script>.law",
            "192.168.0.1",
            "ftp://lima.law",
            "lima.123",
        ] {
            assert!(SiteDomain::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            SiteDomain::parse(&format!("{}.law", "a".repeat(250))),
            Err(SiteDomainError::TooLong)
        );
    }
}
