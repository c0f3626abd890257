//! The sender under every fault the testkit can inject: what arrived, exactly once,
//! which error came back, and never a draft left behind.

#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use std::time::{Duration, SystemTime};

use offline_im::compose::OfflineIm;
use offline_im::ews::ResponseCode;
use offline_im::plan::Folder;
use offline_im::send::{DeliveryReport, Outcome, Sender};
use offline_im::settings::Settings;
use offline_im::testkit::{Fault, ItemFault, TestServer};
use sender_on_testkit::*;

fn batch(n: usize) -> Vec<OfflineIm> {
    (0..n)
        .map(|i| {
            im(
                "kim@contoso.com",
                &format!("user{i}@contoso.com"),
                &format!("message {i}"),
            )
        })
        .collect()
}

/// Every message delivered exactly once: one copy in the recipient's inbox and one
/// in the sender's conversation history; Drafts empty.
fn assert_exactly_once(server: &TestServer, messages: &[OfflineIm], reports: &[DeliveryReport]) {
    for (i, (message, report)) in messages.iter().zip(reports).enumerate() {
        assert_eq!(report.delivery_id, message.delivery_id());
        assert!(report.outcome.is_delivered(), "message {i}: {report}");
        let to = message.recipient().smtp().as_str();
        assert_eq!(
            copies(server, to, Folder::Inbox, message),
            1,
            "message {i} in {to}'s inbox"
        );
        assert_eq!(
            copies(
                server,
                "kim@contoso.com",
                Folder::ConversationHistory,
                message
            ),
            1,
            "message {i}: sender's copy"
        );
    }
    assert!(
        server
            .folder(&smtp("kim@contoso.com"), Folder::Drafts)
            .is_empty()
    );
}

/// Sends `messages` and waits until the server has submitted everything it
/// accepted (Exchange submits after replying).
async fn run(server: &TestServer, messages: &[OfflineIm]) -> Vec<DeliveryReport> {
    let reports = sender(server).send_all(messages.to_vec()).await;
    server.idle().await;
    reports
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_busy_fault_is_retried_after_the_back_off() {
    let server = server().await;
    server.faults().next_requests(
        2,
        Fault::ServerBusyFault {
            back_off: Duration::from_millis(50),
        },
    );
    let messages = batch(5);
    let reports = run(&server, &messages).await;
    assert_exactly_once(&server, &messages, &reports);
    assert!(reports.iter().all(|r| r.attempts == 3), "{reports:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_unavailable_with_retry_after_seconds_or_date_is_retried() {
    let server = server().await;
    server
        .faults()
        .next_request(Fault::ServiceUnavailable {
            retry_after_secs: 0,
        })
        .next_request(Fault::ServiceUnavailableUntil(SystemTime::now()));
    let messages = batch(3);
    let reports = run(&server, &messages).await;
    assert_exactly_once(&server, &messages, &reports);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_closed_before_commit_is_resent() {
    let server = server().await;
    server.faults().next_request(Fault::CloseBeforeCommit);
    let messages = batch(4);
    let reports = run(&server, &messages).await;
    assert_exactly_once(&server, &messages, &reports);
    assert!(reports.iter().all(|r| matches!(
        r.outcome,
        Outcome::Delivered {
            duplicate_avoided: false,
            ..
        }
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_closed_after_commit_is_not_resent() {
    let server = server().await;
    server.faults().next_request(Fault::CloseAfterCommit);
    let messages = batch(4);
    let reports = run(&server, &messages).await;
    assert_exactly_once(&server, &messages, &reports);
    assert!(
        reports.iter().all(|r| matches!(
            r.outcome,
            Outcome::Delivered {
                duplicate_avoided: true,
                ..
            }
        )),
        "{reports:?}"
    );
    let creates = server
        .requests()
        .iter()
        .filter(|r| r.operation() == Some("CreateItem"))
        .count();
    assert_eq!(creates, 1, "found by FindItem, so never sent again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_reply_is_checked_before_any_resend() {
    let server = server().await;
    server.faults().next_request(Fault::MalformedReply);
    let messages = batch(3);
    let reports = run(&server, &messages).await;
    assert_exactly_once(&server, &messages, &reports);
    assert!(reports.iter().all(|r| matches!(
        r.outcome,
        Outcome::Delivered {
            duplicate_avoided: true,
            ..
        }
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_reply_within_the_timeout_is_just_slow() {
    let server = server().await;
    server
        .faults()
        .next_request(Fault::Delay(Duration::from_millis(300)));
    let messages = batch(2);
    let reports = run(&server, &messages).await;
    assert_exactly_once(&server, &messages, &reports);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_leads_to_a_check_not_a_blind_resend() {
    let server = server().await;
    server
        .faults()
        .next_request(Fault::Delay(Duration::from_millis(600)));
    let sender = Sender::from_settings(
        transport(&server, Duration::from_millis(200)),
        Settings::from_toml_str(SETTINGS).unwrap(),
    )
    .retry(fast_retry().check_delay(Duration::from_millis(1000)))
    .build()
    .unwrap();
    let messages = batch(3);
    let reports = sender.send_all(messages.clone()).await;
    server.idle().await;
    assert_exactly_once(&server, &messages, &reports);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized_fails_every_message_with_a_clear_error() {
    let server = server().await;
    server.faults().next_request(Fault::Unauthorized);
    let messages = batch(2);
    let reports = run(&server, &messages).await;
    for report in &reports {
        let Outcome::Failed(failure) = &report.outcome else {
            panic!("{report}")
        };
        assert!(failure.message().contains("401"), "{failure}");
        assert!(!failure.message().contains("service password"));
    }
    assert!(
        server
            .folder(&smtp("kim@contoso.com"), Folder::ConversationHistory)
            .is_empty()
    );
    assert!(
        server
            .folder(&smtp("kim@contoso.com"), Folder::Drafts)
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_item_is_retried_alone_and_others_are_not_resent() {
    let server = server().await;
    server.faults().next_item(ItemFault::ServerBusy {
        back_off: Duration::from_millis(20),
    });
    let messages = batch(3);
    let reports = run(&server, &messages).await;
    assert_exactly_once(&server, &messages, &reports);
    let attempts: Vec<u32> = reports.iter().map(|r| r.attempts).collect();
    assert_eq!(attempts, [2, 1, 1], "only the busy message was sent again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanent_item_errors_fail_that_message_only() {
    let server = server().await;
    server
        .faults()
        .per_recipient(&smtp("user0@contoso.com"), ItemFault::InvalidRecipients)
        .per_recipient(&smtp("user1@contoso.com"), ItemFault::NonExistentMailbox)
        .per_recipient(&smtp("user2@contoso.com"), ItemFault::QuotaExceeded);
    let messages = batch(4);
    let reports = run(&server, &messages).await;
    let codes: Vec<Option<ResponseCode>> = reports[..3]
        .iter()
        .map(|r| match &r.outcome {
            Outcome::Failed(failure) => failure.code().cloned(),
            other => panic!("{other}"),
        })
        .collect();
    assert_eq!(
        codes,
        [
            Some(ResponseCode::ErrorInvalidRecipients),
            Some(ResponseCode::ErrorNonExistentMailbox),
            Some(ResponseCode::ErrorQuotaExceeded)
        ]
    );
    assert!(reports[3].outcome.is_delivered());
    assert_eq!(
        copies(&server, "user3@contoso.com", Folder::Inbox, &messages[3]),
        1
    );
    assert_eq!(
        copies(&server, "user0@contoso.com", Folder::Inbox, &messages[0]),
        0
    );
    assert_eq!(reports[3].attempts, 1, "the good message was sent once");
    assert!(
        server
            .folder(&smtp("kim@contoso.com"), Folder::Drafts)
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_trouble_past_the_deadline_is_deferred() {
    let server = server().await;
    server.faults().next_requests(
        1000,
        Fault::ServiceUnavailable {
            retry_after_secs: 0,
        },
    );
    let sender = Sender::from_settings(
        transport(&server, Duration::from_secs(5)),
        Settings::from_toml_str(SETTINGS).unwrap(),
    )
    .retry(fast_retry().deadline(Duration::from_millis(100)))
    .build()
    .unwrap();
    let reports = sender.send_all(batch(2)).await;
    server.idle().await;
    for report in &reports {
        let Outcome::Deferred(failure) = &report.outcome else {
            panic!("{report}")
        };
        assert!(failure.message().contains("503"), "{failure}");
    }
    assert!(
        server
            .folder(&smtp("kim@contoso.com"), Folder::Drafts)
            .is_empty()
    );
}
