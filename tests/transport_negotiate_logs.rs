//! No password or Negotiate token in the logs of a Negotiate transport, even at
//! TRACE, against the real KDC and acceptor of tests/kerberos/.
//!
//! A test binary of its own: `tracing` caches per call site whether anyone
//! listens, so a subscriber set for one test can miss events while other tests
//! run in parallel threads of the same process.

#[path = "support/kerberos_realm.rs"]
mod kerberos_realm;
#[path = "support/log_capture.rs"]
mod log_capture;

use std::time::Duration;

use kerberos_realm::{Acceptor, KIM, KIM_PASSWORD, UPSTREAM_PASSWORD, UPSTREAM_USER, realm};
use offline_im::testkit::TestServer;
use offline_im::transport::{EwsRequest, NegotiateCredentials, NtlmTransport, Transport};

#[test]
fn password_and_tickets_never_show_in_debug_errors_or_traces() {
    let Some(realm) = realm() else { return };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(async {
        TestServer::builder()
            .hosted_domain("contoso.com")
            .basic_user(UPSTREAM_USER, UPSTREAM_PASSWORD)
            .start()
            .await
            .unwrap()
    });
    let acceptor = Acceptor::start(realm, &server.url(), &[]);
    let transport = |password: &str| {
        NtlmTransport::negotiate(
            acceptor.endpoint(),
            NegotiateCredentials::password(KIM, password).unwrap(),
        )
        .trust_only_root_der(acceptor.ca_der.clone())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
    };
    let right = transport(KIM_PASSWORD);
    let wrong = transport("wrong-Kerberos-pw");

    let (captured, subscriber) = log_capture::subscriber(tracing::Level::TRACE);
    let error = tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let request = EwsRequest::new("CreateItem", "<soap:Envelope>hi</soap:Envelope>");
            let reply = right.send(request.clone()).await.unwrap();
            assert_ne!(reply.status, 401);
            wrong.send(request).await.unwrap_err()
        })
    });
    let logs = captured.text();
    assert!(
        logs.contains("connection authenticated with Kerberos"),
        "{logs}"
    );
    let shown = format!("{error} {error:?} {right:?} {wrong:?}");
    assert!(shown.contains("Preauthentication failed"), "{shown}");
    for secret in [KIM_PASSWORD, "wrong-Kerberos-pw", "Negotiate YI"] {
        assert!(!logs.contains(secret), "{secret} in the logs:\n{logs}");
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}
