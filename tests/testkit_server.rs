//! The test server driven with raw HTTP: delivery, folders, queries, auth, refusals.

#[path = "support/raw_ews_client.rs"]
mod raw_ews_client;

use std::time::Duration;

use offline_im::plan::Folder;
use offline_im::testkit::{BodyType, TestServer};
use raw_ews_client::*;

const MISSED: &str = "IPM.Note.Microsoft.Missed";

async fn contoso() -> TestServer {
    TestServer::builder()
        .mailbox("kim@contoso.com")
        .hosted_domain("contoso.com")
        .basic_user("kim@contoso.com", "pw")
        .start()
        .await
        .expect("the server starts")
}

fn kim_auth() -> String {
    basic("kim@contoso.com", "pw")
}

#[tokio::test]
async fn send_and_save_copy_delivers_locally_saves_the_copy_and_sends_plain_mail_outside() {
    let server = contoso().await;
    let msg = Msg::new("Missed conversation with Kim")
        .class(MISSED)
        .html("<p>hi &amp; bye</p>")
        .named("X-OfflineIm-Id", "id-1")
        .to("pat@contoso.com")
        .to("lee@fabrikam.com");
    let reply = post_ok(server.addr(), Some(&kim_auth()), &send_im(&[msg])).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.response_codes(), ["NoError"]);
    assert!(
        reply.body.contains("<m:Items/>"),
        "a sent message has no item id: {}",
        reply.body
    );
    assert_eq!(
        reply.header("content-type"),
        Some("text/xml; charset=utf-8")
    );

    server.idle().await;
    let pat = addr("pat@contoso.com");
    let kim = addr("kim@contoso.com");
    let inbox = server.folder(&pat, Folder::Inbox);
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].item_class(), MISSED);
    assert_eq!(inbox[0].subject(), Some("Missed conversation with Kim"));
    assert_eq!(inbox[0].body(), Some("<p>hi &amp; bye</p>"));
    assert_eq!(inbox[0].body_type(), Some(BodyType::Html));
    assert_eq!(
        inbox[0].extended_property_by_name("X-OfflineIm-Id"),
        Some("id-1")
    );
    assert_eq!(inbox[0].from().map(|f| f.address()), Some(&kim));
    assert!(!inbox[0].is_read());

    let copy = server.folder(&kim, Folder::ConversationHistory);
    assert_eq!(copy.len(), 1);
    assert_eq!(copy[0].item_class(), MISSED);
    assert!(copy[0].is_read());
    assert_eq!(copy[0].to().len(), 2);
    assert!(
        server.folder(&kim, Folder::Drafts).is_empty(),
        "no draft is left behind"
    );
    assert!(server.folder(&kim, Folder::SentItems).is_empty());

    let outbound = server.outbound();
    assert_eq!(outbound.len(), 1);
    assert_eq!(
        outbound[0].item_class(),
        "IPM.Note",
        "MIME conversion drops the class"
    );
    assert!(outbound[0].extended_properties().is_empty());
    assert!(server.mailbox(&addr("lee@fabrikam.com")).is_none());

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].operation(), Some("CreateItem"));
    assert_eq!(requests[0].status(), Some(200));
    assert_eq!(requests[0].acting_mailbox(), Some(&kim));
    assert_eq!(requests[0].auth_scheme(), Some("Basic"));
    assert_eq!(requests[0].request_server_version(), Some("Exchange2013"));
}

#[tokio::test]
async fn send_only_delivers_and_keeps_no_copy() {
    let server = contoso().await;
    let body = envelope(
        Some("Exchange2013"),
        None,
        &create_item(
            "SendOnly",
            None,
            &[Msg::new("s").class(MISSED).to("pat@contoso.com")],
        ),
    );
    let reply = post_ok(server.addr(), Some(&kim_auth()), &body).await;
    assert_eq!(reply.response_codes(), ["NoError"]);
    server.idle().await;
    assert_eq!(
        server.folder(&addr("pat@contoso.com"), Folder::Inbox).len(),
        1
    );
    let kim = server
        .mailbox(&addr("kim@contoso.com"))
        .expect("kim's mailbox");
    assert_eq!(kim.items().count(), 0);
}

#[tokio::test]
async fn save_only_keeps_a_draft_returns_its_id_and_sends_nothing() {
    let server = contoso().await;
    let body = envelope(
        Some("Exchange2013"),
        None,
        &create_item("SaveOnly", None, &[Msg::new("draft").to("pat@contoso.com")]),
    );
    let reply = post_ok(server.addr(), Some(&kim_auth()), &body).await;
    assert_eq!(reply.response_codes(), ["NoError"]);
    let drafts = server.folder(&addr("kim@contoso.com"), Folder::Drafts);
    assert_eq!(drafts.len(), 1);
    assert_eq!(
        drafts[0].item_class(),
        "IPM.Note",
        "no class sent: the default"
    );
    assert_eq!(reply.item_ids(), [drafts[0].id().to_owned()]);
    assert!(server.mailbox(&addr("pat@contoso.com")).is_none());
    assert!(server.outbound().is_empty());
}

#[tokio::test]
async fn message_class_property_0x001a_sets_the_item_class() {
    let server = contoso().await;
    let msg = Msg::new("s")
        .tag("0x001A", "String", MISSED)
        .to("pat@contoso.com");
    post_ok(server.addr(), Some(&kim_auth()), &send_im(&[msg])).await;
    server.idle().await;
    let inbox = server.folder(&addr("pat@contoso.com"), Folder::Inbox);
    assert_eq!(inbox[0].item_class(), MISSED);
    assert_eq!(inbox[0].extended_property_by_tag(0x001A), Some(MISSED));
}

#[tokio::test]
async fn find_item_finds_by_extended_property_and_returns_it() {
    let server = contoso().await;
    let msgs = [
        Msg::new("a")
            .class(MISSED)
            .named("X-Id", "a")
            .to("pat@contoso.com"),
        Msg::new("b")
            .class(MISSED)
            .named("X-Id", "b")
            .to("pat@contoso.com"),
    ];
    post_ok(server.addr(), Some(&kim_auth()), &send_im(&msgs)).await;
    server.idle().await;

    let find = envelope(
        Some("Exchange2013"),
        None,
        &find_by_named("conversationhistory", None, "X-Id", "b"),
    );
    let reply = post_ok(server.addr(), Some(&kim_auth()), &find).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.response_codes(), ["NoError"]);
    let kim_copies = server.folder(&addr("kim@contoso.com"), Folder::ConversationHistory);
    let kim_copy = kim_copies
        .iter()
        .find(|i| i.subject() == Some("b"))
        .expect("b's copy");
    assert_eq!(reply.item_ids(), [kim_copy.id().to_owned()]);
    assert!(
        reply.body.contains("TotalItemsInView=\"1\""),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("<t:Value>b</t:Value>"),
        "{}",
        reply.body
    );
    assert!(
        reply
            .body
            .contains(&format!("<t:ItemClass>{MISSED}</t:ItemClass>"))
    );

    // Another mailbox's folder, named with t:Mailbox.
    let find = envelope(
        Some("Exchange2013"),
        None,
        &find_by_named("inbox", Some("pat@contoso.com"), "X-Id", "a"),
    );
    let reply = post_ok(server.addr(), Some(&kim_auth()), &find).await;
    let pat_items = server.folder(&addr("pat@contoso.com"), Folder::Inbox);
    let pat_item = pat_items
        .iter()
        .find(|i| i.subject() == Some("a"))
        .expect("a in pat's inbox");
    assert_eq!(reply.item_ids(), [pat_item.id().to_owned()]);

    let none = envelope(
        Some("Exchange2013"),
        None,
        &find_by_named("conversationhistory", None, "X-Id", "zzz"),
    );
    let reply = post_ok(server.addr(), Some(&kim_auth()), &none).await;
    assert!(reply.item_ids().is_empty());
    assert!(reply.body.contains("TotalItemsInView=\"0\""));
}

#[tokio::test]
async fn get_item_reads_back_what_was_stored_and_reports_unknown_ids() {
    let server = contoso().await;
    let body = envelope(
        None,
        None,
        &create_item(
            "SaveOnly",
            Some(("drafts", None)),
            &[Msg::new("read me").to("pat@contoso.com")],
        ),
    );
    let saved = post_ok(server.addr(), Some(&kim_auth()), &body).await;
    let id = saved.item_ids().remove(0);
    // Well-formed (an id this server could hand out) but unknown.
    let unknown = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode("offline-im-testkit-item:ffffffffffffffff")
    };
    let reply = post_ok(
        server.addr(),
        Some(&kim_auth()),
        &envelope(None, None, &get_item(&[&id, "not-an-id", &unknown])),
    )
    .await;
    assert_eq!(
        reply.response_codes(),
        ["NoError", "ErrorInvalidIdMalformed", "ErrorItemNotFound"]
    );
    assert!(reply.body.contains("<t:Subject>read me</t:Subject>"));
    assert!(
        reply
            .body
            .contains(r#"<t:Body BodyType="Text">body of read me</t:Body>"#)
    );
    assert!(
        reply
            .body
            .contains("<t:EmailAddress>pat@contoso.com</t:EmailAddress>")
    );
}

#[tokio::test]
async fn delete_item_hard_soft_and_move_to_deleted_items() {
    let server = contoso().await;
    let kim = addr("kim@contoso.com");
    let body = envelope(
        None,
        None,
        &create_item(
            "SaveOnly",
            Some(("drafts", None)),
            &[Msg::new("1"), Msg::new("2"), Msg::new("3")],
        ),
    );
    let ids = post_ok(server.addr(), Some(&kim_auth()), &body)
        .await
        .item_ids();
    assert_eq!(ids.len(), 3);
    let delete = |kind: &str, id: &str| envelope(None, None, &delete_item(kind, &[id]));

    let reply = post_ok(
        server.addr(),
        Some(&kim_auth()),
        &delete("HardDelete", &ids[0]),
    )
    .await;
    assert_eq!(reply.response_codes(), ["NoError"]);
    let reply = post_ok(
        server.addr(),
        Some(&kim_auth()),
        &delete("SoftDelete", &ids[1]),
    )
    .await;
    assert_eq!(reply.response_codes(), ["NoError"]);
    let reply = post_ok(
        server.addr(),
        Some(&kim_auth()),
        &delete("MoveToDeletedItems", &ids[2]),
    )
    .await;
    assert_eq!(reply.response_codes(), ["NoError"]);

    assert!(server.folder(&kim, Folder::Drafts).is_empty());
    let deleted = server.folder(&kim, Folder::DeletedItems);
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].subject(), Some("3"));

    let again = post_ok(
        server.addr(),
        Some(&kim_auth()),
        &delete("HardDelete", &ids[0]),
    )
    .await;
    assert_eq!(again.response_codes(), ["ErrorItemNotFound"]);
    assert!(again.body.contains(r#"ResponseClass="Error""#));
}

#[tokio::test]
async fn impersonation_picks_the_acting_mailbox() {
    let server = TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("svc-offline-im", "pw")
        .start()
        .await
        .unwrap();
    let body = envelope(
        Some("Exchange2016"),
        Some("kim@contoso.com"),
        &create_item(
            "SendAndSaveCopy",
            Some(("conversationhistory", None)),
            &[Msg::new("s").class(MISSED).to("pat@contoso.com")],
        ),
    );
    let reply = post_ok(server.addr(), Some(&basic("svc-offline-im", "pw")), &body).await;
    assert_eq!(reply.response_codes(), ["NoError"]);
    server.idle().await;
    let kim = addr("kim@contoso.com");
    assert_eq!(server.folder(&kim, Folder::ConversationHistory).len(), 1);
    let rec = &server.requests()[0];
    assert_eq!(rec.impersonated(), Some("kim@contoso.com"));
    assert_eq!(rec.acting_mailbox(), Some(&kim));
    assert_eq!(rec.basic_user(), Some("svc-offline-im"));
}

#[tokio::test]
async fn without_on_demand_mailboxes_unknown_hosted_recipients_and_senders_fail_per_item() {
    let server = TestServer::builder()
        .mailbox("kim@contoso.com")
        .create_mailboxes_on_demand(false)
        .start()
        .await
        .unwrap();
    let items = [
        Msg::new("to a stranger").to("nobody@contoso.com"),
        Msg::new("to outside").to("lee@fabrikam.com"),
    ];
    let reply = post_ok(
        server.addr(),
        Some(&basic("kim@contoso.com", "x")),
        &send_im(&items),
    )
    .await;
    assert_eq!(
        reply.response_codes(),
        ["ErrorInvalidRecipients", "NoError"]
    );
    server.idle().await;
    assert_eq!(server.outbound().len(), 1);
    assert_eq!(
        server
            .folder(&addr("kim@contoso.com"), Folder::ConversationHistory)
            .len(),
        1,
        "only the item that went out leaves a copy"
    );

    let reply = post_ok(
        server.addr(),
        Some(&basic("ghost@contoso.com", "x")),
        &send_im(&[Msg::new("s").to("kim@contoso.com")]),
    )
    .await;
    assert_eq!(reply.response_codes(), ["ErrorNonExistentMailbox"]);
    assert!(
        server
            .folder(&addr("kim@contoso.com"), Folder::Inbox)
            .is_empty()
    );
}

#[tokio::test]
async fn authentication_basic_and_bearer_checked_anything_else_401() {
    let server = TestServer::builder()
        .basic_user("kim@contoso.com", "s3cret-pw")
        .bearer_token("tok-123")
        .start()
        .await
        .unwrap();
    let body = send_im(&[Msg::new("s").from("kim@contoso.com").to("pat@contoso.com")]);
    for auth in [
        None,
        Some(basic("kim@contoso.com", "wrong")),
        Some("Bearer nope".to_owned()),
        Some("Negotiate TlRMTVNTUAABAAAA".to_owned()),
        Some("NTLM TlRMTVNTUAABAAAA".to_owned()),
    ] {
        let reply = post_ok(server.addr(), auth.as_deref(), &body).await;
        assert_eq!(reply.status, 401, "{auth:?}");
        let schemes = reply.headers_named("www-authenticate");
        assert!(
            schemes.iter().any(|s| s.starts_with("Basic")),
            "{schemes:?}"
        );
        assert!(schemes.contains(&"Bearer"), "{schemes:?}");
    }
    assert!(server.outbound().is_empty() && server.mailboxes().is_empty());

    let ok = post_ok(
        server.addr(),
        Some(&basic("kim@contoso.com", "s3cret-pw")),
        &body,
    )
    .await;
    assert_eq!(ok.status, 200);
    let ok = post_ok(server.addr(), Some("Bearer tok-123"), &body).await;
    assert_eq!(ok.status, 200);
    server.idle().await;
    // A Bearer request acts for the From address.
    assert_eq!(
        server
            .folder(&addr("kim@contoso.com"), Folder::ConversationHistory)
            .len(),
        2
    );

    let shown = format!(
        "{:?}",
        TestServer::builder()
            .basic_user("u", "s3cret-pw")
            .bearer_token("tok-123")
    );
    assert!(
        !shown.contains("s3cret-pw") && !shown.contains("tok-123"),
        "{shown}"
    );
    assert!(!format!("{server:?}").contains("s3cret-pw"));
}

#[tokio::test]
async fn schema_violations_get_error_schema_validation_faults() {
    let server = contoso().await;
    let out_of_order = envelope(
        Some("Exchange2013"),
        None,
        r#"<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:Message><t:Subject>x</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>pat@contoso.com</t:EmailAddress></t:Mailbox></t:ToRecipients><t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x001A" PropertyType="String"/><t:Value>IPM.Note</t:Value></t:ExtendedProperty></t:Message></m:Items></m:CreateItem>"#,
    );
    let wrong_case_folder = envelope(
        Some("Exchange2013"),
        None,
        &create_item(
            "SendAndSaveCopy",
            Some(("SentItems", None)),
            &[Msg::new("x").to("pat@contoso.com")],
        ),
    );
    let bad_disposition = envelope(
        Some("Exchange2013"),
        None,
        &create_item("SendAndSave", None, &[Msg::new("x").to("pat@contoso.com")]),
    );
    let no_body_type = envelope(
        Some("Exchange2013"),
        None,
        r#"<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:Body>x</t:Body></t:Message></m:Items></m:CreateItem>"#,
    );
    let bad_version =
        send_im(&[Msg::new("x").to("pat@contoso.com")]).replace("Exchange2013", "Exchange2019");
    let no_items = envelope(
        Some("Exchange2013"),
        None,
        r#"<m:CreateItem MessageDisposition="SaveOnly"/>"#,
    );
    let broken =
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
            .to_owned();
    for body in [
        out_of_order,
        wrong_case_folder,
        bad_disposition,
        no_body_type,
        bad_version,
        no_items,
        broken,
    ] {
        let reply = post_ok(server.addr(), Some(&kim_auth()), &body).await;
        assert_eq!(reply.status, 500, "{body}");
        assert_eq!(
            reply.fault_code().as_deref(),
            Some("ErrorSchemaValidation"),
            "{}",
            reply.body
        );
        assert!(reply.body.contains("a:ErrorSchemaValidation</faultcode>"));
    }
    assert!(server.outbound().is_empty());
    assert!(
        server.mailbox(&addr("pat@contoso.com")).is_none(),
        "nothing was delivered"
    );
}

#[tokio::test]
async fn conversation_history_needs_exchange_2013() {
    let server = contoso().await;
    let item = [Msg::new("x").class(MISSED).to("pat@contoso.com")];
    let create = create_item(
        "SendAndSaveCopy",
        Some(("conversationhistory", None)),
        &item,
    );
    for version in [Some("Exchange2010_SP2"), None] {
        let reply = post_ok(
            server.addr(),
            Some(&kim_auth()),
            &envelope(version, None, &create),
        )
        .await;
        assert_eq!(reply.status, 500);
        assert_eq!(
            reply.fault_code().as_deref(),
            Some("ErrorInvalidServerVersion")
        );
    }
    let find = envelope(
        Some("Exchange2010"),
        None,
        &find_by_named("conversationhistory", None, "X", "y"),
    );
    let reply = post_ok(server.addr(), Some(&kim_auth()), &find).await;
    assert_eq!(
        reply.fault_code().as_deref(),
        Some("ErrorInvalidServerVersion")
    );
    assert!(server.mailbox(&addr("pat@contoso.com")).is_none());

    let ok = post_ok(
        server.addr(),
        Some(&kim_auth()),
        &envelope(Some("Exchange2013_SP1"), None, &create),
    )
    .await;
    assert_eq!(ok.response_codes(), ["NoError"]);
}

#[tokio::test]
async fn unknown_operations_paths_methods_and_oversize_requests_are_refused() {
    let server = TestServer::builder()
        .max_request_bytes(2048)
        .start()
        .await
        .unwrap();
    let unknown = envelope(
        Some("Exchange2013"),
        None,
        r#"<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:DistinguishedFolderId Id="inbox"/></m:SyncFolderId><m:MaxChangesReturned>10</m:MaxChangesReturned></m:SyncFolderItems>"#,
    );
    let reply = post_ok(server.addr(), None, &unknown).await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.fault_code().as_deref(), Some("ErrorInvalidRequest"));
    assert_eq!(server.requests()[0].operation(), Some("SyncFolderItems"));

    let reply = http(server.addr(), "POST", "/owa/", &[], b"x")
        .await
        .unwrap();
    assert_eq!(reply.status, 404);
    let reply = http(server.addr(), "GET", "/EWS/Exchange.asmx", &[], b"")
        .await
        .unwrap();
    assert_eq!(reply.status, 405);

    // Declared too large: refused before the body is read.
    let reply = http(
        server.addr(),
        "POST",
        "/EWS/Exchange.asmx",
        &[("Content-Length", "4096")],
        b"",
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 413);
    let statuses: Vec<_> = server.requests().iter().map(|r| r.status()).collect();
    assert_eq!(statuses, [Some(500), Some(404), Some(405), Some(413)]);
}

#[tokio::test]
async fn client_request_id_is_echoed_when_asked() {
    let server = TestServer::builder().start().await.unwrap();
    let body = send_im(&[Msg::new("x").from("kim@contoso.com").to("pat@fabrikam.com")]);
    let reply = http(
        server.addr(),
        "POST",
        "/EWS/Exchange.asmx",
        &[
            ("client-request-id", "abc-123"),
            ("return-client-request-id", "true"),
            ("X-AnchorMailbox", "kim@contoso.com"),
        ],
        body.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(reply.header("client-request-id"), Some("abc-123"));
    assert!(reply.header("request-id").is_some());
    let rec = &server.requests()[0];
    assert_eq!(rec.client_request_id(), Some("abc-123"));
    assert_eq!(rec.anchor_mailbox(), Some("kim@contoso.com"));
}

#[tokio::test]
async fn the_server_stops_listening_when_dropped_or_shut_down() {
    let server = TestServer::builder().start().await.unwrap();
    let addr = server.addr();
    assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
    drop(server);
    let mut refused = false;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "the port still accepts connections 2 s after drop");

    let server = TestServer::builder().start().await.unwrap();
    let addr = server.addr();
    server.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn bad_settings_are_reported_with_the_value() {
    let err = TestServer::builder()
        .mailbox("not an address")
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not an address"), "{err}");
    let err = TestServer::builder()
        .hosted_domain("-bad-.com")
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("-bad-.com"), "{err}");
}

#[tokio::test]
async fn one_connection_carries_several_requests() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let server = TestServer::builder().start().await.unwrap();
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    for i in 0..3 {
        let body = send_im(&[Msg::new(&format!("{i}"))
            .from("kim@contoso.com")
            .to("pat@fabrikam.com")]);
        let head = format!(
            "POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body.as_bytes()).await.unwrap();
        // Read one reply: head, then Content-Length bytes.
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the server closed a keep-alive connection");
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf);
            if let Some((head, rest)) = text.split_once("\r\n\r\n") {
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .expect("a Content-Length");
                if rest.len() >= len {
                    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
                    break;
                }
            }
        }
    }
    server.idle().await;
    assert_eq!(server.outbound().len(), 3);
}

#[tokio::test]
async fn get_folder_counts_items_and_its_folder_ids_name_the_same_folders() {
    let server = TestServer::builder()
        .hosted_domain("contoso.com")
        .mailbox_without_conversation_history("lee@contoso.com")
        .basic_user("kim@contoso.com", "pw")
        .submission_lag(Duration::ZERO, Duration::ZERO)
        .start()
        .await
        .unwrap();
    let auth = basic("kim@contoso.com", "pw");
    let sent = post_ok(
        server.addr(),
        Some(&auth),
        &send_im(&[
            Msg::new("a").to("pat@contoso.com"),
            Msg::new("b").to("pat@contoso.com"),
        ]),
    )
    .await;
    assert_eq!(sent.response_codes(), ["NoError", "NoError"]);

    let get_folder = |ids: &str| {
        envelope(
            Some("Exchange2013"),
            None,
            &format!(
                r#"<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds>{ids}</m:FolderIds></m:GetFolder>"#
            ),
        )
    };
    let reply = post_ok(
        server.addr(),
        Some(&auth),
        &get_folder(
            r#"<t:DistinguishedFolderId Id="conversationhistory"/><t:DistinguishedFolderId Id="drafts"/><t:DistinguishedFolderId Id="conversationhistory"><t:Mailbox><t:EmailAddress>lee@contoso.com</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>"#,
        ),
    )
    .await;
    assert_eq!(
        reply.response_codes(),
        ["NoError", "NoError", "ErrorFolderNotFound"],
        "{}",
        reply.body
    );
    assert_eq!(
        reply.texts("t:DisplayName"),
        ["Conversation History", "Drafts"]
    );
    assert_eq!(reply.texts("t:TotalCount"), ["2", "0"]);
    assert_eq!(
        reply.texts("m:MessageText"),
        ["The specified folder could not be found in the store."]
    );

    // The id GetFolder gave names that folder wherever a folder is named.
    let id = reply
        .body
        .split(r#"<t:FolderId Id=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let find = envelope(
        Some("Exchange2013"),
        None,
        &format!(
            r#"<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ParentFolderIds><t:FolderId Id="{id}"/></m:ParentFolderIds></m:FindItem>"#
        ),
    );
    let found = post_ok(server.addr(), Some(&auth), &find).await;
    assert_eq!(found.response_codes(), ["NoError"], "{}", found.body);
    assert_eq!(found.item_ids().len(), 2);
    let again = post_ok(
        server.addr(),
        Some(&auth),
        &get_folder(&format!(
            r#"<t:FolderId Id="{id}"/><t:FolderId Id="AAMkAD=="/>"#
        )),
    )
    .await;
    assert_eq!(again.response_codes(), ["NoError", "ErrorFolderNotFound"]);
    assert_eq!(again.texts("t:DisplayName"), ["Conversation History"]);
}
