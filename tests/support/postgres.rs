//! The PostgreSQL server of the tests: `OFFLINE_IM_PG_URL` (started by
//! `.ci/postgres`), and a schema of its own for each test.
#![allow(dead_code)]

use std::time::Duration;

use offline_im::spool::PgSpool;

/// The server's URL, or `None` (with a line saying the test is skipped) when
/// it is not set. Panics when `OFFLINE_IM_REQUIRE_POSTGRES` is set, as in CI.
pub fn server_url(test: &str) -> Option<String> {
    match std::env::var("OFFLINE_IM_PG_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("OFFLINE_IM_REQUIRE_POSTGRES").is_some() => panic!(
            "{test}: OFFLINE_IM_PG_URL is not set but OFFLINE_IM_REQUIRE_POSTGRES is; \
             start the server with: eval \"$(bash .ci/postgres)\""
        ),
        _ => {
            eprintln!(
                "{test}: skipped, OFFLINE_IM_PG_URL is not set (start a server with: eval \"$(bash .ci/postgres)\")"
            );
            None
        }
    }
}

/// The server's URL in a test that needs it; the test returns (skipped, said)
/// without it. See [`server_url`].
#[allow(unused_macros)] // not every test binary that includes this file uses it
macro_rules! server {
    () => {
        match server_url(module_path!()) {
            Some(url) => url,
            None => return,
        }
    };
}

/// The password in a server URL.
pub fn password_of(url: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .password()
        .expect("OFFLINE_IM_PG_URL carries a password")
        .to_owned()
}

/// A new empty PostgreSQL schema on the server at `url`; returns a URL whose
/// connections use it (`search_path`), so tests running at once never meet.
pub async fn fresh_schema(url: &str) -> String {
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to OFFLINE_IM_PG_URL");
    let task = tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE SCHEMA {name}"))
        .await
        .unwrap();
    drop(client);
    let _ = task.await;
    with_search_path(url, &name)
}

/// `url` with `options=-c search_path=<schema>`.
pub fn with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}

/// Runs `sql` on the server at `url` (a test's own schema).
pub async fn execute(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to OFFLINE_IM_PG_URL");
    let task = tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap();
    drop(client);
    let _ = task.await;
}

/// A drainer named `claimant` on the spool at `url` (its schema created on first use).
pub async fn drainer(url: &str, claimant: &str, lease: Duration) -> PgSpool {
    PgSpool::builder(url.to_owned())
        .claimant(claimant.parse().unwrap())
        .lease(lease)
        .pool_size(4)
        .create_schema(true)
        .connect()
        .await
        .unwrap()
}
