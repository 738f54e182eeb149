use std::io::BufRead;

use leadvault_accounts::{Email, NewOwner, OrgName, Password, PasswordHasher, create_owner};
use leadvault_audit::{Acting, Actor, By};
use leadvault_store::Timestamp;
use zeroize::Zeroizing;

use crate::cli::CreateOwnerArgs;
use crate::error::CliError;
use crate::{logging, setup};

pub async fn run(args: CreateOwnerArgs) -> Result<(), CliError> {
    let config = setup::load_config(args.common.config.as_deref(), args.common.layer())?;
    logging::init(&config)?;
    let org_name =
        OrgName::parse(&args.org).map_err(|e| CliError::Invalid(format!("--org: {e}")))?;
    let email =
        Email::parse(&args.email).map_err(|e| CliError::Invalid(format!("--email: {e}")))?;
    let password = Password::new(read_password_line()?.to_string())
        .map_err(|e| CliError::Invalid(format!("password: {e}")))?;

    setup::prepare_data_dir(&config)?;
    let (db, _) = setup::open_database(&config).await?;
    let new = NewOwner {
        org_name: org_name.clone(),
        email: email.clone(),
        password,
    };
    let by = By::new(Actor::System("cli:admin"), None);
    let result = create_owner(
        &db,
        &Acting::personal(by, Timestamp::now()),
        &PasswordHasher::new(1),
        new,
    )
    .await;
    db.close().await;
    let owner = result?;
    println!(
        "Created organization \"{}\" ({}) with owner {}.",
        org_name.as_str(),
        owner.org_id,
        email.as_str()
    );
    Ok(())
}

fn read_password_line() -> Result<Zeroizing<String>, CliError> {
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(CliError::io("cannot read the password from standard input"))?;
    let trimmed = line.trim_end_matches(['\n', '\r']);
    Ok(Zeroizing::new(trimmed.to_owned()))
}
