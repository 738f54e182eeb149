//! A throwaway PostgreSQL cluster for machines that have PostgreSQL's programs but no
//! running server: `initdb` into a temporary directory, `postgres` on a random loopback
//! port. A watchdog shell stops the server and deletes the directory once the test process
//! has exited, since a test binary never runs destructors for statics.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use sqlx::Connection as _;

/// Starts a cluster and returns its admin URL.
pub(crate) async fn start() -> Result<String, String> {
    let bin = find_bin_dir().ok_or("no PostgreSQL programs (initdb) found")?;
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let dir = tempfile::Builder::new()
        .prefix("leadvault-pg-")
        .tempdir()
        .map_err(|e| format!("temporary directory: {e}"))?
        .keep();
    // initdb refuses to run as root; the distribution's postgres account runs it instead.
    let prefix: Vec<&str> = if root_user {
        let owned = Command::new("chown")
            .args(["-R", "postgres"])
            .arg(&dir)
            .status();
        if !owned.is_ok_and(|s| s.success()) {
            return Err("running as root and there is no postgres account to run initdb".into());
        }
        vec!["runuser", "-u", "postgres", "--"]
    } else {
        vec![]
    };
    let data = dir.join("data");
    let initdb = run(
        &prefix,
        &bin.join("initdb"),
        &[
            "-D",
            &data.to_string_lossy(),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
    )?;
    if !initdb {
        return Err("initdb failed".into());
    }
    let port = free_port()?;
    let script = format!(
        "{postgres} -D {data} -p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off >{dir}/log 2>&1 & pg=$!; \
         while [ -d /proc/{parent} ]; do sleep 1; done; kill -INT $pg; wait $pg; rm -rf {dir}",
        postgres = bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
        parent = std::process::id(),
    );
    let mut watchdog = Command::new(prefix.first().copied().unwrap_or("sh"));
    watchdog.args(prefix.iter().skip(1));
    if root_user {
        watchdog.arg("sh");
    }
    watchdog
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start postgres: {e}"))?;

    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    for _ in 0..150 {
        if let Ok(conn) = sqlx::AnyConnection::connect(&url).await {
            let _ = conn.close().await;
            return Ok(url);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!(
        "the throwaway cluster in {} did not start",
        dir.display()
    ))
}

fn run(prefix: &[&str], program: &Path, args: &[&str]) -> Result<bool, String> {
    let mut cmd = match prefix.split_first() {
        Some((first, rest)) => {
            let mut cmd = Command::new(first);
            cmd.args(rest).arg(program);
            cmd
        }
        None => Command::new(program),
    };
    cmd.args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .map_err(|e| format!("cannot run {}: {e}", program.display()))
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// `initdb` on the PATH, else the newest Debian-style `/usr/lib/postgresql/N/bin`.
fn find_bin_dir() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH")
        && let Some(dir) = std::env::split_paths(&path).find(|d| d.join("initdb").is_file())
    {
        return Some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}
