//! `leadvault backup …`: make, list, verify, restore and prune backups from the command
//! line, with progress bars for the long steps. The work is the `backup` crate's; this file
//! resolves the configuration into its parts and prints what happened.

use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use leadvault_analytics::analytics_url;
use leadvault_audit::Actor;
use leadvault_backup::{
    Destination, Identities, Index, Plan, Progress, Run, RunKind, ScratchServer, Source, Target,
    back_up, human_size, prune, record, restore, verify,
};
use leadvault_config::{BackupSettings, Config};
use leadvault_store::{Db, Engine, Timestamp, schema_status};

use crate::cli::{BackupCommand, BackupKeyArgs, ConfigArgs};
use crate::error::CliError;
use crate::{logging, setup};
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;

/// Who the audit log says acted when the operator runs a command.
const OPERATOR: Actor = Actor::System("cli");

pub async fn run(command: BackupCommand) -> Result<(), CliError> {
    match command {
        BackupCommand::Create(args) => create(args).await,
        BackupCommand::List(args) => list(args).await,
        BackupCommand::Verify(args) => verify_one(args).await,
        BackupCommand::Restore(args) => restore_one(args).await,
        BackupCommand::Prune(args) => prune_now(args).await,
        BackupCommand::Keygen(args) => keygen(&args.out),
    }
}

fn load(common: &ConfigArgs) -> Result<(Config, BackupSettings), CliError> {
    let config = setup::load_config(common.config.as_deref(), common.layer())?;
    logging::init(&config)?;
    let settings = config.backup.clone().ok_or_else(|| {
        CliError::Invalid(
            "no backups are configured: set [backup] destination and recipients (docs/OPERATIONS.md)"
                .into(),
        )
    })?;
    Ok((config, settings))
}

/// The installation as it is, connected without applying any migration (a backup taken
/// before migrating must be of the schema as it was).
async fn source(config: &Config) -> Result<Source, CliError> {
    let db = Db::connect(&config.database_url, &config.db_options()).await?;
    let analytics = match db.engine() {
        Engine::Postgres => db.clone(),
        Engine::Sqlite => {
            Db::connect(&analytics_url(&config.database_url), &config.db_options()).await?
        }
    };
    Ok(Source {
        db,
        analytics,
        documents_dir: config.documents_dir.clone(),
    })
}

pub async fn plan(config: &Config, settings: &BackupSettings) -> Result<Plan, CliError> {
    let source = source(config).await?;
    Ok(Plan::new(
        settings,
        source,
        &config.database_url,
        leadvault_server::backup_schema(),
    )?)
}

async fn create(args: ConfigArgs) -> Result<(), CliError> {
    let (config, settings) = load(&args)?;
    let plan = plan(&config, &settings).await?;
    let started = std::time::Instant::now();
    let done = back_up(&plan, OPERATOR, Timestamp::now(), Bars::shown()).await;
    plan.source.db.close().await;
    let done = done?;
    println!(
        "Backed up {} to {} in {:.1} s: {} encrypted ({} documents).",
        done.index.name,
        plan.destination.label(),
        started.elapsed().as_secs_f64(),
        human_size(done.index.archive_size),
        done.index.documents
    );
    println!("Verified by restoring it into scratch: {}.", done.checked);
    if !done.pruned.removed.is_empty() {
        println!(
            "Retention removed {}: {}",
            done.pruned.removed.len(),
            done.pruned.removed.join(", ")
        );
    }
    Ok(())
}

async fn list(args: ConfigArgs) -> Result<(), CliError> {
    let (_, settings) = load(&args)?;
    let destination = Destination::open(&settings.destination, &settings.options)?;
    let all = destination.list().await?;
    if all.is_empty() {
        println!("No backups at {}.", destination.label());
        return Ok(());
    }
    println!(
        "{:<28} {:<21} {:<9} {:<8} {:>10} {:>9}",
        "NAME", "MADE", "VERSION", "ENGINE", "SIZE", "DOCUMENTS"
    );
    for index in &all {
        println!(
            "{:<28} {:<21} {:<9} {:<8} {:>10} {:>9}",
            index.name,
            index.created_at().minute_utc(),
            index.leadvault_version,
            index.engine,
            human_size(index.archive_size),
            index.documents
        );
    }
    println!("{} backups at {}.", all.len(), destination.label());
    Ok(())
}

/// The backup `name` names: itself, or the newest for `latest`.
async fn named(destination: &Destination, name: &str) -> Result<String, CliError> {
    if name != "latest" {
        return Ok(name.to_owned());
    }
    let all: Vec<Index> = destination.list().await?;
    all.last()
        .map(|index| index.name.clone())
        .ok_or_else(|| CliError::Invalid(format!("there is no backup at {}", destination.label())))
}

async fn verify_one(args: BackupKeyArgs) -> Result<(), CliError> {
    let (config, settings) = load(&args.common)?;
    let identities = Arc::new(Identities::read(&args.identity)?);
    let destination = Destination::open(&settings.destination, &settings.options)?;
    let name = named(&destination, &args.name).await?;
    let known = leadvault_server::backup_schema();
    let started = Timestamp::now();
    let verified = verify(
        &destination,
        &name,
        identities,
        &known,
        &settings.scratch_dir,
        ScratchServer::configured(&settings, &config.database_url).as_ref(),
        Bars::shown(),
    )
    .await;
    let run = Run::finished(
        RunKind::Verify,
        Some(name.clone()),
        destination.label(),
        started,
        match &verified {
            Ok(v) => Ok((Some(v.index.archive_size), v.checked.to_string())),
            Err(e) => Err(e),
        },
    );
    // Recorded where the installation's own database exists and is current. A drill on a
    // spare machine has nowhere to record, and must not make a database there: the restore
    // that follows needs an empty data directory.
    if let Some(db) = existing_database(&config).await {
        if schema_status(&db, &known.main)
            .await
            .is_ok_and(|s| s.is_current())
        {
            record(&db, &run, OPERATOR).await?;
        }
        db.close().await;
    }
    let verified = verified?;
    println!(
        "Backup {name} verifies: every hash matches; restored into scratch: {}.",
        verified.checked
    );
    Ok(())
}

/// The installation's database, if there is one (a SQLite file is never created here).
async fn existing_database(config: &Config) -> Option<Db> {
    if let Some(path) = config.database_url.sqlite_path()
        && !std::fs::metadata(&path).is_ok_and(|m| m.len() > 0)
    {
        return None;
    }
    Db::connect(&config.database_url, &config.db_options())
        .await
        .ok()
}

async fn restore_one(args: BackupKeyArgs) -> Result<(), CliError> {
    let (config, settings) = load(&args.common)?;
    let identities = Arc::new(Identities::read(&args.identity)?);
    let destination = Destination::open(&settings.destination, &settings.options)?;
    let name = named(&destination, &args.name).await?;
    let target = Target {
        database: config.database_url.clone(),
        analytics: analytics_url(&config.database_url),
        documents_dir: config.documents_dir.clone(),
    };
    setup::prepare_data_dir(&config)?;
    let restored = restore(
        &destination,
        &name,
        identities,
        &leadvault_server::backup_schema(),
        &target,
        &settings.scratch_dir,
        Bars::shown(),
    )
    .await?;
    println!(
        "Restored {name} (made {} by Leadvault {}): {}.",
        restored.index.created_at().minute_utc(),
        restored.index.leadvault_version,
        restored.checked
    );
    println!(
        "Start `leadvault serve` with the same root key (key file or HSM) the installation used; it applies any newer migrations."
    );
    Ok(())
}

async fn prune_now(args: ConfigArgs) -> Result<(), CliError> {
    let (_, settings) = load(&args)?;
    let destination = Destination::open(&settings.destination, &settings.options)?;
    let pruned = prune(&destination, settings.keep).await?;
    println!(
        "Kept {} backups; removed {}{}",
        pruned.kept.len(),
        pruned.removed.len(),
        if pruned.removed.is_empty() {
            ".".to_owned()
        } else {
            format!(": {}", pruned.removed.join(", "))
        }
    );
    Ok(())
}

/// Backs up before migrations change the schema of an installation that has data: a
/// migration that goes wrong in a way no transaction undoes can then be undone by a
/// restore. Nothing to do without backups configured or without pending migrations.
pub async fn before_migrating(config: &Config) -> Result<(), CliError> {
    let Some(settings) = &config.backup else {
        return Ok(());
    };
    let Ok(db) = Db::connect(&config.database_url, &config.db_options()).await else {
        return Ok(());
    };
    let status = schema_status(&db, &leadvault_server::migrations()).await;
    db.close().await;
    match status {
        Ok(status) if status.applied > 0 && !status.is_current() => {}
        _ => return Ok(()),
    }
    tracing::info!("backing up before applying migrations");
    let plan = plan(config, settings).await?;
    let done = back_up(
        &plan,
        Actor::System("migrate"),
        Timestamp::now(),
        Bars::shown(),
    )
    .await;
    plan.source.db.close().await;
    let done = done.map_err(|e| {
        CliError::Invalid(format!(
            "the backup before migrating failed, so no migration was applied: {e}"
        ))
    })?;
    tracing::info!(backup = %done.index.name, "backed up before migrating");
    Ok(())
}

/// Writes a new private key to `out` (created, never overwritten, mode 0600) and prints the
/// public key.
fn keygen(out: &std::path::Path) -> Result<(), CliError> {
    let (secret, public) = leadvault_backup::generate_identity();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(out)
        .map_err(CliError::io(format!("cannot create {}", out.display())))?;
    writeln!(
        file,
        "# Leadvault backup key, made {}\n# public key: {public}\n{}",
        Timestamp::now().minute_utc(),
        secret.as_str()
    )
    .and_then(|()| file.sync_all())
    .map_err(CliError::io(format!("cannot write {}", out.display())))?;
    println!("{public}");
    eprintln!(
        "The private key is in {}: keep it offline, away from the server. List the public key above in backup.recipients.",
        out.display()
    );
    Ok(())
}

/// Progress bars on standard error (hidden when it is not a terminal).
struct Bars {
    bar: ProgressBar,
}

impl Bars {
    fn shown() -> Arc<dyn Progress> {
        let bar = ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(200));
        Arc::new(Self { bar })
    }
}

impl Progress for Bars {
    fn step(&self, what: &str, total: Option<u64>) {
        match total {
            Some(total) => {
                self.bar.set_length(total);
                self.bar.set_position(0);
                if let Ok(style) = ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
                ) {
                    self.bar.set_style(style.progress_chars("=> "));
                }
            }
            None => {
                self.bar.set_style(ProgressStyle::default_spinner());
            }
        }
        self.bar.set_message(what.to_owned());
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
