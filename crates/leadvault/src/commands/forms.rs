//! `leadvault forms …`: intake forms from the command line (for scripts, and until the form
//! builder exists).

use std::io::Read;

use leadvault_accounts::{SiteDomain, SiteId, site_with_domain};
use leadvault_audit::{Acting, Actor, By};
use leadvault_intake::form::FormDefinition;
use leadvault_intake::{FormDraft, create_form, list_forms};
use leadvault_store::{Db, OrgId, Timestamp};

use crate::cli::{FormsCommand, FormsCreateArgs, FormsListArgs};
use crate::error::CliError;
use crate::{logging, setup};

const OPERATOR: Actor = Actor::System("cli:forms");

pub async fn run(command: FormsCommand) -> Result<(), CliError> {
    match command {
        FormsCommand::Create(args) => create(args).await,
        FormsCommand::List(args) => list(args).await,
    }
}

fn org(text: &str) -> Result<OrgId, CliError> {
    OrgId::parse(text.trim())
        .ok_or_else(|| CliError::Invalid(format!("`{text}` is not an organization id")))
}

fn intake_error(e: leadvault_intake::IntakeError) -> CliError {
    CliError::Invalid(e.to_string())
}

async fn create(args: FormsCreateArgs) -> Result<(), CliError> {
    let org = org(&args.org)?;
    let text = if args.definition.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(CliError::io(
                "cannot read the definition from standard input",
            ))?;
        text
    } else {
        std::fs::read_to_string(&args.definition).map_err(CliError::io(format!(
            "cannot read {}",
            args.definition.display()
        )))?
    };
    let definition = FormDefinition::from_json(&text)
        .map_err(|e| CliError::Invalid(format!("the definition is not valid: {e}")))?;
    let config = setup::load_config(args.common.config.as_deref(), args.common.layer())?;
    logging::init(&config)?;
    let (db, _) = setup::open_database(&config).await?;
    let by = By::new(OPERATOR, None);
    let made = async {
        let site = match &args.site {
            Some(domain) => Some(site_named(&db, org, domain).await?),
            None => None,
        };
        let draft = FormDraft::new(&args.name, definition).on_site(site);
        create_form(&db, &Acting::new(org, by, Timestamp::now()), &draft)
            .await
            .map_err(|e| match e {
                // The organization does not exist (the foreign key refused the form).
                leadvault_intake::IntakeError::Store(_) => {
                    CliError::Invalid(format!("no organization {org}"))
                }
                other => intake_error(other),
            })
    }
    .await;
    db.close().await;
    let id = made?;
    println!("Created form {id}: /f/{id}");
    Ok(())
}

/// The id of `org`'s site with this domain.
async fn site_named(db: &Db, org: OrgId, domain: &str) -> Result<SiteId, CliError> {
    let wanted =
        SiteDomain::parse(domain).map_err(|e| CliError::Invalid(format!("`{domain}`: {e}")))?;
    site_with_domain(db, org, &wanted)
        .await
        .map_err(|e| CliError::Invalid(e.to_string()))?
        .map(|site| site.id)
        .ok_or_else(|| {
            CliError::Invalid(format!(
                "{wanted} is not a site of organization {org}; add it on the Sites page first"
            ))
        })
}

async fn list(args: FormsListArgs) -> Result<(), CliError> {
    let org = org(&args.org)?;
    let config = setup::load_config(args.common.config.as_deref(), args.common.layer())?;
    logging::init(&config)?;
    let (db, _) = setup::open_database(&config).await?;
    let forms = list_forms(&db, org).await;
    db.close().await;
    for form in forms.map_err(intake_error)? {
        println!(
            "{}  {}  {} v{}  {}  /f/{}",
            form.id,
            form.kind.name(),
            form.name,
            form.version,
            form.site
                .as_ref()
                .map_or("(all sites)", |site| site.domain.as_str()),
            form.id
        );
    }
    Ok(())
}
