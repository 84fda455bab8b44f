//! Events as projections see them: the log's envelope with the payload decoded once.

use jiff::Timestamp;
use verbund_domain::{DecodeError, Event, Stream};
use verbund_ledger::{Actor, EventView, Position, RecordedEvent, StreamVersion};

/// One event of a cooperative's log, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// Its position in the log.
    pub position: Position,
    /// Its stream, read once as the aggregate of the cooperative it belongs to (`None` for a
    /// stream that is no aggregate's: an import may write such streams). Projections that
    /// fold by stream leave those alone; some fold certain events by their type wherever
    /// they are (the register a founding, the tokens an issue).
    pub stream: Option<Stream>,
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
        Self::decode_view(recorded.view())
    }

    /// Decodes an event from a view of its stored row (see
    /// [`verbund_ledger::Subscription::next_page_decoded`]).
    pub fn decode_view(view: EventView<'_>) -> Result<Self, DecodeError> {
        let event = Event::decode(view.event_type(), view.schema_version(), view.payload())?;
        Ok(Self {
            position: view.position(),
            stream: Stream::parse(view.stream_name()),
            stream_version: view.stream_version(),
            recorded_at: view.recorded_at(),
            actor: view.actor(),
            event,
        })
    }
}
