//! Faking Exchange without knowing EWS: the recording transport answers success by
//! default, and the reply builders write what Exchange answers, read back by the
//! crate's own reader as Exchange's replies are.

#[path = "support/sender_on_script.rs"]
mod sender_on_script;

use std::time::Duration;

use offline_im::compose::DeliveryId;
use offline_im::ews::{Reply, ResponseCode, ResponseReader};
use offline_im::send::{FailureKind, Outcome, RetryPolicy, Summary};
use offline_im::transport::fake::{CreateItemReply, FindItemReply, FoundMessage, fault};
use offline_im::transport::{EwsReply, RecordingTransport, TransportError};
use sender_on_script::{message, sender};

#[tokio::test]
async fn with_nothing_scripted_every_message_is_delivered() {
    let sender = sender(RecordingTransport::new(), RetryPolicy::new());
    let reports = sender
        .send_all([message("one"), message("two"), message("three")])
        .await;
    assert_eq!(Summary::of(&reports).delivered, 3, "{reports:?}");
    let sent = sender.transport().requests();
    assert_eq!(sent.len(), 1, "three messages, one CreateItem");
    assert_eq!(sent[0].operation, "CreateItem");
}

#[tokio::test(start_paused = true)]
async fn scripted_trouble_then_success() {
    // Busy for 2 s, then one message refused, one created.
    let transport = RecordingTransport::new()
        .with_reply(fault(
            ResponseCode::ErrorServerBusy,
            Some(Duration::from_secs(2)),
        ))
        .with_reply(
            CreateItemReply::new()
                .failed(ResponseCode::ErrorQuotaExceeded, "The mailbox is full.")
                .created()
                .build(),
        );
    let sender = sender(transport, RetryPolicy::new());
    let started = tokio::time::Instant::now();
    let reports = sender.send_all([message("full"), message("fine")]).await;
    assert!(started.elapsed() >= Duration::from_secs(2));
    let Outcome::Failed(failure) = &reports[0].outcome else {
        panic!("{}", reports[0])
    };
    assert_eq!(failure.code(), Some(&ResponseCode::ErrorQuotaExceeded));
    assert_eq!(failure.kind(), FailureKind::Rejected);
    assert!(reports[1].outcome.is_delivered());
}

#[tokio::test(start_paused = true)]
async fn a_lost_reply_and_a_message_found_in_its_folder_is_not_sent_again() {
    let im = message("sent, but the reply was lost");
    let transport = RecordingTransport::new()
        .with_error(TransportError::connection_lost())
        // Drafts empty; Conversation History holds it.
        .with_reply(
            FindItemReply::new()
                .folder([])
                .folder([FoundMessage::new("AAMkSaved", im.delivery_id())])
                .build(),
        );
    let sender = sender(
        transport,
        RetryPolicy::new().check_delay(Duration::from_millis(10)),
    );
    let report = sender.send(im).await;
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
    let creates = sender
        .transport()
        .requests()
        .iter()
        .filter(|r| r.operation == "CreateItem")
        .count();
    assert_eq!(creates, 1);
}

#[tokio::test]
async fn a_strict_transport_refuses_what_was_not_scripted() {
    let transport = RecordingTransport::strict();
    let sender = sender(transport, RetryPolicy::new());
    let report = sender.send(message("hi")).await;
    assert!(matches!(report.outcome, Outcome::Failed(_)), "{report}");
}

#[test]
fn the_builders_write_what_the_reader_reads_as_exchange() {
    let reader = ResponseReader::default();
    let reply = CreateItemReply::new()
        .created()
        .busy(Duration::from_millis(1500))
        .busy_inside_internal_error(Duration::from_secs(300))
        .build();
    let Reply::Response(response) = reader.read_create_item(&reply.body).unwrap() else {
        panic!("not a response")
    };
    let [created, busy, hidden] = &response.messages[..] else {
        panic!("{response:?}")
    };
    assert!(created.status.is_success());
    assert_eq!(busy.status.code, ResponseCode::ErrorServerBusy);
    assert_eq!(busy.status.back_off(), Some(Duration::from_millis(1500)));
    assert_eq!(hidden.status.code, ResponseCode::ErrorInternalServerError);
    assert_eq!(
        hidden.status.inner_code(),
        Some(ResponseCode::ErrorServerBusy)
    );
    assert!(hidden.status.is_transient());
    assert_eq!(hidden.status.back_off(), Some(Duration::from_secs(300)));

    let id = DeliveryId::new();
    let reply = FindItemReply::new()
        .folder([FoundMessage::new("AAMkDraft", id).submitted(true)])
        .build();
    let Reply::Response(response) = reader.read_find_item(&reply.body).unwrap() else {
        panic!("not a response")
    };
    let found = &response.messages[0].items[0];
    assert_eq!(found.delivery_id, Some(id));
    assert_eq!(found.is_submitted, Some(true));
    assert!(found.created.is_some());

    let busy = fault(ResponseCode::ErrorServerBusy, Some(Duration::from_secs(30)));
    let Reply::Fault(fault) = reader.read_create_item(&busy.body).unwrap() else {
        panic!("not a fault")
    };
    assert!(fault.is_transient());
    assert_eq!(fault.back_off(), Some(Duration::from_secs(30)));
}

#[tokio::test(start_paused = true)]
async fn an_empty_reply_is_not_taken_for_success() {
    // The mistake a hand-made fake makes: 200 with an empty body. The sender
    // cannot know what happened, so it looks before it sends again.
    let transport = RecordingTransport::new().with_reply(EwsReply::ok(""));
    let sender = sender(transport, RetryPolicy::new());
    let report = sender.send(message("hi")).await;
    assert!(report.outcome.is_delivered(), "{report}");
    assert_eq!(
        report.attempts, 2,
        "sent again only after looking: {report}"
    );
    let operations: Vec<_> = sender
        .transport()
        .requests()
        .iter()
        .map(|r| r.operation)
        .collect();
    assert_eq!(operations.first(), Some(&"CreateItem"));
    assert_eq!(operations.last(), Some(&"CreateItem"));
    assert!(operations.contains(&"FindItem"), "{operations:?}");
}
