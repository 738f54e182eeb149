//! Finding a PostgreSQL server for the tests.
//!
//! In order: `LV_TEST_POSTGRES_URL` (an admin URL that can create databases), else the
//! local default `postgres://postgres@127.0.0.1:5432/postgres`. Where neither answers,
//! outside CI the PostgreSQL tests are skipped with a loud message on the terminal; in CI
//! (`CI=true`) a missing PostgreSQL fails the run.

use std::io::Write as _;
use std::sync::Once;
use std::time::Duration;

use sqlx::Connection as _;
use tokio::sync::OnceCell;

pub const ENV_URL: &str = "LV_TEST_POSTGRES_URL";
const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

static SERVER: OnceCell<Result<String, String>> = OnceCell::const_new();

/// The admin URL of a reachable PostgreSQL server, or why there is none.
pub(crate) async fn admin_url() -> Result<String, String> {
    SERVER
        .get_or_init(|| async {
            sqlx::any::install_default_drivers();
            let (url, from_env) = match std::env::var(ENV_URL) {
                Ok(url) => (url, true),
                Err(_) => (DEFAULT_URL.to_owned(), false),
            };
            let attempt =
                tokio::time::timeout(Duration::from_secs(5), sqlx::AnyConnection::connect(&url))
                    .await;
            match attempt {
                Ok(Ok(conn)) => {
                    let _ = conn.close().await;
                    Ok(url)
                }
                Ok(Err(e)) if from_env => Err(format!("{ENV_URL} is set but unusable: {e}")),
                Ok(Err(e)) => Err(format!("no PostgreSQL at {DEFAULT_URL}: {e}")),
                Err(_) => Err(format!(
                    "PostgreSQL at {url} did not answer within 5 seconds"
                )),
            }
        })
        .await
        .clone()
}

/// Whether PostgreSQL tests can run. Fails (panics) in CI when they cannot.
pub async fn postgres_available() -> bool {
    match admin_url().await {
        Ok(_) => true,
        Err(reason) => {
            if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
                panic!(
                    "PostgreSQL is required in CI and is not available: {reason}. Start it (pg_ctlcluster 15 main start) or set {ENV_URL}."
                );
            }
            static WARNED: Once = Once::new();
            WARNED.call_once(|| {
                // Written straight to the terminal: the test harness captures println!.
                let _ = writeln!(
                    std::io::stderr(),
                    "\n==== SKIPPING PostgreSQL tests: {reason}\n==== Run scripts/test (installs and starts PostgreSQL) or set {ENV_URL}=postgres://USER@HOST:PORT/postgres\n"
                );
            });
            false
        }
    }
}
