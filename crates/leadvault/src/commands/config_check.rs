use leadvault_config::{KeySource, Transport};
use leadvault_crypto::LocalKeyFile;

use crate::cli::ServeArgs;
use crate::error::CliError;
use crate::provider::{self, Create};
use crate::setup;

/// Prints the effective configuration and checks what can be checked without starting:
/// values, the exposure rule, and the key file. Changes nothing on disk.
pub fn run(args: ServeArgs) -> Result<(), CliError> {
    let config = setup::load_config(args.common.config.as_deref(), args.layer())?;
    print!("{config}");
    config.transport()?;
    match &config.keys {
        KeySource::Local if !LocalKeyFile::new(config.key_file()).exists() => println!(
            "# note: the key file {} does not exist yet; `leadvault serve` creates it",
            config.key_file().display()
        ),
        // Opening proves the key file is private and well formed, or that the module
        // loads, the token is present, the PIN is right and the root key exists.
        _ => {
            let (root, place) = provider::open(&config, Create::Never)?;
            println!("# root key {} ({place})", root.root_key_id());
        }
    }
    if let Ok(Transport::Tls(files)) = config.transport() {
        leadvault_server::ReloadableCert::load(&files.cert_file, &files.key_file)
            .map_err(|e| CliError::Invalid(e.to_string()))?;
        println!("# TLS certificate and key load and belong together");
    }
    println!("# configuration OK");
    Ok(())
}
