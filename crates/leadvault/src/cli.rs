use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use leadvault_config::{Layer, TlsLayer};

/// Leadvault: secure intake, work orders and privacy-first analytics for law firms.
///
/// Start with `leadvault serve`: with no configuration it keeps everything in ./data and
/// listens on http://127.0.0.1:8080. Settings come from built-in defaults, then
/// leadvault.toml (or --config FILE), then LEADVAULT_* environment variables, then flags;
/// each overrides the one before. `leadvault config check` shows the result.
#[derive(Debug, Parser)]
#[command(name = "leadvault", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (applies pending database migrations first).
    Serve(ServeArgs),
    /// Apply pending database migrations, then exit.
    Migrate(ConfigArgs),
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Administrative tasks that need no browser.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The key hierarchy: root key, tenant keys, rotation, crypto-shredding.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Intake forms: create one from a JSON definition, list them.
    #[command(subcommand)]
    Forms(FormsCommand),
    /// Sites: the domains an organization's forms embed on and analytics counts.
    #[command(subcommand)]
    Sites(SitesCommand),
    /// Analytics: made-up traffic for benchmarks, and timing a report.
    #[command(subcommand)]
    Analytics(AnalyticsCommand),
    /// Backups: encrypted with age, sent off the machine, verified by restoring them.
    #[command(subcommand)]
    Backup(BackupCommand),
    /// Seed a fresh installation with a demo firm (a member of every role, forms, sample
    /// leads), print everyone's sign-in details once, then serve as `serve` does.
    Demo(ServeArgs),
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Back up now, as the daily job does: a consistent snapshot of the databases and
    /// documents, encrypted to the configured recipients as it uploads, verified by restoring
    /// it into scratch, then retention applied.
    Create(ConfigArgs),
    /// List the backups at the destination (needs no key).
    List(ConfigArgs),
    /// Download a backup, decrypt it with a private key, restore it into scratch and check
    /// it: every hash, the integrity check, the schema, rows per table, the audit log.
    Verify(BackupKeyArgs),
    /// Restore a backup into an empty data directory or database; then start `serve`.
    Restore(BackupKeyArgs),
    /// Remove the backups retention does not keep (never the newest).
    Prune(ConfigArgs),
    /// Make an age key pair: writes the private key to FILE (readable by you only; keep it
    /// offline, away from the server) and prints the public key for `backup.recipients`.
    Keygen(BackupKeygenArgs),
}

#[derive(Debug, Args, Clone)]
pub struct BackupKeygenArgs {
    /// Where to write the private key (must not exist)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args, Clone)]
pub struct BackupKeyArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// The backup's name (from `backup list`), or `latest`
    #[arg(value_name = "NAME")]
    pub name: String,
    /// An age identity file holding a private key the backup is encrypted to
    #[arg(long, value_name = "FILE")]
    pub identity: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum SitesCommand {
    /// Add a site to an organization and print its id (the `data-site` of its script tag).
    Add(SitesAddArgs),
}

#[derive(Debug, Args, Clone)]
pub struct SitesAddArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// The organization
    #[arg(long, value_name = "ID")]
    pub org: String,
    /// The site's domain, like www.example.com
    #[arg(long, value_name = "DOMAIN")]
    pub domain: String,
}

#[derive(Debug, Subcommand)]
pub enum AnalyticsCommand {
    /// Write made-up traffic for a site (visits, page views, forms sent) over the days up to
    /// today, rolled up as the server would: for benchmarks and demonstrations.
    Generate(AnalyticsGenerateArgs),
    /// Read a site's report as the dashboard does, several times, and print how long it took.
    Report(AnalyticsReportArgs),
    /// Read an experiment's results as its page does, several times, and print them and how
    /// long they took.
    Results(AnalyticsResultsArgs),
}

#[derive(Debug, Args, Clone)]
pub struct AnalyticsGenerateArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// The site (its id)
    #[arg(long, value_name = "ID")]
    pub site: String,
    /// About how many events
    #[arg(long, value_name = "N")]
    pub events: u64,
    /// Over how many days, ending today
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub days: u32,
    /// Chooses the traffic: the same seed makes the same
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Also start an A/B experiment on the site (two variations, forms sent as the goal)
    /// and expose the visits to it; prints its id
    #[arg(long)]
    pub experiment: bool,
}

#[derive(Debug, Args, Clone)]
pub struct AnalyticsResultsArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// The site (its id)
    #[arg(long, value_name = "ID")]
    pub site: String,
    /// The experiment (its id)
    #[arg(long, value_name = "ID")]
    pub experiment: String,
    /// today, yesterday, 7d, 30d, month, last_month or 12mo
    #[arg(long, value_name = "PERIOD", default_value = "30d")]
    pub period: String,
    /// How many times to read them
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub runs: u32,
}

#[derive(Debug, Args, Clone)]
pub struct AnalyticsReportArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// The site (its id)
    #[arg(long, value_name = "ID")]
    pub site: String,
    /// today, yesterday, 7d, 30d, month, last_month or 12mo
    #[arg(long, value_name = "PERIOD", default_value = "30d")]
    pub period: String,
    /// How many times to read it
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub runs: u32,
}

#[derive(Debug, Subcommand)]
pub enum FormsCommand {
    /// Create a published form from a JSON definition (the same format as the forms API)
    /// and print its id and public address.
    Create(FormsCreateArgs),
    /// List an organization's forms.
    List(FormsListArgs),
}

#[derive(Debug, Args, Clone)]
pub struct FormsCreateArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// The organization
    #[arg(long, value_name = "ID")]
    pub org: String,
    /// The form's name, shown as its heading
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// The definition, as JSON (`-` for standard input)
    #[arg(long, value_name = "FILE")]
    pub definition: PathBuf,
    /// The site the form belongs to (one of the organization's domains): its leads are that
    /// site's, and only it may frame the form. Without it, the form is the organization's.
    #[arg(long, value_name = "DOMAIN")]
    pub site: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct FormsListArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// The organization
    #[arg(long, value_name = "ID")]
    pub org: String,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every record of the audit chains (or one organization's) against its hash, its
    /// predecessor and the chain's head, and every signed checkpoint (those in the database,
    /// and those in --checkpoints) against the chain; name the first bad record. Exits 1 if
    /// anything is wrong.
    Verify(AuditVerifyArgs),
    /// Sign the head of every chain that moved since its last checkpoint, and copy the new
    /// checkpoints to each --to (a file, udp://host:port, unix:/dev/log), or print them.
    Checkpoint(AuditCheckpointArgs),
    /// Print the records (or write them to --to) as JSON lines, for a SIEM.
    Export(AuditExportArgs),
    /// Who did what to which records, how often, denied attempts first.
    Report(AuditReportArgs),
}

#[derive(Debug, Args, Clone)]
pub struct AuditVerifyArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// Only this organization's chain
    #[arg(long, value_name = "ID")]
    pub org: Option<String>,
    /// Checkpoints kept outside the database (JSON lines, as `audit checkpoint` writes them)
    #[arg(long, value_name = "FILE")]
    pub checkpoints: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct AuditCheckpointArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// Where to copy the new checkpoints: a file path, udp://host:port or unix:/dev/log
    /// (repeatable) [default: print them]
    #[arg(long, value_name = "TARGET")]
    pub to: Vec<String>,
}

#[derive(Debug, Args, Clone)]
pub struct AuditExportArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// Only this organization's chain [default: every chain]
    #[arg(long, value_name = "ID")]
    pub org: Option<String>,
    /// Only records from this day on (YYYY-MM-DD, UTC)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// A file path, udp://host:port or unix:/dev/log [default: print them]
    #[arg(long, value_name = "TARGET")]
    pub to: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct AuditReportArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// The organization
    #[arg(long, value_name = "ID")]
    pub org: String,
    /// From this day on (YYYY-MM-DD, UTC)
    #[arg(long, value_name = "DATE")]
    pub since: String,
    /// Only what this member (user id) did
    #[arg(long, value_name = "ID")]
    pub member: Option<String>,
    /// csv or json
    #[arg(long, value_name = "FORMAT", default_value = "csv")]
    pub format: String,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create the root key if there is none (on an HSM: generated inside it, non-extractable)
    /// and check that it works.
    Init(ConfigArgs),
    /// Show the configured root key, which root key wraps how many tenant keys, and how many
    /// data keys exist. Never prints a secret.
    Status(ConfigArgs),
    /// Re-wrap every tenant key under a new root key (local file or PKCS#11). Data is not
    /// touched. This is how an evaluation install moves its root key into an HSM.
    RotateRoot(RotateRootArgs),
    /// Start a new tenant key version for new writes; data written earlier stays readable.
    /// With --reencrypt, also re-encrypt the organization's stored values under it.
    RotateTenant(RotateTenantArgs),
    /// Destroy an organization's keys, after typing its id to confirm: all of its encrypted
    /// data becomes unreadable, for good.
    ShredTenant(OrgArgs),
}

#[derive(Debug, Args, Clone)]
pub struct OrgArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// The organization's id
    #[arg(long, value_name = "ID")]
    pub org: String,
}

#[derive(Debug, Args, Clone)]
pub struct RotateTenantArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// The organization's id
    #[arg(long, value_name = "ID")]
    pub org: String,
    /// Re-encrypt every stored value of the organization under the new version, in
    /// batches. Safe to interrupt (Ctrl-C) and run again: values already re-encrypted are
    /// skipped, nothing is lost or encrypted twice. With --resume, no new version is made:
    /// an interrupted re-encryption just continues.
    #[arg(long)]
    pub reencrypt: bool,
    /// With --reencrypt: continue under the current version instead of rotating again
    #[arg(long, requires = "reencrypt")]
    pub resume: bool,
    /// Values per batch
    #[arg(long, default_value_t = 500, value_name = "N")]
    pub batch_size: u32,
}

#[derive(Debug, Args, Clone)]
pub struct RotateRootArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// Where the new root key lives: local or pkcs11
    #[arg(long, value_name = "PROVIDER")]
    pub to: String,
    /// With --to local: the new key file (created if missing)
    #[arg(long, value_name = "PATH")]
    pub to_key_file: Option<PathBuf>,
    /// With --to pkcs11: the token's PKCS#11 library
    #[arg(long, value_name = "PATH")]
    pub to_pkcs11_module: Option<PathBuf>,
    /// With --to pkcs11: the token's label
    #[arg(long, value_name = "LABEL")]
    pub to_pkcs11_token_label: Option<String>,
    /// With --to pkcs11: the root key's label (generated on the token if missing)
    /// [default: leadvault-root]
    #[arg(long, value_name = "LABEL")]
    pub to_pkcs11_key_label: Option<String>,
    /// With --to pkcs11: the environment variable holding the PIN [default: LEADVAULT_PKCS11_PIN]
    #[arg(long, value_name = "VAR")]
    pub to_pkcs11_pin_env: Option<String>,
    /// With --to pkcs11: a file (mode 0600) holding the PIN, instead of a variable
    #[arg(long, value_name = "PATH")]
    pub to_pkcs11_pin_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration (secrets redacted) and check it; exits non-zero
    /// with the reason when it is invalid.
    ///
    /// Environment variables: LEADVAULT_CONFIG, LEADVAULT_DATA_DIR, LEADVAULT_LISTEN,
    /// LEADVAULT_DATABASE_URL, LEADVAULT_DATABASE_MAX_CONNECTIONS, LEADVAULT_BEHIND_TLS_PROXY,
    /// LEADVAULT_KEY_FILE, LEADVAULT_LOG_FORMAT, LEADVAULT_LOG_LEVEL,
    /// LEADVAULT_SHUTDOWN_GRACE_SECS, LEADVAULT_TLS_CERT_FILE, LEADVAULT_TLS_KEY_FILE.
    Check(ServeArgs),
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an organization and its owner account: on a new installation, what the
    /// first-run setup page does (and any open setup link stops working); later, how an
    /// operator founds a further organization (tenant).
    CreateOwner(CreateOwnerArgs),
}

/// Settings every command that touches the database shares.
#[derive(Debug, Args, Clone)]
pub struct ConfigArgs {
    /// Configuration file [default: ./leadvault.toml if it exists]
    #[arg(long, env = "LEADVAULT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the SQLite database and the local key file live [default: ./data]
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// postgres://USER@HOST:PORT/DB to share one database between several servers
    /// [default: SQLite in the data directory]. Prefer LEADVAULT_DATABASE_URL for URLs with
    /// a password: command lines are visible to other users of the machine.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Log format: human or json [default: human]
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// Address to listen on [default: 127.0.0.1:8080]. Plain HTTP is refused on any
    /// non-loopback address unless TLS is configured or --behind-tls-proxy is given.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// A reverse proxy in front of Leadvault terminates TLS, so browsers only ever use
    /// HTTPS; allows plain HTTP on a non-loopback address.
    #[arg(long)]
    pub behind_tls_proxy: bool,
    /// Serve HTTPS with this certificate chain (PEM). TLS 1.2 and 1.3 only; SIGHUP reloads
    /// the files without dropping connections.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM)
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Also listen for plain HTTP here, only to redirect to HTTPS (e.g. 0.0.0.0:80)
    #[arg(long, value_name = "ADDR", requires = "tls_cert")]
    pub tls_redirect_listen: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct CreateOwnerArgs {
    #[command(flatten)]
    pub common: ConfigArgs,
    /// The new organization's name
    #[arg(long, value_name = "NAME")]
    pub org: String,
    /// The owner's e-mail address
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// Read the owner's password from standard input (one line). Passwords are never
    /// accepted as arguments.
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

impl ConfigArgs {
    /// The flags as the topmost configuration layer.
    pub fn layer(&self) -> Layer {
        Layer {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            log_format: self.log_format.clone(),
            ..Layer::default()
        }
    }
}

impl ServeArgs {
    pub fn layer(&self) -> Layer {
        let tls_given =
            self.tls_cert.is_some() || self.tls_key.is_some() || self.tls_redirect_listen.is_some();
        Layer {
            listen: self.listen.clone(),
            behind_tls_proxy: self.behind_tls_proxy.then_some(true),
            tls: tls_given.then(|| TlsLayer {
                cert_file: self.tls_cert.clone(),
                key_file: self.tls_key.clone(),
                redirect_listen: self.tls_redirect_listen.clone(),
            }),
            ..self.common.layer()
        }
    }
}
