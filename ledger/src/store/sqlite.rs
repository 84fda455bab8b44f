//! The SQLite backend: one file in WAL mode. Reads go through sqlx's pool; the group-commit
//! writer (`SqliteWriter`) and verification's scans go straight to SQLite's C API through
//! `rusqlite` (linked against the same SQLite), because a batch is hundreds of short statements
//! and a scan millions of rows. The writer commits with `synchronous=NORMAL` and its sync thread
//! syncs the WAL before anything is acknowledged (see `writer.rs`); every other connection
//! commits with `synchronous=FULL`.

use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use std::ops::ControlFlow;

use super::{
    Collect, EventRef, RawEvent, RowVisitor, event_columns, head_from_db, view_columns, visit_raw,
};
use crate::hash::ChainHash;
use crate::ids::{from_db, to_db};
use crate::plan::{self, Head, Plan, Snapshot, StoredCommand};
use crate::{CommandId, Commit, LedgerError, LogId, StreamId, StreamVersion};

/// How long a connection waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Checkpoint when the WAL reaches 32 MiB instead of SQLite's 4 MiB: a busy writer dirties
/// ~100 pages per batch, and the default checkpointed inline every few batches.
const WAL_AUTOCHECKPOINT_PAGES: i64 = 8_192;

#[derive(Debug, Clone)]
pub(crate) struct SqliteStore {
    pool: SqlitePool,
    options: SqliteConnectOptions,
    readers: std::sync::Arc<Readers>,
    index_lag_events_max: u64,
    #[cfg(feature = "bench")]
    unbatched: std::sync::Arc<std::sync::Mutex<Option<SqliteWriter>>>,
}

impl SqliteStore {
    pub(crate) async fn connect(
        url: &str,
        pool_connections_max: u32,
        index_lag_events_max: u64,
    ) -> Result<Self, LedgerError> {
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
            readers: Default::default(),
            index_lag_events_max,
            #[cfg(feature = "bench")]
            unbatched: Default::default(),
        })
    }

    /// The group-commit writer's connection.
    pub(crate) fn writer(&self, sync: Sync) -> Result<SqliteWriter, LedgerError> {
        SqliteWriter::open(self.path(), sync, self.index_lag_events_max)
    }

    /// One append in a transaction of its own (the benchmark's naive baseline), on one shared
    /// connection: more would only queue on SQLite's write lock.
    #[cfg(feature = "bench")]
    pub(crate) async fn commit_unbatched(
        &self,
        requests: &[(LogId, Commit)],
        now_us: i64,
    ) -> Result<Plan, LedgerError> {
        let unbatched = std::sync::Arc::clone(&self.unbatched);
        let path = self.path().to_owned();
        let lag = self.index_lag_events_max;
        let requests = requests.to_vec();
        tokio::task::spawn_blocking(move || {
            let mut slot = unbatched
                .lock()
                .expect("the unbatched connection's lock is never poisoned");
            if slot.is_none() {
                *slot = Some(SqliteWriter::open(&path, Sync::OnCommit, lag)?);
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

    /// Writes a consistent copy of the database to `to` (which must not exist) with `VACUUM
    /// INTO`: one read transaction, so writers go on meanwhile and the copy holds exactly the
    /// commits before it began.
    pub(crate) async fn backup_into(&self, to: &std::path::Path) -> Result<(), LedgerError> {
        let to = to.to_str().ok_or_else(|| {
            LedgerError::InvalidAppend(format!("{} is not a UTF-8 path", to.display()))
        })?;
        sqlx::query("VACUUM INTO ?1")
            .bind(to)
            .execute(&self.pool)
            .await?;
        Ok(())
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

    pub(crate) async fn records_page(
        &self,
        log: &LogId,
        after: &str,
        limit: i64,
    ) -> Result<Vec<super::RecordRow>, LedgerError> {
        let rows = sqlx::query(
            "SELECT record_id, stored_at, salt, data, erased_at, erased_reason FROM ledger_personal_records
              WHERE log_id = $1 AND record_id > $2 ORDER BY record_id LIMIT $3",
        )
        .bind(log.as_str())
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(super::record_row).collect()
    }

    pub(crate) async fn halts(&self) -> Result<Vec<(String, i64, String, String)>, LedgerError> {
        let rows =
            sqlx::query("SELECT log_id, position, kind, detail FROM ledger_halts ORDER BY log_id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect()
    }

    pub(crate) async fn set_halt(
        &self,
        log: &LogId,
        position: i64,
        kind: &str,
        detail: &str,
        now_us: i64,
    ) -> Result<(), LedgerError> {
        sqlx::query(
            "INSERT INTO ledger_halts (log_id, position, kind, detail, halted_at_us) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (log_id) DO NOTHING",
        )
        .bind(log.as_str())
        .bind(position)
        .bind(kind)
        .bind(detail)
        .bind(now_us)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(crate) async fn clear_halt(&self, log: &LogId) -> Result<(), LedgerError> {
        sqlx::query("DELETE FROM ledger_halts WHERE log_id = ?1")
            .bind(log.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
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
        let capacity = usize::try_from(limit)
            .unwrap_or(0)
            .min(crate::limits::READ_EVENTS_MAX);
        let collected = self
            .read_visit(log, from, to, limit, Collect(Vec::with_capacity(capacity)))
            .await?;
        Ok(collected.0)
    }

    /// Like [`Self::read_raw`], but hands each row in place to `visitor`: a large page is walked
    /// on a blocking thread straight off SQLite's pages, copying only what the visitor keeps.
    pub(crate) async fn read_visit<V: RowVisitor>(
        &self,
        log: &LogId,
        from: i64,
        to: i64,
        limit: i64,
        visitor: V,
    ) -> Result<V, LedgerError> {
        if limit < BULK_READ_EVENTS_MIN {
            return visit_raw(&self.read_raw_pooled(log, from, to, limit).await?, visitor);
        }
        let (readers, path, log) = (
            std::sync::Arc::clone(&self.readers),
            self.path().to_owned(),
            log.as_str().to_owned(),
        );
        tokio::task::spawn_blocking(move || {
            let conn = readers.take(&path)?;
            let mut visitor = visitor;
            let read = visit_page(&conn, &log, from, to, limit, V::CHAIN_FIELDS, &mut |row| {
                visitor.visit(row)
            });
            readers.give_back(conn);
            read.map(|()| visitor)
        })
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
        // The indexed versions through the stream index, the tail's by a scan of the tail; one
        // statement, so one snapshot of both. A stream's versions are dense, so a page needs no
        // version beyond `from + limit`: each side is bounded before the sort, and paging
        // through a long stream costs each page its own length.
        let rows = sqlx::query(concat!(
            "SELECT ",
            event_columns!(),
            " FROM ledger_events WHERE log_id = ?1 AND position <= ?4 AND position IN (
                  SELECT position FROM ledger_stream_index
                   WHERE log_id = ?1 AND stream_id = ?2 AND stream_version >= ?3
                     AND stream_version < ?3 + ?5)
              UNION ALL
              SELECT ",
            event_columns!(),
            " FROM ledger_events WHERE log_id = ?1 AND stream_id = ?2 AND stream_version >= ?3
                 AND stream_version < ?3 + ?5 AND position <= ?4
                 AND position > (SELECT indexed_position FROM ledger_logs WHERE log_id = ?1)
              ORDER BY 3 LIMIT ?5"
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
}

/// The group-commit writer's connection: straight on SQLite's C API, because a batch is a few
/// hundred short statements and sqlx makes each one a round trip to a thread of its own. It runs
/// on the writer's dedicated thread, so blocking there blocks nothing else.
#[derive(Debug)]
pub(crate) struct SqliteWriter {
    conn: rusqlite::Connection,
    sync: Sync,
    /// What this writer knows of each log's unindexed tail, valid while the log's head and
    /// indexed position are what it last saw (no other process wrote in between).
    tails: HashMap<LogId, Tail>,
    /// Events a log's tail may hold before the writer takes them into the stream index.
    index_lag_events_max: u64,
}

/// The unindexed tail of a log, as the writer keeps it in memory: the latest version of every
/// stream written since the indexed position, and the index entries of those events, to be
/// written into the stream index in one go.
#[derive(Debug)]
struct Tail {
    head: Head,
    indexed: u64,
    streams: HashMap<StreamId, StreamVersion>,
    entries: Vec<(StreamId, StreamVersion, u64)>,
}

impl Tail {
    fn empty(head: Head) -> Self {
        Self {
            head,
            indexed: head.position.get(),
            streams: HashMap::new(),
            entries: Vec::new(),
        }
    }

    fn is_current(&self, head: &Head, indexed: u64) -> bool {
        self.head == *head && self.indexed == indexed
    }
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
    pub(crate) fn open(
        path: &std::path::Path,
        sync: Sync,
        index_lag_events_max: u64,
    ) -> Result<Self, LedgerError> {
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
        conn.set_prepared_statement_cache_capacity(32);
        Ok(Self {
            conn,
            sync,
            tails: HashMap::new(),
            index_lag_events_max: index_lag_events_max.max(1),
        })
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
        // The tails of this batch's logs are taken out for the transaction and put back only
        // if it commits: after a failure they are read from the database again.
        let mut tails: HashMap<LogId, Tail> = HashMap::new();
        for (log, _) in requests {
            if !tails.contains_key(log)
                && let Some(tail) = self.tails.remove(log)
            {
                tails.insert(log.clone(), tail);
            }
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let snapshot = load_snapshot(&tx, requests, &mut tails, self.index_lag_events_max)?;
        let plan = plan::plan(requests, snapshot, now_us);
        write_plan(&tx, &plan)?;
        tx.commit()?;
        for event in &plan.events {
            if let Some(tail) = tails.get_mut(&event.log_id) {
                tail.streams
                    .insert(event.stream_id.clone(), event.stream_version);
                tail.entries.push((
                    event.stream_id.clone(),
                    event.stream_version,
                    event.position.get(),
                ));
            }
        }
        for (log, head) in &plan.heads {
            if let Some(tail) = tails.get_mut(log) {
                tail.head = *head;
            }
        }
        self.tails.extend(tails);
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

/// Loads what the batch's decisions depend on, under the write lock: the heads of its logs,
/// the versions of its streams and its known command ids. A log's tail comes from the writer's
/// memory while it is current, else from the database; a tail that has grown to
/// `index_lag_events_max` events is first taken into the stream index.
fn load_snapshot(
    tx: &rusqlite::Transaction<'_>,
    requests: &[(LogId, Commit)],
    tails: &mut HashMap<LogId, Tail>,
    index_lag_events_max: u64,
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
        "SELECT head_position, head_hash, head_recorded_at_us, indexed_position FROM ledger_logs WHERE log_id = ?1",
    )?;
    for log in logs {
        let mut rows = head.query(rusqlite::params![log.as_str()])?;
        let Some(row) = rows.next()? else {
            tails.remove(log);
            continue;
        };
        let hash: Vec<u8> = row.get(1)?;
        let current = head_from_db(row.get(0)?, &hash, row.get(2)?)?;
        let indexed = from_db(row.get(3)?, "indexed position")?;
        drop(rows);
        let known = tails
            .remove(log)
            .filter(|t| t.is_current(&current, indexed));
        let mut tail = match known {
            Some(tail) => tail,
            None => load_tail(tx, log, current, indexed)?,
        };
        if current.position.get() - tail.indexed >= index_lag_events_max {
            take_into_index(tx, log, &mut tail)?;
            tail = Tail::empty(current);
        }
        snapshot.heads.insert(log.clone(), current);
        tails.insert(log.clone(), tail);
    }
    // MAX over the stream index's key is one seek.
    let mut version = tx.prepare_cached(
        "SELECT MAX(stream_version) FROM ledger_stream_index WHERE log_id = ?1 AND stream_id = ?2",
    )?;
    for (log, stream) in streams {
        let Some(tail) = tails.get(log) else { continue };
        let latest = match tail.streams.get(stream) {
            Some(&in_tail) => Some(in_tail),
            None => version
                .query_row(rusqlite::params![log.as_str(), stream.as_str()], |row| {
                    row.get::<_, Option<i64>>(0)
                })?
                .map(|max| StreamVersion::new(from_db(max, "stream version")?))
                .transpose()?,
        };
        if let Some(latest) = latest {
            snapshot
                .streams
                .insert((log.clone(), stream.clone()), latest);
        }
    }
    let mut command = tx.prepare_cached(
        "SELECT fingerprint, first_position, last_position FROM ledger_commands
         WHERE log_id = ?1 AND command_id = ?2",
    )?;
    for (log, id) in commands {
        let mut rows = command.query(rusqlite::params![log.as_str(), id.as_str()])?;
        if let Some(row) = rows.next()? {
            snapshot
                .commands
                .insert((log.clone(), id.clone()), command_from_row(row, 0)?);
        }
    }
    Ok(snapshot)
}

/// Reads a log's unindexed tail: the stream, version and position of every event after
/// `indexed`.
fn load_tail(
    tx: &rusqlite::Transaction<'_>,
    log: &LogId,
    head: Head,
    indexed: u64,
) -> Result<Tail, LedgerError> {
    let mut tail = Tail {
        indexed,
        ..Tail::empty(head)
    };
    let mut events = tx.prepare_cached(
        "SELECT stream_id, stream_version, position FROM ledger_events
          WHERE log_id = ?1 AND position > ?2 ORDER BY position",
    )?;
    let mut rows = events.query(rusqlite::params![log.as_str(), to_db(indexed)])?;
    while let Some(row) = rows.next()? {
        let stream = StreamId::parse(row.get::<_, String>(0)?)?;
        let version = StreamVersion::new(from_db(row.get(1)?, "stream version")?)?;
        tail.streams.insert(stream.clone(), version);
        tail.entries
            .push((stream, version, from_db(row.get(2)?, "position")?));
    }
    Ok(tail)
}

/// Writes a log's tail into the stream index in the index's key order, so that each index
/// page is written once for many entries, and moves the indexed position to its head.
fn take_into_index(
    tx: &rusqlite::Transaction<'_>,
    log: &LogId,
    tail: &mut Tail,
) -> Result<(), LedgerError> {
    tail.entries
        .sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let mut insert = tx.prepare_cached(
        "INSERT INTO ledger_stream_index (log_id, stream_id, stream_version, position) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (stream, version, position) in &tail.entries {
        insert
            .execute(rusqlite::params![
                log.as_str(),
                stream.as_str(),
                to_db(version.get()),
                to_db(*position)
            ])
            .map_err(|e| match e {
                // The writer checks the tail's versions, so a key taken already means the
                // database was changed behind it: say where, instead of failing every batch
                // as an unexplained error.
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    LedgerError::Corrupt(format!(
                        "log {log}: stream {stream} version {version} at position {position} is in the stream index already; run verify"
                    ))
                }
                other => other.into(),
            })?;
    }
    tx.prepare_cached("UPDATE ledger_logs SET indexed_position = ?2 WHERE log_id = ?1")?
        .execute(rusqlite::params![
            log.as_str(),
            to_db(tail.head.position.get())
        ])?;
    Ok(())
}

/// A stored command from three columns (fingerprint, first, last) starting at `at`.
fn command_from_row(row: &rusqlite::Row<'_>, at: usize) -> Result<StoredCommand, LedgerError> {
    let fingerprint: Vec<u8> = row.get(at)?;
    super::command_from_db(&fingerprint, row.get(at + 1)?, row.get(at + 2)?)
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

/// Calls `visit` with every event of `log` from position `from` to `to`, in position order, until it
/// returns `Break`. Blocking; straight on SQLite's C API, borrowing each row's bytes: sqlx hands
/// every row across threads and allocates for each field, which caps a full scan at about
/// 150,000 rows per second. The scan is one read transaction, so it sees one consistent state.
pub(crate) fn scan_events(
    path: &std::path::Path,
    log: &str,
    from: i64,
    to: i64,
    visit: &mut dyn FnMut(&EventRef<'_>) -> ControlFlow<()>,
) -> Result<(), LedgerError> {
    let conn = open_reader(path)?;
    let mut statement = conn.prepare(concat!(
        "SELECT ",
        event_columns!(),
        " FROM ledger_events WHERE log_id = ?1 AND position >= ?2 AND position <= ?3 ORDER BY position"
    ))?;
    let mut rows = statement.query(rusqlite::params![log, from, to])?;
    while let Some(row) = rows.next()? {
        if visit(&event_ref(row, true)?).is_break() {
            break;
        }
    }
    Ok(())
}

/// The first position up to `to` where the stream index and the events disagree: an event
/// whose stream and version the index does not hold at its position, or an index entry whose
/// position holds no such event. Blocking, one read transaction, a lookup per row: `verify`
/// runs it only when the digests of both sides differ (the log was tampered with).
pub(crate) fn locate_index_disagreement(
    path: &std::path::Path,
    log: &str,
    to: i64,
) -> Result<Option<(i64, String)>, LedgerError> {
    let mut conn = open_reader(path)?;
    let tx = conn.transaction()?;
    let recorded = indexed_position(&tx, log)?;
    let indexed = recorded.min(to);
    let mut found: Option<(i64, String)> = None;
    let mut keep = |position: i64, detail: String| {
        if found.as_ref().is_none_or(|(p, _)| position < *p) {
            found = Some((position, detail));
        }
    };
    {
        let mut events = tx.prepare(
            "SELECT position, stream_id, stream_version FROM ledger_events
              WHERE log_id = ?1 AND position <= ?2 ORDER BY position",
        )?;
        let mut entry = tx.prepare(
            "SELECT position FROM ledger_stream_index WHERE log_id = ?1 AND stream_id = ?2 AND stream_version = ?3",
        )?;
        let mut rows = events.query(rusqlite::params![log, indexed])?;
        while let Some(row) = rows.next()? {
            let (position, stream, version) = (integer(row, 0)?, bytes(row, 1)?, integer(row, 2)?);
            // Bound as text, as stored (a blob never equals a text in SQLite).
            let text = String::from_utf8_lossy(stream);
            let mut at = entry.query(rusqlite::params![log, text.as_ref(), version])?;
            let indexed_at = match at.next()? {
                Some(hit) => Some(integer(hit, 0)?),
                None => None,
            };
            if indexed_at != Some(position) {
                keep(
                    position,
                    format!(
                        "the stream index does not hold stream {} version {version} at this position",
                        String::from_utf8_lossy(stream)
                    ),
                );
                break;
            }
        }
    }
    {
        let mut entries = tx.prepare(
            "SELECT position, stream_id, stream_version FROM ledger_stream_index WHERE log_id = ?1",
        )?;
        let mut event = tx.prepare(
            "SELECT stream_id, stream_version FROM ledger_events WHERE log_id = ?1 AND position = ?2",
        )?;
        let mut rows = entries.query(rusqlite::params![log])?;
        while let Some(row) = rows.next()? {
            let (position, stream, version) = (integer(row, 0)?, bytes(row, 1)?, integer(row, 2)?);
            if position > to {
                // Taken into the index after the verification began.
                continue;
            }
            if position > recorded {
                keep(
                    position,
                    format!(
                        "the stream index holds stream {} version {version} at a position it has not reached",
                        String::from_utf8_lossy(stream)
                    ),
                );
                continue;
            }
            let mut at = event.query(rusqlite::params![log, position])?;
            let agrees = match at.next()? {
                Some(hit) => bytes(hit, 0)? == stream && integer(hit, 1)? == version,
                None => false,
            };
            if !agrees {
                keep(
                    position,
                    format!(
                        "the stream index has stream {} version {version} here, the event at this position does not",
                        String::from_utf8_lossy(stream)
                    ),
                );
            }
        }
    }
    Ok(found)
}

/// The position up to which a log's events are in the stream index.
fn indexed_position(conn: &rusqlite::Connection, log: &str) -> Result<i64, LedgerError> {
    let indexed: Option<i64> = conn
        .query_row(
            "SELECT indexed_position FROM ledger_logs WHERE log_id = ?1",
            rusqlite::params![log],
            |row| row.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    Ok(indexed.unwrap_or(0))
}

/// Pages at least this large are read in place on a blocking thread ([`visit_page`]).
const BULK_READ_EVENTS_MIN: i64 = 1_000;

/// Calls `visit` with up to `limit` events of `log` from position `from` to `to`, each
/// borrowed in place, until it returns `Break`. One statement, so one consistent state.
/// Without `chain_fields` the command ids and hashes are not selected (SQLite does not take
/// them out of its records) and are handed over empty.
fn visit_page(
    conn: &rusqlite::Connection,
    log: &str,
    from: i64,
    to: i64,
    limit: i64,
    chain_fields: bool,
    visit: &mut dyn FnMut(&EventRef<'_>) -> Result<ControlFlow<()>, LedgerError>,
) -> Result<(), LedgerError> {
    let mut statement = if chain_fields {
        conn.prepare_cached(concat!(
            "SELECT ",
            event_columns!(),
            " FROM ledger_events WHERE log_id = ?1 AND position >= ?2 AND position <= ?3 ORDER BY position LIMIT ?4"
        ))?
    } else {
        conn.prepare_cached(concat!(
            "SELECT ",
            view_columns!(),
            " FROM ledger_events WHERE log_id = ?1 AND position >= ?2 AND position <= ?3 ORDER BY position LIMIT ?4"
        ))?
    };
    let mut rows = statement.query(rusqlite::params![log, from, to, limit])?;
    while let Some(row) = rows.next()? {
        let event = event_ref(row, chain_fields)?;
        if visit(&event)?.is_break() {
            break;
        }
    }
    Ok(())
}

/// A row of `event_columns!()`, borrowed; without `chain_fields`, a row of the columns before
/// the command id and the commit time, the chain fields empty.
fn event_ref<'r>(
    row: &'r rusqlite::Row<'_>,
    chain_fields: bool,
) -> Result<EventRef<'r>, LedgerError> {
    let chain = |column| {
        if chain_fields {
            bytes(row, column)
        } else {
            Ok(&[][..])
        }
    };
    Ok(EventRef {
        position: integer(row, 0)?,
        stream_id: bytes(row, 1)?,
        stream_version: integer(row, 2)?,
        event_type: bytes(row, 3)?,
        schema_version: integer(row, 4)?,
        payload: bytes(row, 5)?,
        actor: bytes(row, 6)?,
        command_id: chain(7)?,
        correlation_id: chain(8)?,
        recorded_at_us: integer(row, if chain_fields { 9 } else { 7 })?,
        prev_hash: chain(10)?,
        hash: chain(11)?,
    })
}

/// What [`scan_index`] calls with each entry: `(stream, version, position)`.
pub(crate) type IndexVisitor<'v> = dyn FnMut(&[u8], i64, i64) -> ControlFlow<()> + 'v;

/// Calls `visit(stream, version, position)` for every event of `log` in (stream, version)
/// order: the stream index, merged with the unindexed tail sorted by SQLite (a few thousand
/// events at most, held here while the index is walked). One read transaction.
pub(crate) fn scan_index(
    path: &std::path::Path,
    log: &str,
    visit: &mut IndexVisitor<'_>,
) -> Result<(), LedgerError> {
    let mut conn = open_reader(path)?;
    let tx = conn.transaction()?;
    let indexed = indexed_position(&tx, log)?;
    let mut tail_statement = tx.prepare(
        "SELECT stream_id, stream_version, position FROM ledger_events
          WHERE log_id = ?1 AND position > ?2 ORDER BY stream_id, stream_version",
    )?;
    let mut tail: Vec<(Vec<u8>, i64, i64)> = Vec::new();
    let mut rows = tail_statement.query(rusqlite::params![log, indexed])?;
    while let Some(row) = rows.next()? {
        tail.push((bytes(row, 0)?.to_vec(), integer(row, 1)?, integer(row, 2)?));
    }
    let mut tail = tail.into_iter().peekable();
    let mut statement = tx.prepare(
        "SELECT stream_id, stream_version, position FROM ledger_stream_index
          WHERE log_id = ?1 ORDER BY stream_id, stream_version",
    )?;
    let mut rows = statement.query(rusqlite::params![log])?;
    while let Some(row) = rows.next()? {
        let (stream, version, position) = (bytes(row, 0)?, integer(row, 1)?, integer(row, 2)?);
        while let Some((s, v, p)) = tail.next_if(|(s, v, _)| (s.as_slice(), *v) < (stream, version))
        {
            if visit(&s, v, p).is_break() {
                return Ok(());
            }
        }
        if visit(stream, version, position).is_break() {
            return Ok(());
        }
    }
    for (s, v, p) in tail {
        if visit(&s, v, p).is_break() {
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

/// Reader connections on SQLite's C API, kept for the next bulk read: opening one reads and
/// parses the whole schema, which under a live subscription (a page read per commit) cost
/// more than the read. Each is used by one blocking task at a time.
#[derive(Debug, Default)]
pub(crate) struct Readers {
    idle: std::sync::Mutex<Vec<rusqlite::Connection>>,
}

/// Idle reader connections kept.
const READERS_IDLE_MAX: usize = 4;

impl Readers {
    fn take(&self, path: &std::path::Path) -> Result<rusqlite::Connection, LedgerError> {
        let idle = self
            .idle
            .lock()
            .expect("the readers' lock is never poisoned")
            .pop();
        match idle {
            Some(conn) => Ok(conn),
            None => open_reader(path),
        }
    }

    fn give_back(&self, conn: rusqlite::Connection) {
        let mut idle = self
            .idle
            .lock()
            .expect("the readers' lock is never poisoned");
        if idle.len() < READERS_IDLE_MAX {
            idle.push(conn);
        }
    }
}

/// The storage's own ceiling for `bench append` (see [`crate::ceiling`]): one thread writes
/// `rows.events` rows shaped like the benchmark's appends into `log` (which must exist and be
/// empty) — per event a row of `ledger_events` and one of `ledger_commands`, the head updated
/// per transaction, the stream index taken in bulk every 2,048 events as the writer does — in
/// transactions of `rows.per_commit` events on a connection set up as the writer's, without
/// planning, hashing, lookups or a per-commit sync. Returns the time it took.
#[cfg(feature = "bench")]
pub(crate) fn insert_ceiling(
    path: &std::path::Path,
    log: &str,
    rows: crate::ceiling::CeilingRows,
) -> Result<std::time::Duration, LedgerError> {
    let crate::ceiling::CeilingRows {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::{assert_migrated_and_goes_on, thirty_commands};
    use crate::{Ledger, LedgerOptions};

    static BEFORE_DEFERRED_INDEXES: [(i64, &str, &str); 2] = [
        super::super::SQLITE_MIGRATIONS[0],
        super::super::SQLITE_MIGRATIONS[1],
    ];

    /// The benchmark's ceiling writes every row it is timed for, in the layout the ledger
    /// keeps: an event and a command per position, the head at the last, the stream index up
    /// to the indexed position and no further.
    #[cfg(feature = "bench")]
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

        let rows = crate::ceiling::CeilingRows {
            events: 5_000,
            per_commit: 17,
            streams: 64,
        };
        insert_ceiling(&path, "ceiling", rows).expect("the ceiling runs");

        let conn = open_reader(&path).expect("a reader");
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

    /// A database written before migration 3 (stream index on the events, every command in
    /// `ledger_commands`) is migrated on open: it verifies, its streams and commands are found,
    /// and appends go on from the versions it holds.
    #[tokio::test]
    async fn a_database_from_before_the_deferred_indexes_is_migrated_and_goes_on() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let source = format!("sqlite:{}", dir.path().join("source.db").display());
        let old = format!("sqlite:{}", dir.path().join("old.db").display());
        let log = LogId::parse("coop").expect("valid");

        // The rows an earlier version wrote: written by this one, copied into the old schema.
        let ledger = Ledger::open(&source, LedgerOptions::default())
            .await
            .expect("open");
        thirty_commands(&ledger, &log).await;
        ledger.close().await;
        let pool = SqlitePool::connect_with(
            SqliteConnectOptions::from_str(&old)
                .expect("a url")
                .create_if_missing(true),
        )
        .await
        .expect("open the old database");
        super::super::migrate(&pool, &BEFORE_DEFERRED_INDEXES)
            .await
            .expect("the old schema");
        let attach = format!(
            "ATTACH DATABASE '{}' AS source",
            dir.path().join("source.db").display()
        );
        let mut conn = pool.acquire().await.expect("a connection");
        for sql in [
            attach.as_str(),
            "INSERT INTO ledger_logs SELECT log_id, created_at_us, head_position, head_hash, head_recorded_at_us FROM source.ledger_logs",
            "INSERT INTO ledger_events SELECT * FROM source.ledger_events",
            "INSERT INTO ledger_commands SELECT * FROM source.ledger_commands",
            "DETACH DATABASE source",
        ] {
            sqlx::query(sql)
                .execute(&mut *conn)
                .await
                .expect("copy into the old schema");
        }
        drop(conn);
        pool.close().await;

        let ledger = Ledger::open(&old, LedgerOptions::default())
            .await
            .expect("migrated on open");
        assert_migrated_and_goes_on(&ledger, &log).await;
        ledger.close().await;
    }
}
