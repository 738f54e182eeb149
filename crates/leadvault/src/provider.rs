//! Opening the configured root key provider.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use leadvault_config::{Config, KeySource, PinSource};
use leadvault_crypto::{
    KeyProvider, LocalKeyFile, LocalProvider, Pkcs11Pin, Pkcs11Provider, Pkcs11Settings,
    ProviderError,
};
use zeroize::Zeroizing;

use crate::error::CliError;

/// Whether a missing root key may be created (by `serve` and `keys init`) or must exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    IfMissing,
    Never,
}

/// The configured provider and a sentence saying where its root key is, for the operator.
pub fn open(config: &Config, create: Create) -> Result<(Arc<dyn KeyProvider>, String), CliError> {
    if config.keys == KeySource::Local
        && !config.key_file().exists()
        && !config.key_file_is_default()
    {
        // A mistyped path must not quietly start a new key: data written under it would be
        // unreadable once the right path is configured again.
        return Err(CliError::Invalid(format!(
            "the configured key file {} does not exist; only the default key file in the data directory is created automatically",
            config.key_file().display()
        )));
    }
    open_source(&config.keys, config.key_file(), create)
}

/// Any provider: the configured one, or the target of a root key rotation.
pub fn open_source(
    source: &KeySource,
    key_file: &Path,
    create: Create,
) -> Result<(Arc<dyn KeyProvider>, String), CliError> {
    match source {
        KeySource::Local => {
            let file = LocalKeyFile::new(key_file);
            if create == Create::IfMissing {
                let (_, created) = file.load_or_create()?;
                if created {
                    tracing::info!(path = %file.path().display(), "created a new local root key");
                }
            }
            let provider = LocalProvider::open(&file)?;
            let place = format!(
                "root key in the local key file {}. The local key file is for evaluation only: in production, keep the root key in an HSM through the PKCS#11 key provider",
                file.path().display()
            );
            Ok((Arc::new(provider), place))
        }
        KeySource::Pkcs11 {
            module,
            token_label,
            key_label,
            pin,
        } => {
            let settings = Pkcs11Settings {
                module: module.clone(),
                token_label: token_label.clone(),
                key_label: key_label.clone(),
            };
            let pin = read_pin(pin)?;
            let provider = match create {
                Create::IfMissing => Pkcs11Provider::create_or_open(&settings, &pin)?.0,
                Create::Never => Pkcs11Provider::open(&settings, &pin)?,
            };
            let place = format!("root key \"{key_label}\" inside PKCS#11 token \"{token_label}\"");
            Ok((Arc::new(provider), place))
        }
    }
}

pub fn read_pin(source: &PinSource) -> Result<Pkcs11Pin, CliError> {
    let text = match source {
        PinSource::Env(name) => Zeroizing::new(std::env::var(name).map_err(|_| {
            CliError::Invalid(format!(
                "the PKCS#11 PIN is expected in the environment variable {name}, which is not set"
            ))
        })?),
        PinSource::File(path) => read_pin_file(path)?,
    };
    Ok(Pkcs11Pin::new(text.to_string())?)
}

fn read_pin_file(path: &Path) -> Result<Zeroizing<String>, CliError> {
    let meta = std::fs::metadata(path).map_err(CliError::io(format!(
        "cannot read the PIN file {}",
        path.display()
    )))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(CliError::Invalid(format!(
            "PIN file {} has mode {mode:04o}, so other users can read it; run `chmod 600 {}`",
            path.display(),
            path.display()
        )));
    }
    Ok(Zeroizing::new(std::fs::read_to_string(path).map_err(
        CliError::io(format!("cannot read the PIN file {}", path.display())),
    )?))
}

impl From<ProviderError> for CliError {
    fn from(err: ProviderError) -> Self {
        Self::Invalid(err.to_string())
    }
}
