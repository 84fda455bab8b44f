//! The PostgreSQL backend. The row of a log in `ledger_logs` is locked (`FOR UPDATE`) for the
//! whole write transaction, so writers in several processes take turns per log and the chain
//! stays linear; within a process, the group-commit writer already batches. A batch costs five
//! round trips (begin, lock, read, write, commit) whatever its size: arrays go in through
//! `UNNEST`, and all writes are one statement.

use std::collections::BTreeSet;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool, Row};

use super::{IndexEntry, RawEvent, event_columns, head_from_db};
use crate::hash::ChainHash;
use crate::ids::{from_db, to_db};
use crate::plan::{self, Head, Plan, Snapshot, StoredCommand};
use crate::{CommandId, Commit, LedgerError, LogId, Position, StreamId, StreamVersion};

/// How long a pooled read waits for a connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub(crate) struct PgStore {
    pub(crate) pool: PgPool,
    options: PgConnectOptions,
}

impl PgStore {
    pub(crate) async fn connect(url: &str, pool_connections_max: u32) -> Result<Self, LedgerError> {
        let options: PgConnectOptions = url.parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(pool_connections_max.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        // The migrator takes an advisory lock, so processes starting together migrate once.
        super::migrate(&pool, &super::POSTGRES_MIGRATIONS).await?;
        Ok(Self { pool, options })
    }

    pub(crate) async fn connection(&self) -> Result<PgConnection, LedgerError> {
        Ok(PgConnection::connect_with(&self.options).await?)
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) async fn create_log(&self, log: &LogId, now_us: i64) -> Result<(), LedgerError> {
        let result = sqlx::query(
            "INSERT INTO ledger_logs (log_id, created_at_us, head_position, head_hash, head_recorded_at_us)
             VALUES ($1, $2, 0, $3, $2)",
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
        let row = sqlx::query("SELECT head_position, head_hash, head_recorded_at_us FROM ledger_logs WHERE log_id = $1")
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
            "SELECT fingerprint, first_position, last_position FROM ledger_commands WHERE log_id = $1 AND command_id = $2",
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

    pub(crate) async fn read_raw(
        &self,
        log: &LogId,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<RawEvent>, LedgerError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            event_columns!(),
            " FROM ledger_events WHERE log_id = $1 AND position >= $2 AND position <= $3 ORDER BY position LIMIT $4"
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

pub(crate) async fn commit_batch(
    conn: &mut PgConnection,
    requests: &[(LogId, Commit)],
    now_us: i64,
) -> Result<Plan, LedgerError> {
    let mut tx = conn.begin().await?;
    let snapshot = load_snapshot(&mut tx, requests).await?;
    let plan = plan::plan(requests, snapshot, now_us);
    write_plan(&mut tx, &plan).await?;
    tx.commit().await?;
    Ok(plan)
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

async fn write_plan(conn: &mut PgConnection, plan: &Plan) -> Result<(), LedgerError> {
    if plan.events.is_empty() {
        return Ok(());
    }
    let events = &plan.events;
    let texts = |f: fn(&crate::RecordedEvent) -> &str| events.iter().map(f).collect::<Vec<&str>>();
    let ints = |f: fn(&crate::RecordedEvent) -> i64| events.iter().map(f).collect::<Vec<i64>>();
    let bytes =
        |f: fn(&crate::RecordedEvent) -> &[u8]| events.iter().map(f).collect::<Vec<&[u8]>>();
    let (command_logs, command_ids, fingerprints, firsts, lasts) = plan.commands.iter().fold(
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new()),
        |mut acc, (log, command, stored)| {
            acc.0.push(log.as_str());
            acc.1.push(command.as_str());
            acc.2.push(stored.fingerprint.as_bytes().as_slice());
            acc.3.push(to_db(stored.first.get()));
            acc.4.push(to_db(stored.last.get()));
            acc
        },
    );
    let head_logs: Vec<&str> = plan.heads.keys().map(LogId::as_str).collect();
    let head_positions: Vec<i64> = plan
        .heads
        .values()
        .map(|h| to_db(h.position.get()))
        .collect();
    let head_hashes: Vec<&[u8]> = plan
        .heads
        .values()
        .map(|h| h.hash.as_bytes().as_slice())
        .collect();
    let head_times: Vec<i64> = plan.heads.values().map(|h| h.recorded_at_us).collect();

    sqlx::query(
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
    )
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
    .bind(&command_logs)
    .bind(&command_ids)
    .bind(&fingerprints)
    .bind(&firsts)
    .bind(&lasts)
    .bind(&head_logs)
    .bind(&head_positions)
    .bind(&head_hashes)
    .bind(&head_times)
    .execute(&mut *conn)
    .await?;
    if !plan.records.is_empty() {
        let logs: Vec<&str> = plan.records.iter().map(|(l, _, _)| l.as_str()).collect();
        let ids: Vec<&str> = plan.records.iter().map(|(_, _, r)| r.id()).collect();
        let at: Vec<i64> = plan
            .records
            .iter()
            .map(|(_, p, _)| to_db(p.get()))
            .collect();
        let salts: Vec<&[u8]> = plan
            .records
            .iter()
            .map(|(_, _, r)| r.salt().as_slice())
            .collect();
        let data: Vec<&str> = plan.records.iter().map(|(_, _, r)| r.data()).collect();
        sqlx::query(
            "INSERT INTO ledger_personal_records (log_id, record_id, stored_at, salt, data)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::bytea[], $5::text[])",
        )
        .bind(&logs)
        .bind(&ids)
        .bind(&at)
        .bind(&salts)
        .bind(&data)
        .execute(&mut *conn)
        .await?;
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
