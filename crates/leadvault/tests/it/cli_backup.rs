//! `leadvault backup …` run as an operator runs it (issue 23): a key pair made, a backup
//! created, listed and verified with the private key (and refused with another), restored
//! into an empty data directory on which the binary then runs; never over existing data.

use std::path::{Path, PathBuf};

use leadvault_test_support::{Finished, LeadvaultProcess, run_leadvault};

use crate::leadvault_bin;

async fn run(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Finished {
    run_leadvault(leadvault_bin(), dir, args, env, None).await
}

/// `backup keygen --out dir/file`: the private key written there and never printed; returns
/// its path and the public key printed.
async fn keygen(dir: &Path, file: &str) -> (PathBuf, String) {
    let key = dir.join(file);
    let made = run(
        dir,
        &["backup", "keygen", "--out", key.to_str().unwrap()],
        &[],
    )
    .await;
    assert!(made.status.success(), "{}", made.stderr);
    let public = made.stdout.trim().to_owned();
    assert!(public.starts_with("age1"), "{public}");
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .contains("AGE-SECRET-KEY-1")
    );
    assert!(
        !made.stdout.contains("AGE-SECRET-KEY"),
        "the private key was printed"
    );
    (key, public)
}

/// Backups to `backups`, encrypted to `public`, as the environment configures them.
fn backup_env<'a>(backups: &'a Path, public: &'a str) -> [(&'static str, &'a str); 2] {
    [
        ("LEADVAULT_BACKUP_DESTINATION", backups.to_str().unwrap()),
        ("LEADVAULT_BACKUP_RECIPIENTS", public),
    ]
}

#[tokio::test]
async fn an_operator_backs_up_verifies_and_restores_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "backup-key.txt").await;
    crate::found_lima_law(dir.path()).await;

    let backups = dir.path().join("backups");
    let env = backup_env(&backups, &public);
    let created = run(dir.path(), &["backup", "create"], &env).await;
    assert!(created.status.success(), "{}", created.stderr);
    assert!(
        created.stdout.contains("Backed up leadvault-"),
        "{}",
        created.stdout
    );
    assert!(
        created.stdout.contains("Verified by restoring it"),
        "{}",
        created.stdout
    );

    let listed = run(dir.path(), &["backup", "list"], &env).await;
    assert!(listed.status.success(), "{}", listed.stderr);
    assert!(listed.stdout.contains("1 backups at"), "{}", listed.stdout);

    let key_arg = key.to_str().unwrap();
    let verified = run(
        dir.path(),
        &["backup", "verify", "latest", "--identity", key_arg],
        &env,
    )
    .await;
    assert!(verified.status.success(), "{}", verified.stderr);
    assert!(verified.stdout.contains("verifies"), "{}", verified.stdout);

    // Another key opens nothing, and says so.
    let (other, _) = keygen(dir.path(), "other-key.txt").await;
    let refused = run(
        dir.path(),
        &[
            "backup",
            "verify",
            "latest",
            "--identity",
            other.to_str().unwrap(),
        ],
        &env,
    )
    .await;
    assert!(!refused.status.success());
    assert!(
        refused
            .stderr
            .contains("not encrypted to any of the keys given"),
        "{}",
        refused.stderr
    );

    // Restore into an empty data directory, then the binary runs on it.
    let elsewhere = tempfile::tempdir().unwrap();
    let data = elsewhere.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // The root key is never in a backup: it comes along by the operator's hand.
    let root_key = dir.path().join("data/root.key");
    if root_key.exists() {
        std::fs::copy(&root_key, data.join("root.key")).unwrap();
    }
    let restore_env = [
        env[0],
        env[1],
        ("LEADVAULT_DATA_DIR", data.to_str().unwrap()),
    ];
    let restored = run(
        elsewhere.path(),
        &["backup", "restore", "latest", "--identity", key_arg],
        &restore_env,
    )
    .await;
    assert!(restored.status.success(), "{}", restored.stderr);
    assert!(
        restored.stdout.contains("Restored leadvault-"),
        "{}",
        restored.stdout
    );
    let audit = run(elsewhere.path(), &["audit", "verify"], &restore_env).await;
    assert!(audit.status.success(), "{}{}", audit.stdout, audit.stderr);
    // `serve` on it, with the daily backup going to the same place.
    let (mut serve, _) =
        LeadvaultProcess::serving(leadvault_bin(), elsewhere.path(), &restore_env).await;
    assert!(
        !serve.stdout().contains("setup?token="),
        "the owner came back: {}",
        serve.stdout()
    );
    assert!(
        serve.stdout().contains("every day at 02:30 UTC"),
        "{}",
        serve.stdout()
    );
    serve.stop().await;

    // Never over what is there.
    let again = run(
        elsewhere.path(),
        &["backup", "restore", "latest", "--identity", key_arg],
        &restore_env,
    )
    .await;
    assert!(!again.status.success());
    assert!(again.stderr.contains("not empty"), "{}", again.stderr);
}

#[tokio::test]
async fn migrating_an_installation_with_data_backs_it_up_first() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = keygen(dir.path(), "backup-key.txt").await;
    crate::found_lima_law(dir.path()).await;
    // As the version before backups left it: without the record of runs and its migration.
    let path = dir.path().join("data/leadvault.db");
    let db = leadvault_store::Db::connect(
        &leadvault_store::DatabaseUrl::sqlite_file(&path),
        &leadvault_store::DbOptions::default(),
    )
    .await
    .unwrap();
    sqlx::raw_sql(
        "DROP TABLE backup_runs; DELETE FROM lv_schema_migrations WHERE id = 'backup/0001_backup_runs'",
    )
    .execute(db.pool())
    .await
    .unwrap();
    db.close().await;

    let backups = dir.path().join("backups");
    let env = backup_env(&backups, &public);
    let migrated = run(dir.path(), &["migrate"], &env).await;
    assert!(migrated.status.success(), "{}", migrated.stderr);
    assert!(
        migrated.stdout.contains("backup/0001_backup_runs"),
        "{}",
        migrated.stdout
    );
    assert!(
        migrated.stderr.contains("backed up before migrating"),
        "{}",
        migrated.stderr
    );
    // The backup is of the schema as it was, and restores with this version.
    let listed = run(dir.path(), &["backup", "list"], &env).await;
    assert!(listed.stdout.contains("1 backups at"), "{}", listed.stdout);
    let verified = run(
        dir.path(),
        &[
            "backup",
            "verify",
            "latest",
            "--identity",
            key.to_str().unwrap(),
        ],
        &env,
    )
    .await;
    assert!(verified.status.success(), "{}", verified.stderr);
}
