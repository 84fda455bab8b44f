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
    /// Threads that fold a page into the projections at once, each taking the next projection
    /// not yet folded (default: the machine's cores). The projections are independent states,
    /// so a page of many events (a start, a rebuild) is folded in about the time of the
    /// costliest ones instead of all of them one after the other. One folds on the runtime's
    /// own task only.
    pub fold_threads: usize,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        Self {
            page_events_max: 1_000,
            snapshot_every_events: 10_000,
            snapshot_interval_min: Duration::from_secs(30),
            snapshot_interval_cost_factor: 50,
            fold_threads: std::thread::available_parallelism().map_or(1, usize::from),
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
            folding: Folding::new(feeds, options.fold_threads),
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

struct Worker {
    ledger: Ledger,
    log: LogId,
    /// The views, fed by this.
    folding: Folding,
    snapshots: Option<SnapshotStore>,
    options: RuntimeOptions,
    position: watch::Sender<Position>,
    status: watch::Sender<Status>,
    control: mpsc::Receiver<Control>,
    /// For the worker's own tasks (a rebuild's result). Weak, so that dropping the last
    /// [`Runtime`] closes the control channel and the worker ends.
    control_tx: mpsc::WeakSender<Control>,
    applied: Arc<AtomicU64>,
    since_snapshot: u64,
    snapshotting: Option<JoinHandle<Result<(), ProjectionError>>>,
    last_snapshot: std::time::Instant,
    /// How long the last snapshot took to serialize and store, in microseconds.
    last_snapshot_cost_us: Arc<AtomicU64>,
    snapshots_taken: Arc<AtomicU64>,
}

impl Worker {
    async fn run(mut self, subscription: Subscription) {
        use futures_util::FutureExt as _;
        let page_max = self.options.page_events_max.max(1);
        let (mut pages, reader) = spawn_reader(
            self.ledger.clone(),
            subscription,
            page_max,
            self.log.clone(),
        );
        let followed = std::panic::AssertUnwindSafe(self.follow(&mut pages))
            .catch_unwind()
            .await;
        reader.abort();
        if let Err(panic) = followed {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            self.fail(ProjectionError::Failed(format!(
                "a projection panicked: {why}"
            )))
            .await;
        }
    }

    /// Marks the runtime failed and keeps answering control messages with the error, so that
    /// callers get an error, not a hang, until it is stopped or dropped.
    async fn fail(&mut self, e: ProjectionError) {
        tracing::error!(log = %self.log, "projections stopped: {e}");
        self.status.send_replace(Status::Failed(e.to_string()));
        while let Some(control) = self.control.recv().await {
            match control {
                Control::Stop { reply } => {
                    let _ = reply.send(());
                    return;
                }
                Control::Rebuild { reply, .. } | Control::Install { reply, .. } => {
                    let _ = reply.send(Err(ProjectionError::Failed(e.to_string())));
                }
                Control::Snapshot { reply } => {
                    let _ = reply.send(Err(ProjectionError::Failed(e.to_string())));
                }
            }
        }
    }

    async fn follow(&mut self, pages: &mut mpsc::Receiver<Prefetched>) {
        loop {
            tokio::select! {
                biased;
                control = self.control.recv() => {
                    let Some(control) = control else { break };
                    if let Some(reply) = self.handle(control).await {
                        self.snapshot_at_stop().await;
                        self.status.send_replace(Status::Stopped);
                        let _ = reply.send(());
                        return;
                    }
                }
                page = pages.recv() => {
                    let outcome = match page {
                        Some((envelopes, error)) => self.apply(envelopes, error).await,
                        None => Err(ProjectionError::Failed("the log's reader stopped".into())),
                    };
                    if let Err(e) = outcome {
                        self.fail(e).await;
                        return;
                    }
                }
            }
        }
    }

    async fn apply(
        &mut self,
        envelopes: Vec<Envelope>,
        undecodable: Option<ProjectionError>,
    ) -> Result<(), ProjectionError> {
        let n = u64::try_from(envelopes.len()).unwrap_or(u64::MAX);
        let last = envelopes.last().map(|e| e.position);
        self.folding.apply(envelopes).await;
        self.applied.fetch_add(n, Ordering::Relaxed);
        if let Some(last) = last {
            self.position.send_replace(last);
        }
        self.since_snapshot += n;
        if snapshot_due(
            &self.options,
            self.since_snapshot,
            self.last_snapshot.elapsed(),
            Duration::from_micros(self.last_snapshot_cost_us.load(Ordering::Relaxed)),
        ) {
            // In the background: a failed snapshot costs only a longer start, and is logged.
            self.snapshot_in_background();
        }
        undecodable.map_or(Ok(()), Err)
    }

    /// Handles a control message; returns the reply channel of a stop.
    async fn handle(&mut self, control: Control) -> Option<oneshot::Sender<()>> {
        match control {
            Control::Stop { reply } => return Some(reply),
            Control::Snapshot { reply } => {
                let _ = reply.send(self.take_snapshots().await);
            }
            Control::Rebuild { name, reply } => {
                let Some(index) = self.folding.feeds.iter().position(|f| f.name() == name) else {
                    let _ = reply.send(Err(ProjectionError::UnknownProjection(name)));
                    return None;
                };
                // The long part runs beside the live runtime; it comes back as `Install`.
                let fold = self.folding.feeds[index].fresh();
                let (ledger, log, control) = (
                    self.ledger.clone(),
                    self.log.clone(),
                    self.control_tx.clone(),
                );
                let live = Arc::clone(&self.folding.feeds[index]);
                tokio::spawn(async move {
                    match catch_up_beside(&ledger, &log, fold, live.as_ref()).await {
                        Ok(fold) => {
                            let install = Control::Install {
                                feed: index,
                                fold,
                                reply,
                            };
                            let Some(control) = control.upgrade() else {
                                if let Control::Install { reply, .. } = install {
                                    let _ = reply.send(Err(ProjectionError::Stopped));
                                }
                                return;
                            };
                            if let Err(mpsc::error::SendError(Control::Install { reply, .. })) =
                                control.send(install).await
                            {
                                let _ = reply.send(Err(ProjectionError::Stopped));
                            }
                        }
                        Err(e) => {
                            let _ = reply.send(Err(e));
                        }
                    }
                });
            }
            Control::Install { feed, fold, reply } => {
                // The live view moved on while the rebuild ran: catch the new state up to it
                // (a short read), then swap. No event is applied in between, so none is lost.
                let live = self.folding.feeds[feed].position();
                let result = fold_into(&self.ledger, &self.log, fold, live)
                    .await
                    .map(|fold| {
                        self.folding.feeds[feed].install(fold);
                        // A rebuilt state is a change the next snapshot (a stop's) must store.
                        self.since_snapshot = self.since_snapshot.max(1);
                        live
                    });
                let _ = reply.send(result);
            }
        }
        None
    }

    /// At a stop: waits for a snapshot under way, and snapshots every projection unless
    /// nothing changed since the last snapshot (`verbund rebuild` takes one before it stops),
    /// or since the start from snapshots.
    async fn snapshot_at_stop(&mut self) {
        if self.since_snapshot > 0 {
            self.take_snapshots().await.ok();
        } else if let Some(previous) = self.snapshotting.take() {
            let _ = previous.await;
        }
    }

    /// Snapshots every projection and waits until they are stored.
    async fn take_snapshots(&mut self) -> Result<(), ProjectionError> {
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
    fn snapshot_in_background(&mut self) {
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

    fn start_snapshots(&mut self) -> Option<JoinHandle<Result<(), ProjectionError>>> {
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
fn snapshot_due(
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

async fn store_snapshots(
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
        let events = ledger.read_log(log, position, 1).await?;
        let event = events
            .first()
            .filter(|e| e.position == position)
            .ok_or_else(|| {
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

/// A page of fewer events is folded on the runtime's task alone: handing work to another
/// thread costs some microseconds, folding an event about one.
const PARALLEL_FOLD_EVENTS_MIN: usize = 256;

/// Folds pages of events into every projection, on several threads at once where a page is
/// large enough.
struct Folding {
    feeds: Vec<Arc<dyn Feed>>,
    threads: usize,
    /// How long each feed took on the last page folded in parallel: the costliest are taken
    /// first, so that the threads end together (longest processing time first).
    costs: Vec<Duration>,
}

/// The feeds of one page, handed out one at a time to whichever thread asks next.
struct Shared {
    events: Vec<Envelope>,
    /// The feeds, costliest first, each with its index in [`Folding::feeds`].
    feeds: Vec<(usize, Arc<dyn Feed>)>,
    next: std::sync::atomic::AtomicUsize,
}

impl Shared {
    /// Folds the page into feeds until none is left; returns how long each of those took.
    fn work(&self) -> Vec<(usize, Duration)> {
        let mut took = Vec::new();
        while let Some((index, feed)) = self.feeds.get(self.next.fetch_add(1, Ordering::Relaxed)) {
            let started = std::time::Instant::now();
            feed.apply(&self.events);
            took.push((*index, started.elapsed()));
        }
        took
    }
}

impl Folding {
    fn new(feeds: Vec<Arc<dyn Feed>>, threads: usize) -> Self {
        let costs = vec![Duration::ZERO; feeds.len()];
        Self {
            threads: threads.clamp(1, feeds.len().max(1)),
            feeds,
            costs,
        }
    }

    /// The feeds' indices, the costliest on the last large page first.
    fn order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.feeds.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.costs[i]));
        order
    }

    /// Folds `events` into every feed, each feed in the events' order. A panic in a
    /// projection is resumed here, on the runtime's task, once the other threads are done.
    async fn apply(&mut self, events: Vec<Envelope>) {
        if self.threads < 2 || events.len() < PARALLEL_FOLD_EVENTS_MIN {
            for feed in &self.feeds {
                feed.apply(&events);
            }
            return;
        }
        let shared = Arc::new(Shared {
            events,
            feeds: self
                .order()
                .into_iter()
                .map(|i| (i, Arc::clone(&self.feeds[i])))
                .collect(),
            next: std::sync::atomic::AtomicUsize::new(0),
        });
        let helpers: Vec<JoinHandle<Vec<(usize, Duration)>>> = (1..self.threads)
            .map(|_| {
                let shared = Arc::clone(&shared);
                tokio::task::spawn_blocking(move || shared.work())
            })
            .collect();
        // This task folds too, as it would alone; the page is dropped by whoever ends last.
        let own = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| shared.work()));
        drop(shared);
        let mut panic = None;
        let mut took = own.unwrap_or_else(|payload| {
            panic = Some(payload);
            Vec::new()
        });
        for helper in helpers {
            match helper.await {
                Ok(theirs) => took.extend(theirs),
                Err(e) => {
                    let payload = if e.is_panic() {
                        e.into_panic()
                    } else {
                        // Only a runtime shutting down cancels a blocking task: its feeds
                        // were not folded, so the runtime must not go on.
                        Box::new(format!("a fold was cancelled: {e}"))
                    };
                    panic.get_or_insert(payload);
                }
            }
        }
        if let Some(payload) = panic {
            std::panic::resume_unwind(payload);
        }
        for (index, duration) in took {
            self.costs[index] = duration;
        }
    }
}

/// A page read and decoded ahead of the runtime: the events that decoded, in order, and the
/// error of the first that did not (or of the read), after which nothing more comes.
type Prefetched = (Vec<Envelope>, Option<ProjectionError>);

/// A read of the log that failed in the database (a dropped connection, a busy file) is
/// tried again, after waits that double from the first to the last, for as long as it takes:
/// the projections pause, and reads that wait for a position time out with a clear error.
const READ_RETRY_FIRST: Duration = Duration::from_millis(50);
const READ_RETRY_MAX: Duration = Duration::from_secs(5);

/// Pages read and decoded ahead of the runtime, waiting to be folded: the reads go on while
/// the projections fold the pages before (with 2 a rebuild kept 1.61–1.68 of two cores
/// busy, with 4 1.68–1.80).
const PAGES_AHEAD: usize = 4;

/// Reads and decodes the log up to [`PAGES_AHEAD`] pages ahead of the runtime, on a task of
/// its own: reading, decoding and folding overlap on the machine's cores.
fn spawn_reader(
    ledger: Ledger,
    mut subscription: Subscription,
    page_max: usize,
    log: LogId,
) -> (mpsc::Receiver<Prefetched>, JoinHandle<()>) {
    let (pages, receiver) = mpsc::channel(PAGES_AHEAD);
    let task = tokio::spawn(async move {
        match read_ahead(
            &ledger,
            &log,
            subscription.next_position(),
            page_max,
            &pages,
        )
        .await
        {
            ReadAhead::Done => return,
            ReadAhead::Reached(next) => subscription.skip_to(next),
        }
        let mut retry = Retry::default();
        loop {
            let prefetched = match subscription.next_page_decoded(page_max, decode).await {
                Ok(page) => {
                    retry = Retry::default();
                    (page.events, page.error)
                }
                Err(e) if e.is_database_failure() => {
                    let wait = retry.next_wait();
                    tracing::warn!(log = %log, error = %e, retry_in_ms = wait.as_millis(), "reading the log failed; trying again");
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Err(e) => (Vec::new(), Some(e.into())),
            };
            let last = prefetched.1.is_some();
            if pages.send(prefetched).await.is_err() || last {
                return;
            }
        }
    });
    (receiver, task)
}

/// How a read-ahead ended.
#[derive(Debug, PartialEq, Eq)]
enum ReadAhead {
    /// Nothing more is to be read: an event did not decode (its error was sent), or the
    /// runtime is gone.
    Done,
    /// Within two pages of the head, or a read failed: the subscription goes on from here
    /// (`Subscription::skip_to`).
    Reached(Position),
}

/// Pages the read-ahead reads at once, each on a connection of its own.
const READS_IN_FLIGHT: usize = 2;

/// Catches up from far behind (a start without snapshots, a rebuild): pages are read and
/// decoded two at once on two of the database's connections, the next started as soon as one
/// is done, so that reading, which costs about as much per event as folding, keeps the cores
/// busy while the runtime folds. Sends the pages in order; stops where fewer than two whole
/// pages are left after those read (as the head stands then), where a page comes back short
/// (the reads after it are dropped and read again live), or where a read fails (the
/// subscription reads it again, with its retries).
async fn read_ahead(
    ledger: &Ledger,
    log: &LogId,
    mut next: Position,
    page_max: usize,
    pages: &mpsc::Sender<Prefetched>,
) -> ReadAhead {
    // A read returns at most this many: a larger page would never come back whole.
    let page_max = page_max.clamp(1, verbund_ledger::limits::READ_EVENTS_MAX);
    let page = u64::try_from(page_max).unwrap_or(u64::MAX);
    // Far enough from `head` to read a page from `from` ahead.
    let far = |head: Position, from: Position| {
        (head.get() + 1).saturating_sub(from.get()) >= page.saturating_mul(2)
    };
    // Each read on a task of its own, so that it goes on while this one waits to send a page;
    // one no longer wanted is stopped when dropped.
    let mut reads = std::collections::VecDeque::new();
    // The first position no read covers yet, and the head as last asked.
    let mut unread = next;
    let mut head = Position::ZERO;
    loop {
        while reads.len() < READS_IN_FLIGHT {
            if !far(head, unread) {
                match ledger.head(log).await {
                    Ok(now) if far(now.position, unread) => head = now.position,
                    Ok(_) | Err(_) => break,
                }
            }
            let (ledger, log) = (ledger.clone(), log.clone());
            reads.push_back(Stopped(tokio::spawn(async move {
                ledger
                    .read_log_decoded(&log, unread, page_max, decode)
                    .await
            })));
            unread = Position::new(unread.get() + page);
        }
        let Some(mut first) = reads.pop_front() else {
            return ReadAhead::Reached(next);
        };
        let Ok(Ok(read)) = (&mut first.0).await else {
            return ReadAhead::Reached(next);
        };
        let whole = read.events.len() == page_max;
        if let Some(last) = read.events.last() {
            next = last.position.next();
        }
        let refused = read.error.is_some();
        if pages.send((read.events, read.error)).await.is_err() || refused {
            return ReadAhead::Done;
        }
        if !whole {
            return ReadAhead::Reached(next);
        }
    }
}

/// A task stopped when dropped: a read-ahead's read no longer wanted.
struct Stopped<T>(JoinHandle<T>);

impl<T> Drop for Stopped<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The waits between attempts of a failing read.
#[derive(Debug, Default)]
struct Retry {
    last: Option<Duration>,
}

impl Retry {
    fn next_wait(&mut self) -> Duration {
        let wait = self
            .last
            .map_or(READ_RETRY_FIRST, |last| (last * 2).min(READ_RETRY_MAX));
        self.last = Some(wait);
        wait
    }
}

/// Decodes one event for the projections.
fn decode(view: EventView<'_>) -> Result<Envelope, ProjectionError> {
    Envelope::decode_view(view).map_err(|source| ProjectionError::Decode {
        position: view.position(),
        source,
    })
}

/// Reads the log after the fold's position up to `until` into it.
async fn fold_into(
    ledger: &Ledger,
    log: &LogId,
    mut fold: Box<dyn Fold>,
    until: Position,
) -> Result<Box<dyn Fold>, ProjectionError> {
    while fold.position() < until {
        let wanted = usize::try_from(until.get() - fold.position().get()).unwrap_or(usize::MAX);
        let page = ledger
            .read_log_decoded(
                log,
                fold.position().next(),
                wanted.min(READ_PAGE_EVENTS),
                decode,
            )
            .await?;
        if page.events.is_empty() && page.error.is_none() {
            return Err(ProjectionError::Failed(format!(
                "the log ends at {} before position {until}",
                fold.position()
            )));
        }
        for envelope in &page.events {
            fold.apply(envelope);
        }
        if let Some(error) = page.error {
            return Err(error);
        }
    }
    Ok(fold)
}

/// Folds a rebuild beside the live view until it is close behind it (the view's own position,
/// which may be ahead of the runtime's while that catches up from a start): the rest is folded
/// by the worker when it installs the rebuild, and the worker applies no live events while it
/// does, so that rest must be short.
async fn catch_up_beside(
    ledger: &Ledger,
    log: &LogId,
    mut fold: Box<dyn Fold>,
    live: &dyn Feed,
) -> Result<Box<dyn Fold>, ProjectionError> {
    loop {
        let until = live.position();
        fold = fold_into(ledger, log, fold, until).await?;
        if live.position().get().saturating_sub(fold.position().get()) <= INSTALL_BEHIND_MAX {
            return Ok(fold);
        }
    }
}

/// The most events a rebuild may be behind its live view when the worker installs it.
const INSTALL_BEHIND_MAX: u64 = READ_PAGE_EVENTS as u64;

/// Events read per round trip by rebuilds and as-of folds.
pub(crate) const READ_PAGE_EVENTS: usize = 10_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::View;
    use proptest::prelude::*;

    verbund_tests::on_both_databases!(
        the_read_ahead_sends_whole_pages_in_order_and_stops_two_pages_before_the_head,
        the_read_ahead_ends_at_an_event_that_does_not_decode,
    );

    /// Opens `db` with a new log `name` of `events` events, one command each; the one at
    /// position `unknown` of a type no build knows.
    async fn log_of(
        db: &verbund_tests::TestDb,
        name: &str,
        events: u64,
        unknown: Option<u64>,
    ) -> (Ledger, LogId) {
        let ledger = Ledger::open(&db.url, verbund_ledger::LedgerOptions::default())
            .await
            .expect("open");
        let log = LogId::parse(name).expect("valid");
        ledger.create_log(&log).await.expect("create");
        for n in 1..=events {
            let event = if Some(n) == unknown {
                verbund_ledger::NewEvent::json("MemberTeleported", 1, &serde_json::json!({}))
            } else {
                verbund_ledger::NewEvent::json(
                    "TokenRevoked",
                    1,
                    &serde_json::json!({"token": format!("t{n}")}),
                )
            }
            .expect("valid");
            let commit = verbund_ledger::Commit::new(
                verbund_ledger::CommandId::parse(format!("c{n}")).expect("valid"),
                verbund_ledger::Actor::parse("test").expect("valid"),
                None,
                vec![verbund_ledger::StreamAppend::new(
                    verbund_ledger::StreamId::parse(format!("token-t{n}")).expect("valid"),
                    verbund_ledger::ExpectedVersion::Any,
                    vec![event],
                )],
            )
            .expect("valid");
            ledger.append(&log, commit).await.expect("append");
        }
        (ledger, log)
    }

    /// Runs `read_ahead` from `from` in pages of `page`; returns how it ended and the pages
    /// it sent, each as (first position, last position, number of events, refused).
    async fn pages_read_ahead(
        ledger: &Ledger,
        log: &LogId,
        from: u64,
        page: usize,
    ) -> (ReadAhead, Vec<(u64, u64, usize, bool)>) {
        let (sender, mut receiver) = mpsc::channel(1_000);
        let ended = read_ahead(ledger, log, Position::new(from), page, &sender).await;
        drop(sender);
        let mut pages = Vec::new();
        while let Some((events, error)) = receiver.recv().await {
            let first = events.first().map_or(0, |e| e.position.get());
            let last = events.last().map_or(0, |e| e.position.get());
            pages.push((first, last, events.len(), error.is_some()));
        }
        (ended, pages)
    }

    /// Far behind, the read-ahead sends whole pages in order, without gaps or repeats, and
    /// hands over to the subscription where fewer than two whole pages are left; from
    /// closer, it reads nothing.
    fn the_read_ahead_sends_whole_pages_in_order_and_stops_two_pages_before_the_head(
        db: &verbund_tests::TestDb,
    ) {
        verbund_tests::runtime().block_on(read_ahead_in_pages(db));
    }

    async fn read_ahead_in_pages(db: &verbund_tests::TestDb) {
        let (ledger, log) = log_of(db, "coop", 23, None).await;
        let (ended, pages) = pages_read_ahead(&ledger, &log, 1, 5).await;
        assert_eq!(
            pages,
            [(1, 5, 5, false), (6, 10, 5, false), (11, 15, 5, false)]
        );
        assert_eq!(
            ended,
            ReadAhead::Reached(Position::new(16)),
            "8 left: live from 16"
        );
        // Exactly two pages left: the first read ahead; one event fewer: none.
        let (ended, pages) = pages_read_ahead(&ledger, &log, 14, 5).await;
        assert_eq!(pages, [(14, 18, 5, false)]);
        assert_eq!(ended, ReadAhead::Reached(Position::new(19)));
        let (ended, pages) = pages_read_ahead(&ledger, &log, 15, 5).await;
        assert_eq!(
            (ended, pages),
            (ReadAhead::Reached(Position::new(15)), vec![])
        );
        // A page of no events is read as a page of one.
        let (ended, pages) = pages_read_ahead(&ledger, &log, 18, 0).await;
        assert_eq!(
            pages,
            (18..=22).map(|p| (p, p, 1, false)).collect::<Vec<_>>()
        );
        assert_eq!(ended, ReadAhead::Reached(Position::new(23)));
        ledger.close().await;
    }

    /// An event that does not decode ends the read-ahead with its page, the events before it
    /// in that page included, whether it lies in the first or the second page of a pair.
    fn the_read_ahead_ends_at_an_event_that_does_not_decode(db: &verbund_tests::TestDb) {
        for (unknown, expected) in [
            (3, vec![(1, 2, 2, true)]),
            (8, vec![(1, 5, 5, false), (6, 7, 2, true)]),
            (
                11,
                vec![(1, 5, 5, false), (6, 10, 5, false), (0, 0, 0, true)],
            ),
        ] {
            verbund_tests::runtime().block_on(async {
                let name = format!("coop-{unknown}");
                let (ledger, log) = log_of(db, &name, 30, Some(unknown)).await;
                let (ended, pages) = pages_read_ahead(&ledger, &log, 1, 5).await;
                assert_eq!(ended, ReadAhead::Done, "unknown at {unknown}");
                assert_eq!(pages, expected, "unknown at {unknown}");
                ledger.close().await;
            });
        }
    }

    #[test]
    fn a_failing_read_is_tried_again_after_waits_that_double_up_to_a_bound() {
        let mut retry = Retry::default();
        let waits: Vec<u128> = (0..10).map(|_| retry.next_wait().as_millis()).collect();
        assert_eq!(
            waits,
            [50, 100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000]
        );
    }

    /// A projection for the fold tests: the positions it folded and the threads it folded
    /// them on. At position 1 it waits (up to ten seconds) until `MEETS` projections are
    /// folding at once, and remembers whether they did; at position `panic_at`, it panics.
    #[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Seen<const MEETS: usize, const PANIC_AT: u64> {
        positions: Vec<u64>,
        #[serde(skip)]
        threads: Vec<String>,
        met: bool,
    }

    /// How many `Seen` projections reached position 1 (one test uses `MEETS` above one).
    static ARRIVED: std::sync::Mutex<usize> = std::sync::Mutex::new(0);
    static ARRIVALS: std::sync::Condvar = std::sync::Condvar::new();

    impl<const MEETS: usize, const PANIC_AT: u64> crate::Projection for Seen<MEETS, PANIC_AT> {
        const NAME: &'static str = "seen";
        const VERSION: u32 = 1;
        fn apply(&mut self, event: &Envelope) {
            let position = event.position.get();
            assert_ne!(position, PANIC_AT, "seen broke at {position}");
            if position == 1 && MEETS > 1 {
                let mut arrived = ARRIVED.lock().expect("not poisoned");
                *arrived += 1;
                ARRIVALS.notify_all();
                let (arrived, _) = ARRIVALS
                    .wait_timeout_while(arrived, Duration::from_secs(10), |n| *n < MEETS)
                    .expect("not poisoned");
                self.met = *arrived >= MEETS;
            }
            self.positions.push(position);
            let thread = format!("{:?}", std::thread::current().id());
            if self.threads.last() != Some(&thread) {
                self.threads.push(thread);
            }
        }
    }

    fn page(positions: std::ops::RangeInclusive<u64>) -> Vec<Envelope> {
        positions
            .map(|p| Envelope {
                position: Position::new(p),
                stream: None,
                stream_version: verbund_ledger::StreamVersion::FIRST,
                recorded_at: jiff::Timestamp::UNIX_EPOCH,
                actor: verbund_ledger::Actor::parse("test").expect("valid"),
                event: verbund_domain::Event::TokenRevoked(verbund_domain::TokenRevoked {
                    token: verbund_domain::TokenId::parse("t1").expect("valid"),
                }),
            })
            .collect()
    }

    /// A large page is folded into every projection by several threads at once, each
    /// projection in the events' order; a small one on the runtime's task alone; and a
    /// projection's cost on the last large page orders the next.
    #[test]
    fn large_pages_are_folded_by_several_threads_each_projection_in_order() {
        type Meets = Seen<2, 0>;
        let views: Vec<Arc<View<Meets>>> = (0..2).map(|_| Arc::default()).collect();
        let feeds: Vec<Arc<dyn Feed>> = views.iter().map(|v| Arc::clone(v) as _).collect();
        assert_eq!(Folding::new(feeds.clone(), 0).threads, 1);
        assert_eq!(
            Folding::new(feeds.clone(), 64).threads,
            2,
            "one per projection"
        );
        let mut folding = Folding::new(feeds, 2);
        let small = PARALLEL_FOLD_EVENTS_MIN as u64;
        // `block_on` runs the future on this thread: the runtime's task, as the test sees it.
        let here = format!("{:?}", std::thread::current().id());
        verbund_tests::runtime().block_on(async {
            folding.apply(page(1..=small)).await;
            assert!(folding.costs.iter().all(|c| !c.is_zero()), "measured");
            folding.apply(page(small + 1..=2 * small)).await;
            folding.apply(page(2 * small + 1..=2 * small + 9)).await;
        });
        let mut threads = std::collections::BTreeSet::new();
        for view in &views {
            let seen = view.cloned();
            assert!(seen.state.met, "both projections were folding at once");
            assert_eq!(
                seen.state.positions,
                (1..=2 * small + 9).collect::<Vec<_>>()
            );
            assert_eq!(seen.position, Position::new(2 * small + 9));
            assert_eq!(
                seen.state.threads.last(),
                Some(&here),
                "the small page folded on the runtime's task"
            );
            threads.extend(seen.state.threads);
        }
        assert!(threads.len() >= 2, "{threads:?}");
        // Costliest first: the order the next large page hands the projections out in.
        folding.costs = vec![Duration::from_micros(1), Duration::from_micros(9)];
        assert_eq!(folding.order(), [1, 0]);
    }

    /// A projection that panics while others fold on other threads: the panic, with its own
    /// message, reaches the runtime's task once the others are done, and they folded the
    /// whole page.
    #[test]
    fn a_panic_in_a_parallel_fold_reaches_the_runtime_with_its_message() {
        use futures_util::FutureExt as _;
        let calm: Vec<Arc<View<Seen<1, 0>>>> = (0..3).map(|_| Arc::default()).collect();
        let broken: Arc<View<Seen<1, 100>>> = Arc::default();
        let mut feeds: Vec<Arc<dyn Feed>> = calm.iter().map(|v| Arc::clone(v) as _).collect();
        feeds.insert(1, Arc::clone(&broken) as _);
        let mut folding = Folding::new(feeds, 2);
        let panic = verbund_tests::runtime().block_on(async {
            std::panic::AssertUnwindSafe(folding.apply(page(1..=300)))
                .catch_unwind()
                .await
                .expect_err("the fold panicked")
        });
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(message.contains("seen broke at 100"), "{message}");
        for view in &calm {
            assert_eq!(view.position(), Position::new(300));
        }
    }

    /// A panic in the worker (here: a rebuild's state installed into another projection's
    /// view) leaves the runtime failed, not running, and it still answers control messages.
    #[test]
    fn a_panicking_projection_leaves_the_runtime_failed_and_answering() {
        // Outside the runtime: the test database is removed when dropped, blocking.
        let db = verbund_tests::TestDb::sqlite();
        verbund_tests::runtime().block_on(async {
            let (ledger, log) = log_of(&db, "coop", 0, None).await;
            let runtime = Runtime::start(ledger.clone(), None, log, RuntimeOptions::default())
                .await
                .expect("start");
            assert_eq!(runtime.status(), Status::Running);
            let feeds = runtime.views().feeds();
            let (register, tokens) = (&feeds[0], &feeds[1]);
            assert_ne!(register.name(), tokens.name());
            let (reply, answer) = oneshot::channel();
            runtime
                .control
                .send(Control::Install {
                    feed: 0,
                    fold: tokens.fresh(),
                    reply,
                })
                .await
                .expect("sent");
            assert!(answer.await.is_err(), "the install panicked");
            let mut status = runtime.status.clone();
            let failed = tokio::time::timeout(
                Duration::from_secs(10),
                status.wait_for(|s| matches!(s, Status::Failed(_))),
            )
            .await
            .expect("failed in time")
            .expect("the status is kept")
            .clone();
            let Status::Failed(why) = failed else {
                unreachable!()
            };
            assert!(why.contains("panicked"), "{why}");
            assert!(matches!(
                runtime.snapshot().await,
                Err(ProjectionError::Failed(_))
            ));
            runtime.stop().await;
            ledger.close().await;
        });
    }

    fn options() -> RuntimeOptions {
        RuntimeOptions {
            snapshot_every_events: 10_000,
            snapshot_interval_min: Duration::from_secs(30),
            snapshot_interval_cost_factor: 50,
            ..RuntimeOptions::default()
        }
    }

    #[test]
    fn a_snapshot_is_due_after_enough_events_and_time_and_never_when_turned_off() {
        let o = options();
        let (s, ms) = (Duration::from_secs, Duration::from_millis);
        assert!(snapshot_due(&o, 10_000, s(30), ms(100)));
        assert!(
            !snapshot_due(&o, 9_999, s(3_600), ms(100)),
            "too few events"
        );
        assert!(!snapshot_due(&o, 1_000_000, s(29), ms(100)), "too soon");
        // The last one took 2 s: the next waits 100 s, so snapshots take 2% of the time.
        assert!(!snapshot_due(&o, 1_000_000, s(99), s(2)));
        assert!(snapshot_due(&o, 1_000_000, s(100), s(2)));
        let off = RuntimeOptions {
            snapshot_every_events: 0,
            ..options()
        };
        assert!(!snapshot_due(&off, u64::MAX, s(1 << 30), Duration::ZERO));
    }

    proptest! {
        /// Whenever a snapshot is due, the time since the last one is at least the minimum
        /// interval and `factor` times the last one's cost: snapshots never take more than
        /// 1/factor of the time.
        #[test]
        fn snapshots_take_at_most_their_share_of_the_time(
            events in 0u64..100_000,
            elapsed_ms in 0u64..1_000_000,
            cost_ms in 0u64..100_000,
            factor in 1u32..200,
        ) {
            let o = RuntimeOptions { snapshot_interval_cost_factor: factor, ..options() };
            let (elapsed, cost) = (Duration::from_millis(elapsed_ms), Duration::from_millis(cost_ms));
            if snapshot_due(&o, events, elapsed, cost) {
                prop_assert!(elapsed >= o.snapshot_interval_min);
                prop_assert!(elapsed >= cost * factor);
                prop_assert!(events >= o.snapshot_every_events);
            }
        }
    }
}
