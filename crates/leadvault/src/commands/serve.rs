use std::sync::Arc;
use std::time::Duration;

use leadvault_accounts::{PasswordHasher, issue_setup_token, owner_exists};
use leadvault_analytics::AnalyticsDb;
use leadvault_config::{Config, Transport};
use leadvault_documents::DocumentStore;
use leadvault_jobs::{
    AuditJobs, BackupJob, access_reviews_until, audit_until, backups_until, checkpoint_until,
    forget_spent_pages_until, lead_reminders_until, purge_analytics_until, sweep_documents_until,
};
use leadvault_keys::{CacheSettings, Keyring};
use leadvault_mail::{Recipient, SmtpSender, deliver_until};
use leadvault_server::{
    App, BackupsOnline, ConnectionLimits, FORM_MIN_FILL, Parts, ReloadableCert, WebOptions,
    build_app, redirect_router, serve, tls_acceptor,
};
use leadvault_store::{Db, Timestamp};
use leadvault_webhooks::deliver_webhooks_until;
use tokio::net::TcpListener;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{Notify, watch};

use crate::cli::ServeArgs;
use crate::error::CliError;
use crate::provider::{self, Create};
use crate::{logging, setup};

pub async fn run(args: ServeArgs) -> Result<(), CliError> {
    run_announcing(args, |_| {}).await
}

/// `run`, calling `announce` with the address people open (the public URL if one is
/// configured, else the one listened on) once the server listens: what `demo` prints its
/// pages' addresses with.
pub async fn run_announcing(args: ServeArgs, announce: impl FnOnce(&str)) -> Result<(), CliError> {
    // Watched from the first moment, so that a stop during start-up is orderly too.
    let mut signals = StopSignals::install()?;
    let config = setup::load_config(args.common.config.as_deref(), args.layer())?;
    let transport = config.transport()?;
    logging::init(&config)?;
    let started = tokio::select! {
        started = start(&config, &transport) => started?,
        () = signals.recv() => {
            tracing::info!("stopped during start-up");
            return Ok(());
        }
    };
    announce(
        config
            .public_url
            .as_ref()
            .map_or(started.base_url.as_str(), |url| url.as_str()),
    );
    // One stop signal, fanned out to every listener.
    let (stop, stopping) = watch::channel(false);
    tokio::spawn(async move {
        signals.recv().await;
        let _ = stop.send(true);
    });
    tokio::spawn(audit_until(
        started.db.clone(),
        started.keyring.clone(),
        AuditJobs {
            checkpoint_to: config.audit.checkpoint_to.clone(),
            every: config.audit.checkpoint_every,
            export_to: config.audit.export_to.clone(),
        },
        stopped(stopping.clone()),
    ));
    if let (Some(mail), Some(public)) = (&started.mail, &config.public_url) {
        tokio::spawn(access_reviews_until(
            started.db.clone(),
            started.keyring.clone(),
            format!("{public}/members"),
            mail.wake.clone(),
            stopped(stopping.clone()),
        ));
        tokio::spawn(lead_reminders_until(
            started.db.clone(),
            started.keyring.clone(),
            format!("{public}/leads"),
            mail.wake.clone(),
            stopped(stopping.clone()),
        ));
    }
    if let Some(mail) = started.mail {
        tokio::spawn(deliver_until(
            started.db.clone(),
            mail.keyring,
            mail.sender,
            mail.wake,
            stopped(stopping.clone()),
        ));
    }
    if let Some((job, now)) = started.backups {
        tokio::spawn(backups_until(job, now, stopped(stopping.clone())));
    }
    tokio::spawn(purge_analytics_until(
        started.analytics.clone(),
        Duration::from_secs(u64::from(config.analytics_retention_months) * 31 * 86_400),
        stopped(stopping.clone()),
    ));
    tokio::spawn(forget_spent_pages_until(
        started.db.clone(),
        stopped(stopping.clone()),
    ));
    tokio::spawn(checkpoint_until(
        started.db.clone(),
        stopped(stopping.clone()),
    ));
    tokio::spawn(sweep_documents_until(
        started.db.clone(),
        started.app.state.documents().clone(),
        stopped(stopping.clone()),
    ));
    tokio::spawn(deliver_webhooks_until(
        started.db.clone(),
        started.keyring.clone(),
        started.app.state.webhooks().clone(),
        started.app.state.webhooks_wake(),
        stopped(stopping.clone()),
    ));
    let app = started.app.router;
    let grace = config.shutdown_grace;
    let limits = ConnectionLimits::default();
    let acceptor = match started.tls {
        None => None,
        Some(tls) => {
            reload_on_sighup(tls.cert.clone())?;
            if let Some(redirect) = tls.redirect {
                let https_port = started.local.port();
                let redirects = redirect_router(https_port);
                tokio::spawn(serve(
                    redirect,
                    None,
                    redirects,
                    stopped(stopping.clone()),
                    grace,
                    limits,
                ));
            }
            Some(tls.acceptor)
        }
    };
    let served = serve(
        started.listener,
        acceptor,
        app,
        stopped(stopping),
        grace,
        limits,
    )
    .await;
    served.map_err(CliError::io("the server failed"))?;
    // Requests are done: what analytics took is stored before the databases close.
    started.app.ingesting.stop().await;
    if let Some(analytics_db) = started.analytics_db {
        close(analytics_db).await;
    }
    close(started.db).await;
    tracing::info!("stopped");
    Ok(())
}

async fn stopped(mut stopping: watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}

/// Certificates are renewed without a restart: SIGHUP re-reads them; new handshakes get the
/// new one, established connections carry on. A bad new file keeps the old certificate.
fn reload_on_sighup(cert: Arc<ReloadableCert>) -> Result<(), CliError> {
    let mut hangup =
        signal(SignalKind::hangup()).map_err(CliError::io("cannot watch for SIGHUP"))?;
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            match cert.reload() {
                Ok(()) => tracing::info!("TLS certificate reloaded"),
                Err(e) => {
                    tracing::error!(error = %e, "TLS certificate not reloaded; the previous one stays in use")
                }
            }
        }
    });
    Ok(())
}

struct Started {
    db: Db,
    /// Analytics' own database, when it is not `db` (SQLite).
    analytics_db: Option<Db>,
    analytics: AnalyticsDb,
    keyring: Arc<Keyring>,
    mail: Option<MailRuntime>,
    listener: TcpListener,
    local: std::net::SocketAddr,
    /// `http(s)://` and the address listened on.
    base_url: String,
    /// The application, wired by the composition root.
    app: App,
    tls: Option<TlsRuntime>,
    /// The daily backup's job, when backups are configured.
    backups: Option<(BackupJob, Arc<Notify>)>,
}

/// The e-mail delivery worker's parts.
struct MailRuntime {
    keyring: Arc<Keyring>,
    sender: SmtpSender,
    wake: Arc<Notify>,
}

struct TlsRuntime {
    cert: Arc<ReloadableCert>,
    acceptor: tokio_rustls::TlsAcceptor,
    redirect: Option<TcpListener>,
}

/// Everything before the first request: data directory, root key, database, TLS, listeners.
async fn start(config: &Config, transport: &Transport) -> Result<Started, CliError> {
    setup::prepare_data_dir(config)?;
    let tls = match transport {
        Transport::Tls(files) => {
            let cert = ReloadableCert::load(&files.cert_file, &files.key_file)
                .map_err(|e| CliError::Invalid(e.to_string()))?;
            let acceptor =
                tls_acceptor(cert.clone()).map_err(|e| CliError::Invalid(e.to_string()))?;
            let redirect = match files.redirect_listen {
                Some(addr) => Some(TcpListener::bind(addr).await.map_err(CliError::io(
                    format!("cannot listen on {addr} (tls.redirect_listen)"),
                ))?),
                None => None,
            };
            Some(TlsRuntime {
                cert,
                acceptor,
                redirect,
            })
        }
        _ => None,
    };
    let (root, key_place) = provider::open(config, Create::IfMissing)?;
    crate::commands::backup::before_migrating(config).await?;
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
        Transport::Tls(_) => format!("https://{local}"),
        Transport::BehindTlsProxy => "https://<this server's public name>".to_owned(),
    };
    if !owner_exists(&db).await? {
        let token = issue_setup_token(&db, Timestamp::now()).await?;
        println!(
            "No owner exists yet. Finish setup within 24 hours at: {base_url}/setup?token={}",
            token.expose()
        );
    }
    if !leadvault_intake::SUBMISSIONS_AUDITED {
        eprintln!(
            "WARNING: this binary was built for a benchmark (bench-without-audit): submissions \
             are NOT audited. Never deploy it."
        );
        tracing::warn!("built with bench-without-audit: submissions are not audited");
    }
    println!("Leadvault is listening on {base_url} ({local})");
    if let Some(redirect) = tls
        .as_ref()
        .and_then(|t| t.redirect.as_ref())
        .and_then(|l| l.local_addr().ok())
    {
        println!("Plain HTTP on {redirect} redirects to HTTPS.");
    }

    let parallelism = std::thread::available_parallelism().map_or(1, |n| n.get());
    let keyring = Arc::new(Keyring::new(db.clone(), root, CacheSettings::default()));
    let mail = match &config.mail {
        None => None,
        Some(settings) => Some(MailRuntime {
            keyring: keyring.clone(),
            sender: SmtpSender::new(&settings.smtp_url, &settings.from)
                .map_err(|e| CliError::Invalid(e.to_string()))?,
            wake: Arc::new(Notify::new()),
        }),
    };
    if let Some(settings) = &config.mail {
        println!("E-mail goes through {}.", settings.smtp_url);
    }
    let analytics_db = setup::open_analytics(config, &db).await?;
    let backups = match &config.backup {
        None => None,
        Some(settings) => {
            let notify = settings
                .notify
                .as_deref()
                .map(Recipient::parse)
                .transpose()
                .map_err(|e| CliError::Invalid(format!("backup.notify: {e}")))?;
            let job = BackupJob {
                plan: crate::commands::backup::plan(config, settings).await?,
                keyring: keyring.clone(),
                notify,
                mail_wake: mail.as_ref().map(|m| m.wake.clone()),
                daily_at_minute: settings.daily_at_minute,
            };
            println!(
                "Backups go to {} every day at {:02}:{:02} UTC.",
                settings.destination,
                settings.daily_at_minute / 60,
                settings.daily_at_minute % 60
            );
            Some((job, Arc::new(Notify::new())))
        }
    };
    let app = build_app(Parts {
        db: db.clone(),
        keyring: keyring.clone(),
        hasher: PasswordHasher::new(parallelism),
        options: WebOptions {
            https: transport.is_https(),
            trusted_proxies: config.trusted_proxies.clone(),
            public_url: config.public_url.clone(),
            form_min_fill: FORM_MIN_FILL,
            webhooks_allow_private_networks: config.webhooks_allow_private_networks,
            stripe_api: config.stripe_api_url.clone(),
            billing: operator_billing(config)?,
            backups: backups.as_ref().map(|(job, now)| BackupsOnline {
                destination: job.plan.destination.label().to_owned(),
                daily_at_minute: job.daily_at_minute,
                back_up_now: now.clone(),
            }),
        },
        mail_wake: mail.as_ref().map(|m| m.wake.clone()),
        documents: DocumentStore::open(&config.documents_dir, config.upload_limit),
        analytics_db: analytics_db.clone(),
        countries: setup::countries(config)?,
    })
    .map_err(|e| CliError::Invalid(e.to_string()))?;
    Ok(Started {
        analytics_db: (analytics_db.engine() == leadvault_store::Engine::Sqlite)
            .then(|| analytics_db.db().clone()),
        analytics: analytics_db.clone(),
        db,
        keyring: keyring.clone(),
        mail,
        listener,
        local,
        base_url,
        app,
        tls,
        backups,
    })
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

/// The plans the operator sells, with the operator's Stripe key and signing secret checked,
/// when `[billing]` lists plans.
fn operator_billing(
    config: &leadvault_config::Config,
) -> Result<Option<std::sync::Arc<leadvault_payments::OperatorBilling>>, CliError> {
    use leadvault_payments::{OperatorBilling, Plan, SecretKey, SigningSecret};
    let Some(billing) = &config.billing else {
        return Ok(None);
    };
    let key = SecretKey::parse(&billing.stripe_key)
        .map_err(|e| CliError::Invalid(format!("LEADVAULT_BILLING_STRIPE_KEY: {e}")))?;
    let secret = SigningSecret::parse(&billing.signing_secret)
        .map_err(|e| CliError::Invalid(format!("LEADVAULT_BILLING_SIGNING_SECRET: {e}")))?;
    Ok(Some(std::sync::Arc::new(OperatorBilling {
        plans: billing
            .plans
            .iter()
            .map(|plan| Plan {
                id: plan.id.clone(),
                name: plan.name.clone(),
                price: plan.stripe_price.clone(),
            })
            .collect(),
        trial_days: billing.trial_days,
        grace_days: billing.grace_days,
        key,
        signing_secrets: vec![secret],
    })))
}
