-- The hash-chained event log. Applied once; never edit this file, add a new migration instead.

-- One row per log (cooperative): its head is the end of its chain, and its row lock serializes
-- the writers of one log across processes.
CREATE TABLE ledger_logs (
    log_id              TEXT   NOT NULL PRIMARY KEY,
    created_at_us       BIGINT NOT NULL,
    head_position       BIGINT NOT NULL,
    head_hash           BYTEA  NOT NULL,
    head_recorded_at_us BIGINT NOT NULL
);

-- Payloads are TEXT, not JSONB: the hash covers their exact bytes, which JSONB would reorder.
CREATE TABLE ledger_events (
    log_id          TEXT   NOT NULL REFERENCES ledger_logs (log_id),
    position        BIGINT NOT NULL,
    stream_id       TEXT   NOT NULL,
    stream_version  BIGINT NOT NULL,
    event_type      TEXT   NOT NULL,
    schema_version  BIGINT NOT NULL,
    payload         TEXT   NOT NULL,
    actor           TEXT   NOT NULL,
    command_id      TEXT   NOT NULL,
    correlation_id  TEXT   NOT NULL,
    recorded_at_us  BIGINT NOT NULL,
    prev_hash       BYTEA  NOT NULL,
    hash            BYTEA  NOT NULL,
    PRIMARY KEY (log_id, position)
);

CREATE UNIQUE INDEX ledger_events_stream ON ledger_events (log_id, stream_id, stream_version) INCLUDE (position);

CREATE TABLE ledger_commands (
    log_id         TEXT   NOT NULL REFERENCES ledger_logs (log_id),
    command_id     TEXT   NOT NULL,
    fingerprint    BYTEA  NOT NULL,
    first_position BIGINT NOT NULL,
    last_position  BIGINT NOT NULL,
    PRIMARY KEY (log_id, command_id)
);

-- Append-only, enforced by the database as well. A superuser can drop this trigger; `verify`
-- is what detects that.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger events are append-only';
END;
$$;
CREATE TRIGGER ledger_events_append_only BEFORE UPDATE OR DELETE ON ledger_events
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
