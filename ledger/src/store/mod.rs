//! Storage backends. All SQL of the ledger lives here, one module per database; the decisions
//! live in [`crate::plan`], shared by both.

use std::ops::ControlFlow;

use sqlx::{ColumnIndex, Decode, Row, Type};

use crate::hash::ChainHash;
use crate::ids::from_db;
use crate::plan::{Head, StoredCommand};
use crate::{
    Actor, CommandId, Commit, CorrelationId, EventType, EventView, LedgerError, LogId, Metadata,
    Payload, Position, RecordedEvent, StreamId, StreamVersion,
};

/// The queries that read the same on both databases, written once: each store's `impl`
/// expands them over its own `pool`. Their placeholders are PostgreSQL's `$1`, `$2`, …, which
/// SQLite reads as named parameters numbered in the order they first appear, so each query
/// names them in ascending order.
macro_rules! queries_alike {
    () => {
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
                "INSERT INTO ledger_halts (log_id, position, kind, detail, halted_at_us) VALUES ($1, $2, $3, $4, $5)
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
            sqlx::query("DELETE FROM ledger_halts WHERE log_id = $1")
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
    };
}
pub(crate) use queries_alike;

pub(crate) mod postgres;
pub(crate) mod sqlite;

/// Schema migrations, compiled into the binary: (version, description, SQL). Append only; an
/// applied migration is never edited (sqlx refuses to start on a changed checksum).
pub(crate) type Migrations = [(i64, &'static str, &'static str)];

pub(crate) const SQLITE_MIGRATIONS: [(i64, &str, &str); 4] = [
    (
        1,
        "ledger",
        include_str!("../../migrations/sqlite/0001_ledger.sql"),
    ),
    (
        2,
        "personal records",
        include_str!("../../migrations/sqlite/0002_personal_records.sql"),
    ),
    (
        3,
        "deferred indexes",
        include_str!("../../migrations/sqlite/0003_deferred_indexes.sql"),
    ),
    (
        4,
        "halts",
        include_str!("../../migrations/sqlite/0004_halts.sql"),
    ),
];
pub(crate) const POSTGRES_MIGRATIONS: [(i64, &str, &str); 4] = [
    (
        1,
        "ledger",
        include_str!("../../migrations/postgres/0001_ledger.sql"),
    ),
    (
        2,
        "personal records",
        include_str!("../../migrations/postgres/0002_personal_records.sql"),
    ),
    (
        3,
        "no row foreign keys",
        include_str!("../../migrations/postgres/0003_no_row_foreign_keys.sql"),
    ),
    (
        4,
        "halts",
        include_str!("../../migrations/postgres/0004_halts.sql"),
    ),
];

/// The embedded migrations as a sqlx migration source.
#[derive(Debug)]
struct Embedded(&'static Migrations);

impl sqlx::migrate::MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> futures_util::future::BoxFuture<
        'static,
        Result<Vec<sqlx::migrate::Migration>, sqlx::error::BoxDynError>,
    > {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|&(version, description, sql)| {
                    sqlx::migrate::Migration::new(
                        version,
                        description.into(),
                        sqlx::migrate::MigrationType::Simple,
                        sql.into(),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// Applies the migrations that `pool`'s database lacks.
pub(crate) async fn migrate<'a, A>(
    pool: A,
    migrations: &'static Migrations,
) -> Result<(), LedgerError>
where
    A: sqlx::Acquire<'a>,
    <A::Connection as std::ops::Deref>::Target: sqlx::migrate::Migrate,
{
    sqlx::migrate::Migrator::new(Embedded(migrations))
        .await?
        .run(pool)
        .await?;
    Ok(())
}

/// The columns of an event row in the order [`RawEvent::from_row`] decodes them.
macro_rules! event_columns {
    () => {
        "position, stream_id, stream_version, event_type, schema_version, payload, actor, command_id, \
         correlation_id, recorded_at_us, prev_hash, hash"
    };
}
pub(crate) use event_columns;

/// The columns of an event row a reader without the chain's fields takes
/// ([`RowVisitor::CHAIN_FIELDS`]): those of [`event_columns!`] before the command id, then the
/// commit time.
macro_rules! view_columns {
    () => {
        "position, stream_id, stream_version, event_type, schema_version, payload, actor, \
         recorded_at_us"
    };
}
pub(crate) use view_columns;

/// An event row exactly as stored, without validation: what `verify` hashes, and what reads turn
/// into a [`RecordedEvent`].
#[derive(Debug)]
pub(crate) struct RawEvent {
    pub position: i64,
    pub stream_id: String,
    pub stream_version: i64,
    pub event_type: String,
    pub schema_version: i64,
    pub payload: String,
    pub actor: String,
    pub command_id: String,
    pub correlation_id: String,
    pub recorded_at_us: i64,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

impl RawEvent {
    pub(crate) fn from_row<R>(row: &R) -> Result<Self, sqlx::Error>
    where
        R: Row,
        usize: ColumnIndex<R>,
        for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
        for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
        for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
    {
        Ok(Self {
            position: row.try_get(0)?,
            stream_id: row.try_get(1)?,
            stream_version: row.try_get(2)?,
            event_type: row.try_get(3)?,
            schema_version: row.try_get(4)?,
            payload: row.try_get(5)?,
            actor: row.try_get(6)?,
            command_id: row.try_get(7)?,
            correlation_id: row.try_get(8)?,
            recorded_at_us: row.try_get(9)?,
            prev_hash: row.try_get(10)?,
            hash: row.try_get(11)?,
        })
    }

    /// The row, borrowed, as verification reads it.
    pub(crate) fn as_ref(&self) -> EventRef<'_> {
        EventRef {
            position: self.position,
            stream_id: self.stream_id.as_bytes(),
            stream_version: self.stream_version,
            event_type: self.event_type.as_bytes(),
            schema_version: self.schema_version,
            payload: self.payload.as_bytes(),
            actor: self.actor.as_bytes(),
            command_id: self.command_id.as_bytes(),
            correlation_id: self.correlation_id.as_bytes(),
            recorded_at_us: self.recorded_at_us,
            prev_hash: &self.prev_hash,
            hash: &self.hash,
        }
    }

    /// Validates every field; a stored row that fails was not written by the ledger.
    pub(crate) fn into_event(self, log_id: &LogId) -> Result<RecordedEvent, LedgerError> {
        let corrupt = |what: &str| corrupt_event(log_id, self.position, what);
        let hash =
            |bytes: &[u8], what: &str| ChainHash::from_slice(bytes).ok_or_else(|| corrupt(what));
        Ok(RecordedEvent {
            log_id: log_id.clone(),
            position: Position::new(from_db(self.position, "position")?),
            stream_id: StreamId::parse(self.stream_id).map_err(|e| corrupt(&e.to_string()))?,
            stream_version: StreamVersion::new(from_db(self.stream_version, "stream version")?)
                .map_err(|e| corrupt(&e.to_string()))?,
            event_type: EventType::parse(self.event_type).map_err(|e| corrupt(&e.to_string()))?,
            schema_version: u32::try_from(self.schema_version)
                .map_err(|_| corrupt("schema version out of range"))?,
            payload: Payload::from_stored(self.payload),
            metadata: Metadata {
                actor: Actor::parse(self.actor).map_err(|e| corrupt(&e.to_string()))?,
                command_id: CommandId::parse(self.command_id)
                    .map_err(|e| corrupt(&e.to_string()))?,
                correlation_id: CorrelationId::parse(self.correlation_id)
                    .map_err(|e| corrupt(&e.to_string()))?,
                recorded_at_us: self.recorded_at_us,
            },
            prev_hash: hash(&self.prev_hash, "previous hash is not 32 bytes")?,
            hash: hash(&self.hash, "hash is not 32 bytes")?,
        })
    }
}

/// A stored event row, borrowed from wherever it was read; text as its stored bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EventRef<'a> {
    pub position: i64,
    pub stream_id: &'a [u8],
    pub stream_version: i64,
    pub event_type: &'a [u8],
    pub schema_version: i64,
    pub payload: &'a [u8],
    pub actor: &'a [u8],
    pub command_id: &'a [u8],
    pub correlation_id: &'a [u8],
    pub recorded_at_us: i64,
    pub prev_hash: &'a [u8],
    pub hash: &'a [u8],
}

impl<'a> EventRef<'a> {
    /// Checks the fields a view hands out as the owned event would check them, copying
    /// nothing; a stored row that fails was not written by the ledger.
    pub(crate) fn view(&self, log_id: &LogId) -> Result<EventView<'a>, LedgerError> {
        let corrupt = |what: &str| corrupt_event(log_id, self.position, what);
        let text = |bytes: &'a [u8], what: &str| {
            std::str::from_utf8(bytes).map_err(|_| corrupt(&format!("{what} is not UTF-8")))
        };
        let (stream_id, event_type, payload, actor) = (
            text(self.stream_id, "stream id")?,
            text(self.event_type, "event type")?,
            text(self.payload, "payload")?,
            text(self.actor, "actor")?,
        );
        StreamId::validate(stream_id).map_err(|e| corrupt(&e.to_string()))?;
        EventType::validate(event_type).map_err(|e| corrupt(&e.to_string()))?;
        Actor::validate(actor).map_err(|e| corrupt(&e.to_string()))?;
        Ok(EventView {
            position: Position::new(from_db(self.position, "position")?),
            stream_id,
            stream_version: StreamVersion::new(from_db(self.stream_version, "stream version")?)
                .map_err(|e| corrupt(&e.to_string()))?,
            event_type,
            schema_version: u32::try_from(self.schema_version)
                .map_err(|_| corrupt("schema version out of range"))?,
            payload,
            actor,
            recorded_at_us: self.recorded_at_us,
        })
    }
}

/// A stored event that the ledger did not write: `what` is wrong with it.
fn corrupt_event(log_id: &LogId, position: i64, what: &str) -> LedgerError {
    LedgerError::Corrupt(format!(
        "event at position {position} of log {log_id}: {what}"
    ))
}

/// What walks a page of stored rows in place ([`Store::read_visit`]): it is moved to where the
/// rows are read (on SQLite, a blocking thread walking them through the C API) and handed back
/// when the page is done.
pub(crate) trait RowVisitor: Send + 'static {
    /// Whether it reads the chain's fields (command and correlation ids, previous hash, hash).
    /// When not, a SQLite bulk read selects only the other columns and hands them over empty.
    const CHAIN_FIELDS: bool = true;

    /// Takes one row, in position order; `Break` ends the page.
    fn visit(&mut self, row: &EventRef<'_>) -> Result<ControlFlow<()>, LedgerError>;
}

/// Copies every row it is handed.
pub(crate) struct Collect(pub Vec<RawEvent>);

impl RowVisitor for Collect {
    fn visit(&mut self, e: &EventRef<'_>) -> Result<ControlFlow<()>, LedgerError> {
        let text = |bytes: &[u8], what: &str| {
            String::from_utf8(bytes.to_vec()).map_err(|_| {
                LedgerError::Corrupt(format!(
                    "the {what} at position {} is not UTF-8",
                    e.position
                ))
            })
        };
        self.0.push(RawEvent {
            position: e.position,
            stream_id: text(e.stream_id, "stream id")?,
            stream_version: e.stream_version,
            event_type: text(e.event_type, "event type")?,
            schema_version: e.schema_version,
            payload: text(e.payload, "payload")?,
            actor: text(e.actor, "actor")?,
            command_id: text(e.command_id, "command id")?,
            correlation_id: text(e.correlation_id, "correlation id")?,
            recorded_at_us: e.recorded_at_us,
            prev_hash: e.prev_hash.to_vec(),
            hash: e.hash.to_vec(),
        });
        Ok(ControlFlow::Continue(()))
    }
}

/// Hands every row of `raw` to `visitor`, until it breaks.
pub(crate) fn visit_raw<V: RowVisitor>(raw: &[RawEvent], mut visitor: V) -> Result<V, LedgerError> {
    for row in raw {
        if visitor.visit(&row.as_ref())?.is_break() {
            break;
        }
    }
    Ok(visitor)
}

/// Decodes a head from its stored columns.
pub(crate) fn head_from_db(
    position: i64,
    hash: &[u8],
    recorded_at_us: i64,
) -> Result<Head, LedgerError> {
    Ok(Head {
        position: Position::new(from_db(position, "head position")?),
        hash: ChainHash::from_slice(hash)
            .ok_or_else(|| LedgerError::Corrupt("head hash is not 32 bytes".into()))?,
        recorded_at_us,
    })
}

pub(crate) fn command_from_db(
    fingerprint: &[u8],
    first: i64,
    last: i64,
) -> Result<StoredCommand, LedgerError> {
    Ok(StoredCommand {
        fingerprint: ChainHash::from_slice(fingerprint)
            .ok_or_else(|| LedgerError::Corrupt("command fingerprint is not 32 bytes".into()))?,
        first: Position::new(from_db(first, "position")?),
        last: Position::new(from_db(last, "position")?),
    })
}

/// One entry of the stream index, in (stream, version) order, for the stream-version check of
/// `verify`.
#[derive(Debug)]
pub(crate) struct IndexEntry {
    pub stream_id: String,
    pub stream_version: i64,
    pub position: i64,
}

/// A personal-data record's row.
pub(crate) struct RecordRow {
    pub record_id: String,
    pub stored_at: i64,
    pub salt: Option<Vec<u8>>,
    pub data: Option<String>,
    pub erased_at: Option<i64>,
    pub erased_reason: Option<String>,
}

impl RecordRow {
    fn into_record(self) -> Result<(String, crate::StoredRecord), LedgerError> {
        let stored_at = Position::new(from_db(self.stored_at, "stored_at")?);
        let record = match (self.salt, self.data, self.erased_at) {
            (Some(salt), Some(data), None) => {
                let salt: [u8; 32] = salt.as_slice().try_into().map_err(|_| {
                    LedgerError::Corrupt(format!("record {} has a malformed salt", self.record_id))
                })?;
                crate::StoredRecord::Present {
                    commitment: crate::commitment(&salt, &data),
                    data,
                    stored_at,
                }
            }
            (None, None, Some(erased_at)) => crate::StoredRecord::Erased {
                stored_at,
                erased_at: Position::new(from_db(erased_at, "erased_at")?),
                reason: self.erased_reason.unwrap_or_default(),
            },
            _ => {
                return Err(LedgerError::Corrupt(format!(
                    "record {} is neither present nor erased",
                    self.record_id
                )));
            }
        };
        Ok((self.record_id, record))
    }
}

pub(crate) fn record_row<R>(row: &R) -> Result<RecordRow, LedgerError>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(RecordRow {
        record_id: row.try_get(0)?,
        stored_at: row.try_get(1)?,
        salt: row.try_get(2)?,
        data: row.try_get(3)?,
        erased_at: row.try_get(4)?,
        erased_reason: row.try_get(5)?,
    })
}

/// A database holding logs.
#[derive(Debug, Clone)]
pub(crate) enum Store {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

/// The connection the group-commit writer owns.
#[derive(Debug)]
pub(crate) enum WriterConnection {
    Sqlite(sqlite::SqliteWriter),
    Postgres(postgres::PgWriter),
}

impl WriterConnection {
    /// The write-ahead log to sync after each commit, when commits do not sync themselves
    /// (SQLite with pipelined durability); `None` when a commit is durable when it returns.
    pub(crate) fn pipelined_wal(&self) -> Option<std::path::PathBuf> {
        match self {
            WriterConnection::Sqlite(c) => c.wal_path(),
            WriterConnection::Postgres(_) => None,
        }
    }

    /// Falls back to syncing on every commit.
    pub(crate) fn sync_on_commit(&mut self) {
        if let WriterConnection::Sqlite(c) = self
            && let Err(e) = c.set_synchronous_full()
        {
            tracing::error!(error = %e, "cannot switch the writer to synchronous commits");
        }
    }

    /// Closes the connection cleanly.
    pub(crate) async fn close(self) -> Result<(), LedgerError> {
        match self {
            WriterConnection::Sqlite(c) => c.checkpoint()?,
            WriterConnection::Postgres(c) => c.close().await?,
        }
        Ok(())
    }

    /// Decides and writes one batch in one transaction; returns the plan that was committed.
    pub(crate) async fn commit_batch(
        &mut self,
        requests: &[(LogId, Commit)],
        now_us: i64,
    ) -> Result<crate::plan::Plan, LedgerError> {
        match self {
            WriterConnection::Sqlite(c) => c.commit_batch(requests, now_us),
            WriterConnection::Postgres(c) => c.commit_batch(requests, now_us).await,
        }
    }
}

/// Dispatches to the backend; each arm has the same signature.
macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Store::Sqlite($store) => $call,
            Store::Postgres($store) => $call,
        }
    };
}

impl Store {
    /// The SQLite file, for readers that go around sqlx; `None` on PostgreSQL.
    pub(crate) fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        match self {
            Store::Sqlite(s) => Some(s.path().to_owned()),
            Store::Postgres(_) => None,
        }
    }

    pub(crate) async fn connect(
        url: &str,
        pool_connections_max: u32,
        index_lag_events_max: u64,
        writer_streams_known_max: usize,
    ) -> Result<Self, LedgerError> {
        if url.starts_with("sqlite:") {
            Ok(Store::Sqlite(
                sqlite::SqliteStore::connect(url, pool_connections_max, index_lag_events_max)
                    .await?,
            ))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Store::Postgres(
                postgres::PgStore::connect(url, pool_connections_max, writer_streams_known_max)
                    .await?,
            ))
        } else {
            Err(LedgerError::UnsupportedUrl(url.chars().take(64).collect()))
        }
    }

    pub(crate) fn is_sqlite(&self) -> bool {
        matches!(self, Store::Sqlite(_))
    }

    pub(crate) async fn writer(&self) -> Result<WriterConnection, LedgerError> {
        Ok(match self {
            Store::Sqlite(s) => WriterConnection::Sqlite(s.writer(sqlite::Sync::Pipelined)?),
            Store::Postgres(s) => WriterConnection::Postgres(s.writer().await?),
        })
    }

    pub(crate) async fn create_log(&self, log: &LogId, now_us: i64) -> Result<(), LedgerError> {
        dispatch!(self, s => s.create_log(log, now_us).await)
    }

    /// Makes durable what other processes committed so far, before this process shows it to
    /// readers. On SQLite another process's commit is visible before its own sync of the
    /// write-ahead log (it syncs on a thread of its own, as this one does): syncing the file
    /// here covers its frames too. On PostgreSQL a commit is durable when it is visible.
    pub(crate) async fn sync_others(&self) -> Result<(), LedgerError> {
        match self {
            Store::Sqlite(s) => {
                let wal = std::path::PathBuf::from(format!("{}-wal", s.path().display()));
                tokio::task::spawn_blocking(move || match std::fs::File::open(&wal) {
                    Ok(file) => file.sync_data(),
                    // No write-ahead log: everything is in the database file, synced by the
                    // checkpoint that moved it there.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(e),
                })
                .await
                .map_err(|e| LedgerError::Internal(e.to_string()))?
                .map_err(|e| LedgerError::Internal(format!("syncing the write-ahead log: {e}")))
            }
            Store::Postgres(_) => Ok(()),
        }
    }

    pub(crate) async fn head(&self, log: &LogId) -> Result<Option<Head>, LedgerError> {
        dispatch!(self, s => s.head(log).await)
    }

    pub(crate) async fn find_command(
        &self,
        log: &LogId,
        command: &CommandId,
    ) -> Result<Option<StoredCommand>, LedgerError> {
        dispatch!(self, s => s.find_command(log, command).await)
    }

    pub(crate) async fn logs(&self) -> Result<Vec<(LogId, Head)>, LedgerError> {
        dispatch!(self, s => s.logs().await)
    }

    /// The logs halted because a verification found their chain broken, with the break.
    pub(crate) async fn halts(&self) -> Result<Vec<(LogId, crate::ChainBreak)>, LedgerError> {
        let rows: Vec<(String, i64, String, String)> = dispatch!(self, s => s.halts().await)?;
        rows.into_iter()
            .map(|(log, position, kind, detail)| {
                Ok((
                    LogId::parse(log)?,
                    crate::ChainBreak {
                        position: Position::new(crate::ids::from_db(position, "position")?),
                        kind: crate::BreakKind::parse(&kind).ok_or_else(|| {
                            LedgerError::Corrupt(format!("a halt of an unknown kind {kind:?}"))
                        })?,
                        detail,
                    },
                ))
            })
            .collect()
    }

    /// Records that `log` is halted at `found` (keeps an earlier halt's break).
    pub(crate) async fn set_halt(
        &self,
        log: &LogId,
        found: &crate::ChainBreak,
    ) -> Result<(), LedgerError> {
        let position = crate::ids::to_db(found.position.get());
        let kind = found.kind.as_str();
        let now = jiff::Timestamp::now().as_microsecond();
        dispatch!(self, s => s.set_halt(log, position, kind, &found.detail, now).await)
    }

    /// Lifts the halt of `log`.
    pub(crate) async fn clear_halt(&self, log: &LogId) -> Result<(), LedgerError> {
        dispatch!(self, s => s.clear_halt(log).await)
    }

    /// A page of the personal-data records of `log`, by record id after `after`.
    pub(crate) async fn records_page(
        &self,
        log: &LogId,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RecordRow>, LedgerError> {
        let limit = i64::try_from(limit).expect("pages are small");
        dispatch!(self, s => s.records_page(log, after.unwrap_or(""), limit).await)
    }

    /// The personal-data records of `log` with these ids (those that exist).
    pub(crate) async fn records(
        &self,
        log: &LogId,
        ids: &[&str],
    ) -> Result<Vec<(String, crate::StoredRecord)>, LedgerError> {
        let rows: Vec<RecordRow> = dispatch!(self, s => s.records(log, ids).await)?;
        rows.into_iter().map(RecordRow::into_record).collect()
    }

    /// Events from `from` on, at most `limit`, in position order, not beyond `to` if given.
    pub(crate) async fn read_raw(
        &self,
        log: &LogId,
        from: Position,
        to: Option<Position>,
        limit: usize,
    ) -> Result<Vec<RawEvent>, LedgerError> {
        let to = to.map_or(i64::MAX, |p| crate::ids::to_db(p.get()));
        let from = crate::ids::to_db(from.get());
        let limit = i64::try_from(limit).expect("limits are small");
        dispatch!(self, s => s.read_raw(log, from, to, limit).await)
    }

    /// Like [`Self::read_raw`], but hands each row in place to `visitor` instead of copying it
    /// into a [`RawEvent`]; returns the visitor.
    pub(crate) async fn read_visit<V: RowVisitor>(
        &self,
        log: &LogId,
        from: Position,
        to: Option<Position>,
        limit: usize,
        visitor: V,
    ) -> Result<V, LedgerError> {
        let to = to.map_or(i64::MAX, |p| crate::ids::to_db(p.get()));
        let from = crate::ids::to_db(from.get());
        let limit = i64::try_from(limit).expect("limits are small");
        match self {
            Store::Sqlite(s) => s.read_visit(log, from, to, limit, visitor).await,
            Store::Postgres(s) => s.read_visit(log, from, to, limit, visitor).await,
        }
    }

    /// Events of one stream from version `from` on, at most `limit`, not beyond position `to`.
    pub(crate) async fn read_stream(
        &self,
        log: &LogId,
        stream: &StreamId,
        from: StreamVersion,
        to: Option<Position>,
        limit: usize,
    ) -> Result<Vec<RawEvent>, LedgerError> {
        let from = crate::ids::to_db(from.get());
        let to = to.map_or(i64::MAX, |p| crate::ids::to_db(p.get()));
        let limit = i64::try_from(limit).expect("limits are small");
        dispatch!(self, s => s.read_stream(log, stream, from, to, limit).await)
    }

    /// One append in a transaction of its own on a pooled connection (the benchmark's baseline).
    #[cfg(feature = "bench")]
    pub(crate) async fn commit_unbatched(
        &self,
        requests: &[(LogId, Commit)],
        now_us: i64,
    ) -> Result<crate::plan::Plan, LedgerError> {
        match self {
            Store::Sqlite(s) => s.commit_unbatched(requests, now_us).await,
            Store::Postgres(s) => {
                postgres::commit_batch(&mut *s.pool.acquire().await?, requests, now_us).await
            }
        }
    }

    pub(crate) async fn close(&self) {
        dispatch!(self, s => s.close().await)
    }
}

/// The events of `raw`, validated.
pub(crate) fn into_events(
    log: &LogId,
    raw: Vec<RawEvent>,
) -> Result<Vec<RecordedEvent>, LedgerError> {
    raw.into_iter().map(|r| r.into_event(log)).collect()
}

/// What the storage tests inside this crate share.
#[cfg(test)]
pub(crate) mod testing {
    use crate::{
        Actor, CommandId, Commit, ExpectedVersion, Ledger, LogId, NewEvent, Position, StreamAppend,
        StreamId, StreamVersion,
    };

    /// Command `c{n}`: one event to `stream`.
    pub(crate) fn commit(n: u64, stream: &str, expected: ExpectedVersion) -> Commit {
        let event = NewEvent::json("Noted", 1, &serde_json::json!({ "n": n })).expect("valid");
        Commit::new(
            CommandId::parse(format!("c{n}")).expect("valid"),
            Actor::parse("test").expect("valid"),
            None,
            vec![StreamAppend::new(
                StreamId::parse(stream).expect("valid"),
                expected,
                vec![event],
            )],
        )
        .expect("valid")
    }

    /// Writes commands `c0`..`c29` to streams `s0`..`s2` in turn: the log a migration test
    /// copies into an older schema.
    pub(crate) async fn thirty_commands(ledger: &Ledger, log: &LogId) {
        ledger.create_log(log).await.expect("create");
        for n in 0..30 {
            ledger
                .append(log, commit(n, &format!("s{}", n % 3), ExpectedVersion::Any))
                .await
                .expect("append");
        }
    }

    /// After a migration, the log of [`thirty_commands`] verifies, its streams and commands are
    /// found, appends go on from the versions it holds, and an old command replays.
    pub(crate) async fn assert_migrated_and_goes_on(ledger: &Ledger, log: &LogId) {
        let report = ledger.verify(log, None, &mut |_| {}).await.expect("verify");
        assert!(report.is_intact(), "{:?}", report.first_break);
        assert_eq!(report.events_checked, 30);
        let s1 = StreamId::parse("s1").expect("valid");
        let read = ledger
            .read_stream(log, &s1, StreamVersion::FIRST, 100)
            .await
            .expect("read");
        assert_eq!(read.len(), 10);
        for n in 0..30 {
            let id = CommandId::parse(format!("c{n}")).expect("valid");
            assert!(
                ledger.find_command(log, &id).await.expect("find").is_some(),
                "command c{n}"
            );
        }
        let version = StreamVersion::new(10).expect("valid");
        let next = ledger
            .append(log, commit(30, "s1", ExpectedVersion::Exact(version)))
            .await
            .expect("goes on from version 10");
        assert_eq!(next.streams[0].last_version.get(), 11);
        assert_eq!(next.first_position, Position::new(31));
        let replay = ledger
            .append(log, commit(4, "s1", ExpectedVersion::Any))
            .await
            .expect("an old command replays");
        assert!(replay.replayed);
        let report = ledger.verify(log, None, &mut |_| {}).await.expect("verify");
        assert!(report.is_intact(), "{:?}", report.first_break);
        assert_eq!(report.events_checked, 31);
    }
}
