//! A fresh database per test: a new SQLite file in a temporary directory, or a new schema on the
//! PostgreSQL server named by `VERBUND_TEST_PG_URL`.

use serde_json::json;
use sqlx::Connection;
use verbund_ledger::scratch::ScratchDatabase;
use verbund_ledger::*;

/// Runs each named test function once on SQLite and once on PostgreSQL.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = crate::support::TestDb::sqlite().await;
                    let outcome = crate::support::catch(super::$name(&db)).await;
                    db.clean_up_then(outcome).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = crate::support::TestDb::postgres(stringify!($name)).await else { return };
                    let outcome = crate::support::catch(super::$name(&db)).await;
                    db.clean_up_then(outcome).await;
                }
            )*
        }
    };
}
pub(crate) use on_both_databases;

#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    scratch: ScratchDatabase,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        Self::from(ScratchDatabase::sqlite().expect("a temporary directory"))
    }

    /// A fresh schema, or `None` (with a message on the terminal) when no server is configured.
    pub async fn postgres(test: &str) -> Option<Self> {
        ScratchDatabase::postgres_for_test(test, "ledger_test")
            .await
            .map(Self::from)
    }

    fn from(scratch: ScratchDatabase) -> Self {
        Self {
            url: scratch.url().to_owned(),
            scratch,
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.scratch.is_sqlite()
    }

    pub async fn ledger(&self) -> Ledger {
        self.ledger_with(|_| {}).await
    }

    /// A ledger with the suite's options as `change` leaves them.
    pub async fn ledger_with(&self, change: impl FnOnce(&mut LedgerOptions)) -> Ledger {
        let mut options = LedgerOptions {
            pool_connections_max: 4,
            // Small, so that on SQLite the suite takes tails into the indexes again and
            // again and reads and verifies logs that are part indexed, part tail.
            index_lag_events_max: 7,
            // Verification on SQLite scans the chain in ranges of five positions on up to
            // six threads, so that tampering at, before and after the ranges' seams (and a
            // range left empty by a cut tail) must be found as one scan would find it.
            verify_threads_max: 6,
            verify_range_events_min: 5,
            // On PostgreSQL the writer forgets the stream versions it knows whenever a log
            // has more than three, so the suite decides batches on half-known streams (new
            // ones guessed, forgotten ones read again) all the time.
            writer_streams_known_max: 3,
            // The writer keeps only its last five events in memory, so that reads of what was
            // just written are answered from there, and longer or older ones from the
            // database.
            recent_events_max: 5,
            ..LedgerOptions::default()
        };
        change(&mut options);
        Ledger::open(&self.url, options)
            .await
            .expect("the test database opens")
    }

    /// A ledger whose writer keeps no events in memory: every read goes to the database.
    pub async fn ledger_without_memory(&self) -> Ledger {
        self.ledger_with(|options| options.recent_events_max = 0)
            .await
    }

    /// Runs raw SQL, as an attacker with write access to the database would.
    pub async fn exec(&self, sql: &str) {
        self.run(sql).await.expect("raw sql");
    }

    /// Runs raw SQL and returns the error, for statements the database must refuse.
    pub async fn exec_err(&self, sql: &str) -> String {
        self.run(sql)
            .await
            .expect_err("the database refuses this statement")
    }

    async fn run(&self, sql: &str) -> Result<(), String> {
        let result = if self.is_sqlite() {
            let mut conn = sqlx::SqliteConnection::connect(&self.url)
                .await
                .expect("connect");
            sqlx::raw_sql(sql).execute(&mut conn).await.map(|_| ())
        } else {
            let mut conn = sqlx::PgConnection::connect(&self.url)
                .await
                .expect("connect");
            sqlx::raw_sql(sql).execute(&mut conn).await.map(|_| ())
        };
        result.map_err(|e| e.to_string())
    }

    /// Drops the database's append-only guard, as an attacker with full access could.
    pub async fn drop_append_only_guard(&self) {
        if self.is_sqlite() {
            self.exec(
                "DROP TRIGGER ledger_events_no_update; DROP TRIGGER ledger_events_no_delete;",
            )
            .await;
        } else {
            self.exec("DROP TRIGGER ledger_events_append_only ON ledger_events")
                .await;
        }
    }

    /// Removes the database, then passes on the panic of a failed test body: a failing test
    /// must not leave its schema behind on a shared server.
    pub async fn clean_up_then(self, outcome: std::thread::Result<()>) {
        self.cleanup().await;
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }

    pub async fn cleanup(self) {
        self.scratch
            .remove()
            .await
            .expect("the scratch database goes away");
    }
}

/// Runs a test body and catches its panic, so that its database can be removed first.
pub async fn catch(body: impl std::future::Future<Output = ()>) -> std::thread::Result<()> {
    use futures_util::FutureExt as _;
    std::panic::AssertUnwindSafe(body).catch_unwind().await
}

pub fn log(name: &str) -> LogId {
    LogId::parse(name).expect("valid log id")
}

pub fn stream(name: &str) -> StreamId {
    StreamId::parse(name).expect("valid stream id")
}

pub fn event(kind: &str, n: u64) -> NewEvent {
    NewEvent::json(kind, 1, &json!({ "n": n, "note": format!("event {n}") })).expect("valid event")
}

/// A commit of `events` to one stream.
pub fn commit(
    id: &str,
    stream_name: &str,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
) -> Commit {
    Commit::new(
        CommandId::parse(id).expect("valid command id"),
        Actor::parse("test:runner").expect("valid actor"),
        None,
        vec![StreamAppend::new(stream(stream_name), expected, events)],
    )
    .expect("valid commit")
}

pub fn exact(version: u64) -> ExpectedVersion {
    ExpectedVersion::Exact(StreamVersion::new(version).expect("versions start at 1"))
}

/// Appends `n` single-event commits round-robin over `streams` streams.
pub async fn fill(ledger: &Ledger, log_id: &LogId, n: u64, streams: u64) {
    for i in 0..n {
        let c = commit(
            &format!("fill-{i}"),
            &format!("s{}", i % streams),
            ExpectedVersion::Any,
            vec![event("Filled", i)],
        );
        ledger.append(log_id, c).await.expect("append");
    }
}

pub async fn all_events(ledger: &Ledger, log_id: &LogId) -> Vec<RecordedEvent> {
    let mut events = Vec::new();
    loop {
        let page = ledger
            .read_log(log_id, Position::new(events.len() as u64 + 1), 1_000)
            .await
            .expect("read");
        let done = page.len() < 1_000;
        events.extend(page);
        if done {
            return events;
        }
    }
}

pub async fn verify(ledger: &Ledger, log_id: &LogId) -> VerifyReport {
    ledger
        .verify(log_id, None, &mut |_| {})
        .await
        .expect("verify runs")
}
