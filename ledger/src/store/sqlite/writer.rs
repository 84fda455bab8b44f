//! The SQLite writer: one connection that commits batches, the unindexed tail of each log it
//! keeps in memory, and the stream index taken in bulk.

use super::*;

/// The group-commit writer's connection: straight on SQLite's C API, because a batch is a few
/// hundred short statements and sqlx makes each one a round trip to a thread of its own. It runs
/// on the writer's dedicated thread, so blocking there blocks nothing else.
#[derive(Debug)]
pub(crate) struct SqliteWriter {
    pub(crate) conn: rusqlite::Connection,
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
    crate::store::command_from_db(&fingerprint, row.get(at + 1)?, row.get(at + 2)?)
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
