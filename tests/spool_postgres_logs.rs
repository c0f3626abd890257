//! The PostgreSQL spool never shows its password, in Debug, errors or logs.
//!
//! In a test binary of its own: the log capture is a subscriber set for this
//! test's thread, and `tracing` caches whether a log line is wanted when the
//! line is first reached, so other tests reaching the same lines on their own
//! threads at the same moment could make it miss them.

#[path = "support/log_capture.rs"]
mod log_capture;
#[path = "support/spool_entries.rs"]
mod spool_entries;

#[path = "support/postgres.rs"]
#[macro_use]
mod postgres_server;

use offline_im::spool::{PgSpool, Spool};
use postgres_server::{drainer, fresh_schema, password_of, server_url};
use spool_entries::*;

#[tokio::test(flavor = "current_thread")]
async fn the_password_never_shows_in_debug_errors_or_logs() {
    let url = server!();
    let password = password_of(&url);
    let (captured, subscriber) = log_capture::subscriber(tracing::Level::TRACE);
    let _guard = tracing::subscriber::set_default(subscriber);

    let url = fresh_schema(&url).await;
    let spool = drainer(&url, "a", secs(300)).await;
    let shown = format!("{spool:?}");
    assert!(shown.contains("offline_im@127.0.0.1"), "{shown}");
    spool.put(entry("x")).await.unwrap();
    let claim = spool.claim_due(T0, 1).await.unwrap().pop().unwrap();
    spool.dead_letter(claim, "gone", at(1)).await.unwrap();
    let mut errors = vec![];
    errors.push(spool.put(entry("y")).await.map(|_| ()));
    errors.push(
        PgSpool::connect(url.replace(&password, "wrong-password"))
            .await
            .map(|_| ()),
    );
    errors.push(
        PgSpool::connect(url.replace("offline_im:", "nobody:"))
            .await
            .map(|_| ()),
    );
    let errors: Vec<String> = errors
        .into_iter()
        .filter_map(Result::err)
        .map(|e| format!("{e} {e:?}"))
        .collect();
    assert_eq!(errors.len(), 2, "wrong password and unknown user fail");
    assert!(
        errors.iter().all(|e| e.contains("authentication")),
        "{errors:?}"
    );

    let logs = captured.text();
    assert!(logs.contains("schema ready"), "the spool logs: {logs}");
    for text in errors.iter().chain([&shown, &logs]) {
        assert!(!text.contains(&password), "the password shows in: {text}");
    }
}
