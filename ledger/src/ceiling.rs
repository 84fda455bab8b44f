//! What the storage itself can do, as the ceiling `verbund bench append` measures appends
//! against (as `bench http` measures the API against a bare axum endpoint).

use std::time::Duration;

use crate::{Ledger, LedgerError, LedgerOptions, LogId};

/// The shape of the rows the ceiling writes.
#[derive(Clone, Copy, Debug)]
pub struct CeilingRows {
    /// Events in all.
    pub events: u64,
    /// Events per transaction (the batch size of the run it is a ceiling for).
    pub per_commit: usize,
    /// Streams the events take turns on, each from version 1 (the run's writers).
    pub streams: u64,
}

/// Writes rows shaped like `bench append`'s single-event appends into a fresh SQLite file of
/// the ledger's schema beside `beside`'s file (so on the same disk), in transactions of
/// `per_commit` events, from one thread on a connection set up as the writer's: per event a
/// row of the events and one of the commands, the head per transaction, the stream index in
/// bulk as the writer takes it. No planning, hashing, lookups, queue or per-commit sync (the
/// checkpoints sync as the writer's do). Returns the time the writes took, the most a writer
/// that must store these rows can do on this SQLite and disk; `None` on PostgreSQL.
pub async fn sqlite_inserts(
    beside: &Ledger,
    rows: CeilingRows,
) -> Result<Option<Duration>, LedgerError> {
    let Some(target) = beside.store().sqlite_path() else {
        return Ok(None);
    };
    let parent = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let dir = tempfile::tempdir_in(&parent).map_err(|e| {
        LedgerError::Internal(format!(
            "cannot make the ceiling's directory in {}: {e}",
            parent.display()
        ))
    })?;
    let path = dir.path().join("ceiling.db");
    let log = LogId::parse("ceiling")?;
    let ledger = Ledger::open(
        &format!("sqlite:{}", path.display()),
        LedgerOptions::default(),
    )
    .await?;
    ledger.create_log(&log).await?;
    ledger.close().await;
    let took = tokio::task::spawn_blocking(move || {
        crate::store::sqlite::insert_ceiling(&path, log.as_str(), rows)
    })
    .await
    .map_err(|e| LedgerError::Internal(format!("the ceiling's thread failed: {e}")))??;
    drop(dir);
    Ok(Some(took))
}
