//! What the storage itself can do, as the ceiling `verbund bench append` measures appends
//! against (as `bench http` measures the API against a bare axum endpoint).

use std::time::Duration;

use crate::ids::to_db;
use crate::store::sqlite::{SqliteWriter, Sync};
use crate::{Ledger, LedgerError, LedgerOptions, LogId};

/// The shape of the rows the ceiling writes.
#[derive(Clone, Copy, Debug)]
pub struct CeilingRows {
    /// Events in all.
    pub events: u64,
    /// Events per transaction (the batch size of the run it is a ceiling for).
    pub per_commit: usize,
    /// Streams the events take turns on, each from version 1 (the run's writers).
    pub streams: u64,
}

/// Writes rows shaped like `bench append`'s single-event appends into a fresh SQLite file of
/// the ledger's schema beside `beside`'s file (so on the same disk), in transactions of
/// `per_commit` events, from one thread on a connection set up as the writer's: per event a
/// row of the events and one of the commands, the head per transaction, the stream index in
/// bulk as the writer takes it. No planning, hashing, lookups, queue or per-commit sync (the
/// checkpoints sync as the writer's do). Returns the time the writes took, the most a writer
/// that must store these rows can do on this SQLite and disk; `None` on PostgreSQL.
pub async fn sqlite_inserts(
    beside: &Ledger,
    rows: CeilingRows,
) -> Result<Option<Duration>, LedgerError> {
    let Some(target) = beside.store().sqlite_path() else {
        return Ok(None);
    };
    let parent = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let dir = tempfile::tempdir_in(&parent).map_err(|e| {
        LedgerError::Internal(format!(
            "cannot make the ceiling's directory in {}: {e}",
            parent.display()
        ))
    })?;
    let path = dir.path().join("ceiling.db");
    let log = LogId::parse("ceiling")?;
    let ledger = Ledger::open(
        &format!("sqlite:{}", path.display()),
        LedgerOptions::default(),
    )
    .await?;
    ledger.create_log(&log).await?;
    ledger.close().await;
    let took = tokio::task::spawn_blocking(move || insert_ceiling(&path, log.as_str(), rows))
        .await
        .map_err(|e| LedgerError::Internal(format!("the ceiling's thread failed: {e}")))??;
    drop(dir);
    Ok(Some(took))
}

/// The storage's own ceiling for `bench append`: one thread writes
/// `rows.events` rows shaped like the benchmark's appends into `log` (which must exist and be
/// empty) — per event a row of `ledger_events` and one of `ledger_commands`, the head updated
/// per transaction, the stream index taken in bulk every 2,048 events as the writer does — in
/// transactions of `rows.per_commit` events on a connection set up as the writer's, without
/// planning, hashing, lookups or a per-commit sync. Returns the time it took.
fn insert_ceiling(
    path: &std::path::Path,
    log: &str,
    rows: CeilingRows,
) -> Result<std::time::Duration, LedgerError> {
    let CeilingRows {
        events,
        per_commit,
        streams,
    } = rows;
    let streams = streams.max(1);
    const INDEX_EVERY: u64 = 2_048;
    let mut writer = SqliteWriter::open(path, Sync::Pipelined, INDEX_EVERY)?;
    let conn = &mut writer.conn;
    let started = std::time::Instant::now();
    let now_us = jiff::Timestamp::now().as_microsecond();
    let mut unindexed: Vec<(String, i64, i64)> = Vec::new();
    let mut position = 0_u64;
    while position < events {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut event = tx.prepare_cached(
                "INSERT INTO ledger_events (log_id, position, stream_id, stream_version, event_type, schema_version,
                                            payload, actor, command_id, correlation_id, recorded_at_us, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            let mut command = tx.prepare_cached(
                "INSERT INTO ledger_commands (log_id, command_id, fingerprint, first_position, last_position)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let end = (position + per_commit.max(1) as u64).min(events);
            while position < end {
                position += 1;
                let (writer, version) = ((position - 1) % streams, (position - 1) / streams + 1);
                let stream = format!("member:{writer}");
                // Time-ordered, as the benchmark's: the command index takes them at its end.
                let id = format!("{:016x}-w{writer}-{version}", now_us + to_db(position));
                let payload = format!(
                    r#"{{"amount":"25.00","member":{writer},"period":{version},"reference":"SEPA-{writer}-{version}"}}"#
                );
                // Distinct filler of a hash's size: the ceiling leaves hashing out.
                let hash = [position.to_le_bytes(); 4].concat();
                event.execute(rusqlite::params![
                    log,
                    to_db(position),
                    stream,
                    to_db(version),
                    "ContributionPaid",
                    1,
                    payload,
                    "bench",
                    id,
                    id,
                    now_us,
                    hash,
                    hash,
                ])?;
                command.execute(rusqlite::params![
                    log,
                    id,
                    hash,
                    to_db(position),
                    to_db(position)
                ])?;
                unindexed.push((stream, to_db(version), to_db(position)));
            }
        }
        if unindexed.len() as u64 >= INDEX_EVERY {
            unindexed.sort_unstable();
            let mut insert = tx.prepare_cached(
                "INSERT INTO ledger_stream_index (log_id, stream_id, stream_version, position) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (stream, version, at) in unindexed.drain(..) {
                insert.execute(rusqlite::params![log, stream, version, at])?;
            }
            drop(insert);
            tx.prepare_cached("UPDATE ledger_logs SET indexed_position = ?2 WHERE log_id = ?1")?
                .execute(rusqlite::params![log, to_db(position)])?;
        }
        tx.prepare_cached(
            "UPDATE ledger_logs SET head_position = ?2, head_hash = ?3, head_recorded_at_us = ?4 WHERE log_id = ?1",
        )?
        .execute(rusqlite::params![log, to_db(position), [0_u8; 32], now_us])?;
        tx.commit()?;
    }
    Ok(started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The benchmark's ceiling writes every row it is timed for, in the layout the ledger
    /// keeps: an event and a command per position, the head at the last, the stream index up
    /// to the indexed position and no further.
    #[tokio::test]
    async fn the_insert_ceiling_writes_the_rows_it_is_timed_for() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("ceiling.db");
        let ledger = Ledger::open(
            &format!("sqlite:{}", path.display()),
            LedgerOptions::default(),
        )
        .await
        .expect("open");
        let log = LogId::parse("ceiling").expect("valid");
        ledger.create_log(&log).await.expect("create");
        ledger.close().await;

        let rows = CeilingRows {
            events: 5_000,
            per_commit: 17,
            streams: 64,
        };
        insert_ceiling(&path, "ceiling", rows).expect("the ceiling runs");

        let conn = rusqlite::Connection::open(&path).expect("a reader");
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |row| row.get(0)).expect(sql) };
        assert_eq!(count("SELECT COUNT(*) FROM ledger_events"), 5_000);
        assert_eq!(count("SELECT MIN(position) FROM ledger_events"), 1);
        assert_eq!(count("SELECT MAX(position) FROM ledger_events"), 5_000);
        assert_eq!(count("SELECT COUNT(*) FROM ledger_commands"), 5_000);
        assert_eq!(count("SELECT head_position FROM ledger_logs"), 5_000);
        // Taken at the first commits that reach 2,048 and 4,096 unindexed events: 121 and 242
        // commits of 17.
        assert_eq!(count("SELECT indexed_position FROM ledger_logs"), 4_114);
        assert_eq!(count("SELECT COUNT(*) FROM ledger_stream_index"), 4_114);
        assert_eq!(
            count("SELECT MAX(position) FROM ledger_stream_index"),
            4_114
        );
        // Each of the 64 streams from version 1, without gaps, as the benchmark's writers.
        assert_eq!(
            count("SELECT COUNT(DISTINCT stream_id) FROM ledger_events"),
            64
        );
        assert_eq!(
            count(
                "SELECT COUNT(*) FROM (SELECT stream_id FROM ledger_events GROUP BY stream_id
                  HAVING MIN(stream_version) <> 1 OR MAX(stream_version) <> COUNT(*))"
            ),
            0
        );
    }
}
