//! The versioned schema: creating it, and refusing a version this crate does not read.

use super::PgSpool;
use super::error::pg_error;
use crate::spool::SpoolError;

/// The version of the PostgreSQL schema this crate creates and reads.
///
/// Stored in the one row of `offline_im_spool_schema`. A database with another
/// version is refused with an error naming both; a later version of the crate
/// that changes the tables ships the SQL that migrates them.
pub const SCHEMA_VERSION: i32 = 1;

/// The SQL that creates schema version [`SCHEMA_VERSION`] (the repository's
/// `sql/postgres_spool_v1.sql`), for administrators who create schemas
/// themselves. Running it again changes nothing.
pub const SCHEMA_SQL: &str = include_str!("../../../sql/postgres_spool_v1.sql");

const SCHEMA_EXISTS: &str = "SELECT to_regclass('offline_im_spool_schema') IS NOT NULL";

/// Runs [`SCHEMA_SQL`] unless the tables exist. Concurrent callers are serialized by an advisory lock,
/// so several drainers starting at once create the tables once.
pub(super) async fn create(spool: &PgSpool) -> Result<(), SpoolError> {
    let op = "create the spool schema";
    let client = spool.client(op).await?;
    let err = |e| pg_error(&spool.target, op, e);
    // CREATE ... IF NOT EXISTS still races into duplicate-name errors when two
    // sessions create at once; the lock (any constant key) serializes them.
    client
        .batch_execute("SELECT pg_advisory_lock(7310309453213740397)")
        .await
        .map_err(err)?;
    // Tables of another version are left alone, for check_version to name.
    let exists = client
        .query_one(SCHEMA_EXISTS, &[])
        .await
        .map(|row| row.get::<_, bool>(0));
    let created = match exists {
        Ok(true) => Ok(()),
        Ok(false) => client.batch_execute(SCHEMA_SQL).await,
        Err(e) => Err(e),
    };
    if created.is_err() {
        // The file's own transaction is left aborted: end it before unlocking.
        let _ = client.batch_execute("ROLLBACK").await;
    }
    let unlocked = client
        .batch_execute("SELECT pg_advisory_unlock(7310309453213740397)")
        .await;
    created.map_err(err)?;
    unlocked.map_err(err)?;
    tracing::info!(database = %spool.target, version = SCHEMA_VERSION, "spool: PostgreSQL schema ready");
    Ok(())
}

/// Checks that the tables exist and follow [`SCHEMA_VERSION`].
pub(super) async fn check_version(spool: &PgSpool) -> Result<(), SpoolError> {
    let op = "read the spool schema version";
    let client = spool.client(op).await?;
    let err = |e| pg_error(&spool.target, op, e);
    let exists = client
        .query_one(SCHEMA_EXISTS, &[])
        .await
        .map_err(err)?
        .get::<_, bool>(0);
    if !exists {
        return Err(SpoolError::Config {
            field: "PostgreSQL spool schema",
            value: spool.target.clone(),
            rule: "has no offline_im_spool tables: create them with \
                   PgSpoolBuilder::create_schema(true) or by running sql/postgres_spool_v1.sql",
        });
    }
    let version: Option<i32> = client
        .query_opt("SELECT version FROM offline_im_spool_schema", &[])
        .await
        .map_err(err)?
        .map(|row| row.get(0));
    match version {
        Some(SCHEMA_VERSION) => Ok(()),
        Some(other) => Err(SpoolError::Config {
            field: "PostgreSQL spool schema version",
            value: other.to_string(),
            rule: "this program reads schema version 1 only; use the program that created \
                   it, or migrate the tables",
        }),
        None => Err(SpoolError::Config {
            field: "PostgreSQL spool schema version",
            value: "none".to_owned(),
            rule: "offline_im_spool_schema must hold one row with the version; run \
                   sql/postgres_spool_v1.sql again",
        }),
    }
}
