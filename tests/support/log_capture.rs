//! Capturing what the crate logs, for the tests that check that no secret
//! shows in its logs.
//!
//! Each such test runs alone in its test binary: the capture is a subscriber
//! for the test's thread, and `tracing` decides once per log line whether it
//! is wanted, so another test reaching the same line on its own thread at the
//! same moment could make the capture miss it.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

/// Everything a [`subscriber`] wrote.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// What was logged so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// A subscriber writing every event at `level` or above, as text, into the
/// returned capture; set it with `tracing::subscriber::set_default` or
/// `with_default`.
pub fn subscriber(level: tracing::Level) -> (Captured, impl tracing::Subscriber + Send + Sync) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(move || writer.clone())
        .finish();
    (captured, subscriber)
}
