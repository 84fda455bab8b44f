-- The events and commands no longer check their log per row. Applied once; never edit this
-- file, add a new migration instead.
--
-- A foreign key is checked by a trigger per inserted row, which looks up and share-locks the
-- log's row: for a batch of appends, two lookups per event, about a third of the time the
-- batch's statement took. The writer inserts events and commands only in the transaction
-- that holds the log's row locked and has checked its head, and logs are never deleted, so
-- the key checked nothing the writer does not already ensure.
ALTER TABLE ledger_events DROP CONSTRAINT ledger_events_log_id_fkey;
ALTER TABLE ledger_commands DROP CONSTRAINT ledger_commands_log_id_fkey;
