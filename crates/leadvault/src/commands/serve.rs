use std::sync::Arc;
use std::time::Duration;

use leadvault_accounts::{PasswordHasher, issue_setup_token, owner_exists};
use leadvault_config::{Config, Transport};
use leadvault_keys::{CacheSettings, Keyring};
use leadvault_server::{AppState, WebOptions, router, serve};
use leadvault_store::{Db, Timestamp};
use tokio::net::TcpListener;
use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::cli::ServeArgs;
use crate::commands::config_check::tls_unavailable;
use crate::error::CliError;
use crate::provider::{self, Create};
use crate::{logging, setup};

pub async fn run(args: ServeArgs) -> Result<(), CliError> {
    // Watched from the first moment, so that a stop during start-up is orderly too.
    let mut signals = StopSignals::install()?;
    let config = setup::load_config(args.common.config.as_deref(), args.layer())?;
    let transport = config.transport()?;
    if let Transport::Tls(_) = transport {
        return Err(CliError::Invalid(tls_unavailable()));
    }
    logging::init(&config)?;
    let (db, listener, state) = tokio::select! {
        started = start(&config, &transport) => started?,
        () = signals.recv() => {
            tracing::info!("stopped during start-up");
            return Ok(());
        }
    };
    serve(
        listener,
        router(state),
        async move { signals.recv().await },
        config.shutdown_grace,
    )
    .await
    .map_err(CliError::io("the server failed"))?;
    close(db).await;
    tracing::info!("stopped");
    Ok(())
}

/// Everything before the first request: data directory, root key, database, listener.
async fn start(
    config: &Config,
    transport: &Transport,
) -> Result<(Db, TcpListener, AppState), CliError> {
    setup::prepare_data_dir(config)?;
    let (root, key_place) = provider::open(config, Create::IfMissing)?;
    let (db, _) = setup::open_database(config).await?;
    println!("{}", where_data_lives(config, &key_place));
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(CliError::io(format!("cannot listen on {}", config.listen)))?;
    let local = listener
        .local_addr()
        .map_err(CliError::io("cannot read the listening address"))?;
    let base_url = match transport {
        Transport::PlainLoopback => format!("http://{local}"),
        _ => "https://<this server's public name>".to_owned(),
    };
    if !owner_exists(&db).await? {
        let token = issue_setup_token(&db, Timestamp::now()).await?;
        println!(
            "No owner exists yet. Finish setup within 24 hours at: {base_url}/setup?token={}",
            token.expose()
        );
    }
    println!("Leadvault is listening on {base_url} ({local})");

    let parallelism = std::thread::available_parallelism().map_or(1, |n| n.get());
    let keyring = Keyring::new(db.clone(), root, CacheSettings::default());
    let state = AppState::new(
        db.clone(),
        PasswordHasher::new(parallelism),
        Arc::new(keyring),
        WebOptions {
            https: transport.is_https(),
        },
    );
    Ok((db, listener, state))
}

fn where_data_lives(config: &Config, key_place: &str) -> String {
    let database = match config.database_url.sqlite_path() {
        Some(path) => format!("SQLite database {} (WAL mode)", path.display()),
        None => format!("PostgreSQL database {}", config.database_url),
    };
    format!("Data: {database}; {key_place}.")
}

/// Closing the pool checkpoints SQLite's WAL; bounded so a dead database cannot hang exit.
async fn close(db: Db) {
    if tokio::time::timeout(Duration::from_secs(5), db.close())
        .await
        .is_err()
    {
        tracing::warn!("database connections did not close within 5 seconds");
    }
}

/// SIGTERM (service managers, orchestrators) and SIGINT (Ctrl-C) both mean "stop gracefully".
struct StopSignals {
    terminate: Signal,
    interrupt: Signal,
}

impl StopSignals {
    fn install() -> Result<Self, CliError> {
        Ok(Self {
            terminate: signal(SignalKind::terminate())
                .map_err(CliError::io("cannot watch for SIGTERM"))?,
            interrupt: signal(SignalKind::interrupt())
                .map_err(CliError::io("cannot watch for SIGINT"))?,
        })
    }

    async fn recv(&mut self) {
        tokio::select! {
            _ = self.terminate.recv() => {},
            _ = self.interrupt.recv() => {},
        }
    }
}
