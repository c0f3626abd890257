//! Sends N generated offline IMs through the pipeline and prints one summary line.
//!
//! ```sh
//! cargo run --release --example bulk_send -- --count 10000 --batch 100 --concurrency 8
//! ```
//!
//! Without `--url` the messages go to the embedded EWS server. Flags (environment
//! variables in brackets):
//!
//! | flag | meaning | default |
//! |---|---|---|
//! | `--url URL` [`EWS_URL`] | EWS endpoint | the embedded server |
//! | `--user U` / `--password P` [`EWS_USERNAME`/`EWS_PASSWORD`] | Basic credentials | |
//! | `--token T` [`EWS_TOKEN`] | bearer token instead | |
//! | `--from ADDR` | sender (impersonated) | `kim@contoso.com` |
//! | `--to-domain D` | recipients are `user<i>@D` | the sender's domain |
//! | `--count N` | messages | 1000 |
//! | `--batch N` | messages per `CreateItem` | 100 |
//! | `--concurrency N` | requests in flight | 8 |
//! | `--timeout S` | seconds per request | 30 |
//! | `--allow-http` | permit `http://` endpoints | off |
//! | `--settings FILE` | organization and policies (TOML/JSON or a `Get-Cs*.json` directory) | the sender's domain, federating with `--to-domain` |
//! | `--latency-ms N` | simulated reply latency of the embedded server | 0 |
//! | `--faults SEED` | the embedded server injects a seeded mix of every transient fault it has (below) | none |
//! | `--spool DIR` | spool the messages in the History Spooler at `DIR` instead of sending | |
//! | `--drain DIR` | deliver what is spooled at `DIR` (no messages are generated) | |
//! | `--pickup-delay S` | seconds from spooling to pickup | 120, as in SfB |
//!
//! With `--drain`, passes run until nothing is left waiting, sleeping until the next
//! message is due. `--pickup-delay` there drains as though messages had been spooled
//! with that delay instead of the default 120 s (the drainer's clock runs
//! `120 - S` seconds ahead), so `--drain DIR --pickup-delay 0` delivers at once.
//!
//! With `--faults SEED`, one request in five meets a fault (busy faults, busy
//! hidden in `ErrorInternalServerError`, an internal error without inner code,
//! 503 with `Retry-After`, connections closed before or after the commit, slow
//! and malformed replies, a batch that commits slowly after the client gave up,
//! drafts created but never submitted) and one item in fifty a per-item busy or
//! internal error; the server submits every sent message 20–200 ms after its
//! reply, as Exchange does. The sender's retry policy is scaled to that server
//! (execution limit 2 s, draft grace 1 s, looks every 100 ms). After the run the
//! example counts what arrived and adds `arrived_once=N arrived_twice=N
//! missing=N drafts_left=N` to the last line.
//!
//! The last line is `delivered=N denied=N failed=N duplicates_avoided=N secs=S
//! msgs_per_s=R`; the exit status is non-zero when any message is not delivered
//! or denied (failed, deferred, or missing from the reports), or, on the embedded
//! server, when one did not arrive exactly once or a draft was left.

use std::error::Error;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use offline_im::compose::{ImLine, OfflineIm, Participant};
use offline_im::plan::Folder;
use offline_im::send::{DeliveryReport, RetryPolicy, Sender, Summary};
use offline_im::settings::Settings;
use offline_im::spool::{DEFAULT_PICKUP_DELAY, DirectorySpool, RetrySchedule};
use offline_im::testkit::{Fault, ItemFault, TestServer};
use offline_im::transport::HttpTransport;
use time::OffsetDateTime;

struct Args(Vec<String>);

impl Args {
    fn value(&self, flag: &str, env: Option<&str>) -> Option<String> {
        self.0
            .iter()
            .position(|a| a == flag)
            .and_then(|i| self.0.get(i + 1).cloned())
            .or_else(|| env.and_then(|e| std::env::var(e).ok()))
            .filter(|v| !v.is_empty())
    }

    fn number(&self, flag: &str, default: u64) -> Result<u64, Box<dyn Error>> {
        match self.value(flag, None) {
            Some(v) => v
                .parse()
                .map_err(|_| format!("{flag} {v:?}: expected a whole number").into()),
            None => Ok(default),
        }
    }

    fn has(&self, flag: &str) -> bool {
        self.0.iter().any(|a| a == flag)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("bulk_send: {error}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<bool, Box<dyn Error>> {
    let args = Args(std::env::args().skip(1).collect());
    let from = args
        .value("--from", None)
        .unwrap_or_else(|| "kim@contoso.com".into());
    let from_domain = from.rsplit('@').next().unwrap_or_default().to_owned();
    let to_domain = args
        .value("--to-domain", None)
        .unwrap_or_else(|| from_domain.clone());
    let count = args.number("--count", 1000)? as usize;
    let batch = args.number("--batch", 100)? as usize;
    let concurrency = args.number("--concurrency", 8)? as usize;
    let timeout = Duration::from_secs(args.number("--timeout", 30)?);

    let settings = match args.value("--settings", None) {
        Some(path) if std::path::Path::new(&path).is_dir() => Settings::from_powershell_dir(&path)?,
        Some(path) => Settings::from_path(&path)?,
        None => Settings::from_toml_str(&format!(
            "[organization]\nsip_domains = [{from_domain:?}]\nallow_federated_users = true\n{}\
             [[policies.external_access_policies]]\nscope = \"Global\"\nenable_federation_access = true\n",
            if to_domain == from_domain {
                String::new()
            } else {
                format!("allowed_domains = [{{ domain = {to_domain:?} }}]\n")
            }
        ))?,
    };

    // The embedded server when no endpoint is given.
    let mut server = None;
    let url = match args.value("--url", Some("EWS_URL")) {
        Some(url) => url,
        // Spooling sends nothing: the URL is only a placeholder then.
        None if args.value("--spool", None).is_some() => {
            "http://127.0.0.1:9/EWS/Exchange.asmx".to_owned()
        }
        None => {
            let latency = Duration::from_millis(args.number("--latency-ms", 0)?);
            let mut builder = TestServer::builder()
                .hosted_domain(&from_domain)
                .latency(latency);
            if args.value("--faults", None).is_some() {
                builder = builder.seed(args.number("--faults", 0)?);
            }
            let started = builder.start().await?;
            if args.value("--faults", None).is_some() {
                inject_every_transient_fault(&started);
            }
            let url = started.url();
            eprintln!("no --url: sending to the embedded EWS server at {url}");
            server = Some(started);
            url
        }
    };
    let mut transport = HttpTransport::builder(url.parse()?)
        .timeout(timeout)
        .allow_http(args.has("--allow-http") || args.value("--url", Some("EWS_URL")).is_none())
        .pool_max_idle_per_host(concurrency.max(1));
    if let Some(token) = args.value("--token", Some("EWS_TOKEN")) {
        transport = transport.bearer(token);
    } else if let Some(user) = args.value("--user", Some("EWS_USERNAME")) {
        transport = transport.basic(
            user,
            args.value("--password", Some("EWS_PASSWORD"))
                .unwrap_or_default(),
        );
    }
    let mut sender = Sender::from_settings(transport.build()?, settings)
        .batch_size(batch)
        .concurrency(concurrency);
    if server.is_some() && args.value("--faults", None).is_some() {
        // Scaled to the embedded server: it finishes a request (slow commits
        // included) within 2 s, where Exchange may take a minute.
        sender = sender.retry(
            RetryPolicy::new()
                .base(Duration::from_millis(10))
                .cap(Duration::from_millis(500))
                .check_delay(Duration::from_millis(100))
                .execution_limit(Duration::from_secs(2))
                .draft_grace(Duration::from_secs(1)),
        );
    }
    let sender = sender.build()?;

    let pickup = match args.value("--pickup-delay", None) {
        Some(_) => Duration::from_secs(args.number("--pickup-delay", 120)?),
        None => DEFAULT_PICKUP_DELAY,
    };
    if let Some(dir) = args.value("--drain", None) {
        let started = Instant::now();
        let reports = drain(&sender, &dir, pickup).await?;
        return Ok(summarize(&reports, reports.len(), started));
    }

    let author = Participant::new(format!("sip:{from}").parse()?, from.parse()?, "Bulk sender");
    let messages = (0..count)
        .map(|i| {
            let to = format!("user{i}@{to_domain}");
            Ok(OfflineIm::builder()
                .sender(author.clone())
                .recipient(Participant::new(
                    format!("sip:{to}").parse()?,
                    to.parse()?,
                    format!("User {i}"),
                ))
                .line(ImLine::new(
                    author.sip().clone(),
                    OffsetDateTime::now_utc(),
                    format!("Generated message {i}"),
                ))
                .build()?)
        })
        .collect::<Result<Vec<_>, Box<dyn Error>>>()?;

    if let Some(dir) = args.value("--spool", None) {
        let spool = DirectorySpool::open(&dir)?;
        let results = sender
            .spool_all(&spool, messages, OffsetDateTime::now_utc(), pickup)
            .await;
        let failed = results.iter().filter(|r| r.is_err()).count();
        if let Some(Err(error)) = results.iter().find(|r| r.is_err()) {
            eprintln!("bulk_send: {error}");
        }
        println!(
            "spooled={} failed={failed} dir={dir}",
            results.len() - failed
        );
        return Ok(failed == 0);
    }

    let progress = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut reports = Vec::with_capacity(count);
    let mut stream = std::pin::pin!(sender.send_stream(futures_util::stream::iter(messages)));
    while let Some(report) = stream.next().await {
        reports.push(report);
        if progress && (reports.len() % 100 == 0 || reports.len() == count) {
            let done = reports.len() * 40 / count.max(1);
            eprint!(
                "\r[{}{}] {}/{count}",
                "#".repeat(done),
                " ".repeat(40 - done),
                reports.len()
            );
            let _ = std::io::stderr().flush();
        }
    }
    if progress {
        eprintln!();
    }
    let mut ok = summarize(&reports, count, started);
    if let Some(server) = server {
        ok &= count_arrivals(&server, &from, &reports).await?;
    }
    Ok(ok)
}

/// Every fault the embedded server can inject that a sender should get through.
fn inject_every_transient_fault(server: &TestServer) {
    let busy = Duration::from_millis(5);
    server
        .faults()
        .request_mix(
            0.2,
            &[
                Fault::ServerBusyFault { back_off: busy },
                Fault::InternalServerError {
                    inner_busy: Some(busy),
                },
                Fault::InternalServerError { inner_busy: None },
                Fault::ServiceUnavailable {
                    retry_after_secs: 0,
                },
                Fault::CloseBeforeCommit,
                Fault::CloseAfterCommit,
                Fault::Delay(Duration::from_millis(20)),
                Fault::MalformedReply,
                Fault::SlowCommit {
                    over: Duration::from_millis(800),
                },
                Fault::CommitWithoutSubmit,
            ],
        )
        .item_mix(
            0.02,
            &[
                ItemFault::ServerBusy { back_off: busy },
                ItemFault::InternalServerError {
                    inner_busy: Some(busy),
                },
                ItemFault::InternalServerError { inner_busy: None },
            ],
        );
}

/// Waits for the embedded server to submit everything, then counts each
/// delivered message's copies in its recipient's inbox and the drafts left.
async fn count_arrivals(
    server: &TestServer,
    from: &str,
    reports: &[DeliveryReport],
) -> Result<bool, Box<dyn Error>> {
    server.idle().await;
    let mut arrived = std::collections::HashMap::new();
    for report in reports {
        let inbox = server.folder(&report.recipient, Folder::Inbox);
        let id = report.delivery_id.to_string();
        let copies = inbox
            .iter()
            .filter(|item| item.extended_property_by_name("OfflineImDeliveryId") == Some(&id))
            .count();
        arrived.insert(report.delivery_id, copies);
    }
    let once = arrived.values().filter(|n| **n == 1).count();
    let twice = arrived.values().filter(|n| **n > 1).count();
    let missing = reports
        .iter()
        .filter(|r| r.outcome.is_delivered() && arrived.get(&r.delivery_id) == Some(&0))
        .count();
    let drafts = server.folder(&from.parse()?, Folder::Drafts).len();
    println!("arrived_once={once} arrived_twice={twice} missing={missing} drafts_left={drafts}");
    Ok(twice == 0 && missing == 0 && drafts == 0)
}

/// Prints the summary line; true when every message is accounted for and none failed.
fn summarize(reports: &[DeliveryReport], count: usize, started: Instant) -> bool {
    let secs = started.elapsed().as_secs_f64();
    let summary = Summary::of(reports);
    println!(
        "delivered={} denied={} failed={} duplicates_avoided={} secs={secs:.3} msgs_per_s={:.0}",
        summary.delivered,
        summary.denied,
        summary.failed + summary.deferred,
        summary.duplicates_avoided,
        summary.delivered as f64 / secs.max(1e-9),
    );
    reports.len() == count && summary.failed == 0 && summary.deferred == 0
}

/// Drains the spool at `dir` until nothing is left waiting.
async fn drain(
    sender: &Sender<HttpTransport>,
    dir: &str,
    pickup: Duration,
) -> Result<Vec<DeliveryReport>, Box<dyn Error>> {
    let spool = DirectorySpool::open(dir)?;
    let ahead = time::Duration::try_from(DEFAULT_PICKUP_DELAY.saturating_sub(pickup))?;
    let schedule = RetrySchedule::default();
    let mut reports = Vec::new();
    loop {
        let now = OffsetDateTime::now_utc() + ahead;
        let pass = sender.drain(&spool, &schedule, now, 1000).await?;
        if !pass.is_empty() {
            reports.extend(pass.reports);
            continue;
        }
        let waiting = spool.blocking_waiting()?;
        let Some(next) = waiting.iter().map(|e| e.next_attempt_at()).min() else {
            return Ok(reports);
        };
        let wait = (next - now).clamp(time::Duration::ZERO, time::Duration::seconds(5));
        eprintln!(
            "{} waiting; next due in {:.0} s",
            waiting.len(),
            (next - now).as_seconds_f64().max(0.0)
        );
        tokio::time::sleep(wait.try_into().unwrap_or(Duration::from_secs(1))).await;
    }
}
