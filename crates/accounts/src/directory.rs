//! What a public submission needs to know of an organization besides its form, read in one
//! round trip: its members (whom rules may route to, whom to tell) and, for a form of the
//! whole organization, its sites (which may frame the answer).

use leadvault_store::{Batch, Db, OrgId, TenantScope};

use crate::error::AccountsError;
use crate::member::{MemberSummary, MembersRead};
use crate::site::{Site, SitesRead};

/// `org`'s members and, when asked, its sites.
pub async fn members_and_sites(
    db: &Db,
    org: OrgId,
    with_sites: bool,
) -> Result<(Vec<MemberSummary>, Vec<Site>), AccountsError> {
    let mut batch = Batch::new();
    let members = MembersRead::push(&mut batch, org);
    let sites = with_sites.then(|| SitesRead::push(&mut batch, org));
    let mut outcomes = db.read_batch_in(TenantScope::Org(org), batch).await?;
    let sites = match sites {
        Some(sites) => sites.take(&mut outcomes)?,
        None => Vec::new(),
    };
    Ok((members.take(&mut outcomes)?, sites))
}
