//! The PostgreSQL backend. The row of a log in `ledger_logs` is locked (`FOR UPDATE`) for the
//! whole write transaction, so writers in several processes take turns per log and the chain
//! stays linear; within a process, the group-commit writer already batches. A batch costs five
//! round trips (begin, lock, read, write, commit) whatever its size: arrays go in through
//! `UNNEST`, and all writes are one statement.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool, Row};

use super::{
    Collect, EventRef, IndexEntry, RawEvent, RowVisitor, event_columns, head_from_db, view_columns,
};
use crate::hash::ChainHash;
use crate::ids::{from_db, to_db};
use crate::plan::{self, Head, Outcome, Plan, Snapshot, StoredCommand};
use crate::{
    CommandId, Commit, ExpectedVersion, LedgerError, LogId, Position, StreamId, StreamVersion,
};

/// How long a pooled read waits for a connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub(crate) struct PgStore {
    pub(crate) pool: PgPool,
    options: PgConnectOptions,
    writer_streams_known_max: usize,
}

impl PgStore {
    super::queries_alike!();

    pub(crate) async fn connect(
        url: &str,
        pool_connections_max: u32,
        writer_streams_known_max: usize,
    ) -> Result<Self, LedgerError> {
        let options: PgConnectOptions = url.parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(pool_connections_max.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        // The migrator takes an advisory lock, so processes starting together migrate once.
        super::migrate(&pool, &super::POSTGRES_MIGRATIONS).await?;
        Ok(Self {
            pool,
            options,
            writer_streams_known_max,
        })
    }

    pub(crate) async fn connection(&self) -> Result<PgConnection, LedgerError> {
        Ok(PgConnection::connect_with(&self.options).await?)
    }

    /// The group-commit writer's connection.
    pub(crate) async fn writer(&self) -> Result<PgWriter, LedgerError> {
        Ok(PgWriter::new(
            self.connection().await?,
            self.writer_streams_known_max,
        ))
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) async fn records(
        &self,
        log: &LogId,
        ids: &[&str],
    ) -> Result<Vec<super::RecordRow>, LedgerError> {
        let rows = sqlx::query(
            "SELECT record_id, stored_at, salt, data, erased_at, erased_reason FROM ledger_personal_records
              WHERE log_id = $1 AND record_id = ANY($2) ORDER BY record_id",
        )
        .bind(log.as_str())
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(super::record_row).collect()
    }

    pub(crate) async fn read_raw(
        &self,
        log: &LogId,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<RawEvent>, LedgerError> {
        let capacity = usize::try_from(limit)
            .unwrap_or(0)
            .min(crate::limits::READ_EVENTS_MAX);
        let collected = self
            .read_visit(log, from, to, limit, Collect(Vec::with_capacity(capacity)))
            .await?;
        Ok(collected.0)
    }

    /// Hands the rows of `log` from `from` to `to`, at most `limit`, to `visitor` in position
    /// order, borrowed from the rows as they came (no copy per field); without the chain's
    /// columns where the visitor reads none.
    pub(crate) async fn read_visit<V: RowVisitor>(
        &self,
        log: &LogId,
        from: i64,
        to: i64,
        limit: i64,
        mut visitor: V,
    ) -> Result<V, LedgerError> {
        let sql = if V::CHAIN_FIELDS {
            concat!(
                "SELECT ",
                event_columns!(),
                " FROM ledger_events WHERE log_id = $1 AND position >= $2 AND position <= $3 ORDER BY position LIMIT $4"
            )
        } else {
            concat!(
                "SELECT ",
                view_columns!(),
                " FROM ledger_events WHERE log_id = $1 AND position >= $2 AND position <= $3 ORDER BY position LIMIT $4"
            )
        };
        let rows = sqlx::query(sql)
            .bind(log.as_str())
            .bind(from)
            .bind(to)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        for row in &rows {
            if visitor.visit(&event_ref(row, V::CHAIN_FIELDS)?)?.is_break() {
                break;
            }
        }
        Ok(visitor)
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
            " FROM ledger_events WHERE log_id = $1 AND stream_id = $2 AND stream_version >= $3 AND position <= $4
              ORDER BY stream_version LIMIT $5"
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
            "SELECT stream_id, stream_version, position FROM ledger_events
             WHERE log_id = $1 AND (stream_id, stream_version) > ($2, $3)
             ORDER BY stream_id, stream_version LIMIT $4",
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

/// The group-commit writer's connection, and what the writer knows of the logs it writes: each
/// log's head and the latest versions of the streams it wrote or read. That knowledge holds
/// while the head is unchanged, i.e. no other process wrote the log since; every write checks
/// exactly that under the log's row lock.
///
/// So a batch usually costs one round trip: the writer decides it on what it knows, and one
/// statement (its own transaction) locks the logs' rows, checks their heads and writes
/// everything, or writes nothing if a head moved. Streams it does not know are assumed new
/// where the batch only creates them (a wrong guess breaks the unique stream index, which
/// aborts the statement); streams it must know exactly (an exact expected version, a guard)
/// are read first, in one statement. A command id seen before breaks the unique command index
/// the same way. Whenever the guess fails, the batch is decided again the careful way:
/// [`commit_batch`], a transaction that locks first and reads everything.
#[derive(Debug)]
pub(crate) struct PgWriter {
    conn: PgConnection,
    known: HashMap<LogId, Known>,
    /// The most stream versions `known` holds per log; beyond, they are forgotten and learned
    /// again (a read per batch while they are).
    streams_known_max: usize,
}

#[derive(Debug)]
struct Known {
    head: Head,
    streams: HashMap<StreamId, StreamVersion>,
}

impl PgWriter {
    pub(crate) fn new(conn: PgConnection, streams_known_max: usize) -> Self {
        Self {
            conn,
            known: HashMap::new(),
            streams_known_max,
        }
    }

    pub(crate) async fn close(self) -> Result<(), LedgerError> {
        self.conn.close().await?;
        Ok(())
    }

    /// Decides and writes one batch; see the type's documentation.
    pub(crate) async fn commit_batch(
        &mut self,
        requests: &[(LogId, Commit)],
        now_us: i64,
    ) -> Result<Plan, LedgerError> {
        if self.streams_known_max > 0
            && let Some(plan) = self.commit_on_what_is_known(requests, now_us).await?
        {
            return Ok(plan);
        }
        for (log, _) in requests {
            self.known.remove(log);
        }
        let (plan, snapshot) = commit_batch_with(&mut self.conn, requests, now_us).await?;
        self.learn(&plan, &snapshot.heads, &snapshot.streams);
        Ok(plan)
    }

    /// The batch decided on what the writer knows and written in one statement; `None` if
    /// what it knows turned out stale (nothing was written then).
    async fn commit_on_what_is_known(
        &mut self,
        requests: &[(LogId, Commit)],
        now_us: i64,
    ) -> Result<Option<Plan>, LedgerError> {
        if requests
            .iter()
            .any(|(_, commit)| !commit.erasures().is_empty())
        {
            // Rare (a rejection, the retention run); the careful way writes them.
            return Ok(None);
        }
        let logs: BTreeSet<&LogId> = requests.iter().map(|(log, _)| log).collect();
        // Streams whose version the decision needs exactly and the writer does not know.
        let mut unknown: BTreeSet<(&LogId, &StreamId)> = BTreeSet::new();
        for (log, commit) in requests {
            let known = self.known.get(log);
            let is_known =
                |stream: &StreamId| known.is_some_and(|k| k.streams.contains_key(stream));
            for append in commit.streams() {
                let only_creates = matches!(
                    append.expected(),
                    ExpectedVersion::NoStream | ExpectedVersion::Any
                );
                if !only_creates && !is_known(append.stream()) {
                    unknown.insert((log, append.stream()));
                }
            }
            for (stream, _) in commit.guards() {
                if !is_known(stream) {
                    unknown.insert((log, stream));
                }
            }
        }
        if !unknown.is_empty() || logs.iter().any(|log| !self.known.contains_key(*log)) {
            let (heads, versions) =
                read_heads_and_versions(&mut self.conn, &logs, &unknown).await?;
            for log in &logs {
                match (heads.get(*log), self.known.get_mut(*log)) {
                    (Some(head), Some(known)) if known.head == *head => {}
                    // Another process wrote since: what this writer knew may be stale.
                    (Some(_), Some(_)) => return Ok(None),
                    (Some(head), None) => {
                        self.known.insert(
                            (*log).clone(),
                            Known {
                                head: *head,
                                streams: HashMap::new(),
                            },
                        );
                    }
                    (None, _) => {
                        self.known.remove(*log);
                    }
                }
            }
            for ((log, stream), version) in versions {
                if let Some(known) = self.known.get_mut(&log) {
                    known.streams.insert(stream, version);
                }
            }
        }
        let mut snapshot = Snapshot::default();
        for (log, commit) in requests {
            let Some(known) = self.known.get(log) else {
                continue;
            };
            snapshot.heads.insert(log.clone(), known.head);
            let touched = commit
                .streams()
                .iter()
                .map(|append| append.stream())
                .chain(commit.guards().iter().map(|(stream, _)| stream));
            for stream in touched {
                if let Some(&version) = known.streams.get(stream) {
                    snapshot
                        .streams
                        .insert((log.clone(), stream.clone()), version);
                }
            }
        }
        let expected: BTreeMap<LogId, Head> = snapshot
            .heads
            .iter()
            .map(|(log, head)| (log.clone(), *head))
            .collect();
        let plan = plan::plan(requests, snapshot, now_us);
        // An append refused for its expected version may be the repeat of a command committed
        // before, which replays instead: the careful way tells them apart.
        let refused: Vec<(&str, &str)> = requests
            .iter()
            .zip(&plan.outcomes)
            .filter(|(_, outcome)| {
                matches!(outcome, Outcome::Rejected(LedgerError::Conflict { .. }))
            })
            .map(|((log, commit), _)| (log.as_str(), commit.command_id().as_str()))
            .collect();
        if !refused.is_empty() && any_command_exists(&mut self.conn, &refused).await? {
            return Ok(None);
        }
        match write_if_heads_unchanged(&mut self.conn, &plan, &expected).await {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(LedgerError::Database(e))
                if e.as_database_error()
                    .is_some_and(|e| e.is_unique_violation()) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(e),
        }
        self.learn(&plan, &expected, &HashMap::new());
        Ok(Some(plan))
    }

    /// Remembers the heads and versions after a committed batch: the heads it was decided on
    /// (moved on by the batch's events), the versions it read, and those it wrote.
    fn learn(
        &mut self,
        plan: &Plan,
        heads: &impl HeadsOf,
        versions: &HashMap<(LogId, StreamId), StreamVersion>,
    ) {
        for (log, head) in heads.heads() {
            let known = self.known.entry(log.clone()).or_insert_with(|| Known {
                head,
                streams: HashMap::new(),
            });
            known.head = plan.heads.get(log).copied().unwrap_or(head);
            if known.streams.len() > self.streams_known_max {
                known.streams.clear();
            }
        }
        for ((log, stream), version) in versions {
            if let Some(known) = self.known.get_mut(log) {
                known.streams.insert(stream.clone(), *version);
            }
        }
        for event in &plan.events {
            if let Some(known) = self.known.get_mut(&event.log_id) {
                known
                    .streams
                    .insert(event.stream_id.clone(), event.stream_version);
            }
        }
    }
}

/// True if any of these commands is stored.
async fn any_command_exists(
    conn: &mut PgConnection,
    commands: &[(&str, &str)],
) -> Result<bool, LedgerError> {
    let (logs, ids): (Vec<&str>, Vec<&str>) = commands.iter().copied().unzip();
    let row = sqlx::query(
        "SELECT EXISTS (SELECT 1 FROM UNNEST($1::text[], $2::text[]) AS k(l, c)
                         WHERE EXISTS (SELECT 1 FROM ledger_commands c
                                        WHERE c.log_id = k.l AND c.command_id = k.c OFFSET 0))",
    )
    .persistent(false)
    .bind(&logs)
    .bind(&ids)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get(0)?)
}

/// The heads a batch was decided on, from a snapshot or a map of expectations.
trait HeadsOf {
    fn heads(&self) -> Vec<(&LogId, Head)>;
}

impl HeadsOf for HashMap<LogId, Head> {
    fn heads(&self) -> Vec<(&LogId, Head)> {
        self.iter().map(|(log, head)| (log, *head)).collect()
    }
}

impl HeadsOf for BTreeMap<LogId, Head> {
    fn heads(&self) -> Vec<(&LogId, Head)> {
        self.iter().map(|(log, head)| (log, *head)).collect()
    }
}

/// The heads of `logs` and the latest versions of `streams`, in one statement (one snapshot),
/// without locking anything: a write decided on them checks the heads under the lock.
async fn read_heads_and_versions(
    conn: &mut PgConnection,
    logs: &BTreeSet<&LogId>,
    streams: &BTreeSet<(&LogId, &StreamId)>,
) -> Result<
    (
        HashMap<LogId, Head>,
        HashMap<(LogId, StreamId), StreamVersion>,
    ),
    LedgerError,
> {
    let log_ids: Vec<&str> = logs.iter().map(|log| log.as_str()).collect();
    let (stream_logs, stream_ids): (Vec<&str>, Vec<&str>) = streams
        .iter()
        .map(|(log, stream)| (log.as_str(), stream.as_str()))
        .unzip();
    // Planned anew each time, like the careful way's lookup (see `load_snapshot`).
    let rows = sqlx::query(
        "SELECT 'h', log_id, NULL::text, head_position, head_hash, head_recorded_at_us
           FROM ledger_logs WHERE log_id = ANY($1)
         UNION ALL
         SELECT 's', k.l, k.s, (SELECT e.stream_version FROM ledger_events e
                                 WHERE e.log_id = k.l AND e.stream_id = k.s
                                 ORDER BY e.log_id DESC, e.stream_id DESC, e.stream_version DESC LIMIT 1),
                NULL::bytea, NULL::int8
           FROM UNNEST($2::text[], $3::text[]) AS k(l, s)",
    )
    .persistent(false)
    .bind(&log_ids)
    .bind(&stream_logs)
    .bind(&stream_ids)
    .fetch_all(&mut *conn)
    .await?;
    let (mut heads, mut versions) = (HashMap::new(), HashMap::new());
    for r in &rows {
        let kind: String = r.try_get(0)?;
        let log = LogId::parse(r.try_get::<String, _>(1)?)?;
        if kind == "h" {
            heads.insert(
                log,
                head_from_db(r.try_get(3)?, r.try_get::<&[u8], _>(4)?, r.try_get(5)?)?,
            );
        } else if let Some(version) = r.try_get::<Option<i64>, _>(3)? {
            versions.insert(
                (log, StreamId::parse(r.try_get::<String, _>(2)?)?),
                StreamVersion::new(from_db(version, "stream version")?)?,
            );
        }
    }
    Ok((heads, versions))
}

/// One batch in one transaction that locks the logs' rows first and reads everything under
/// the lock, on any connection: the benchmark's baseline.
#[cfg(feature = "bench")]
pub(crate) async fn commit_batch(
    conn: &mut PgConnection,
    requests: &[(LogId, Commit)],
    now_us: i64,
) -> Result<Plan, LedgerError> {
    Ok(commit_batch_with(conn, requests, now_us).await?.0)
}

/// [`commit_batch`], also returning the heads and versions it read.
async fn commit_batch_with(
    conn: &mut PgConnection,
    requests: &[(LogId, Commit)],
    now_us: i64,
) -> Result<(Plan, Snapshot), LedgerError> {
    let mut tx = conn.begin().await?;
    let snapshot = load_snapshot(&mut tx, requests).await?;
    let read = Snapshot {
        heads: snapshot.heads.clone(),
        streams: snapshot.streams.clone(),
        commands: HashMap::new(),
    };
    let plan = plan::plan(requests, snapshot, now_us);
    write_plan(&mut tx, &plan).await?;
    tx.commit().await?;
    Ok((plan, read))
}

async fn load_snapshot(
    conn: &mut PgConnection,
    requests: &[(LogId, Commit)],
) -> Result<Snapshot, LedgerError> {
    let logs: Vec<&str> = requests
        .iter()
        .map(|(log, _)| log.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Locked in log-id order, so two processes locking several logs cannot deadlock. This must
    // be a statement of its own: the reads below need a snapshot taken after the lock is held.
    let rows = sqlx::query(
        "SELECT log_id, head_position, head_hash, head_recorded_at_us FROM ledger_logs
         WHERE log_id = ANY($1) ORDER BY log_id FOR UPDATE",
    )
    .bind(&logs)
    .fetch_all(&mut *conn)
    .await?;
    let mut snapshot = Snapshot::default();
    for r in &rows {
        let log = LogId::parse(r.try_get::<String, _>(0)?)?;
        snapshot.heads.insert(
            log,
            head_from_db(r.try_get(1)?, r.try_get::<&[u8], _>(2)?, r.try_get(3)?)?,
        );
    }

    let streams: BTreeSet<(&str, &str)> = requests
        .iter()
        .flat_map(|(log, commit)| {
            let written = commit.streams().iter().map(|s| s.stream());
            let guarded = commit.guards().iter().map(|(stream, _)| stream);
            written
                .chain(guarded)
                .map(move |stream| (log.as_str(), stream.as_str()))
        })
        .collect();
    let commands: BTreeSet<(&str, &str)> = requests
        .iter()
        .map(|(log, commit)| (log.as_str(), commit.command_id().as_str()))
        .collect();
    let (stream_logs, stream_ids): (Vec<&str>, Vec<&str>) = streams.into_iter().unzip();
    let (command_logs, command_ids): (Vec<&str>, Vec<&str>) = commands.into_iter().unzip();
    // Stream versions and known command ids in one round trip. This statement is planned anew
    // for every batch (not persistent): a plan cached while the tables were small computed each
    // version over the primary key, reading the whole log for every stream, and batches slowed
    // from 2 to 65 ms within seconds (seen with auto_explain). The command lookup stays per key
    // behind an `OFFSET 0` fence; as a join it was planned as a hash join over a full scan.
    let rows = sqlx::query(
        "SELECT 's', k.l, k.s, (SELECT e.stream_version FROM ledger_events e
                                WHERE e.log_id = k.l AND e.stream_id = k.s
                                ORDER BY e.log_id DESC, e.stream_id DESC, e.stream_version DESC LIMIT 1),
                NULL::bytea, NULL::int8
         FROM UNNEST($1::text[], $2::text[]) AS k(l, s)
         UNION ALL
         SELECT 'c', k.l, k.c, c.first_position, c.fingerprint, c.last_position
         FROM UNNEST($3::text[], $4::text[]) AS k(l, c)
         CROSS JOIN LATERAL (SELECT first_position, fingerprint, last_position FROM ledger_commands c
                             WHERE c.log_id = k.l AND c.command_id = k.c OFFSET 0) AS c",
    )
    .persistent(false)
    .bind(&stream_logs)
    .bind(&stream_ids)
    .bind(&command_logs)
    .bind(&command_ids)
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        let kind: String = r.try_get(0)?;
        let log = LogId::parse(r.try_get::<String, _>(1)?)?;
        if kind == "s" {
            if let Some(version) = r.try_get::<Option<i64>, _>(3)? {
                let key = (log, StreamId::parse(r.try_get::<String, _>(2)?)?);
                snapshot.streams.insert(
                    key,
                    StreamVersion::new(from_db(version, "stream version")?)?,
                );
            }
        } else {
            let key = (log, CommandId::parse(r.try_get::<String, _>(2)?)?);
            let fingerprint =
                ChainHash::from_slice(r.try_get::<&[u8], _>(4)?).ok_or_else(|| {
                    LedgerError::Corrupt("command fingerprint is not 32 bytes".into())
                })?;
            let first = Position::new(from_db(r.try_get(3)?, "position")?);
            let last = Position::new(from_db(r.try_get(5)?, "position")?);
            snapshot.commands.insert(
                key,
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

/// A plan's rows as the arrays the write statements take.
struct Columns<'p> {
    events: &'p [crate::RecordedEvent],
    command_logs: Vec<&'p str>,
    command_ids: Vec<&'p str>,
    fingerprints: Vec<&'p [u8]>,
    firsts: Vec<i64>,
    lasts: Vec<i64>,
    head_logs: Vec<&'p str>,
    head_positions: Vec<i64>,
    head_hashes: Vec<&'p [u8]>,
    head_times: Vec<i64>,
}

impl<'p> Columns<'p> {
    fn of(plan: &'p Plan) -> Self {
        let mut columns = Columns {
            events: &plan.events,
            command_logs: Vec::new(),
            command_ids: Vec::new(),
            fingerprints: Vec::new(),
            firsts: Vec::new(),
            lasts: Vec::new(),
            head_logs: Vec::new(),
            head_positions: Vec::new(),
            head_hashes: Vec::new(),
            head_times: Vec::new(),
        };
        for (log, command, stored) in &plan.commands {
            columns.command_logs.push(log.as_str());
            columns.command_ids.push(command.as_str());
            columns
                .fingerprints
                .push(stored.fingerprint.as_bytes().as_slice());
            columns.firsts.push(to_db(stored.first.get()));
            columns.lasts.push(to_db(stored.last.get()));
        }
        for (log, head) in &plan.heads {
            columns.head_logs.push(log.as_str());
            columns.head_positions.push(to_db(head.position.get()));
            columns.head_hashes.push(head.hash.as_bytes().as_slice());
            columns.head_times.push(head.recorded_at_us);
        }
        columns
    }

    /// Binds the events ($n..$n+12), commands (+13..+17) and heads (+18..+21) in that order.
    fn bind<'q>(
        &'q self,
        query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        let events = self.events;
        let texts =
            |f: fn(&crate::RecordedEvent) -> &str| events.iter().map(f).collect::<Vec<&str>>();
        let ints = |f: fn(&crate::RecordedEvent) -> i64| events.iter().map(f).collect::<Vec<i64>>();
        let bytes =
            |f: fn(&crate::RecordedEvent) -> &[u8]| events.iter().map(f).collect::<Vec<&[u8]>>();
        query
            .bind(texts(|e| e.log_id.as_str()))
            .bind(ints(|e| to_db(e.position.get())))
            .bind(texts(|e| e.stream_id.as_str()))
            .bind(ints(|e| to_db(e.stream_version.get())))
            .bind(texts(|e| e.event_type.as_str()))
            .bind(ints(|e| i64::from(e.schema_version)))
            .bind(texts(|e| e.payload.as_str()))
            .bind(texts(|e| e.metadata.actor.as_str()))
            .bind(texts(|e| e.metadata.command_id.as_str()))
            .bind(texts(|e| e.metadata.correlation_id.as_str()))
            .bind(ints(|e| e.metadata.recorded_at_us))
            .bind(bytes(|e| e.prev_hash.as_bytes().as_slice()))
            .bind(bytes(|e| e.hash.as_bytes().as_slice()))
            .bind(&self.command_logs)
            .bind(&self.command_ids)
            .bind(&self.fingerprints)
            .bind(&self.firsts)
            .bind(&self.lasts)
            .bind(&self.head_logs)
            .bind(&self.head_positions)
            .bind(&self.head_hashes)
            .bind(&self.head_times)
    }
}

/// A plan's personal-data records as arrays ($n..$n+4).
fn bind_records<'q>(
    plan: &'q Plan,
    query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let records = &plan.records;
    query
        .bind(
            records
                .iter()
                .map(|(l, _, _)| l.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(records.iter().map(|(_, _, r)| r.id()).collect::<Vec<_>>())
        .bind(
            records
                .iter()
                .map(|(_, p, _)| to_db(p.get()))
                .collect::<Vec<_>>(),
        )
        .bind(
            records
                .iter()
                .map(|(_, _, r)| r.salt().as_slice())
                .collect::<Vec<_>>(),
        )
        .bind(records.iter().map(|(_, _, r)| r.data()).collect::<Vec<_>>())
}

/// Writes a plan decided on `expected` heads in one statement, its own transaction: it locks
/// the logs' rows (in log-id order, so that writers of several logs cannot deadlock), and
/// writes only if every head is still the expected one. True if it wrote. A plan with
/// erasures is not written here.
async fn write_if_heads_unchanged(
    conn: &mut PgConnection,
    plan: &Plan,
    expected: &BTreeMap<LogId, Head>,
) -> Result<bool, LedgerError> {
    debug_assert!(plan.erasures.is_empty());
    let columns = Columns::of(plan);
    let logs: Vec<&str> = expected.keys().map(LogId::as_str).collect();
    let positions: Vec<i64> = expected.values().map(|h| to_db(h.position.get())).collect();
    let hashes: Vec<&[u8]> = expected
        .values()
        .map(|h| h.hash.as_bytes().as_slice())
        .collect();
    // Every write below waits for `ok`, and so for the lock. The rows are locked before they
    // are compared: a writer that committed meanwhile shows through (PostgreSQL re-reads a
    // row it had to wait for), and then its head no longer matches.
    let query = sqlx::query(
        "WITH locked AS (
             SELECT l.log_id, l.head_position, l.head_hash FROM ledger_logs l
              WHERE l.log_id = ANY($23::text[]) ORDER BY l.log_id FOR UPDATE
         ), ok AS (
             SELECT count(*) = cardinality($23::text[]) AS ok
               FROM locked l JOIN UNNEST($23::text[], $24::int8[], $25::bytea[]) AS x(log_id, position, hash)
                 ON l.log_id = x.log_id AND l.head_position = x.position AND l.head_hash = x.hash
         ), new_events AS (
             INSERT INTO ledger_events (log_id, position, stream_id, stream_version, event_type, schema_version,
                                        payload, actor, command_id, correlation_id, recorded_at_us, prev_hash, hash)
             SELECT * FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::int8[], $5::text[], $6::int8[],
                                  $7::text[], $8::text[], $9::text[], $10::text[], $11::int8[], $12::bytea[],
                                  $13::bytea[])
              WHERE (SELECT ok FROM ok)
         ), new_commands AS (
             INSERT INTO ledger_commands (log_id, command_id, fingerprint, first_position, last_position)
             SELECT * FROM UNNEST($14::text[], $15::text[], $16::bytea[], $17::int8[], $18::int8[])
              WHERE (SELECT ok FROM ok)
         ), new_records AS (
             INSERT INTO ledger_personal_records (log_id, record_id, stored_at, salt, data)
             SELECT * FROM UNNEST($26::text[], $27::text[], $28::int8[], $29::bytea[], $30::text[])
              WHERE (SELECT ok FROM ok)
         ), new_heads AS (
             UPDATE ledger_logs AS l
                SET head_position = h.position, head_hash = h.hash, head_recorded_at_us = h.recorded_at_us
               FROM UNNEST($19::text[], $20::int8[], $21::bytea[], $22::int8[]) AS h(log_id, position, hash, recorded_at_us)
              WHERE l.log_id = h.log_id AND (SELECT ok FROM ok)
         )
         SELECT ok FROM ok",
    );
    let query = columns
        .bind(query)
        .bind(&logs)
        .bind(&positions)
        .bind(&hashes);
    let query = bind_records(plan, query);
    let ok: bool = query.fetch_one(&mut *conn).await?.try_get(0)?;
    Ok(ok)
}

async fn write_plan(conn: &mut PgConnection, plan: &Plan) -> Result<(), LedgerError> {
    if plan.events.is_empty() {
        return Ok(());
    }
    let columns = Columns::of(plan);
    let query = sqlx::query(
        "WITH new_events AS (
             INSERT INTO ledger_events (log_id, position, stream_id, stream_version, event_type, schema_version,
                                        payload, actor, command_id, correlation_id, recorded_at_us, prev_hash, hash)
             SELECT * FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::int8[], $5::text[], $6::int8[],
                                  $7::text[], $8::text[], $9::text[], $10::text[], $11::int8[], $12::bytea[],
                                  $13::bytea[])
         ), new_commands AS (
             INSERT INTO ledger_commands (log_id, command_id, fingerprint, first_position, last_position)
             SELECT * FROM UNNEST($14::text[], $15::text[], $16::bytea[], $17::int8[], $18::int8[])
         )
         UPDATE ledger_logs AS l
            SET head_position = h.position, head_hash = h.hash, head_recorded_at_us = h.recorded_at_us
           FROM UNNEST($19::text[], $20::int8[], $21::bytea[], $22::int8[]) AS h(log_id, position, hash, recorded_at_us)
          WHERE l.log_id = h.log_id",
    );
    columns.bind(query).execute(&mut *conn).await?;
    if !plan.records.is_empty() {
        let query = sqlx::query(
            "INSERT INTO ledger_personal_records (log_id, record_id, stored_at, salt, data)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::bytea[], $5::text[])",
        );
        bind_records(plan, query).execute(&mut *conn).await?;
    }
    if !plan.erasures.is_empty() {
        let logs: Vec<&str> = plan.erasures.iter().map(|(l, _, _)| l.as_str()).collect();
        let ids: Vec<&str> = plan.erasures.iter().map(|(_, _, e)| e.id()).collect();
        let at: Vec<i64> = plan
            .erasures
            .iter()
            .map(|(_, p, _)| to_db(p.get()))
            .collect();
        let reasons: Vec<&str> = plan.erasures.iter().map(|(_, _, e)| e.reason()).collect();
        sqlx::query(
            "UPDATE ledger_personal_records AS r
                SET salt = NULL, data = NULL, erased_at = e.at, erased_reason = e.reason
               FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::text[]) AS e(log_id, record_id, at, reason)
              WHERE r.log_id = e.log_id AND r.record_id = e.record_id AND r.data IS NOT NULL",
        )
        .bind(&logs)
        .bind(&ids)
        .bind(&at)
        .bind(&reasons)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A row of `event_columns!()`, borrowed; without `chain_fields`, a row of the columns before
/// the command id and the commit time, the chain fields empty. Text columns are taken as the
/// bytes PostgreSQL sent (`EventRef::view` checks them, once).
fn event_ref(row: &sqlx::postgres::PgRow, chain_fields: bool) -> Result<EventRef<'_>, sqlx::Error> {
    let bytes = |column: usize| row.try_get_unchecked::<&[u8], _>(column);
    let chain = |column: usize| {
        if chain_fields {
            bytes(column)
        } else {
            Ok(&[][..])
        }
    };
    Ok(EventRef {
        position: row.try_get(0)?,
        stream_id: bytes(1)?,
        stream_version: row.try_get(2)?,
        event_type: bytes(3)?,
        schema_version: row.try_get(4)?,
        payload: bytes(5)?,
        actor: bytes(6)?,
        command_id: chain(7)?,
        correlation_id: chain(8)?,
        recorded_at_us: row.try_get(if chain_fields { 9 } else { 7 })?,
        prev_hash: chain(10)?,
        hash: chain(11)?,
    })
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt as _;

    use super::*;
    use crate::scratch::ScratchDatabase;
    use crate::store::testing::{assert_migrated_and_goes_on, thirty_commands};
    use crate::{Ledger, LedgerOptions};

    static BEFORE_NO_ROW_FOREIGN_KEYS: [(i64, &str, &str); 2] = [
        super::super::POSTGRES_MIGRATIONS[0],
        super::super::POSTGRES_MIGRATIONS[1],
    ];

    /// A database written before migration 3 (foreign keys from every event and command row to
    /// its log) is migrated on open: the keys are gone, the log verifies, its streams and
    /// commands are found, and appends go on from the versions it holds.
    #[tokio::test]
    async fn a_database_from_before_the_foreign_keys_were_dropped_is_migrated_and_goes_on() {
        const TEST: &str =
            "a_database_from_before_the_foreign_keys_were_dropped_is_migrated_and_goes_on";
        let Some(source) = ScratchDatabase::postgres_for_test(TEST, "migrate_source").await else {
            return;
        };
        let old = ScratchDatabase::postgres_for_test(TEST, "migrate_old")
            .await
            .expect("the server of the first schema");
        let outcome = std::panic::AssertUnwindSafe(migrates_and_goes_on(&source, &old))
            .catch_unwind()
            .await;
        // A failed test must not leave its schemas behind on a shared server.
        source.remove().await.expect("the schema goes away");
        old.remove().await.expect("the schema goes away");
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }

    /// The foreign keys on the events and commands tables of `schema`.
    async fn foreign_keys(pool: &PgPool, schema: &str) -> i64 {
        let row = sqlx::query(
            "SELECT count(*) FROM information_schema.table_constraints
              WHERE table_schema = $1 AND constraint_type = 'FOREIGN KEY'
                AND table_name IN ('ledger_events', 'ledger_commands')",
        )
        .bind(schema)
        .fetch_one(pool)
        .await
        .expect("the catalog reads");
        row.try_get(0).expect("a count")
    }

    async fn migrates_and_goes_on(source: &ScratchDatabase, old: &ScratchDatabase) {
        let log = LogId::parse("coop").expect("valid");
        // The rows an earlier version wrote: written by this one, copied into the old schema.
        let ledger = Ledger::open(source.url(), LedgerOptions::default())
            .await
            .expect("open");
        thirty_commands(&ledger, &log).await;
        ledger.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect(old.url())
            .await
            .expect("open the old schema");
        super::super::migrate(&pool, &BEFORE_NO_ROW_FOREIGN_KEYS)
            .await
            .expect("the old schema");
        let from = source.schema_name().expect("a schema");
        let to = old.schema_name().expect("a schema");
        for table in ["ledger_logs", "ledger_events", "ledger_commands"] {
            // Schema names are made of [a-z0-9_] only (see ScratchSchema::create).
            sqlx::query(&format!(
                "INSERT INTO {to}.{table} SELECT * FROM {from}.{table}"
            ))
            .execute(&pool)
            .await
            .expect("copy into the old schema");
        }
        assert_eq!(foreign_keys(&pool, to).await, 2, "the old schema's keys");

        let ledger = Ledger::open(old.url(), LedgerOptions::default())
            .await
            .expect("migrated on open");
        assert_eq!(
            foreign_keys(&pool, to).await,
            0,
            "migration 3 drops the row keys"
        );
        pool.close().await;
        assert_migrated_and_goes_on(&ledger, &log).await;
        ledger.close().await;
    }
}
