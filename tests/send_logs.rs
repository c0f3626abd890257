//! What the sender logs at info level: never message text. In a binary of its
//! own, because tracing caches which call sites are enabled per process, and tests
//! running in parallel under other subscribers would disturb that.

#[path = "support/log_capture.rs"]
mod log_capture;
#[path = "support/sender_on_script.rs"]
mod sender_on_script;

use std::time::Duration;

use offline_im::send::RetryPolicy;
use offline_im::transport::{RecordingTransport, TransportError};
use sender_on_script::{message, sender};

#[tokio::test(start_paused = true)]
async fn info_logs_never_carry_message_text() {
    let (captured, subscriber) = log_capture::subscriber(tracing::Level::INFO);
    let _guard = tracing::subscriber::set_default(subscriber);
    // The reply is lost; then (unscripted) nothing is found and the resend succeeds.
    let transport = RecordingTransport::new().with_error(TransportError::connection_lost());
    let sender = sender(
        transport,
        RetryPolicy::new()
            .check_delay(Duration::from_millis(1))
            .execution_limit(Duration::from_millis(1)),
    );
    let report = sender
        .send(message("the secret launch date is Friday"))
        .await;
    assert!(report.outcome.is_delivered(), "{report}");
    let logs = captured.text();
    assert!(
        logs.contains("create_item_batch"),
        "the batch span is logged: {logs}"
    );
    assert!(!logs.contains("secret launch"), "{logs}");
}
