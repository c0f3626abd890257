//! The test server's Graph endpoints driven with raw HTTP: create, send with
//! asynchronous submission, lookup by extended property, delete, move, `$batch`,
//! errors, throttling and Outlook's per-mailbox concurrency limit.

#[path = "support/raw_ews_client.rs"]
mod raw_ews_client;

use std::net::SocketAddr;
use std::time::Duration;

use offline_im::plan::Folder;
use offline_im::testkit::{Fault, TestServer};
use raw_ews_client::http;
use serde_json::{Value, json};

const TOKEN: &str = "Bearer graph-test-token";
const DELIVERY_ID: &str = "String {84e14aa7-1b60-4f34-b909-719b1387b4c7} Name OfflineImDeliveryId";
const MISSED: &str = "IPM.Note.Microsoft.Missed";

async fn server(lag_ms: u64) -> TestServer {
    TestServer::builder()
        .mailbox("kim@contoso.com")
        .mailbox("pat@contoso.com")
        .hosted_domain("contoso.com")
        .bearer_token("graph-test-token")
        .submission_lag(Duration::from_millis(lag_ms), Duration::from_millis(lag_ms))
        .start()
        .await
        .expect("the server starts")
}

struct Answer {
    status: u16,
    retry_after: Option<String>,
    json: Value,
}

async fn call(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> Option<Answer> {
    let bytes = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let reply = http(addr, method, path, &[("Authorization", TOKEN)], &bytes).await?;
    Some(Answer {
        status: reply.status,
        retry_after: reply.header("Retry-After").map(str::to_owned),
        json: serde_json::from_str(&reply.body).unwrap_or(Value::Null),
    })
}

fn im(id: &str) -> Value {
    json!({
        "subject": "Missed conversation with Kim",
        "body": {"contentType": "html", "content": "<p>hi</p>"},
        "importance": "normal",
        "toRecipients": [{"emailAddress": {"address": "pat@contoso.com", "name": "Pat"}}],
        "singleValueExtendedProperties": [
            {"id": "String 0x001A", "value": MISSED},
            {"id": DELIVERY_ID, "value": id}
        ]
    })
}

fn lookup_path(folder: &str, id: &str) -> String {
    let filter = format!(
        "singleValueExtendedProperties/Any(ep: ep/id eq '{DELIVERY_ID}' and ep/value eq '{id}')"
    );
    let expand = format!(
        "singleValueExtendedProperties($filter=id eq '{DELIVERY_ID}' or id eq 'Integer 0x0E07')"
    );
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "/v1.0/users/kim%40contoso.com/mailFolders/{folder}/messages?$filter={}&$select=id,isDraft&$expand={}",
        enc(&filter),
        enc(&expand)
    )
}

#[tokio::test]
async fn create_then_send_keeps_class_and_id_submits_later_and_delivers_once() {
    let server = server(300).await;
    let addr = server.addr();
    let kim = "kim@contoso.com".parse().unwrap();
    let pat = "pat@contoso.com".parse().unwrap();
    let created = call(
        addr,
        "POST",
        "/v1.0/users/kim@contoso.com/messages",
        Some(&im("d-1")),
    )
    .await
    .unwrap();
    assert_eq!(created.status, 201, "{}", created.json);
    assert_eq!(created.json["isDraft"], true);
    let id = created.json["id"].as_str().unwrap().to_owned();

    let sent = call(
        addr,
        "POST",
        &format!("/v1.0/users/kim@contoso.com/messages/{id}/send"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(sent.status, 202);
    // Submission is asynchronous: the draft waits in Drafts, marked submitted.
    let found = call(addr, "GET", &lookup_path("drafts", "d-1"), None)
        .await
        .unwrap();
    assert_eq!(found.status, 200, "{}", found.json);
    let value = &found.json["value"];
    assert_eq!(value.as_array().unwrap().len(), 1);
    let flags = value[0]["singleValueExtendedProperties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "Integer 0x0E07")
        .and_then(|p| p["value"].as_str())
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap();
    assert_eq!(
        flags & 0x4,
        0x4,
        "mfSubmitted while waiting for the transport"
    );
    // Sending it a second time is refused: it is no longer a draft to send.
    let again = call(
        addr,
        "POST",
        &format!("/v1.0/users/kim@contoso.com/messages/{id}/send"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(again.status, 400);

    server.idle().await;
    assert!(server.folder(&kim, Folder::Drafts).is_empty());
    let copies = server.folder(&kim, Folder::SentItems);
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].item_class(), MISSED);
    let inbox = server.folder(&pat, Folder::Inbox);
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].item_class(), MISSED);
    assert_eq!(
        inbox[0].extended_property_by_name("OfflineImDeliveryId"),
        Some("d-1")
    );
    let in_sent = call(addr, "GET", &lookup_path("sentitems", "d-1"), None)
        .await
        .unwrap();
    assert_eq!(in_sent.json["value"][0]["isDraft"], false);
    let elsewhere = call(addr, "GET", &lookup_path("sentitems", "d-2"), None)
        .await
        .unwrap();
    assert_eq!(elsewhere.json["value"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn delete_cancels_a_draft_and_move_gives_a_new_id() {
    let server = server(0).await;
    let addr = server.addr();
    let kim = "kim@contoso.com".parse().unwrap();
    let draft = call(
        addr,
        "POST",
        "/v1.0/users/kim@contoso.com/messages",
        Some(&im("d-3")),
    )
    .await
    .unwrap();
    let id = draft.json["id"].as_str().unwrap();
    let deleted = call(
        addr,
        "DELETE",
        &format!("/v1.0/users/kim@contoso.com/messages/{id}"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(deleted.status, 204);
    assert!(server.folder(&kim, Folder::Drafts).is_empty());
    let gone = call(
        addr,
        "DELETE",
        &format!("/v1.0/users/kim@contoso.com/messages/{id}"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json["error"]["code"], "ErrorItemNotFound");

    let made = call(
        addr,
        "POST",
        "/v1.0/users/kim@contoso.com/messages",
        Some(&im("d-4")),
    )
    .await
    .unwrap();
    let id = made.json["id"].as_str().unwrap();
    call(
        addr,
        "POST",
        &format!("/v1.0/users/kim@contoso.com/messages/{id}/send"),
        None,
    )
    .await
    .unwrap();
    server.idle().await;
    let copy = server.folder(&kim, Folder::SentItems)[0].id().to_owned();
    let moved = call(
        addr,
        "POST",
        &format!("/v1.0/users/kim@contoso.com/messages/{copy}/move"),
        Some(&json!({"destinationId": "conversationhistory"})),
    )
    .await
    .unwrap();
    assert_eq!(moved.status, 201, "{}", moved.json);
    assert_ne!(moved.json["id"].as_str().unwrap(), copy);
    assert_eq!(server.folder(&kim, Folder::ConversationHistory).len(), 1);
    assert!(server.folder(&kim, Folder::SentItems).is_empty());
}

#[tokio::test]
async fn missing_token_unknown_user_bad_filter_and_unknown_property_get_graph_errors() {
    let server = server(0).await;
    let addr = server.addr();
    let reply = http(
        addr,
        "GET",
        "/v1.0/users/kim@contoso.com/messages",
        &[],
        b"",
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 401);
    assert!(reply.body.contains("InvalidAuthenticationToken"));
    let reply = http(
        addr,
        "GET",
        "/v1.0/users/kim@contoso.com/messages",
        &[("Authorization", "Bearer wrong")],
        b"",
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 401);

    let filter = call(
        addr,
        "GET",
        "/v1.0/users/kim@contoso.com/messages?$filter=subject%20eq%20'x'",
        None,
    )
    .await
    .unwrap();
    assert_eq!(filter.status, 400);
    assert_eq!(filter.json["error"]["code"], "ErrorInvalidUrlQueryFilter");
    let mut bad = im("d-5");
    bad["frobnicate"] = json!(1);
    let refused = call(
        addr,
        "POST",
        "/v1.0/users/kim@contoso.com/messages",
        Some(&bad),
    )
    .await
    .unwrap();
    assert_eq!(refused.status, 400);
    assert!(
        refused.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("frobnicate")
    );
}

#[tokio::test]
async fn batch_runs_dependencies_answers_424_and_throttles_beyond_four_per_mailbox() {
    let server = server(0).await;
    let addr = server.addr();
    let kim = "kim@contoso.com".parse().unwrap();
    let requests: Vec<Value> = (0..6)
        .map(|i| {
            json!({"id": format!("{i}"), "method": "POST", "url": "/users/kim@contoso.com/messages",
                   "headers": {"Content-Type": "application/json"}, "body": im(&format!("b-{i}"))})
        })
        .chain([json!({"id": "x", "method": "DELETE", "url": "/users/kim@contoso.com/messages/nope", "dependsOn": ["5"]})])
        .collect();
    let reply = call(
        addr,
        "POST",
        "/v1.0/$batch",
        Some(&json!({"requests": requests})),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200, "{}", reply.json);
    let responses = reply.json["responses"].as_array().unwrap();
    let status = |id: &str| {
        responses
            .iter()
            .find(|r| r["id"] == id)
            .and_then(|r| r["status"].as_u64())
            .unwrap()
    };
    let created = (0..6).filter(|i| status(&i.to_string()) == 201).count();
    let throttled: Vec<_> = (0..6).filter(|i| status(&i.to_string()) == 429).collect();
    assert_eq!((created, throttled.len()), (4, 2), "{responses:?}");
    assert_eq!(status("x"), 424);
    let one = responses.iter().find(|r| r["status"] == 429).unwrap();
    assert_eq!(one["body"]["error"]["code"], "ApplicationThrottled");
    assert_eq!(one["headers"]["Retry-After"], "1");
    assert_eq!(server.folder(&kim, Folder::Drafts).len(), 4);

    let too_many: Vec<Value> = (0..21)
        .map(|i| json!({"id": format!("{i}"), "method": "GET", "url": "/users/kim@contoso.com/messages"}))
        .collect();
    let refused = call(
        addr,
        "POST",
        "/v1.0/$batch",
        Some(&json!({"requests": too_many})),
    )
    .await
    .unwrap();
    assert_eq!(refused.status, 400);
}

#[tokio::test]
async fn a_fifth_concurrent_request_to_one_mailbox_is_throttled() {
    let server = TestServer::builder()
        .mailbox("kim@contoso.com")
        .latency(Duration::from_millis(400))
        .start()
        .await
        .unwrap();
    let addr = server.addr();
    let calls = (0..5).map(|_| call(addr, "GET", "/v1.0/users/kim@contoso.com/messages", None));
    let answers = futures_util::future::join_all(calls).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.as_ref().unwrap().status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        4,
        "{statuses:?}"
    );
    let throttled = answers.iter().flatten().find(|a| a.status == 429).unwrap();
    assert_eq!(throttled.json["error"]["code"], "ApplicationThrottled");
    assert_eq!(throttled.retry_after.as_deref(), Some("1"));
}

#[tokio::test]
async fn faults_throttle_503_and_lose_replies_after_the_work() {
    let server = server(0).await;
    let addr = server.addr();
    let kim = "kim@contoso.com".parse().unwrap();
    let faults = server.faults();
    faults.next_request(Fault::ServerBusyFault {
        back_off: Duration::from_secs(3),
    });
    let busy = call(
        addr,
        "POST",
        "/v1.0/users/kim@contoso.com/messages",
        Some(&im("f-1")),
    )
    .await
    .unwrap();
    assert_eq!((busy.status, busy.retry_after.as_deref()), (429, Some("3")));
    faults.next_request(Fault::ServiceUnavailable {
        retry_after_secs: 2,
    });
    let unavailable = call(
        addr,
        "POST",
        "/v1.0/users/kim@contoso.com/messages",
        Some(&im("f-1")),
    )
    .await
    .unwrap();
    assert_eq!(
        (unavailable.status, unavailable.retry_after.as_deref()),
        (503, Some("2"))
    );
    assert!(
        server.folder(&kim, Folder::Drafts).is_empty(),
        "nothing applied"
    );

    faults.next_request(Fault::CloseAfterCommit);
    let lost = call(
        addr,
        "POST",
        "/v1.0/users/kim@contoso.com/messages",
        Some(&im("f-2")),
    )
    .await;
    assert!(lost.is_none());
    faults.next_request(Fault::GatewayTimeout);
    let gateway = call(
        addr,
        "POST",
        "/v1.0/users/kim@contoso.com/messages",
        Some(&im("f-3")),
    )
    .await
    .unwrap();
    assert_eq!(gateway.status, 504);
    server.idle().await;
    assert_eq!(
        server.folder(&kim, Folder::Drafts).len(),
        2,
        "the work was done"
    );
}
