//! Every reply shape the test server writes (and every request the tests send) is
//! checked against the EWS schema with `../shared/ews-schema/validate.py --strict`.
//!
//! Skipped (printing "skipped") when the validator or python3 + lxml are missing,
//! unless `OFFLINE_IM_REQUIRE_SCHEMA_CHECK=1`, in which case that is a failure.

#[path = "support/raw_ews_client.rs"]
mod raw_ews_client;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use offline_im::testkit::{Fault, ItemFault, TestServer};
use raw_ews_client::*;

fn required() -> bool {
    std::env::var("OFFLINE_IM_REQUIRE_SCHEMA_CHECK").is_ok_and(|v| v == "1")
}

fn validator() -> Option<PathBuf> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/ews-schema/validate.py");
    let required = required();
    let lxml = Command::new("python3")
        .args(["-c", "import lxml.etree"])
        .output()
        .is_ok_and(|o| o.status.success());
    if script.is_file() && lxml {
        return Some(script);
    }
    assert!(
        !required,
        "OFFLINE_IM_REQUIRE_SCHEMA_CHECK=1 but {} or python3 + lxml is missing",
        script.display()
    );
    println!("skipped: the EWS schema validator (or python3 + lxml) is not available");
    None
}

/// Writes each (name, xml) to a fresh directory and validates them all.
fn validate(documents: &[(String, String)]) {
    static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let Some(script) = validator() else { return };
    let run = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "offline-im-testkit-schema-{}-{run}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let mut files = Vec::new();
    for (name, xml) in documents {
        let path = dir.join(format!("{name}.xml"));
        std::fs::write(&path, xml).expect("write a reply");
        files.push(path);
    }
    let output = Command::new("python3")
        .arg(&script)
        .arg("--strict")
        .args(&files)
        .output()
        .expect("run validate.py");
    let report = String::from_utf8_lossy(&output.stdout);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "schema validation failed:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        report.lines().filter(|l| l.ends_with(": OK")).count(),
        documents.len(),
        "{report}"
    );
}

#[tokio::test]
async fn every_reply_shape_is_valid_ews() {
    let server = TestServer::builder()
        .hosted_domain("contoso.com")
        .basic_user("kim@contoso.com", "pw")
        .start()
        .await
        .unwrap();
    let auth = basic("kim@contoso.com", "pw");
    let mut docs: Vec<(String, String)> = Vec::new();
    let mut requests: Vec<(String, String)> = Vec::new();
    let mut exchange = async |name: &str, body: String, expect: u16| {
        let reply = post_ok(server.addr(), Some(&auth), &body).await;
        assert_eq!(reply.status, expect, "{name}: {}", reply.body);
        if !name.starts_with("invalid") {
            requests.push((format!("request-{name}"), body));
        }
        docs.push((format!("reply-{name}"), reply.body.clone()));
        reply
    };

    let im = |id: &str| {
        Msg::new(id)
            .class("IPM.Note.Microsoft.Missed")
            .html("<p>hello</p>")
            .named("X-Id", id)
            .tag("0x0E07", "Integer", "1")
            .to("pat@contoso.com")
            .to("lee@fabrikam.com")
    };
    exchange("create-sent", send_im(&[im("a")]), 200).await;
    let saved = exchange(
        "create-saved",
        envelope(
            Some("Exchange2013"),
            None,
            &create_item("SaveOnly", None, &[Msg::new("draft")]),
        ),
        200,
    )
    .await;
    let draft_id = saved.item_ids().remove(0);

    server
        .faults()
        .next_item(ItemFault::ServerBusy {
            back_off: Duration::from_millis(900),
        })
        .next_item(ItemFault::InvalidRecipients)
        .next_item(ItemFault::NonExistentMailbox)
        .next_item(ItemFault::QuotaExceeded);
    let five = [im("b"), im("c"), im("d"), im("e"), im("f")];
    let mixed = exchange("create-item-errors", send_im(&five), 200).await;
    assert_eq!(
        mixed.response_codes(),
        [
            "ErrorServerBusy",
            "ErrorInvalidRecipients",
            "ErrorNonExistentMailbox",
            "ErrorQuotaExceeded",
            "NoError"
        ]
    );

    server.idle().await;
    let found = exchange(
        "find-by-property",
        envelope(
            Some("Exchange2013"),
            None,
            &find_by_named("conversationhistory", None, "X-Id", "a"),
        ),
        200,
    )
    .await;
    assert_eq!(found.item_ids().len(), 1);
    let all_props = r#"<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:AdditionalProperties><t:ExtendedFieldURI PropertyTag="0x0E07" PropertyType="Integer"/></t:AdditionalProperties></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>pat@contoso.com</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>"#;
    let found = exchange(
        "find-all-properties",
        envelope(Some("Exchange2016"), None, all_props),
        200,
    )
    .await;
    assert_eq!(found.response_codes(), ["NoError", "ErrorFolderNotFound"]);

    let got = exchange(
        "get-item",
        envelope(Some("Exchange2013"), None, &get_item(&[&draft_id, "bogus"])),
        200,
    )
    .await;
    assert_eq!(got.response_codes(), ["NoError", "ErrorInvalidIdMalformed"]);
    let change = |id: &str| {
        format!(
            r#"<t:ItemChange><t:ItemId Id="{id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:ItemClass"/><t:Message><t:ItemClass>IPM.Note.Microsoft.Conversation</t:ItemClass></t:Message></t:SetItemField></t:Updates></t:ItemChange>"#
        )
    };
    let update = envelope(
        Some("Exchange2013"),
        None,
        &format!(
            r#"<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly"><m:ItemChanges>{}{}</m:ItemChanges></m:UpdateItem>"#,
            change(&draft_id),
            change("AAMkADbm90aGVyZQ==")
        ),
    );
    let updated = exchange("update-item", update, 200).await;
    assert_eq!(updated.response_codes(), ["NoError", "ErrorItemNotFound"]);
    let pat_item = server.folder(&addr("pat@contoso.com"), offline_im::plan::Folder::Inbox)[0]
        .id()
        .to_owned();
    exchange(
        "get-item-full",
        envelope(Some("Exchange2013"), None, &get_item(&[&pat_item])),
        200,
    )
    .await;
    exchange(
        "delete-item",
        envelope(
            Some("Exchange2013"),
            None,
            &delete_item("MoveToDeletedItems", &[&draft_id, "bogus"]),
        ),
        200,
    )
    .await;

    // Faults.
    server.faults().next_request(Fault::ServerBusyFault {
        back_off: Duration::from_secs(3),
    });
    exchange("fault-server-busy", send_im(&[im("g")]), 500).await;
    server.faults().next_request(Fault::InternalServerError {
        inner_busy: Some(Duration::from_millis(297_749)),
    });
    exchange("fault-internal-inner-busy", send_im(&[im("g")]), 500).await;
    server
        .faults()
        .next_request(Fault::InternalServerError { inner_busy: None });
    exchange("fault-internal", send_im(&[im("g")]), 500).await;
    server
        .faults()
        .next_item(ItemFault::InternalServerError {
            inner_busy: Some(Duration::from_millis(297_749)),
        })
        .next_item(ItemFault::InternalServerError { inner_busy: None });
    let internal = exchange(
        "create-item-internal-errors",
        send_im(&[im("i"), im("j"), im("k")]),
        200,
    )
    .await;
    assert_eq!(
        internal.response_codes(),
        [
            "ErrorInternalServerError",
            "ErrorInternalServerError",
            "NoError"
        ]
    );
    server.idle().await;
    let newest = exchange(
        "find-newest-first",
        envelope(
            Some("Exchange2013"),
            None,
            &find_newest("conversationhistory", None, 2, 0),
        ),
        200,
    )
    .await;
    assert_eq!(newest.item_ids().len(), 2);
    let bad_order = envelope(
        Some("Exchange2013"),
        None,
        r#"<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:Body BodyType="Text">x</t:Body><t:Subject>x</t:Subject></t:Message></m:Items></m:CreateItem>"#,
    );
    exchange("invalid-fault-schema", bad_order, 500).await;
    let old = envelope(
        Some("Exchange2010_SP2"),
        None,
        &create_item(
            "SendAndSaveCopy",
            Some(("conversationhistory", None)),
            &[im("h")],
        ),
    );
    exchange("fault-version", old, 500).await;
    let unknown = envelope(
        Some("Exchange2013"),
        None,
        r#"<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:DistinguishedFolderId Id="inbox"/></m:SyncFolderId><m:MaxChangesReturned>10</m:MaxChangesReturned></m:SyncFolderItems>"#,
    );
    exchange("fault-unknown-operation", unknown, 500).await;

    // What other clients open a mailbox with.
    let get_folder = envelope(
        Some("Exchange2013"),
        None,
        r#"<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="root"/><t:DistinguishedFolderId Id="sentitems"/><t:DistinguishedFolderId Id="conversationhistory"><t:Mailbox><t:EmailAddress>kim@contoso.com</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>"#,
    );
    let folders = exchange("get-folder", get_folder, 200).await;
    assert_eq!(
        folders.response_codes(),
        ["NoError", "NoError", "NoError", "ErrorFolderNotFound"]
    );
    let find_folder = |traversal: &str, parent: &str, view: &str| {
        envelope(
            Some("Exchange2013"),
            None,
            &format!(
                r#"<m:FindFolder Traversal="{traversal}"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="folder:DisplayName"/></t:AdditionalProperties></m:FolderShape>{view}<m:ParentFolderIds><t:DistinguishedFolderId Id="{parent}"/></m:ParentFolderIds></m:FindFolder>"#
            ),
        )
    };
    let tree = exchange("find-folder-deep", find_folder("Deep", "root", ""), 200).await;
    assert_eq!(tree.response_codes(), ["NoError"]);
    assert_eq!(tree.texts("t:DisplayName").len(), 7, "{}", tree.body);
    let page = exchange(
        "find-folder-page",
        find_folder(
            "Shallow",
            "msgfolderroot",
            r#"<m:IndexedPageFolderView MaxEntriesReturned="2" Offset="1" BasePoint="Beginning"/>"#,
        ),
        200,
    )
    .await;
    assert_eq!(page.texts("t:DisplayName").len(), 2, "{}", page.body);
    let resolve = |entry: &str| {
        envelope(
            Some("Exchange2013"),
            None,
            &format!(
                r#"<m:ResolveNames ReturnFullContactData="false" SearchScope="ActiveDirectoryContacts"><m:UnresolvedEntry>{entry}</m:UnresolvedEntry></m:ResolveNames>"#
            ),
        )
    };
    let found = exchange("resolve-names", resolve("smtp:kim@contoso.com"), 200).await;
    assert_eq!(found.texts("t:EmailAddress"), ["kim@contoso.com"]);
    let none = exchange("resolve-names-none", resolve("nobody@fabrikam.com"), 200).await;
    assert_eq!(none.response_codes(), ["ErrorNameResolutionNoResults"]);
    let zones = envelope(
        Some("Exchange2013"),
        None,
        r#"<m:GetServerTimeZones ReturnFullTimeZoneData="false"><m:Ids><t:Id>UTC</t:Id></m:Ids></m:GetServerTimeZones>"#,
    );
    exchange("get-server-time-zones", zones, 200).await;

    // A message waiting for pickup (IsSubmitted true) and a restriction that times out.
    let waiting = TestServer::builder()
        .hosted_domain("contoso.com")
        .submission_lag(Duration::from_secs(60), Duration::from_secs(60))
        .restriction_scan_limit(0)
        .start()
        .await
        .unwrap();
    let sent = post_ok(waiting.addr(), Some(&auth), &send_im(&[im("w")])).await;
    assert_eq!(sent.response_codes(), ["NoError"]);
    let body = envelope(
        Some("Exchange2013"),
        None,
        &find_newest("drafts", None, 10, 0),
    );
    let draft = post_ok(waiting.addr(), Some(&auth), &body).await;
    assert_eq!(draft.texts("t:IsSubmitted"), ["true"], "{}", draft.body);
    docs.push(("reply-find-newest-waiting".into(), draft.body));
    docs.push(("request-find-newest-waiting".into(), body));
    let body = envelope(
        Some("Exchange2013"),
        None,
        &find_by_named("drafts", None, "X-Id", "w"),
    );
    let timeout = post_ok(waiting.addr(), Some(&auth), &body).await;
    assert_eq!(timeout.response_codes(), ["ErrorTimeoutExpired"]);
    docs.push(("reply-find-timeout".into(), timeout.body));

    docs.extend(requests);
    validate(&docs);
}

/// The schema oracle's hand-written request vectors: the valid ones are accepted (or,
/// for `conversationhistory` under a pre-2013 version, refused with the version
/// fault), every invalid one gets `ErrorSchemaValidation`.
#[tokio::test]
async fn shared_request_vectors_are_accepted_or_refused_like_exchange() {
    let vectors =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/ews-schema/vectors/requests");
    if !vectors.is_dir() {
        assert!(
            !required(),
            "OFFLINE_IM_REQUIRE_SCHEMA_CHECK=1 but {} is missing",
            vectors.display()
        );
        println!("skipped: {} is missing", vectors.display());
        return;
    }
    let server = TestServer::builder().start().await.unwrap();
    let auth = basic("alex@contoso.com", "x");
    let read = |dir: &str| {
        let mut files: Vec<PathBuf> = std::fs::read_dir(vectors.join(dir))
            .expect("a vector directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "xml"))
            .collect();
        files.sort();
        files
    };
    let valid = read("valid");
    assert!(!valid.is_empty());
    for file in valid {
        let body = std::fs::read_to_string(&file).unwrap();
        let reply = post_ok(server.addr(), Some(&auth), &body).await;
        let old_version = ["Exchange2007", "Exchange2010"]
            .iter()
            .any(|v| body.contains(&format!("Version=\"{v}")));
        if body.contains("Id=\"conversationhistory\"") && old_version {
            assert_eq!(
                reply.fault_code().as_deref(),
                Some("ErrorInvalidServerVersion"),
                "{}",
                file.display()
            );
        } else {
            assert_eq!(reply.status, 200, "{}: {}", file.display(), reply.body);
            assert!(!reply.response_codes().is_empty(), "{}", file.display());
        }
    }
    let invalid = read("invalid");
    assert!(!invalid.is_empty());
    for file in invalid {
        let body = std::fs::read_to_string(&file).unwrap();
        let reply = post_ok(server.addr(), Some(&auth), &body).await;
        assert_eq!(reply.status, 500, "{}: {}", file.display(), reply.body);
        assert_eq!(
            reply.fault_code().as_deref(),
            Some("ErrorSchemaValidation"),
            "{}",
            file.display()
        );
    }
    // Schema-valid but against documented rules: Exchange refuses the item.
    let mut lint = read("lint");
    lint.sort();
    let codes: Vec<Vec<String>> = {
        let mut out = Vec::new();
        for file in &lint {
            let body = std::fs::read_to_string(file).unwrap();
            out.push(
                post_ok(server.addr(), Some(&auth), &body)
                    .await
                    .response_codes(),
            );
        }
        out
    };
    for (file, codes) in lint.iter().zip(&codes) {
        let name = file.file_name().unwrap().to_string_lossy();
        let expected = if name.contains("extendedfielduri") {
            "ErrorInvalidExtendedProperty"
        } else {
            "ErrorMessageDispositionRequired"
        };
        assert!(
            codes.iter().all(|c| c == expected) && !codes.is_empty(),
            "{name}: {codes:?}"
        );
    }
}
