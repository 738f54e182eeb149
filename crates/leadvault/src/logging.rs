use std::str::FromStr;

use leadvault_config::{Config, LogFormat};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::error::CliError;

/// The level filter the configuration asks for. sqlx's per-statement logging is quieted
/// unless asked for by name.
pub fn filter(config: &Config) -> Result<Targets, CliError> {
    // `Targets` reads a bare word as a target name, so `loud` would silently mean "everything
    // from a module called loud"; every directive must name a level.
    const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
    let well_formed = config.log_level.split(',').all(|directive| {
        let level = directive
            .rsplit_once('=')
            .map_or(directive, |(_, level)| level);
        LEVELS.contains(&level.trim().to_ascii_lowercase().as_str())
    });
    if !well_formed {
        return Err(CliError::Invalid(format!(
            "log_level: `{}` is not a level (trace, debug, info, warn, error, off) or a list of target=level",
            config.log_level
        )));
    }
    let mut spec = config.log_level.clone();
    if !spec.contains("sqlx") {
        spec.push_str(",sqlx=warn");
    }
    Targets::from_str(&spec).map_err(|e| {
        CliError::Invalid(format!(
            "log_level: `{}` is not a level or list of target=level ({e})",
            config.log_level
        ))
    })
}

/// Logs go to standard error, in the configured format; standard output is kept for what
/// the operator must read (where data lives, the listening URL, the setup link).
pub fn init(config: &Config) -> Result<(), CliError> {
    let filter = filter(config)?;
    let registry = tracing_subscriber::registry().with(filter);
    let result = match config.log_format {
        LogFormat::Human => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(false),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    result.map_err(|e| CliError::Invalid(format!("cannot start logging: {e}")))
}
