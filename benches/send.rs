//! Delivery pipeline speed.
//!
//! `cargo bench --bench send`.
//!
//! - `client_cpu_per_message`: the sender's own work (plan, render, write the
//!   envelope, read the reply) with a transport that answers at once: targets at
//!   most 5 µs per delivered message at batch 100.
//! - `through_testkit`: messages per second over real HTTP on loopback to the
//!   embedded EWS server with 5 ms simulated latency, for batch sizes 1 and 100 and
//!   1, 4 and 8 requests in flight. Targets: batch 1 / concurrency 1 at least 160
//!   messages/s (80% of the 200 requests/s the latency allows); batch 100 /
//!   concurrency 8 at least 50,000 messages/s. The server runs in the same process,
//!   so its CPU counts against the figure too.
//! - `graph_through_testkit`: messages per second through the embedded server's
//!   Graph endpoints, 5 ms latency, Outlook's per-mailbox limit on, for 1 and 4
//!   Exchange Online sender mailboxes (README, Performance, says what bounds it).

use std::time::Duration;

use divan::Bencher;
use divan::counter::ItemsCount;
use offline_im::compose::{ImLine, OfflineIm, Participant};
use offline_im::send::Sender;
use offline_im::settings::Settings;
use offline_im::testkit::TestServer;
use offline_im::transport::{EwsReply, EwsRequest, HttpTransport, Transport, TransportError};
use time::macros::datetime;

fn main() {
    divan::main();
}

const SETTINGS: &str = "[organization]\nsip_domains = [\"contoso.com\"]\n";

fn messages(n: usize) -> Vec<OfflineIm> {
    let kim = Participant::new(
        "sip:kim@contoso.com".parse().unwrap(),
        "kim@contoso.com".parse().unwrap(),
        "Kim Akers",
    );
    (0..n)
        .map(|i| {
            let to = format!("user{i}@contoso.com");
            OfflineIm::builder()
                .sender(kim.clone())
                .recipient(Participant::new(
                    format!("sip:{to}").parse().unwrap(),
                    to.parse().unwrap(),
                    format!("User {i}"),
                ))
                .line(ImLine::new(
                    kim.sip().clone(),
                    datetime!(2026-03-02 09:15 UTC),
                    "Are you free for a call at 3pm? The notes for <release 4.2> & more are ready.",
                ))
                .build()
                .unwrap()
        })
        .collect()
}

fn success_reply(items: usize) -> String {
    let mut reply = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="2" MajorBuildNumber="1544" MinorBuildNumber="4" Version="V2017_07_11" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"/></s:Header><s:Body><m:CreateItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages>"#,
    );
    for _ in 0..items {
        reply.push_str(r#"<m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items/></m:CreateItemResponseMessage>"#);
    }
    reply.push_str("</m:ResponseMessages></m:CreateItemResponse></s:Body></s:Envelope>");
    reply
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A transport that answers every request at once with the same reply and keeps
/// nothing, so that only the sender's own work is measured.
struct Instant(bytes::Bytes);

impl Transport for Instant {
    async fn send(&self, _request: EwsRequest) -> Result<EwsReply, TransportError> {
        Ok(EwsReply::ok(self.0.clone()))
    }
}

/// The sender's CPU per message: 100 messages in one batch, answered at once.
#[divan::bench(sample_count = 50)]
fn client_cpu_per_message(bencher: Bencher) {
    let runtime = runtime();
    let transport = Instant(bytes::Bytes::from(success_reply(100)));
    let settings = Settings::from_toml_str(SETTINGS).unwrap();
    let sender = Sender::from_settings(transport, settings).build().unwrap();
    bencher
        .counter(ItemsCount::new(100usize))
        .with_inputs(|| messages(100))
        .bench_local_values(|batch| {
            let reports = runtime.block_on(sender.send_all(batch));
            assert!(reports.iter().all(|r| r.outcome.is_delivered()));
        });
}

/// Messages per second through the embedded server with 5 ms latency.
#[divan::bench(args = [(1, 1), (1, 4), (1, 8), (100, 1), (100, 4), (100, 8)], sample_count = 5, sample_size = 1)]
fn through_testkit(bencher: Bencher, (batch, concurrency): (usize, usize)) {
    let runtime = runtime();
    let server = runtime.block_on(async {
        TestServer::builder()
            .hosted_domain("contoso.com")
            .latency(Duration::from_millis(5))
            .start()
            .await
            .unwrap()
    });
    let transport = HttpTransport::builder(server.url().parse().unwrap())
        .allow_http(true)
        .env_proxy(false)
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let sender = Sender::from_settings(transport, Settings::from_toml_str(SETTINGS).unwrap())
        .batch_size(batch)
        .concurrency(concurrency)
        .build()
        .unwrap();
    // About a quarter of a second of work per sample at the target rates.
    let n = if batch == 1 { 50 * concurrency } else { 12_000 };
    bencher
        .counter(ItemsCount::new(n))
        .with_inputs(|| messages(n))
        .bench_local_values(|batch| {
            let reports = runtime.block_on(sender.send_all(batch));
            assert!(reports.iter().all(|r| r.outcome.is_delivered()));
        });
    drop(server);
}

const GRAPH_SETTINGS: &str = "[organization]\nsip_domains = [\"contoso.com\"]\n\n\
[senders.\"sip:kim@contoso.com\"]\nmailbox = \"exchange_online\"\n\n\
[senders.\"sip:ola@contoso.com\"]\nmailbox = \"exchange_online\"\n\n\
[senders.\"sip:sam@contoso.com\"]\nmailbox = \"exchange_online\"\n\n\
[senders.\"sip:lee@contoso.com\"]\nmailbox = \"exchange_online\"\n";

/// `messages(n)` spread over `senders` Exchange Online senders.
fn graph_messages(n: usize, senders: usize) -> Vec<OfflineIm> {
    let names = ["kim", "ola", "sam", "lee"];
    messages(n)
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let name = names[i % senders.clamp(1, names.len())];
            let from = Participant::new(
                format!("sip:{name}@contoso.com").parse().unwrap(),
                format!("{name}@contoso.com").parse().unwrap(),
                name,
            );
            OfflineIm::builder()
                .sender(from.clone())
                .recipient(m.recipient().clone())
                .line(ImLine::new(
                    from.sip().clone(),
                    datetime!(2026-03-02 09:15 UTC),
                    "Are you free for a call at 3pm?",
                ))
                .build()
                .unwrap()
        })
        .collect()
}

/// Messages per second through the embedded server's Graph endpoints with 5 ms
/// latency and Outlook's limit of 4 concurrent requests per mailbox on (the
/// sender keeps to it), for 1 and 4 sender mailboxes. Each message costs a
/// create and a send, then a look in Conversation History and in Sent Items
/// and a move of the copy: about five requests.
#[divan::bench(args = [1, 4], sample_count = 5, sample_size = 1)]
fn graph_through_testkit(bencher: Bencher, senders: usize) {
    let runtime = runtime();
    let server = runtime.block_on(async {
        TestServer::builder()
            .hosted_domain("contoso.com")
            .latency(Duration::from_millis(5))
            .submission_lag(Duration::ZERO, Duration::ZERO)
            .start()
            .await
            .unwrap()
    });
    let transport = || {
        HttpTransport::builder(server.url().parse().unwrap())
            .bearer("bench-token")
            .allow_http(true)
            .env_proxy(false)
            .pool_max_idle_per_host(16)
            .build()
            .unwrap()
    };
    let sender = Sender::from_settings(
        transport(),
        Settings::from_toml_str(GRAPH_SETTINGS).unwrap(),
    )
    .graph(transport())
    .graph_root(server.graph_url().parse().unwrap())
    // The concurrency bound is measured here; Outlook's budget of 10,000
    // requests per 10 minutes per mailbox (counted by default) is not.
    .graph_mailbox_budget(0, Duration::ZERO)
    .concurrency(8)
    .build()
    .unwrap();
    let n = 200 * senders;
    bencher
        .counter(ItemsCount::new(n))
        .with_inputs(|| graph_messages(n, senders))
        .bench_local_values(|batch| {
            let reports = runtime.block_on(sender.send_all(batch));
            assert!(reports.iter().all(|r| r.outcome.is_delivered()));
        });
    drop(server);
}
