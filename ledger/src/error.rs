//! The one error type of the ledger.

use std::sync::Arc;

use crate::{CommandId, ExpectedVersion, LogId, StreamId, StreamVersion};

/// Everything that can go wrong in the ledger. Expected outcomes of an append that a caller acts
/// on (a version conflict, a reused command id) are variants of their own, so callers match on
/// them instead of parsing messages.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// An identifier did not match its rule.
    #[error("malformed {kind} {value:?}: it {reason}")]
    MalformedId {
        /// Which identifier, e.g. "stream id".
        kind: &'static str,
        /// The offending value (at most its first 64 characters).
        value: String,
        /// What rule it broke.
        reason: String,
    },
    /// An append without streams, or a stream append without events.
    #[error("empty append: {0}")]
    EmptyAppend(&'static str),
    /// An event whose payload exceeds [`crate::limits::EVENT_PAYLOAD_BYTES_MAX`], or an append
    /// over the limits of one call.
    #[error("too large: {what} is {size} bytes or items, at most {max} are allowed")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// A payload that is not acceptable JSON for the log.
    #[error("invalid payload: {0}")]
    InvalidPayload(String),
    /// Any other malformed append, e.g. the same stream twice in one call.
    #[error("invalid append: {0}")]
    InvalidAppend(String),
    /// The log does not exist in this database.
    #[error("unknown log {0}")]
    UnknownLog(LogId),
    /// The log takes no writes: a verification found its chain broken. It takes writes again
    /// once `Ledger::resume` (the operator's `verbund resume`) found the whole log intact.
    #[error("log {log} takes no writes: its chain is broken at position {}: {}", .found.position, .found.kind)]
    Halted {
        /// The log.
        log: LogId,
        /// Where and how its chain is broken.
        found: crate::ChainBreak,
    },
    /// `create_log` for a log that exists.
    #[error("log {0} already exists")]
    LogExists(LogId),
    /// The stream is not at the version the append expected; nothing of the append was written.
    #[error("version conflict on stream {stream}: expected {expected}, but it is {}", describe_actual(.actual))]
    Conflict {
        /// The stream.
        stream: StreamId,
        /// What the append expected.
        expected: ExpectedVersion,
        /// The stream's version at the time of the append, `None` if it did not exist.
        actual: Option<StreamVersion>,
    },
    /// The command id was used before for an append with other content.
    #[error("command id {0} was already used for a different append")]
    IdempotencyMismatch(CommandId),
    /// Stored data broke an invariant the ledger maintains (read-side assertion); `verify`
    /// gives the details.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database failed; `Arc` because one failed batch commit fails every append in it.
    #[error("database error")]
    Database(#[source] Arc<sqlx::Error>),
    /// SQLite failed, on a connection that goes around sqlx (the writer, verification).
    #[error("SQLite error")]
    Sqlite(#[source] Arc<rusqlite::Error>),
    /// Applying the schema migrations failed.
    #[error("database migration failed")]
    Migrate(#[source] Arc<sqlx::migrate::MigrateError>),
    /// The database URL is neither `sqlite:` nor `postgres:`.
    #[error("unsupported database url {0:?}: use sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
    /// A bug: a task of the ledger panicked or was cancelled.
    #[error("internal error: {0}")]
    Internal(String),
    /// The ledger's writer thread could not be started.
    #[error("cannot start the ledger's writer thread")]
    Runtime(#[source] Arc<std::io::Error>),
    /// The ledger's writer stopped (the ledger was closed or its task panicked).
    #[error("the ledger is closed")]
    Closed,
}

fn describe_actual(actual: &Option<StreamVersion>) -> String {
    match actual {
        Some(version) => format!("at version {version}"),
        None => "absent".into(),
    }
}

impl From<sqlx::Error> for LedgerError {
    fn from(error: sqlx::Error) -> Self {
        LedgerError::Database(Arc::new(error))
    }
}

impl From<rusqlite::Error> for LedgerError {
    fn from(error: rusqlite::Error) -> Self {
        LedgerError::Sqlite(Arc::new(error))
    }
}

impl From<sqlx::migrate::MigrateError> for LedgerError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        LedgerError::Migrate(Arc::new(error))
    }
}

impl LedgerError {
    /// A copy for the case where one failure ends several appends (a failed batch commit).
    pub(crate) fn duplicate(&self) -> LedgerError {
        match self {
            LedgerError::Database(e) => LedgerError::Database(Arc::clone(e)),
            LedgerError::Migrate(e) => LedgerError::Migrate(Arc::clone(e)),
            LedgerError::Sqlite(e) => LedgerError::Sqlite(Arc::clone(e)),
            LedgerError::Corrupt(m) => LedgerError::Corrupt(m.clone()),
            LedgerError::Closed => LedgerError::Closed,
            other => LedgerError::Corrupt(format!("batch failed: {other}")),
        }
    }

    /// True for a failure of the database or of the connection to it (I/O, a dropped
    /// connection, a busy file), after which the same read may succeed; false for what the
    /// ledger refuses, for corrupt data and for a closed ledger.
    pub fn is_database_failure(&self) -> bool {
        matches!(self, LedgerError::Database(_) | LedgerError::Sqlite(_))
    }

    /// True for a database error that a fresh attempt may not hit: a lock (another process
    /// writes), a dropped connection, or on PostgreSQL a lost race on a unique key (another
    /// process wrote first). Not a unique key on SQLite's writer: its transaction takes the
    /// write lock first and reads everything it decides on inside it, so no other process can
    /// have written in between, and a key taken there is taken for good (a personal-data record
    /// id used before, say): the batch goes straight to being committed append by append.
    pub(crate) fn is_transient(&self) -> bool {
        if let LedgerError::Sqlite(e) = self {
            return matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            );
        }
        let LedgerError::Database(e) = self else {
            return false;
        };
        match e.as_ref() {
            sqlx::Error::Database(db) => {
                db.is_unique_violation()
                    || matches!(
                        db.code().as_deref(),
                        // PostgreSQL: serialization failure, deadlock. SQLite: busy, locked.
                        Some("40001" | "40P01" | "5" | "6" | "517" | "261")
                    )
            }
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_failure(code: rusqlite::ErrorCode, extended_code: i32) -> LedgerError {
        LedgerError::from(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error {
                code,
                extended_code,
            },
            None,
        ))
    }

    /// On SQLite's writer a busy or locked file is worth another attempt; a key taken is not.
    #[test]
    fn on_sqlite_a_lock_is_transient_and_a_taken_key_is_not() {
        assert!(
            sqlite_failure(
                rusqlite::ErrorCode::DatabaseBusy,
                rusqlite::ffi::SQLITE_BUSY
            )
            .is_transient()
        );
        assert!(
            sqlite_failure(
                rusqlite::ErrorCode::DatabaseLocked,
                rusqlite::ffi::SQLITE_LOCKED
            )
            .is_transient()
        );
        for key in [
            rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE,
            rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY,
        ] {
            let taken = sqlite_failure(rusqlite::ErrorCode::ConstraintViolation, key);
            assert!(!taken.is_transient(), "{taken}");
            assert!(taken.is_database_failure());
        }
    }
}
