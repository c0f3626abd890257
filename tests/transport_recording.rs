//! RecordingTransport and the trait plumbing, through the public API only.

use std::sync::Arc;
use std::time::Duration;

use offline_im::transport::{
    DynTransport, EwsReply, EwsRequest, RecordingTransport, RetryAfter, Transport, TransportError,
};

/// What a pipeline looks like to a transport: generic over `T: Transport`.
async fn send_one<T: Transport>(
    transport: &T,
    operation: &'static str,
) -> Result<EwsReply, TransportError> {
    transport
        .send(EwsRequest::new(operation, operation.as_bytes().to_vec()))
        .await
}

#[tokio::test]
async fn scripted_results_come_back_in_order_and_requests_are_recorded() {
    let busy = EwsReply::new(503, "").with_retry_after(RetryAfter::Delay(Duration::from_secs(5)));
    let transport = RecordingTransport::new()
        .with_reply(busy.clone())
        .with_error(TransportError::connection_lost())
        .with_reply(EwsReply::ok("<done/>"));
    let mailbox = "kim@contoso.com".parse().unwrap();
    let id = uuid::Uuid::new_v4();

    let first = transport
        .send(
            EwsRequest::new("CreateItem", "<one/>")
                .anchor_mailbox(mailbox)
                .client_request_id(id),
        )
        .await;
    let second = transport
        .send(EwsRequest::new("CreateItem", "<one/>"))
        .await;
    let third = transport.send(EwsRequest::new("FindItem", "<two/>")).await;

    assert_eq!(first.unwrap(), busy);
    assert!(second.unwrap_err().outcome_unknown());
    assert_eq!(&third.unwrap().body[..], b"<done/>");
    assert_eq!(transport.remaining_script(), 0);

    let requests = transport.requests();
    assert_eq!(transport.request_count(), 3);
    let operations: Vec<_> = requests.iter().map(|r| r.operation).collect();
    assert_eq!(operations, ["CreateItem", "CreateItem", "FindItem"]);
    assert_eq!(&requests[0].body[..], b"<one/>");
    assert_eq!(
        requests[0].anchor_mailbox.as_ref().map(|m| m.as_str()),
        Some("kim@contoso.com")
    );
    assert_eq!(requests[0].client_request_id, Some(id));
    assert_eq!(requests[1].client_request_id, None);
    assert_eq!(&requests[2].body[..], b"<two/>");
}

#[tokio::test]
async fn an_empty_script_answers_like_an_exchange_that_accepts_everything() {
    let transport = RecordingTransport::new();
    let reply = send_one(&transport, "CreateItem").await.unwrap();
    assert_eq!(reply.status, 200);
    let reply = send_one(&transport, "SendItem").await.unwrap();
    assert_eq!(reply.status, 500, "an operation the fake does not know");
}

#[tokio::test]
async fn a_strict_transport_answers_an_empty_script_with_an_error_not_a_panic() {
    let transport = RecordingTransport::strict().with_reply(EwsReply::ok(""));
    send_one(&transport, "CreateItem").await.unwrap();

    let err = send_one(&transport, "SendItem").await.unwrap_err();

    let text = err.to_string();
    assert!(text.contains("no scripted reply"), "{text}");
    assert!(text.contains("#2") && text.contains("SendItem"), "{text}");
    assert!(!err.outcome_unknown() && !err.is_transient() && !err.is_connect());
    assert_eq!(
        transport.request_count(),
        2,
        "the unanswered request is recorded too"
    );
}

#[tokio::test]
async fn a_closure_answers_after_the_script() {
    let transport = RecordingTransport::responding_with(|request| {
        if request.operation == "FindItem" {
            Ok(EwsReply::ok(request.body.clone()))
        } else {
            Err(TransportError::connect_failed())
        }
    })
    .with_reply(EwsReply::new(500, "scripted first"));

    assert_eq!(
        send_one(&transport, "CreateItem").await.unwrap().status,
        500
    );
    assert!(
        send_one(&transport, "CreateItem")
            .await
            .unwrap_err()
            .is_connect()
    );
    let echoed = send_one(&transport, "FindItem").await.unwrap();
    assert_eq!(&echoed.body[..], b"FindItem");

    // Scripting through a shared reference while in use.
    transport.push(Ok(EwsReply::new(202, "")));
    assert_eq!(send_one(&transport, "FindItem").await.unwrap().status, 202);
    assert_eq!(transport.request_count(), 4);
}

#[tokio::test]
async fn dyn_and_shared_forms_are_transports_too() {
    let recording = Arc::new(RecordingTransport::new());
    for _ in 0..4 {
        recording.push(Ok(EwsReply::ok("")));
    }

    let shared: Arc<dyn DynTransport> = recording.clone();
    let boxed: Box<dyn DynTransport> = Box::new(Arc::clone(&recording));
    send_one(&shared, "A").await.unwrap();
    send_one(&boxed, "B").await.unwrap();
    send_one(&recording, "C").await.unwrap();
    send_one(&&*recording, "D").await.unwrap();

    let operations: Vec<_> = recording.requests().iter().map(|r| r.operation).collect();
    assert_eq!(operations, ["A", "B", "C", "D"]);
}

#[tokio::test]
async fn send_futures_can_cross_threads() {
    fn assert_send<T: Send>(_: &T) {}
    let transport = RecordingTransport::new().with_reply(EwsReply::ok(""));
    let future = send_one(&transport, "CreateItem");
    assert_send(&future);
    future.await.unwrap();
}

#[test]
fn test_double_errors_answer_the_questions_a_pipeline_asks() {
    let lost = TransportError::connection_lost();
    assert!(lost.outcome_unknown() && lost.is_transient() && !lost.is_timeout());
    let slow = TransportError::timed_out_after_send();
    assert!(slow.outcome_unknown() && slow.is_timeout() && !slow.is_connect());
    let refused = TransportError::connect_failed();
    assert!(refused.is_connect() && !refused.outcome_unknown() && refused.is_transient());
    let slow_connect = TransportError::connect_timed_out();
    assert!(
        slow_connect.is_connect() && slow_connect.is_timeout() && !slow_connect.outcome_unknown()
    );
}

/// Autodiscover runs on the same seam: a `RecordingTransport` answering by URL
/// stands in for the network, and shows which request carried credentials.
#[tokio::test]
async fn autodiscover_sends_through_any_transport_and_probes_without_credentials() {
    use offline_im::autodiscover::{Autodiscover, NoSrvResolver};
    use offline_im::transport::Method;

    const PROBE: &str = "http://autodiscover.contoso.com/autodiscover/autodiscover.xml";
    const MAIL: &str = "https://mail.contoso.com/autodiscover/autodiscover.xml";
    const EWS: &str = "https://mail.contoso.com/EWS/Exchange.asmx";
    let transport = Arc::new(RecordingTransport::responding_with(|request| match request
        .url
        .as_ref()
        .map(url::Url::as_str)
    {
        Some(PROBE) => Ok(EwsReply::redirect(302, MAIL)),
        Some(MAIL) => Ok(EwsReply::ok(format!(
            "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">\
                 <Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a\">\
                 <Account><AccountType>email</AccountType><Action>settings</Action>\
                 <Protocol><Type>EXPR</Type><EwsUrl>{EWS}</EwsUrl></Protocol></Account>\
                 </Response></Autodiscover>"
        ))),
        _ => Err(TransportError::connect_failed()),
    }));
    let autodiscover = Autodiscover::builder()
        .transport(transport.clone())
        .resolver(NoSrvResolver)
        .build()
        .unwrap();

    let endpoint = autodiscover
        .discover(&"kim@contoso.com".parse().unwrap())
        .await
        .unwrap();

    assert_eq!(endpoint.url().as_str(), EWS);
    let sent = transport.requests();
    let probe = sent
        .iter()
        .find(|r| r.url.as_ref().is_some_and(|u| u.as_str() == PROBE))
        .unwrap();
    assert_eq!(probe.method, Method::Get);
    assert!(probe.anonymous && probe.body.is_empty());
    let last = sent.last().unwrap();
    assert_eq!(last.url.as_ref().unwrap().as_str(), MAIL);
    assert_eq!(last.method, Method::Post);
    assert!(!last.anonymous, "the allowed host gets the credentials");
    assert!(
        sent.iter().all(|r| r.url.is_some()),
        "every request names its URL"
    );
}
