//! `leadvault serve` as an operator runs it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use leadvault_test_support::{
    LeadvaultProcess, TestDb, postgres_admin_url, postgres_available, run_leadvault,
};

use crate::leadvault_bin;

fn is_free(addr: &str) -> bool {
    std::net::TcpListener::bind(addr).is_ok()
}

#[tokio::test]
async fn serve_with_no_flags_creates_its_data_and_listens_on_8080() {
    let cwd = tempfile::tempdir().unwrap();
    if !is_free("127.0.0.1:8080") {
        assert!(
            std::env::var("CI").is_err(),
            "port 8080 is taken on the CI machine, so serve's default cannot be tested"
        );
        // Someone else holds the default port: then serve must say exactly that.
        let out = run_leadvault(leadvault_bin(), cwd.path(), &["serve"], &[], None).await;
        assert!(!out.status.success());
        assert!(
            out.stderr.contains("cannot listen on 127.0.0.1:8080"),
            "{}",
            out.stderr
        );
        return;
    }
    let mut serve = LeadvaultProcess::spawn(leadvault_bin(), cwd.path(), &["serve"], &[]);
    let addr = serve.listening().await;
    assert_eq!(addr.to_string(), "127.0.0.1:8080");
    let stdout = serve.stdout();
    assert!(
        stdout.contains("Leadvault is listening on http://127.0.0.1:8080"),
        "{stdout}"
    );
    let data_line = stdout.lines().find(|l| l.starts_with("Data:")).unwrap();
    assert!(
        data_line.contains("./data/leadvault.db") && data_line.contains("./data/root.key"),
        "{data_line}"
    );
    assert!(
        data_line.contains("evaluation only") && data_line.contains("HSM"),
        "{data_line}"
    );

    let data = cwd.path().join("data");
    assert_eq!(
        std::fs::metadata(&data).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let key = std::fs::metadata(data.join("root.key")).unwrap();
    assert_eq!(key.permissions().mode() & 0o777, 0o600);
    assert_eq!(key.len(), 32);
    assert!(
        data.join("leadvault.db-wal").exists(),
        "SQLite runs in WAL mode"
    );

    let client = leadvault_test_support::http_client();
    for probe in ["/healthz", "/readyz"] {
        let status = client
            .get(format!("http://{addr}{probe}"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "{probe}");
    }
    serve.stop().await;
    // Stopping closed the database: the WAL was checkpointed into the database file.
    let wal = data.join("leadvault.db-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "WAL left behind"
    );
}

#[tokio::test]
async fn first_start_prints_a_one_time_setup_link_that_founds_the_organization() {
    let cwd = tempfile::tempdir().unwrap();
    let (mut serve, addr) = LeadvaultProcess::serving(leadvault_bin(), cwd.path(), &[]).await;
    let link = serve.setup_link();
    assert!(
        link.starts_with(&format!("http://{addr}/setup?token=")),
        "{link}"
    );

    let client = leadvault_test_support::http_client();
    let page = client.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let cookie = page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    let field = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let start = html.find(&marker).unwrap() + marker.len();
        html[start..].split('"').next().unwrap().to_owned()
    };
    let response = client
        .post(format!("http://{addr}/setup"))
        .header("cookie", cookie)
        .form(&[
            ("csrf", field("csrf").as_str()),
            ("token", field("token").as_str()),
            ("org_name", "Spectrum Legal"),
            ("email", "owner@spectrum.example"),
            ("password", "a long and unguessable passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        client.get(&link).send().await.unwrap().status(),
        404,
        "the link works once"
    );
    serve.signal("INT");
    assert!(serve.wait().await.success(), "SIGINT stops it cleanly too");

    // With an owner in place, a restart prints no setup link.
    let (mut again, _) = LeadvaultProcess::serving(leadvault_bin(), cwd.path(), &[]).await;
    assert!(
        !again.stdout().contains("/setup?token="),
        "{}",
        again.stdout()
    );
    again.stop().await;
}

#[tokio::test]
async fn sigterm_stops_accepting_but_finishes_the_request_in_flight() {
    let cwd = tempfile::tempdir().unwrap();
    let (mut serve, addr) = LeadvaultProcess::serving(leadvault_bin(), cwd.path(), &[]).await;

    // A request whose body is still arriving when the signal comes.
    let body = "csrf=x&token=y&org_name=z&email=a%40b.co&password=aaaaaaaaaaaaaaaa";
    let mut slow = TcpStream::connect(addr).unwrap();
    write!(
        slow,
        "POST /setup HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .unwrap();
    slow.flush().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    serve.signal("TERM");

    // New connections are refused once shutdown has begun.
    let mut refused = false;
    for _ in 0..50 {
        if TcpStream::connect(addr).is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused, "still accepting connections after SIGTERM");

    // The request in flight still gets its answer.
    slow.write_all(&body.as_bytes()[10..]).unwrap();
    let mut response = String::new();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    slow.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 403"), "{response}");
    assert!(
        serve.wait().await.success(),
        "exit status 0 after a graceful stop"
    );
    assert!(
        serve.stderr().contains("shutting down"),
        "{}",
        serve.stderr()
    );
}

#[tokio::test]
async fn plain_http_on_a_public_address_is_refused_with_both_ways_forward() {
    let cwd = tempfile::tempdir().unwrap();
    let out = run_leadvault(
        leadvault_bin(),
        cwd.path(),
        &["serve", "--listen", "0.0.0.0:8080"],
        &[],
        None,
    )
    .await;
    assert!(!out.status.success());
    assert!(
        out.stderr
            .contains("refusing to serve plain HTTP on 0.0.0.0:8080"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("configure TLS") && out.stderr.contains("--behind-tls-proxy"),
        "{}",
        out.stderr
    );
    assert!(!cwd.path().join("data").exists(), "nothing was created");

    // The same address is accepted when a TLS proxy is declared in front.
    let mut serve = LeadvaultProcess::spawn(
        leadvault_bin(),
        cwd.path(),
        &["serve", "--listen", "0.0.0.0:0", "--behind-tls-proxy"],
        &[],
    );
    serve.listening().await;
    assert!(serve.stdout().contains("https://"), "{}", serve.stdout());
    serve.stop().await;
}

#[tokio::test]
async fn a_damaged_sqlite_file_is_named_in_one_line_without_a_panic() {
    let cwd = tempfile::tempdir().unwrap();
    let data = cwd.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(data.join("leadvault.db"), vec![0x5a; 8192]).unwrap();
    let out = run_leadvault(
        leadvault_bin(),
        cwd.path(),
        &["serve", "--listen", "127.0.0.1:0"],
        &[],
        None,
    )
    .await;
    assert!(!out.status.success());
    let error_lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(error_lines.len(), 1, "{}", out.stderr);
    assert!(
        error_lines[0].contains("leadvault.db is not a readable SQLite database"),
        "{}",
        out.stderr
    );
    assert!(error_lines[0].contains("restore it from a backup"));
    assert!(!out.stderr.contains("panicked") && !out.stderr.contains("RUST_BACKTRACE"));

    // A directory where the database file should be.
    std::fs::remove_file(data.join("leadvault.db")).unwrap();
    std::fs::create_dir(data.join("leadvault.db")).unwrap();
    let out = run_leadvault(leadvault_bin(), cwd.path(), &["migrate"], &[], None).await;
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("is a directory, not a file"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn an_unreachable_or_misnamed_database_is_a_clear_error() {
    let cwd = tempfile::tempdir().unwrap();
    // Nothing listens on port 1.
    let out = run_leadvault(
        leadvault_bin(),
        cwd.path(),
        &["serve", "--listen", "127.0.0.1:0"],
        &[(
            "LEADVAULT_DATABASE_URL",
            "postgres://lv:topsecret-pw@127.0.0.1:1/leadvault",
        )],
        None,
    )
    .await;
    assert!(!out.status.success());
    assert!(
        out.stderr
            .contains("cannot connect to PostgreSQL at 127.0.0.1:1"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("topsecret-pw"), "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"));

    let out = run_leadvault(
        leadvault_bin(),
        cwd.path(),
        &["serve", "--database-url", "mysql://root@localhost/db"],
        &[],
        None,
    )
    .await;
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("database_url") && out.stderr.contains("sqlite: or postgres://"),
        "{}",
        out.stderr
    );

    if postgres_available().await {
        let mut missing = url::Url::parse(&postgres_admin_url().await.unwrap()).unwrap();
        missing.set_path("lv_no_such_database");
        let out = run_leadvault(
            leadvault_bin(),
            cwd.path(),
            &["migrate", "--database-url", missing.as_str()],
            &[],
            None,
        )
        .await;
        assert!(!out.status.success());
        assert!(
            out.stderr.contains("the database does not exist"),
            "{}",
            out.stderr
        );
    }
}

#[tokio::test]
async fn migrate_applies_pending_migrations_then_reports_up_to_date() {
    let cwd = tempfile::tempdir().unwrap();
    let out = run_leadvault(leadvault_bin(), cwd.path(), &["migrate"], &[], None).await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!(
            "Applied {} migration(s)",
            leadvault_server::migrations().len()
        )) && out.stdout.contains("accounts/0001_accounts")
            && out.stdout.contains("keys/0001_keys"),
        "{}",
        out.stdout
    );
    let out = run_leadvault(leadvault_bin(), cwd.path(), &["migrate"], &[], None).await;
    assert!(out.status.success());
    assert!(out.stdout.contains("up to date"), "{}", out.stdout);
}

#[tokio::test]
async fn help_explains_the_commands_to_a_newcomer() {
    let cwd = tempfile::tempdir().unwrap();
    let out = run_leadvault(leadvault_bin(), cwd.path(), &["--help"], &[], None).await;
    assert!(out.status.success());
    for word in [
        "serve",
        "migrate",
        "config",
        "admin",
        "leadvault.toml",
        "LEADVAULT_",
    ] {
        assert!(
            out.stdout.contains(word),
            "--help lacks {word}:\n{}",
            out.stdout
        );
    }
    let out = run_leadvault(leadvault_bin(), cwd.path(), &["serve", "--help"], &[], None).await;
    assert!(out.stdout.contains("--behind-tls-proxy") && out.stdout.contains("--database-url"));
}

#[tokio::test]
async fn two_servers_share_one_postgres_database() {
    if !postgres_available().await {
        return;
    }
    let db = TestDb::new(leadvault_store::Engine::Postgres).await;
    let env = [("LEADVAULT_DATABASE_URL", db.raw_url())];
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // Both keep their root key in the same file, as servers sharing a database must.
    let key = dir_a.path().join("shared-root.key");
    let key_arg = key.to_str().unwrap().to_owned();
    let mut a = LeadvaultProcess::spawn(
        leadvault_bin(),
        dir_a.path(),
        &["serve", "--listen", "127.0.0.1:0"],
        &[env[0], ("LEADVAULT_KEY_FILE", "/nonexistent/not-yet")],
    );
    assert!(
        !a.wait().await.success(),
        "an explicit key file that does not exist is refused"
    );
    assert!(
        a.stderr().contains("only the default key file"),
        "{}",
        a.stderr()
    );

    leadvault_crypto::LocalKeyFile::new(&key).create().unwrap();
    let env = [env[0], ("LEADVAULT_KEY_FILE", key_arg.as_str())];
    let (a, addr_a) = LeadvaultProcess::serving(leadvault_bin(), dir_a.path(), &env).await;
    let (b, addr_b) = LeadvaultProcess::serving(leadvault_bin(), dir_b.path(), &env).await;
    assert!(
        a.stdout().contains("Data: PostgreSQL database"),
        "{}",
        a.stdout()
    );
    let client = leadvault_test_support::http_client();
    for addr in [addr_a, addr_b] {
        assert_eq!(
            client
                .get(format!("http://{addr}/readyz"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    // A setup link printed by one server is honoured by the other: the state is shared.
    let link_a = a.setup_link();
    let via_b = link_a.replace(&addr_a.to_string(), &addr_b.to_string());
    assert_eq!(client.get(&via_b).send().await.unwrap().status(), 200);
    for mut server in [a, b] {
        server.stop().await;
    }
    assert!(
        !dir_a.path().join("data").exists() && !dir_b.path().join("data").exists(),
        "nothing local was needed"
    );
}
