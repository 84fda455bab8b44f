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
    crate::store::queries_alike!();

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
            // A file in this process cannot have hung up: a ping before each query would only
            // cost a round trip to the connection's thread (sqlx pings on release anyway).
            .test_before_acquire(false)
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

mod scans;
mod writer;

pub(crate) use scans::*;
pub(crate) use writer::*;

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
