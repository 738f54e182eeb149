//! The analytics script as a site's pages receive it: `lv.js` alone, or, for a site with
//! experiments to send, followed by the experiments part (`lvx.js`) called with the site's
//! configuration, in the one file, so that no second request delays the page.

use std::sync::{Arc, LazyLock};

use leadvault_crypto::fingerprint;

/// The analytics script, minified at build time (`build.rs`).
pub(crate) const LV_MIN: &str = include_str!(concat!(env!("OUT_DIR"), "/lv.min.js"));
/// The experiments part: a function of the configuration.
pub(crate) const LVX_MIN: &str = include_str!(concat!(env!("OUT_DIR"), "/lvx.min.js"));

/// A script body and its entity tag.
#[derive(Debug)]
pub struct SiteScript {
    pub body: String,
    pub etag: String,
}

static PLAIN: LazyLock<Arc<SiteScript>> =
    LazyLock::new(|| Arc::new(SiteScript::of(LV_MIN.to_owned())));

impl SiteScript {
    fn of(body: String) -> Self {
        let etag = format!("\"{}\"", &fingerprint(body.as_bytes())[..32]);
        Self { body, etag }
    }

    /// The script without experiments.
    pub fn plain() -> Arc<Self> {
        PLAIN.clone()
    }

    /// The script with `config`, a JavaScript expression (see
    /// `leadvault_analytics::script_config`), or the plain one without.
    pub fn with(config: Option<String>) -> Arc<Self> {
        match config {
            Some(config) => Arc::new(Self::of(format!("{LV_MIN}\n({LVX_MIN})({config});"))),
            None => Self::plain(),
        }
    }
}
