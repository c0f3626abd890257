//! No password or NTLM message in the logs of an `NtlmTransport`, even at TRACE.
//!
//! A test binary of its own: `tracing` caches per call site whether anyone
//! listens, so a subscriber set for one test can miss events while other tests
//! run in parallel threads of the same process.

#[path = "support/log_capture.rs"]
mod log_capture;
#[path = "support/ntlm_acceptor.rs"]
mod ntlm_acceptor;

use ntlm_acceptor::{KIM_PASSWORD, Server};
use offline_im::transport::{EwsRequest, NtlmCredentials, Transport};

fn kim() -> NtlmCredentials {
    NtlmCredentials::parse("CONTOSO\\kim", KIM_PASSWORD).unwrap()
}

fn create_item(text: &str) -> EwsRequest {
    EwsRequest::new(
        "CreateItem",
        format!("<soap:Envelope>{text}</soap:Envelope>"),
    )
}

#[test]
fn password_and_ntlm_messages_never_show_in_debug_or_traces() {
    let Some(server) = Server::start(&[]) else {
        return;
    };
    let (captured, subscriber) = log_capture::subscriber(tracing::Level::TRACE);
    let transport = server.transport(kim());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let reply = transport.send(create_item("hi")).await.unwrap();
            assert_eq!(reply.status, 200);
            let wrong =
                server.transport(NtlmCredentials::parse("CONTOSO\\kim", "wrong-Pa55").unwrap());
            assert_eq!(wrong.send(create_item("hi")).await.unwrap().status, 401);
        });
    });
    let logs = captured.text();
    assert!(logs.contains("connection authenticated"), "{logs}");
    assert!(logs.contains("refused the credentials"), "{logs}");
    for secret in [KIM_PASSWORD, "wrong-Pa55", "TlRMTVNTUA"] {
        assert!(!logs.contains(secret), "{secret} in the logs:\n{logs}");
    }
    let debug = format!("{transport:?}");
    assert!(
        debug.contains("kim") && !debug.contains(KIM_PASSWORD),
        "{debug}"
    );
}
