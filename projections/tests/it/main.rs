//! The projections runtime against a real log, on SQLite and PostgreSQL.

mod runtime;
mod support;
