//! Four drainer processes (the `bulk_send` example with `--drain-url`) share one
//! PostgreSQL spool while 5,000 messages go through the embedded EWS server,
//! which loses one reply in ten after committing the request. Drainers are
//! killed with SIGKILL at random moments, ten times in all, and replaced. In
//! the end every message arrived exactly once and the table is empty of all
//! but dead letters.
//!
//! Needs `OFFLINE_IM_PG_URL` (see `.ci/postgres`); skipped, saying so, without it.

#[path = "support/postgres.rs"]
mod postgres_server;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use offline_im::compose::{ImLine, OfflineIm, Participant};
use offline_im::plan::Folder;
use offline_im::spool::{Spool, SpoolEntry};
use offline_im::testkit::{Fault, TestServer};
use postgres_server::{drainer, fresh_schema, server_url};
use time::OffsetDateTime;

const MESSAGES: usize = 5000;
const DRAINERS: usize = 4;
const KILLS: usize = 10;
/// Several times longer than one pass of 200 messages takes on a loaded 2-core
/// machine (up to 15 s seen at load 9), lost replies and look-ups included: a
/// lease that runs out while its holder still sends lets another drainer send
/// the same messages (with 10 s, one run delivered a pass twice).
const LEASE_SECS: &str = "40";

/// Builds the bulk_send example with this test's profile and target directory
/// (a no-op when it is up to date) and returns its path.
fn bulk_send() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap().to_owned();
    let profile = match dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev".to_owned(),
        Some(other) => other.to_owned(),
        None => panic!("no profile in {}", dir.display()),
    };
    // The features this test was built with, so the library is not rebuilt.
    let features: Vec<&str> = [
        ("http", cfg!(feature = "http")),
        ("native-tls", cfg!(feature = "native-tls")),
        ("ntlm", cfg!(feature = "ntlm")),
        ("testkit", cfg!(feature = "testkit")),
        ("postgres", cfg!(feature = "postgres")),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(name, _)| *name)
    .collect();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--example", "bulk_send"])
        .args(["--profile", &profile, "--no-default-features"])
        .args(["--features", &features.join(",")])
        .arg("--target-dir")
        .arg(dir.parent().unwrap())
        .arg("--manifest-path")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .status()
        .unwrap();
    assert!(status.success(), "building bulk_send failed");
    dir.join("examples").join("bulk_send")
}

fn person(user: &str) -> Participant {
    Participant::new(
        format!("sip:{user}@contoso.com").parse().unwrap(),
        format!("{user}@contoso.com").parse().unwrap(),
        user,
    )
}

/// The drainer processes; killed when the test ends, whatever happened.
struct Drainers(Vec<Child>);

impl Drop for Drainers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The last lines each drainer printed.
fn tails(dir: &Path) -> String {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let mut out = String::from("drainer output:\n");
    for name in names {
        let text = std::fs::read_to_string(&name).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(3)..].join("\n  ");
        out += &format!("{}:\n  {tail}\n", name.display());
    }
    out
}

/// A small xorshift generator: the seed is printed, so a failing run can be replayed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_drainers_killed_ten_times_deliver_every_message_exactly_once() {
    let Some(url) = server_url("four_drainers_killed_ten_times") else {
        return;
    };
    let url = fresh_schema(&url).await;
    let binary = bulk_send();
    let logs = tempfile::tempdir().unwrap();

    let server = TestServer::builder()
        .hosted_domain("contoso.com")
        .start()
        .await
        .unwrap();
    // Reply-losing faults: the request is applied, the connection closed.
    server.faults().request_mix(0.1, &[Fault::CloseAfterCommit]);

    let kim = person("kim");
    let now = OffsetDateTime::now_utc();
    let messages: Vec<OfflineIm> = (0..MESSAGES)
        .map(|i| {
            OfflineIm::builder()
                .sender(kim.clone())
                .recipient(person(&format!("user{i}")))
                .line(ImLine::new(kim.sip().clone(), now, format!("message {i}")))
                .build()
                .unwrap()
        })
        .collect();
    let spool = drainer(&url, "test", Duration::from_secs(40)).await;
    for chunk in messages.chunks(1000) {
        let entries = chunk
            .iter()
            .map(|im| SpoolEntry::new(im.clone(), now).pickup_delay(Duration::ZERO))
            .collect();
        for result in spool.put_batch(entries).await.unwrap() {
            result.unwrap();
        }
    }

    let mut started = 0;
    let mut spawn = || {
        started += 1;
        let log = |kind: &str| {
            std::fs::File::create(logs.path().join(format!("{started}.{kind}"))).unwrap()
        };
        Command::new(&binary)
            .args(["--drain-url", &url, "--url", &server.url(), "--allow-http"])
            .args(["--pickup-delay", "0", "--batch", "50", "--concurrency", "4"])
            // The server injects faults: retry on its time scale.
            .args(["--faults", "1"])
            .args(["--lease", LEASE_SECS])
            .env_remove("EWS_URL")
            .stdin(Stdio::null())
            .stdout(log("out"))
            .stderr(log("err"))
            .spawn()
            .unwrap()
    };
    let mut drainers = Drainers((0..DRAINERS).map(|_| spawn()).collect());

    let seed = OffsetDateTime::now_utc().unix_timestamp_nanos() as u64 | 1;
    println!("kill schedule seed {seed}");
    let mut random = Random(seed);
    let clock = Instant::now();
    let mut kill_at: Vec<u64> = (0..KILLS).map(|_| 500 + random.below(10_000)).collect();
    kill_at.sort_unstable();
    for at in kill_at {
        let wait = Duration::from_millis(at).saturating_sub(clock.elapsed());
        tokio::time::sleep(wait).await;
        let victim = random.below(DRAINERS as u64) as usize;
        // SIGKILL: no chance to record anything.
        let _ = drainers.0[victim].kill();
        let _ = drainers.0[victim].wait();
        drainers.0[victim] = spawn();
    }

    // About a minute on a quiet 2-core machine; generous for a loaded one.
    let deadline = Instant::now() + Duration::from_secs(240);
    for drainer in &mut drainers.0 {
        loop {
            if let Some(status) = drainer.try_wait().unwrap() {
                assert!(
                    status.success(),
                    "a drainer failed: {status}; {}",
                    tails(logs.path())
                );
                break;
            }
            assert!(
                Instant::now() < deadline,
                "drainers still running after 240 s; {}",
                tails(logs.path())
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    println!(
        "delivered in {:.1} s; {}",
        clock.elapsed().as_secs_f64(),
        tails(logs.path())
    );
    server.idle().await;

    // Every message arrived exactly once.
    let mut copies: HashMap<usize, usize> = HashMap::new();
    for (i, im) in messages.iter().enumerate() {
        let id = im.delivery_id().to_string();
        let n = server
            .folder(im.recipient().smtp(), Folder::Inbox)
            .iter()
            .filter(|item| item.extended_property_by_name("OfflineImDeliveryId") == Some(&id))
            .count();
        if n != 1 {
            copies.insert(i, n);
        }
    }
    assert!(
        copies.is_empty(),
        "messages not arrived exactly once (index: copies): {copies:?}"
    );
    assert!(
        server.folder(kim.smtp(), Folder::Drafts).is_empty(),
        "no drafts left"
    );
    assert!(
        server.injected_faults().len() >= 10,
        "replies were lost ({} faults)",
        server.injected_faults().len()
    );
    // Only dead letters are left (none here: every fault was transient).
    let (unfinished, _) = spool.unfinished().await.unwrap();
    assert_eq!(unfinished, 0, "messages left waiting or claimed");
    assert!(spool.dead_letters().await.unwrap().is_empty());
}
