//! The Graph wire layer through its public API: the lookup by delivery id, the
//! `$batch` rules, the requests' URLs, and Graph's error answers read into errors.

#[path = "support/graph_plans.rs"]
mod graph_plans;

use std::time::{Duration, SystemTime};

use graph_plans::{person, plan};
use offline_im::compose::DeliveryId;
use offline_im::graph::{
    BatchEntry, GraphError, GraphMessage, GraphRequest, GraphWriteError, MAX_BATCH_REQUESTS,
    Method, Recipient, RetryAfter, delivery_id_filter, delivery_id_query, plan_recipient,
    write_batch, write_create_message,
};
use offline_im::plan::Folder;

const ID: &str = "67e55044-10b1-426f-9247-bb680e5fe0c8";

/// Percent-decodes a query component, as a server does.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn the_lookup_query_decodes_to_the_documented_filter_and_stays_one_url() {
    let id: DeliveryId = ID.parse().unwrap();
    let query = delivery_id_query(id);
    // Nothing in it can end the URL, split the query or be read as a space.
    assert!(!query.contains([' ', '\'', '{', '}', '#', '+']), "{query}");
    let options: Vec<(&str, String)> = query
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k, decode(v))
        })
        .collect();
    let keys: Vec<&str> = options.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, ["$filter", "$select", "$expand"]);
    assert_eq!(options[0].1, delivery_id_filter(id));
    assert_eq!(
        options[0].1,
        format!(
            "singleValueExtendedProperties/Any(ep: ep/id eq \
             'String {{84e14aa7-1b60-4f34-b909-719b1387b4c7}} Name OfflineImDeliveryId' \
             and ep/value eq '{ID}')"
        )
    );
    assert!(options[1].1.split(',').any(|f| f == "isDraft"));
    assert!(
        options[2]
            .1
            .starts_with("singleValueExtendedProperties($filter=id eq 'String {")
    );
}

#[test]
fn lookups_name_the_folder_and_encode_the_user() {
    let id: DeliveryId = ID.parse().unwrap();
    let drafts =
        GraphRequest::find_by_delivery_id("kim@contoso.com", Some(Folder::Drafts), id).unwrap();
    assert_eq!(drafts.method, Method::Get);
    assert!(
        drafts
            .url
            .starts_with("/users/kim@contoso.com/mailFolders/drafts/messages?$filter=")
    );
    let everywhere = GraphRequest::find_by_delivery_id("o'neil+im@contoso.com", None, id).unwrap();
    assert!(
        everywhere
            .url
            .starts_with("/users/o%27neil%2Bim@contoso.com/messages?"),
        "{}",
        everywhere.url
    );
}

#[test]
fn create_goes_to_the_folder_asked_for_and_send_names_the_draft() {
    let p = plan(person("pat", "contoso.com", "Pat"), &["hi"]);
    let to = plan_recipient(&p);
    let message = GraphMessage::from_plan(&p, &to);
    let own = GraphRequest::create_message("kim@contoso.com", None, &message).unwrap();
    assert_eq!(own.url, "/users/kim@contoso.com/messages");
    let history = GraphRequest::create_message(
        "kim@contoso.com",
        Some(Folder::ConversationHistory),
        &message,
    )
    .unwrap();
    assert_eq!(
        history.url,
        "/users/kim@contoso.com/mailFolders/conversationhistory/messages"
    );
    assert_eq!(history.body.as_ref().unwrap()["importance"], "normal");
    let send = GraphRequest::send("kim@contoso.com", "AAMkAGI2/TAAA=").unwrap();
    assert_eq!(
        send.url,
        "/users/kim@contoso.com/messages/AAMkAGI2%2FTAAA%3D/send"
    );
    assert!(send.body.is_none());
    let delete = GraphRequest::delete_message("kim@contoso.com", "AAMk1").unwrap();
    assert_eq!(
        (delete.method, delete.url.as_str()),
        (Method::Delete, "/users/kim@contoso.com/messages/AAMk1")
    );
}

#[test]
fn bad_ids_in_urls_are_refused_by_name() {
    let err = GraphRequest::send("kim@contoso.com", "  ").unwrap_err();
    assert!(
        matches!(
            err,
            GraphWriteError::Invalid {
                field: "message id",
                ..
            }
        ),
        "{err}"
    );
    let err = GraphRequest::send("", "AAMk").unwrap_err();
    assert!(err.to_string().contains("user id"), "{err}");
    let err = GraphRequest::send("kim@contoso.com", "AA\r\nHost: evil").unwrap_err();
    assert!(err.to_string().contains("control characters"), "{err}");
}

#[test]
fn messages_graph_would_refuse_are_refused_before_writing() {
    let p = plan(person("pat", "contoso.com", "Pat"), &["hi"]);
    let mut buf = Vec::new();
    let err = write_create_message(&mut buf, &GraphMessage::from_plan(&p, &[])).unwrap_err();
    assert_eq!(
        err,
        GraphWriteError::Empty {
            what: "toRecipients"
        }
    );
    let blank = [Recipient::new(" ", None)];
    let err = write_create_message(&mut buf, &GraphMessage::from_plan(&p, &blank)).unwrap_err();
    assert!(err.to_string().contains("SMTP address"), "{err}");
    let to = plan_recipient(&p);
    let mut twice = GraphMessage::from_plan(&p, &to);
    twice.single_value_extended_properties.push(
        offline_im::graph::ExtendedPropertyValue::message_class("IPM.Note"),
    );
    let err = write_create_message(&mut buf, &twice).unwrap_err();
    assert!(err.to_string().contains("String 0x001A"), "{err}");
    assert!(buf.is_empty(), "nothing is written on error");
}

fn send(i: usize) -> GraphRequest {
    GraphRequest::send("kim@contoso.com", &format!("AAMk{i}")).unwrap()
}

#[test]
fn a_batch_keeps_order_ids_and_dependencies() {
    let entries: Vec<BatchEntry> = (0..MAX_BATCH_REQUESTS)
        .map(|i| {
            let e = BatchEntry::new((i + 1).to_string(), send(i));
            if i > 0 {
                e.depends_on(i.to_string())
            } else {
                e
            }
        })
        .collect();
    let mut buf = Vec::new();
    write_batch(&mut buf, &entries).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&buf).unwrap();
    let requests = json["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 20);
    assert_eq!(requests[0]["id"], "1");
    assert!(requests[0].get("dependsOn").is_none());
    assert_eq!(requests[19]["dependsOn"], serde_json::json!(["19"]));
    assert_eq!(requests[19]["method"], "POST");
    assert_eq!(
        requests[19]["url"],
        "/users/kim@contoso.com/messages/AAMk19/send"
    );
    // A body-less request carries no Content-Type header and no body.
    assert!(requests[0].get("headers").is_none() && requests[0].get("body").is_none());
}

#[test]
fn batches_graph_would_refuse_are_refused_naming_the_rule() {
    let mut buf = Vec::new();
    let too_many: Vec<BatchEntry> = (0..21)
        .map(|i| BatchEntry::new(i.to_string(), send(i)))
        .collect();
    let err = write_batch(&mut buf, &too_many).unwrap_err();
    assert_eq!(err, GraphWriteError::BatchTooLarge { count: 21, max: 20 });
    assert!(err.to_string().contains("split"), "{err}");

    assert_eq!(
        write_batch(&mut buf, &[]).unwrap_err(),
        GraphWriteError::Empty {
            what: "the $batch requests"
        }
    );

    let dup = [BatchEntry::new("1", send(1)), BatchEntry::new("1", send(2))];
    let err = write_batch(&mut buf, &dup).unwrap_err();
    assert!(err.to_string().contains("unique"), "{err}");

    let forward = [
        BatchEntry::new("1", send(1)).depends_on("2"),
        BatchEntry::new("2", send(2)),
    ];
    let err = write_batch(&mut buf, &forward).unwrap_err();
    assert!(
        matches!(err, GraphWriteError::Invalid { field: "dependsOn", ref value, .. } if value == "2"),
        "{err}"
    );

    let on_itself = [BatchEntry::new("1", send(1)).depends_on("1")];
    assert!(write_batch(&mut buf, &on_itself).is_err());

    let blank = [BatchEntry::new(" ", send(1))];
    assert!(
        write_batch(&mut buf, &blank)
            .unwrap_err()
            .to_string()
            .contains("non-empty id")
    );
    assert!(buf.is_empty(), "nothing is written on error");
}

#[test]
fn throttling_answers_are_throttled_with_the_servers_wait() {
    // Outlook over its per-mailbox concurrency: 429, Retry-After in seconds.
    // (The answer as magodo/terraform-provider-outlook#21 quotes it, with an innerError.)
    let body = br#"{"error":{"code":"ApplicationThrottled","message":"Application is over its MailboxConcurrency limit.","innerError":{"request-id":"5d1f","date":"2026-12-06T20:00:00"}}}"#;
    let err = GraphError::from_response(429, Some("30"), body);
    assert!(err.is_throttled() && err.is_transient());
    assert!(!err.is_permanent() && !err.is_unauthorized());
    assert_eq!(err.code(), Some("ApplicationThrottled"));
    assert_eq!(err.inner_code(), None);
    assert_eq!(err.request_id(), Some("5d1f"));
    assert_eq!(
        err.retry_after(),
        Some(RetryAfter::Delay(Duration::from_secs(30)))
    );
    let shown = err.to_string();
    assert!(
        shown.contains("429") && shown.contains("ApplicationThrottled") && shown.contains("30 s"),
        "{shown}"
    );

    // 503 with an HTTP date: transient, the wait counted from now.
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let at = httpdate_after(now, 90);
    let err = GraphError::from_response(
        503,
        Some(&at),
        br#"{"error":{"code":"serviceNotAvailable","message":"Try later"}}"#,
    );
    assert!(err.is_transient() && !err.is_permanent());
    assert_eq!(err.retry_after_delay(now), Some(Duration::from_secs(90)));

    // Throttling told by the inner code under a generic one (a 429 quoted on
    // Microsoft Q&A): throttled, and the inner code is kept.
    let err = GraphError::from_response(
        429,
        None,
        br#"{"error":{"code":"accessDenied","message":"Too Many Requests","innerError":{"code":"throttledRequest","request-id":"cf"}}}"#,
    );
    assert!(err.is_throttled() && !err.is_permanent());
    assert_eq!(err.inner_code(), Some("throttledRequest"));
    assert!(err.to_string().contains("(throttledRequest)"), "{err}");

    // A throttling code under another status still throttles.
    let err = GraphError::from_response(
        503,
        None,
        br#"{"error":{"code":"activityLimitReached","message":"x"}}"#,
    );
    assert!(err.is_throttled());
}

fn httpdate_after(now: SystemTime, secs: u64) -> String {
    // Formatted by hand so the test does not reuse the code under test.
    let t = now + Duration::from_secs(secs);
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let dt = time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap()).unwrap();
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    dt.format(&fmt).unwrap()
}

#[test]
fn permanent_transient_and_unauthorized_are_told_apart() {
    let bad_recipient = GraphError::from_response(
        400,
        None,
        br#"{"error":{"code":"ErrorInvalidRecipients","message":"At least one recipient isn't valid."}}"#,
    );
    assert!(bad_recipient.is_permanent() && !bad_recipient.is_transient());
    assert!(bad_recipient.to_string().contains("ErrorInvalidRecipients"));

    let missing = GraphError::from_response(404, None, br#"{"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store."}}"#);
    assert!(missing.is_permanent());

    let expired = GraphError::from_response(401, None, br#"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}"#);
    assert!(expired.is_unauthorized() && !expired.is_permanent() && !expired.is_transient());

    for status in [500, 502, 504] {
        assert!(
            GraphError::from_response(status, None, b"").is_transient(),
            "{status}"
        );
    }
    for status in [501, 507, 413, 403] {
        assert!(
            GraphError::from_response(status, None, b"{}").is_permanent(),
            "{status}"
        );
    }
}

#[test]
fn bodies_that_are_not_graph_errors_still_give_an_error_never_a_panic() {
    let html =
        GraphError::from_response(502, Some("soon"), b"<html><body>Bad Gateway</body></html>");
    assert_eq!(html.status(), 502);
    assert_eq!(html.code(), None);
    assert!(html.message().contains("Bad Gateway"), "{}", html.message());
    assert_eq!(
        html.retry_after(),
        None,
        "an unreadable Retry-After is ignored"
    );
    assert!(html.is_transient());

    assert_eq!(
        GraphError::from_response(503, None, b"").message(),
        "no error body"
    );
    for body in [
        &b"{\"error\":null}"[..],
        b"{\"error\":{\"code\":7}}",
        b"[1,2]",
        b"\xff\xfe\x00",
        b"{\"error\":{\"code\":\"x\",\"innerError\":\"not an object\"}}",
    ] {
        let err = GraphError::from_response(400, Some("-1"), body);
        assert_eq!(err.status(), 400);
        assert!(err.is_permanent());
        assert_eq!(err.retry_after(), None);
    }
    let huge = vec![b'x'; 1 << 20];
    assert!(GraphError::from_response(500, None, &huge).message().len() < 300);
}

#[test]
fn a_batch_reply_is_read_by_id_with_each_answers_error() {
    use offline_im::graph::read_batch_response;
    let body = br#"{"responses":[
        {"id":"2","status":429,"headers":{"retry-after":"12","Content-Type":"application/json"},
         "body":{"error":{"code":"ApplicationThrottled","message":"over the limit"}}},
        {"id":"1","status":201,"headers":{"Content-Type":"application/json"},"body":{"id":"AAMk1"}},
        {"id":"3","status":424,"body":{"error":{"code":"FailedDependency","message":"request 2 failed"}}}
    ]}"#;
    let answers = read_batch_response(body).unwrap();
    let by_id = |id: &str| answers.iter().find(|a| a.id == id).unwrap();
    assert!(by_id("1").is_success() && by_id("1").error().is_none());
    let throttled = by_id("2").error().unwrap();
    assert!(throttled.is_throttled());
    assert_eq!(
        throttled.retry_after(),
        Some(RetryAfter::Delay(Duration::from_secs(12)))
    );
    assert_eq!(by_id("3").error().unwrap().status(), 424);

    let err = read_batch_response(b"<html>").unwrap_err();
    assert!(err.to_string().contains("$batch reply"), "{err}");
}

#[test]
fn a_lookup_reply_says_which_delivery_id_each_message_carries() {
    use offline_im::graph::{read_created_message_id, read_found_messages};
    let body = format!(
        r#"{{"value":[
            {{"id":"AAMk1","isDraft":true,"parentFolderId":"drafts-id",
              "singleValueExtendedProperties":[{{"id":"String {{84E14AA7-1B60-4F34-B909-719B1387B4C7}} Name OfflineImDeliveryId","value":"{ID}"}}]}},
            {{"id":"AAMk2","isDraft":false}}
        ],"@odata.nextLink":"https://graph.microsoft.com/v1.0/users/kim/messages?$skip=10"}}"#
    );
    let found = read_found_messages(body.as_bytes()).unwrap();
    assert_eq!(found.messages.len(), 2);
    assert_eq!(found.messages[0].delivery_id, Some(ID.parse().unwrap()));
    assert_eq!(found.messages[0].is_draft, Some(true));
    assert_eq!(found.messages[1].delivery_id, None);
    assert!(found.next_link.unwrap().contains("$skip=10"));
    assert!(read_found_messages(br#"{"value":{}}"#).is_err());

    assert_eq!(
        read_created_message_id(br#"{"id":"AAMk9","subject":"x"}"#).unwrap(),
        "AAMk9"
    );
    assert!(read_created_message_id(br#"{"id":7}"#).is_err());
}

proptest::proptest! {
    /// Whatever a server or proxy answers, reading it gives an error, exactly
    /// one class, and never a panic.
    #[test]
    fn any_answer_reads_into_exactly_one_class(
        status in 100u16..600,
        retry in proptest::option::of(".{0,40}"),
        body in proptest::collection::vec(proptest::num::u8::ANY, 0..400),
    ) {
        let err = GraphError::from_response(status, retry.as_deref(), &body);
        proptest::prop_assert_eq!(err.status(), status);
        let classes = [err.is_transient(), err.is_unauthorized(), err.is_permanent()];
        proptest::prop_assert_eq!(classes.iter().filter(|c| **c).count(), 1);
        let _ = err.to_string();
    }

    /// Any user and message id stay inside their own path segment.
    #[test]
    fn ids_cannot_escape_their_segment(user in "[^\\x00-\\x1f\\x7f-\\x9f]{1,40}", id in "[^\\x00-\\x1f\\x7f-\\x9f]{1,60}") {
        proptest::prop_assume!(!user.trim().is_empty() && !id.trim().is_empty());
        let request = GraphRequest::send(&user, &id).unwrap();
        let path = request.url.strip_prefix("/users/").unwrap().strip_suffix("/send").unwrap();
        let segments: Vec<&str> = path.split('/').collect();
        proptest::prop_assert_eq!(segments.len(), 3);
        proptest::prop_assert_eq!(decode(segments[0]), user);
        proptest::prop_assert_eq!(segments[1], "messages");
        proptest::prop_assert_eq!(decode(segments[2]), id);
        proptest::prop_assert!(!request.url.contains(['?', '#', ' ']));
    }
}

#[test]
fn graph_carries_what_the_ews_path_carries_for_the_same_plan() {
    use offline_im::ews::RequestHeader;
    use offline_im::send::write_create_item_for_plans;
    for to in [
        person("pat", "contoso.com", "Pat Coleman"),
        person("ann", "fabrikam.com", "Ann Beebe"),
    ] {
        let p = plan(to, &["Lunch at <noon> & then?", "ok"]);
        let mut xml = Vec::new();
        write_create_item_for_plans(&mut xml, &RequestHeader::default(), &[&p]).unwrap();
        let xml = String::from_utf8(xml).unwrap();
        let recipients = plan_recipient(&p);
        let json = serde_json::to_value(GraphMessage::from_plan(&p, &recipients)).unwrap();

        // The class: t:ItemClass on EWS, String 0x001A on Graph.
        let class = p.item_class().as_str();
        assert!(xml.contains(&format!("<t:ItemClass>{class}</t:ItemClass>")));
        let props = json["singleValueExtendedProperties"].as_array().unwrap();
        assert!(
            props
                .iter()
                .any(|q| q["id"] == "String 0x001A" && q["value"] == class)
        );
        // The delivery id: the same named property in the same property set.
        let id = p.delivery_id().to_string();
        assert!(xml.contains(r#"PropertySetId="84e14aa7-1b60-4f34-b909-719b1387b4c7" PropertyName="OfflineImDeliveryId""#));
        assert!(xml.contains(&id));
        assert!(props.iter().any(|q| {
            q["value"] == id.as_str()
                && q["id"]
                    .as_str()
                    .unwrap()
                    .contains("{84e14aa7-1b60-4f34-b909-719b1387b4c7} Name OfflineImDeliveryId")
        }));
        // Subject, recipient, sender, importance.
        assert!(xml.contains(p.message().subject()));
        assert_eq!(json["subject"], p.message().subject());
        assert!(xml.contains(p.recipient().smtp().as_str()));
        assert_eq!(
            json["toRecipients"][0]["emailAddress"]["address"],
            p.recipient().smtp().as_str()
        );
        assert_eq!(
            json["toRecipients"][0]["emailAddress"]["name"],
            p.recipient().shown_name()
        );
        assert_eq!(
            json["from"]["emailAddress"]["address"],
            p.sender().smtp().as_str()
        );
        assert!(xml.contains("<t:Importance>Normal</t:Importance>"));
        assert_eq!(json["importance"], "normal");
        // The body: the same HTML, unchanged by JSON.
        assert_eq!(json["body"]["contentType"], "html");
        assert_eq!(json["body"]["content"], p.message().html());
    }
}
