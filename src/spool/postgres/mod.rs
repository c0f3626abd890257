//! The spool in PostgreSQL: several delivery hosts share one queue.
//!
//! [`PgSpool`] implements [`Spool`](super::Spool) with the semantics of
//! [`DirectorySpool`](super::DirectorySpool) (the same conformance tests run
//! against both) over one table, so that drainers on any number of hosts share
//! the work: no message is claimed twice while its lease holds, and the claims
//! of a host that died come back when their leases run out.
//!
//! # The table
//!
//! Schema version [`SCHEMA_VERSION`] is [`SCHEMA_SQL`] (`sql/postgres_spool_v1.sql`
//! in the repository): `offline_im_spool`, one row per message, waiting, claimed
//! or dead; `offline_im_spool_quarantine` for rows that cannot be read; and
//! `offline_im_spool_schema` with the version. The crate creates it on request
//! ([`PgSpoolBuilder::create_schema`]); administrators who create schemas
//! themselves run the file with `psql`. [`PgSpoolBuilder::connect`] refuses a
//! database without the tables or with another version, naming both.
//!
//! The `record` column holds each message exactly as the directory spool writes
//! its file (format version 1, see the [spool docs](super)), a dead letter with
//! its `dead_letter` object; columns beside it hold what queries need (due time,
//! claim, lease, dead-letter time).
//!
//! | operation | SQL |
//! |---|---|
//! | [`put`](super::Spool::put), [`PgSpool::put_batch`] | one `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING` per batch: one transaction, one round trip |
//! | [`claim_due`](super::Spool::claim_due) | one `UPDATE` over the first due waiting rows and expired claims, each read through a partial index in due (lease) order with `FOR UPDATE SKIP LOCKED`: O(log n) with a million waiting, and concurrent drainers skip each other's rows instead of waiting |
//! | [`complete`](super::Spool::complete) | `DELETE` guarded by the claim (holder and claim time) |
//! | [`retry_later`](super::Spool::retry_later), [`dead_letter`](super::Spool::dead_letter) | `UPDATE` guarded by the claim; no row means [`SpoolError::ClaimLost`](super::SpoolError::ClaimLost) |
//! | dead letters | rows with `dead_at` set, listed in that order |
//!
//! With a million messages waiting, claiming 100 took 1.6 ms on the project's
//! build machine (two index scans, no table scan; a test checks the plan).
//!
//! A claim that takes over an expired one records the previous holder
//! (`taken_over_from`) and counts claims (`claims`), so whether a message may
//! already have been sent is known when it is claimed
//! ([`PgSpool::taken_over_from`]). As with the directory spool, the sender's
//! look-up of the delivery id before sending again is what keeps such a message
//! from arriving twice. All times are the callers' (`now` arguments), never the
//! database's clock, so drainers on several hosts must keep their clocks in step
//! (NTP).
//!
//! The lease must exceed the time from a claim to its last recorded outcome:
//! a whole drain pass (every message claimed in it, look-ups and retries
//! included, on the most loaded host) plus that clock skew. A lease that runs
//! out while its holder still sends lets another drainer take the messages over
//! before they exist in the mailbox, and both send them: the drainers test saw
//! a pass of 200 delivered twice with a 10 s lease on a loaded machine. Claim
//! fewer messages per pass, or lengthen the lease; leases are not renewed.
//!
//! # Failures
//!
//! A database that is down or a connection lost mid-operation is a
//! [`SpoolError::Backend`](super::SpoolError::Backend) naming the database
//! (`user@host:port/name`, never the password) and the operation. Nothing is
//! lost: a `put` that failed did not keep the message (or kept it, and a second
//! `put` says [`AlreadySpooled`](super::SpoolError::AlreadySpooled)); a claim
//! whose reply was lost comes back when its lease runs out. The pool replaces
//! broken connections, so the next call works once the database is back.
//!
//! # Why tokio-postgres and deadpool-postgres
//!
//! - **Build time and dependencies**: tokio-postgres and deadpool-postgres add
//!   about twenty small crates to a build that already has tokio; sqlx brings
//!   its macros, its own runtime layer and drivers for other databases, and its
//!   compile-time query checks want a database (or an offline cache) at build
//!   time. The spool has a handful of fixed statements: no query builder needed.
//! - **TLS to the database**: not supported yet. A URL asking for it
//!   (`sslmode=require`, `verify-ca`, `verify-full`) is refused with an error
//!   rather than silently sent in plain text; `sslmode=prefer` (libpq's default)
//!   connects without TLS. Use a Unix socket, a trusted network, or a TLS tunnel.
//!   tokio-postgres takes a TLS connector (`tokio-postgres-rustls`), so adding it
//!   later changes no API.
//!
//! # A server for development
//!
//! `eval "$(bash .ci/postgres)"` installs Debian's PostgreSQL if needed, starts
//! a cluster on 127.0.0.1:55432 as the `postgres` user, creates a role and a
//! database, and exports `OFFLINE_IM_PG_URL`, which the tests and benches use.

mod connect;
mod error;
mod ops;
mod schema;

pub use connect::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_POOL_SIZE, PgSpool, PgSpoolBuilder};
pub use schema::{SCHEMA_SQL, SCHEMA_VERSION};
