//! The application: the ledger, the projections of every cooperative, and the one path every
//! command takes.
//!
//! Architecture invariant: nothing here knows HTTP. The HTTP edge (`crate::http`) and the CLI
//! both call [`App`].

pub mod ballot_keys;
pub mod books;
mod commands;
mod execute;
pub mod governance;
pub mod membership;
mod people;
mod tokens;

/// Today in the machine's time zone: the day commands are decided on and "now" reads show.
///
/// The zone is looked up once per process: asked on every request (twice in a member's read)
/// the lookup read the `TZ` variable each time, a measurable share of a small read's CPU.
/// A zone changed while the server runs takes effect at its next start.
pub fn today() -> jiff::civil::Date {
    day_of(jiff::Timestamp::now())
}

/// The day of a moment in the machine's time zone, as [`today`] reads it.
pub fn day_of(moment: jiff::Timestamp) -> jiff::civil::Date {
    static ZONE: std::sync::OnceLock<jiff::tz::TimeZone> = std::sync::OnceLock::new();
    ZONE.get_or_init(jiff::tz::TimeZone::system)
        .to_datetime(moment)
        .date()
}

use std::collections::HashMap;
use std::sync::Arc;

use verbund_ledger::{BatchObserver, Ledger, LedgerOptions, LogId};
use verbund_projections::{Runtime, RuntimeOptions, SnapshotStore};

pub use books::{ProfitFacts, member_facts, profit_facts};
pub use commands::{
    FoundingFile, OpeningFile, OpeningMemberRow, first_event, found_cooperative, issue_token,
    move_in_cooperative, parse_coop, parse_opening_members, revoke_token, seal, seal_json,
    seal_serving, seal_text, start_session,
};
pub use execute::{
    Command, Counts, ExecError, Executed, Reads, Request, State, caught_up, execute, stream_id,
};
pub use governance::{
    Closed, KeyRetention, Recount, close_ballot, destroy_expired_ballot_keys, open_ballot, recount,
    seal_vote, unseal_marks,
};
pub use membership::{Retention, erase_expired_records};
pub use tokens::{IssuedToken, TokenSecret, new_person, random_hex};

use crate::metrics::Metrics;

/// Settings of a running application.
#[derive(Clone, Debug)]
pub struct Config {
    /// The database: `sqlite:PATH` or `postgres://…`.
    pub database_url: String,
    /// Projections tuning.
    pub runtime: RuntimeOptions,
    /// Ledger tuning (its batch observer is the application's metrics).
    pub ledger: LedgerOptions,
    /// The key store: every secret Verbund keeps outside the database, so that the database
    /// and its backups alone reveal none (the keys of secret and hidden ballots, W1, in its
    /// `ballots` directory).
    pub key_store: std::path::PathBuf,
}

impl Config {
    /// The settings for `database_url`, with the key store in its default place and the
    /// projections' defaults.
    pub fn new(database_url: &str) -> Self {
        Self {
            database_url: database_url.to_owned(),
            runtime: RuntimeOptions::default(),
            ledger: LedgerOptions::default(),
            key_store: default_key_store(database_url),
        }
    }
}

/// The file of a SQLite database URL (`sqlite:PATH`, `sqlite://PATH?…`); `None` for
/// PostgreSQL and an in-memory database.
pub fn sqlite_file(database_url: &str) -> Option<std::path::PathBuf> {
    let path = database_url.strip_prefix("sqlite:")?;
    let path = path.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or(path);
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// Where the key store is unless told: beside a SQLite file (`FILE` → `FILE.keys`), for
/// PostgreSQL `verbund-keys` under the user's data directory (`$XDG_DATA_HOME`, else
/// `~/.local/share`), else the working directory. Key ids are random, so one store may serve
/// several databases.
pub fn default_key_store(database_url: &str) -> std::path::PathBuf {
    use std::path::PathBuf;
    if let Some(path) = sqlite_file(database_url) {
        let mut name = path.into_os_string();
        name.push(".keys");
        return PathBuf::from(name);
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")));
    match data {
        Some(data) => data.join("verbund-keys"),
        None => PathBuf::from("verbund-keys"),
    }
}

/// One Verbund process: the ledger and the projections of every cooperative in its database.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    ledger: Ledger,
    snapshots: SnapshotStore,
    config: Config,
    metrics: Metrics,
    /// A plain lock: held only for a map lookup or insert, never across an await.
    runtimes: std::sync::RwLock<HashMap<LogId, Arc<Runtime>>>,
    /// One permit per open event stream (SSE).
    streams: Arc<tokio::sync::Semaphore>,
    /// One permit per export of the books being written.
    exports: Arc<tokio::sync::Semaphore>,
    /// Serializes the start of runtimes, so a cooperative is never followed twice.
    starting: tokio::sync::Mutex<()>,
    /// Cooperatives whose projections failed to start, when and why: tried again only after
    /// [`START_RETRY_AFTER`], so that requests to a broken cooperative do not fold its log
    /// again each time.
    failed: std::sync::Mutex<HashMap<LogId, (std::time::Instant, String)>>,
    /// Verified personal data, by record.
    people: people::PeopleCache,
    /// The keys of secret and hidden ballots (W1).
    ballot_keys: ballot_keys::BallotKeys,
    /// One turn at a time on each cooperative's books (see [`App::books_turn`]).
    books_turns: std::sync::Mutex<HashMap<LogId, Arc<tokio::sync::Mutex<()>>>>,
    /// True once the process is stopping: requests that would run on (event streams) end.
    stopping: tokio::sync::watch::Sender<bool>,
}

/// The events at the end of each log checked when a server starts (with their link to the
/// recorded head): a tampered tail is found before anything is written on top of it, in well
/// under a second however long the log.
pub const START_CHECK_EVENTS: u64 = 1_000;

impl App {
    /// Opens the database and starts following every cooperative in it.
    pub async fn open(config: Config) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let metrics = Metrics::default();
        let observer = {
            let metrics = metrics.clone();
            BatchObserver::new(move |appends, events| metrics.observe_batch(appends, events))
        };
        let options = LedgerOptions {
            batch_observer: Some(observer),
            ..config.ledger.clone()
        };
        let redacted = crate::cmd::redact(&config.database_url);
        let ledger = Ledger::open(&config.database_url, options)
            .await
            .with_context(|| format!("cannot open the database {redacted}"))?;
        let snapshots = SnapshotStore::open(&config.database_url)
            .await
            .with_context(|| format!("cannot open the snapshot table in {redacted}"))?;
        let ballot_keys =
            ballot_keys::BallotKeys::in_store(&config.key_store).with_context(|| {
                format!("cannot create the key store {}", config.key_store.display())
            })?;
        let app = Self {
            inner: Arc::new(Inner {
                ballot_keys,
                books_turns: Default::default(),
                stopping: tokio::sync::watch::Sender::new(false),
                ledger,
                snapshots,
                config,
                metrics,
                runtimes: Default::default(),
                streams: Arc::new(tokio::sync::Semaphore::new(EVENT_STREAMS_MAX)),
                exports: Arc::new(tokio::sync::Semaphore::new(EXPORTS_MAX)),
                starting: Default::default(),
                failed: Default::default(),
                people: Default::default(),
            }),
        };
        // Before serving, the tail of every log and its link to the recorded head: a log whose
        // chain is broken takes no writes on top of the break (and `/readyz` says why).
        for (log, _) in app.ledger().logs().await? {
            if let Some(found) = app.ledger().check_tail(&log, START_CHECK_EVENTS).await? {
                tracing::error!(%log, %found, "the log's chain is broken: it takes no writes");
            }
        }
        // One cooperative whose projections cannot start (an event this build cannot read)
        // must not keep the others from being served: it is reported by `/readyz` and its
        // requests fail.
        app.discover().await?;
        governance::check_key_store(&app).await?;
        Ok(app)
    }

    fn runtimes_read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<LogId, Arc<Runtime>>> {
        self.inner
            .runtimes
            .read()
            .expect("the runtimes' lock is never poisoned")
    }

    fn runtimes_write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<LogId, Arc<Runtime>>> {
        self.inner
            .runtimes
            .write()
            .expect("the runtimes' lock is never poisoned")
    }

    /// The event log.
    pub fn ledger(&self) -> &Ledger {
        &self.inner.ledger
    }

    /// The snapshot table.
    pub fn snapshots(&self) -> &SnapshotStore {
        &self.inner.snapshots
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The permits for event streams.
    pub fn streams(&self) -> &Arc<tokio::sync::Semaphore> {
        &self.inner.streams
    }

    /// The permits for exports of the books.
    pub fn exports(&self) -> &Arc<tokio::sync::Semaphore> {
        &self.inner.exports
    }

    /// The cache of verified personal data.
    pub(crate) fn people_cache(&self) -> &people::PeopleCache {
        &self.inner.people
    }

    /// Says that the process is stopping: event streams end, so that the requests in flight
    /// can finish.
    pub fn begin_stopping(&self) {
        self.inner.stopping.send_replace(true);
    }

    /// Resolves once the process is stopping.
    pub fn stopping(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut stopping = self.inner.stopping.subscribe();
        async move {
            // An error means the application is gone: stopping as well.
            let _ = stopping.wait_for(|stopping| *stopping).await;
        }
    }

    /// Waits for this process's turn on the books of `log`: held while a command on them is
    /// decided and appended, so that payments to different members do not fail each other.
    pub async fn books_turn(&self, log: &LogId) -> tokio::sync::OwnedMutexGuard<()> {
        let turn = {
            let mut turns = self
                .inner
                .books_turns
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            Arc::clone(turns.entry(log.clone()).or_default())
        };
        turn.lock_owned().await
    }

    /// The keys of secret and hidden ballots (W1).
    pub fn ballot_keys(&self) -> &ballot_keys::BallotKeys {
        &self.inner.ballot_keys
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The projections of a cooperative, if its log exists. A log created by another process
    /// since this one started is found and followed from here on.
    pub async fn coop(&self, log: &LogId) -> anyhow::Result<Option<Arc<Runtime>>> {
        let running = self.runtimes_read().get(log).map(Arc::clone);
        if let Some(runtime) = running {
            let verbund_projections::Status::Failed(why) = runtime.status() else {
                return Ok(Some(runtime));
            };
            // Its states stand still at the event it failed on: never served (a token revoked
            // after it would still be accepted). Started again after a while, like a start
            // that failed.
            {
                let mut runtimes = self.runtimes_write();
                if runtimes.get(log).is_some_and(|r| Arc::ptr_eq(r, &runtime)) {
                    runtimes.remove(log);
                }
            }
            runtime.stop().await;
            return Err(
                self.record_failure(log, format!("the projections of {log} stopped: {why}"))
            );
        }
        match self.ledger().head(log).await {
            Ok(_) => self.start_runtime(log).await.map(Some),
            Err(verbund_ledger::LedgerError::UnknownLog(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every cooperative followed, by id.
    pub async fn coops(&self) -> Vec<(LogId, Arc<Runtime>)> {
        let mut coops: Vec<_> = self
            .inner
            .runtimes
            .read()
            .expect("the runtimes' lock is never poisoned")
            .iter()
            .map(|(log, runtime)| (log.clone(), Arc::clone(runtime)))
            .collect();
        coops.sort_by(|a, b| a.0.cmp(&b.0));
        coops
    }

    /// Looks for cooperatives created by other processes and follows them. A cooperative
    /// whose projections fail to start is left out (and reported by [`App::failed_starts`]).
    pub async fn discover(&self) -> anyhow::Result<()> {
        for (log, _) in self.ledger().logs().await? {
            if !self.runtimes_read().contains_key(&log) {
                // Logged and recorded by `start_runtime`.
                let _ = self.start_runtime(&log).await;
            }
        }
        Ok(())
    }

    /// The cooperatives whose projections failed to start, and why.
    pub fn failed_starts(&self) -> Vec<(LogId, String)> {
        let mut failed: Vec<_> = self
            .failures()
            .iter()
            .map(|(log, (_, why))| (log.clone(), why.clone()))
            .collect();
        failed.sort();
        failed
    }

    async fn start_runtime(&self, log: &LogId) -> anyhow::Result<Arc<Runtime>> {
        let _starting = self.inner.starting.lock().await;
        if let Some(runtime) = self.runtimes_read().get(log) {
            return Ok(Arc::clone(runtime));
        }
        if let Some((at, why)) = self.failures().get(log)
            && at.elapsed() < START_RETRY_AFTER
        {
            anyhow::bail!("{why}");
        }
        match self.try_start_runtime(log).await {
            Ok(runtime) => {
                self.failures().remove(log);
                Ok(runtime)
            }
            Err(e) => {
                Err(self
                    .record_failure(log, format!("the projections of {log} cannot start: {e:#}")))
            }
        }
    }

    /// The failed starts, by cooperative.
    fn failures(&self) -> std::sync::MutexGuard<'_, HashMap<LogId, (std::time::Instant, String)>> {
        self.inner
            .failed
            .lock()
            .expect("the failures' lock is never poisoned")
    }

    /// Logs why `log`'s projections are not served and remembers it until a start is tried
    /// again ([`START_RETRY_AFTER`]).
    fn record_failure(&self, log: &LogId, why: String) -> anyhow::Error {
        tracing::error!("{why}");
        self.failures()
            .insert(log.clone(), (std::time::Instant::now(), why.clone()));
        anyhow::anyhow!(why)
    }

    async fn try_start_runtime(&self, log: &LogId) -> anyhow::Result<Arc<Runtime>> {
        let head = self.ledger().head(log).await?.position;
        let runtime = Arc::new(
            Runtime::start(
                self.ledger().clone(),
                Some(self.snapshots().clone()),
                log.clone(),
                self.config().runtime.clone(),
            )
            .await?,
        );
        // Serve a cooperative only once its projections caught up with the log as it was: a
        // token issued before the start must work from the first request on.
        if let Err(e) = runtime.wait_for(head, CATCH_UP_TIMEOUT).await {
            runtime.stop().await;
            anyhow::bail!("they did not catch up with position {head}: {e}");
        }
        self.inner
            .runtimes
            .write()
            .expect("the runtimes' lock is never poisoned")
            .insert(log.clone(), Arc::clone(&runtime));
        Ok(runtime)
    }

    /// Stops every runtime (after a last snapshot) and closes the database.
    pub async fn close(&self) {
        let runtimes: Vec<_> = self.runtimes_write().drain().collect();
        for (_, runtime) in runtimes {
            runtime.stop().await;
        }
        self.inner.snapshots.close().await;
        self.inner.ledger.close().await;
    }
}

/// How long after a failed start a cooperative's projections are tried again.
const START_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// How long a start may take to fold a cooperative's log (beyond its snapshots).
const CATCH_UP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// The most event streams (SSE) served at once.
pub const EVENT_STREAMS_MAX: usize = 256;

/// The most exports of the books written at once: each takes a core and holds the whole file
/// in memory (a hundred megabytes for a large cooperative), and runs to its end even when its
/// request has timed out.
pub const EXPORTS_MAX: usize = 2;
