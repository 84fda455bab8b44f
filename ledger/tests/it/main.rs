//! Integration tests of the ledger; one binary, one module per concern.

mod support;

mod concurrency;
mod personal;
mod properties;
mod storage;
mod tampering;
