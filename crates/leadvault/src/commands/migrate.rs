use leadvault_store::schema_status;

use crate::cli::ConfigArgs;
use crate::error::CliError;
use crate::{logging, setup};

pub async fn run(args: ConfigArgs) -> Result<(), CliError> {
    let config = setup::load_config(args.config.as_deref(), args.layer())?;
    logging::init(&config)?;
    setup::prepare_data_dir(&config)?;
    crate::commands::backup::before_migrating(&config).await?;
    let (db, applied) = setup::open_database(&config).await?;
    let status = schema_status(&db, &leadvault_server::migrations()).await;
    db.close().await;
    if applied.is_empty() {
        println!(
            "The database schema is up to date ({} migrations applied earlier).",
            status?.applied
        );
    } else {
        println!("Applied {} migration(s):", applied.len());
        for id in applied {
            println!("  {id}");
        }
    }
    Ok(())
}
