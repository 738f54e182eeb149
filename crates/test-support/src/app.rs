use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use leadvault_accounts::{PasswordHasher, issue_setup_token};
use leadvault_analytics::{AnalyticsDb, Countries, Ingester, Ingesting, analytics_url};
use leadvault_config::PublicUrl;
use leadvault_crypto::{LocalKeyFile, LocalProvider, SecretToken};
use leadvault_documents::DocumentStore;
use leadvault_keys::{CacheSettings, Keyring};
use leadvault_mail::{SmtpSender, SmtpUrl, deliver_until};
use leadvault_server::{
    Analytics, ConnectionLimits, Parts, ReloadableCert, WebOptions, build_app, serve, tls_acceptor,
};
use leadvault_store::{DatabaseUrl, Db, DbOptions, Engine, Timestamp, migrate};
use leadvault_webhooks::deliver_webhooks_until;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};

use crate::certs::TestCert;
use crate::db::TestDb;

/// The real application, served over real HTTP on a random loopback port.
#[derive(Debug)]
pub struct TestApp {
    pub addr: SocketAddr,
    /// For the test's own queries and fixtures: every organization in scope (the server
    /// itself connects separately, bound by row security on PostgreSQL).
    pub db: Db,
    pub client: reqwest::Client,
    pub engine: Engine,
    /// The server's own keyring (shared, caches included).
    pub keyring: Arc<Keyring>,
    test_db: TestDb,
    _key_dir: tempfile::TempDir,
    /// The server's document store (encrypted files on disk), for fixtures and for tests
    /// that look at what is stored.
    pub documents: DocumentStore,
    /// Analytics' database (its own file on SQLite), for looking at what was stored.
    pub analytics: AnalyticsDb,
    analytics_ingester: Ingester,
    /// Dropping it stops the ingester, which stores what it took first.
    _analytics_ingesting: Ingesting,
    /// The web layer's analytics (its caches), shared with the router.
    web_analytics: Analytics,
    stop: Option<oneshot::Sender<()>>,
    mail_worker: Option<tokio::task::JoinHandle<()>>,
    webhook_worker: tokio::task::JoinHandle<()>,
}

/// Options for a [`TestApp`]; `TestApp::builder(engine).build()` gives the everyday one.
#[derive(Debug)]
pub struct TestAppBuilder {
    engine: Engine,
    migrate: bool,
    https: bool,
    database_url: Option<DatabaseUrl>,
    limits: ConnectionLimits,
    trusted_proxies: Vec<leadvault_config::IpRange>,
    smtp_url: Option<String>,
    form_min_fill: Duration,
    tls: Option<TestCert>,
    upload_limit: u64,
    stripe_api: Option<url::Url>,
    billing: Option<Arc<leadvault_payments::OperatorBilling>>,
    root_key: Option<std::path::PathBuf>,
    documents_dir: Option<std::path::PathBuf>,
    backups: Option<leadvault_server::BackupsOnline>,
}

impl TestAppBuilder {
    /// The root key of another installation (a copy of its key file): to open a restore.
    pub fn root_key_of(mut self, other: &TestApp) -> Self {
        self.root_key = Some(other.root_key_file());
        self
    }

    /// Tells the web layer of a daily backup (the test runs the job's rounds itself).
    pub fn backups(mut self, backups: leadvault_server::BackupsOnline) -> Self {
        self.backups = Some(backups);
        self
    }

    /// Keeps documents in `dir` instead of a directory of the test's own.
    pub fn documents_dir(mut self, dir: &std::path::Path) -> Self {
        self.documents_dir = Some(dir.to_path_buf());
        self
    }

    /// The largest document a client may upload (the default is `serve`'s, 50 MB).
    pub fn upload_limit(mut self, bytes: u64) -> Self {
        self.upload_limit = bytes;
        self
    }

    /// Public forms refuse submissions sent sooner than this after the page was served (zero
    /// in tests unless a test sets it; `serve` uses the real minimum).
    pub fn form_min_fill(mut self, wait: Duration) -> Self {
        self.form_min_fill = wait;
        self
    }

    /// Reach Stripe's API here (see [`crate::StripeStandIn`]).
    pub fn stripe(mut self, api: url::Url) -> Self {
        self.stripe_api = Some(api);
        self
    }

    /// Sell organizations these plans (the operator's billing), on the stand-in's account
    /// opened by `key`, its webhooks signed with `secret`.
    pub fn billing(
        mut self,
        plans: &[(&str, &str, &str)],
        (trial_days, grace_days): (u32, u32),
        key: &str,
        secret: &str,
    ) -> Self {
        use leadvault_payments::{OperatorBilling, Plan, SecretKey, SigningSecret};
        self.billing = Some(Arc::new(OperatorBilling {
            plans: plans
                .iter()
                .map(|(id, name, price)| Plan {
                    id: (*id).to_owned(),
                    name: (*name).to_owned(),
                    price: (*price).to_owned(),
                })
                .collect(),
            trial_days,
            grace_days,
            key: SecretKey::parse(key).expect("a Stripe key"),
            signing_secrets: vec![SigningSecret::parse(secret).expect("a signing secret")],
        }));
        self
    }

    /// Leave the schema unmigrated, as a process that lost a race with `migrate` would see it.
    pub fn without_migrations(mut self) -> Self {
        self.migrate = false;
        self
    }

    /// Cut off clients that take longer than this to send their request headers.
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.limits.headers = timeout;
        self
    }

    /// Believe `X-Forwarded-For` from these proxies (e.g. "127.0.0.1").
    pub fn trusted_proxies(mut self, ranges: &[&str]) -> Self {
        self.trusted_proxies = ranges
            .iter()
            .map(|r| r.parse().expect("test range"))
            .collect();
        self
    }

    /// Send e-mail through this SMTP server (see [`crate::SmtpSink`]).
    pub fn mail(mut self, smtp_url: String) -> Self {
        self.smtp_url = Some(smtp_url);
        self
    }

    /// Serve HTTPS itself, with this certificate (browser tests, which need a secure
    /// origin to frame a form from another secure origin).
    pub fn tls(mut self, cert: TestCert) -> Self {
        self.tls = Some(cert);
        self.https = true;
        self
    }

    /// Behave as when browsers reach the server over HTTPS.
    pub fn https(mut self) -> Self {
        self.https = true;
        self
    }

    /// Connect through this URL instead of directly (for example through a [`crate::TcpProxy`]).
    pub fn database_url(mut self, url: DatabaseUrl) -> Self {
        self.database_url = Some(url);
        self
    }

    pub async fn build(self) -> TestApp {
        let test_db = TestDb::new(self.engine).await;
        let url = self
            .database_url
            .clone()
            .unwrap_or_else(|| test_db.url().clone());
        self.build_on(test_db, &url).await
    }

    /// Builds over an existing database (whose URL a proxy may need to know first).
    pub async fn build_with(self, test_db: TestDb) -> TestApp {
        let url = self
            .database_url
            .clone()
            .unwrap_or_else(|| test_db.url().clone());
        self.build_on(test_db, &url).await
    }

    async fn build_on(self, test_db: TestDb, url: &DatabaseUrl) -> TestApp {
        let options = DbOptions {
            max_connections: 5,
            acquire_timeout: Duration::from_secs(2),
        };
        // The application's pool, as an ordinary role; the test's own pool sees every
        // organization (on SQLite they are the same file).
        let app_db = Db::connect(url, &options).await.expect("connect");
        let db = Db::connect(test_db.inspect_url(), &options)
            .await
            .expect("connect for inspection");
        if self.migrate {
            migrate(&db, &leadvault_server::migrations(), Timestamp::now())
                .await
                .expect("migrate");
        }
        let key_dir = tempfile::tempdir().expect("key directory");
        let documents_dir = self
            .documents_dir
            .clone()
            .unwrap_or_else(|| key_dir.path().join("documents"));
        if let Some(root_key) = &self.root_key {
            std::fs::copy(root_key, key_dir.path().join("root.key")).expect("copy the root key");
        }
        let documents = DocumentStore::open(&documents_dir, self.upload_limit);
        let key_file = LocalKeyFile::new(key_dir.path().join("root.key"));
        key_file.load_or_create().expect("root key");
        let root = LocalProvider::open(&key_file).expect("local provider");
        let keyring = Arc::new(Keyring::new(
            app_db.clone(),
            Arc::new(root),
            CacheSettings::default(),
        ));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        // With mail: links point at this very server, and a worker delivers as `serve`'s does.
        let (public_url, wake, mail_worker) = match &self.smtp_url {
            None => (None, None, None),
            Some(smtp) => {
                let sender = SmtpSender::new(
                    &SmtpUrl::parse(smtp).expect("SMTP URL"),
                    "Leadvault <noreply@leadvault.test>",
                )
                .expect("SMTP sender");
                let wake = Arc::new(Notify::new());
                let worker = tokio::spawn(deliver_until(
                    app_db.clone(),
                    keyring.clone(),
                    sender,
                    wake.clone(),
                    std::future::pending(),
                ));
                let public = PublicUrl::parse(&format!("http://{addr}")).expect("public URL");
                (Some(public), Some(wake), Some(worker))
            }
        };
        let analytics = AnalyticsDb::new(match self.engine {
            Engine::Postgres => app_db.clone(),
            Engine::Sqlite => Db::connect(&analytics_url(url), &options)
                .await
                .expect("connect to the analytics database"),
        });
        if self.migrate {
            analytics
                .migrate(Timestamp::now())
                .await
                .expect("migrate analytics");
        }
        // Wired as `serve` wires it: the same composition root, with a test's parts.
        let app = build_app(Parts {
            db: app_db.clone(),
            keyring: keyring.clone(),
            hasher: PasswordHasher::new(2),
            options: WebOptions {
                https: self.https,
                trusted_proxies: self.trusted_proxies.clone(),
                public_url,
                form_min_fill: self.form_min_fill,
                webhooks_allow_private_networks: true,
                stripe_api: self.stripe_api.clone(),
                billing: self.billing.clone(),
                backups: self.backups.clone(),
            },
            mail_wake: wake,
            documents: documents.clone(),
            analytics_db: analytics.clone(),
            countries: Countries::bundled().expect("the bundled country database"),
        })
        .expect("the application");
        let state = app.state;
        let web_analytics = state.analytics().clone();
        let analytics_ingester = app.ingester;
        let analytics_ingesting = app.ingesting;
        // Webhooks are sent as `serve` sends them; tests may also drive rounds themselves.
        let webhook_worker = tokio::spawn(deliver_webhooks_until(
            app_db.clone(),
            keyring.clone(),
            state.webhooks().clone(),
            state.webhooks_wake(),
            std::future::pending(),
        ));
        let (stop, stopped) = oneshot::channel::<()>();
        let tls = self.tls.as_ref().map(|cert| {
            tls_acceptor(ReloadableCert::load(&cert.cert, &cert.key).expect("certificate"))
                .expect("TLS acceptor")
        });
        tokio::spawn(serve(
            listener,
            tls,
            app.router,
            async move {
                let _ = stopped.await;
            },
            Duration::from_secs(1),
            self.limits,
        ));
        let client = crate::http_client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client");
        TestApp {
            addr,
            db,
            client,
            engine: self.engine,
            keyring,
            test_db,
            _key_dir: key_dir,
            documents,
            analytics,
            analytics_ingester,
            _analytics_ingesting: analytics_ingesting,
            web_analytics,
            stop: Some(stop),
            mail_worker,
            webhook_worker,
        }
    }
}

impl TestApp {
    /// Intake's records and what opens them, for a domain call a test makes directly.
    pub fn vault(&self) -> leadvault_intake::Vault<'_> {
        leadvault_intake::Vault {
            db: &self.db,
            keyring: &self.keyring,
            documents: &self.documents,
        }
    }

    pub fn builder(engine: Engine) -> TestAppBuilder {
        TestAppBuilder {
            engine,
            migrate: true,
            https: false,
            database_url: None,
            limits: ConnectionLimits::default(),
            trusted_proxies: Vec::new(),
            smtp_url: None,
            form_min_fill: Duration::ZERO,
            tls: None,
            upload_limit: leadvault_documents::DEFAULT_LIMIT,
            // Nothing listens on the discard port: Stripe is unreachable unless a test
            // starts a stand-in.
            stripe_api: url::Url::parse("http://127.0.0.1:9/").ok(),
            billing: None,
            root_key: None,
            documents_dir: None,
            backups: None,
        }
    }

    /// The installation's local root key file.
    pub fn root_key_file(&self) -> std::path::PathBuf {
        self._key_dir.path().join("root.key")
    }

    pub async fn start(engine: Engine) -> Self {
        Self::builder(engine).build().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// Returns once every analytics event the server has taken is stored.
    pub async fn flush_analytics(&self) {
        self.analytics_ingester.flush().await;
    }

    /// Tells the server that `site`'s experiments were changed behind its back (through the
    /// analytics crate), as its own handlers do: its script is read anew.
    pub fn experiments_changed(&self, site: leadvault_store::SiteId) {
        self.web_analytics.experiments_changed(site);
    }

    pub fn test_db(&self) -> &TestDb {
        &self.test_db
    }

    /// A setup link token, as `serve` prints on first start.
    pub async fn setup_token(&self) -> SecretToken {
        issue_setup_token(&self.db, Timestamp::now())
            .await
            .expect("setup token")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(worker) = self.mail_worker.take() {
            worker.abort();
        }
        self.webhook_worker.abort();
    }
}
