//! The JSON shapes of the API, with their OpenAPI schemas. Kept apart from the domain types so
//! that the wire format changes only on purpose.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A cooperative in the list of those this server holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoopListItem {
    /// Its id (the log id).
    pub id: String,
    /// Its name; absent before the founding is recorded.
    pub name: Option<String>,
}

/// The list of cooperatives.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoopList {
    /// The cooperatives, by id.
    pub coops: Vec<CoopListItem>,
}

/// An officer, as the public register shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Officer {
    /// Member number.
    pub member: u32,
    /// Name or firm; absent once the personal data is erased.
    pub name: Option<String>,
    /// `board`, `supervisory-board` or `treasurer`.
    pub office: String,
}

/// A cooperative's public facts.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoopSummary {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The day of the founding assembly.
    #[schema(value_type = String, format = Date)]
    pub founded_on: String,
    /// How many members it has.
    pub members: u64,
    /// Its officers.
    pub officers: Vec<Officer>,
    /// The log position this answer reflects.
    pub position: u64,
}

/// The statute in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatuteDoc {
    /// The statute file as adopted.
    pub text: String,
    /// Its clauses, structured.
    #[schema(value_type = Object)]
    pub clauses: serde_json::Value,
    /// The position of the event that put it in force.
    pub adopted_at: u64,
    /// The log position this answer reflects.
    pub position: u64,
}

/// A member.
#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    /// Member number.
    pub member: u32,
    /// Name or firm; absent once the personal data is erased.
    pub name: Option<String>,
    /// `natural-person`, `firm` (with trade, region, employees) or `investing`.
    #[schema(value_type = Object)]
    pub kind: serde_json::Value,
    /// Shares subscribed.
    pub shares: u32,
    /// The day the membership took effect.
    #[schema(value_type = String, format = Date)]
    pub admitted_on: String,
    /// True for founders.
    pub founder: bool,
    /// The last day of the membership, once an exit is recorded.
    #[schema(value_type = Option<String>, format = Date)]
    pub exit_on: Option<String>,
    /// `resignation`, `exclusion`, `death` or `transfer`, once an exit is recorded.
    pub exit_cause: Option<String>,
    /// Offices held.
    pub offices: Vec<String>,
}

/// One page of the member list.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberPage {
    /// The members, by number.
    pub members: Vec<Member>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<u32>,
    /// The log position this answer reflects.
    pub position: u64,
}

/// An event of the log, the whole envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventEnvelope {
    /// Position in the log.
    pub position: u64,
    /// Stream.
    pub stream: String,
    /// Version of the stream.
    pub stream_version: u64,
    /// Event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Schema version of the payload.
    pub schema_version: u32,
    /// The payload.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Who caused it.
    pub actor: String,
    /// The command's id.
    pub command_id: String,
    /// The business transaction.
    pub correlation_id: String,
    /// When the log committed it (RFC 3339, UTC).
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: String,
    /// The hash of the previous event (hex).
    pub prev_hash: String,
    /// This event's hash (hex).
    pub hash: String,
}

impl From<&verbund_ledger::RecordedEvent> for EventEnvelope {
    fn from(event: &verbund_ledger::RecordedEvent) -> Self {
        Self {
            position: event.position.get(),
            stream: event.stream_id.to_string(),
            stream_version: event.stream_version.get(),
            event_type: event.event_type.to_string(),
            schema_version: event.schema_version,
            payload: event.payload.to_value().unwrap_or_default(),
            actor: event.metadata.actor.to_string(),
            command_id: event.metadata.command_id.to_string(),
            correlation_id: event.metadata.correlation_id.to_string(),
            recorded_at: event.metadata.recorded_at().to_string(),
            prev_hash: event.prev_hash.to_hex(),
            hash: event.hash.to_hex(),
        }
    }
}

/// A page of the log.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// The events, by position.
    pub events: Vec<EventEnvelope>,
    /// Pass as `from` for the next page; absent when the page reached the head.
    pub next: Option<u64>,
}

/// A chain break.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainBreak {
    /// The first position that is not what was written.
    pub position: u64,
    /// Why, e.g. `hash-mismatch`.
    pub kind: String,
    /// Details.
    pub detail: String,
}

/// The result of verifying a log.
#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    /// True if the chain is intact.
    pub intact: bool,
    /// Events hashed.
    pub events_checked: u64,
    /// The head verified: its position…
    pub head_position: u64,
    /// …and hash; keep it outside the database to detect a rewritten history later.
    pub head_hash: String,
    /// The first break, if any.
    pub first_break: Option<ChainBreak>,
}

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The principal, e.g. `member:3` or `auditor`.
    pub principal: String,
    /// The roles it has now.
    pub roles: Vec<String>,
    /// The token's id.
    pub token: Option<String>,
}

/// A token (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    /// Its id.
    pub token: String,
    /// Whom it stands for.
    pub principal: String,
    /// When it was issued.
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: String,
    /// When it stops working.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: String,
    /// When it was revoked.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<String>,
    /// True if it works now.
    pub valid: bool,
}

/// The tokens of a cooperative.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    /// By id.
    pub tokens: Vec<Token>,
}

/// Issue a token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueToken {
    /// `member:NUMBER`, `admin`, `auditor`, `regulator` or `citizen-investor`.
    pub principal: String,
    /// Days until it expires: 1 to 366, default 90.
    #[schema(minimum = 1, maximum = 366)]
    pub expires_in_days: Option<u32>,
}

/// A token just issued.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedToken {
    /// Its id.
    pub token: String,
    /// The secret, shown this once; absent when a repeated request is answered.
    pub secret: Option<String>,
    /// Whom it stands for.
    pub principal: String,
    /// When it stops working.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: String,
    /// The log position of the issue.
    pub position: u64,
    /// True if this answers a repeated request.
    pub replayed: bool,
}

/// The answer to a write.
#[derive(Debug, Serialize, ToSchema)]
pub struct Written {
    /// The log position of the write's last event: pass it as `Verbund-Min-Position`.
    pub position: u64,
    /// True if this answers a repeated request.
    pub replayed: bool,
}

/// One Server-Sent Event of the log feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedEvent {
    /// The log position, to resume with `Last-Event-ID`.
    pub id: String,
    /// Always `event`.
    pub event: String,
    /// The envelope ([`EventEnvelope`]) as JSON text.
    pub data: String,
}
