//! Finding a PostgreSQL server for the tests.
//!
//! In order: `LV_TEST_POSTGRES_URL` (an admin URL that can create databases), else the
//! local default `postgres://postgres@127.0.0.1:5432/postgres`, else a throwaway cluster
//! started from the PostgreSQL programs on this machine (`LV_TEST_POSTGRES_THROWAWAY=1`
//! goes straight there). Where none of these works, outside CI the PostgreSQL tests are
//! skipped with a loud message on the terminal; in CI (`CI=true`) the run fails.

use std::io::Write as _;
use std::sync::Once;
use std::time::Duration;

use sqlx::Connection as _;
use tokio::sync::OnceCell;

pub const ENV_URL: &str = "LV_TEST_POSTGRES_URL";
pub const ENV_THROWAWAY: &str = "LV_TEST_POSTGRES_THROWAWAY";
const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

static SERVER: OnceCell<Result<String, String>> = OnceCell::const_new();

/// The admin URL of a reachable PostgreSQL server, or why there is none.
pub async fn admin_url() -> Result<String, String> {
    SERVER
        .get_or_init(|| async {
            sqlx::any::install_default_drivers();
            if let Ok(url) = std::env::var(ENV_URL) {
                return connects(&url)
                    .await
                    .map(|()| url)
                    .map_err(|e| format!("{ENV_URL} is set but unusable: {e}"));
            }
            let forced = std::env::var(ENV_THROWAWAY).is_ok_and(|v| v == "1");
            let default = if forced {
                Err(format!("{ENV_THROWAWAY}=1"))
            } else {
                connects(DEFAULT_URL).await.map(|()| DEFAULT_URL.to_owned())
            };
            match default {
                Ok(url) => Ok(url),
                Err(first) => crate::throwaway::start().await.map_err(|second| {
                    format!("no PostgreSQL at {DEFAULT_URL} ({first}), and no throwaway cluster ({second})")
                }),
            }
        })
        .await
        .clone()
}

async fn connects(url: &str) -> Result<(), String> {
    match tokio::time::timeout(Duration::from_secs(5), sqlx::AnyConnection::connect(url)).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 5 seconds".to_owned()),
    }
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

/// The role the application connects as in tests. Superusers and roles with BYPASSRLS are
/// exempt from row-level security, so the application must never run as one, in tests
/// least of all: the admin role itself when it is an ordinary role (as CI's is), else the
/// ordinary role `leadvault_app`, created once.
pub async fn app_role() -> Result<Option<String>, String> {
    static ROLE: OnceCell<Result<Option<String>, String>> = OnceCell::const_new();
    ROLE.get_or_init(|| async {
        let admin = admin_url().await?;
        let mut conn = sqlx::AnyConnection::connect(&admin)
            .await
            .map_err(|e| e.to_string())?;
        let privileged: i64 = sqlx::query_scalar(
            "SELECT CASE WHEN rolsuper OR rolbypassrls THEN 1 ELSE 0 END FROM pg_roles WHERE rolname = current_user",
        )
        .fetch_one(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
        if privileged == 0 {
            let _ = conn.close().await;
            return Ok(None);
        }
        // Tests start in parallel: a concurrent creation is as good as our own.
        let _ = sqlx::raw_sql(
            "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'leadvault_app') \
             THEN CREATE ROLE leadvault_app LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END$$",
        )
        .execute(&mut conn)
        .await;
        let exists: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_roles WHERE rolname = 'leadvault_app'")
                .fetch_one(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
        let _ = conn.close().await;
        if exists == 1 {
            Ok(Some("leadvault_app".to_owned()))
        } else {
            Err("could not create the role leadvault_app".to_owned())
        }
    })
    .await
    .clone()
}
