-- The hash-chained event log. Applied once; never edit this file, add a new migration instead.

-- One row per log (cooperative): its head is the end of its chain. The head is updated in the
-- same transaction as the events it covers, so a truncated tail is detectable.
CREATE TABLE ledger_logs (
    log_id              TEXT    NOT NULL PRIMARY KEY,
    created_at_us       INTEGER NOT NULL,
    head_position       INTEGER NOT NULL,
    head_hash           BLOB    NOT NULL,
    head_recorded_at_us INTEGER NOT NULL
) STRICT;

-- The events, clustered by (log, position): the order every read and verify walks.
CREATE TABLE ledger_events (
    log_id          TEXT    NOT NULL REFERENCES ledger_logs (log_id),
    position        INTEGER NOT NULL,
    stream_id       TEXT    NOT NULL,
    stream_version  INTEGER NOT NULL,
    event_type      TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL,
    payload         TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    command_id      TEXT    NOT NULL,
    correlation_id  TEXT    NOT NULL,
    recorded_at_us  INTEGER NOT NULL,
    prev_hash       BLOB    NOT NULL,
    hash            BLOB    NOT NULL,
    PRIMARY KEY (log_id, position)
) STRICT, WITHOUT ROWID;

-- One version per stream: a second writer of the same version fails here, whatever happened
-- above. The index also carries the position (the primary key), so reading a stream and
-- checking stream versions during verify never touch the table.
CREATE UNIQUE INDEX ledger_events_stream ON ledger_events (log_id, stream_id, stream_version);

-- Command ids, for idempotent appends across restarts.
CREATE TABLE ledger_commands (
    log_id         TEXT    NOT NULL REFERENCES ledger_logs (log_id),
    command_id     TEXT    NOT NULL,
    fingerprint    BLOB    NOT NULL,
    first_position INTEGER NOT NULL,
    last_position  INTEGER NOT NULL,
    PRIMARY KEY (log_id, command_id)
) STRICT, WITHOUT ROWID;

-- Append-only, enforced by the database as well: an event is never updated or deleted. Someone
-- with write access to the file can drop these triggers; `verify` is what detects that.
CREATE TRIGGER ledger_events_no_update BEFORE UPDATE ON ledger_events
BEGIN
    SELECT RAISE(ABORT, 'ledger events are append-only');
END;
CREATE TRIGGER ledger_events_no_delete BEFORE DELETE ON ledger_events
BEGIN
    SELECT RAISE(ABORT, 'ledger events are append-only');
END;
