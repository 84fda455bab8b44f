//! Group commit. Every append goes through one queue to one writer task per ledger, which takes
//! whatever has queued up (up to the batch limits) into one transaction: one commit, one fsync,
//! however many appends. While a batch is being committed the next one fills, so under load the
//! batches grow by themselves and throughput rises with concurrency instead of falling.
//!
//! An append is acknowledged only after its batch committed. A version conflict or a reused
//! command id fails only its own append (see [`crate::plan`]). When the database refuses a
//! batch, its appends are committed one by one, and only those the database refuses on their
//! own fail.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::plan::{self, Outcome};
use crate::store::{Store, WriterConnection, into_events};
use crate::{Commit, Committed, LedgerError, LogId, Position};

/// Attempts per batch when the database reports a transient failure.
const BATCH_ATTEMPTS_MAX: u32 = 3;
/// Committed batches that may wait for their sync before the writer waits too.
const SETTLED_BATCHES_MAX: usize = 8;

/// One queued append and where its answer goes.
#[derive(Debug)]
pub(crate) struct Request {
    pub log: LogId,
    pub commit: Commit,
    pub reply: oneshot::Sender<Result<Committed, LedgerError>>,
    /// When it was queued.
    pub queued_at: std::time::Instant,
}

/// Limits of the writer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BatchLimits {
    pub events_max: usize,
    pub appends_max: usize,
    pub linger: Duration,
}

/// The committed head of each log, for subscribers waiting for new events.
#[derive(Debug, Default)]
pub(crate) struct Heads {
    senders: Mutex<HashMap<LogId, watch::Sender<Position>>>,
    /// Per log, the batches of this writer that wrote to it: begun, and finished (answered,
    /// refused or failed). While they differ, a batch of this process may have committed to
    /// the log and not yet be synced. Per log, so that a busy log does not hide from readers
    /// what other processes write to a quiet one.
    batches: Mutex<HashMap<LogId, (u64, u64)>>,
    /// Set when syncing the write-ahead log failed. Whether the batches it covered reached the
    /// disk is unknown (after a failed `fsync` the kernel may have dropped their pages), and
    /// any later batch would chain on them: from then on the writer refuses every append and
    /// no head is raised, until the ledger is opened again.
    broken: std::sync::atomic::AtomicBool,
    /// The events this writer made durable last, for reads of one just written (the batches a
    /// failed sync covered are never among them).
    pub(crate) recent: crate::recent::RecentEvents,
}

impl Heads {
    /// A ledger's heads, keeping at most `limits` of each log's latest events.
    pub(crate) fn new(limits: crate::recent::RecentLimits) -> Self {
        Self {
            recent: crate::recent::RecentEvents::new(limits),
            ..Self::default()
        }
    }

    /// Counts a batch in, for each of its logs, before its transaction begins.
    pub(crate) fn begin_batch(&self, logs: &BTreeSet<LogId>) {
        let mut batches = self.batches.lock().expect("heads lock is never poisoned");
        for log in logs {
            batches.entry(log.clone()).or_default().0 += 1;
        }
    }

    /// Counts a batch out, for each of its logs, once its outcome is final and its heads are
    /// published.
    pub(crate) fn finish_batch(&self, logs: &BTreeSet<LogId>) {
        let mut batches = self.batches.lock().expect("heads lock is never poisoned");
        for log in logs {
            batches.entry(log.clone()).or_default().1 += 1;
        }
    }

    /// Marks the writer broken; see the field.
    pub(crate) fn mark_broken(&self) {
        self.broken.store(true, Ordering::SeqCst);
    }

    /// True once syncing the write-ahead log failed.
    pub(crate) fn is_broken(&self) -> bool {
        self.broken.load(Ordering::SeqCst)
    }

    /// A token for [`Heads::quiet_since`]: `None` while a batch of this process to `log` is
    /// under way.
    pub(crate) fn quiet(&self, log: &LogId) -> Option<u64> {
        if self.is_broken() {
            return None;
        }
        let batches = self.batches.lock().expect("heads lock is never poisoned");
        let (begun, finished) = batches.get(log).copied().unwrap_or_default();
        (begun == finished).then_some(begun)
    }

    /// True if no batch of this process to `log` began since `quiet` returned `token`: then
    /// whatever the database committed to it in between was written by other processes.
    pub(crate) fn quiet_since(&self, log: &LogId, token: u64) -> bool {
        let batches = self.batches.lock().expect("heads lock is never poisoned");
        batches.get(log).copied().unwrap_or_default().0 == token
    }

    pub(crate) fn watch(&self, log: &LogId) -> watch::Receiver<Position> {
        let mut senders = self.senders.lock().expect("heads lock is never poisoned");
        senders
            .entry(log.clone())
            .or_insert_with(|| watch::channel(Position::ZERO).0)
            .subscribe()
    }

    /// Raises the durable head of `log` to `head` (never lowers it), creating its entry if
    /// needed: at open for every log, then after every durable commit.
    pub(crate) fn publish(&self, log: &LogId, head: Position) {
        if self.is_broken() {
            return;
        }
        let mut senders = self.senders.lock().expect("heads lock is never poisoned");
        let sender = senders
            .entry(log.clone())
            .or_insert_with(|| watch::channel(Position::ZERO).0);
        sender.send_if_modified(|current| {
            let newer = head > *current;
            if newer {
                *current = head;
            }
            newer
        });
    }

    /// The durable head of `log`, if this ledger knows the log.
    pub(crate) fn durable(&self, log: &LogId) -> Option<Position> {
        let senders = self.senders.lock().expect("heads lock is never poisoned");
        senders.get(log).map(|sender| *sender.borrow())
    }
}

/// Batch sizes and where the writer's time goes, for metrics and the benchmark.
#[derive(Debug, Default)]
pub(crate) struct WriterStats {
    pub batches: AtomicU64,
    pub appends: AtomicU64,
    pub queued_us: AtomicU64,
    pub commit_us: AtomicU64,
    pub syncs: AtomicU64,
    pub sync_us: AtomicU64,
    pub observer: Option<crate::BatchObserver>,
}

/// Everything the writer works with, but its connection.
#[derive(Debug)]
pub(crate) struct Writer {
    pub store: Store,
    pub queue: mpsc::Receiver<Request>,
    pub shutdown: oneshot::Receiver<()>,
    pub heads: Arc<Heads>,
    pub stats: Arc<WriterStats>,
    pub limits: BatchLimits,
    /// The application's runtime, for work the writer hands off.
    pub app: tokio::runtime::Handle,
}

/// Runs until the queue is closed and drained: by `shutdown` (appends already queued are still
/// committed and answered) or by every sender going away. Then closes its connection cleanly,
/// which on SQLite also checkpoints the write-ahead log.
pub(crate) async fn run(writer: Writer, mut conn: WriterConnection) {
    let Writer {
        store,
        mut queue,
        mut shutdown,
        heads,
        stats,
        limits,
        app,
    } = writer;
    // Batches committed and waiting for their sync, at most a few: beyond, the writer waits.
    let syncer = match conn.pipelined_wal() {
        Some(wal) => {
            let (queue, receiver) = mpsc::channel::<Settled>(SETTLED_BATCHES_MAX);
            match spawn_syncer(
                wal,
                receiver,
                Arc::clone(&heads),
                Arc::clone(&stats),
                store.clone(),
                app.clone(),
            ) {
                Ok(thread) => Some((queue, thread)),
                Err(e) => {
                    tracing::error!(error = %e, "cannot start the sync thread; syncing on commit");
                    conn.sync_on_commit();
                    None
                }
            }
        }
        None => None,
    };
    let mut carried: Option<Request> = None;
    let mut shutting_down = false;
    loop {
        let first = match carried.take() {
            Some(request) => request,
            None => tokio::select! {
                request = queue.recv() => match request {
                    Some(request) => request,
                    None => break,
                },
                _ = &mut shutdown, if !shutting_down => {
                    shutting_down = true;
                    queue.close();
                    continue;
                }
            },
        };
        let mut events = first.commit.event_count();
        let mut batch = vec![first];
        let deadline = Instant::now() + limits.linger;
        while batch.len() < limits.appends_max {
            let next = match queue.try_recv() {
                Ok(request) => request,
                Err(mpsc::error::TryRecvError::Disconnected) => break,
                Err(mpsc::error::TryRecvError::Empty) if limits.linger.is_zero() => break,
                Err(mpsc::error::TryRecvError::Empty) => {
                    match tokio::time::timeout_at(deadline, queue.recv()).await {
                        Ok(Some(request)) => request,
                        Ok(None) | Err(_) => break,
                    }
                }
            };
            if events + next.commit.event_count() > limits.events_max {
                carried = Some(next);
                break;
            }
            events += next.commit.event_count();
            batch.push(next);
        }
        if heads.is_broken() {
            for request in batch {
                let _ = request.reply.send(Err(broken()));
            }
            continue;
        }
        let began = std::time::Instant::now();
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats
            .appends
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        let queued: u64 = batch
            .iter()
            .map(|request| micros(began.saturating_duration_since(request.queued_at)))
            .sum();
        stats.queued_us.fetch_add(queued, Ordering::Relaxed);
        if let Some(observer) = &stats.observer {
            observer.observe(batch.len(), events);
        }
        let logs: BTreeSet<LogId> = batch.iter().map(|request| request.log.clone()).collect();
        heads.begin_batch(&logs);
        let (next, settled) = commit(&store, conn, batch, syncer.is_some()).await;
        stats
            .commit_us
            .fetch_add(micros(began.elapsed()), Ordering::Relaxed);
        conn = next;
        if settled.is_none() {
            heads.finish_batch(&logs);
        }
        if let Some(mut settled) = settled {
            settled.logs = logs;
            match &syncer {
                Some((queue, _)) => {
                    // The sync thread only stops when this queue closes, so a failed send means
                    // it died: sync here, never answer an unsynced batch.
                    if let Err(unsent) = queue.send(settled).await {
                        tracing::error!("the ledger's sync thread is gone; syncing in the writer");
                        let wal = conn.pipelined_wal();
                        sync_and_deliver(
                            vec![unsent.0],
                            wal.as_deref(),
                            &heads,
                            &stats,
                            &store,
                            &app,
                        );
                    }
                }
                None => deliver(settled, &heads, &store, &app),
            }
        }
    }
    // Everything committed is answered before the connection closes.
    if let Some((queue, thread)) = syncer {
        drop(queue);
        if thread.join().is_err() {
            tracing::error!("the ledger's sync thread panicked");
        }
    }
    if let Err(e) = conn.close().await {
        tracing::warn!(error = %e, "closing the writer's connection failed");
    }
}

/// Commits one batch; answers its appends if the commit failed. Returns the connection to use
/// next (a new one if this one broke) and the committed batch, to be answered once durable.
async fn commit(
    store: &Store,
    conn: WriterConnection,
    batch: Vec<Request>,
    pipelined: bool,
) -> (WriterConnection, Option<Settled>) {
    let (replies, requests): (Vec<_>, Vec<_>) = batch
        .into_iter()
        .map(|r| (r.reply, (r.log, r.commit)))
        .unzip();
    let (mut conn, result) = commit_with_retries(store, conn, &requests, pipelined).await;
    match result {
        Ok(plan) => (
            conn,
            Some(Settled {
                replies,
                plan,
                logs: BTreeSet::new(),
            }),
        ),
        // One append the database refuses (a personal-data record id used before, say) must
        // not fail the others of its batch: each is committed on its own, and only what fails
        // alone is refused. (If the batch did commit after all, each one replays.)
        Err(e) if requests.len() > 1 => {
            tracing::warn!(error = %e, appends = requests.len(), "batch commit failed; committing its appends one by one");
            let mut settled: Option<Settled> = None;
            for (reply, request) in replies.into_iter().zip(requests) {
                let (next, result) =
                    commit_with_retries(store, conn, std::slice::from_ref(&request), pipelined)
                        .await;
                conn = next;
                match result {
                    Ok(plan) => {
                        let merged = settled.get_or_insert_with(|| Settled {
                            replies: Vec::new(),
                            plan: plan::Plan::default(),
                            logs: BTreeSet::new(),
                        });
                        merged.replies.push(reply);
                        merged.plan.outcomes.extend(plan.outcomes);
                        merged.plan.events.extend(plan.events);
                        // Later commits hold the later heads.
                        merged.plan.heads.extend(plan.heads);
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "append failed on its own");
                        let _ = reply.send(Err(e));
                    }
                }
            }
            (conn, settled)
        }
        Err(e) => {
            tracing::error!(error = %e, "append failed");
            for reply in replies {
                let _ = reply.send(Err(e.duplicate()));
            }
            (conn, None)
        }
    }
}

/// Commits `requests` as one batch, trying again (on a new connection) after a transient
/// failure. Returns the connection to use next.
async fn commit_with_retries(
    store: &Store,
    mut conn: WriterConnection,
    requests: &[(LogId, crate::Commit)],
    pipelined: bool,
) -> (WriterConnection, Result<plan::Plan, LedgerError>) {
    let mut attempt = 1;
    loop {
        let now_us = jiff::Timestamp::now().as_microsecond();
        match conn.commit_batch(requests, now_us).await {
            Ok(plan) => return (conn, Ok(plan)),
            // A retry is safe even if the failed attempt did commit: the command ids are then
            // found and the appends replay.
            Err(e) if e.is_transient() && attempt < BATCH_ATTEMPTS_MAX => {
                tracing::warn!(error = %e, attempt, "batch commit failed, retrying");
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(10 * u64::from(attempt))).await;
                if let Ok(fresh) = reconnect(store, pipelined).await {
                    conn = fresh;
                }
            }
            Err(e) => return (conn, Err(e)),
        }
    }
}

/// A fresh writer connection that makes commits durable the way this writer answers them:
/// left to the sync thread if it runs (`pipelined`), else synced by every commit. A new
/// connection starts pipelined; without a sync thread nothing would sync it, and its batches
/// would be answered before they are on disk.
async fn reconnect(store: &Store, pipelined: bool) -> Result<WriterConnection, LedgerError> {
    let mut fresh = store.writer().await?;
    if !pipelined {
        fresh.sync_on_commit();
    }
    Ok(fresh)
}

/// A committed batch waiting to be answered.
#[derive(Debug)]
pub(crate) struct Settled {
    replies: Vec<oneshot::Sender<Result<Committed, LedgerError>>>,
    plan: plan::Plan,
    /// The logs the batch's appends were to.
    logs: BTreeSet<LogId>,
}

/// Answers a durable batch: publishes the new heads, then answers every append.
fn deliver(settled: Settled, heads: &Heads, store: &Store, app: &tokio::runtime::Handle) {
    let Settled {
        replies,
        mut plan,
        logs,
    } = settled;
    if !heads.is_broken() {
        heads.recent.remember(std::mem::take(&mut plan.events));
    }
    for (log, head) in &plan.heads {
        heads.publish(log, head.position);
    }
    heads.finish_batch(&logs);
    for (reply, outcome) in replies.into_iter().zip(plan.outcomes) {
        match outcome {
            Outcome::Committed(committed) => {
                let _ = reply.send(Ok(committed));
            }
            Outcome::Rejected(e) => {
                let _ = reply.send(Err(e));
            }
            // Rare, and needs a read: answered on the application's runtime, beside the
            // writer, so the writer does not stall.
            Outcome::Replay { log, first, last } => {
                // Committed before this batch (by another process, perhaps), so made durable
                // by the sync that covered this batch: readers may see what the answer names.
                heads.publish(&log, last);
                let store = store.clone();
                app.spawn(async move {
                    let answer = async {
                        let limit = usize::try_from(last.get() + 1 - first.get())
                            .expect("appends are small");
                        let raw = store.read_raw(&log, first, Some(last), limit).await?;
                        plan::replayed(&into_events(&log, raw)?, first, last)
                    };
                    let _ = reply.send(answer.await);
                });
            }
        }
    }
}

/// Syncs the write-ahead log (the file exists once a batch committed; `fsync` on any descriptor
/// of a file flushes all of it), then answers the batches; if the sync fails, refuses them.
fn sync_and_deliver(
    batches: Vec<Settled>,
    wal: Option<&std::path::Path>,
    heads: &Heads,
    stats: &WriterStats,
    store: &Store,
    app: &tokio::runtime::Handle,
) {
    let synced = if heads.is_broken() {
        // Committed after a failed sync, on top of batches that may be lost: refused too.
        Err(std::io::Error::other("an earlier sync failed"))
    } else {
        match wal {
            Some(wal) => {
                let began = std::time::Instant::now();
                let synced = std::fs::File::open(wal).and_then(|f| f.sync_data());
                stats.syncs.fetch_add(1, Ordering::Relaxed);
                stats
                    .sync_us
                    .fetch_add(micros(began.elapsed()), Ordering::Relaxed);
                synced
            }
            None => Ok(()),
        }
    };
    match synced {
        Ok(()) => {
            for batch in batches {
                deliver(batch, heads, store, app);
            }
        }
        Err(e) => {
            // Whether the batches are on disk is unknown: refuse them, and every append after
            // them (see `Heads::broken`). Once the ledger is opened again, a retry with the same
            // command id replays what did reach the disk.
            if !heads.is_broken() {
                tracing::error!(error = %e, "syncing the write-ahead log failed; the ledger refuses appends until it is opened again");
                heads.mark_broken();
            }
            for batch in batches {
                heads.finish_batch(&batch.logs);
                for reply in batch.replies {
                    let _ = reply.send(Err(LedgerError::Internal(format!(
                        "syncing the write-ahead log failed: {e}"
                    ))));
                }
            }
        }
    }
}

/// A duration in whole microseconds, for the counters.
fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The refusal of an append after a failed sync.
fn broken() -> LedgerError {
    LedgerError::Internal(
        "syncing the write-ahead log failed earlier: the ledger refuses appends until it is opened again"
            .into(),
    )
}

/// Pipelined durability (SQLite): the writer commits without waiting for the disk, and this
/// thread syncs the write-ahead log for every batch committed so far, then answers them. The
/// next batch is written while the previous one is being synced; nothing is answered, and no
/// head is published to subscribers, before the sync that covers it.
fn spawn_syncer(
    wal: std::path::PathBuf,
    mut settled: mpsc::Receiver<Settled>,
    heads: Arc<Heads>,
    stats: Arc<WriterStats>,
    store: Store,
    app: tokio::runtime::Handle,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("verbund-ledger-sync".into())
        .spawn(move || {
            while let Some(first) = settled.blocking_recv() {
                let mut batches = vec![first];
                while let Ok(more) = settled.try_recv() {
                    batches.push(more);
                }
                sync_and_deliver(batches, Some(&wal), &heads, &stats, &store, &app);
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ledger, LedgerOptions, scratch::ScratchDatabase};

    fn commit(n: u64) -> crate::Commit {
        crate::store::testing::commit(n, "s", crate::ExpectedVersion::Any)
    }

    /// A ledger on a fresh SQLite file with one empty log (the file lives as long as `db`).
    async fn sqlite_log() -> (ScratchDatabase, Ledger, LogId) {
        let db = ScratchDatabase::sqlite().expect("a temporary directory");
        let ledger = Ledger::open(db.url(), LedgerOptions::default())
            .await
            .expect("open");
        let log = LogId::parse("coop").expect("valid");
        ledger.create_log(&log).await.expect("create");
        (db, ledger, log)
    }

    #[tokio::test]
    async fn the_counters_count_batches_appends_and_syncs() {
        let (_db, ledger, log) = sqlite_log().await;
        let before = ledger.writer_counters();
        for n in 1..=10 {
            ledger.append(&log, commit(n)).await.expect("append");
        }
        let after = ledger.writer_counters();
        // One at a time: each append is a batch of its own, answered only once a sync covered
        // it, and the next one is committed after that answer, so it needs a sync of its own.
        assert_eq!(after.batches - before.batches, 10);
        assert_eq!(after.appends - before.appends, 10);
        assert_eq!(after.syncs - before.syncs, 10, "{before:?} {after:?}");
        // Ten commits take well over a microsecond; a sync may round down to none.
        assert!(after.commit_us > before.commit_us, "{before:?} {after:?}");
        assert!(after.sync_us >= before.sync_us, "{before:?} {after:?}");
    }

    /// When syncing the write-ahead log fails, whether the batches it covered are on disk is
    /// unknown: they are refused, and so is every append after them (it would chain on them),
    /// and no head is raised any more; what was durable before stays readable.
    #[tokio::test]
    async fn a_failed_sync_refuses_its_batches_and_every_append_after_them() {
        let (db, ledger, log) = sqlite_log().await;
        let first = ledger.append(&log, commit(1)).await.expect("append");
        let heads = &ledger.inner.heads;
        // The batch whose sync fails holds an event at position 2.
        let written = ledger
            .read_log(&log, Position::FIRST, 1)
            .await
            .expect("read")
            .remove(0);
        let unsynced = crate::RecordedEvent {
            position: Position::new(2),
            ..written.clone()
        };

        let (reply, answer) = oneshot::channel();
        let logs = BTreeSet::from([log.clone()]);
        heads.begin_batch(&logs);
        sync_and_deliver(
            vec![Settled {
                replies: vec![reply],
                plan: plan::Plan {
                    events: vec![unsynced],
                    ..plan::Plan::default()
                },
                logs,
            }],
            Some(
                &db_dir_path(&db)
                    .join("no-such-directory")
                    .join("log.db-wal"),
            ),
            heads,
            &WriterStats::default(),
            ledger.store(),
            &tokio::runtime::Handle::current(),
        );
        let refused = answer.await.expect("answered");
        assert!(
            matches!(refused, Err(LedgerError::Internal(_))),
            "{refused:?}"
        );
        assert!(heads.is_broken());
        assert!(!ledger.accepts_appends());
        assert_eq!(heads.quiet(&log), None, "nothing from outside is adopted");

        let after = ledger.append(&log, commit(2)).await;
        assert!(matches!(after, Err(LedgerError::Internal(_))), "{after:?}");
        heads.publish(&log, Position::new(5));
        assert_eq!(ledger.known_head(&log), Some(first.last_position));
        let read = ledger
            .read_log(&log, Position::FIRST, 10)
            .await
            .expect("read");
        assert_eq!(read.len(), 1, "what was durable stays readable");
        // The writer's memory holds what was synced, never the batch whose sync failed.
        let served = ledger.writer_counters().events_from_memory;
        assert_eq!(
            ledger
                .read_event(&log, Position::FIRST)
                .await
                .expect("read"),
            Some(written)
        );
        assert_eq!(ledger.writer_counters().events_from_memory, served + 1);
        assert_eq!(
            ledger
                .read_event(&log, Position::new(2))
                .await
                .expect("read"),
            None
        );
        assert_eq!(ledger.writer_counters().events_from_memory, served + 1);
        ledger.close().await;
    }

    /// A batch under way to one log says nothing about another: readers of a quiet log may
    /// adopt what other processes wrote to it while this writer is busy with a busy one.
    #[test]
    fn batches_under_way_are_counted_per_log() {
        let heads = Heads::default();
        let (busy, quiet) = (
            LogId::parse("busy").expect("valid"),
            LogId::parse("quiet").expect("valid"),
        );
        let (to_busy, to_quiet) = (
            BTreeSet::from([busy.clone()]),
            BTreeSet::from([quiet.clone()]),
        );
        heads.begin_batch(&to_busy);
        assert_eq!(heads.quiet(&busy), None);
        let token = heads
            .quiet(&quiet)
            .expect("nothing under way to the quiet log");
        assert!(heads.quiet_since(&quiet, token));
        heads.begin_batch(&to_quiet);
        assert!(
            !heads.quiet_since(&quiet, token),
            "a batch to it began since"
        );
        assert_eq!(heads.quiet(&quiet), None);
        heads.finish_batch(&to_busy);
        assert!(heads.quiet(&busy).is_some());
        heads.finish_batch(&to_quiet);
        let both = BTreeSet::from([busy.clone(), quiet.clone()]);
        heads.begin_batch(&both);
        assert_eq!((heads.quiet(&busy), heads.quiet(&quiet)), (None, None));
        heads.finish_batch(&both);
        assert!(heads.quiet(&busy).is_some() && heads.quiet(&quiet).is_some());
    }

    /// Before showing what another process committed, a ledger syncs the write-ahead log (the
    /// other process's commit is visible before its own sync); with no write-ahead log there
    /// is nothing to sync.
    #[tokio::test]
    async fn syncing_what_others_committed_works_with_and_without_a_write_ahead_log() {
        let db = ScratchDatabase::sqlite().expect("a temporary directory");
        let wal =
            std::path::PathBuf::from(format!("{}-wal", db.url().trim_start_matches("sqlite:")));
        let ledger = Ledger::open(db.url(), LedgerOptions::default())
            .await
            .expect("open");
        let log = LogId::parse("coop").expect("valid");
        ledger.create_log(&log).await.expect("create");
        ledger.append(&log, commit(1)).await.expect("append");
        assert!(wal.exists());
        ledger.store().sync_others().await.expect("synced");
        ledger.close().await;
        if wal.exists() {
            std::fs::remove_file(&wal).expect("the closed database's WAL goes");
        }
        let store = Store::connect(db.url(), 1, 2_048, 1_000)
            .await
            .expect("the database opens");
        std::fs::remove_file(&wal).ok();
        store.sync_others().await.expect("nothing to sync");
        store.close().await;
    }

    fn db_dir_path(db: &ScratchDatabase) -> std::path::PathBuf {
        std::path::PathBuf::from(db.url().trim_start_matches("sqlite:"))
            .parent()
            .expect("a directory")
            .to_owned()
    }

    /// After a transient failure the writer takes a new connection. Without a sync thread (it
    /// could not be started) that connection must sync every commit itself, as the first one
    /// was switched to: else batches would be answered before they reach the disk.
    #[tokio::test]
    async fn a_new_connection_syncs_its_commits_unless_the_sync_thread_does() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite:{}", dir.path().join("log.db").display());
        let store = Store::connect(&url, 2, 2_048, 1_000)
            .await
            .expect("the database opens");
        let with_sync_thread = reconnect(&store, true).await.expect("a connection");
        assert!(
            with_sync_thread.pipelined_wal().is_some(),
            "the sync thread syncs the WAL"
        );
        let without = reconnect(&store, false).await.expect("a connection");
        assert_eq!(
            without.pipelined_wal(),
            None,
            "every commit syncs by itself"
        );
        for conn in [with_sync_thread, without] {
            conn.close().await.expect("closes");
        }
        store.close().await;
    }
}
