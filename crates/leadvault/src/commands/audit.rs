//! `leadvault audit …`: checking the audit chains.

use leadvault_audit::{Chain, chains, verify};
use leadvault_crypto::to_hex;
use leadvault_store::OrgId;

use crate::cli::{AuditCommand, AuditVerifyArgs};
use crate::error::CliError;
use crate::{logging, setup};

pub async fn run(command: AuditCommand) -> Result<(), CliError> {
    match command {
        AuditCommand::Verify(args) => verify_chains(args).await,
    }
}

async fn verify_chains(args: AuditVerifyArgs) -> Result<(), CliError> {
    let config = setup::load_config(args.common.config.as_deref(), args.common.layer())?;
    logging::init(&config)?;
    let (db, _) = setup::open_database(&config).await?;
    let selected = match &args.org {
        Some(text) => vec![Chain::Org(OrgId::parse(text.trim()).ok_or_else(|| {
            CliError::Invalid(format!("`{text}` is not an organization id"))
        })?)],
        None => chains(&db).await.map_err(audit_error)?,
    };
    let mut broken = 0;
    for chain in &selected {
        match verify(&db, *chain).await.map_err(audit_error)? {
            Ok(verified) => {
                let head = to_hex(&verified.head);
                println!(
                    "{}: intact, {} record(s), head {head}",
                    chain.name(),
                    verified.records
                );
            }
            Err(fault) => {
                broken += 1;
                println!("{}: BROKEN: {fault}", chain.name());
            }
        }
    }
    db.close().await;
    if broken > 0 {
        return Err(CliError::Invalid(format!(
            "{broken} of {} audit chain(s) failed verification",
            selected.len()
        )));
    }
    println!("{} audit chain(s) verified.", selected.len());
    Ok(())
}

fn audit_error(e: leadvault_audit::AuditError) -> CliError {
    CliError::Invalid(format!("the audit log could not be read: {e}"))
}
