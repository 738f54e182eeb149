//! Running the real `leadvault` binary, as an operator would, with a clean environment.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

const WAIT: Duration = Duration::from_secs(30);

fn command(bin: &Path, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(bin);
    // Nothing from the developer's own LEADVAULT_* settings may leak into a test.
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .current_dir(cwd)
        .args(args)
        .kill_on_drop(true);
    cmd
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a command to completion, feeding `stdin` if given.
pub async fn run_leadvault(
    bin: &Path,
    cwd: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> Finished {
    let mut cmd = command(bin, cwd, args, env);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn leadvault");
    if let Some(mut pipe) = child.stdin.take() {
        if let Some(input) = stdin {
            // A command that refuses its arguments exits without reading its input; the
            // pipe is then closed, and that is the command's answer, not the test's failure.
            match pipe.write_all(input.as_bytes()).await {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                other => other.expect("write stdin"),
            }
        }
        drop(pipe);
    }
    let output = tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .expect("leadvault finished in time")
        .expect("leadvault output");
    Finished {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A long-running `leadvault` (usually `serve`) whose output is collected as it comes.
#[derive(Debug)]
pub struct LeadvaultProcess {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

fn collect(stream: impl AsyncRead + Unpin + Send + 'static, into: Arc<Mutex<String>>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut text = into.lock().expect("output lock");
            text.push_str(&line);
            text.push('\n');
        }
    });
}

impl LeadvaultProcess {
    pub fn spawn(bin: &Path, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut cmd = command(bin, cwd, args, env);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn leadvault");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        collect(child.stdout.take().expect("stdout"), stdout.clone());
        collect(child.stderr.take().expect("stderr"), stderr.clone());
        Self {
            child,
            stdout,
            stderr,
        }
    }

    /// `leadvault serve` on a random loopback port, once it is listening; with the address.
    pub async fn serving(bin: &Path, cwd: &Path, env: &[(&str, &str)]) -> (Self, SocketAddr) {
        let mut process = Self::spawn(bin, cwd, &["serve", "--listen", "127.0.0.1:0"], env);
        let addr = process.listening().await;
        (process, addr)
    }

    pub fn stdout(&self) -> String {
        self.stdout.lock().expect("output lock").clone()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("output lock").clone()
    }

    /// Waits until standard output contains `needle`; false if the process ended or time ran out.
    pub async fn wait_for_stdout(&mut self, needle: &str) -> bool {
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::time::Instant::now() < deadline {
            if self.stdout().contains(needle) {
                return true;
            }
            if let Ok(Some(_)) = self.child.try_wait() {
                tokio::time::sleep(Duration::from_millis(100)).await;
                return self.stdout().contains(needle);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// The address `serve` says it listens on, once it says so.
    pub async fn listening(&mut self) -> SocketAddr {
        assert!(
            self.wait_for_stdout("is listening on").await,
            "serve did not start.\nstdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        let out = self.stdout();
        let line = out
            .lines()
            .find(|l| l.contains("is listening on"))
            .expect("listening line");
        let inner = line
            .rsplit_once('(')
            .and_then(|(_, rest)| rest.split_once(')'))
            .map(|(addr, _)| addr)
            .expect("address in parentheses");
        inner.parse().expect("socket address")
    }

    /// The one-time setup link `serve` printed on first start.
    pub fn setup_link(&self) -> String {
        let out = self.stdout();
        out.split_whitespace()
            .find(|w| w.contains("/setup?token="))
            .unwrap_or_else(|| panic!("no setup link in:\n{out}"))
            .to_owned()
    }

    /// Stops the server with SIGTERM and asserts that it exits cleanly (status 0).
    pub async fn stop(&mut self) {
        self.signal("TERM");
        let status = self.wait().await;
        assert!(
            status.success(),
            "unclean exit {status}:\n{}",
            self.stderr()
        );
    }

    /// Sends a signal by name (`TERM`, `INT`).
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().expect("process still running");
        let status = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(pid.to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} {pid} failed");
    }

    /// Waits for the process to exit on its own.
    pub async fn wait(&mut self) -> ExitStatus {
        let status = tokio::time::timeout(WAIT, self.child.wait())
            .await
            .expect("leadvault exited in time")
            .expect("wait for leadvault");
        // Let the output collectors drain the pipes.
        tokio::time::sleep(Duration::from_millis(100)).await;
        status
    }
}
