//! `leadvault keys …`: the key hierarchy from the command line. Nothing here ever prints a key.

use std::io::BufRead;
use std::sync::Arc;

use leadvault_config::PinSource;
use leadvault_crypto::{KeyProvider, LocalKeyFile, LocalProvider, Pkcs11Provider, Pkcs11Settings};
use leadvault_keys::{CacheSettings, Keyring};
use leadvault_store::{OrgId, Timestamp};

use crate::cli::{KeysCommand, RotateRootArgs};
use crate::error::CliError;
use crate::provider::{self, Create};
use crate::{logging, setup};

pub async fn run(command: KeysCommand) -> Result<(), CliError> {
    let common = command.common().clone();
    let config = setup::load_config(common.config.as_deref(), common.layer())?;
    logging::init(&config)?;
    setup::prepare_data_dir(&config)?;
    let create = if matches!(command, KeysCommand::Init(_)) {
        Create::IfMissing
    } else {
        Create::Never
    };
    let (root, place) = provider::open(&config, create)?;
    if let KeysCommand::Init(_) = command {
        println!("Root key ready: {} ({place}).", root.root_key_id());
        return Ok(());
    }
    let (db, _) = setup::open_database(&config).await?;
    let keyring = Keyring::new(db.clone(), root.clone(), CacheSettings::default());
    let result = match command {
        KeysCommand::Init(_) => Ok(()),
        KeysCommand::Status(_) => status(&keyring, &place).await,
        KeysCommand::RotateRoot(args) => rotate_root(&keyring, &args).await,
        KeysCommand::RotateTenant(args) => {
            let org = parse_org(&args.org)?;
            let version = keyring
                .rotate_tenant(org, Timestamp::now())
                .await
                .map_err(key_error)?;
            println!(
                "Organization {org} now writes with tenant key version {version}; earlier versions stay readable."
            );
            Ok(())
        }
        KeysCommand::ShredTenant(args) => shred(&keyring, &args.org).await,
    };
    db.close().await;
    result
}

fn key_error(err: leadvault_keys::KeyError) -> CliError {
    CliError::Invalid(err.to_string())
}

fn parse_org(text: &str) -> Result<OrgId, CliError> {
    OrgId::parse(text.trim())
        .ok_or_else(|| CliError::Invalid(format!("--org: `{text}` is not an organization id")))
}

async fn status(keyring: &Keyring, place: &str) -> Result<(), CliError> {
    let status = keyring.status().await.map_err(key_error)?;
    println!("Configured root key: {} ({place})", keyring.root_key_id());
    println!("Organizations with keys: {}", status.organizations);
    println!(
        "Data keys: {} ({} retired, still readable)",
        status.data_keys, status.retired_data_keys
    );
    if status.by_root.is_empty() {
        println!(
            "No tenant keys yet: they are made when an organization first stores encrypted data."
        );
    }
    for (root_id, count) in &status.by_root {
        let note = if root_id == keyring.root_key_id() {
            ""
        } else {
            "  <- not the configured root key: finish `keys rotate-root`"
        };
        println!("Tenant key versions wrapped by {root_id}: {count}{note}");
    }
    Ok(())
}

async fn rotate_root(keyring: &Keyring, args: &RotateRootArgs) -> Result<(), CliError> {
    let (target, description): (Arc<dyn KeyProvider>, String) = match args.to.as_str() {
        "local" => {
            let path = args
                .to_key_file
                .clone()
                .ok_or_else(|| CliError::Invalid("--to local needs --to-key-file PATH".into()))?;
            let file = LocalKeyFile::new(&path);
            file.load_or_create()?;
            (
                Arc::new(LocalProvider::open(&file)?),
                format!(
                    "[keys] provider = \"local\" and key_file = \"{}\"",
                    path.display()
                ),
            )
        }
        "pkcs11" => {
            let missing = |flag: &str| CliError::Invalid(format!("--to pkcs11 needs {flag}"));
            let settings = Pkcs11Settings {
                module: args
                    .to_pkcs11_module
                    .clone()
                    .ok_or_else(|| missing("--to-pkcs11-module"))?,
                token_label: args
                    .to_pkcs11_token_label
                    .clone()
                    .ok_or_else(|| missing("--to-pkcs11-token-label"))?,
                key_label: args
                    .to_pkcs11_key_label
                    .clone()
                    .unwrap_or_else(|| "leadvault-root".into()),
            };
            let pin_source = match &args.to_pkcs11_pin_file {
                Some(path) => PinSource::File(path.clone()),
                None => PinSource::Env(
                    args.to_pkcs11_pin_env
                        .clone()
                        .unwrap_or_else(|| leadvault_config::DEFAULT_PIN_ENV.to_owned()),
                ),
            };
            let pin = provider::read_pin(&pin_source)?;
            let (hsm, _) = Pkcs11Provider::create_or_open(&settings, &pin)?;
            let hint = format!(
                "[keys] provider = \"pkcs11\", pkcs11_module = \"{}\", pkcs11_token_label = \"{}\", pkcs11_key_label = \"{}\"",
                settings.module.display(),
                settings.token_label,
                settings.key_label
            );
            (Arc::new(hsm), hint)
        }
        other => {
            return Err(CliError::Invalid(format!(
                "--to: `{other}` is not local or pkcs11"
            )));
        }
    };
    if target.root_key_id() == keyring.root_key_id() {
        return Err(CliError::Invalid(
            "the new root key is the one already in use".into(),
        ));
    }
    let report = keyring
        .rotate_root(target.clone())
        .await
        .map_err(key_error)?;
    println!(
        "Re-wrapped {} tenant key version(s) under {}. Data was not touched.",
        report.rewrapped,
        target.root_key_id()
    );
    println!(
        "Now configure the new root key ({description}) and restart every server; keep the old key until you have."
    );
    Ok(())
}

async fn shred(keyring: &Keyring, org_text: &str) -> Result<(), CliError> {
    let org = parse_org(org_text)?;
    println!(
        "This destroys every key of organization {org}. Its encrypted data can never be read again, by anyone."
    );
    println!("Type the organization id to confirm:");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(CliError::io("cannot read the confirmation"))?;
    if line.trim() != org.to_string() {
        return Err(CliError::Invalid(
            "confirmation did not match; nothing was destroyed".into(),
        ));
    }
    let report = keyring.shred_tenant(org).await.map_err(key_error)?;
    tracing::warn!(org_id = %org, tenant_keys = report.tenant_keys, data_keys = report.data_keys, "tenant keys shredded");
    println!(
        "Destroyed {} tenant key version(s) and {} data key(s) of organization {org}.",
        report.tenant_keys, report.data_keys
    );
    Ok(())
}

impl KeysCommand {
    fn common(&self) -> &crate::cli::ConfigArgs {
        match self {
            Self::Init(a) | Self::Status(a) => a,
            Self::RotateRoot(a) => &a.common,
            Self::RotateTenant(a) | Self::ShredTenant(a) => &a.common,
        }
    }
}
