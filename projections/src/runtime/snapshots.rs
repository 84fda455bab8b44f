//! When the worker snapshots its projections, and how.

use super::*;

impl Worker {
    /// At a stop: waits for a snapshot under way, and snapshots every projection unless
    /// nothing changed since the last snapshot (`verbund rebuild` takes one before it stops),
    /// or since the start from snapshots.
    pub(super) async fn snapshot_at_stop(&mut self) {
        if self.since_snapshot > 0 {
            self.take_snapshots().await.ok();
        } else if let Some(previous) = self.snapshotting.take() {
            let _ = previous.await;
        }
    }

    /// Snapshots every projection and waits until they are stored.
    pub(super) async fn take_snapshots(&mut self) -> Result<(), ProjectionError> {
        if let Some(previous) = self.snapshotting.take() {
            // Waited for, so that two snapshots never write at once. Its failure was logged by
            // the task itself and says nothing about this one.
            let _ = previous.await;
        }
        match self.start_snapshots() {
            Some(task) => task
                .await
                .map_err(|e| ProjectionError::Snapshot(e.to_string()))?,
            None => Ok(()),
        }
    }

    /// Snapshots every projection in the background: the states are copied here (short read
    /// locks), serialized and stored beside the runtime, which goes on applying events. At
    /// most one such task runs; while it does, a new one is skipped.
    pub(super) fn snapshot_in_background(&mut self) {
        if self
            .snapshotting
            .as_ref()
            .is_some_and(|task| !task.is_finished())
        {
            return;
        }
        if let Some(previous) = self.snapshotting.take() {
            // Finished: its outcome was logged by the task itself.
            drop(previous);
        }
        self.snapshotting = self.start_snapshots();
    }

    pub(super) fn start_snapshots(&mut self) -> Option<JoinHandle<Result<(), ProjectionError>>> {
        let store = self.snapshots.clone()?;
        self.since_snapshot = 0;
        self.last_snapshot = std::time::Instant::now();
        let frozen: Vec<_> = self
            .folding
            .feeds
            .iter()
            .map(|feed| (feed.name(), feed.version(), feed.freeze()))
            .collect();
        let (ledger, log) = (self.ledger.clone(), self.log.clone());
        let cost = Arc::clone(&self.last_snapshot_cost_us);
        let taken = Arc::clone(&self.snapshots_taken);
        let started = std::time::Instant::now();
        Some(tokio::spawn(async move {
            let result = store_snapshots(&ledger, &store, &log, frozen).await;
            cost.store(
                u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
                Ordering::Relaxed,
            );
            match &result {
                Ok(()) => {
                    taken.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => tracing::warn!(log = %log, "snapshot failed: {e}"),
            }
            result
        }))
    }
}

/// Whether a snapshot is due after `since_events` events applied and `elapsed` since the last
/// one began, which took `last_cost`.
pub(super) fn snapshot_due(
    options: &RuntimeOptions,
    since_events: u64,
    elapsed: Duration,
    last_cost: Duration,
) -> bool {
    options.snapshot_every_events > 0
        && since_events >= options.snapshot_every_events
        && elapsed >= options.snapshot_interval_min
        && elapsed >= last_cost.saturating_mul(options.snapshot_interval_cost_factor)
}

pub(super) async fn store_snapshots(
    ledger: &Ledger,
    store: &SnapshotStore,
    log: &LogId,
    frozen: Vec<(&'static str, u32, Box<dyn Frozen>)>,
) -> Result<(), ProjectionError> {
    for (name, version, state) in frozen {
        let position = state.position();
        if position == Position::ZERO {
            continue;
        }
        let bytes = tokio::task::spawn_blocking(move || state.to_bytes())
            .await
            .map_err(|e| ProjectionError::Snapshot(e.to_string()))??;
        let event = ledger.read_event(log, position).await?.ok_or_else(|| {
            ProjectionError::Snapshot(format!("the log has no event at position {position}"))
        })?;
        let snapshot = Snapshot {
            position,
            event_hash: event.hash,
            state: bytes,
        };
        store.save(log, name, version, &snapshot).await?;
    }
    Ok(())
}
