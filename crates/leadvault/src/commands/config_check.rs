use leadvault_config::Transport;
use leadvault_crypto::LocalKeyFile;

use crate::cli::ServeArgs;
use crate::error::CliError;
use crate::setup;

/// Prints the effective configuration and checks what can be checked without starting:
/// values, the exposure rule, and the key file. Changes nothing on disk.
pub fn run(args: ServeArgs) -> Result<(), CliError> {
    let config = setup::load_config(args.common.config.as_deref(), args.layer())?;
    print!("{config}");
    config.transport()?;
    let key_file = LocalKeyFile::new(config.key_file());
    if key_file.exists() {
        key_file.load()?;
    } else {
        println!(
            "# note: the key file {} does not exist yet; `leadvault serve` creates it",
            config.key_file().display()
        );
    }
    if let Ok(Transport::Tls(_)) = config.transport() {
        return Err(CliError::Invalid(tls_unavailable()));
    }
    println!("# configuration OK");
    Ok(())
}

pub fn tls_unavailable() -> String {
    "built-in TLS is not available in this version yet; terminate TLS in a reverse proxy and pass --behind-tls-proxy".to_owned()
}
