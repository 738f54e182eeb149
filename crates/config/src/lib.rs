//! Leadvault's configuration: built-in defaults, then `leadvault.toml` (or `--config FILE`),
//! then `LEADVAULT_*` environment variables, then command-line flags; each layer overrides
//! the one before. Everything is validated once, here, into a [`Config`] whose fields can be
//! trusted; `Display` of a config redacts every secret.

mod audit;
mod backup;
mod billing;
mod ip_range;
mod layer;
mod mail;
mod resolve;

pub use audit::{AuditLayer, AuditSettings};
pub use backup::{BackupLayer, BackupSettings, Keep, parse_time_of_day};
pub use billing::{BillingLayer, BillingSettings, PlanLayer, PlanSettings};
pub use ip_range::IpRange;
pub use layer::{ENV_PREFIX, KeysLayer, Layer, TlsLayer};
pub use mail::{MailLayer, MailSettings, PublicUrl};
pub use resolve::{
    Config, ConfigError, DEFAULT_PIN_ENV, KeySource, LogFormat, PinSource, TlsFiles, Transport,
    UnsafeExposure,
};
