//! A fresh database per test: a new SQLite file in a temporary directory, or a new schema on the
//! PostgreSQL server named by `VERBUND_TEST_PG_URL`.

use std::io::Write;

use serde_json::json;
use sqlx::Connection;
use verbund_ledger::scratch::ScratchSchema;
use verbund_ledger::*;

pub const PG_URL_VAR: &str = "VERBUND_TEST_PG_URL";

/// Runs each named test function once on SQLite and once on PostgreSQL.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = crate::support::TestDb::sqlite().await;
                    super::$name(&db).await;
                    db.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = crate::support::TestDb::postgres(stringify!($name)).await else { return };
                    super::$name(&db).await;
                    db.cleanup().await;
                }
            )*
        }
    };
}
pub(crate) use on_both_databases;

#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    schema: Option<ScratchSchema>,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite:{}", dir.path().join("ledger.db").display());
        Self {
            url,
            _dir: Some(dir),
            schema: None,
        }
    }

    /// A fresh schema, or `None` (with a message on the terminal) when no server is configured.
    pub async fn postgres(test: &str) -> Option<Self> {
        let Ok(base) = std::env::var(PG_URL_VAR) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{PG_URL_VAR} must be set in CI"
            );
            // Written past the test harness's capture, so a skipped test is never mistaken for
            // a passed one.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED on PostgreSQL: {test} ({PG_URL_VAR} is not set)"
            );
            return None;
        };
        let schema = ScratchSchema::create(&base, "ledger_test")
            .await
            .expect("a scratch schema");
        Some(Self {
            url: schema.url().to_owned(),
            _dir: None,
            schema: Some(schema),
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.schema.is_none()
    }

    pub async fn ledger(&self) -> Ledger {
        Ledger::open(
            &self.url,
            LedgerOptions {
                pool_connections_max: 4,
                ..LedgerOptions::default()
            },
        )
        .await
        .expect("the test database opens")
    }

    /// Runs raw SQL, as an attacker with write access to the database would.
    pub async fn exec(&self, sql: &str) {
        if self.is_sqlite() {
            let mut conn = sqlx::SqliteConnection::connect(&self.url)
                .await
                .expect("connect");
            sqlx::raw_sql(sql)
                .execute(&mut conn)
                .await
                .expect("raw sql");
        } else {
            let mut conn = sqlx::PgConnection::connect(&self.url)
                .await
                .expect("connect");
            sqlx::raw_sql(sql)
                .execute(&mut conn)
                .await
                .expect("raw sql");
        }
    }

    /// Runs raw SQL and returns the error, for statements the database must refuse.
    pub async fn exec_err(&self, sql: &str) -> String {
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
        result
            .expect_err("the database refuses this statement")
            .to_string()
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

    pub async fn cleanup(self) {
        if let Some(schema) = self.schema {
            schema.remove().await.expect("the scratch schema drops");
        }
    }
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
