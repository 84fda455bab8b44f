-- Logs that stopped taking writes because verification found their chain broken (see
-- ledger/src/lib.rs, `Ledger::halt`). Applied once; never edit this file, add a new migration
-- instead.
--
-- A row is written when a verification (at start, or `verbund verify`) finds a break, and
-- removed only by `verbund resume`, after a verification of the whole log found it intact.
CREATE TABLE ledger_halts (
    log_id       TEXT    NOT NULL PRIMARY KEY,
    position     INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    detail       TEXT    NOT NULL,
    halted_at_us INTEGER NOT NULL
) STRICT;
