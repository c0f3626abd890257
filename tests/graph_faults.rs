//! The Graph backend under the embedded server's faults: lost replies, 429 with
//! `Retry-After`, 503, 504, Outlook's per-mailbox concurrency limit. Every
//! message arrives exactly once and no draft is left.

#[path = "support/graph_on_testkit.rs"]
mod graph_on_testkit;
#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use std::time::{Duration, Instant};

use graph_on_testkit::*;
use offline_im::compose::OfflineIm;
use offline_im::plan::Folder;
use offline_im::send::{DeliveryReport, FailureKind, Outcome};
use offline_im::testkit::{Fault, TestServer};
use sender_on_testkit::{im, smtp};

fn messages(n: usize) -> Vec<OfflineIm> {
    (0..n)
        .map(|i| {
            im(
                if i % 2 == 0 {
                    "kim@contoso.com"
                } else {
                    "ola@contoso.com"
                },
                &format!("user{}@contoso.com", i % 7),
                &format!("message {i}"),
            )
        })
        .collect()
}

/// Every message in its recipient's inbox once and its sender's copy once, in
/// the folder its report names (Conversation History unless the move could not
/// be made in time); no drafts anywhere.
fn assert_exactly_once(server: &TestServer, messages: &[OfflineIm], reports: &[DeliveryReport]) {
    for (m, report) in messages.iter().zip(reports) {
        let saved = report
            .saved_folder
            .expect("a delivered message names its copy's folder");
        let to = m.recipient().smtp().to_string();
        let from = m.sender().smtp().to_string();
        assert_eq!(
            where_is(server, &to, m),
            [Folder::Inbox],
            "{}",
            m.delivery_id()
        );
        // A draft deleted before it was sent may rest in Deleted Items: it is
        // no copy of a sent message.
        let copies: Vec<Folder> = where_is(server, &from, m)
            .into_iter()
            .filter(|f| *f != Folder::DeletedItems)
            .collect();
        assert_eq!(copies, [saved], "{}", m.delivery_id());
    }
    for s in ["kim@contoso.com", "ola@contoso.com"] {
        assert!(
            server.folder(&smtp(s), Folder::Drafts).is_empty(),
            "drafts left in {s}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_replies_after_the_work_neither_duplicate_nor_lose_a_message() {
    let server = server().await;
    let faults = server.faults();
    // The first requests are creates and sends: their replies are lost after
    // the server did the work.
    faults.next_requests(6, Fault::CloseAfterCommit);
    let sender = sender(&server);
    let messages = messages(8);
    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;
    assert!(
        reports.iter().all(|r| r.outcome.is_delivered()),
        "{reports:#?}"
    );
    assert_exactly_once(&server, &messages, &reports);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_is_waited_out_then_retried() {
    let server = server().await;
    server.faults().next_request(Fault::ServerBusyFault {
        back_off: Duration::from_secs(1),
    });
    let sender = sender(&server);
    let messages = messages(1);
    let started = Instant::now();
    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;
    assert!(reports[0].outcome.is_delivered(), "{reports:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert!(server.requests().iter().any(|r| r.status() == Some(429)));
    assert_exactly_once(&server, &messages, &reports);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_and_a_504_end_in_one_delivery() {
    let server = server().await;
    let faults = server.faults();
    faults.next_request(Fault::ServiceUnavailable {
        retry_after_secs: 1,
    });
    faults.next_request(Fault::GatewayTimeout);
    let sender = sender(&server);
    let messages = messages(2);
    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;
    assert!(
        reports.iter().all(|r| r.outcome.is_delivered()),
        "{reports:#?}"
    );
    let statuses: Vec<_> = server
        .requests()
        .iter()
        .filter_map(|r| r.status())
        .collect();
    assert!(
        statuses.contains(&503) && statuses.contains(&504),
        "{statuses:?}"
    );
    assert_exactly_once(&server, &messages, &reports);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_per_mailbox_concurrency_never_meets_outlooks_limit() {
    let server = builder()
        .latency(Duration::from_millis(5))
        .start()
        .await
        .unwrap();
    let sender = sender(&server);
    let messages = messages(60);
    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;
    assert!(reports.iter().all(|r| r.outcome.is_delivered()));
    let throttled = server
        .requests()
        .iter()
        .filter(|r| r.status() == Some(429))
        .count();
    assert_eq!(throttled, 0, "4 in flight per mailbox by default");
    assert!(
        reports
            .iter()
            .all(|r| r.saved_folder == Some(Folder::ConversationHistory)),
        "without faults every copy is moved to Conversation History"
    );
    assert_exactly_once(&server, &messages, &reports);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn above_outlooks_limit_the_429s_are_retried_and_still_deliver_once() {
    let server = builder()
        .latency(Duration::from_millis(20))
        .start()
        .await
        .unwrap();
    let sender = sender_builder(&server)
        .graph_mailbox_concurrency(12)
        .build()
        .unwrap();
    let messages = messages(40);
    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;
    assert!(
        reports.iter().all(|r| r.outcome.is_delivered()),
        "{reports:#?}"
    );
    let throttled = server
        .requests()
        .iter()
        .filter(|r| r.status() == Some(429))
        .count();
    assert!(throttled > 0, "12 in flight meets the server's limit of 4");
    assert_exactly_once(&server, &messages, &reports);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeded_mix_of_every_fault_delivers_every_message_exactly_once() {
    let server = builder().seed(18).start().await.unwrap();
    server.faults().request_mix(
        0.2,
        &[
            Fault::CloseAfterCommit,
            Fault::CloseBeforeCommit,
            Fault::GatewayTimeout,
            Fault::ServiceUnavailable {
                retry_after_secs: 1,
            },
            Fault::ServerBusyFault {
                back_off: Duration::from_secs(1),
            },
            Fault::MalformedReply,
            Fault::InternalServerError { inner_busy: None },
        ],
    );
    let sender = sender(&server);
    let messages = messages(60);
    let reports = sender.send_all(messages.clone()).await;
    server.faults().clear();
    server.idle().await;
    assert!(
        reports.iter().all(|r| r.outcome.is_delivered()),
        "{reports:#?}"
    );
    assert_exactly_once(&server, &messages, &reports);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_fails_the_message_as_unauthorized_and_sends_nothing() {
    let server = server().await;
    server.faults().next_request(Fault::Unauthorized);
    let sender = sender(&server);
    let message = messages(1).remove(0);
    let report = sender.send(message.clone()).await;
    server.idle().await;
    let offline_im::send::Outcome::Failed(failure) = &report.outcome else {
        panic!("expected a failure: {report:?}");
    };
    assert_eq!(failure.kind(), offline_im::send::FailureKind::Unauthorized);
    assert!(
        failure.to_string().contains("InvalidAuthenticationToken"),
        "{failure}"
    );
    let to = message.recipient().smtp().to_string();
    assert!(where_is(&server, &to, &message).is_empty());
    assert!(
        server
            .folder(&smtp("kim@contoso.com"), Folder::Drafts)
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_mailbox_budget_defers_what_would_go_over_it_and_sends_nothing_more() {
    let server = server().await;
    // Two messages cost at least four requests (create and send each); a
    // budget of three in two minutes cannot carry both.
    let sender = sender_builder(&server)
        .graph_mailbox_budget(3, Duration::from_secs(120))
        .build()
        .unwrap();
    let messages = vec![
        im("kim@contoso.com", "pat@contoso.com", "first"),
        im("kim@contoso.com", "lee@contoso.com", "second"),
    ];
    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;

    let (graph, _) = request_counts(&server);
    assert!(graph <= 3, "the budget was overrun: {graph} Graph requests");
    let delivered: Vec<_> = reports
        .iter()
        .filter(|r| r.outcome.is_delivered())
        .collect();
    assert_eq!(delivered.len(), 1, "{reports:#?}");
    for (report, message) in reports.iter().zip(&messages) {
        let to = message.recipient().smtp().to_string();
        match &report.outcome {
            Outcome::Delivered { .. } => {
                assert_eq!(where_is(&server, &to, message), [Folder::Inbox]);
            }
            Outcome::Deferred(failure) => {
                assert_eq!(failure.kind(), FailureKind::Throttled, "{failure}");
                let wait = failure
                    .retry_at()
                    .and_then(|at| at.duration_since(std::time::SystemTime::now()).ok())
                    .unwrap_or_default();
                assert!(
                    wait > Duration::from_secs(60),
                    "retry when the window has room, not now: {wait:?}"
                );
                assert!(where_is(&server, &to, message).is_empty());
            }
            other => panic!("neither delivered nor deferred: {other:?}"),
        }
    }
}
