//! `leadvault keys …`: the key hierarchy from the command line. Nothing here ever prints a key.

use std::io::BufRead;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use leadvault_audit::{Actor, Chain, Event, append_alone};
use leadvault_config::{KeySource, PinSource};
use leadvault_keys::{CacheSettings, KeyAction, Keyring, Progress};
use leadvault_store::{Db, OrgId, Timestamp};

use crate::cli::{KeysCommand, RotateRootArgs, RotateTenantArgs};
use crate::error::CliError;
use crate::provider::{self, Create};
use crate::{logging, setup};

/// Who the audit log names for `leadvault keys …`: the operator at the command line.
const OPERATOR: Actor = Actor::System("cli:keys");

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
        KeysCommand::RotateTenant(args) => rotate_tenant(&db, &keyring, &args).await,
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
    let protected = keyring
        .protected_values(&leadvault_server::encrypted_columns())
        .await
        .map_err(key_error)?;
    for key in keyring.data_keys().await.map_err(key_error)? {
        let count = protected.get(&key.key_ref).copied().unwrap_or(0);
        let retired = if key.retired { ", retired" } else { "" };
        println!(
            "Data key {} ({}, version {}{retired}) of organization {}: protects {count} stored value(s)",
            key.id, key.purpose, key.key_ref.version, key.org
        );
    }
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
    let missing = |flag: &str| CliError::Invalid(format!("--to {} needs {flag}", args.to));
    let (source, key_file) = match args.to.as_str() {
        "local" => {
            let path = args
                .to_key_file
                .clone()
                .ok_or_else(|| missing("--to-key-file PATH"))?;
            (KeySource::Local, path)
        }
        "pkcs11" => {
            let source = KeySource::Pkcs11 {
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
                pin: match &args.to_pkcs11_pin_file {
                    Some(path) => PinSource::File(path.clone()),
                    None => PinSource::Env(
                        args.to_pkcs11_pin_env
                            .clone()
                            .unwrap_or_else(|| leadvault_config::DEFAULT_PIN_ENV.to_owned()),
                    ),
                },
            };
            (source, PathBuf::new())
        }
        other => {
            return Err(CliError::Invalid(format!(
                "--to: `{other}` is not local or pkcs11"
            )));
        }
    };
    // The new root key is made if it does not exist yet: on an HSM, inside the token.
    let (target, description) = provider::open_source(&source, &key_file, Create::IfMissing)?;
    if target.root_key_id() == keyring.root_key_id() {
        return Err(CliError::Invalid(
            "the new root key is the one already in use".into(),
        ));
    }
    let report = keyring
        .rotate_root(target.clone(), OPERATOR, Timestamp::now())
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

async fn rotate_tenant(
    db: &Db,
    keyring: &Keyring,
    args: &RotateTenantArgs,
) -> Result<(), CliError> {
    let org = parse_org(&args.org)?;
    if !args.resume {
        let version = keyring
            .rotate_tenant(org, OPERATOR, Timestamp::now())
            .await
            .map_err(key_error)?;
        println!(
            "Organization {org} now writes with tenant key version {version}; earlier versions stay readable."
        );
    }
    // The blind-index key is new too, and re-indexing needs no re-encryption first (old
    // ciphertexts stay readable): without it, earlier leads would no longer be found as
    // possible duplicates.
    let indexed = leadvault_intake::reindex_contacts(db, keyring, org, Timestamp::now())
        .await
        .map_err(|e| CliError::Invalid(format!("re-indexing leads: {e}")))?;
    println!("Re-indexed the e-mail addresses and phone numbers of {indexed} lead(s).");
    if !args.reencrypt {
        return Ok(());
    }
    // Ctrl-C stops between batches, leaving every value readable; --resume continues.
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = tokio::spawn({
        let stop = stop.clone();
        async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, Ordering::SeqCst);
            }
        }
    });
    let columns = leadvault_server::encrypted_columns();
    let report = keyring
        .reencrypt(org, &columns, args.batch_size, Timestamp::now(), |p| {
            show_progress(p);
            if stop.load(Ordering::SeqCst) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .await
        .map_err(key_error)?;
    watcher.abort();
    eprintln!();
    if report.examined < report.total {
        println!(
            "Interrupted after {} of {} values ({} re-encrypted). Run again with --reencrypt --resume to finish.",
            report.examined, report.total, report.reencrypted
        );
    } else {
        println!(
            "Re-encrypted {} of {} stored values under the current key.",
            report.reencrypted, report.total
        );
    }
    Ok(())
}

/// A one-line progress bar on standard error.
fn show_progress(p: Progress) {
    const WIDTH: u64 = 30;
    let filled = (p.examined * WIDTH)
        .checked_div(p.total)
        .unwrap_or(WIDTH)
        .min(WIDTH);
    let bar: String = (0..WIDTH)
        .map(|i| if i < filled { '#' } else { '.' })
        .collect();
    eprint!(
        "\r[{bar}] {}/{} values, {} re-encrypted",
        p.examined, p.total, p.reencrypted
    );
}

async fn shred(keyring: &Keyring, org_text: &str) -> Result<(), CliError> {
    let org = parse_org(org_text)?;
    if org == OrgId::INSTANCE {
        // Not a tenant: its keys protect every person's second factor.
        return Err(CliError::Invalid(format!(
            "{org} is the installation's own key owner (people's TOTP secrets), not an organization; nothing was destroyed"
        )));
    }
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
        // A refused attempt at destroying keys is worth an investigator's attention too.
        let event = Event::new(OPERATOR, KeyAction::KeyShredded)
            .on("organization", org)
            .denied();
        append_alone(
            keyring.db_for_audit(),
            Chain::Org(org),
            &event,
            Timestamp::now(),
        )
        .await
        .map_err(|e| CliError::Invalid(format!("the audit log could not be written: {e}")))?;
        return Err(CliError::Invalid(
            "confirmation did not match; nothing was destroyed".into(),
        ));
    }
    let report = keyring
        .shred_tenant(org, OPERATOR, Timestamp::now())
        .await
        .map_err(key_error)?;
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
            Self::RotateTenant(a) => &a.common,
            Self::ShredTenant(a) => &a.common,
        }
    }
}
