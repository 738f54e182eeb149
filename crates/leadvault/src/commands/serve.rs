use std::time::Duration;

use leadvault_accounts::{PasswordHasher, issue_setup_token, owner_exists};
use leadvault_config::{Config, Transport};
use std::sync::Arc;

use leadvault_keys::{CacheSettings, Keyring};
use leadvault_server::{AppState, WebOptions, router, serve};
use leadvault_store::{Db, Timestamp};
use tokio::net::TcpListener;

use crate::cli::ServeArgs;
use crate::commands::config_check::tls_unavailable;
use crate::error::CliError;
use crate::provider::{self, Create};
use crate::{logging, setup};

pub async fn run(args: ServeArgs) -> Result<(), CliError> {
    let config = setup::load_config(args.common.config.as_deref(), args.layer())?;
    let transport = config.transport()?;
    if let Transport::Tls(_) = transport {
        return Err(CliError::Invalid(tls_unavailable()));
    }
    logging::init(&config)?;
    setup::prepare_data_dir(&config)?;
    let (root, key_place) = provider::open(&config, Create::IfMissing)?;
    println!("{}", where_data_lives(&config, &key_place));

    let db = setup::open_database(&config).await?;
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
    serve(
        listener,
        router(state),
        shutdown_signal(),
        config.shutdown_grace,
    )
    .await
    .map_err(CliError::io("the server failed"))?;
    close(db).await;
    tracing::info!("stopped");
    Ok(())
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

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch for SIGTERM; stop with Ctrl-C");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
