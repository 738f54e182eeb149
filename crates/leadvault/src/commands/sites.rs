//! `leadvault sites …`: sites from the command line (for scripts and benchmarks).

use leadvault_accounts::{SiteDomain, add_site};
use leadvault_audit::{Acting, Actor, By};
use leadvault_store::{OrgId, Timestamp};

use crate::cli::{SitesAddArgs, SitesCommand};
use crate::error::CliError;
use crate::{logging, setup};

const OPERATOR: Actor = Actor::System("cli:sites");

pub async fn run(command: SitesCommand) -> Result<(), CliError> {
    match command {
        SitesCommand::Add(args) => add(args).await,
    }
}

async fn add(args: SitesAddArgs) -> Result<(), CliError> {
    let org = OrgId::parse(args.org.trim())
        .ok_or_else(|| CliError::Invalid(format!("`{}` is not an organization id", args.org)))?;
    let domain = SiteDomain::parse(&args.domain)
        .map_err(|e| CliError::Invalid(format!("`{}`: {e}", args.domain)))?;
    let config = setup::load_config(args.common.config.as_deref(), args.common.layer())?;
    logging::init(&config)?;
    let (db, _) = setup::open_database(&config).await?;
    let added = add_site(
        &db,
        &Acting::new(org, By::new(OPERATOR, None), Timestamp::now()),
        &domain,
    )
    .await;
    db.close().await;
    let site = added.map_err(|e| CliError::Invalid(e.to_string()))?;
    println!("Added site {}: {}", site.id, site.domain);
    Ok(())
}
