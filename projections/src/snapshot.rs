//! Snapshots of projection states, so that a start does not replay the whole log.
//!
//! A snapshot is a cache, never the truth: it names the position and the hash of the event it
//! was taken after, and the runtime uses it only if the log still has that hash there and the
//! projection's version is unchanged. So the table has no migrations: a new layout is a new
//! table name (`projection_snapshots_v2`), and the old table may simply be dropped.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use verbund_ledger::{ChainHash, LogId, Position};

use crate::ProjectionError;

/// A stored snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The position of the last event folded into the state.
    pub position: Position,
    /// That event's hash.
    pub event_hash: ChainHash,
    /// The serialized state.
    pub state: Vec<u8>,
}

/// Where snapshots are kept: on PostgreSQL the log's database; on SQLite a file of their own
/// beside the log's (see [`SnapshotStore::open`]).
#[derive(Clone, Debug)]
pub enum SnapshotStore {
    /// A SQLite file beside the log's.
    Sqlite(SqlitePool),
    /// A PostgreSQL database (and schema, per the URL's `search_path`).
    Postgres(PgPool),
}

const SQLITE_TABLE: &str = "CREATE TABLE IF NOT EXISTS projection_snapshots_v1 (
    log_id      TEXT    NOT NULL,
    projection  TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    event_hash  BLOB    NOT NULL,
    state       BLOB    NOT NULL,
    taken_at_us INTEGER NOT NULL,
    PRIMARY KEY (log_id, projection)
) STRICT";

const POSTGRES_TABLE: &str = "CREATE TABLE IF NOT EXISTS projection_snapshots_v1 (
    log_id      TEXT   NOT NULL,
    projection  TEXT   NOT NULL,
    version     BIGINT NOT NULL,
    position    BIGINT NOT NULL,
    event_hash  BYTEA  NOT NULL,
    state       BYTEA  NOT NULL,
    taken_at_us BIGINT NOT NULL,
    PRIMARY KEY (log_id, projection)
)";

/// Connections for snapshots: few, they are written now and then.
const POOL_CONNECTIONS_MAX: u32 = 2;

/// Earlier versions kept SQLite snapshots in the log's own file, in this table. Nothing reads
/// it any more, and for a large cooperative it holds hundreds of megabytes.
const LEGACY_SQLITE_TABLE: &str = "projection_snapshots_v1";

/// Drops the snapshots table an earlier version left in the log's file, if the file and the
/// table exist. Its pages go to the file's free list, where the log's next pages come from. A
/// cache is dropped, never the truth: the next snapshot is written beside the log.
async fn drop_legacy_table(log_file: &SqliteConnectOptions) -> Result<(), ProjectionError> {
    use sqlx::{ConnectOptions as _, Connection as _};
    let path = log_file.get_filename();
    if !path.is_file() {
        return Ok(());
    }
    let mut conn = log_file
        .clone()
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(5))
        .connect()
        .await?;
    let present: Option<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?")
            .bind(LEGACY_SQLITE_TABLE)
            .fetch_optional(&mut conn)
            .await?;
    if present.is_some() {
        sqlx::query(&format!("DROP TABLE {LEGACY_SQLITE_TABLE}"))
            .execute(&mut conn)
            .await?;
        tracing::info!(
            file = %path.display(),
            "dropped the snapshots an earlier version kept in the log's file; they are now kept beside it"
        );
    }
    conn.close().await?;
    Ok(())
}

impl SnapshotStore {
    /// On SQLite, the snapshots' file is the log's file name with this appended.
    pub const SQLITE_FILE_SUFFIX: &str = ".snapshots";

    /// Connects to the database at `url` (the ledger's) and creates the table if needed.
    ///
    /// On SQLite the snapshots go to a file of their own beside the log's, the log's file name
    /// with [`Self::SQLITE_FILE_SUFFIX`]: SQLite has one writer per file, and a snapshot of a large
    /// cooperative (a hundred megabytes) written into the log's file held every append back
    /// for as long as it took (measured: up to 0.9 s). A snapshot is a cache; a missing or
    /// lost file only makes the next start fold the log from position 1.
    pub async fn open(url: &str) -> Result<Self, ProjectionError> {
        if url.starts_with("sqlite:") {
            let log_file = SqliteConnectOptions::from_str(url)?;
            let in_memory = log_file.get_filename() == std::path::Path::new(":memory:");
            if !in_memory {
                drop_legacy_table(&log_file).await?;
            }
            let options = if in_memory {
                log_file
            } else {
                let mut name = log_file.get_filename().as_os_str().to_owned();
                name.push(Self::SQLITE_FILE_SUFFIX);
                log_file
                    .filename(name)
                    .create_if_missing(true)
                    // A cache: an unclean stop may lose the last snapshot, never corrupt it.
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
            }
            .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(POOL_CONNECTIONS_MAX)
                // A local file cannot have hung up (see the ledger's pool).
                .test_before_acquire(false)
                .connect_with(options)
                .await?;
            sqlx::query(SQLITE_TABLE).execute(&pool).await?;
            Ok(Self::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(POOL_CONNECTIONS_MAX)
                .connect_with(options)
                .await?;
            // Two processes starting together may both try; the loser's error is harmless
            // only if the table is there afterwards, which the retry checks.
            if sqlx::query(POSTGRES_TABLE).execute(&pool).await.is_err() {
                sqlx::query(POSTGRES_TABLE).execute(&pool).await?;
            }
            Ok(Self::Postgres(pool))
        } else {
            Err(ProjectionError::Snapshot(format!(
                "unsupported database URL for snapshots: {}",
                url.split(':').next().unwrap_or_default()
            )))
        }
    }

    /// The snapshot of `projection` at `version` for `log`, if there is one.
    pub async fn load(
        &self,
        log: &LogId,
        projection: &str,
        version: u32,
    ) -> Result<Option<Snapshot>, ProjectionError> {
        let row: Option<(i64, Vec<u8>, Vec<u8>)> = match self {
            Self::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT position, event_hash, state FROM projection_snapshots_v1
                     WHERE log_id = ? AND projection = ? AND version = ?",
                )
                .bind(log.as_str())
                .bind(projection)
                .bind(i64::from(version))
                .fetch_optional(pool)
                .await?
            }
            Self::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT position, event_hash, state FROM projection_snapshots_v1
                     WHERE log_id = $1 AND projection = $2 AND version = $3",
                )
                .bind(log.as_str())
                .bind(projection)
                .bind(i64::from(version))
                .fetch_optional(pool)
                .await?
            }
        };
        let Some((position, hash, state)) = row else {
            return Ok(None);
        };
        let position = u64::try_from(position)
            .map(Position::new)
            .map_err(|_| ProjectionError::Snapshot(format!("negative position {position}")))?;
        let event_hash = ChainHash::from_slice(&hash)
            .ok_or_else(|| ProjectionError::Snapshot("a snapshot's hash is not 32 bytes".into()))?;
        Ok(Some(Snapshot {
            position,
            event_hash,
            state,
        }))
    }

    /// Stores (replaces) the snapshot of `projection` for `log`.
    pub async fn save(
        &self,
        log: &LogId,
        projection: &str,
        version: u32,
        snapshot: &Snapshot,
    ) -> Result<(), ProjectionError> {
        let position = i64::try_from(snapshot.position.get())
            .map_err(|_| ProjectionError::Snapshot("position out of range".into()))?;
        let taken_at_us = jiff::Timestamp::now().as_microsecond();
        let sql = match self {
            Self::Sqlite(_) => {
                "INSERT INTO projection_snapshots_v1
                 (log_id, projection, version, position, event_hash, state, taken_at_us)
                 VALUES (?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (log_id, projection) DO UPDATE SET version = excluded.version,
                 position = excluded.position, event_hash = excluded.event_hash,
                 state = excluded.state, taken_at_us = excluded.taken_at_us"
            }
            Self::Postgres(_) => {
                "INSERT INTO projection_snapshots_v1
                 (log_id, projection, version, position, event_hash, state, taken_at_us)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (log_id, projection) DO UPDATE SET version = excluded.version,
                 position = excluded.position, event_hash = excluded.event_hash,
                 state = excluded.state, taken_at_us = excluded.taken_at_us"
            }
        };
        macro_rules! run {
            ($pool:expr) => {
                sqlx::query(sql)
                    .bind(log.as_str())
                    .bind(projection)
                    .bind(i64::from(version))
                    .bind(position)
                    .bind(snapshot.event_hash.as_bytes().as_slice())
                    .bind(snapshot.state.as_slice())
                    .bind(taken_at_us)
                    .execute($pool)
                    .await?
                    .rows_affected()
            };
        }
        match self {
            Self::Sqlite(pool) => run!(pool),
            Self::Postgres(pool) => run!(pool),
        };
        Ok(())
    }

    /// Deletes every snapshot of `log`, so the next start folds it from position 1.
    pub async fn clear(&self, log: &LogId) -> Result<u64, ProjectionError> {
        let done = match self {
            Self::Sqlite(pool) => {
                sqlx::query("DELETE FROM projection_snapshots_v1 WHERE log_id = ?")
                    .bind(log.as_str())
                    .execute(pool)
                    .await?
                    .rows_affected()
            }
            Self::Postgres(pool) => {
                sqlx::query("DELETE FROM projection_snapshots_v1 WHERE log_id = $1")
                    .bind(log.as_str())
                    .execute(pool)
                    .await?
                    .rows_affected()
            }
        };
        Ok(done)
    }

    /// Closes the pool.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}
