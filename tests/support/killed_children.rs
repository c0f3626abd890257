//! Crash tests: a drainer run as a child process (this test binary, one named
//! test of it), killed with SIGKILL once it is doing real work.

use std::future::Future;
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

/// The body of a child test: runs `drainer` with the spool directory and the
/// server URL the parent put in `dir_var` and `url_var`, on a runtime of its
/// own. Without them (a normal test run) it does nothing.
pub fn run_child<F: Future<Output = ()>>(
    dir_var: &str,
    url_var: &str,
    drainer: impl FnOnce(String, String) -> F,
) {
    let (Ok(dir), Ok(url)) = (std::env::var(dir_var), std::env::var(url_var)) else {
        return;
    };
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(drainer(dir, url));
}

/// SplitMix64, for reproducible kill points.
pub fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
