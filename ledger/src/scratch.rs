//! Throw-away PostgreSQL schemas, so that every test and benchmark run starts on an empty
//! database of its own and many can run in parallel against one server.

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
