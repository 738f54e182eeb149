//! What every command does first: resolve the configuration, prepare the data directory,
//! open and migrate the database.

use std::fs::DirBuilder;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

use leadvault_analytics::{AnalyticsDb, Countries, analytics_url, move_definitions};
use leadvault_config::{Config, KeySource, Layer};
use leadvault_store::{Db, Engine, Timestamp, migrate};

use crate::error::CliError;
use crate::logging;

const DEFAULT_CONFIG_FILE: &str = "leadvault.toml";

/// Defaults < config file < environment < flags.
pub fn load_config(config_file: Option<&Path>, flags: Layer) -> Result<Config, CliError> {
    let file = match config_file {
        Some(path) => Layer::from_file(path)?,
        None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
            Layer::from_file(Path::new(DEFAULT_CONFIG_FILE))?
        }
        None => Layer::default(),
    };
    // A variable whose value is not UTF-8 cannot be a Leadvault setting; only ours are
    // refused, by name, and nothing panics over someone else's.
    let mut vars = Vec::new();
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str().map(str::to_owned) else {
            continue;
        };
        if !name.starts_with(leadvault_config::ENV_PREFIX) {
            continue;
        }
        let value = value
            .into_string()
            .map_err(|_| CliError::Invalid(format!("{name} is not valid UTF-8")))?;
        vars.push((name, value));
    }
    let env = Layer::from_env(vars)?;
    let config = Config::resolve([file, env, flags])?;
    logging::filter(&config)?;
    Ok(config)
}

/// Creates the data directory, readable by its owner only, when anything is kept there (the
/// default SQLite database or the default key file). An existing directory open to others
/// is reported, not changed: it may be shared on purpose.
pub fn prepare_data_dir(config: &Config) -> Result<(), CliError> {
    let dir = &config.data_dir;
    let used = config.uses_default_database()
        || (config.keys == KeySource::Local && config.key_file_is_default());
    if !used {
        return Ok(());
    }
    if !dir.exists() {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(CliError::io(format!(
                "cannot create the data directory {}",
                dir.display()
            )))?;
        return Ok(());
    }
    let meta = std::fs::metadata(dir).map_err(CliError::io(format!(
        "cannot read the data directory {}",
        dir.display()
    )))?;
    if !meta.is_dir() {
        return Err(CliError::Invalid(format!(
            "data directory {} exists but is not a directory",
            dir.display()
        )));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(
            data_dir = %dir.display(),
            "the data directory can be read by other users; consider chmod 700"
        );
    }
    Ok(())
}

/// Opens analytics' database (beside a SQLite file; the main database itself on
/// PostgreSQL) and applies its pending migrations.
pub async fn open_analytics(config: &Config, main: &Db) -> Result<AnalyticsDb, CliError> {
    let db = match main.engine() {
        Engine::Postgres => main.clone(),
        Engine::Sqlite => {
            Db::connect(&analytics_url(&config.database_url), &config.db_options()).await?
        }
    };
    let analytics = AnalyticsDb::new(db);
    let applied = analytics.migrate(Timestamp::now()).await?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), migrations = ?applied, "applied analytics migrations");
    }
    let moved = move_definitions(main, &analytics).await?;
    if moved > 0 {
        tracing::info!(
            rows = moved,
            "moved analytics goals, share links and experiments into the main database"
        );
    }
    Ok(analytics)
}

/// The IP-to-country database: the configured file, or the one built in.
pub fn countries(config: &Config) -> Result<Countries, CliError> {
    match &config.analytics_country_database {
        Some(path) => Countries::open(path),
        None => Countries::bundled(),
    }
    .map_err(|e| CliError::Invalid(e.to_string()))
}

/// Connects and applies pending migrations; returns the database and the migrations this
/// call applied. Call [`prepare_data_dir`] first.
pub async fn open_database(config: &Config) -> Result<(Db, Vec<&'static str>), CliError> {
    let db = Db::connect(&config.database_url, &config.db_options()).await?;
    if db.bypasses_row_security().await? {
        tracing::warn!(
            target: "security",
            "the database role is a superuser or has BYPASSRLS, so row-level security does not separate organizations; connect as an ordinary role (see docs/SECURITY.md)"
        );
    }
    let applied = migrate(&db, &leadvault_server::migrations(), Timestamp::now()).await?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), migrations = ?applied, "applied database migrations");
    }
    Ok((db, applied))
}
