//! `SenderBuilder::per_sender_concurrency`: one sender with many messages
//! never has more than its share of requests in flight, and a sender with few
//! messages is not kept waiting behind it.

#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use offline_im::send::Sender;
use offline_im::settings::Settings;
use offline_im::transport::{EwsReply, EwsRequest, RecordingTransport, Transport, TransportError};
use sender_on_testkit::{SETTINGS, im};

/// An Exchange that accepts everything, answers after 20 ms, and records how
/// many requests each mailbox had in flight at most.
#[derive(Default)]
struct Watching {
    exchange: RecordingTransport,
    state: Mutex<Watched>,
}

#[derive(Default)]
struct Watched {
    now: HashMap<String, usize>,
    most: HashMap<String, usize>,
    total_now: usize,
    total_most: usize,
    /// The mailbox of each request, in the order they started.
    started: Vec<String>,
}

impl Transport for Watching {
    async fn send(&self, request: EwsRequest) -> Result<EwsReply, TransportError> {
        let mailbox = request
            .anchor_mailbox
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        {
            let mut s = self.state.lock().unwrap();
            let n = s.now.entry(mailbox.clone()).or_default();
            *n += 1;
            let n = *n;
            let most = s.most.entry(mailbox.clone()).or_default();
            *most = (*most).max(n);
            s.total_now += 1;
            s.total_most = s.total_most.max(s.total_now);
            s.started.push(mailbox.clone());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        let reply = self.exchange.send(request).await;
        let mut s = self.state.lock().unwrap();
        *s.now.entry(mailbox).or_default() -= 1;
        s.total_now -= 1;
        reply
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_sender_keeps_to_its_share_and_does_not_hold_up_the_others() {
    let sender = Sender::from_settings(
        Watching::default(),
        Settings::from_toml_str(SETTINGS).unwrap(),
    )
    .batch_size(10)
    .concurrency(4)
    .per_sender_concurrency(2)
    .build()
    .unwrap();
    // 200 messages of kim first (20 batches), then 20 of lee (2 batches).
    let mut messages: Vec<_> = (0..200)
        .map(|i| im("kim@contoso.com", &format!("user{i}@contoso.com"), "busy"))
        .collect();
    messages
        .extend((0..20).map(|i| im("pat@contoso.com", &format!("user{i}@contoso.com"), "quiet")));
    let reports = sender.send_all(messages).await;
    assert!(
        reports.iter().all(|r| r.outcome.is_delivered()),
        "every message delivered"
    );

    let watched = sender.transport().state.lock().unwrap();
    assert_eq!(
        watched.most.get("kim@contoso.com"),
        Some(&2),
        "{:?}",
        watched.most
    );
    assert!(
        watched.total_most <= 4,
        "the global cap holds: {}",
        watched.total_most
    );
    let first_quiet = watched
        .started
        .iter()
        .position(|m| m == "pat@contoso.com")
        .expect("pat's messages were sent");
    let last_busy = watched
        .started
        .iter()
        .rposition(|m| m == "kim@contoso.com")
        .unwrap();
    assert!(
        first_quiet < last_busy,
        "pat's batches went out while kim's were still being sent ({first_quiet} vs {last_busy})"
    );
}

#[test]
fn a_per_sender_cap_of_zero_is_refused_by_name() {
    let err = Sender::from_settings(
        RecordingTransport::new(),
        Settings::from_toml_str(SETTINGS).unwrap(),
    )
    .per_sender_concurrency(0)
    .build()
    .unwrap_err();
    assert!(err.to_string().contains("per_sender_concurrency"), "{err}");
}
