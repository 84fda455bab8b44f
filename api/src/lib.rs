//! The Verbund application: command execution ([`app`]), the HTTP API ([`http`]), metrics, and
//! the subcommands of the `verbund` binary ([`cmd`]).
//!
//! # Layout
//! - `app`: [`app::App`] (ledger, projections of every cooperative), the command path
//!   ([`app::execute`]), the commands, token secrets.
//! - `http`: axum routes, authentication and authorization, problem+json, OpenAPI, `/docs`.
//! - `metrics`: Prometheus metrics.
//! - `cmd`: one module per subcommand.

#[macro_use]
pub mod cmd;
pub mod app;
pub mod http;
pub mod metrics;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod web;

/// The database used when neither `--database-url` nor `VERBUND_DATABASE_URL` names one.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:verbund.db";
