//! `leadvault config check`: the effective configuration, redacted, and clear refusals.

use std::os::unix::fs::PermissionsExt;

use leadvault_test_support::run_leadvault;

use crate::leadvault_bin;

async fn check(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> leadvault_test_support::Finished {
    let mut all = vec!["config", "check"];
    all.extend_from_slice(args);
    run_leadvault(leadvault_bin(), dir, &all, env, None).await
}

#[tokio::test]
async fn defaults_file_environment_and_flags_override_in_that_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("leadvault.toml"),
        "listen = \"127.0.0.1:1001\"\nlog_level = \"debug\"\nshutdown_grace_secs = 3\ndata_dir = \"/srv/from-file\"\n",
    )
    .unwrap();
    let out = check(dir.path(), &[], &[]).await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout.contains("listen = \"127.0.0.1:1001\""),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("data_dir = \"/srv/from-file\""));

    let env = [
        ("LEADVAULT_LISTEN", "127.0.0.1:1002"),
        ("LEADVAULT_DATA_DIR", "/srv/from-env"),
    ];
    let out = check(dir.path(), &[], &env).await;
    assert!(
        out.stdout.contains("listen = \"127.0.0.1:1002\""),
        "{}",
        out.stdout
    );

    let out = check(dir.path(), &["--listen", "127.0.0.1:1003"], &env).await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout.contains("listen = \"127.0.0.1:1003\""),
        "flags win: {}",
        out.stdout
    );
    assert!(
        out.stdout.contains("data_dir = \"/srv/from-env\""),
        "env beats file"
    );
    assert!(
        out.stdout.contains("log_level = \"debug\""),
        "file beats default"
    );
    assert!(out.stdout.contains("shutdown_grace_secs = 3"));
    assert!(out.stdout.contains("key_file = \"/srv/from-env/root.key\""));
    assert!(out.stdout.contains("# configuration OK"));

    // --config names another file, and the default file is then not read.
    std::fs::write(
        dir.path().join("other.toml"),
        "listen = \"127.0.0.1:2000\"\n",
    )
    .unwrap();
    let out = check(dir.path(), &["--config", "other.toml"], &[]).await;
    assert!(
        out.stdout.contains("listen = \"127.0.0.1:2000\"")
            && out.stdout.contains("log_level = \"info\""),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn trusted_proxies_come_from_the_environment_as_a_list() {
    let dir = tempfile::tempdir().unwrap();
    let out = check(
        dir.path(),
        &[],
        &[("LEADVAULT_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7")],
    )
    .await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout
            .contains("trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.7/32\"]"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn secrets_are_redacted_in_the_printed_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let out = check(
        dir.path(),
        &[],
        &[(
            "LEADVAULT_DATABASE_URL",
            "postgres://app:hunter2-db-pass@db.internal/lv",
        )],
    )
    .await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(!out.stdout.contains("hunter2-db-pass") && !out.stderr.contains("hunter2-db-pass"));
    assert!(
        out.stdout
            .contains("postgres://app:REDACTED@db.internal/lv"),
        "{}",
        out.stdout
    );
}

/// One invalid configuration and the words its error must contain.
struct Case {
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    file: Option<&'static str>,
    expected: &'static str,
}

#[tokio::test]
async fn invalid_configurations_exit_non_zero_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        Case {
            args: &[],
            env: &[],
            file: Some("listen = \"127.0.0.1:1\"\nlisten_prot = 2\n"),
            expected: "listen_prot",
        },
        Case {
            args: &[],
            env: &[],
            file: Some("listen = \n"),
            expected: "leadvault.toml",
        },
        Case {
            args: &[],
            env: &[("LEADVAULT_LISTN", "127.0.0.1:1")],
            file: None,
            expected: "unknown environment variable LEADVAULT_LISTN",
        },
        Case {
            args: &["--database-url", "http://example.com/db"],
            env: &[],
            file: None,
            expected: "database_url",
        },
        Case {
            args: &["--listen", "localhost"],
            env: &[],
            file: None,
            expected: "listen",
        },
        Case {
            args: &["--log-format", "xml"],
            env: &[],
            file: None,
            expected: "log_format",
        },
        Case {
            args: &[],
            env: &[("LEADVAULT_LOG_LEVEL", "loud")],
            file: None,
            expected: "log_level",
        },
        Case {
            args: &["--listen", "0.0.0.0:80"],
            env: &[],
            file: None,
            expected: "--behind-tls-proxy",
        },
        Case {
            args: &[],
            env: &[("LEADVAULT_TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.0/99")],
            file: None,
            expected: "trusted_proxies",
        },
        Case {
            args: &["--config", "missing.toml"],
            env: &[],
            file: None,
            expected: "missing.toml",
        },
    ];
    for Case {
        args,
        env,
        file,
        expected,
    } in cases
    {
        let _ = std::fs::remove_file(dir.path().join("leadvault.toml"));
        if let Some(text) = file {
            std::fs::write(dir.path().join("leadvault.toml"), text).unwrap();
        }
        let out = check(dir.path(), args, env).await;
        assert!(!out.status.success(), "{args:?} {env:?} passed");
        assert!(
            out.stderr.contains(expected),
            "{args:?}: expected {expected:?} in {}",
            out.stderr
        );
        assert!(!out.stderr.contains("panicked"));
    }
}

#[tokio::test]
async fn the_key_file_must_be_private_readable_and_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("root.key");
    let env = [("LEADVAULT_KEY_FILE", "root.key")];

    let out = check(dir.path(), &[], &env).await;
    assert!(
        out.status.success(),
        "a missing key file is created by serve: {}",
        out.stderr
    );
    assert!(out.stdout.contains("does not exist yet"));

    std::fs::write(&key, [7u8; 32]).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = check(dir.path(), &[], &env).await;
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("mode 0644") && out.stderr.contains("chmod 600"),
        "{}",
        out.stderr
    );

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(check(dir.path(), &[], &env).await.status.success());

    std::fs::write(&key, b"not a key").unwrap();
    let out = check(dir.path(), &[], &env).await;
    assert!(!out.status.success());
    assert!(out.stderr.contains("expected 32"), "{}", out.stderr);

    // Unreadable: a directory where the file should be.
    std::fs::remove_file(&key).unwrap();
    std::fs::create_dir(&key).unwrap();
    let out = check(dir.path(), &[], &env).await;
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("cannot read key file"),
        "{}",
        out.stderr
    );
}
