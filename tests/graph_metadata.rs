//! The Graph oracle: every JSON body the `graph` module writes names only
//! properties Graph v1.0 defines, with values of the declared types.
//!
//! Runs `python3 ../shared/graph-metadata/check_body.py` (Python's standard
//! library only). Where python3 or the script is missing (a crates.io user
//! running the tests) the check reports itself skipped, unless
//! `OFFLINE_IM_REQUIRE_GRAPH_CHECK=1` (set by `.ci/run`).

#[path = "support/graph_on_testkit.rs"]
mod graph_on_testkit;
#[path = "support/graph_plans.rs"]
mod graph_plans;
#[path = "support/python_oracle.rs"]
mod python_oracle;
#[path = "support/sender_on_testkit.rs"]
mod sender_on_testkit;

use std::path::{Path, PathBuf};
use std::process::Command;

use graph_plans::plans;
use offline_im::compose::DeliveryId;
use offline_im::graph::{
    BatchEntry, GraphMessage, GraphRequest, Recipient, delivery_id_property_id, plan_recipient,
    write_batch, write_create_message, write_send_mail,
};
use offline_im::plan::Folder;
use python_oracle::{Oracle, check_files};

const GRAPH_CHECK: Oracle = Oracle {
    name: "the Graph metadata check",
    script: "../shared/graph-metadata/check_body.py",
    needs_module: None,
    require: "OFFLINE_IM_REQUIRE_GRAPH_CHECK",
};

fn checker() -> Option<PathBuf> {
    GRAPH_CHECK.script()
}

/// Runs check_body.py for `target` on `files`; fails naming every file not OK.
fn check(script: &Path, target: &str, files: &[PathBuf]) {
    check_files(script, &[target], files);
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("offline-im-graph-")
        .tempdir()
        .expect("temp dir")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write body");
    path
}

/// A message to many recipients (Graph takes a list; the planner makes one each).
fn many_recipients_body() -> Vec<u8> {
    let addresses: Vec<String> = (0..60).map(|i| format!("user{i}@contoso.com")).collect();
    let names: Vec<String> = (0..60).map(|i| format!("User {i}")).collect();
    let to: Vec<Recipient<'_>> = addresses
        .iter()
        .zip(&names)
        .map(|(a, n)| Recipient::new(a, Some(n)))
        .collect();
    let (_, plan) = &plans()[0];
    let mut message = GraphMessage::from_plan(plan, &[]);
    message.to_recipients = &to;
    let mut buf = Vec::new();
    write_create_message(&mut buf, &message).expect("write");
    buf
}

#[test]
fn every_create_message_body_is_a_valid_graph_message() {
    let dir = temp_dir();
    let mut files = Vec::new();
    for (name, plan) in plans() {
        let to = plan_recipient(&plan);
        let message = GraphMessage::from_plan(&plan, &to);
        let mut buf = Vec::new();
        write_create_message(&mut buf, &message).expect("write");
        // What a user cares about is in the body, before any oracle runs.
        let json: serde_json::Value = serde_json::from_slice(&buf).expect("JSON");
        assert_eq!(
            json["toRecipients"][0]["emailAddress"]["address"],
            plan.recipient().smtp().as_str()
        );
        assert_eq!(json["body"]["content"], plan.message().html());
        let props = json["singleValueExtendedProperties"]
            .as_array()
            .expect("properties");
        assert!(
            props
                .iter()
                .any(|p| p["id"] == "String 0x001A" && p["value"] == plan.item_class().as_str())
        );
        assert!(
            props
                .iter()
                .any(|p| p["id"] == delivery_id_property_id().as_str()
                    && p["value"] == plan.delivery_id().to_string().as_str())
        );
        files.push(write(dir.path(), &format!("{name}.json"), &buf));
    }
    files.push(write(
        dir.path(),
        "many-recipients.json",
        &many_recipients_body(),
    ));
    if let Some(script) = checker() {
        check(&script, "message", &files);
    }
}

#[test]
fn every_send_mail_body_is_valid_send_mail_parameters() {
    let dir = temp_dir();
    let mut files = Vec::new();
    for (name, plan) in plans() {
        let to = plan_recipient(&plan);
        let message = GraphMessage::from_plan(&plan, &to);
        for save in [true, false] {
            let mut buf = Vec::new();
            write_send_mail(&mut buf, &message, save).expect("write");
            let json: serde_json::Value = serde_json::from_slice(&buf).expect("JSON");
            assert_eq!(json["saveToSentItems"], save);
            assert_eq!(json["message"]["subject"], plan.message().subject());
            files.push(write(dir.path(), &format!("{name}-{save}.json"), &buf));
        }
        let request =
            GraphRequest::send_mail(plan.sender().smtp().as_str(), &message, true).unwrap();
        let body = serde_json::to_vec(&request.body.expect("sendMail has a body")).unwrap();
        files.push(write(dir.path(), &format!("{name}-request.json"), &body));
    }
    if let Some(script) = checker() {
        check(&script, "ACTION:sendMail", &files);
    }
}

#[test]
fn the_bodies_inside_a_full_batch_are_valid_graph_messages() {
    let plans = plans();
    let recipients: Vec<_> = plans.iter().map(|(_, p)| plan_recipient(p)).collect();
    let mut entries = Vec::new();
    for i in 0..10 {
        let (_, plan) = &plans[i % plans.len()];
        let message = GraphMessage::from_plan(plan, &recipients[i % plans.len()]);
        let user = plan.sender().smtp().as_str();
        let create = GraphRequest::create_message(user, Some(Folder::Drafts), &message).unwrap();
        entries.push(BatchEntry::new(format!("c{i}"), create));
        let find =
            GraphRequest::find_by_delivery_id(user, Some(Folder::SentItems), DeliveryId::new())
                .unwrap();
        entries.push(BatchEntry::new(format!("f{i}"), find).depends_on(format!("c{i}")));
    }
    assert_eq!(entries.len(), 20);
    let mut buf = Vec::new();
    write_batch(&mut buf, &entries).expect("a batch of 20 is allowed");
    let json: serde_json::Value = serde_json::from_slice(&buf).expect("JSON");
    let requests = json["requests"].as_array().expect("requests");
    let dir = temp_dir();
    let mut files = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        if let Some(body) = r.get("body") {
            assert_eq!(r["headers"]["Content-Type"], "application/json");
            files.push(write(
                dir.path(),
                &format!("batch-{i}.json"),
                &serde_json::to_vec(body).unwrap(),
            ));
        }
    }
    assert_eq!(files.len(), 10);
    if let Some(script) = checker() {
        check(&script, "message", &files);
    }
}

#[test]
fn the_oracle_catches_a_property_graph_does_not_have() {
    // The check can fail: a body with a misspelt property is refused.
    let Some(script) = checker() else { return };
    let dir = temp_dir();
    let to = [Recipient::new("pat@contoso.com", None)];
    let plan = &plans()[0].1;
    let mut json = serde_json::to_value(GraphMessage::from_plan(plan, &to)).unwrap();
    json["toRecipient"] = json["toRecipients"].clone();
    let file = write(dir.path(), "bad.json", &serde_json::to_vec(&json).unwrap());
    let out = Command::new("python3")
        .arg(&script)
        .arg("message")
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("toRecipient: no such property"));
}

/// Every body the Sender's Graph backend writes (creates and moves, as the
/// embedded server recorded them, lost replies included) passes the oracle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_body_the_graph_backend_writes_is_valid() {
    use offline_im::testkit::Fault;

    let server = graph_on_testkit::server().await;
    server.faults().next_requests(2, Fault::CloseAfterCommit);
    let sender = graph_on_testkit::sender(&server);
    let messages: Vec<_> = (0..4)
        .map(|i| {
            sender_on_testkit::im(
                "kim@contoso.com",
                &format!("user{i}@contoso.com"),
                "<b>bold</b> & \"quoted\"",
            )
        })
        .collect();
    let reports = sender.send_all(messages).await;
    server.idle().await;
    assert!(
        reports.iter().all(|r| r.outcome.is_delivered()),
        "{reports:?}"
    );
    let dir = temp_dir();
    let (mut creates, mut moves) = (Vec::new(), Vec::new());
    for (i, r) in server.requests().iter().enumerate() {
        match r.operation() {
            Some("graph.createMessage") => {
                creates.push(write(dir.path(), &format!("create-{i}.json"), r.body()));
            }
            Some("graph.move") => {
                moves.push(write(dir.path(), &format!("move-{i}.json"), r.body()))
            }
            Some(op) if op.starts_with("graph") => {
                assert!(r.body().is_empty(), "{op} carries no body");
            }
            _ => {}
        }
    }
    assert!(
        creates.len() >= 4 && moves.len() >= 4,
        "{creates:?} {moves:?}"
    );
    if let Some(script) = checker() {
        check(&script, "message", &creates);
        check(&script, "ACTION:move", &moves);
    }
}
