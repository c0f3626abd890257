-- offline-im: the spool in PostgreSQL, schema version 1.
--
-- `PgSpool::create_schema` runs this file (the crate includes it); an
-- administrator who creates schemas by hand runs it with psql as the owner of
-- the tables, once per database:
--
--     psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f sql/postgres_spool_v1.sql
--
-- Running it again changes nothing. A database holding another version is
-- refused by the crate with an error naming both versions.

BEGIN;

-- Which version of this schema the tables follow: one row.
CREATE TABLE IF NOT EXISTS offline_im_spool_schema (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version integer NOT NULL
);
INSERT INTO offline_im_spool_schema (version) VALUES (1) ON CONFLICT (singleton) DO NOTHING;

-- One row per message: waiting (no claim), claimed, or a dead letter.
CREATE TABLE IF NOT EXISTS offline_im_spool (
    delivery_id uuid PRIMARY KEY,
    -- The sender's SIP address without "sip:", as the History Spooler directory is named.
    sender text NOT NULL,
    -- The record exactly as the directory spool writes its file (format_version 1):
    -- the entry, and for a dead letter the entry with its "dead_letter" object.
    -- json, not jsonb: the text is kept as written.
    record json NOT NULL,
    -- max(eligible_at, next_attempt_at), rounded up to the microsecond: when it is due.
    due_at timestamptz NOT NULL,
    -- The claim: who holds it, when it was made (with claimed_by, the claim's token)
    -- and until when the lease holds. All null while the message waits.
    claimed_by text,
    claimed_at timestamptz,
    lease_until timestamptz,
    -- How many claims the message has seen, and the holder whose expired claim the
    -- current one took over (null when it took over none): a drainer that takes
    -- over looks for the delivery id before it sends again.
    claims integer NOT NULL DEFAULT 0,
    taken_over_from text,
    -- Dead letters: when and why the message was given up.
    dead_at timestamptz,
    dead_reason text,
    CHECK ((claimed_by IS NULL) = (lease_until IS NULL) AND (claimed_by IS NULL) = (claimed_at IS NULL)),
    CHECK ((dead_at IS NULL) = (dead_reason IS NULL)),
    CHECK (dead_at IS NULL OR claimed_by IS NULL)
);

-- A claim reads the first rows of one of these in order: O(log n) with a million waiting.
CREATE INDEX IF NOT EXISTS offline_im_spool_waiting_due
    ON offline_im_spool (due_at) WHERE claimed_by IS NULL AND dead_at IS NULL;
CREATE INDEX IF NOT EXISTS offline_im_spool_claimed_lease
    ON offline_im_spool (lease_until) WHERE claimed_by IS NOT NULL;
CREATE INDEX IF NOT EXISTS offline_im_spool_dead
    ON offline_im_spool (dead_at, delivery_id) WHERE dead_at IS NOT NULL;

-- Rows whose record could not be read (another format version, edited by hand):
-- set aside, never deleted, as the directory spool's Quarantine/.
CREATE TABLE IF NOT EXISTS offline_im_spool_quarantine (
    id bigserial PRIMARY KEY,
    delivery_id uuid NOT NULL,
    sender text NOT NULL,
    record text NOT NULL,
    reason text NOT NULL,
    quarantined_at timestamptz NOT NULL DEFAULT now()
);

COMMIT;
