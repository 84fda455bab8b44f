//! What the storage itself can do, as the ceiling `verbund bench append` measures appends
//! against (as `bench http` measures the API against a bare axum endpoint).

use std::time::Duration;

use crate::scratch::ScratchDatabase;
use crate::{Ledger, LedgerError, LedgerOptions, LogId};

/// Writes `events` rows shaped like `bench append`'s single-event appends into a fresh SQLite
/// file of the ledger's schema, in transactions of `per_commit` events, from one thread on a
/// connection set up as the writer's: per event a row of the events and one of the commands,
/// the head per transaction, the stream index in bulk as the writer takes it. No planning,
/// hashing, lookups, queue or sync. Returns the time the writes took: the most a writer that
/// must store these rows can do on this machine's SQLite.
pub async fn sqlite_inserts(events: u64, per_commit: usize) -> Result<Duration, LedgerError> {
    let db = ScratchDatabase::sqlite().map_err(|e| LedgerError::Internal(e.to_string()))?;
    let log = LogId::parse("ceiling")?;
    let ledger = Ledger::open(db.url(), LedgerOptions::default()).await?;
    ledger.create_log(&log).await?;
    let path = ledger
        .store()
        .sqlite_path()
        .expect("a scratch SQLite database is SQLite");
    ledger.close().await;
    tokio::task::spawn_blocking(move || {
        crate::store::sqlite::insert_ceiling(&path, log.as_str(), events, per_commit)
    })
    .await
    .map_err(|e| LedgerError::Internal(format!("the ceiling's thread failed: {e}")))?
}
