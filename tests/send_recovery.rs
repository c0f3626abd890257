//! Exactly once against the embedded server's model of how Exchange really
//! submits and fails: sent messages wait in the sender's Drafts until the
//! transport picks them up, a batch goes on committing after the client gave up,
//! drafts can be left unsubmitted, and busy signals hide in internal errors.
//! For each disposition and each reply-losing fault: none lost, none twice, no
//! draft left.

#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use std::time::Duration;

use offline_im::compose::OfflineIm;
use offline_im::ews::ResponseCode;
use offline_im::plan::{Disposition, Folder};
use offline_im::send::{DeliveryReport, FailureKind, Outcome, RetryPolicy, Sender};
use offline_im::settings::Settings;
use offline_im::testkit::{Fault, ItemFault, TestServer};
use offline_im::transport::HttpTransport;
use sender_on_testkit::*;

const KIM: &str = "kim@contoso.com";

fn batch(n: usize) -> Vec<OfflineIm> {
    (0..n)
        .map(|i| {
            im(
                KIM,
                &format!("user{i}@contoso.com"),
                &format!("message {i}"),
            )
        })
        .collect()
}

async fn model_server(lag: (Duration, Duration)) -> TestServer {
    TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("svc-offline-im@contoso.com", "service password")
        .submission_lag(lag.0, lag.1)
        .start()
        .await
        .unwrap()
}

fn sender_with(
    server: &TestServer,
    disposition: Disposition,
    timeout: Duration,
    retry: RetryPolicy,
) -> Sender<HttpTransport> {
    let settings = Settings::from_toml_str(SETTINGS).unwrap();
    let planner = settings.planner().disposition(disposition).build();
    Sender::builder(transport(server, timeout), planner)
        .retry(retry)
        .build()
        .unwrap()
}

/// Copies of `message` anywhere the recipient or the sender could hold one.
fn arrived(server: &TestServer, message: &OfflineIm) -> usize {
    copies(
        server,
        message.recipient().smtp().as_str(),
        Folder::Inbox,
        message,
    )
}

/// The user's view: each message is in its recipient's inbox as often as its
/// report says (once if delivered, never if failed), the sender's copy where the
/// disposition keeps it, and nothing in Drafts.
fn assert_settled(
    server: &TestServer,
    disposition: Disposition,
    messages: &[OfflineIm],
    reports: &[DeliveryReport],
) {
    for (message, report) in messages.iter().zip(reports) {
        let inbox = arrived(server, message);
        let kept = copies(server, KIM, Folder::ConversationHistory, message)
            + copies(server, KIM, Folder::Drafts, message);
        match (disposition, &report.outcome) {
            (Disposition::SaveOnly, Outcome::Delivered { .. }) => {
                assert_eq!((inbox, kept), (0, 1), "{report}");
            }
            (Disposition::SendOnly, Outcome::Delivered { .. }) => {
                assert_eq!((inbox, kept), (1, 0), "{report}");
            }
            (_, Outcome::Delivered { .. }) => assert_eq!((inbox, kept), (1, 1), "{report}"),
            // SendOnly's at-most-once: a message whose outcome stayed unknown
            // may or may not have gone, but never twice.
            (Disposition::SendOnly, Outcome::Failed(failure))
                if failure.kind() == FailureKind::OutcomeUnknown =>
            {
                assert!(inbox <= 1, "{report}");
            }
            (_, other) => panic!("{other} for {report}"),
        }
    }
    if disposition != Disposition::SaveOnly {
        assert_eq!(
            server.folder(&smtp(KIM), Folder::Drafts).len(),
            0,
            "drafts left behind"
        );
    }
}

fn reply_losing_faults() -> Vec<(&'static str, Fault)> {
    vec![
        ("connection closed after commit", Fault::CloseAfterCommit),
        ("malformed reply", Fault::MalformedReply),
        (
            "reply slower than the timeout",
            Fault::Delay(Duration::from_millis(900)),
        ),
        (
            "a slow commit that outlives the timeout",
            Fault::SlowCommit {
                over: Duration::from_millis(1200),
            },
        ),
        (
            "drafts created, never submitted",
            Fault::CommitWithoutSubmit,
        ),
        (
            "an internal error without inner code",
            Fault::InternalServerError { inner_busy: None },
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reply_losing_fault_for_every_disposition() {
    let retry = fast_retry()
        .execution_limit(Duration::from_millis(1500))
        .draft_grace(Duration::from_millis(600));
    for disposition in [
        Disposition::SendAndSaveCopy,
        Disposition::SaveOnly,
        Disposition::SendOnly,
    ] {
        for (name, fault) in reply_losing_faults() {
            let server =
                model_server((Duration::from_millis(20), Duration::from_millis(200))).await;
            server.faults().next_request(fault);
            let sender = sender_with(&server, disposition, Duration::from_millis(400), retry);
            let messages = batch(6);
            let reports = sender.send_all(messages.clone()).await;
            server.idle().await;
            println!(
                "{disposition:?} / {name}: {:?}",
                offline_im::send::Summary::of(&reports)
            );
            assert_settled(&server, disposition, &messages, &reports);
            if disposition == Disposition::SendAndSaveCopy {
                assert!(
                    reports.iter().all(|r| r.outcome.is_delivered()),
                    "{disposition:?} / {name}: {reports:?}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_the_server_finishes_after_the_client_gave_up_is_not_sent_again() {
    let server = model_server((Duration::from_millis(20), Duration::from_millis(100))).await;
    // 20 commits spread over 2 s; the client gives up after 300 ms.
    server.faults().next_request(Fault::SlowCommit {
        over: Duration::from_secs(2),
    });
    let retry = fast_retry().execution_limit(Duration::from_secs(3));
    let sender = sender_with(
        &server,
        Disposition::SendAndSaveCopy,
        Duration::from_millis(300),
        retry,
    );
    let messages = batch(20);
    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;
    assert_settled(&server, Disposition::SendAndSaveCopy, &messages, &reports);
    assert!(reports.iter().all(|r| matches!(
        r.outcome,
        Outcome::Delivered {
            duplicate_avoided: true,
            ..
        }
    )));
    let creates = server
        .requests()
        .iter()
        .filter(|r| r.operation() == Some("CreateItem"))
        .count();
    assert_eq!(creates, 1, "every message was found; none was sent again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_still_in_submission_are_never_deleted_or_resent() {
    // Exchange's transport is slow today: 1.5 s from create to submission.
    let server = model_server((Duration::from_millis(1500), Duration::from_millis(1500))).await;
    server.faults().next_request(Fault::CloseAfterCommit);
    let sender = sender_with(
        &server,
        Disposition::SendAndSaveCopy,
        Duration::from_secs(2),
        fast_retry().draft_grace(Duration::from_secs(5)),
    );
    let messages = batch(5);
    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;
    assert_settled(&server, Disposition::SendAndSaveCopy, &messages, &reports);
    assert!(server.cancelled().is_empty(), "no submission was cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submission_stuck_past_the_grace_period_is_deferred_not_resent() {
    let server = model_server((Duration::from_secs(3), Duration::from_secs(3))).await;
    server.faults().next_request(Fault::CloseAfterCommit);
    let sender = sender_with(
        &server,
        Disposition::SendAndSaveCopy,
        Duration::from_secs(2),
        fast_retry().draft_grace(Duration::from_millis(500)),
    );
    let messages = batch(3);
    let reports = sender.send_all(messages.clone()).await;
    for report in &reports {
        let Outcome::Deferred(failure) = &report.outcome else {
            panic!("{report}")
        };
        assert_eq!(failure.kind(), FailureKind::InSubmission, "{failure}");
    }
    server.idle().await;
    assert!(server.cancelled().is_empty());
    // Exchange delivered them anyway; resuming finds them instead of resending.
    let resumed = sender.resume_all(messages.clone()).await;
    assert_settled(&server, Disposition::SendAndSaveCopy, &messages, &resumed);
    assert!(resumed.iter().all(|r| matches!(
        r.outcome,
        Outcome::Delivered {
            duplicate_avoided: true,
            ..
        }
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_drafts_are_deleted_and_their_messages_sent_once() {
    let server = model_server((Duration::from_millis(20), Duration::from_millis(100))).await;
    server.faults().next_request(Fault::CommitWithoutSubmit);
    let sender = sender_with(
        &server,
        Disposition::SendAndSaveCopy,
        Duration::from_secs(2),
        fast_retry().draft_grace(Duration::from_millis(300)),
    );
    let messages = batch(4);
    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;
    assert_settled(&server, Disposition::SendAndSaveCopy, &messages, &reports);
    assert!(reports.iter().all(|r| r.attempts == 2), "{reports:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_hidden_in_an_internal_error_is_retried_after_its_back_off() {
    let server = model_server((Duration::ZERO, Duration::ZERO)).await;
    server
        .faults()
        .next_request(Fault::InternalServerError {
            inner_busy: Some(Duration::from_millis(150)),
        })
        .next_item(ItemFault::InternalServerError {
            inner_busy: Some(Duration::from_millis(50)),
        });
    let sender = sender_with(
        &server,
        Disposition::SendAndSaveCopy,
        Duration::from_secs(2),
        fast_retry().max_server_delay(Duration::from_secs(1)),
    );
    let messages = batch(3);
    let started = std::time::Instant::now();
    let reports = sender.send_all(messages.clone()).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    server.idle().await;
    assert_settled(&server, Disposition::SendAndSaveCopy, &messages, &reports);
    assert_eq!(reports[0].attempts, 3, "busy request, then busy item");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_internal_error_without_inner_code_is_retried_a_bounded_number_of_times() {
    let server = model_server((Duration::ZERO, Duration::ZERO)).await;
    server
        .faults()
        .per_recipient(
            &smtp("user0@contoso.com"),
            ItemFault::InternalServerError { inner_busy: None },
        )
        .next_item(ItemFault::InternalServerError { inner_busy: None });
    let sender = sender_with(
        &server,
        Disposition::SendAndSaveCopy,
        Duration::from_secs(2),
        fast_retry().internal_error_retries(2),
    );
    let messages = batch(3);
    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;
    let Outcome::Failed(failure) = &reports[0].outcome else {
        panic!("{}", reports[0])
    };
    assert_eq!(
        failure.code(),
        Some(&ResponseCode::ErrorInternalServerError)
    );
    assert_eq!(failure.kind(), FailureKind::Server);
    assert_eq!(reports[0].attempts, 3, "the first try and two retries");
    assert_eq!(arrived(&server, &messages[0]), 0);
    for (message, report) in messages.iter().zip(&reports).skip(1) {
        assert!(report.outcome.is_delivered(), "{report}");
        assert_eq!(arrived(&server, message), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_reads_newest_items_instead_of_scanning_a_big_folder() {
    // A heavy user: 300 items in Conversation History, where a restriction times
    // out (KB 3077710) beyond 100 items.
    let server = TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("svc-offline-im@contoso.com", "service password")
        .restriction_scan_limit(100)
        .start()
        .await
        .unwrap();
    let sender = sender_with(
        &server,
        Disposition::SendAndSaveCopy,
        Duration::from_secs(2),
        fast_retry(),
    );
    let history = batch(300);
    assert!(
        sender
            .send_all(history)
            .await
            .iter()
            .all(|r| r.outcome.is_delivered())
    );
    server.idle().await;
    server.faults().next_request(Fault::CloseAfterCommit);
    let messages = batch(5);
    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;
    for (message, report) in messages.iter().zip(&reports) {
        assert!(
            matches!(
                report.outcome,
                Outcome::Delivered {
                    duplicate_avoided: true,
                    ..
                }
            ),
            "{report}"
        );
        assert_eq!(arrived(&server, message), 1);
    }
    let restricted = server
        .requests()
        .iter()
        .filter(|r| r.operation() == Some("FindItem"))
        .filter(|r| String::from_utf8_lossy(r.body()).contains("Restriction"))
        .count();
    assert_eq!(restricted, 0, "no FindItem used a restriction");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_say_who_what_and_why() {
    let server = model_server((Duration::ZERO, Duration::ZERO)).await;
    server
        .faults()
        .per_recipient(&smtp("user1@contoso.com"), ItemFault::QuotaExceeded);
    let sender = sender(&server);
    let reports = sender.send_all(batch(2)).await;
    let line = reports[0].to_string();
    assert!(
        line.starts_with(
            "user0@contoso.com (same organization, IPM.Note.Microsoft.Missed): delivered"
        ),
        "{line}"
    );
    let line = reports[1].to_string();
    assert!(
        line.contains("failed: ErrorQuotaExceeded (rejected)"),
        "{line}"
    );
    let Outcome::Failed(failure) = &reports[1].outcome else {
        panic!("{line}")
    };
    assert!(failure.is_permanent() && !failure.is_throttled() && !failure.is_timeout());
    let summary = offline_im::send::Summary::of(&reports).to_string();
    assert_eq!(
        summary,
        "2 messages: 1 delivered, 0 denied or blocked, 1 failed, 0 deferred"
    );
}
