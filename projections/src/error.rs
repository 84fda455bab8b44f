//! The one error type of the projections.

use verbund_domain::DecodeError;
use verbund_ledger::{LedgerError, Position};

/// What can go wrong while projecting or reading projections.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// Reading the log failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The snapshot table failed.
    #[error("snapshot database: {0}")]
    Database(#[from] sqlx::Error),
    /// A snapshot could not be written or read.
    #[error("snapshot: {0}")]
    Snapshot(String),
    /// An event of the log cannot be decoded by this build.
    #[error("the event at position {position} cannot be read: {source}")]
    Decode {
        /// Its position.
        position: Position,
        /// Why.
        source: DecodeError,
    },
    /// A read-your-writes wait ran out of time.
    #[error("the projections reached position {reached}, not yet {wanted}")]
    Lagging {
        /// The position asked for.
        wanted: Position,
        /// The position reached when the wait ended.
        reached: Position,
    },
    /// The runtime stopped on an error.
    #[error("the projections stopped: {0}")]
    Failed(String),
    /// The runtime was stopped.
    #[error("the projections runtime is stopped")]
    Stopped,
    /// No projection has this name.
    #[error("there is no projection {0:?}")]
    UnknownProjection(String),
}
