//! Events as projections see them: the log's envelope with the payload decoded once.

use jiff::Timestamp;
use verbund_domain::{DecodeError, Event};
use verbund_ledger::{Actor, Position, RecordedEvent, StreamId, StreamVersion};

/// One event of a cooperative's log, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// Its position in the log.
    pub position: Position,
    /// Its stream.
    pub stream: StreamId,
    /// The version of its stream it made.
    pub stream_version: StreamVersion,
    /// When the log committed it.
    pub recorded_at: Timestamp,
    /// Who caused it.
    pub actor: Actor,
    /// The event.
    pub event: Event,
}

impl Envelope {
    /// Decodes a recorded event. Fails for an event type or schema version this build does not
    /// know: a projection must stop rather than skip it, or it would lie.
    pub fn decode(recorded: &RecordedEvent) -> Result<Self, DecodeError> {
        let event = Event::decode(
            recorded.event_type.as_str(),
            recorded.schema_version,
            recorded.payload.as_str(),
        )?;
        Ok(Self {
            position: recorded.position,
            stream: recorded.stream_id.clone(),
            stream_version: recorded.stream_version,
            recorded_at: recorded.metadata.recorded_at(),
            actor: recorded.metadata.actor.clone(),
            event,
        })
    }
}
