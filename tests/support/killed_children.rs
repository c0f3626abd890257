//! Crash tests: a drainer run as a child process (this test binary, one named
//! test of it), killed with SIGKILL once it is doing real work.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use offline_im::testkit::TestServer;

/// Starts `child_test` of this test binary with `envs` and returns once it has
/// printed "ready" (its spool and sender are open).
pub async fn spawn_ready(child_test: &str, envs: &[(&str, &str)]) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", child_test, "--nocapture", "--test-threads=1"])
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    tokio::task::spawn_blocking(move || {
        let mut lines = std::io::BufReader::new(stdout).lines();
        lines.find(|line| line.as_deref().is_ok_and(|l| l.contains("ready")));
    })
    .await
    .unwrap();
    child
}

/// Waits until `server` sees a new request (at most 20 s), then `alive` more,
/// and kills `child` with SIGKILL: every child dies in the middle of real work,
/// however loaded the machine.
pub async fn kill_while_working(mut child: Child, server: &TestServer, alive: Duration) {
    let before = server.requests().len();
    let waited = Instant::now();
    while server.requests().len() == before && waited.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    tokio::time::sleep(alive).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}
