//! `PgSpool` on a real PostgreSQL server (`OFFLINE_IM_PG_URL`, started by
//! `.ci/postgres`): what the conformance suite cannot say through the trait.
//! A database that is down, a connection lost mid-claim, a schema of another
//! version, rows that cannot be read, batches (the password: `spool_postgres_logs.rs`).

#[path = "support/spool_entries.rs"]
mod spool_entries;

#[path = "support/postgres.rs"]
#[macro_use]
mod postgres_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use offline_im::spool::postgres::{SCHEMA_SQL, SCHEMA_VERSION};
use offline_im::spool::{PgSpool, Spool, SpoolEntry, SpoolError};
use postgres_server::{drainer, execute, fresh_schema, password_of, server_url};
use spool_entries::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[tokio::test(flavor = "current_thread")]
async fn a_database_that_is_down_is_a_clear_error_that_names_it_without_the_password() {
    // A port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://kim:Sup3r-s3cret@127.0.0.1:{port}/spool");
    let builder = PgSpool::builder(url.clone());
    assert!(!format!("{builder:?}").contains("Sup3r-s3cret"));
    let error = builder.connect().await.unwrap_err();
    let (shown, debug) = (error.to_string(), format!("{error:?}"));
    assert!(matches!(error, SpoolError::Backend(_)), "{debug}");
    assert!(
        shown.contains(&format!("kim@127.0.0.1:{port}/spool")),
        "{shown}"
    );
    assert!(shown.to_lowercase().contains("refused"), "{shown}");
    assert!(
        !shown.contains("Sup3r-s3cret") && !debug.contains("Sup3r-s3cret"),
        "{debug}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn tls_asked_for_is_refused_rather_than_sent_in_plain_text() {
    let error = PgSpool::connect("postgres://kim:Sup3r-s3cret@127.0.0.1/spool?sslmode=require")
        .await
        .unwrap_err();
    let shown = error.to_string();
    assert!(matches!(error, SpoolError::Config { .. }), "{shown}");
    assert!(
        shown.contains("sslmode") && shown.contains("TLS"),
        "{shown}"
    );
    assert!(!shown.contains("Sup3r-s3cret"), "{shown}");

    let error = PgSpool::connect("mysql://kim:Sup3r-s3cret@db/spool")
        .await
        .unwrap_err();
    let shown = error.to_string();
    assert!(shown.contains("database URL"), "{shown}");
    assert!(!shown.contains("Sup3r-s3cret"), "{shown}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_schema_that_is_missing_or_of_another_version_is_refused_naming_it() {
    let url = server!();
    let url = fresh_schema(&url).await;
    let error = PgSpool::connect(url.clone()).await.unwrap_err().to_string();
    assert!(
        error.contains("create_schema") && error.contains("postgres_spool_v1.sql"),
        "{error}"
    );

    // Created by an administrator from the SQL file, as documented.
    execute(&url, SCHEMA_SQL).await;
    let spool = PgSpool::connect(url.clone()).await.unwrap();
    spool.put(entry("kept")).await.unwrap();

    execute(&url, "UPDATE offline_im_spool_schema SET version = 2").await;
    for connect in [
        PgSpool::connect(url.clone()).await,
        PgSpool::builder(url.clone())
            .create_schema(true)
            .connect()
            .await,
    ] {
        let error = connect.unwrap_err();
        assert!(matches!(error, SpoolError::Config { .. }), "{error}");
        let shown = error.to_string();
        assert!(shown.contains("version \"2\""), "{shown}");
        assert!(
            shown.contains(&format!("version {SCHEMA_VERSION}")),
            "{shown}"
        );
    }
    // Nothing was changed: back at version 1 the message is still there.
    execute(&url, "UPDATE offline_im_spool_schema SET version = 1").await;
    let spool = PgSpool::connect(url).await.unwrap();
    assert_eq!(spool.claim_due(T0, 10).await.unwrap().len(), 1);
}

/// A TCP proxy to the database that, once `cut` is set, closes a connection
/// as soon as the server answers an UPDATE: the statement ran, its reply is lost.
async fn proxy(server: String, cut: Arc<AtomicBool>) -> u16 {
    proxy_with(server, cut, Arc::new(AtomicBool::new(false))).await
}

/// [`proxy`], and while `down` is set every connection is closed at once, new
/// or open (at the next reply): the database is unreachable.
async fn proxy_with(server: String, cut: Arc<AtomicBool>, down: Arc<AtomicBool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            if down.load(Ordering::SeqCst) {
                drop(client);
                continue;
            }
            let (server, cut, down) = (server.clone(), cut.clone(), down.clone());
            tokio::spawn(async move {
                let Ok(upstream) = TcpStream::connect(&server).await else {
                    return;
                };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = upstream.into_split();
                let up = tokio::spawn(async move { tokio::io::copy(&mut cr, &mut sw).await });
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = match sr.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let chunk = &buf[..n];
                    if cut.load(Ordering::SeqCst) && chunk.windows(7).any(|w| w == b"UPDATE ") {
                        break;
                    }
                    if down.load(Ordering::SeqCst) {
                        break;
                    }
                    if cw.write_all(chunk).await.is_err() {
                        break;
                    }
                }
                up.abort();
            });
        }
    });
    port
}

#[tokio::test(flavor = "current_thread")]
async fn a_connection_lost_mid_claim_is_an_error_and_the_message_comes_back_after_the_lease() {
    let url = server!();
    let url = fresh_schema(&url).await;
    let parsed = url::Url::parse(&url).unwrap();
    let server = format!(
        "{}:{}",
        parsed.host_str().unwrap(),
        parsed.port().unwrap_or(5432)
    );
    let cut = Arc::new(AtomicBool::new(false));
    let port = proxy(server.clone(), cut.clone()).await;
    let through_proxy = url.replace(&server, &format!("127.0.0.1:{port}"));
    let spool = drainer(&through_proxy, "a", secs(300)).await;
    let entry = entry("must not be lost");
    spool.put(entry.clone()).await.unwrap();

    cut.store(true, Ordering::SeqCst);
    let error = spool.claim_due(T0, 10).await.unwrap_err();
    cut.store(false, Ordering::SeqCst);
    let shown = error.to_string();
    assert!(shown.contains("cannot claim due messages"), "{shown}");
    assert!(!shown.contains(&password_of(&url)), "{shown}");

    // The claim was made but its holder never heard of it: the lease holds, then
    // the message comes back, to this drainer (new connection) or another.
    assert!(spool.claim_due(at(299), 10).await.unwrap().is_empty());
    let other = drainer(&url, "b", secs(300)).await;
    let claim = other.claim_due(at(300), 10).await.unwrap().pop().unwrap();
    assert_eq!(claim.entry().message(), entry.message());
    assert!(
        claim.entry().was_taken_over(),
        "the sender must look the delivery id up before sending it again"
    );
    assert_eq!(
        other.taken_over_from(&claim).await.unwrap().as_deref(),
        Some("a")
    );
    other.complete(claim).await.unwrap();
    assert!(spool.claim_due(at(10_000), 10).await.unwrap().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_claim_that_takes_over_an_expired_one_knows_it_and_a_fresh_one_does_not() {
    let url = server!();
    let url = fresh_schema(&url).await;
    let (a, b) = (
        drainer(&url, "a", secs(300)).await,
        drainer(&url, "b", secs(300)).await,
    );
    a.put(entry("one")).await.unwrap();
    let first = a.claim_due(T0, 1).await.unwrap().pop().unwrap();
    assert_eq!(a.taken_over_from(&first).await.unwrap(), None);
    let second = b.claim_due(at(300), 1).await.unwrap().pop().unwrap();
    assert_eq!(
        b.taken_over_from(&second).await.unwrap().as_deref(),
        Some("a")
    );
    assert!(a.taken_over_from(&first).await.unwrap_err().is_claim_lost());
    b.retry_later(second, at(301), at(302), "busy")
        .await
        .unwrap();
    let third = a.claim_due(at(302), 1).await.unwrap().pop().unwrap();
    assert_eq!(
        a.taken_over_from(&third).await.unwrap(),
        None,
        "it was waiting"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_row_that_cannot_be_read_is_quarantined_and_the_others_delivered() {
    let url = server!();
    let url = fresh_schema(&url).await;
    let spool = drainer(&url, "a", secs(300)).await;
    let (bad, good) = (entry("from a newer program"), entry("fine"));
    spool.put(bad.clone()).await.unwrap();
    spool.put(good.clone()).await.unwrap();
    execute(
        &url,
        &format!(
            "UPDATE offline_im_spool SET record = replace(record::text, '\"format_version\": 1', \
             '\"format_version\": 2')::json WHERE delivery_id = '{}'",
            bad.delivery_id()
        ),
    )
    .await;

    let mut claims = spool.claim_due(T0, 10).await.unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].entry(), &good);
    spool.complete(claims.pop().unwrap()).await.unwrap();
    // Set aside, not deleted: the row is in the quarantine table with the reason.
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let row = client
        .query_one(
            "SELECT reason, record FROM offline_im_spool_quarantine WHERE delivery_id = $1",
            &[bad.delivery_id().as_uuid()],
        )
        .await
        .unwrap();
    let (reason, record): (String, String) = (row.get(0), row.get(1));
    assert!(reason.contains("format_version 2"), "{reason}");
    assert!(record.contains("from a newer program"));
    assert!(spool.claim_due(at(10_000), 10).await.unwrap().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_batch_is_kept_in_one_go_and_duplicates_are_reported_one_by_one() {
    let url = server!();
    let url = fresh_schema(&url).await;
    let spool = drainer(&url, "a", secs(300)).await;
    let earlier = entry("earlier");
    spool.put(earlier.clone()).await.unwrap();
    let fresh: Vec<SpoolEntry> = (0..500).map(|i| entry(&format!("m{i}"))).collect();
    let mut batch = fresh.clone();
    batch.insert(10, earlier.clone());
    batch.push(fresh[3].clone());
    let results = spool.put_batch(batch).await.unwrap();
    assert_eq!(results.len(), 502);
    let refused: Vec<usize> = (0..results.len())
        .filter(|&i| {
            results[i]
                .as_ref()
                .is_err_and(SpoolError::is_already_spooled)
        })
        .collect();
    assert_eq!(
        refused,
        vec![10, 501],
        "the one spooled before, the second copy"
    );
    assert!(
        results
            .iter()
            .enumerate()
            .all(|(i, r)| r.is_ok() || refused.contains(&i))
    );

    let claims = spool.claim_due(T0, 1000).await.unwrap();
    assert_eq!(claims.len(), 501, "each message once");
    let (count, next) = spool.unfinished().await.unwrap();
    assert_eq!(
        (count, next),
        (501, Some(at(300))),
        "all claimed, back at the lease's end"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_claim_reads_the_due_index_not_the_table_with_many_waiting() {
    let url = server!();
    let url = fresh_schema(&url).await;
    // Creates the tables and indexes.
    drainer(&url, "a", secs(300)).await;
    // 200,000 waiting rows (made in SQL: the plan, not the records, is tested).
    execute(
        &url,
        "INSERT INTO offline_im_spool (delivery_id, sender, record, due_at) \
         SELECT gen_random_uuid(), 'kim@contoso.com', '{}'::json, \
                timestamptz '2026-03-02 09:15Z' + i * interval '1 ms' \
         FROM generate_series(1, 200000) AS i; ANALYZE offline_im_spool",
    )
    .await;
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    // The claim's two lookups, as PgSpool runs them.
    for (index, sql) in [
        (
            "offline_im_spool_waiting_due",
            "SELECT delivery_id FROM offline_im_spool WHERE claimed_by IS NULL AND dead_at IS NULL \
             AND due_at <= now() ORDER BY due_at LIMIT 100 FOR UPDATE SKIP LOCKED",
        ),
        (
            "offline_im_spool_claimed_lease",
            "SELECT delivery_id FROM offline_im_spool WHERE claimed_by IS NOT NULL \
             AND lease_until <= now() ORDER BY lease_until LIMIT 100 FOR UPDATE SKIP LOCKED",
        ),
    ] {
        let plan: String = client
            .query(&format!("EXPLAIN {sql}"), &[])
            .await
            .unwrap()
            .iter()
            .map(|row| row.get::<_, String>(0) + "\n")
            .collect();
        assert!(
            plan.contains(&format!("Index Scan using {index}")),
            "{plan}"
        );
        assert!(!plan.contains("Seq Scan"), "{plan}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_database_that_goes_away_fails_each_call_clearly_and_loses_nothing() {
    let url = server!();
    let url = fresh_schema(&url).await;
    let parsed = url::Url::parse(&url).unwrap();
    let server = format!(
        "{}:{}",
        parsed.host_str().unwrap(),
        parsed.port().unwrap_or(5432)
    );
    let down = Arc::new(AtomicBool::new(false));
    let port = proxy_with(
        server.clone(),
        Arc::new(AtomicBool::new(false)),
        down.clone(),
    )
    .await;
    let spool = drainer(
        &url.replace(&server, &format!("127.0.0.1:{port}")),
        "a",
        secs(300),
    )
    .await;
    let (first, second) = (entry("before"), entry("during"));
    spool.put(first.clone()).await.unwrap();

    down.store(true, Ordering::SeqCst);
    let error = spool.put(second.clone()).await.unwrap_err();
    assert!(error.to_string().contains("cannot put messages"), "{error}");
    let error = spool.claim_due(T0, 10).await.unwrap_err();
    assert!(
        error.to_string().contains("cannot claim due messages"),
        "{error}"
    );
    let error = spool.dead_letters().await.unwrap_err();
    assert!(
        error.to_string().contains("cannot read dead letters"),
        "{error}"
    );
    assert!(!error.to_string().contains(&password_of(&url)));

    // Back: the caller hands the message over again; the first attempt may or
    // may not have kept it, and either way there is exactly one copy.
    down.store(false, Ordering::SeqCst);
    match spool.put(second.clone()).await {
        Ok(()) => {}
        Err(error) => assert!(error.is_already_spooled(), "{error}"),
    }
    let mut claimed: Vec<_> = spool
        .claim_due(T0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.entry().clone())
        .collect();
    claimed.sort_by_key(|e| e.message().lines()[0].text().to_owned());
    assert_eq!(claimed, vec![first, second]);
}
