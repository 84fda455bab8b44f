-- Deferred stream index (SQLite only). Applied once; never edit this file, add a new migration
-- instead.
--
-- SQLite's write-ahead log holds whole pages: every commit writes every page it changed. The
-- stream index is keyed by stream, at random with respect to time, so an append of 64 events
-- to 64 streams changed 64 of its pages (256 KiB of WAL for 20 KiB of events), and commits and
-- their fsyncs were bound by them. Now the writer appends the events (clustered by position)
-- and takes the latest ones into the stream index in bulk, a few thousand at a time, in the
-- transaction of a later batch; until then it keeps what it needs of them in memory, and
-- readers look at the unindexed tail besides the index (see `store/sqlite.rs`).

-- Events up to this position are in `ledger_stream_index`; later ones are the tail.
ALTER TABLE ledger_logs ADD COLUMN indexed_position INTEGER NOT NULL DEFAULT 0;

-- The stream index: one row per event, a copy of its stream, version and position. One
-- version per stream, by its key. `verify` checks that it says what the events say.
CREATE TABLE ledger_stream_index (
    log_id         TEXT    NOT NULL,
    stream_id      TEXT    NOT NULL,
    stream_version INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    PRIMARY KEY (log_id, stream_id, stream_version)
) STRICT, WITHOUT ROWID;

INSERT INTO ledger_stream_index (log_id, stream_id, stream_version, position)
    SELECT log_id, stream_id, stream_version, position FROM ledger_events
     ORDER BY log_id, stream_id, stream_version;
UPDATE ledger_logs SET indexed_position = head_position;
DROP INDEX ledger_events_stream;

-- The index is only ever extended, and commands are only ever added.
CREATE TRIGGER ledger_stream_index_no_update BEFORE UPDATE ON ledger_stream_index
BEGIN
    SELECT RAISE(ABORT, 'the stream index is append-only');
END;
CREATE TRIGGER ledger_stream_index_no_delete BEFORE DELETE ON ledger_stream_index
BEGIN
    SELECT RAISE(ABORT, 'the stream index is append-only');
END;
CREATE TRIGGER ledger_commands_no_update BEFORE UPDATE ON ledger_commands
BEGIN
    SELECT RAISE(ABORT, 'commands are append-only');
END;
CREATE TRIGGER ledger_commands_no_delete BEFORE DELETE ON ledger_commands
BEGIN
    SELECT RAISE(ABORT, 'commands are append-only');
END;
