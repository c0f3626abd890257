//! Sends N generated offline IMs through the pipeline and prints one summary line.
//!
//! ```sh
//! cargo run --release --example bulk_send -- --count 10000 --batch 100 --concurrency 8
//! cargo run --example bulk_send -- --help
//! ```
//!
//! Without `--url` (or `EWS_URL`) the messages go to the embedded EWS server.
//! Every flag, its environment variable and its default is listed by `--help` and
//! in [examples/README.md](README.md); an unknown flag or a flag without its
//! value is an error (exit status 2) and sends nothing.
//!
//! With `--drain DIR`, the delivery service (`Sender::serve`) runs until the
//! spool holds nothing but dead letters, sleeping until the next message is due;
//! while messages are claimed by other drainers it says so every few seconds
//! (a live drainer's claims, or those of another host, wait for it or for their
//! `--lease`; a dead drainer's on this host are taken over at once). With
//! `--drain DIR --serve` it runs until Ctrl-C (which finishes the pass in flight)
//! with a progress line. `--pickup-delay S` there drains as though messages had
//! been spooled with that delay instead of the default 120 s (the drainer's clock
//! runs `120 - S` seconds ahead), so `--drain DIR --pickup-delay 0` delivers at once.
//!
//! `--spool-url URL` and `--drain-url URL` do the same on a PostgreSQL spool
//! (`postgres://user:password@host:port/db`, tables created if missing), which
//! several drainer processes on several hosts may share: each claims
//! `--batch` × `--concurrency` messages a pass and runs until nothing is left
//! waiting or claimed, their claims holding for `--lease`.
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
//! Messages reported deferred (a busy server, or one still submitting a message
//! when the sender stopped looking) are resumed once their `retry_at` has come,
//! through `Sender::resume_all`, up to five times; only those still not delivered
//! then count as failed.
//!
//! The last line is `delivered=N denied=N failed=N duplicates_avoided=N secs=S
//! msgs_per_s=R`; the exit status is 1 when any message is not delivered
//! or denied (failed, deferred, or missing from the reports), or, on the embedded
//! server, when one did not arrive exactly once or a draft was left; 2 when the
//! command line, the settings or the setup is wrong.

use std::collections::HashMap;
use std::error::Error;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use clap::Parser;
use futures_util::StreamExt;
use offline_im::compose::{DeliveryId, ImLine, OfflineIm, Participant};
use offline_im::plan::Folder;
use offline_im::policy::MailboxLocation;
use offline_im::send::{
    DeliveryReport, Outcome, RetryPolicy, Sender, ServeOptions, ServiceMonitor, ServiceStats,
    Summary,
};
use offline_im::settings::Settings;
use offline_im::spool::{DEFAULT_LEASE, DEFAULT_PICKUP_DELAY, DirectorySpool, Spool};
use offline_im::testkit::TestServer;
use offline_im::transport::HttpTransport;
use time::OffsetDateTime;

/// Sends N generated offline IMs through the pipeline and prints one summary line.
///
/// Without --url (or EWS_URL) the messages go to the embedded EWS server on
/// 127.0.0.1. The last line is `delivered=N denied=N failed=N
/// duplicates_avoided=N secs=S msgs_per_s=R`.
#[derive(Debug, Parser)]
#[command(
    name = "bulk_send",
    after_help = "Exit status: 0 when every message was delivered or denied, 1 when one failed, \
                  was deferred or (on the embedded server) did not arrive exactly once, \
                  2 for a wrong command line, settings or setup."
)]
struct Args {
    /// EWS endpoint [default: the embedded server]
    #[arg(long, value_name = "URL", env = "EWS_URL")]
    url: Option<String>,
    /// User name for Basic authentication
    #[arg(long, value_name = "U", env = "EWS_USERNAME")]
    user: Option<String>,
    /// Password for Basic authentication
    #[arg(long, value_name = "P", env = "EWS_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Bearer token, instead of --user and --password
    #[arg(long, value_name = "T", env = "EWS_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Sender's address (impersonated)
    #[arg(long, value_name = "ADDR", default_value = "kim@contoso.com")]
    from: String,
    /// Recipients are user<i>@D [default: the sender's domain]
    #[arg(long, value_name = "D")]
    to_domain: Option<String>,
    /// Messages to generate
    #[arg(long, value_name = "N", default_value_t = 1000)]
    count: usize,
    /// Messages per CreateItem request
    #[arg(long, value_name = "N", default_value_t = 100)]
    batch: usize,
    /// Requests in flight
    #[arg(long, value_name = "N", default_value_t = 8)]
    concurrency: usize,
    /// Seconds per request
    #[arg(long, value_name = "S", default_value_t = 30)]
    timeout: u64,
    /// Permit an http:// endpoint (always on for the embedded server)
    #[arg(long)]
    allow_http: bool,
    /// Organization and policies: a TOML or JSON file, or a directory of Get-Cs*.json
    /// [default: the sender's domain, federating with --to-domain]
    #[arg(long, value_name = "FILE")]
    settings: Option<String>,
    /// Simulated reply latency of the embedded server, in milliseconds
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,
    /// The embedded server injects a seeded mix of every transient fault it has
    /// and the run counts what arrived [default: no faults]
    #[arg(long, value_name = "SEED")]
    faults: Option<u64>,
    /// Spool the messages in the History Spooler at DIR instead of sending them
    #[arg(long, value_name = "DIR", conflicts_with = "drain")]
    spool: Option<String>,
    /// Deliver what is spooled at DIR until only dead letters are left (no
    /// messages are generated)
    #[arg(long, value_name = "DIR")]
    drain: Option<String>,
    /// With --drain: run the delivery service until Ctrl-C, with a progress line
    #[arg(long, requires = "drain")]
    serve: bool,
    /// Seconds a drainer's claim holds before another drainer may take the
    /// message over (a drainer of this host that died is taken over at once)
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_LEASE.as_secs())]
    lease: u64,
    /// Seconds from spooling to pickup (SfB waits 120); with --drain, drain as
    /// though the messages had been spooled with this delay
    #[arg(long, value_name = "S", default_value_t = DEFAULT_PICKUP_DELAY.as_secs())]
    pickup_delay: u64,
    /// Spool the messages in the PostgreSQL spool at URL (postgres://user:password@host/db),
    /// creating its tables if missing, instead of sending them
    #[arg(long, value_name = "URL", conflicts_with_all = ["spool", "drain", "drain_url"])]
    spool_url: Option<String>,
    /// Deliver what is spooled in the PostgreSQL spool at URL until nothing is left
    /// waiting or claimed; several drainers (processes, hosts) may share one database
    #[arg(long, value_name = "URL", conflicts_with_all = ["spool", "drain"])]
    drain_url: Option<String>,
    /// Send through Microsoft Graph (the sender's mailbox in Exchange Online), at
    /// Graph's version root URL (e.g. https://graph.microsoft.com/v1.0) with the
    /// --token bearer token [default without URL: the embedded server's Graph
    /// endpoints]
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    graph: Option<String>,
}

/// `value` unless it is empty or blank, as an unset environment variable.
fn given(value: &Option<String>) -> Option<String> {
    value.as_ref().filter(|v| !v.trim().is_empty()).cloned()
}

#[tokio::main]
async fn main() -> ExitCode {
    // --help and --version print and exit 0; a wrong command line prints what is
    // wrong and exits 2. Either way nothing is sent.
    let args = Args::parse();
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("bulk_send: {error}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> Result<bool, Box<dyn Error>> {
    let from = args.from.clone();
    let from_domain = from.rsplit('@').next().unwrap_or_default().to_owned();
    let to_domain = given(&args.to_domain).unwrap_or_else(|| from_domain.clone());
    let count = args.count;
    let batch = args.batch;
    let concurrency = args.concurrency;
    let timeout = Duration::from_secs(args.timeout);
    let endpoint = given(&args.url);

    let settings = match given(&args.settings) {
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
    let url = match &endpoint {
        Some(url) => url.clone(),
        // Spooling sends nothing: the URL is only a placeholder then.
        None if given(&args.spool).is_some() || given(&args.spool_url).is_some() => {
            "http://127.0.0.1:9/EWS/Exchange.asmx".to_owned()
        }
        None => {
            let latency = Duration::from_millis(args.latency_ms);
            let mut builder = TestServer::builder()
                .hosted_domain(&from_domain)
                .latency(latency);
            if let Some(seed) = args.faults {
                builder = builder.seed(seed);
            }
            let started = builder.start().await?;
            if args.faults.is_some() {
                // One request in five, one item in fifty: every fault a sender should
                // get through.
                started.faults().every_transient_fault(0.2, 0.02);
            }
            let url = started.url();
            eprintln!("no --url: sending to the embedded EWS server at {url}");
            server = Some(started);
            url
        }
    };
    let mut transport = HttpTransport::builder(url.parse()?)
        .timeout(timeout)
        .allow_http(args.allow_http || endpoint.is_none())
        .pool_max_idle_per_host(concurrency.max(1));
    if let Some(token) = given(&args.token) {
        transport = transport.bearer(token);
    } else if let Some(user) = given(&args.user) {
        transport = transport.basic(user, given(&args.password).unwrap_or_default());
    }
    let graph_profiles = args.graph.is_some().then(|| settings.senders.clone());
    let mut sender = Sender::from_settings(transport.build()?, settings)
        .batch_size(batch)
        .concurrency(concurrency);
    if let Some(senders) = graph_profiles {
        // Every sender's mailbox is in Exchange Online: served through Graph.
        let root = match (given(&args.graph), &server) {
            (Some(root), _) => root,
            (None, Some(s)) => s.graph_url(),
            (None, None) => {
                return Err("--graph without a URL needs the embedded server (no --url)".into());
            }
        };
        let token = given(&args.token)
            .or_else(|| server.is_some().then(|| "embedded-server-token".to_owned()))
            .ok_or("--graph URL needs --token (an app-only Microsoft Graph token)")?;
        eprintln!("--graph: sending through Microsoft Graph at {root}");
        let graph = HttpTransport::builder(root.parse()?)
            .timeout(timeout)
            .allow_http(args.allow_http || server.is_some())
            .pool_max_idle_per_host(concurrency.max(1))
            .bearer(token)
            .build()?;
        sender = sender
            .profiles(move |sip| {
                let mut profile = senders.get(sip).cloned().unwrap_or_default();
                profile.mailbox = MailboxLocation::ExchangeOnline;
                profile
            })
            .graph(graph)
            .graph_root(root.parse()?);
    }
    // --drain-url with --faults: the drainer delivers to a fault-injecting
    // embedded server started by someone else (a test), given with --url.
    let scaled = args.faults.is_some() && (server.is_some() || given(&args.drain_url).is_some());
    if scaled {
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

    let pickup = Duration::from_secs(args.pickup_delay);
    let lease = Duration::from_secs(args.lease);
    if let Some(dir) = given(&args.drain) {
        let started = Instant::now();
        return drain(&sender, &dir, pickup, lease, args.serve, started).await;
    }
    if let Some(url) = given(&args.drain_url) {
        let started = Instant::now();
        let reports =
            postgres_spool::drain(&sender, url, lease, pickup, batch * concurrency, scaled).await?;
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

    if let Some(url) = given(&args.spool_url) {
        return postgres_spool::spool(url, lease, messages, pickup, batch).await;
    }
    if let Some(dir) = given(&args.spool) {
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

    // Kept to resume the ones deferred (see `resume_deferred`).
    let originals: HashMap<DeliveryId, OfflineIm> = messages
        .iter()
        .map(|im| (im.delivery_id(), im.clone()))
        .collect();
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
    resume_deferred(&sender, &mut reports, &originals).await;
    let mut ok = summarize(&reports, count, started);
    if let Some(server) = server {
        ok &= count_arrivals(&server, &from, &reports).await?;
    }
    Ok(ok)
}

/// How many times deferred messages are resumed before they count as failed.
const RESUME_ROUNDS: usize = 5;

/// The longest wait for a deferred message's `retry_at`; a later one is reported
/// as it stands (deferred) rather than keeping the command waiting.
const LONGEST_RESUME_WAIT: Duration = Duration::from_secs(130);

/// Resumes the messages reported deferred, as a caller of the library should:
/// once their `retry_at` has come, through `Sender::resume_all`, which looks
/// for each one before it sends anything, so a message Exchange was still
/// submitting is reported delivered rather than sent twice. Replaces their
/// reports with the new ones.
async fn resume_deferred(
    sender: &Sender<HttpTransport>,
    reports: &mut [DeliveryReport],
    originals: &HashMap<DeliveryId, OfflineIm>,
) {
    for _ in 0..RESUME_ROUNDS {
        let deferred: Vec<usize> = (0..reports.len())
            .filter(|&i| matches!(reports[i].outcome, Outcome::Deferred(_)))
            .collect();
        if deferred.is_empty() {
            return;
        }
        let due = deferred
            .iter()
            .filter_map(|&i| match &reports[i].outcome {
                Outcome::Deferred(failure) => failure.retry_at(),
                _ => None,
            })
            .max();
        let wait = due
            .and_then(|at| at.duration_since(SystemTime::now()).ok())
            .unwrap_or_default();
        if wait > LONGEST_RESUME_WAIT {
            return;
        }
        eprintln!(
            "{} deferred; resuming them in {:.1} s",
            deferred.len(),
            wait.as_secs_f64()
        );
        tokio::time::sleep(wait).await;
        let messages = deferred
            .iter()
            .filter_map(|&i| originals.get(&reports[i].delivery_id).cloned());
        let resumed = sender.resume_all(messages).await;
        for report in resumed {
            if let Some(&i) = deferred
                .iter()
                .find(|&&i| reports[i].delivery_id == report.delivery_id)
            {
                reports[i] = report;
            }
        }
    }
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
    // The first few messages that did not get through, and why.
    for report in reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_) | Outcome::Deferred(_)))
        .take(5)
    {
        eprintln!("{report}");
    }
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

/// Runs the delivery service on the spool at `dir`: until only dead letters
/// are left, or with `serve` until Ctrl-C. Prints what it does and, at the end,
/// what is left and why.
async fn drain(
    sender: &Sender<HttpTransport>,
    dir: &str,
    pickup: Duration,
    lease: Duration,
    serve: bool,
    started: Instant,
) -> Result<bool, Box<dyn Error>> {
    let spool = DirectorySpool::builder(dir).lease(lease).open()?;
    // A message is due DEFAULT_PICKUP_DELAY after it was spooled: a clock that
    // runs ahead by the difference drains as though the delay had been `pickup`.
    let ahead = DEFAULT_PICKUP_DELAY.saturating_sub(pickup);
    let monitor = ServiceMonitor::new();
    let options = ServeOptions::new()
        .clock_ahead(ahead)
        .idle_poll(Duration::from_millis(200))
        .until_drained(!serve)
        .monitor(monitor.clone());
    let shutdown = async {
        if serve {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            eprintln!("\nCtrl-C: finishing the messages in flight, then stopping");
        } else {
            std::future::pending::<()>().await;
        }
    };
    let progress = async {
        let mut last = String::new();
        loop {
            tokio::time::sleep(Duration::from_secs(if serve { 1 } else { 3 })).await;
            let line = progress_line(&monitor.snapshot(), lease);
            if serve {
                eprint!("\r{line}   ");
                let _ = std::io::stderr().flush();
            } else if line != last {
                eprintln!("{line}");
            }
            last = line;
        }
    };
    let stats = tokio::select! {
        stats = sender.serve(&spool, &options, shutdown) => stats?,
        () = progress => unreachable!("the progress loop never ends"),
    };
    if serve {
        eprintln!();
    }
    let secs = started.elapsed().as_secs_f64();
    let left = spool.overview(time::OffsetDateTime::now_utc()).await?;
    println!(
        "delivered={} deferred={} dead={} lost_claims={} secs={secs:.3} msgs_per_s={:.0}",
        stats.delivered,
        stats.deferred,
        stats.dead,
        stats.lost_claims,
        stats.delivered as f64 / secs.max(1e-9),
    );
    println!(
        "left: waiting={} claimed={} dead_letters={}{}",
        left.waiting,
        left.claimed,
        left.dead,
        if left.dead > 0 {
            format!(" (given up: see \"Dead Letters\" under {dir})")
        } else {
            String::new()
        }
    );
    Ok(left.dead == 0 && (serve || left.only_dead_letters_left()))
}

/// One line on what the service has done and what the spool holds.
fn progress_line(stats: &ServiceStats, lease: Duration) -> String {
    let mut line = format!(
        "delivered={} deferred={} dead={} in_flight={} waiting={} claimed={}",
        stats.delivered,
        stats.deferred,
        stats.dead,
        stats.in_flight,
        stats.spool.waiting,
        stats.spool.claimed,
    );
    if let Some(oldest) = stats.oldest_waiting {
        let age = (time::OffsetDateTime::now_utc() - oldest).whole_seconds();
        line.push_str(&format!(" oldest_waiting={age}s"));
    }
    if stats.in_flight == 0 && stats.spool.claimed > 0 {
        line.push_str(&format!(
            " ({} held by other drainers: live ones finish them; other hosts' come back \
             within the {} s lease)",
            stats.spool.claimed,
            lease.as_secs()
        ));
    } else if stats.spool.waiting > 0
        && stats.in_flight == 0
        && let Some(due) = stats.spool.next_due
    {
        let wait = (due - time::OffsetDateTime::now_utc())
            .whole_seconds()
            .max(0);
        line.push_str(&format!(" (next due in {wait} s)"));
    }
    line
}

/// `--spool-url` and `--drain-url`: the same as `--spool` and `--drain`, on a
/// PostgreSQL spool that drainers on several hosts share.
mod postgres_spool {
    use std::error::Error;
    use std::time::Duration;

    use offline_im::compose::OfflineIm;
    use offline_im::send::{DeliveryReport, Sender};
    use offline_im::spool::{DEFAULT_PICKUP_DELAY, PgSpool, RetrySchedule, SpoolEntry};
    use offline_im::transport::HttpTransport;
    use time::OffsetDateTime;

    async fn open(url: String, lease: Duration) -> Result<PgSpool, Box<dyn Error>> {
        Ok(PgSpool::builder(url)
            .lease(lease)
            .create_schema(true)
            .connect()
            .await?)
    }

    /// Spools `messages` in batches of `batch` (one transaction each); prints
    /// `spooled=N failed=N database=user@host:port/db`.
    pub async fn spool(
        url: String,
        lease: Duration,
        messages: Vec<OfflineIm>,
        pickup: Duration,
        batch: usize,
    ) -> Result<bool, Box<dyn Error>> {
        let spool = open(url, lease).await?;
        let now = OffsetDateTime::now_utc();
        let (mut spooled, mut failed) = (0, 0);
        let mut messages = messages.into_iter().peekable();
        while messages.peek().is_some() {
            let entries: Vec<SpoolEntry> = messages
                .by_ref()
                .take(batch.max(1))
                .map(|im| SpoolEntry::new(im, now).pickup_delay(pickup))
                .collect();
            let size = entries.len();
            match spool.put_batch(entries).await {
                Ok(results) => {
                    for result in results {
                        match result {
                            Ok(()) => spooled += 1,
                            Err(error) => {
                                failed += 1;
                                eprintln!("bulk_send: {error}");
                            }
                        }
                    }
                }
                Err(error) => {
                    failed += size;
                    eprintln!("bulk_send: {error}");
                }
            }
        }
        println!(
            "spooled={spooled} failed={failed} database={}",
            spool.database()
        );
        Ok(failed == 0)
    }

    /// Drains the spool at `url`, `limit` messages a pass, until nothing is left
    /// waiting or claimed (claims of a drainer that died come back after their
    /// lease and are delivered too). `scaled`: retry on the embedded server's
    /// time scale (`--faults`).
    pub async fn drain(
        sender: &Sender<HttpTransport>,
        url: String,
        lease: Duration,
        pickup: Duration,
        limit: usize,
        scaled: bool,
    ) -> Result<Vec<DeliveryReport>, Box<dyn Error>> {
        let spool = open(url, lease).await?;
        // As with --drain: a clock ahead by the difference drains as though the
        // pickup delay had been `pickup`. Every drainer of one database must
        // use the same --pickup-delay, since claims and leases use this clock.
        let ahead = time::Duration::try_from(DEFAULT_PICKUP_DELAY.saturating_sub(pickup))?;
        // Scaled to the embedded server, as the sender's retry policy is: retries
        // after a second or so rather than SfB's minutes.
        let schedule = if scaled {
            RetrySchedule::new(
                Duration::from_millis(500),
                2.0,
                Duration::from_secs(4),
                Duration::from_secs(600),
            )?
        } else {
            RetrySchedule::default()
        };
        let mut reports = Vec::new();
        loop {
            let now = OffsetDateTime::now_utc() + ahead;
            let pass = sender
                .drain_all(&spool, &schedule, now, limit.max(1))
                .await?;
            reports.extend(pass.reports);
            let (unfinished, next) = spool.unfinished().await?;
            let Some(next) = next else {
                return Ok(reports);
            };
            let wait =
                (next - now).clamp(time::Duration::milliseconds(50), time::Duration::seconds(5));
            eprintln!(
                "{unfinished} waiting or claimed; next due in {:.1} s",
                (next - now).as_seconds_f64().max(0.0)
            );
            tokio::time::sleep(wait.try_into().unwrap_or(Duration::from_secs(1))).await;
        }
    }
}
