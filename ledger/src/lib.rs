//! The Verbund ledger: an append-only, hash-chained event log on SQLite or PostgreSQL.
//!
//! A database holds any number of independent logs, one per cooperative. Each log is a sequence
//! of events at positions 1, 2, 3, … without gaps; every event belongs to one stream (one
//! aggregate) at a version 1, 2, 3, … of that stream, and carries the BLAKE3 hash of its
//! predecessor, so that any change to the stored history is detectable by [`Ledger::verify`],
//! offline and in any language (`docs/ledger-format.md`). The ledger knows nothing of
//! cooperatives: event types and payloads are opaque to it.
//!
//! Appends are atomic over several streams, checked against expected stream versions,
//! idempotent by command id, and group-committed: concurrent appends share one transaction and
//! one fsync, and each is acknowledged only after that commit.
//!
//! ```no_run
//! # async fn demo() -> Result<(), verbund_ledger::LedgerError> {
//! use verbund_ledger::*;
//! let ledger = Ledger::open("sqlite:verbund.db", LedgerOptions::default()).await?;
//! let log = LogId::parse("dorfhandwerk-eg")?;
//! ledger.create_log(&log).await?;
//! let founded = NewEvent::json("CooperativeFounded", 1, &serde_json::json!({ "name": "Dorfhandwerk eG" }))?;
//! let commit = Commit::new(
//!     CommandId::parse("found-1")?,
//!     Actor::parse("cli:admin")?,
//!     None,
//!     vec![StreamAppend::new(StreamId::parse("coop")?, ExpectedVersion::NoStream, vec![founded])],
//! )?;
//! let committed = ledger.append(&log, commit).await?;
//! assert_eq!(committed.last_position, Position::FIRST);
//! assert!(ledger.verify(&log, None, &mut |_| {}).await?.is_intact());
//! # Ok(()) }
//! ```
//!
//! # Layout
//! - `ids`: validated identifiers ([`LogId`], [`StreamId`], …) and counters ([`Position`],
//!   [`StreamVersion`]).
//! - `event`: [`NewEvent`], [`Payload`] (canonical JSON), [`RecordedEvent`] (the envelope).
//! - `append`: [`Commit`] (one command's appends), [`ExpectedVersion`], [`Committed`].
//! - `hash`: the canonical encoding and [`ChainHash`].
//! - `personal`: personal-data records beside the log ([`PersonalRecord`], [`Erasure`],
//!   [`StoredRecord`]), stored and erased only within commits.
//! - `plan`: the pure decision of a batch: accept, replay or reject each append, chain the rest.
//! - `writer`: group commit.
//! - `store`: SQL, one module per database.
//! - `subscription`: catch-up-then-live reading ([`Subscription`]).
//! - `verify`: chain verification ([`VerifyReport`], [`ChainBreak`]).
//! - `scratch`: throw-away databases (SQLite file or PostgreSQL schema) for tests and benchmarks.
//! - [`limits`]: every limit the ledger enforces.

mod append;
#[cfg(feature = "bench")]
pub mod ceiling;
mod decoded;
mod error;
mod event;
mod hash;
mod ids;
pub mod limits;
mod personal;
mod plan;
mod recent;
pub mod scratch;
pub(crate) mod store;
mod subscription;
mod verify;
mod writer;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};

pub use append::{
    CommandRecord, Commit, Committed, ExpectedVersion, StreamAppend, StreamCommitted,
};
pub use decoded::Decoded;
pub use error::LedgerError;
pub use event::{EventView, Metadata, NewEvent, Payload, RecordedEvent};
pub use hash::{ChainHash, EVENT_ENCODING_V1};
pub use ids::{
    Actor, CommandId, CorrelationId, EventType, LogId, Position, StreamId, StreamVersion,
};
pub use personal::{Erasure, PersonalRecord, StoredRecord, commitment};
pub use plan::Head;
pub use subscription::Subscription;
pub use verify::{Anchor, BreakKind, ChainBreak, VerifyProgress, VerifyReport};

use store::{Store, into_events};
use writer::{BatchLimits, Heads, Request, WriterStats};

/// Tuning of a [`Ledger`]. The defaults suit both a small cooperative and the benchmark.
#[derive(Clone, Debug)]
pub struct LedgerOptions {
    /// Connections of the read pool (the writer has its own).
    pub pool_connections_max: u32,
    /// The most events one group commit writes.
    pub batch_events_max: usize,
    /// The most appends one group commit writes.
    pub batch_appends_max: usize,
    /// How long the writer waits for more appends after the first one of a batch. Zero (the
    /// default) takes only what has queued up while the previous batch was committing, which
    /// already yields large batches under load and adds no latency when idle.
    pub batch_linger: Duration,
    /// Appends waiting for the writer; further appends wait for room (back-pressure).
    pub queue_appends_max: usize,
    /// How often an idle subscription looks for events written by other processes.
    pub subscription_poll_interval: Duration,
    /// Told the size of every batch the writer commits, e.g. for metrics.
    pub batch_observer: Option<BatchObserver>,
    /// SQLite: how many events a log may hold beyond its stream index before the writer takes
    /// them in, in bulk, at the start of its next batch. Larger amortizes each index page over
    /// more entries; smaller keeps the tail that readers scan short. Unused on PostgreSQL.
    pub index_lag_events_max: u64,
    /// SQLite: `verify` scans the chain in at most this many ranges at once, each on a thread
    /// of its own; zero (the default) means one per core. Unused on PostgreSQL.
    pub verify_threads_max: usize,
    /// SQLite: the fewest positions a range of `verify`'s chain scan holds; a shorter log is
    /// scanned in fewer ranges.
    pub verify_range_events_min: u64,
    /// PostgreSQL: the most stream versions the writer remembers per log. Beyond, it forgets
    /// them all and learns them again, reading the versions it must know exactly. Zero
    /// remembers none: every batch locks its logs and reads what it must know (the careful
    /// way). Unused on SQLite.
    pub writer_streams_known_max: usize,
    /// The latest events per log the writer keeps in memory after they are durable, so that a
    /// read of one just written (`read_event`: a voter's receipt right after the vote) needs no
    /// round trip to the database; 0 keeps none. Bounded by `recent_bytes_max` too.
    pub recent_events_max: usize,
    /// Roughly the most memory those events hold, all logs together: a server following many
    /// cooperatives forgets first the logs it wrote to least recently.
    pub recent_bytes_max: usize,
}

/// Called by the writer with the appends and events of every batch it is about to commit. It
/// runs on the writer's thread: it must be quick and must not block.
#[derive(Clone)]
pub struct BatchObserver(Arc<dyn Fn(usize, usize) + Send + Sync>);

impl BatchObserver {
    /// Wraps `observe(appends, events)`.
    pub fn new(observe: impl Fn(usize, usize) + Send + Sync + 'static) -> Self {
        Self(Arc::new(observe))
    }

    pub(crate) fn observe(&self, appends: usize, events: usize) {
        (self.0)(appends, events);
    }
}

impl std::fmt::Debug for BatchObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BatchObserver")
    }
}

impl Default for LedgerOptions {
    fn default() -> Self {
        Self {
            pool_connections_max: 8,
            batch_events_max: 4_096,
            batch_appends_max: 1_024,
            batch_linger: Duration::ZERO,
            queue_appends_max: 8_192,
            subscription_poll_interval: Duration::from_millis(200),
            batch_observer: None,
            index_lag_events_max: 2_048,
            verify_threads_max: 0,
            verify_range_events_min: 65_536,
            writer_streams_known_max: 65_536,
            recent_events_max: 4_096,
            recent_bytes_max: 16 * 1024 * 1024,
        }
    }
}

/// Counters of the group-commit writer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterCounters {
    /// Batches committed (or failed) so far.
    pub batches: u64,
    /// Appends in them.
    pub appends: u64,
    /// Microseconds the appends waited in the queue before their batch began, summed over
    /// appends.
    pub queued_us: u64,
    /// Microseconds spent committing batches (the transaction, not the sync), summed.
    pub commit_us: u64,
    /// Syncs of the write-ahead log by the sync thread (SQLite; each covers one or more
    /// batches).
    pub syncs: u64,
    /// Microseconds those syncs took, summed.
    pub sync_us: u64,
    /// Events `read_event` took from the writer's memory of what it made durable last instead
    /// of reading them from the database.
    pub events_from_memory: u64,
}

/// A handle to the logs of one database. Cheap to clone; all clones share one writer.
#[derive(Clone, Debug)]
pub struct Ledger {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    queue: mpsc::Sender<Request>,
    heads: Arc<Heads>,
    stats: Arc<WriterStats>,
    options: LedgerOptions,
    /// Stops the writer and waits for it; taken by the first `close`.
    writer: std::sync::Mutex<Option<(oneshot::Sender<()>, oneshot::Receiver<()>)>>,
    /// The logs that take no writes, each with the break a verification found (also in the
    /// database, so a restart keeps them halted).
    halts: std::sync::RwLock<std::collections::HashMap<LogId, ChainBreak>>,
}

impl Ledger {
    /// Opens the database at `url` (`sqlite:PATH` or `postgres://…`), creating the SQLite file
    /// and applying migrations as needed, and starts the group-commit writer.
    pub async fn open(url: &str, options: LedgerOptions) -> Result<Self, LedgerError> {
        let store = Store::connect(
            url,
            options.pool_connections_max,
            options.index_lag_events_max,
            options.writer_streams_known_max,
        )
        .await?;
        // What is in the database at open counts as durable (a later sync covers anything a
        // crashed process left unsynced); from now on only the writer raises durable heads.
        let heads = Arc::new(Heads::new(recent::RecentLimits::from(&options)));
        let logs = store.logs().await?;
        store.sync_others().await?;
        for (log, head) in logs {
            heads.publish(&log, head.position);
        }
        let (queue, receiver) = mpsc::channel(options.queue_appends_max.max(1));
        let stats = Arc::new(WriterStats {
            observer: options.batch_observer.clone(),
            ..WriterStats::default()
        });
        let limits = BatchLimits {
            events_max: options.batch_events_max.max(limits::APPEND_EVENTS_MAX),
            appends_max: options.batch_appends_max.max(1),
            linger: options.batch_linger,
        };
        // The writer gets a thread and a runtime of its own: its many short waits on the
        // database must never queue behind the application's tasks, or every batch (and so
        // every append) waits for them. Its connection is made there, so that connection's I/O
        // is driven there too.
        let (stop, stopped) = oneshot::channel();
        let (ready_tx, ready) = oneshot::channel::<Result<(), LedgerError>>();
        let (done_tx, done) = oneshot::channel::<()>();
        let app = tokio::runtime::Handle::current();
        let (writer_store, writer_heads, writer_stats) =
            (store.clone(), Arc::clone(&heads), Arc::clone(&stats));
        std::thread::Builder::new()
            .name("verbund-ledger-writer".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready_tx.send(Err(LedgerError::Runtime(Arc::new(e))));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let connection = match writer_store.writer().await {
                        Ok(connection) => connection,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    let writer = writer::Writer {
                        store: writer_store,
                        queue: receiver,
                        shutdown: stopped,
                        heads: writer_heads,
                        stats: writer_stats,
                        limits,
                        app,
                    };
                    writer::run(writer, connection).await;
                });
                let _ = done_tx.send(());
            })
            .map_err(|e| LedgerError::Runtime(Arc::new(e)))?;
        ready.await.map_err(|_| LedgerError::Closed)??;
        let writer = std::sync::Mutex::new(Some((stop, done)));
        let halts = std::sync::RwLock::new(store.halts().await?.into_iter().collect());
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                queue,
                heads,
                stats,
                options,
                writer,
                halts,
            }),
        })
    }

    /// The break for which `log` takes no writes, if it is halted.
    pub fn halted(&self, log: &LogId) -> Option<ChainBreak> {
        self.inner
            .halts
            .read()
            .expect("the halts' lock is never poisoned")
            .get(log)
            .cloned()
    }

    /// Every halted log with its break, by log id.
    pub fn halts(&self) -> Vec<(LogId, ChainBreak)> {
        let mut halts: Vec<_> = self
            .inner
            .halts
            .read()
            .expect("the halts' lock is never poisoned")
            .iter()
            .map(|(log, found)| (log.clone(), found.clone()))
            .collect();
        halts.sort_by(|a, b| a.0.cmp(&b.0));
        halts
    }

    /// Stops `log` taking writes because its chain is broken at `found` (an earlier halt's
    /// break is kept): recorded in the database, so it holds across restarts and for the
    /// operator's commands, until [`Ledger::resume`].
    pub async fn halt(&self, log: &LogId, found: &ChainBreak) -> Result<(), LedgerError> {
        self.inner.store.set_halt(log, found).await?;
        self.inner
            .halts
            .write()
            .expect("the halts' lock is never poisoned")
            .entry(log.clone())
            .or_insert_with(|| found.clone());
        Ok(())
    }

    /// Checks the last `events` events of `log` and their link to its head — the check at a
    /// server's start — and halts the log if they are broken.
    pub async fn check_tail(
        &self,
        log: &LogId,
        events: u64,
    ) -> Result<Option<ChainBreak>, LedgerError> {
        let found = verify::verify_tail(&self.inner.store, log, events).await?;
        if let Some(found) = &found {
            self.halt(log, found).await?;
        }
        Ok(found)
    }

    /// Verifies the whole of `log` and, if it is intact, lets it take writes again (the
    /// operator's `verbund resume`, after restoring a backup). A log still broken stays
    /// halted: the report says where.
    pub async fn resume(
        &self,
        log: &LogId,
        progress: &mut (dyn FnMut(VerifyProgress) + Send),
    ) -> Result<VerifyReport, LedgerError> {
        let report = self.verify(log, None, progress).await?;
        if report.is_intact() {
            self.inner.store.clear_halt(log).await?;
            self.inner
                .halts
                .write()
                .expect("the halts' lock is never poisoned")
                .remove(log);
        }
        Ok(report)
    }

    #[cfg_attr(not(feature = "bench"), allow(dead_code))]
    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn watch_head(&self, log: &LogId) -> watch::Receiver<Position> {
        self.inner.heads.watch(log)
    }

    /// The highest position of `log` known to be on disk, where that differs from committed
    /// (SQLite, whose commits are synced by the writer's sync thread); `None` otherwise.
    pub(crate) fn durable_head(&self, log: &LogId) -> Option<Position> {
        if self.is_sqlite() {
            self.inner.heads.durable(log)
        } else {
            None
        }
    }

    /// On SQLite, raises the durable head of `log` to what the database holds when every batch
    /// of this process is answered: anything beyond was committed by another process (`verbund
    /// token issue` beside a running server). Its commit is visible before its own sync, so
    /// this process syncs the write-ahead log first. On PostgreSQL, nothing to do: reads are
    /// not capped there.
    pub(crate) async fn adopt_external_head(&self, log: &LogId) -> Result<(), LedgerError> {
        if !self.is_sqlite() {
            return Ok(());
        }
        let Some(token) = self.inner.heads.quiet(log) else {
            return Ok(());
        };
        let Some(head) = self.inner.store.head(log).await? else {
            return Ok(());
        };
        if self
            .inner
            .heads
            .durable(log)
            .is_some_and(|known| known >= head.position)
        {
            return Ok(());
        }
        self.inner.store.sync_others().await?;
        if self.inner.heads.quiet_since(log, token) {
            self.inner.heads.publish(log, head.position);
        }
        Ok(())
    }

    /// The last position of `log` this process knows to be durable, without asking the
    /// database: what its own writer committed, and on SQLite what other processes' commits a
    /// subscription adopted. `None` for a log this ledger has not seen.
    pub fn known_head(&self, log: &LogId) -> Option<Position> {
        self.inner.heads.durable(log)
    }

    /// False once syncing the write-ahead log failed: from then on every append is refused
    /// (whether the last batches reached the disk is unknown), until the ledger is opened
    /// again.
    pub fn accepts_appends(&self) -> bool {
        !self.inner.heads.is_broken()
    }

    /// True if this ledger is on SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.inner.store.is_sqlite()
    }

    /// Creates an empty log. Fails with [`LedgerError::LogExists`] if it exists.
    pub async fn create_log(&self, log: &LogId) -> Result<(), LedgerError> {
        self.inner
            .store
            .create_log(log, jiff::Timestamp::now().as_microsecond())
            .await?;
        self.inner.heads.publish(log, Position::ZERO);
        Ok(())
    }

    /// All logs of the database with their heads, ordered by id.
    pub async fn logs(&self) -> Result<Vec<(LogId, Head)>, LedgerError> {
        self.inner.store.logs().await
    }

    /// Writes a consistent copy of a SQLite database to the file `to`, which must not exist,
    /// while appends go on: the copy holds every commit acknowledged before it began (SQLite's
    /// `VACUUM INTO`, not a copy of the file). A PostgreSQL database is backed up with
    /// PostgreSQL's own tools (`pg_dump`): [`LedgerError::UnsupportedUrl`].
    pub async fn backup_into(&self, to: &std::path::Path) -> Result<(), LedgerError> {
        match &self.inner.store {
            store::Store::Sqlite(store) => store.backup_into(to).await,
            store::Store::Postgres(_) => Err(LedgerError::UnsupportedUrl(
                "a PostgreSQL database is backed up with pg_dump (docs/operations.md)".into(),
            )),
        }
    }

    /// The head of a log as committed; on SQLite it may include a batch whose sync to disk is
    /// still running, so it can be ahead of what `read_log` returns for a moment.
    pub async fn head(&self, log: &LogId) -> Result<Head, LedgerError> {
        self.inner
            .store
            .head(log)
            .await?
            .ok_or_else(|| LedgerError::UnknownLog(log.clone()))
    }

    /// Appends one command's events atomically, through group commit; see [`Commit`]. Returns
    /// after the events are durably committed.
    pub async fn append(&self, log: &LogId, commit: Commit) -> Result<Committed, LedgerError> {
        if let Some(found) = self.halted(log) {
            return Err(LedgerError::Halted {
                log: log.clone(),
                found,
            });
        }
        let (reply, answer) = oneshot::channel();
        self.inner
            .queue
            .send(Request {
                log: log.clone(),
                commit,
                reply,
                queued_at: std::time::Instant::now(),
            })
            .await
            .map_err(|_| LedgerError::Closed)?;
        answer.await.map_err(|_| LedgerError::Closed)?
    }

    /// Appends in a transaction of its own on a pooled connection, bypassing group commit: one
    /// commit and one fsync per append, as most event stores do. Only the benchmark's baseline
    /// uses it.
    #[cfg(feature = "bench")]
    pub async fn append_unbatched(
        &self,
        log: &LogId,
        commit: Commit,
    ) -> Result<Committed, LedgerError> {
        if let Some(found) = self.halted(log) {
            return Err(LedgerError::Halted {
                log: log.clone(),
                found,
            });
        }
        let requests = [(log.clone(), commit)];
        let plan = self
            .inner
            .store
            .commit_unbatched(&requests, jiff::Timestamp::now().as_microsecond())
            .await?;
        // This commit synced on its own: its events are durable, so readers may see them.
        for (log, head) in &plan.heads {
            self.inner.heads.publish(log, head.position);
        }
        match plan
            .outcomes
            .into_iter()
            .next()
            .expect("one outcome per request")
        {
            plan::Outcome::Committed(committed) => Ok(committed),
            plan::Outcome::Rejected(e) => Err(e),
            plan::Outcome::Replay { log, first, last } => {
                let limit =
                    usize::try_from(last.get() + 1 - first.get()).expect("appends are small");
                let raw = self
                    .inner
                    .store
                    .read_raw(&log, first, Some(last), limit)
                    .await?;
                plan::replayed(&into_events(&log, raw)?, first, last)
            }
        }
    }

    /// Up to `limit` events of the log from position `from` on (at most
    /// [`limits::READ_EVENTS_MAX`]); fewer than `limit` means the head was reached.
    pub async fn read_log(
        &self,
        log: &LogId,
        from: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, LedgerError> {
        let raw = self
            .inner
            .store
            .read_raw(
                log,
                from.max(Position::FIRST),
                self.durable_head(log),
                limit.min(limits::READ_EVENTS_MAX),
            )
            .await?;
        if raw.is_empty() {
            // Tell an empty page of a real log from an unknown log.
            self.head(log).await?;
        }
        into_events(log, raw)
    }

    /// The durable event at `position`, if the log holds one there: from this process's
    /// memory of the events its writer made durable last when it is among them (a voter's
    /// receipt right after the vote), else from the database. That memory is what the writer
    /// wrote; a reader that checks the stored record itself (an auditor's pages, the API's
    /// pages of events) reads with [`Ledger::read_log`], and [`Ledger::verify`] checks it.
    pub async fn read_event(
        &self,
        log: &LogId,
        position: Position,
    ) -> Result<Option<RecordedEvent>, LedgerError> {
        if let Some(event) = self.inner.heads.recent.get(log, position) {
            return Ok(Some(event));
        }
        let read = self.read_log(log, position, 1).await?;
        Ok(read.into_iter().find(|event| event.position == position))
    }

    /// Up to `limit` events of the log from position `from` on, each handed to `decode` as a
    /// view of the stored row, until `decode` refuses one. For readers that keep their own
    /// types: the decoding runs where the rows are read (on SQLite, a blocking thread walking
    /// them in place), so nothing is copied that `decode` does not keep.
    pub async fn read_log_decoded<T, E, F>(
        &self,
        log: &LogId,
        from: Position,
        limit: usize,
        decode: F,
    ) -> Result<Decoded<T, E>, LedgerError>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: FnMut(EventView<'_>) -> Result<T, E> + Send + 'static,
    {
        let from = from.max(Position::FIRST);
        let limit = limit.min(limits::READ_EVENTS_MAX);
        let to = self.durable_head(log);
        let decoder = self
            .inner
            .store
            .read_visit(
                log,
                from,
                to,
                limit,
                decoded::Decoder::new(log, from, to, limit, decode),
            )
            .await?;
        if decoder.is_empty() {
            // Tell an empty page of a real log from an unknown log.
            self.head(log).await?;
        }
        Ok(decoder.into_parts().0)
    }

    /// Up to `limit` events of one stream from version `from` on, in version order.
    pub async fn read_stream(
        &self,
        log: &LogId,
        stream: &StreamId,
        from: StreamVersion,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, LedgerError> {
        let raw = self
            .inner
            .store
            .read_stream(
                log,
                stream,
                from,
                self.durable_head(log),
                limit.min(limits::READ_EVENTS_MAX),
            )
            .await?;
        if raw.is_empty() {
            self.head(log).await?;
        }
        into_events(log, raw)
    }

    /// Follows the log from position `from` on: first the stored events, then new ones as they
    /// are committed, each exactly once and in order.
    pub async fn subscribe(
        &self,
        log: &LogId,
        from: Position,
    ) -> Result<Subscription, LedgerError> {
        let head = self.head(log).await?;
        if self.inner.heads.durable(log).is_none() {
            // A log another process created after this ledger opened.
            self.inner.store.sync_others().await?;
            self.inner.heads.publish(log, head.position);
        }
        Ok(Subscription::new(
            self.clone(),
            log.clone(),
            from,
            self.inner.options.subscription_poll_interval,
        ))
    }

    /// Recomputes the chain of `log` from position 1 up to its current head and reports the
    /// first break. `anchor`, if given, is a hash known from outside the database that the log
    /// must still contain. `progress` is called after every page.
    pub async fn verify(
        &self,
        log: &LogId,
        anchor: Option<Anchor>,
        progress: &mut (dyn FnMut(VerifyProgress) + Send),
    ) -> Result<VerifyReport, LedgerError> {
        let report = verify::verify(
            &self.inner.store,
            log,
            anchor,
            verify::Ranges {
                threads_max: self.inner.options.verify_threads_max,
                events_min: self.inner.options.verify_range_events_min,
            },
            progress,
        )
        .await?;
        // A broken chain takes no more writes on top of it.
        if let Some(found) = &report.first_break {
            self.halt(log, found).await?;
        }
        Ok(report)
    }

    /// The command `command` of `log`, if the log has committed it (and, on SQLite, it is
    /// durable). A caller checks [`CommandRecord::is_request`] to tell a retry of the same
    /// request from a reused key before deciding anew.
    pub async fn find_command(
        &self,
        log: &LogId,
        command: &CommandId,
    ) -> Result<Option<CommandRecord>, LedgerError> {
        let found = self.inner.store.find_command(log, command).await?;
        let durable = self.durable_head(log);
        Ok(found
            .filter(|stored| durable.is_none_or(|head| stored.last <= head))
            .map(|stored| CommandRecord::new(stored.first, stored.last, stored.fingerprint)))
    }

    /// The personal-data records of `log` with these ids, as far as they exist (at most
    /// [`limits::READ_RECORDS_MAX`] ids per call). A record is read only once its commit is
    /// durable, like the events that refer to it.
    pub async fn personal_records(
        &self,
        log: &LogId,
        ids: &[&str],
    ) -> Result<Vec<(String, StoredRecord)>, LedgerError> {
        if ids.len() > limits::READ_RECORDS_MAX {
            return Err(LedgerError::TooLarge {
                what: "records of one read",
                size: ids.len(),
                max: limits::READ_RECORDS_MAX,
            });
        }
        let durable = self.durable_head(log);
        let records = self.inner.store.records(log, ids).await?;
        if records.is_empty() {
            // Nothing found: an unknown log is an error, as for every other read.
            self.head(log).await?;
        }
        Ok(records
            .into_iter()
            .filter(|(_, record)| {
                let stored_at = match record {
                    StoredRecord::Present { stored_at, .. }
                    | StoredRecord::Erased { stored_at, .. } => *stored_at,
                };
                durable.is_none_or(|head| stored_at <= head)
            })
            .collect())
    }

    /// Batches and appends the writer has committed so far, and where their time went.
    pub fn writer_counters(&self) -> WriterCounters {
        WriterCounters {
            batches: self.inner.stats.batches.load(Ordering::Relaxed),
            appends: self.inner.stats.appends.load(Ordering::Relaxed),
            queued_us: self.inner.stats.queued_us.load(Ordering::Relaxed),
            commit_us: self.inner.stats.commit_us.load(Ordering::Relaxed),
            syncs: self.inner.stats.syncs.load(Ordering::Relaxed),
            sync_us: self.inner.stats.sync_us.load(Ordering::Relaxed),
            events_from_memory: self.inner.heads.recent.served(),
        }
    }

    /// Shuts down for every clone of this ledger: appends already queued are committed and
    /// answered, later ones fail with [`LedgerError::Closed`], and all connections are closed
    /// (on SQLite this checkpoints the write-ahead log into the database file).
    pub async fn close(&self) {
        let writer = self
            .inner
            .writer
            .lock()
            .expect("the writer lock is never poisoned")
            .take();
        if let Some((stop, done)) = writer {
            let _ = stop.send(());
            if done.await.is_err() {
                tracing::error!("the ledger writer ended abnormally");
            }
        }
        self.inner.store.close().await;
    }
}
