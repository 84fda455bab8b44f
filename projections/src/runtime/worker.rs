//! The worker: one task per log that follows it, folds its pages, answers the handle's
//! requests and installs rebuilds.

use super::*;

pub(super) struct Worker {
    pub(super) ledger: Ledger,
    pub(super) log: LogId,
    /// The views, fed by this.
    pub(super) folding: Folding,
    pub(super) snapshots: Option<SnapshotStore>,
    pub(super) options: RuntimeOptions,
    pub(super) position: watch::Sender<Position>,
    pub(super) status: watch::Sender<Status>,
    pub(super) control: mpsc::Receiver<Control>,
    /// For the worker's own tasks (a rebuild's result). Weak, so that dropping the last
    /// [`Runtime`] closes the control channel and the worker ends.
    pub(super) control_tx: mpsc::WeakSender<Control>,
    pub(super) applied: Arc<AtomicU64>,
    pub(super) since_snapshot: u64,
    pub(super) snapshotting: Option<JoinHandle<Result<(), ProjectionError>>>,
    pub(super) last_snapshot: std::time::Instant,
    /// How long the last snapshot took to serialize and store, in microseconds.
    pub(super) last_snapshot_cost_us: Arc<AtomicU64>,
    pub(super) snapshots_taken: Arc<AtomicU64>,
}

impl Worker {
    pub(super) async fn run(mut self, subscription: Subscription) {
        use futures_util::FutureExt as _;
        let page_max = self.options.page_events_max.max(1);
        let (mut pages, reader) = spawn_reader(
            self.ledger.clone(),
            subscription,
            page_max,
            self.options.read_ahead_pages,
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
    pub(super) async fn fail(&mut self, e: ProjectionError) {
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

    pub(super) async fn follow(&mut self, pages: &mut mpsc::Receiver<Prefetched>) {
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

    pub(super) async fn apply(
        &mut self,
        envelopes: Vec<Envelope>,
        undecodable: Option<ProjectionError>,
    ) -> Result<(), ProjectionError> {
        let n = u64::try_from(envelopes.len()).unwrap_or(u64::MAX);
        let last = envelopes.last().map(|e| e.position);
        self.folding.apply(&envelopes);
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
    pub(super) async fn handle(&mut self, control: Control) -> Option<oneshot::Sender<()>> {
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
}

/// Decodes one event for the projections.
pub(super) fn decode(view: EventView<'_>) -> Result<Envelope, ProjectionError> {
    Envelope::decode_view(view).map_err(|source| ProjectionError::Decode {
        position: view.position(),
        source,
    })
}

/// Reads the log after the fold's position up to `until` into it.
pub(super) async fn fold_into(
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
pub(super) async fn catch_up_beside(
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
pub(super) const INSTALL_BEHIND_MAX: u64 = READ_PAGE_EVENTS as u64;

/// Events read per round trip by rebuilds and as-of folds.
pub(crate) const READ_PAGE_EVENTS: usize = 10_000;
