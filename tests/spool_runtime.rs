//! The directory spool's async API on a multi-threaded tokio runtime: its file
//! work (thousands of synced files) must not stall the runtime's workers,
//! which carry the network traffic of the deliveries in flight.

#[path = "support/spool_entries.rs"]
mod spool_entries;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use offline_im::spool::Spool;
use spool_entries::*;

/// One worker thread: while `put_all` of 2,000 messages (2,000 synced files)
/// runs, another task on that worker keeps running, and every message is kept.
#[test]
fn put_all_leaves_the_runtime_worker_free_and_keeps_every_message() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let spool = spool(dir.path(), "a");
    let entries: Vec<_> = (0..2000).map(|i| entry(&format!("message {i}"))).collect();

    let ticks = Arc::new(AtomicUsize::new(0));
    let ticker = {
        let ticks = Arc::clone(&ticks);
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(1)).await;
                ticks.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    // Let the ticker start, then spool on the same (only) worker.
    runtime.block_on(async {
        while ticks.load(Ordering::Relaxed) == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    let putting = runtime.spawn({
        let spool = spool.clone();
        let ticks = Arc::clone(&ticks);
        async move {
            let before = ticks.load(Ordering::Relaxed);
            let results = spool.put_all(entries).await;
            (results, ticks.load(Ordering::Relaxed) - before)
        }
    });
    let (results, ticks_meanwhile) = runtime.block_on(putting).unwrap();
    ticker.abort();

    assert_eq!(results.len(), 2000);
    assert!(results.iter().all(Result::is_ok), "every message kept");
    assert_eq!(
        spool.blocking_waiting().unwrap().len(),
        2000,
        "every message is waiting in the spool"
    );
    assert!(
        ticks_meanwhile >= 2,
        "the other task on the runtime's only worker ran {ticks_meanwhile} times while 2,000 \
         files were written and synced: the spool's file work held the worker"
    );
}
