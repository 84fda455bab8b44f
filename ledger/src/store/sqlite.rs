//! The SQLite backend: one file in WAL mode. Reads go through sqlx's pool; the group-commit
//! writer (`SqliteWriter`) and verification's scans go straight to SQLite's C API through
//! `rusqlite` (linked against the same SQLite), because a batch is hundreds of short statements
//! and a scan millions of rows. The writer commits with `synchronous=NORMAL` and its sync thread
//! syncs the WAL before anything is acknowledged (see `writer.rs`); every other connection
//! commits with `synchronous=FULL`.

use std::collections::BTreeSet;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use std::ops::ControlFlow;

use super::{EventRef, IndexEntry, RawEvent, event_columns, head_from_db};
use crate::hash::ChainHash;
use crate::ids::{from_db, to_db};
use crate::plan::{self, Head, Plan, Snapshot, StoredCommand};
use crate::{CommandId, Commit, LedgerError, LogId, Position, StreamId, StreamVersion};

/// How long a connection waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Checkpoint when the WAL reaches 32 MiB instead of SQLite's 4 MiB: a busy writer dirties
/// ~100 pages per batch, and the default checkpointed inline every few batches.
const WAL_AUTOCHECKPOINT_PAGES: i64 = 8_192;

#[derive(Debug, Clone)]
pub(crate) struct SqliteStore {
    pool: SqlitePool,
    options: SqliteConnectOptions,
    unbatched: std::sync::Arc<std::sync::Mutex<Option<SqliteWriter>>>,
}

impl SqliteStore {
    pub(crate) async fn connect(url: &str, pool_connections_max: u32) -> Result<Self, LedgerError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: in WAL mode, every commit syncs the WAL, so an acknowledged append survives
            // a power loss. NORMAL would only protect against a crash of the process.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES.to_string());
        let pool = SqlitePoolOptions::new()
            .max_connections(pool_connections_max.max(1))
            .connect_with(options.clone())
            .await?;
        super::migrate(&pool, &super::SQLITE_MIGRATIONS).await?;
        Ok(Self {
            pool,
            options,
            unbatched: Default::default(),
        })
    }

    /// The group-commit writer's connection.
    pub(crate) fn writer(&self, sync: Sync) -> Result<SqliteWriter, LedgerError> {
        SqliteWriter::open(self.path(), sync)
    }

    /// One append in a transaction of its own (the benchmark's naive baseline), on one shared
    /// connection: more would only queue on SQLite's write lock.
    pub(crate) async fn commit_unbatched(
        &self,
        requests: &[(LogId, Commit)],
        now_us: i64,
    ) -> Result<Plan, LedgerError> {
        let unbatched = std::sync::Arc::clone(&self.unbatched);
        let path = self.path().to_owned();
        let requests = requests.to_vec();
        tokio::task::spawn_blocking(move || {
            let mut slot = unbatched
                .lock()
                .expect("the unbatched connection's lock is never poisoned");
            if slot.is_none() {
                *slot = Some(SqliteWriter::open(&path, Sync::OnCommit)?);
            }
            slot.as_mut()
                .expect("opened above")
                .commit_batch(&requests, now_us)
        })
        .await
        .map_err(|e| LedgerError::Internal(format!("an append task failed: {e}")))?
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    /// The database file.
    pub(crate) fn path(&self) -> &std::path::Path {
        self.options.get_filename()
    }

    pub(crate) async fn create_log(&self, log: &LogId, now_us: i64) -> Result<(), LedgerError> {
        let result = sqlx::query(
            "INSERT INTO ledger_logs (log_id, created_at_us, head_position, head_hash, head_recorded_at_us)
             VALUES (?1, ?2, 0, ?3, ?2)",
        )
        .bind(log.as_str())
        .bind(now_us)
        .bind(ChainHash::GENESIS.as_bytes().as_slice())
        .execute(&self.pool)
        .await;
        match result {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(LedgerError::LogExists(log.clone()))
            }
            other => other.map(|_| ()).map_err(Into::into),
        }
    }

    pub(crate) async fn head(&self, log: &LogId) -> Result<Option<Head>, LedgerError> {
        let row = sqlx::query("SELECT head_position, head_hash, head_recorded_at_us FROM ledger_logs WHERE log_id = ?1")
            .bind(log.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| head_from_db(r.try_get(0)?, r.try_get::<&[u8], _>(1)?, r.try_get(2)?))
            .transpose()
    }

    pub(crate) async fn find_command(
        &self,
        log: &LogId,
        command: &CommandId,
    ) -> Result<Option<StoredCommand>, LedgerError> {
        let row = sqlx::query(
            "SELECT fingerprint, first_position, last_position FROM ledger_commands WHERE log_id = ?1 AND command_id = ?2",
        )
        .bind(log.as_str())
        .bind(command.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| super::command_from_db(r.try_get::<&[u8], _>(0)?, r.try_get(1)?, r.try_get(2)?))
            .transpose()
    }

    pub(crate) async fn records(
        &self,
        log: &LogId,
        ids: &[&str],
    ) -> Result<Vec<super::RecordRow>, LedgerError> {
        // SQLite has no arrays: the ids travel as one JSON array.
        let ids = serde_json::to_string(ids).expect("strings serialize");
        let rows = sqlx::query(
            "SELECT record_id, stored_at, salt, data, erased_at, erased_reason FROM ledger_personal_records
              WHERE log_id = $1 AND record_id IN (SELECT value FROM json_each($2)) ORDER BY record_id",
        )
        .bind(log.as_str())
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(super::record_row).collect()
    }

    pub(crate) async fn logs(&self) -> Result<Vec<(LogId, Head)>, LedgerError> {
        let rows = sqlx::query(
            "SELECT log_id, head_position, head_hash, head_recorded_at_us FROM ledger_logs ORDER BY log_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let log = LogId::parse(r.try_get::<String, _>(0)?)?;
                Ok((
                    log,
                    head_from_db(r.try_get(1)?, r.try_get::<&[u8], _>(2)?, r.try_get(3)?)?,
                ))
            })
            .collect()
    }

    /// Events of a log in position order. Large pages (rebuilds, exports, catch-up) are read
    /// straight through SQLite's C API on a blocking thread: through the pool each row costs a
    /// hop between threads and an allocation per column, which made a rebuild read-bound at
    /// 150,000 events/s.
    pub(crate) async fn read_raw(
        &self,
        log: &LogId,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<RawEvent>, LedgerError> {
        if limit < BULK_READ_EVENTS_MIN {
            return self.read_raw_pooled(log, from, to, limit).await;
        }
        let (path, log) = (self.path().to_owned(), log.as_str().to_owned());
        tokio::task::spawn_blocking(move || read_raw_bulk(&path, &log, from, to, limit))
            .await
            .map_err(|e| LedgerError::Internal(format!("a bulk read panicked: {e}")))?
    }

    async fn read_raw_pooled(
        &self,
        log: &LogId,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<RawEvent>, LedgerError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            event_columns!(),
            " FROM ledger_events WHERE log_id = ?1 AND position >= ?2 AND position <= ?3 ORDER BY position LIMIT ?4"
        ))
        .bind(log.as_str())
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(RawEvent::from_row)
            .collect::<Result<_, _>>()?)
    }

    pub(crate) async fn read_stream(
        &self,
        log: &LogId,
        stream: &StreamId,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<RawEvent>, LedgerError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            event_columns!(),
            " FROM ledger_events WHERE log_id = ?1 AND stream_id = ?2 AND stream_version >= ?3 AND position <= ?4
              ORDER BY stream_version LIMIT ?5"
        ))
        .bind(log.as_str())
        .bind(stream.as_str())
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(RawEvent::from_row)
            .collect::<Result<_, _>>()?)
    }

    pub(crate) async fn stream_index(
        &self,
        log: &LogId,
        after: Option<(&str, i64)>,
        limit: i64,
    ) -> Result<Vec<IndexEntry>, LedgerError> {
        let (stream, version) = after.unwrap_or(("", 0));
        let rows = sqlx::query(
            "SELECT stream_id, stream_version, position FROM ledger_events INDEXED BY ledger_events_stream
             WHERE log_id = ?1 AND (stream_id, stream_version) > (?2, ?3)
             ORDER BY stream_id, stream_version LIMIT ?4",
        )
        .bind(log.as_str())
        .bind(stream)
        .bind(version)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(IndexEntry {
                    stream_id: r.try_get(0)?,
                    stream_version: r.try_get(1)?,
                    position: r.try_get(2)?,
                })
            })
            .collect()
    }
}

/// The group-commit writer's connection: straight on SQLite's C API, because a batch is a few
/// hundred short statements and sqlx makes each one a round trip to a thread of its own. It runs
/// on the writer's dedicated thread, so blocking there blocks nothing else.
#[derive(Debug)]
pub(crate) struct SqliteWriter {
    conn: rusqlite::Connection,
    sync: Sync,
}

/// When a commit reaches the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sync {
    /// Every commit syncs the WAL before it returns (`synchronous=FULL`).
    OnCommit,
    /// Commits return once written; the writer's sync thread syncs the WAL before anything is
    /// acknowledged (`synchronous=NORMAL`, which also syncs the WAL before every checkpoint).
    Pipelined,
}

impl SqliteWriter {
    pub(crate) fn open(path: &std::path::Path, sync: Sync) -> Result<Self, LedgerError> {
        let conn = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(LedgerError::Corrupt(format!(
                "the database refuses WAL mode ({mode})"
            )));
        }
        let synchronous = match sync {
            Sync::OnCommit => "FULL",
            Sync::Pipelined => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", synchronous)?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
        conn.set_prepared_statement_cache_capacity(16);
        Ok(Self { conn, sync })
    }

    /// The write-ahead log file, when the writer's sync thread must sync it.
    pub(crate) fn wal_path(&self) -> Option<std::path::PathBuf> {
        match self.sync {
            Sync::OnCommit => None,
            Sync::Pipelined => self
                .conn
                .path()
                .map(|p| std::path::PathBuf::from(format!("{p}-wal"))),
        }
    }

    pub(crate) fn set_synchronous_full(&mut self) -> Result<(), LedgerError> {
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.sync = Sync::OnCommit;
        Ok(())
    }

    /// One batch in one write transaction. `BEGIN IMMEDIATE` takes the database's write lock up
    /// front, so the state read below cannot change before the commit, even if another process
    /// opened the same file.
    pub(crate) fn commit_batch(
        &mut self,
        requests: &[(LogId, Commit)],
        now_us: i64,
    ) -> Result<Plan, LedgerError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let snapshot = load_snapshot(&tx, requests)?;
        let plan = plan::plan(requests, snapshot, now_us);
        write_plan(&tx, &plan)?;
        tx.commit()?;
        Ok(plan)
    }

    /// Moves the write-ahead log into the database file and empties it, so that after an
    /// orderly shutdown the database file alone is complete.
    pub(crate) fn checkpoint(&self) -> Result<(), LedgerError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

fn load_snapshot(
    tx: &rusqlite::Transaction<'_>,
    requests: &[(LogId, Commit)],
) -> Result<Snapshot, LedgerError> {
    let logs: BTreeSet<&LogId> = requests.iter().map(|(log, _)| log).collect();
    let streams: BTreeSet<(&LogId, &StreamId)> = requests
        .iter()
        .flat_map(|(log, commit)| {
            let written = commit.streams().iter().map(|s| s.stream());
            let guarded = commit.guards().iter().map(|(stream, _)| stream);
            written.chain(guarded).map(move |stream| (log, stream))
        })
        .collect();
    let commands: BTreeSet<(&LogId, &CommandId)> = requests
        .iter()
        .map(|(log, commit)| (log, commit.command_id()))
        .collect();

    let mut snapshot = Snapshot::default();
    let mut head = tx.prepare_cached(
        "SELECT head_position, head_hash, head_recorded_at_us FROM ledger_logs WHERE log_id = ?1",
    )?;
    for log in logs {
        let mut rows = head.query(rusqlite::params![log.as_str()])?;
        if let Some(row) = rows.next()? {
            let hash: Vec<u8> = row.get(1)?;
            snapshot
                .heads
                .insert(log.clone(), head_from_db(row.get(0)?, &hash, row.get(2)?)?);
        }
    }
    // MAX over the unique (log, stream, version) index is one index seek.
    let mut version = tx.prepare_cached(
        "SELECT MAX(stream_version) FROM ledger_events WHERE log_id = ?1 AND stream_id = ?2",
    )?;
    for (log, stream) in streams {
        let max: Option<i64> = version
            .query_row(rusqlite::params![log.as_str(), stream.as_str()], |row| {
                row.get(0)
            })?;
        if let Some(max) = max {
            snapshot.streams.insert(
                (log.clone(), stream.clone()),
                StreamVersion::new(from_db(max, "stream version")?)?,
            );
        }
    }
    let mut command = tx.prepare_cached(
        "SELECT fingerprint, first_position, last_position FROM ledger_commands
         WHERE log_id = ?1 AND command_id = ?2",
    )?;
    for (log, id) in commands {
        let mut rows = command.query(rusqlite::params![log.as_str(), id.as_str()])?;
        if let Some(row) = rows.next()? {
            let fingerprint: Vec<u8> = row.get(0)?;
            let fingerprint = ChainHash::from_slice(&fingerprint).ok_or_else(|| {
                LedgerError::Corrupt("command fingerprint is not 32 bytes".into())
            })?;
            let first = Position::new(from_db(row.get(1)?, "position")?);
            let last = Position::new(from_db(row.get(2)?, "position")?);
            snapshot.commands.insert(
                (log.clone(), id.clone()),
                StoredCommand {
                    fingerprint,
                    first,
                    last,
                },
            );
        }
    }
    Ok(snapshot)
}

fn write_plan(tx: &rusqlite::Transaction<'_>, plan: &Plan) -> Result<(), LedgerError> {
    let mut event = tx.prepare_cached(
        "INSERT INTO ledger_events (log_id, position, stream_id, stream_version, event_type, schema_version,
                                    payload, actor, command_id, correlation_id, recorded_at_us, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for e in &plan.events {
        event.execute(rusqlite::params![
            e.log_id.as_str(),
            to_db(e.position.get()),
            e.stream_id.as_str(),
            to_db(e.stream_version.get()),
            e.event_type.as_str(),
            e.schema_version,
            e.payload.as_str(),
            e.metadata.actor.as_str(),
            e.metadata.command_id.as_str(),
            e.metadata.correlation_id.as_str(),
            e.metadata.recorded_at_us,
            e.prev_hash.as_bytes().as_slice(),
            e.hash.as_bytes().as_slice(),
        ])?;
    }
    let mut command = tx.prepare_cached(
        "INSERT INTO ledger_commands (log_id, command_id, fingerprint, first_position, last_position)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (log, id, stored) in &plan.commands {
        command.execute(rusqlite::params![
            log.as_str(),
            id.as_str(),
            stored.fingerprint.as_bytes().as_slice(),
            to_db(stored.first.get()),
            to_db(stored.last.get()),
        ])?;
    }
    if !plan.records.is_empty() {
        let mut record = tx.prepare_cached(
            "INSERT INTO ledger_personal_records (log_id, record_id, stored_at, salt, data) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (log, at, r) in &plan.records {
            record.execute(rusqlite::params![
                log.as_str(),
                r.id(),
                to_db(at.get()),
                r.salt().as_slice(),
                r.data(),
            ])?;
        }
    }
    if !plan.erasures.is_empty() {
        let mut erase = tx.prepare_cached(
            "UPDATE ledger_personal_records SET salt = NULL, data = NULL, erased_at = ?3, erased_reason = ?4
              WHERE log_id = ?1 AND record_id = ?2 AND data IS NOT NULL",
        )?;
        for (log, at, e) in &plan.erasures {
            erase.execute(rusqlite::params![
                log.as_str(),
                e.id(),
                to_db(at.get()),
                e.reason()
            ])?;
        }
    }
    let mut head = tx.prepare_cached(
        "UPDATE ledger_logs SET head_position = ?2, head_hash = ?3, head_recorded_at_us = ?4 WHERE log_id = ?1",
    )?;
    for (log, h) in &plan.heads {
        head.execute(rusqlite::params![
            log.as_str(),
            to_db(h.position.get()),
            h.hash.as_bytes().as_slice(),
            h.recorded_at_us
        ])?;
    }
    Ok(())
}

/// Calls `visit` with every event of `log` up to position `to`, in position order, until it
/// returns `Break`. Blocking; straight on SQLite's C API, borrowing each row's bytes: sqlx hands
/// every row across threads and allocates for each field, which caps a full scan at about
/// 150,000 rows per second. The scan is one read transaction, so it sees one consistent state.
pub(crate) fn scan_events(
    path: &std::path::Path,
    log: &str,
    to: i64,
    visit: &mut dyn FnMut(&EventRef<'_>) -> ControlFlow<()>,
) -> Result<(), LedgerError> {
    let conn = open_reader(path)?;
    let mut statement = conn.prepare(concat!(
        "SELECT ",
        event_columns!(),
        " FROM ledger_events WHERE log_id = ?1 AND position <= ?2 ORDER BY position"
    ))?;
    let mut rows = statement.query(rusqlite::params![log, to])?;
    while let Some(row) = rows.next()? {
        let event = EventRef {
            position: integer(row, 0)?,
            stream_id: bytes(row, 1)?,
            stream_version: integer(row, 2)?,
            event_type: bytes(row, 3)?,
            schema_version: integer(row, 4)?,
            payload: bytes(row, 5)?,
            actor: bytes(row, 6)?,
            command_id: bytes(row, 7)?,
            correlation_id: bytes(row, 8)?,
            recorded_at_us: integer(row, 9)?,
            prev_hash: bytes(row, 10)?,
            hash: bytes(row, 11)?,
        };
        if visit(&event).is_break() {
            break;
        }
    }
    Ok(())
}

/// Pages at least this large are read by [`read_raw_bulk`].
const BULK_READ_EVENTS_MIN: i64 = 1_000;

/// Reads up to `limit` events of `log` from position `from` to `to` on a connection of its own.
fn read_raw_bulk(
    path: &std::path::Path,
    log: &str,
    from: i64,
    to: i64,
    limit: i64,
) -> Result<Vec<RawEvent>, LedgerError> {
    let conn = open_reader(path)?;
    let mut statement = conn.prepare_cached(concat!(
        "SELECT ",
        event_columns!(),
        " FROM ledger_events WHERE log_id = ?1 AND position >= ?2 AND position <= ?3 ORDER BY position LIMIT ?4"
    ))?;
    let mut rows = statement.query(rusqlite::params![log, from, to, limit])?;
    let text = |row: &rusqlite::Row<'_>, i| -> Result<String, LedgerError> {
        String::from_utf8(bytes(row, i)?.to_vec())
            .map_err(|_| LedgerError::Corrupt(format!("column {i} is not UTF-8")))
    };
    let mut events = Vec::with_capacity(usize::try_from(limit).unwrap_or(0).min(10_000));
    while let Some(row) = rows.next()? {
        events.push(RawEvent {
            position: integer(row, 0)?,
            stream_id: text(row, 1)?,
            stream_version: integer(row, 2)?,
            event_type: text(row, 3)?,
            schema_version: integer(row, 4)?,
            payload: text(row, 5)?,
            actor: text(row, 6)?,
            command_id: text(row, 7)?,
            correlation_id: text(row, 8)?,
            recorded_at_us: integer(row, 9)?,
            prev_hash: bytes(row, 10)?.to_vec(),
            hash: bytes(row, 11)?.to_vec(),
        });
    }
    Ok(events)
}

/// What [`scan_index`] calls with each entry: `(stream, version, position)`.
pub(crate) type IndexVisitor<'v> = dyn FnMut(&[u8], i64, i64) -> ControlFlow<()> + 'v;

/// Calls `visit(stream, version, position)` for the stream index of `log` in (stream, version)
/// order, like [`scan_events`].
pub(crate) fn scan_index(
    path: &std::path::Path,
    log: &str,
    visit: &mut IndexVisitor<'_>,
) -> Result<(), LedgerError> {
    let conn = open_reader(path)?;
    let mut statement = conn.prepare(
        "SELECT stream_id, stream_version, position FROM ledger_events INDEXED BY ledger_events_stream
         WHERE log_id = ?1 ORDER BY stream_id, stream_version",
    )?;
    let mut rows = statement.query(rusqlite::params![log])?;
    while let Some(row) = rows.next()? {
        if visit(bytes(row, 0)?, integer(row, 1)?, integer(row, 2)?).is_break() {
            break;
        }
    }
    Ok(())
}

/// A text or blob column as its stored bytes.
fn bytes<'r>(row: &'r rusqlite::Row<'_>, column: usize) -> Result<&'r [u8], LedgerError> {
    match row.get_ref(column)? {
        rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => Ok(b),
        other => Err(LedgerError::Corrupt(format!(
            "column {column} holds {:?}, not text",
            other.data_type()
        ))),
    }
}

fn integer(row: &rusqlite::Row<'_>, column: usize) -> Result<i64, LedgerError> {
    match row.get_ref(column)? {
        rusqlite::types::ValueRef::Integer(n) => Ok(n),
        other => Err(LedgerError::Corrupt(format!(
            "column {column} holds {:?}, not an integer",
            other.data_type()
        ))),
    }
}

fn open_reader(path: &std::path::Path) -> Result<rusqlite::Connection, LedgerError> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Scans read the whole file once: map it instead of copying every page into SQLite's cache.
    conn.pragma_update(None, "mmap_size", 1_i64 << 32)?;
    Ok(conn)
}
