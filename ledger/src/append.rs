//! What one call to [`crate::Ledger::append`] asks for ([`Commit`]) and what it answers
//! ([`Committed`]).

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::hash::{ChainHash, Encoder};
use crate::limits::{
    APPEND_EVENTS_MAX, APPEND_PAYLOAD_BYTES_MAX, APPEND_RECORDS_MAX, APPEND_STREAMS_MAX,
};
use crate::personal::{Erasure, PersonalRecord};
use crate::{
    Actor, CommandId, CorrelationId, LedgerError, NewEvent, Position, StreamId, StreamVersion,
};

/// The version an append expects a stream to be at; a mismatch fails the append with
/// [`LedgerError::Conflict`] and writes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedVersion {
    /// Whatever the stream's version is, including none.
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream must be at exactly this version.
    Exact(StreamVersion),
}

impl ExpectedVersion {
    /// Does a stream at `actual` satisfy this expectation?
    pub fn admits(self, actual: Option<StreamVersion>) -> bool {
        match self {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream => actual.is_none(),
            ExpectedVersion::Exact(v) => actual == Some(v),
        }
    }
}

impl fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedVersion::Any => f.write_str("any version"),
            ExpectedVersion::NoStream => f.write_str("no stream"),
            ExpectedVersion::Exact(v) => write!(f, "version {v}"),
        }
    }
}

/// The events for one stream within a [`Commit`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamAppend {
    stream: StreamId,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
}

impl StreamAppend {
    /// Appends `events` to `stream` if it is at `expected`.
    pub fn new(stream: StreamId, expected: ExpectedVersion, events: Vec<NewEvent>) -> Self {
        Self {
            stream,
            expected,
            events,
        }
    }
    /// The stream.
    pub fn stream(&self) -> &StreamId {
        &self.stream
    }
    /// The expected version.
    pub fn expected(&self) -> ExpectedVersion {
        self.expected
    }
    /// The events.
    pub fn events(&self) -> &[NewEvent] {
        &self.events
    }
}

/// One command's events for one or more streams of one log: all are written, in the given order
/// and at consecutive positions, or none is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    command_id: CommandId,
    actor: Actor,
    correlation_id: CorrelationId,
    streams: Vec<StreamAppend>,
    event_count: usize,
    fingerprint: ChainHash,
    records: Vec<PersonalRecord>,
    erasures: Vec<Erasure>,
    guards: Vec<(StreamId, ExpectedVersion)>,
}

impl Commit {
    /// Validates a commit: at least one stream, each with at least one event, no stream twice,
    /// and within the limits of [`crate::limits`]. The correlation id defaults to the command id.
    pub fn new(
        command_id: CommandId,
        actor: Actor,
        correlation_id: Option<CorrelationId>,
        streams: Vec<StreamAppend>,
    ) -> Result<Self, LedgerError> {
        if streams.is_empty() {
            return Err(LedgerError::EmptyAppend(
                "an append needs at least one stream",
            ));
        }
        if streams.len() > APPEND_STREAMS_MAX {
            return Err(LedgerError::TooLarge {
                what: "streams of one append",
                size: streams.len(),
                max: APPEND_STREAMS_MAX,
            });
        }
        let mut seen = HashSet::with_capacity(streams.len());
        let mut event_count = 0usize;
        let mut payload_bytes = 0usize;
        for append in &streams {
            if append.events.is_empty() {
                return Err(LedgerError::EmptyAppend(
                    "every stream of an append needs at least one event",
                ));
            }
            if !seen.insert(&append.stream) {
                return Err(LedgerError::InvalidAppend(format!(
                    "stream {} appears twice in one append; put its events in one list",
                    append.stream
                )));
            }
            event_count += append.events.len();
            payload_bytes += append
                .events
                .iter()
                .map(|e| e.payload().len())
                .sum::<usize>();
        }
        if event_count > APPEND_EVENTS_MAX {
            return Err(LedgerError::TooLarge {
                what: "events of one append",
                size: event_count,
                max: APPEND_EVENTS_MAX,
            });
        }
        if payload_bytes > APPEND_PAYLOAD_BYTES_MAX {
            return Err(LedgerError::TooLarge {
                what: "payloads of one append",
                size: payload_bytes,
                max: APPEND_PAYLOAD_BYTES_MAX,
            });
        }
        let correlation_id = match correlation_id {
            Some(id) => id,
            None => CorrelationId::parse(command_id.as_str())
                .expect("a command id is a valid correlation id"),
        };
        let fingerprint = fingerprint(&actor, &streams);
        Ok(Self {
            command_id,
            actor,
            correlation_id,
            streams,
            event_count,
            fingerprint,
            records: Vec::new(),
            erasures: Vec::new(),
            guards: Vec::new(),
        })
    }

    /// Makes the commit depend on streams it does not write: it is accepted only if each is
    /// still at the version given, in the same transaction as the version checks of the
    /// streams it writes. For a decision that read a stream it does not change (appointing
    /// a member reads the member, writes the cooperative): a change of what it read since
    /// is a conflict, as for what it writes. Not part of the idempotency fingerprint: a
    /// retried request may have read other versions.
    pub fn guarding(
        mut self,
        guards: Vec<(StreamId, ExpectedVersion)>,
    ) -> Result<Self, LedgerError> {
        if guards.len() > APPEND_STREAMS_MAX {
            return Err(LedgerError::TooLarge {
                what: "guarded streams of one append",
                size: guards.len(),
                max: APPEND_STREAMS_MAX,
            });
        }
        let mut seen = HashSet::with_capacity(guards.len());
        for (stream, _) in &guards {
            if self.streams.iter().any(|s| &s.stream == stream) || !seen.insert(stream) {
                return Err(LedgerError::InvalidAppend(format!(
                    "stream {stream} is guarded twice or also written; a written stream's expected version guards it"
                )));
            }
        }
        self.guards = guards;
        Ok(self)
    }

    /// The streams this commit depends on without writing them, with their expected versions.
    pub fn guards(&self) -> &[(StreamId, ExpectedVersion)] {
        &self.guards
    }

    /// Stores personal-data records with this commit, in its transaction, if it is accepted
    /// (a replay stores nothing). The events refer to them by id and commitment; the records
    /// are not part of the chain, and not part of the idempotency fingerprint.
    pub fn with_records(mut self, records: Vec<PersonalRecord>) -> Result<Self, LedgerError> {
        if records.len() > APPEND_RECORDS_MAX {
            return Err(LedgerError::TooLarge {
                what: "personal-data records of one append",
                size: records.len(),
                max: APPEND_RECORDS_MAX,
            });
        }
        let mut ids = HashSet::with_capacity(records.len());
        if let Some(twice) = records.iter().find(|r| !ids.insert(r.id())) {
            return Err(LedgerError::InvalidAppend(format!(
                "personal-data record {} appears twice in one append",
                twice.id()
            )));
        }
        self.records = records;
        Ok(self)
    }

    /// Erases personal-data records with this commit, in its transaction, if it is accepted.
    /// Erasing a record that was erased before (or never stored) changes nothing: either way
    /// no data is left under that id.
    pub fn erasing(mut self, erasures: Vec<Erasure>) -> Result<Self, LedgerError> {
        if erasures.len() > APPEND_RECORDS_MAX {
            return Err(LedgerError::TooLarge {
                what: "erasures of one append",
                size: erasures.len(),
                max: APPEND_RECORDS_MAX,
            });
        }
        self.erasures = erasures;
        Ok(self)
    }

    /// The records this commit stores.
    pub fn records(&self) -> &[PersonalRecord] {
        &self.records
    }

    /// The records this commit erases.
    pub fn erasures(&self) -> &[Erasure] {
        &self.erasures
    }

    /// The idempotency key.
    pub fn command_id(&self) -> &CommandId {
        &self.command_id
    }
    /// Who issued the command.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    /// The business transaction.
    pub fn correlation_id(&self) -> &CorrelationId {
        &self.correlation_id
    }
    /// The stream appends, in order.
    pub fn streams(&self) -> &[StreamAppend] {
        &self.streams
    }
    /// The number of events over all streams.
    pub fn event_count(&self) -> usize {
        self.event_count
    }
    /// Makes this commit "the same" as another with its command id exactly when both come from
    /// the same request: the same requester (whoever the caller scopes its idempotency keys to,
    /// e.g. a principal whichever of its tokens acted) and request digest. For callers whose
    /// events depend on
    /// the state they were decided on (a retried request may decide differently the second
    /// time), while the request itself is what the client repeats.
    pub fn identified_by_request(mut self, requester: &str, request_digest: [u8; 32]) -> Self {
        self.fingerprint = request_fingerprint(requester, &request_digest);
        self
    }

    /// What makes two commits with the same command id "the same": by default actor, streams,
    /// expected versions, event types, schema versions and payloads (the correlation id is
    /// tracing metadata and not part of it); see [`Commit::identified_by_request`].
    pub(crate) fn fingerprint(&self) -> ChainHash {
        self.fingerprint
    }
}

fn request_fingerprint(requester: &str, request_digest: &[u8; 32]) -> ChainHash {
    let mut enc = Encoder::new(b"verbund/ledger/commit-request/v1");
    enc.text(requester).bytes(request_digest);
    enc.finish()
}

/// A command id the log has committed, as [`crate::Ledger::find_command`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandRecord {
    /// The position of its first event.
    pub first_position: Position,
    /// The position of its last event.
    pub last_position: Position,
    fingerprint: ChainHash,
}

impl CommandRecord {
    pub(crate) fn new(first: Position, last: Position, fingerprint: ChainHash) -> Self {
        Self {
            first_position: first,
            last_position: last,
            fingerprint,
        }
    }

    /// True if the command was committed with [`Commit::identified_by_request`] for this
    /// requester and request digest.
    pub fn is_request(&self, requester: &str, request_digest: &[u8; 32]) -> bool {
        self.fingerprint == request_fingerprint(requester, request_digest)
    }
}

fn fingerprint(actor: &Actor, streams: &[StreamAppend]) -> ChainHash {
    let mut enc = Encoder::new(b"verbund/ledger/commit/v1");
    enc.text(actor.as_str()).u64(streams.len() as u64);
    for append in streams {
        enc.text(append.stream.as_str());
        match append.expected {
            ExpectedVersion::Any => enc.u8(0).u64(0),
            ExpectedVersion::NoStream => enc.u8(1).u64(0),
            ExpectedVersion::Exact(v) => enc.u8(2).u64(v.get()),
        };
        enc.u64(append.events.len() as u64);
        for event in &append.events {
            enc.text(event.event_type().as_str())
                .u32(event.schema_version())
                .text(event.payload().as_str());
        }
    }
    enc.finish()
}

/// The outcome of a successful append.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Committed {
    /// The position of the first event written.
    pub first_position: Position,
    /// The position of the last event written; the head of the log right after the append.
    pub last_position: Position,
    /// Per stream, in the order of the commit, the versions written.
    pub streams: Vec<StreamCommitted>,
    /// True when this command id had been committed before with the same content, and this
    /// answer repeats the original one.
    pub replayed: bool,
}

/// The versions one append wrote to one stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamCommitted {
    /// The stream.
    pub stream: StreamId,
    /// The version of its first new event.
    pub first_version: StreamVersion,
    /// The version of its last new event: the stream's version right after the append.
    pub last_version: StreamVersion,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u32) -> NewEvent {
        NewEvent::json("Noted", 1, &serde_json::json!({ "n": n })).expect("valid")
    }

    fn commit(streams: Vec<StreamAppend>) -> Result<Commit, LedgerError> {
        Commit::new(
            CommandId::parse("c").expect("valid"),
            Actor::parse("a").expect("valid"),
            None,
            streams,
        )
    }

    #[test]
    fn an_append_without_streams_or_events_is_refused() {
        assert!(matches!(commit(vec![]), Err(LedgerError::EmptyAppend(_))));
        let s = StreamId::parse("s").expect("valid");
        assert!(matches!(
            commit(vec![StreamAppend::new(s, ExpectedVersion::Any, vec![])]),
            Err(LedgerError::EmptyAppend(_))
        ));
    }

    #[test]
    fn the_same_stream_twice_in_one_append_is_refused() {
        let s = StreamId::parse("s").expect("valid");
        let twice = vec![
            StreamAppend::new(s.clone(), ExpectedVersion::Any, vec![event(1)]),
            StreamAppend::new(s, ExpectedVersion::Any, vec![event(2)]),
        ];
        assert!(matches!(commit(twice), Err(LedgerError::InvalidAppend(_))));
    }

    #[test]
    fn too_many_events_in_one_append_are_refused() {
        let s = StreamId::parse("s").expect("valid");
        let events = (0..=APPEND_EVENTS_MAX as u32).map(event).collect();
        assert!(matches!(
            commit(vec![StreamAppend::new(s, ExpectedVersion::Any, events)]),
            Err(LedgerError::TooLarge {
                what: "events of one append",
                ..
            })
        ));
    }

    #[test]
    fn fingerprints_differ_when_any_part_of_the_content_differs() {
        let s = StreamId::parse("s").expect("valid");
        let base = commit(vec![StreamAppend::new(
            s.clone(),
            ExpectedVersion::Any,
            vec![event(1)],
        )])
        .expect("valid");
        let other_payload = commit(vec![StreamAppend::new(
            s.clone(),
            ExpectedVersion::Any,
            vec![event(2)],
        )])
        .expect("valid");
        let other_expected = commit(vec![StreamAppend::new(
            s,
            ExpectedVersion::NoStream,
            vec![event(1)],
        )])
        .expect("valid");
        assert_ne!(base.fingerprint(), other_payload.fingerprint());
        assert_ne!(base.fingerprint(), other_expected.fingerprint());
    }
}
