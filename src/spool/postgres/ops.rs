//! [`Spool`] for [`PgSpool`]: each operation is one statement (requeue: one
//! transaction), guarded by the claim where the directory spool renames.

use std::path::PathBuf;

use time::OffsetDateTime;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::PgSpool;
use super::error::pg_error;
use crate::compose::DeliveryId;
use crate::spool::entry::add;
use crate::spool::{
    Claim, DeadLetter, Spool, SpoolEntry, SpoolError, SpoolOverview, sender_dir_name,
};

/// The table of messages (see `sql/postgres_spool_v1.sql`).
const TABLE: &str = "offline_im_spool";

const INSERT: &str = "INSERT INTO offline_im_spool (delivery_id, sender, record, due_at) \
     SELECT d, s, r::json, t FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) \
     AS batch(d, s, r, t) \
     ON CONFLICT (delivery_id) DO NOTHING RETURNING delivery_id";

/// Due waiting rows and expired claims, each through its partial index, the
/// earliest `limit` of both; rows another drainer is claiming are skipped.
/// `taken_over_from` keeps the holder whose claim ran out (SET reads the old row).
const CLAIM: &str = "WITH waiting AS ( \
       SELECT delivery_id, due_at FROM offline_im_spool \
       WHERE claimed_by IS NULL AND dead_at IS NULL AND due_at <= $1 \
       ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED), \
     expired AS ( \
       SELECT delivery_id, due_at FROM offline_im_spool \
       WHERE claimed_by IS NOT NULL AND lease_until <= $1 \
       ORDER BY lease_until LIMIT $2 FOR UPDATE SKIP LOCKED), \
     chosen AS ( \
       SELECT delivery_id FROM (SELECT * FROM expired UNION ALL SELECT * FROM waiting) AS due \
       ORDER BY due_at LIMIT $2) \
     UPDATE offline_im_spool AS s \
     SET claims = s.claims + 1, taken_over_from = s.claimed_by, \
         claimed_by = $3, claimed_at = $1, lease_until = $4 \
     FROM chosen WHERE s.delivery_id = chosen.delivery_id \
     RETURNING s.delivery_id, s.sender, s.record::text, s.taken_over_from";

/// Waiting, claimed and dead rows, counted through the partial indexes.
const OVERVIEW: &str = "SELECT \
       count(*) FILTER (WHERE claimed_by IS NULL AND dead_at IS NULL), \
       count(*) FILTER (WHERE claimed_by IS NOT NULL), \
       count(*) FILTER (WHERE dead_at IS NOT NULL) \
     FROM offline_im_spool";

/// The waiting message due first (the record's `spooled_at` is read from it).
const FIRST_DUE: &str = "SELECT delivery_id, due_at, record::text FROM offline_im_spool \
     WHERE claimed_by IS NULL AND dead_at IS NULL ORDER BY due_at LIMIT 1";

/// The guard of every end of a claim: the row is still held by this claim.
const HELD: &str = "delivery_id = $1 AND claimed_by = $2 AND claimed_at = $3";

const COMPLETE: &str = "DELETE FROM offline_im_spool \
     WHERE delivery_id = $1 AND claimed_by = $2 AND claimed_at = $3";

impl PgSpool {
    /// Keeps every entry of `entries` in one transaction (one statement), as
    /// [`Spool::put`] does for one; far faster than one `put` each.
    ///
    /// Returns one result per entry, in order: `Ok` when it was kept,
    /// [`SpoolError::AlreadySpooled`] when its delivery id was in the spool already
    /// (or earlier in the batch). A storage error is returned for the whole batch,
    /// and the caller still has them all: the batch was kept entirely or not at
    /// all (when the connection broke after the commit), so handing it over again
    /// either keeps it or answers `AlreadySpooled` for each, never a second copy.
    ///
    /// # Errors
    /// A storage error (the database unreachable, the connection lost).
    pub async fn put_batch(
        &self,
        entries: Vec<SpoolEntry>,
    ) -> Result<Vec<Result<(), SpoolError>>, SpoolError> {
        let mut results: Vec<Result<(), SpoolError>> = Vec::with_capacity(entries.len());
        let (mut ids, mut senders, mut records, mut dues) = (vec![], vec![], vec![], vec![]);
        for entry in &entries {
            let id = entry.delivery_id();
            match encode(id, entry) {
                Ok(record) => {
                    ids.push(*id.as_uuid());
                    senders.push(sender_dir_name(entry.sender()));
                    records.push(record);
                    dues.push(due_at(entry));
                    results.push(Ok(()));
                }
                Err(error) => results.push(Err(error)),
            }
        }
        if ids.is_empty() {
            return Ok(results);
        }
        let kept: std::collections::HashSet<Uuid> = self
            .query_cached("put messages", INSERT, &[&ids, &senders, &records, &dues])
            .await?
            .iter()
            .map(|row| row.get(0))
            .collect();
        // Each id was kept at most once: a second copy in the batch is refused.
        let mut seen = std::collections::HashSet::new();
        for (entry, result) in entries.iter().zip(&mut results) {
            let id = entry.delivery_id();
            if result.is_ok() && !(kept.contains(id.as_uuid()) && seen.insert(id)) {
                *result = Err(already_spooled(id));
            }
        }
        Ok(results)
    }

    /// How many messages are not finished (waiting or claimed, not dead letters),
    /// and the earliest time one of them may be claimed: its due time, or the end
    /// of its lease when it is claimed. Lets a drainer sleep until then.
    ///
    /// # Errors
    /// A storage error.
    pub async fn unfinished(&self) -> Result<(u64, Option<OffsetDateTime>), SpoolError> {
        let op = "count unfinished messages";
        let row = self
            .client(op)
            .await?
            .query_one(
                "SELECT count(*), min(CASE WHEN claimed_by IS NULL THEN due_at ELSE lease_until END) \
                 FROM offline_im_spool WHERE dead_at IS NULL",
                &[],
            )
            .await
            .map_err(|e| pg_error(&self.target, op, e))?;
        let count: i64 = row.get(0);
        Ok((u64::try_from(count).unwrap_or(0), row.get(1)))
    }

    /// Whether a claim of this spool's took over the claim of another holder
    /// whose lease ran out, and whose: `None` when the message was waiting. Known
    /// when the claim is made (column `taken_over_from`), so a drainer can look
    /// for the delivery id before it sends again.
    ///
    /// # Errors
    /// [`SpoolError::ClaimLost`] when the claim is no longer held, or a storage error.
    pub async fn taken_over_from(&self, claim: &Claim) -> Result<Option<String>, SpoolError> {
        let op = "read a claim";
        let id = claim.delivery_id();
        let row = self
            .client(op)
            .await?
            .query_opt(
                &format!("SELECT taken_over_from FROM {TABLE} WHERE {HELD}"),
                &[
                    id.as_uuid(),
                    &claim.claimant().as_str(),
                    &claim.claimed_at(),
                ],
            )
            .await
            .map_err(|e| pg_error(&self.target, op, e))?;
        match row {
            Some(row) => Ok(row.get(0)),
            None => Err(claim_lost(id)),
        }
    }

    /// Runs `sql` as a statement prepared once per pooled connection: one round
    /// trip instead of two (prepare, then execute) on the hot paths.
    async fn execute_cached(
        &self,
        op: &'static str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, SpoolError> {
        let client = self.client(op).await?;
        let err = |e| pg_error(&self.target, op, e);
        let statement = client.prepare_cached(sql).await.map_err(err)?;
        client.execute(&statement, params).await.map_err(err)
    }

    /// [`execute_cached`](Self::execute_cached) for a statement returning rows.
    async fn query_cached(
        &self,
        op: &'static str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, SpoolError> {
        let client = self.client(op).await?;
        let err = |e| pg_error(&self.target, op, e);
        let statement = client.prepare_cached(sql).await.map_err(err)?;
        client.query(&statement, params).await.map_err(err)
    }

    /// Moves the row matching `guard` (a WHERE clause over `params`) to the
    /// quarantine table with `reason`.
    async fn quarantine(
        &self,
        id: Uuid,
        guard: &str,
        params: &[&(dyn ToSql + Sync)],
        reason: &str,
    ) -> Result<(), SpoolError> {
        tracing::warn!(delivery_id = %id, database = %self.target, reason, "spool: row quarantined");
        let op = "quarantine a row";
        let reason_param = params.len() + 1;
        let mut all: Vec<&(dyn ToSql + Sync)> = params.to_vec();
        all.push(&reason);
        self.client(op)
            .await?
            .execute(
                &format!(
                    "WITH moved AS (DELETE FROM {TABLE} WHERE {guard} \
                     RETURNING delivery_id, sender, record::text AS record) \
                     INSERT INTO offline_im_spool_quarantine (delivery_id, sender, record, reason) \
                     SELECT delivery_id, sender, record, ${reason_param} FROM moved"
                ),
                &all,
            )
            .await
            .map_err(|e| pg_error(&self.target, op, e))?;
        Ok(())
    }

    /// Ends the claim with `sql` (guarded by [`HELD`] over `$1`..`$3`, then `extra`).
    async fn release(
        &self,
        claim: &Claim,
        op: &'static str,
        sql: &str,
        extra: &[&(dyn ToSql + Sync)],
    ) -> Result<(), SpoolError> {
        let id = claim.delivery_id();
        let claimant = claim.claimant().as_str();
        let claimed_at = claim.claimed_at();
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![id.as_uuid(), &claimant, &claimed_at];
        params.extend_from_slice(extra);
        let changed = self.execute_cached(op, sql, &params).await?;
        if changed == 0 {
            return Err(claim_lost(id));
        }
        Ok(())
    }

    /// Dead-letter rows matching `filter` (over `$1`), parsed; bad ones quarantined.
    async fn read_dead_letters(
        &self,
        filter: &str,
        id: Option<Uuid>,
    ) -> Result<Vec<DeadLetter>, SpoolError> {
        let op = "read dead letters";
        let sql = format!(
            "SELECT delivery_id, record::text FROM {TABLE} WHERE dead_at IS NOT NULL {filter} \
             ORDER BY dead_at, delivery_id"
        );
        let client = self.client(op).await?;
        let rows = match &id {
            Some(id) => client.query(&sql, &[id]).await,
            None => client.query(&sql, &[]).await,
        }
        .map_err(|e| pg_error(&self.target, op, e))?;
        drop(client);
        let mut letters = Vec::with_capacity(rows.len());
        for row in rows {
            let id: Uuid = row.get(0);
            match parse::<DeadLetter>(id, row.get(1), DeadLetter::entry) {
                Ok(letter) => letters.push(letter),
                Err(reason) => {
                    let guard = "delivery_id = $1 AND dead_at IS NOT NULL";
                    self.quarantine(id, guard, &[&id], &reason).await?;
                }
            }
        }
        letters.sort_by_key(|l| (l.dead_lettered_at(), l.entry().delivery_id()));
        Ok(letters)
    }
}

impl Spool for PgSpool {
    async fn put(&self, entry: SpoolEntry) -> Result<(), SpoolError> {
        self.put_batch(vec![entry]).await?.pop().unwrap_or(Ok(()))
    }

    /// One transaction for the whole batch ([`PgSpool::put_batch`]). When the
    /// transaction fails, every entry gets an error: the first the database's,
    /// the others one that names it.
    async fn put_all(&self, entries: Vec<SpoolEntry>) -> Vec<Result<(), SpoolError>> {
        let count = entries.len();
        match self.put_batch(entries).await {
            Ok(results) => results,
            Err(error) => {
                let shared = error.to_string();
                let mut results = Vec::with_capacity(count);
                results.push(Err(error));
                results.extend((1..count).map(|_| {
                    Err(SpoolError::Backend(
                        format!("the batch's transaction failed: {shared}").into(),
                    ))
                }));
                results.truncate(count);
                results
            }
        }
    }

    async fn overview(&self, _now: OffsetDateTime) -> Result<SpoolOverview, SpoolError> {
        let op = "count the spool's messages";
        let client = self.client(op).await?;
        let counts = client
            .query_one(OVERVIEW, &[])
            .await
            .map_err(|e| pg_error(&self.target, op, e))?;
        let first_due = client
            .query_opt(FIRST_DUE, &[])
            .await
            .map_err(|e| pg_error(&self.target, op, e))?;
        let count = |i: usize| usize::try_from(counts.get::<_, i64>(i)).unwrap_or(0);
        let mut overview = SpoolOverview {
            waiting: count(0),
            claimed: count(1),
            dead: count(2),
            ..SpoolOverview::default()
        };
        if let Some(row) = first_due {
            overview.next_due = Some(row.get(1));
            // An unreadable record is quarantined by the claim that meets it;
            // here it only leaves the spooling time unknown.
            overview.oldest_waiting = claimed_entry(&row).ok().map(|e| e.spooled_at());
        }
        Ok(overview)
    }

    async fn claim_due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Claim>, SpoolError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let op = "claim due messages";
        // The database keeps microseconds; the claim's time is its token.
        let now = floor_micros(now);
        let lease_until = ceil_micros(add(now, self.lease));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let me = self.claimant.as_str();
        let rows = self
            .query_cached(op, CLAIM, &[&now, &limit, &me, &lease_until])
            .await?;
        let mut claims = Vec::with_capacity(rows.len());
        for row in rows {
            let id: Uuid = row.get(0);
            let taken_over_from: Option<String> = row.get(3);
            match claimed_entry(&row) {
                Ok(mut entry) => {
                    if let Some(previous) = &taken_over_from {
                        tracing::info!(delivery_id = %id, previous, "spool: lease ran out, claim taken over");
                        // The holder may have sent it before it went quiet: the
                        // sender looks for the delivery id before sending again.
                        entry = entry.taken_over();
                    }
                    claims.push(Claim::new(entry, self.claimant.clone(), now, lease_until));
                }
                Err(reason) => {
                    self.quarantine(id, HELD, &[&id, &me, &now], &reason)
                        .await?;
                }
            }
        }
        claims.sort_by_key(|c| (c.entry().next_attempt_at(), c.delivery_id()));
        Ok(claims)
    }

    async fn complete(&self, claim: Claim) -> Result<(), SpoolError> {
        let op = "complete a message";
        let id = claim.delivery_id();
        let deleted = self
            .execute_cached(
                op,
                COMPLETE,
                &[
                    id.as_uuid(),
                    &claim.claimant().as_str(),
                    &claim.claimed_at(),
                ],
            )
            .await?;
        if deleted == 0 {
            return Err(claim_lost(id));
        }
        Ok(())
    }

    async fn retry_later(
        &self,
        claim: Claim,
        now: OffsetDateTime,
        next_attempt_at: OffsetDateTime,
        error: &str,
    ) -> Result<(), SpoolError> {
        let entry = claim.entry().clone().failed(now, next_attempt_at, error);
        let record = encode(entry.delivery_id(), &entry)?;
        let due = due_at(&entry);
        let sql = format!(
            "UPDATE {TABLE} SET record = $4::text::json, due_at = $5, claimed_by = NULL, \
             claimed_at = NULL, lease_until = NULL, taken_over_from = NULL \
             WHERE {HELD}"
        );
        self.release(&claim, "put a message back", &sql, &[&record, &due])
            .await
    }

    async fn dead_letter(
        &self,
        claim: Claim,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<(), SpoolError> {
        let letter = DeadLetter::new(claim.entry().clone(), reason, now);
        let record = encode(claim.delivery_id(), &letter)?;
        let sql = format!(
            "UPDATE {TABLE} SET record = $4::text::json, dead_at = $5, dead_reason = $6, \
             claimed_by = NULL, claimed_at = NULL, lease_until = NULL, taken_over_from = NULL \
             WHERE {HELD}"
        );
        let reason = letter.reason().to_owned();
        self.release(
            &claim,
            "dead-letter a message",
            &sql,
            &[&record, &now, &reason],
        )
        .await
    }

    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, SpoolError> {
        self.read_dead_letters("", None).await
    }

    async fn find_dead_letter(&self, id: DeliveryId) -> Result<Option<DeadLetter>, SpoolError> {
        Ok(self
            .read_dead_letters("AND delivery_id = $1", Some(*id.as_uuid()))
            .await?
            .pop())
    }

    async fn requeue(&self, id: DeliveryId, now: OffsetDateTime) -> Result<SpoolEntry, SpoolError> {
        let Some(letter) = self.find_dead_letter(id).await? else {
            return Err(SpoolError::NoDeadLetter { id });
        };
        let entry = letter.into_entry().requeued(now);
        let record = encode(id, &entry)?;
        let op = "requeue a dead letter";
        let changed = self
            .client(op)
            .await?
            .execute(
                &format!(
                    "UPDATE {TABLE} SET record = $2::text::json, due_at = $3, dead_at = NULL, \
                     dead_reason = NULL WHERE delivery_id = $1 AND dead_at IS NOT NULL"
                ),
                &[id.as_uuid(), &record, &due_at(&entry)],
            )
            .await
            .map_err(|e| pg_error(&self.target, op, e))?;
        if changed == 0 {
            // Requeued or discarded by someone else in between.
            return Err(SpoolError::NoDeadLetter { id });
        }
        tracing::info!(delivery_id = %id, "spool: dead letter requeued");
        Ok(entry)
    }

    async fn discard_dead_letter(&self, id: DeliveryId) -> Result<(), SpoolError> {
        let op = "discard a dead letter";
        let deleted = self
            .client(op)
            .await?
            .execute(
                &format!("DELETE FROM {TABLE} WHERE delivery_id = $1 AND dead_at IS NOT NULL"),
                &[id.as_uuid()],
            )
            .await
            .map_err(|e| pg_error(&self.target, op, e))?;
        if deleted == 0 {
            return Err(SpoolError::NoDeadLetter { id });
        }
        Ok(())
    }
}

/// The entry of a claimed row, or why it cannot be read.
fn claimed_entry(row: &Row) -> Result<SpoolEntry, String> {
    parse::<SpoolEntry>(row.get(0), row.get(2), |e| e)
}

/// `record` as a `T` whose entry has delivery id `id`, or why not.
fn parse<T: serde::de::DeserializeOwned>(
    id: Uuid,
    record: &str,
    entry: impl Fn(&T) -> &SpoolEntry,
) -> Result<T, String> {
    let value: T = serde_json::from_str(record)
        .map_err(|e| format!("not a spool record of format version 1: {e}"))?;
    let found = entry(&value).delivery_id();
    if *found.as_uuid() != id {
        return Err(format!(
            "the record's delivery_id {found} differs from the row's {id}"
        ));
    }
    Ok(value)
}

/// The record as the directory spool writes its file.
fn encode(id: DeliveryId, record: &impl serde::Serialize) -> Result<String, SpoolError> {
    serde_json::to_string_pretty(record).map_err(|source| SpoolError::Encode { id, source })
}

/// When `entry` may be claimed: the later of its eligibility and next attempt,
/// rounded up to the database's microsecond so it is never claimed early.
fn due_at(entry: &SpoolEntry) -> OffsetDateTime {
    ceil_micros(entry.eligible_at().max(entry.next_attempt_at()))
}

fn floor_micros(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(at.nanosecond() / 1000 * 1000)
        .unwrap_or(at)
}

fn ceil_micros(at: OffsetDateTime) -> OffsetDateTime {
    let floor = floor_micros(at);
    if floor == at {
        at
    } else {
        floor.saturating_add(time::Duration::microseconds(1))
    }
}

fn already_spooled(id: DeliveryId) -> SpoolError {
    SpoolError::AlreadySpooled {
        id,
        path: PathBuf::from(format!("PostgreSQL table {TABLE}")),
    }
}

fn claim_lost(id: DeliveryId) -> SpoolError {
    SpoolError::ClaimLost {
        id,
        path: PathBuf::from(format!(
            "PostgreSQL table {TABLE}, the row held by this claim"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn rounds_to_microseconds_outward() {
        let at = datetime!(2026-03-02 09:15:00.000_001_5 UTC);
        assert_eq!(floor_micros(at), datetime!(2026-03-02 09:15:00.000_001 UTC));
        assert_eq!(ceil_micros(at), datetime!(2026-03-02 09:15:00.000_002 UTC));
        let whole = datetime!(2026-03-02 09:15 UTC);
        assert_eq!(ceil_micros(whole), whole);
    }
}
