use leadvault_store::{DatabaseUrl, Db, DbOptions, Engine};
use sqlx::{Connection as _, Executor as _};
use tempfile::TempDir;
use url::Url;

use crate::postgres::{admin_url, app_role};

/// A fresh, empty database for one test; removed when dropped.
#[derive(Debug)]
pub struct TestDb {
    /// As the application connects: on PostgreSQL an ordinary role, bound by row security.
    url: DatabaseUrl,
    raw_url: String,
    /// For a test's own look at the tables: on PostgreSQL the same role with every
    /// organization in scope for the whole session (see `store::TenantScope`).
    inspect_url: DatabaseUrl,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Sqlite(#[allow(dead_code)] TempDir),
    Postgres { admin: String, name: String },
}

impl TestDb {
    /// Creates the database. Panics if PostgreSQL is asked for and unavailable: call
    /// [`crate::postgres_available`] first (the engine macro does).
    pub async fn new(engine: Engine) -> Self {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let path = dir.path().join("test.db");
                let url = DatabaseUrl::sqlite_file(&path);
                Self {
                    raw_url: format!("sqlite://{}?mode=rwc", path.display()),
                    inspect_url: url.clone(),
                    url,
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
            Engine::Postgres => {
                let admin = admin_url().await.expect("PostgreSQL available");
                let role = app_role()
                    .await
                    .expect("an ordinary role for the application");
                let name = format!("lvtest_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::AnyConnection::connect(&admin)
                    .await
                    .expect("admin connection");
                let owner = role
                    .as_deref()
                    .map(|r| format!(" OWNER {r}"))
                    .unwrap_or_default();
                conn.execute(sqlx::AssertSqlSafe(format!(
                    "CREATE DATABASE {name}{owner}"
                )))
                .await
                .expect("create test database");
                let _ = conn.close().await;
                let mut url = Url::parse(&admin).expect("admin URL");
                url.set_path(&name);
                if let Some(role) = &role {
                    // Loopback connections are trusted on the test servers; no password.
                    url.set_username(role).expect("role in URL");
                    url.set_password(None).expect("no password");
                }
                let raw_url = url.to_string();
                url.query_pairs_mut()
                    .append_pair("options", "-c leadvault.org_id=*");
                Self {
                    url: DatabaseUrl::parse(&raw_url).expect("test database URL"),
                    inspect_url: DatabaseUrl::parse(url.as_str()).expect("inspection URL"),
                    raw_url,
                    cleanup: Cleanup::Postgres { admin, name },
                }
            }
        }
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// The URL as text, credentials included, for handing to a child process.
    pub fn raw_url(&self) -> &str {
        &self.raw_url
    }

    /// The URL for a test's own queries (every organization in scope).
    pub fn inspect_url(&self) -> &DatabaseUrl {
        &self.inspect_url
    }

    pub async fn connect(&self) -> Db {
        Db::connect(&self.url, &DbOptions::default())
            .await
            .expect("connect to test database")
    }

    /// The SQLite file's directory, to search for planted values after a test.
    pub fn sqlite_dir(&self) -> Option<&std::path::Path> {
        match &self.cleanup {
            Cleanup::Sqlite(dir) => Some(dir.path()),
            Cleanup::Postgres { .. } => None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin, name } = &self.cleanup {
            let (admin, name) = (admin.clone(), name.clone());
            // Drop runs inside the test's runtime, which cannot be blocked on; a short-lived
            // thread with its own runtime removes the database.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = conn.execute(sqlx::AssertSqlSafe(sql)).await;
                        let _ = conn.close().await;
                    }
                });
            })
            .join();
        }
    }
}
