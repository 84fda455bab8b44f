//! Throw-away databases, so that every test and benchmark run starts on an empty database of
//! its own and many can run in parallel: a SQLite file in a temporary directory, or a schema of
//! its own on a PostgreSQL server.

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{Connection, PgConnection};

use crate::LedgerError;

/// A schema created for one test or benchmark; [`ScratchSchema::url`] points a connection at
/// it. Dropped explicitly with [`ScratchSchema::remove`] (an async drop is not possible).
#[derive(Debug)]
pub struct ScratchSchema {
    base_url: String,
    name: String,
    url: String,
}

impl ScratchSchema {
    /// Creates a new, empty schema named `{prefix}_{pid}_{n}_{nanos}` on the server at
    /// `base_url`. `prefix` must be lowercase letters, digits and `_`.
    pub async fn create(base_url: &str, prefix: &str) -> Result<Self, LedgerError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        if prefix.is_empty()
            || !prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(LedgerError::InvalidAppend(format!(
                "scratch schema prefix {prefix:?} is not [a-z0-9_]+"
            )));
        }
        let nanos = jiff::Timestamp::now().subsec_nanosecond();
        let name = format!(
            "{prefix}_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            nanos.unsigned_abs()
        );
        let mut conn = PgConnection::connect(base_url).await?;
        // The name is built from the checked prefix and digits only, so it is safe to splice.
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let separator = if base_url.contains('?') { '&' } else { '?' };
        let url = format!("{base_url}{separator}options=-c%20search_path%3D{name}");
        Ok(Self {
            base_url: base_url.to_owned(),
            name,
            url,
        })
    }

    /// The URL of the server with this schema as the search path.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drops the schema and everything in it.
    pub async fn remove(self) -> Result<(), LedgerError> {
        let mut conn = PgConnection::connect(&self.base_url).await?;
        sqlx::query(&format!("DROP SCHEMA {} CASCADE", self.name))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        Ok(())
    }
}

/// The environment variable naming the PostgreSQL server for tests
/// (`postgres://postgres@127.0.0.1:5432/test` in CI).
pub const TEST_PG_URL_VAR: &str = "VERBUND_TEST_PG_URL";

/// A database for one test or benchmark run. The SQLite file's directory goes away when this
/// is dropped; a PostgreSQL schema with [`ScratchDatabase::remove`].
#[derive(Debug)]
pub struct ScratchDatabase {
    url: String,
    _dir: Option<tempfile::TempDir>,
    schema: Option<ScratchSchema>,
}

impl ScratchDatabase {
    /// A new SQLite file in a new temporary directory.
    pub fn sqlite() -> std::io::Result<Self> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite:{}", dir.path().join("verbund.db").display());
        Ok(Self {
            url,
            _dir: Some(dir),
            schema: None,
        })
    }

    /// A new schema on the server at `base_url`; see [`ScratchSchema::create`] for `prefix`.
    pub async fn postgres(base_url: &str, prefix: &str) -> Result<Self, LedgerError> {
        let schema = ScratchSchema::create(base_url, prefix).await?;
        Ok(Self {
            url: schema.url().to_owned(),
            _dir: None,
            schema: Some(schema),
        })
    }

    /// A new schema on the test server named by [`TEST_PG_URL_VAR`]. Without it, `None`, and a
    /// line on the terminal (past the test harness's capture, so that a skipped test is never
    /// mistaken for a passed one); in CI (`CI` set) its absence is a failure.
    pub async fn postgres_for_test(test: &str, prefix: &str) -> Option<Self> {
        let Ok(base) = std::env::var(TEST_PG_URL_VAR) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{TEST_PG_URL_VAR} must be set in CI"
            );
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED on PostgreSQL: {test} ({TEST_PG_URL_VAR} is not set)"
            );
            return None;
        };
        Some(
            Self::postgres(&base, prefix)
                .await
                .expect("a scratch schema on the test server"),
        )
    }

    /// The URL to open.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The PostgreSQL schema's name; `None` for a SQLite file.
    pub fn schema_name(&self) -> Option<&str> {
        self.schema.as_ref().map(ScratchSchema::name)
    }

    /// True for a SQLite file.
    pub fn is_sqlite(&self) -> bool {
        self.schema.is_none()
    }

    /// Removes the database (the PostgreSQL schema; a SQLite file goes with its directory).
    pub async fn remove(mut self) -> Result<(), LedgerError> {
        match self.schema.take() {
            Some(schema) => schema.remove().await,
            None => Ok(()),
        }
    }
}
