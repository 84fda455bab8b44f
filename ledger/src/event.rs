//! Events: what a caller appends ([`NewEvent`]) and what the log holds ([`RecordedEvent`]).

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::hash::ChainHash;
use crate::limits::{EVENT_PAYLOAD_BYTES_MAX, PAYLOAD_DEPTH_MAX};
use crate::{
    Actor, CommandId, CorrelationId, EventType, LedgerError, LogId, Position, StreamId,
    StreamVersion,
};

/// An event's payload as canonical JSON: object keys sorted by their UTF-8 bytes, no
/// insignificant whitespace, integers only. The bytes are what the hash covers, so the same
/// logical content always has the same hash, whoever wrote it.
///
/// Numbers must be integers: decimal amounts (money) are written as strings such as `"12.50"`,
/// because a binary float cannot hold them and their text form is not canonical across languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload(Arc<str>);

impl Payload {
    /// Serializes `value` canonically and checks it against the payload rules and size limit.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, LedgerError> {
        let value = serde_json::to_value(value)
            .map_err(|e| LedgerError::InvalidPayload(format!("not serializable as JSON: {e}")))?;
        Self::from_value(&value)
    }

    /// Canonicalizes a JSON value.
    pub fn from_value(value: &Value) -> Result<Self, LedgerError> {
        let mut out = Vec::with_capacity(256);
        write_canonical(value, &mut out, 0).map_err(Refusal::into_error)?;
        let out = String::from_utf8(out).expect("JSON written from strings is UTF-8");
        if out.len() > EVENT_PAYLOAD_BYTES_MAX {
            return Err(LedgerError::TooLarge {
                what: "event payload",
                size: out.len(),
                max: EVENT_PAYLOAD_BYTES_MAX,
            });
        }
        Ok(Self(out.into()))
    }

    /// Wraps payload text read from the database as it is: the hash covers the stored bytes,
    /// so they must not be re-encoded on the way.
    pub(crate) fn from_stored(text: String) -> Self {
        Self(text.into())
    }

    /// The canonical JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses the payload.
    pub fn to_value(&self) -> Result<Value, LedgerError> {
        serde_json::from_str(&self.0)
            .map_err(|e| LedgerError::Corrupt(format!("stored payload is not JSON: {e}")))
    }

    /// Deserializes the payload into `T`.
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.0)
    }

    /// The payload's size in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for an empty payload (never the case for a valid one; `{}` has two bytes).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Why a value cannot be a payload, and where: the path is built from the innermost value
/// outwards as the error leaves each level, so a valid payload costs no path at all.
struct Refusal {
    reason: String,
    /// Path segments, innermost first.
    path: Vec<String>,
}

impl Refusal {
    fn at(mut self, segment: impl FnOnce() -> String) -> Self {
        self.path.push(segment());
        self
    }

    fn into_error(self) -> LedgerError {
        let mut path = String::from("$");
        for segment in self.path.iter().rev() {
            path.push_str(segment);
        }
        LedgerError::InvalidPayload(format!("{} at {path}", self.reason))
    }
}

fn write_canonical(value: &Value, out: &mut Vec<u8>, depth: usize) -> Result<(), Refusal> {
    let refuse = |reason: String| Refusal {
        reason,
        path: Vec::new(),
    };
    if depth > PAYLOAD_DEPTH_MAX {
        return Err(refuse(format!(
            "nested deeper than {PAYLOAD_DEPTH_MAX} levels"
        )));
    }
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::String(text) => write_string(text, out),
        Value::Number(n) => {
            if !(n.is_i64() || n.is_u64()) {
                return Err(refuse(format!(
                    "non-integer number {n}: write decimals (money) as strings"
                )));
            }
            serde_json::to_writer(&mut *out, n).expect("a number serializes");
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out, depth + 1).map_err(|r| r.at(|| format!("[{i}]")))?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            // Byte order of the UTF-8 keys: simple to reproduce in any language.
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                write_canonical(item, out, depth + 1).map_err(|r| r.at(|| format!(".{key}")))?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// A JSON string as serde_json escapes it (the canonical form: `"`, `\\` and control
/// characters escaped, everything else as UTF-8).
fn write_string(text: &str, out: &mut Vec<u8>) {
    serde_json::to_writer(&mut *out, text).expect("a string serializes");
}

/// An event to append: its type, the version of its payload schema, and its payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    event_type: EventType,
    schema_version: u32,
    payload: Payload,
}

impl NewEvent {
    /// An event of `event_type` whose payload follows schema `schema_version` (from 1).
    pub fn new(
        event_type: EventType,
        schema_version: u32,
        payload: Payload,
    ) -> Result<Self, LedgerError> {
        if schema_version == 0 {
            return Err(LedgerError::InvalidAppend(
                "schema versions start at 1".into(),
            ));
        }
        Ok(Self {
            event_type,
            schema_version,
            payload,
        })
    }

    /// Shorthand: parses the type and serializes the payload.
    pub fn json<T: Serialize + ?Sized>(
        event_type: &str,
        schema_version: u32,
        payload: &T,
    ) -> Result<Self, LedgerError> {
        Self::new(
            EventType::parse(event_type)?,
            schema_version,
            Payload::from_serialize(payload)?,
        )
    }

    /// The event's type.
    pub fn event_type(&self) -> &EventType {
        &self.event_type
    }
    /// The version of the payload's schema.
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }
    /// The payload.
    pub fn payload(&self) -> &Payload {
        &self.payload
    }
}

/// Who caused an append and why; recorded with every event of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// The principal that issued the command.
    pub actor: Actor,
    /// The command's idempotency key.
    pub command_id: CommandId,
    /// The business transaction the command belongs to.
    pub correlation_id: CorrelationId,
    /// When the log committed the event, in microseconds since the Unix epoch (UTC). Never
    /// decreases along a log.
    pub recorded_at_us: i64,
}

impl Metadata {
    /// The commit time as a timestamp.
    pub fn recorded_at(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_microsecond(self.recorded_at_us).unwrap_or(jiff::Timestamp::MAX)
    }
}

/// An event as the log holds it: the full envelope, including its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedEvent {
    /// The log.
    pub log_id: LogId,
    /// The position in the log, from 1, without gaps.
    pub position: Position,
    /// The stream.
    pub stream_id: StreamId,
    /// The version of the stream this event made, from 1, without gaps.
    pub stream_version: StreamVersion,
    /// The event's type.
    pub event_type: EventType,
    /// The version of the payload's schema.
    pub schema_version: u32,
    /// The payload, canonical JSON.
    pub payload: Payload,
    /// Actor, command id, correlation id, commit time.
    pub metadata: Metadata,
    /// The hash of the event before this one; all zeros for position 1.
    pub prev_hash: ChainHash,
    /// The hash of this event (see `docs/ledger-format.md`).
    pub hash: ChainHash,
}

/// An event borrowed from the page a reader walks, its identifiers checked and its text not
/// copied: for readers that decode events into types of their own and keep part of the envelope
/// (a projections runtime). It has no chain fields; [`RecordedEvent`] is the whole envelope.
/// See [`crate::Ledger::read_log_decoded`].
/// Built by the ledger only: from a row whose identifiers it checked (`EventRef::view`), or
/// from a [`RecordedEvent`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventView<'a> {
    pub(crate) position: Position,
    pub(crate) stream_id: &'a str,
    pub(crate) stream_version: StreamVersion,
    pub(crate) event_type: &'a str,
    pub(crate) schema_version: u32,
    pub(crate) payload: &'a str,
    pub(crate) actor: &'a str,
    pub(crate) recorded_at_us: i64,
}

impl<'a> EventView<'a> {
    /// The position in the log.
    pub fn position(&self) -> Position {
        self.position
    }
    /// The stream (a copy of its text).
    pub fn stream_id(&self) -> StreamId {
        StreamId::from_validated(self.stream_id)
    }
    /// The stream's name, borrowed (checked as a [`StreamId`]).
    pub fn stream_name(&self) -> &'a str {
        self.stream_id
    }
    /// The version of the stream this event made.
    pub fn stream_version(&self) -> StreamVersion {
        self.stream_version
    }
    /// The event's type.
    pub fn event_type(&self) -> &'a str {
        self.event_type
    }
    /// The version of the payload's schema.
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }
    /// The payload, canonical JSON.
    pub fn payload(&self) -> &'a str {
        self.payload
    }
    /// Who caused it (a copy of its text).
    pub fn actor(&self) -> Actor {
        Actor::from_validated(self.actor)
    }
    /// When the log committed it.
    pub fn recorded_at(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_microsecond(self.recorded_at_us).unwrap_or(jiff::Timestamp::MAX)
    }
}

impl RecordedEvent {
    /// This event as a borrowed view.
    pub fn view(&self) -> EventView<'_> {
        EventView {
            position: self.position,
            stream_id: self.stream_id.as_str(),
            stream_version: self.stream_version,
            event_type: self.event_type.as_str(),
            schema_version: self.schema_version,
            payload: self.payload.as_str(),
            actor: self.metadata.actor.as_str(),
            recorded_at_us: self.metadata.recorded_at_us,
        }
    }

    /// Recomputes this event's hash from its fields and previous hash.
    pub fn compute_hash(&self) -> ChainHash {
        crate::hash::event_hash(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payloads_are_canonical_whatever_the_key_order() {
        let a = Payload::from_value(&json!({"b": 1, "a": {"y": [1, 2], "x": "ü"}})).expect("valid");
        let b = Payload::from_value(&json!({"a": {"x": "ü", "y": [1, 2]}, "b": 1})).expect("valid");
        assert_eq!(a, b);
        assert_eq!(a.as_str(), r#"{"a":{"x":"ü","y":[1,2]},"b":1}"#);
    }

    #[test]
    fn floats_are_refused_in_payloads_because_money_must_not_be_binary() {
        let err = Payload::from_value(&json!({"amount": 12.5})).expect_err("floats are refused");
        assert!(err.to_string().contains("$.amount"), "{err}");
        let err = Payload::from_value(&json!({"lines": [{"amount": 1}, {"amount": 0.5}]}))
            .expect_err("floats are refused");
        assert!(err.to_string().ends_with("at $.lines[1].amount"), "{err}");
    }

    #[test]
    fn strings_with_quotes_and_control_characters_are_escaped_canonically() {
        let payload =
            Payload::from_value(&json!({"a\"b": "line\nbreak \u{1} \\ é"})).expect("valid");
        assert_eq!(payload.as_str(), r#"{"a\"b":"line\nbreak \u0001 \\ é"}"#);
    }

    #[test]
    fn an_oversized_payload_is_refused_with_its_size() {
        let big = "x".repeat(EVENT_PAYLOAD_BYTES_MAX);
        match Payload::from_value(&json!({ "text": big })) {
            Err(LedgerError::TooLarge {
                what: "event payload",
                size,
                max,
            }) => {
                assert!(size > max);
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }
}
