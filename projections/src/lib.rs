//! Read models folded from the event log (the register, the tokens, the aggregates the commands
//! decide on, the books' journal), kept current by a runtime per log, rebuildable from position 1
//! beside the live ones, and computable as of any past position or moment.
//!
//! Architecture invariant: a projection is a pure fold of events ([`Projection::apply`]); it
//! may lag the log, never contradict it. An event it cannot decode stops the runtime rather
//! than being skipped. State lives in memory; snapshots (a cache, validated against the log's
//! hash at their position) spare a start from replaying the whole log. The only SQL here is the
//! snapshot table.
//!
//! # Layout
//! - `envelope`: [`Envelope`], a recorded event with its payload decoded.
//! - `projection`: the [`Projection`] trait, [`Folded`], and [`View`] (live state behind a lock).
//! - `runtime`: [`Runtime`], one task per log: catch-up, live, snapshots, rebuild, waits.
//! - `snapshot`: [`SnapshotStore`], SQL for SQLite and PostgreSQL.
//! - `replay`: [`fold_until`] (as of a position), [`position_at`] (as of a moment).
//! - `views`: [`Views`], the read models of a cooperative.
//! - `register`, `tokens`: the read models; `aggregates`: the write side's states with their
//!   stream versions, from which commands decide; `journal`: the books (every booking of every
//!   money event) and their reports.

mod aggregates;
mod envelope;
mod error;
mod journal;
mod projection;
mod register;
mod replay;
mod runtime;
mod snapshot;
mod tokens;
mod views;

pub use aggregates::{Aggregates, Ballot, Versioned};
pub use envelope::Envelope;
pub use error::ProjectionError;
pub use journal::{AccountTotal, BalanceSheet, IncomeStatement, Journal, JournalEntry, LedgerLine};
pub use projection::{Folded, Projection, View};
pub use register::{CapitalMove, CoopRecord, Effective, MemberRecord, Register};
pub use replay::{fold_until, position_at};
pub use runtime::{Runtime, RuntimeOptions, StartReport, Status};
pub use snapshot::{Snapshot, SnapshotStore};
pub use tokens::{TokenRecord, Tokens};
pub use views::Views;
