//! 10,000 messages through a seeded mix of every transient fault the testkit
//! injects, with Exchange's asynchronous submission: every message delivered
//! exactly once, none failed, no drafts left.

#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use std::collections::HashMap;
use std::time::Duration;

use offline_im::plan::Folder;
use offline_im::send::{Outcome, Sender, Summary};
use offline_im::settings::Settings;
use offline_im::testkit::TestServer;
use sender_on_testkit::*;

const MESSAGES: usize = 10_000;
const RECIPIENTS: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_messages_under_every_fault_arrive_exactly_once() {
    let server = TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("svc-offline-im@contoso.com", "service password")
        .seed(20261203)
        .start()
        .await
        .unwrap();
    server.faults().every_transient_fault(0.25, 0.02);
    let senders = [
        "kim@contoso.com",
        "lee2@contoso.com",
        "sam@contoso.com",
        "ola@contoso.com",
    ];
    let messages: Vec<_> = (0..MESSAGES)
        .map(|i| {
            im(
                senders[i % senders.len()],
                &format!("user{}@contoso.com", i % RECIPIENTS),
                &format!("message {i}"),
            )
        })
        .collect();

    // Scaled to the embedded server, which finishes a request (a slow commit
    // included) within about a second, where Exchange may take a minute.
    let sender = Sender::from_settings(
        transport(&server, Duration::from_millis(500)),
        Settings::from_toml_str(SETTINGS).unwrap(),
    )
    // The default deadline (120 s): on a loaded 2-core machine a batch that meets
    // several faults in a row can take longer than fast_retry's 30 s.
    // And a submitted message may sit in Drafts longer than fast_retry's 1 s
    // grace when the server's submission tasks wait for a core: 10 s, so that
    // a slow machine is not mistaken for a transport stuck in submission.
    .retry(
        fast_retry()
            .execution_limit(Duration::from_secs(2))
            .deadline(Duration::from_secs(120))
            .draft_grace(Duration::from_secs(10)),
    )
    .build()
    .unwrap();
    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;
    assert_eq!(reports.len(), MESSAGES);

    // Count every copy in every recipient's inbox and every sender's history by delivery id.
    let mut inbox: HashMap<String, usize> = HashMap::new();
    for r in 0..RECIPIENTS {
        for item in server.folder(&smtp(&format!("user{r}@contoso.com")), Folder::Inbox) {
            let id = item
                .extended_property_by_name("OfflineImDeliveryId")
                .unwrap()
                .to_owned();
            *inbox.entry(id).or_default() += 1;
        }
    }
    let mut history: HashMap<String, usize> = HashMap::new();
    for s in senders {
        assert!(
            server.folder(&smtp(s), Folder::Drafts).is_empty(),
            "drafts left in {s}"
        );
        for item in server.folder(&smtp(s), Folder::ConversationHistory) {
            let id = item
                .extended_property_by_name("OfflineImDeliveryId")
                .unwrap()
                .to_owned();
            *history.entry(id).or_default() += 1;
        }
    }

    for (message, report) in messages.iter().zip(&reports) {
        let id = message.delivery_id().to_string();
        assert_eq!(report.delivery_id, message.delivery_id());
        let (got, kept) = (
            inbox.get(&id).copied().unwrap_or(0),
            history.get(&id).copied().unwrap_or(0),
        );
        match &report.outcome {
            Outcome::Delivered { .. } => assert_eq!((got, kept), (1, 1), "{report}"),
            other => panic!("every fault is transient, yet: {other}"),
        }
    }
    let summary = Summary::of(&reports);
    assert_eq!(summary.total(), MESSAGES);
    assert_eq!(summary.delivered, MESSAGES, "{summary}");
    assert!(
        summary.duplicates_avoided > 0,
        "the mix includes lost replies: {summary:?}"
    );
    assert!(!server.injected_faults().is_empty());
}
