-- Personal data beside the log (see ledger/src/personal.rs). Applied once; never edit this
-- file, add a new migration instead.
--
-- A record is written by the commit whose events refer to it and erased by a later commit, both
-- in their own transactions. Erasing deletes data and salt; the row stays, with the positions
-- of both commits and the reason, so the history of the erasure itself is kept.
CREATE TABLE ledger_personal_records (
    log_id        TEXT   NOT NULL REFERENCES ledger_logs (log_id),
    record_id     TEXT   NOT NULL,
    stored_at     BIGINT NOT NULL,
    salt          BYTEA,
    data          TEXT,
    erased_at     BIGINT,
    erased_reason TEXT,
    PRIMARY KEY (log_id, record_id),
    CHECK ((data IS NULL) = (salt IS NULL) AND (data IS NULL) = (erased_at IS NOT NULL))
);

-- The only change a record may see is its erasure.
CREATE FUNCTION ledger_personal_records_erase_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'a personal-data record is erased, not deleted';
    END IF;
    IF OLD.data IS NULL OR NEW.data IS NOT NULL OR NEW.log_id <> OLD.log_id
       OR NEW.record_id <> OLD.record_id OR NEW.stored_at <> OLD.stored_at THEN
        RAISE EXCEPTION 'a personal-data record can only be erased';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER ledger_personal_records_erase_only BEFORE UPDATE OR DELETE ON ledger_personal_records
FOR EACH ROW EXECUTE FUNCTION ledger_personal_records_erase_only();
