//! SoftHSM2 as the stand-in HSM, through the real PKCS#11 interface.
//!
//! SoftHSM reads `SOFTHSM2_CONF` once, when the module initializes, and changing a running
//! process's environment is not safe. So a PKCS#11 test calls [`softhsm_token`]: in the
//! test process it creates a fresh token in a temporary directory and runs the same test
//! again in a child process whose environment points there; in that child it returns the
//! token to test against.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Once;

const CHILD_MARK: &str = "LV_SOFTHSM_CHILD";
const TOKEN_LABEL: &str = "leadvault-test";
const PIN: &str = "test-user-pin-4821";
const MODULE_PATHS: &[&str] = &[
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
];

/// An initialized SoftHSM2 token, as seen from inside the child test process.
#[derive(Debug, Clone)]
pub struct SoftHsmToken {
    pub module: PathBuf,
    pub token_label: String,
    pub pin: String,
    /// The environment that points SoftHSM at this token, for spawning `leadvault`.
    pub conf: PathBuf,
}

fn module() -> Option<PathBuf> {
    MODULE_PATHS.iter().map(PathBuf::from).find(|p| p.is_file())
}

fn available() -> bool {
    let util = Command::new("softhsm2-util")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if module().is_some() && util {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        panic!(
            "SoftHSM2 is required in CI and is missing: apt-get install softhsm2 (scripts/test does)"
        );
    }
    static WARNED: Once = Once::new();
    WARNED.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "\n==== SKIPPING PKCS#11 tests: SoftHSM2 is not installed\n==== Run scripts/test (installs it) or apt-get install softhsm2\n"
        );
    });
    false
}

/// See the module documentation. `test_path` is the test's path as `cargo test` prints it
/// (for example `keys::wraps_inside_the_token`). Returns `None` in the parent process,
/// after asserting that the child passed, and when SoftHSM2 is missing outside CI.
pub fn softhsm_token(test_path: &str) -> Option<SoftHsmToken> {
    if std::env::var(CHILD_MARK).is_ok() {
        return Some(SoftHsmToken {
            module: module().expect("SoftHSM2 module"),
            token_label: TOKEN_LABEL.to_owned(),
            pin: PIN.to_owned(),
            conf: PathBuf::from(std::env::var("SOFTHSM2_CONF").expect("SOFTHSM2_CONF in child")),
        });
    }
    if !available() {
        return None;
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).expect("token directory");
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .expect("write softhsm2.conf");
    let init = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            TOKEN_LABEL,
            "--pin",
            PIN,
            "--so-pin",
            "test-so-pin-9917",
        ])
        .output()
        .expect("run softhsm2-util");
    assert!(
        init.status.success(),
        "softhsm2-util --init-token failed: {}",
        String::from_utf8_lossy(&init.stderr)
    );

    let filter = test_path
        .split_once("::")
        .map_or(test_path, |(krate, rest)| {
            // module_path!() starts with the test crate's name; cargo's filter does not.
            if krate == "it" { rest } else { test_path }
        });
    let child = Command::new(std::env::current_exe().expect("test binary"))
        .args([filter, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_MARK, "1")
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .expect("re-run test in a child process");
    let stdout = String::from_utf8_lossy(&child.stdout);
    assert!(
        child.status.success() && stdout.contains("1 passed"),
        "PKCS#11 test {filter} failed in its SoftHSM2 child process:\n{stdout}\n{}",
        String::from_utf8_lossy(&child.stderr)
    );
    None
}
