use leadvault_store::{Db, Timestamp, migrate, schema_status};

use crate::cli::ConfigArgs;
use crate::error::CliError;
use crate::{logging, setup};

pub async fn run(args: ConfigArgs) -> Result<(), CliError> {
    let config = setup::load_config(args.config.as_deref(), args.layer())?;
    logging::init(&config)?;
    if config.uses_default_database() {
        setup::prepare_data_dir(&config)?;
    }
    let db = Db::connect(&config.database_url, &config.db_options()).await?;
    let migrations = leadvault_server::migrations();
    let applied = migrate(&db, &migrations, Timestamp::now()).await?;
    let status = schema_status(&db, &migrations).await?;
    db.close().await;
    if applied.is_empty() {
        println!(
            "The database schema is up to date ({} migrations applied earlier).",
            status.applied
        );
    } else {
        println!("Applied {} migration(s):", applied.len());
        for id in applied {
            println!("  {id}");
        }
    }
    Ok(())
}
