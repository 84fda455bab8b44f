//! The canonical byte encoding of an event and its BLAKE3 hash, as specified in
//! `docs/ledger-format.md`. Change nothing here without a new format version: every stored hash
//! depends on it.

use std::fmt;

use crate::RecordedEvent;

/// The domain-separation prefix of format version 1.
pub const EVENT_ENCODING_V1: &[u8] = b"verbund/ledger/event/v1";

/// A 32-byte BLAKE3 hash that links events into a chain.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainHash([u8; 32]);

impl ChainHash {
    /// The previous hash of every log's first event.
    pub const GENESIS: ChainHash = ChainHash([0; 32]);

    /// Wraps raw bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
    /// Lowercase hex, 64 characters.
    pub fn to_hex(&self) -> String {
        blake3::Hash::from_bytes(self.0).to_hex().to_string()
    }
    /// Parses 64 hex characters.
    pub fn from_hex(hex: &str) -> Option<Self> {
        blake3::Hash::from_hex(hex)
            .ok()
            .map(|h| Self(*h.as_bytes()))
    }
    /// Reads a hash stored as a byte column.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }
}

impl fmt::Debug for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainHash({})", self.to_hex())
    }
}

impl fmt::Display for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Writes length-prefixed and fixed-width fields into a hasher.
pub(crate) struct Encoder {
    hasher: blake3::Hasher,
}

impl Encoder {
    pub(crate) fn new(prefix: &[u8]) -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(prefix);
        Self { hasher }
    }
    pub(crate) fn text(&mut self, value: &str) -> &mut Self {
        self.bytes(value.as_bytes())
    }
    /// Length-prefixed bytes: `text` for stored values that are hashed as they are.
    pub(crate) fn bytes(&mut self, value: &[u8]) -> &mut Self {
        let len = u32::try_from(value.len()).expect("fields are far below 4 GiB");
        self.hasher.update(&len.to_be_bytes());
        self.hasher.update(value);
        self
    }
    pub(crate) fn u64(&mut self, value: u64) -> &mut Self {
        self.hasher.update(&value.to_be_bytes());
        self
    }
    pub(crate) fn u32(&mut self, value: u32) -> &mut Self {
        self.hasher.update(&value.to_be_bytes());
        self
    }
    pub(crate) fn u8(&mut self, value: u8) -> &mut Self {
        self.hasher.update(&[value]);
        self
    }
    pub(crate) fn finish(&self) -> ChainHash {
        ChainHash(*self.hasher.finalize().as_bytes())
    }
}

/// The fields an event's hash covers, borrowed: from a [`RecordedEvent`], or straight from a
/// stored row when verifying (where nothing may be decoded, validated or re-encoded on the way:
/// text is hashed as the stored bytes).
#[derive(Debug)]
pub(crate) struct EventFields<'a> {
    pub log_id: &'a [u8],
    pub position: u64,
    pub stream_id: &'a [u8],
    pub stream_version: u64,
    pub event_type: &'a [u8],
    pub schema_version: u32,
    pub payload: &'a [u8],
    pub actor: &'a [u8],
    pub command_id: &'a [u8],
    pub correlation_id: &'a [u8],
    pub recorded_at_us: i64,
    pub prev_hash: &'a [u8; 32],
}

/// BLAKE3 over the canonical encoding of the fields.
pub(crate) fn hash_fields(f: &EventFields<'_>) -> ChainHash {
    let mut buffer = Vec::with_capacity(512);
    hash_fields_with(f, &mut buffer)
}

/// [`hash_fields`] with a buffer the caller reuses: the encoding is assembled once and hashed in
/// one call, which is what keeps verification above a million events per second.
pub(crate) fn hash_fields_with(f: &EventFields<'_>, buffer: &mut Vec<u8>) -> ChainHash {
    fn bytes(buffer: &mut Vec<u8>, value: &[u8]) {
        let len = u32::try_from(value.len()).expect("fields are far below 4 GiB");
        buffer.extend_from_slice(&len.to_be_bytes());
        buffer.extend_from_slice(value);
    }
    buffer.clear();
    buffer.extend_from_slice(EVENT_ENCODING_V1);
    bytes(buffer, f.log_id);
    buffer.extend_from_slice(&f.position.to_be_bytes());
    bytes(buffer, f.stream_id);
    buffer.extend_from_slice(&f.stream_version.to_be_bytes());
    bytes(buffer, f.event_type);
    buffer.extend_from_slice(&f.schema_version.to_be_bytes());
    bytes(buffer, f.payload);
    bytes(buffer, f.actor);
    bytes(buffer, f.command_id);
    bytes(buffer, f.correlation_id);
    buffer.extend_from_slice(&f.recorded_at_us.to_be_bytes());
    buffer.extend_from_slice(f.prev_hash);
    ChainHash(*blake3::hash(buffer).as_bytes())
}

/// The hash of an event: BLAKE3 over the encoding of all its fields but `hash`.
pub(crate) fn event_hash(event: &RecordedEvent) -> ChainHash {
    hash_fields(&EventFields {
        log_id: event.log_id.as_str().as_bytes(),
        position: event.position.get(),
        stream_id: event.stream_id.as_str().as_bytes(),
        stream_version: event.stream_version.get(),
        event_type: event.event_type.as_str().as_bytes(),
        schema_version: event.schema_version,
        payload: event.payload.as_str().as_bytes(),
        actor: event.metadata.actor.as_str().as_bytes(),
        command_id: event.metadata.command_id.as_str().as_bytes(),
        correlation_id: event.metadata.correlation_id.as_str().as_bytes(),
        recorded_at_us: event.metadata.recorded_at_us,
        prev_hash: event.prev_hash.as_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        Actor, CommandId, CorrelationId, EventType, LogId, Metadata, Payload, Position, StreamId,
        StreamVersion,
    };

    /// The test vector of `docs/ledger-format.md`. If this test fails, the format changed and
    /// every existing log would fail verification.
    #[test]
    fn the_documented_test_vector_hashes_to_the_documented_value() {
        let first = RecordedEvent {
            log_id: LogId::parse("dorfhandwerk-eg").expect("valid"),
            position: Position::new(1),
            stream_id: StreamId::parse("coop").expect("valid"),
            stream_version: StreamVersion::FIRST,
            event_type: EventType::parse("CooperativeFounded").expect("valid"),
            schema_version: 1,
            payload: Payload::from_stored(r#"{"name":"Dorfhandwerk eG"}"#.into()),
            metadata: Metadata {
                actor: Actor::parse("cli:admin").expect("valid"),
                command_id: CommandId::parse("cmd-1").expect("valid"),
                correlation_id: CorrelationId::parse("cmd-1").expect("valid"),
                recorded_at_us: 1_767_225_600_000_000,
            },
            prev_hash: ChainHash::GENESIS,
            hash: ChainHash::GENESIS,
        };
        let first_hash = event_hash(&first);
        assert_eq!(
            first_hash.to_hex(),
            "0b31154df4d73a77ada90f243239c69822c63c76e7432c9f1338cf8768fe3682"
        );

        let second = RecordedEvent {
            position: Position::new(2),
            stream_id: StreamId::parse("member:1").expect("valid"),
            event_type: EventType::parse("MemberAdmitted").expect("valid"),
            payload: Payload::from_stored(r#"{"shares":"1"}"#.into()),
            metadata: Metadata {
                recorded_at_us: 1_767_225_600_000_001,
                ..first.metadata.clone()
            },
            prev_hash: first_hash,
            ..first.clone()
        };
        assert_eq!(
            event_hash(&second).to_hex(),
            "e851601179038faedcfcbf7b2a85fd0bdf10599cea33bf7a400c924e00b8e214"
        );
    }

    /// The encoding spelled out byte by byte, independent of `Encoder`, as an outsider would
    /// write it from the format document.
    #[test]
    fn the_encoder_matches_a_byte_by_byte_reading_of_the_format() {
        fn text(out: &mut Vec<u8>, s: &str) {
            out.extend_from_slice(&(s.len() as u32).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        let mut bytes = b"verbund/ledger/event/v1".to_vec();
        text(&mut bytes, "l");
        bytes.extend_from_slice(&7u64.to_be_bytes());
        text(&mut bytes, "s");
        bytes.extend_from_slice(&3u64.to_be_bytes());
        text(&mut bytes, "T");
        bytes.extend_from_slice(&2u32.to_be_bytes());
        text(&mut bytes, "{}");
        text(&mut bytes, "a");
        text(&mut bytes, "c");
        text(&mut bytes, "k");
        bytes.extend_from_slice(&(-5i64).to_be_bytes());
        bytes.extend_from_slice(&[9u8; 32]);
        let expected = blake3::hash(&bytes);

        let event = RecordedEvent {
            log_id: LogId::parse("l").expect("valid"),
            position: Position::new(7),
            stream_id: StreamId::parse("s").expect("valid"),
            stream_version: StreamVersion::new(3).expect("valid"),
            event_type: EventType::parse("T").expect("valid"),
            schema_version: 2,
            payload: Payload::from_stored("{}".into()),
            metadata: Metadata {
                actor: Actor::parse("a").expect("valid"),
                command_id: CommandId::parse("c").expect("valid"),
                correlation_id: CorrelationId::parse("k").expect("valid"),
                recorded_at_us: -5,
            },
            prev_hash: ChainHash::from_bytes([9; 32]),
            hash: ChainHash::GENESIS,
        };
        assert_eq!(event_hash(&event).as_bytes(), expected.as_bytes());
    }
}
