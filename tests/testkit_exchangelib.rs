//! A third-party EWS client against the embedded server: exchangelib (PyPI),
//! driven by `tests/exchangelib_client/session.py`, looks up folders, sends a
//! message with a saved copy, reads it back and deletes it, and walks the folder
//! tree (which is how it finds a missing Conversation History): what a service
//! written in Python does before it is pointed at a real Exchange.
//!
//! Without python3 and exchangelib the tests print "skipped" and pass, unless
//! `OFFLINE_IM_REQUIRE_EXCHANGELIB=1` (set by CI) makes that a failure.

use std::process::Command;

use offline_im::ews::Folder;
use offline_im::testkit::TestServer;
use serde_json::Value;

const PASSWORD: &str = "kim's password";

/// Whether exchangelib can be imported; panics when CI requires it.
fn exchangelib_available() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import exchangelib"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        assert!(
            std::env::var_os("OFFLINE_IM_REQUIRE_EXCHANGELIB").is_none(),
            "OFFLINE_IM_REQUIRE_EXCHANGELIB is set but python3 cannot import exchangelib \
             (python3 -m pip install exchangelib==5.6.0)"
        );
        eprintln!("skipped: python3 with exchangelib is not installed");
    }
    found
}

async fn server_for(user: &str, without_history: bool) -> TestServer {
    let builder = TestServer::builder()
        .hosted_domain("contoso.com")
        .mailbox("pat@contoso.com")
        .basic_user(user, PASSWORD);
    let builder = if without_history {
        builder.mailbox_without_conversation_history(user)
    } else {
        builder.mailbox(user)
    };
    builder.start().await.unwrap()
}

/// Runs the exchangelib session as `user`; returns its steps by name.
async fn run_session(server: &TestServer, user: &str) -> Vec<Value> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/exchangelib_client/session.py"
    );
    let url = server.url();
    let user = user.to_owned();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args([script, &url, &user, PASSWORD, "pat@contoso.com"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exchangelib failed\nstdout:\n{stdout}\nstderr:\n{stderr}\nrequests: {:#?}",
        server
            .requests()
            .iter()
            .map(|r| (r.operation().map(str::to_owned), r.status()))
            .collect::<Vec<_>>()
    );
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn step<'a>(steps: &'a [Value], name: &str) -> &'a Value {
    steps
        .iter()
        .find(|s| s["step"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {steps:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchangelib_looks_up_folders_sends_reads_back_and_deletes() {
    if !exchangelib_available() {
        return;
    }
    let server = server_for("kim@contoso.com", false).await;
    let steps = run_session(&server, "kim@contoso.com").await;

    let folders = step(&steps, "folders");
    assert_eq!(folders["sent"], "Sent Items");
    assert_eq!(folders["sent_total"], 0);
    assert_eq!(folders["inbox"], "Inbox");
    assert_eq!(step(&steps, "conversation_history")["found"], true);
    let lookups = step(&steps, "lookups");
    assert_eq!(lookups["resolved"][0], "pat@contoso.com", "{lookups}");
    assert_eq!(
        lookups["unknown"][0], "ErrorNameResolutionNoResults",
        "{lookups}"
    );
    assert_eq!(lookups["zones"][0], "UTC", "{lookups}");
    let read_back = step(&steps, "read_back");
    assert_eq!(read_back["count"], 1, "{read_back}");
    assert_eq!(read_back["subjects"][0], "exchangelib says hello");
    assert_eq!(
        read_back["sent_total"], 1,
        "GetFolder counts the saved copy"
    );
    let deleted = step(&steps, "deleted");
    assert_eq!(deleted["left"], 0);
    assert_eq!(deleted["sent_total"], 0);

    server.idle().await;
    let pat = "pat@contoso.com".parse().unwrap();
    let inbox = server.folder(&pat, Folder::Inbox);
    assert_eq!(inbox.len(), 1, "the message reached Pat");
    assert_eq!(inbox[0].subject(), Some("exchangelib says hello"));
    let kim = "kim@contoso.com".parse().unwrap();
    assert!(server.folder(&kim, Folder::SentItems).is_empty());
    assert!(server.folder(&kim, Folder::Drafts).is_empty());
    let operations: Vec<String> = server
        .requests()
        .iter()
        .filter_map(|r| r.operation().map(str::to_owned))
        .collect();
    assert!(
        operations.iter().any(|op| op == "GetFolder"),
        "{operations:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchangelib_is_told_a_missing_conversation_history_does_not_exist() {
    if !exchangelib_available() {
        return;
    }
    let server = server_for("lee@contoso.com", true).await;
    let steps = run_session(&server, "lee@contoso.com").await;

    let history = step(&steps, "conversation_history");
    assert_eq!(history["found"], false, "{history}");
    assert_eq!(history["error"], "ErrorFolderNotFound");
    let tree = &step(&steps, "tree")["folders"];
    assert!(
        !tree
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "Conversation History"),
        "{tree}"
    );
    assert!(
        tree.as_array().unwrap().iter().any(|f| f == "Sent Items"),
        "{tree} {:?}",
        server
            .requests()
            .iter()
            .filter(|r| r.operation() == Some("FindFolder"))
            .map(|r| String::from_utf8_lossy(r.body()).into_owned())
            .collect::<Vec<_>>()
    );
    // Everything else works as for any mailbox.
    assert_eq!(step(&steps, "read_back")["count"], 1);
    assert_eq!(step(&steps, "deleted")["left"], 0);
}
