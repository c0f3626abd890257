//! What the sender logs at info level: never message text. In a binary of its
//! own, because tracing caches which call sites are enabled per process, and tests
//! running in parallel under other subscribers would disturb that.

#[path = "support/sender_on_script.rs"]
mod sender_on_script;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use offline_im::send::RetryPolicy;
use offline_im::transport::{RecordingTransport, TransportError};
use sender_on_script::{message, sender};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn info_logs_never_carry_message_text() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .finish();
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
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("create_item_batch"),
        "the batch span is logged: {logs}"
    );
    assert!(!logs.contains("secret launch"), "{logs}");
}
