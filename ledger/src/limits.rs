//! Limits on everything the ledger accepts. Units are named last.
//!
//! They bound the memory one append and one batch can take, and they are part of the contract
//! with callers: an input over a limit is refused with [`crate::LedgerError::TooLarge`], never
//! truncated.

/// The largest payload of one event, as canonical JSON. Documents (a statute, a contract) do not
/// belong in payloads; they are stored beside the log and referenced by their hash.
pub const EVENT_PAYLOAD_BYTES_MAX: usize = 64 * 1024;
/// The most events one append (one command) may write: a founding by a thousand founders, a
/// levy over fifty thousand members (a thousand parts to an event). As many as a batch holds.
pub const APPEND_EVENTS_MAX: usize = 4_096;
/// The most streams one append may touch (write or guard): a founding writes one per founder,
/// a manual entry guards one per member it books on.
pub const APPEND_STREAMS_MAX: usize = 2_048;
/// The largest sum of payload sizes of one append.
pub const APPEND_PAYLOAD_BYTES_MAX: usize = 4 * 1024 * 1024;
/// The deepest nesting of arrays and objects in a payload.
pub const PAYLOAD_DEPTH_MAX: usize = 32;
/// The most events one read returns.
pub const READ_EVENTS_MAX: usize = 10_000;
/// The largest personal-data record.
pub const PERSONAL_RECORD_BYTES_MAX: usize = 8 * 1024;
/// The most personal-data records one append stores or erases (a founder's name and address
/// each, and the names of those who serve for firms).
pub const APPEND_RECORDS_MAX: usize = 2_048;
/// The most personal-data records one read returns.
pub const READ_RECORDS_MAX: usize = 1_000;
