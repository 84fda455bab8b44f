//! The projections runtime: feeds every projection of one log from the log, catch-up first,
//! then live; snapshots, rebuilds, and read-your-writes waits.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use verbund_ledger::{EventView, Ledger, LogId, Position, Subscription};

use crate::projection::{Feed, Fold, Frozen};
use crate::snapshot::{Snapshot, SnapshotStore};
use crate::{Envelope, ProjectionError, Views};

/// Tuning of a [`Runtime`].
#[derive(Clone, Debug)]
pub struct RuntimeOptions {
    /// Events applied per write lock of a view.
    pub page_events_max: usize,
    /// A snapshot of every projection is taken after this many applied events (and at an
    /// orderly stop, if anything changed since the last). Zero turns the periodic ones off.
    pub snapshot_every_events: u64,
    /// …but not more often than this: a snapshot copies every state, which for large states
    /// under a heavy write load would otherwise cost more than the replay it saves.
    pub snapshot_interval_min: Duration,
    /// …nor more often than this many times as long as the last snapshot took, so that
    /// snapshots take at most this share of the time (50: 2%). A cooperative of 100,000
    /// members has states of a few hundred megabytes, a snapshot of them a core for a second
    /// or two; on two cores every 30 s that slowed every request now and then.
    pub snapshot_interval_cost_factor: u32,
    /// Pages read and decoded ahead of the runtime, waiting to be folded, so that reading,
    /// decoding and folding overlap on the machine's cores (at least 1).
    pub read_ahead_pages: usize,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        Self {
            page_events_max: 1_000,
            snapshot_every_events: 10_000,
            snapshot_interval_min: Duration::from_secs(30),
            snapshot_interval_cost_factor: 50,
            read_ahead_pages: 4,
        }
    }
}

impl RuntimeOptions {
    /// For a process that folds a log with nobody reading (`verbund rebuild`): pages of
    /// 10,000 events (no reader waits for a write lock, and fewer, larger pages cost less
    /// per event), no snapshots on the way (the caller takes one at the end).
    pub fn offline() -> Self {
        Self {
            page_events_max: READ_PAGE_EVENTS,
            snapshot_every_events: 0,
            ..Self::default()
        }
    }
}

/// Where the runtime stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Following the log.
    Running,
    /// Stopped on an event it cannot apply or an error of the database; reads fail with this
    /// message rather than answer from a state that lags forever.
    Failed(String),
    /// Stopped by [`Runtime::stop`].
    Stopped,
}

/// How a start went: where each projection began.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartReport {
    /// Per projection: its name and the position its snapshot restored (zero for none).
    pub restored: Vec<(&'static str, Position)>,
    /// Snapshots found but not used (another version, or the log has another event there).
    pub discarded: Vec<(&'static str, String)>,
}

enum Control {
    Rebuild {
        name: String,
        reply: oneshot::Sender<Result<Position, ProjectionError>>,
    },
    Install {
        feed: usize,
        fold: Box<dyn Fold>,
        reply: oneshot::Sender<Result<Position, ProjectionError>>,
    },
    Snapshot {
        reply: oneshot::Sender<Result<(), ProjectionError>>,
    },
    Stop {
        reply: oneshot::Sender<()>,
    },
}

/// Keeps the [`Views`] of one log current. One task per log; reads go to the views directly.
#[derive(Debug)]
pub struct Runtime {
    log: LogId,
    views: Arc<Views>,
    position: watch::Receiver<Position>,
    status: watch::Receiver<Status>,
    control: mpsc::Sender<Control>,
    applied: Arc<AtomicU64>,
    snapshots_taken: Arc<AtomicU64>,
    task: std::sync::Mutex<Option<JoinHandle<()>>>,
    report: StartReport,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Control::Rebuild { .. } => "Rebuild",
            Control::Install { .. } => "Install",
            Control::Snapshot { .. } => "Snapshot",
            Control::Stop { .. } => "Stop",
        })
    }
}

impl Runtime {
    /// Restores every projection of `log` from its snapshot where a valid one exists, and starts
    /// following the log from the lowest position reached.
    pub async fn start(
        ledger: Ledger,
        snapshots: Option<SnapshotStore>,
        log: LogId,
        options: RuntimeOptions,
    ) -> Result<Self, ProjectionError> {
        let views = Arc::new(Views::default());
        let feeds = views.feeds();
        let mut report = StartReport {
            restored: Vec::new(),
            discarded: Vec::new(),
        };
        if let Some(store) = &snapshots {
            for feed in &feeds {
                // A snapshot is a cache: one that cannot be read is discarded like a stale one.
                let restored = restore(&ledger, store, &log, feed.as_ref())
                    .await
                    .unwrap_or_else(|e| Err(format!("the snapshot cannot be read: {e}")));
                match restored {
                    Ok(position) => report.restored.push((feed.name(), position)),
                    Err(why) => {
                        tracing::warn!(log = %log, projection = feed.name(), "snapshot discarded: {why}");
                        report.restored.push((feed.name(), Position::ZERO));
                        report.discarded.push((feed.name(), why));
                    }
                }
            }
        }
        let start = feeds
            .iter()
            .map(|feed| feed.position())
            .min()
            .unwrap_or(Position::ZERO);
        let subscription = ledger.subscribe(&log, start.next()).await?;
        let (position_tx, position) = watch::channel(start);
        let (status_tx, status) = watch::channel(Status::Running);
        let (control, control_rx) = mpsc::channel(16);
        let applied = Arc::new(AtomicU64::new(0));
        let snapshots_taken = Arc::new(AtomicU64::new(0));
        let worker = Worker {
            ledger,
            log: log.clone(),
            folding: Folding::new(feeds),
            snapshots,
            options,
            position: position_tx,
            status: status_tx,
            control: control_rx,
            control_tx: control.downgrade(),
            applied: Arc::clone(&applied),
            since_snapshot: 0,
            snapshotting: None,
            last_snapshot: std::time::Instant::now(),
            last_snapshot_cost_us: Arc::new(AtomicU64::new(0)),
            snapshots_taken: Arc::clone(&snapshots_taken),
        };
        let task = tokio::spawn(worker.run(subscription));
        Ok(Self {
            log,
            views,
            position,
            status,
            control,
            applied,
            snapshots_taken,
            task: std::sync::Mutex::new(Some(task)),
            report,
        })
    }

    /// The log this runtime follows.
    pub fn log(&self) -> &LogId {
        &self.log
    }

    /// The read models.
    pub fn views(&self) -> &Views {
        &self.views
    }

    /// The position every projection has reached.
    pub fn position(&self) -> Position {
        *self.position.borrow()
    }

    /// Where the runtime stands.
    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }

    /// Events applied since the start (not counting those restored from snapshots).
    pub fn events_applied(&self) -> u64 {
        self.applied.load(Ordering::Relaxed)
    }

    /// Snapshots stored since the start (each of every projection), in the background or on
    /// request.
    pub fn snapshots_taken(&self) -> u64 {
        self.snapshots_taken.load(Ordering::Relaxed)
    }

    /// How the start went.
    pub fn start_report(&self) -> &StartReport {
        &self.report
    }

    /// Waits until every projection has reached `position` (read-your-writes), at most
    /// `timeout`.
    pub async fn wait_for(
        &self,
        position: Position,
        timeout: Duration,
    ) -> Result<Position, ProjectionError> {
        let mut reached = self.position.clone();
        let mut status = self.status.clone();
        let wait = async {
            loop {
                let now = *reached.borrow_and_update();
                if now >= position {
                    return Ok(now);
                }
                let stopped = match &*status.borrow_and_update() {
                    Status::Running => None,
                    Status::Failed(why) => Some(ProjectionError::Failed(why.clone())),
                    Status::Stopped => Some(ProjectionError::Stopped),
                };
                if let Some(error) = stopped {
                    return Err(error);
                }
                tokio::select! {
                    changed = reached.changed() => {
                        if changed.is_err() {
                            return Err(ProjectionError::Failed("the runtime stopped".into()));
                        }
                    }
                    _ = status.changed() => {}
                }
            }
        };
        match tokio::time::timeout(timeout, wait).await {
            Ok(result) => result,
            Err(_) => Err(ProjectionError::Lagging {
                wanted: position,
                reached: self.position(),
            }),
        }
    }

    /// Rebuilds the projection `name` from position 1 beside the live one, while the live one
    /// goes on serving and following the log, and swaps it in when it has caught up. Returns
    /// the position of the swap.
    pub async fn rebuild(&self, name: &str) -> Result<Position, ProjectionError> {
        let (reply, answer) = oneshot::channel();
        self.control
            .send(Control::Rebuild {
                name: name.to_owned(),
                reply,
            })
            .await
            .map_err(|_| ProjectionError::Stopped)?;
        answer.await.map_err(|_| ProjectionError::Stopped)?
    }

    /// Takes a snapshot of every projection now.
    pub async fn snapshot(&self) -> Result<(), ProjectionError> {
        let (reply, answer) = oneshot::channel();
        self.control
            .send(Control::Snapshot { reply })
            .await
            .map_err(|_| ProjectionError::Stopped)?;
        answer.await.map_err(|_| ProjectionError::Stopped)?
    }

    /// Stops following the log, after a last snapshot.
    pub async fn stop(&self) {
        let (reply, answer) = oneshot::channel();
        if self.control.send(Control::Stop { reply }).await.is_ok() {
            let _ = answer.await;
        }
        let task = self
            .task
            .lock()
            .expect("the task slot's lock is never poisoned")
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

/// Restores one projection from its snapshot; the inner error says why a snapshot was not used.
async fn restore(
    ledger: &Ledger,
    store: &SnapshotStore,
    log: &LogId,
    feed: &dyn Feed,
) -> Result<Result<Position, String>, ProjectionError> {
    let Some(snapshot) = store.load(log, feed.name(), feed.version()).await? else {
        return Ok(Ok(Position::ZERO));
    };
    if snapshot.position == Position::ZERO {
        return Ok(Ok(Position::ZERO));
    }
    let events = ledger.read_log(log, snapshot.position, 1).await?;
    match events.first() {
        Some(event) if event.position == snapshot.position && event.hash == snapshot.event_hash => {
        }
        Some(_) => {
            return Ok(Err(format!(
                "the log has another event at position {} than the snapshot was taken after",
                snapshot.position
            )));
        }
        None => {
            return Ok(Err(format!(
                "the log ends before position {}, where the snapshot was taken",
                snapshot.position
            )));
        }
    }
    match feed.restore(snapshot.position, &snapshot.state) {
        Ok(()) => Ok(Ok(snapshot.position)),
        Err(e) => Ok(Err(e.to_string())),
    }
}

mod folding;
mod reader;
mod snapshots;
mod worker;

use folding::Folding;
use reader::*;
use snapshots::*;
use worker::*;

pub(crate) use worker::READ_PAGE_EVENTS;

#[cfg(test)]
mod tests;
