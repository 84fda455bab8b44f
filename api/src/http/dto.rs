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
    /// The natural person serving for a member firm (G9-24).
    pub serving: Option<String>,
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
    /// The delegates last elected who are still members (G43a: the list members may inspect);
    /// empty without an assembly of delegates.
    pub delegates: Vec<u32>,
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
    /// Postal address: for the member themself, the organs and auditors; absent otherwise
    /// and once erased.
    pub address: Option<String>,
    /// Kind of member.
    pub kind: MemberKind,
    /// Shares subscribed (as of the list's date, if it has one).
    pub shares: u32,
    /// Consent to the public listing of a firm.
    pub listed: bool,
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
    /// Every change of the entry with the day it took effect (G30); in the answer about one
    /// member only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<EntryChange>>,
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
    /// What it is for: `api`, `sign-in-link` or `session`.
    pub purpose: TokenPurpose,
    /// When it was issued.
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: String,
    /// Who issued it: `cli` (the operator's command line) or the issuing token's actor, such
    /// as `admin:9c1d…`.
    pub issued_by: String,
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
    /// More tokens follow: pass this as `after` for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<String>,
}

/// The opening state of a cooperative that moves in (D1): the same three files as `verbund
/// coop import` takes, as text.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveIn {
    /// The statute in force on the go-live day (TOML).
    pub statute: String,
    /// The opening file: founding and go-live days, officers, opening balances (TOML; see
    /// `examples/moving-in/opening.toml`).
    pub opening: String,
    /// The member list on the go-live day (CSV with a header row; see
    /// `examples/moving-in/members.csv`).
    pub members: String,
}

/// Issue a token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueToken {
    /// `member:NUMBER`, `person:ID`, `admin`, `auditor`, `regulator` or `citizen-investor`.
    pub principal: String,
    /// Days until it expires: 1 to 366, default 90. A sign-in link lives 72 hours.
    #[schema(minimum = 1, maximum = 366)]
    pub expires_in_days: Option<u32>,
    /// `api` (default), or `sign-in-link`: a link for a person to open once, within 72
    /// hours, to start a session on the pages.
    pub purpose: Option<TokenPurpose>,
}

/// What a token is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TokenPurpose {
    /// A bearer token for the API.
    Api,
    /// A sign-in link for a person.
    SignInLink,
    /// A person's session on the pages (issued by opening a sign-in link, never here).
    Session,
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
    /// For a sign-in link with its secret: the page to open, relative to the server.
    pub link: Option<String>,
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

// ---------------------------------------------------------------------------------------------
// Membership

/// An amount of euros on the wire: a string with two decimal places, e.g. `"250.00"`.
pub fn money(amount: verbund_domain::Money) -> String {
    format!("{:.2}", amount.as_decimal())
}

/// What kind of member someone is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum MemberKind {
    /// A natural person.
    NaturalPerson,
    /// A firm.
    Firm {
        /// The trade, e.g. `Schreinerei`.
        trade: String,
        /// The region it works in.
        region: String,
        /// People employed.
        employees: u32,
    },
    /// An investing member, who does not use the cooperative's services (G8-2).
    Investing,
}

impl From<MemberKind> for verbund_domain::MemberKind {
    fn from(kind: MemberKind) -> Self {
        match kind {
            MemberKind::NaturalPerson => Self::NaturalPerson,
            MemberKind::Firm {
                trade,
                region,
                employees,
            } => Self::Firm {
                trade,
                region,
                employees,
            },
            MemberKind::Investing => Self::Investing,
        }
    }
}

impl From<&verbund_domain::MemberKind> for MemberKind {
    fn from(kind: &verbund_domain::MemberKind) -> Self {
        match kind {
            verbund_domain::MemberKind::NaturalPerson => Self::NaturalPerson,
            verbund_domain::MemberKind::Firm {
                trade,
                region,
                employees,
            } => Self::Firm {
                trade: trade.clone(),
                region: region.clone(),
                employees: *employees,
            },
            verbund_domain::MemberKind::Investing => Self::Investing,
        }
    }
}

/// An organ of the cooperative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Organ {
    /// Vorstand.
    Board,
    /// Aufsichtsrat.
    SupervisoryBoard,
    /// Generalversammlung.
    Assembly,
}

impl From<Organ> for verbund_domain::Organ {
    fn from(organ: Organ) -> Self {
        match organ {
            Organ::Board => Self::Board,
            Organ::SupervisoryBoard => Self::SupervisoryBoard,
            Organ::Assembly => Self::Assembly,
        }
    }
}

/// An office.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Office {
    /// Vorstand.
    Board,
    /// Aufsichtsrat.
    SupervisoryBoard,
    /// Keeps the books.
    Treasurer,
}

impl From<Office> for verbund_domain::Office {
    fn from(office: Office) -> Self {
        match office {
            Office::Board => Self::Board,
            Office::SupervisoryBoard => Self::SupervisoryBoard,
            Office::Treasurer => Self::Treasurer,
        }
    }
}

/// What the declaration of membership acknowledges (G15a).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgements {
    /// The duty to pay in the subscribed shares: always required.
    pub pays_for_shares: bool,
    /// The duty to make additional contributions, where the statute has them.
    #[serde(default)]
    pub additional_contributions: bool,
    /// A notice period of more than one year, where the statute has one.
    #[serde(default)]
    pub notice_period: bool,
}

/// A declaration of membership (G15, G15a).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Apply {
    /// Name or firm.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Postal address, one line.
    #[schema(min_length = 1, max_length = 300)]
    pub address: String,
    /// Kind of member.
    pub kind: MemberKind,
    /// Shares to subscribe.
    #[schema(minimum = 1)]
    pub shares: u32,
    /// The expected yearly use of the facilities in euros, where the statute scales the
    /// mandatory holding by it.
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub declared_usage: Option<verbund_domain::Money>,
    /// The day of the declaration (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub declared_on: Option<jiff::civil::Date>,
    /// What the declaration acknowledges.
    pub acknowledged: Acknowledgements,
    /// Consent to the public listing of a firm (name, trade, region).
    #[serde(default)]
    pub listed: bool,
}

/// An application filed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Applied {
    /// The application's id.
    pub application: String,
    /// The log position of the filing.
    pub position: u64,
    /// True if this answers a repeated request.
    pub replayed: bool,
}

/// An admission (G15). The organ defaults to the statute's.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Admit {
    /// The organ that decided (default: the statute's admission organ).
    pub by: Option<Organ>,
    /// The day the membership takes effect (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub admitted_on: Option<jiff::civil::Date>,
    /// For an investing member: the resolution that consents (G8-2).
    #[schema(max_length = 500)]
    pub investing_consent: Option<String>,
}

/// An application admitted.
#[derive(Debug, Serialize, ToSchema)]
pub struct Admitted {
    /// The new member's number.
    pub member: u32,
    /// The log position of the admission's last event.
    pub position: u64,
    /// True if this answers a repeated request.
    pub replayed: bool,
}

/// A rejection (G15): the applicant's personal data is erased with it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reject {
    /// The organ that decided (default: the statute's admission organ).
    pub by: Option<Organ>,
    /// Why, as told to the applicant.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
    /// The day of the decision (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub rejected_on: Option<jiff::civil::Date>,
}

/// Further shares (G7a, G15b).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Subscribe {
    /// Shares to add.
    #[schema(minimum = 1)]
    pub shares: u32,
    /// The day of the declaration (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub subscribed_on: Option<jiff::civil::Date>,
}

/// A payment received on the shares.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordPayment {
    /// The amount, e.g. `"250.00"`.
    #[schema(value_type = String, pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: verbund_domain::Money,
    /// The day it was received (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub received_on: Option<jiff::civil::Date>,
    /// The bank reference.
    #[schema(min_length = 1, max_length = 140)]
    pub reference: String,
}

/// A resignation (G65).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resign {
    /// The day the notice was received (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub declared_on: Option<jiff::civil::Date>,
    /// True if the notice was given in text form (a letter, an e-mail): required.
    pub in_text_form: bool,
    /// True if the notice was given in written form, signed by hand: required where the
    /// statute asks it (G65).
    #[serde(default)]
    pub in_writing: bool,
    /// An early exit in hardship (G65, § 65 (3) GenG): the member's statement why staying to
    /// the end of the statute's notice period (above two years) is unreasonable. Kept beside
    /// the log as personal data and erased with the member's record (G30).
    #[schema(min_length = 1, max_length = 2000)]
    pub hardship: Option<String>,
}

/// An exclusion (G68).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Exclude {
    /// The statute's exclusion ground, by its id.
    #[schema(min_length = 1, max_length = 100)]
    pub ground: String,
    /// Why, as the notice tells the member.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
    /// The day the notice was dispatched (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub dispatched_on: Option<jiff::civil::Date>,
}

/// Multiple votes for a member (G43-3).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantVotes {
    /// Votes: 1 (ends a grant) to the statute's maximum (at most 3).
    #[schema(minimum = 1, maximum = 3)]
    pub votes: u8,
    /// How the member especially furthers the business.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
    /// The day of the decision (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub granted_on: Option<jiff::civil::Date>,
}

/// A person authorized to act for a member.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorizeRepresentative {
    /// The person (16 lowercase hex digits); absent for a person new to the cooperative,
    /// who then gets an id.
    #[schema(pattern = "^[0-9a-f]{16}$")]
    pub person: Option<String>,
    /// In which capacity.
    pub capacity: Capacity,
    /// The first day (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub effective_on: Option<jiff::civil::Date>,
}

/// In which capacity a person acts for a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Capacity {
    /// The member themself, a natural person.
    Themself,
    /// The firm's owner, managing director or board member.
    ManagingDirector,
    /// An authorised signatory (Prokurist).
    AuthorisedSignatory,
    /// An attorney with the member's written power.
    Attorney,
}

impl From<Capacity> for verbund_domain::Capacity {
    fn from(capacity: Capacity) -> Self {
        match capacity {
            Capacity::Themself => verbund_domain::Capacity::Themself,
            Capacity::ManagingDirector => verbund_domain::Capacity::ManagingDirector,
            Capacity::AuthorisedSignatory => verbund_domain::Capacity::AuthorisedSignatory,
            Capacity::Attorney => verbund_domain::Capacity::Attorney,
        }
    }
}

/// The answer to authorizing a representative.
#[derive(Debug, Serialize, ToSchema)]
pub struct RepresentativeAuthorized {
    /// The person, to issue a sign-in link for (`person:ID`).
    pub person: String,
    /// The log position of the write.
    pub position: u64,
    /// True if this answers a repeated request.
    pub replayed: bool,
}

/// A member's death.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordDeath {
    /// The day of death.
    #[schema(value_type = String, format = Date)]
    pub died_on: jiff::civil::Date,
}

/// A transfer of paid-in capital to another member (G76).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The acquiring member.
    #[schema(minimum = 1)]
    pub to: u32,
    /// The amount; all the capital makes the giver leave that day.
    #[schema(value_type = String, pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: verbund_domain::Money,
    /// The day of the agreement (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub agreed_on: Option<jiff::civil::Date>,
    /// True if the agreement is in text form: required.
    pub in_text_form: bool,
}

/// The payout of an exited member's capital (G73).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaySettlement {
    /// The amount paid out: the member's capital.
    #[schema(value_type = String, pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
    pub amount: verbund_domain::Money,
    /// The day of the payment (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub paid_on: Option<jiff::civil::Date>,
}

/// An appointment to an office (G9-24).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Appoint {
    /// The office.
    pub office: Office,
    /// The natural person who serves for a member firm — its owner, managing director or
    /// another person authorised to represent it: required for a firm, refused for a
    /// natural person, who serves themself (G9-24). Kept beside the log as personal data.
    #[schema(min_length = 1, max_length = 200)]
    pub serving: Option<String>,
    /// The first day in office (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub effective_on: Option<jiff::civil::Date>,
}

/// The end of an office.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dismiss {
    /// The first day without the office (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub effective_on: Option<jiff::civil::Date>,
    /// Why.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// A change of a member's entry and the day it took effect (G30).
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryChange {
    /// The day it took effect.
    #[schema(value_type = String, format = Date)]
    pub effective_on: String,
    /// The event, e.g. `SharesSubscribed`.
    pub change: String,
    /// Shares after it.
    pub shares: u32,
    /// The log position of the event.
    pub position: u64,
}

/// One minimum paid-in part and its due day.
#[derive(Debug, Serialize, ToSchema)]
pub struct Due {
    /// The day it is due.
    #[schema(value_type = String, format = Date)]
    pub due_on: String,
    /// The amount.
    pub amount: String,
}

/// A movement of a member's capital.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementLine {
    /// The log position of its event.
    pub position: u64,
    /// The day.
    #[schema(value_type = String, format = Date)]
    pub on: String,
    /// `payment`, `transfer-in`, `transfer-out`, `settlement` or `profit-credited`.
    pub kind: String,
    /// The amount, signed: what it added to the capital.
    pub amount: String,
    /// The bank reference of a payment.
    pub reference: Option<String>,
    /// The other member of a transfer.
    pub counterparty: Option<u32>,
}

/// A member's own statement: shares, capital, dues, arrears, exit and settlement.
#[derive(Debug, Serialize, ToSchema)]
pub struct Statement {
    /// Member number.
    pub member: u32,
    /// Name or firm; absent once the personal data is erased.
    pub name: Option<String>,
    /// Postal address; absent once erased.
    pub address: Option<String>,
    /// Kind of member.
    pub kind: MemberKind,
    /// Shares subscribed.
    pub shares: u32,
    /// Of these, the mandatory holding (G7a).
    pub mandatory_shares: u32,
    /// The amount of one share.
    pub share_amount: String,
    /// What the subscribed shares are worth.
    pub subscribed: String,
    /// The paid-in capital (Geschäftsguthaben).
    pub paid_in: String,
    /// Subscribed and not yet paid in.
    pub outstanding: String,
    /// The minimum parts due by today and not paid.
    pub arrears: String,
    /// The minimum parts, each with its due day.
    pub dues: Vec<Due>,
    /// Every movement of the capital.
    pub lines: Vec<StatementLine>,
    /// `resignation`, `exclusion`, `death` or `transfer`, once an exit is recorded.
    pub exit_cause: Option<String>,
    /// The last day of the membership.
    #[schema(value_type = Option<String>, format = Date)]
    pub exit_on: Option<String>,
    /// The day the rights to attend and hold office ended (G68).
    #[schema(value_type = Option<String>, format = Date)]
    pub rights_lost_on: Option<String>,
    /// The settlement's deadline (G73): six months after the exit.
    #[schema(value_type = Option<String>, format = Date)]
    pub settlement_due_on: Option<String>,
    /// The day the settlement was paid.
    #[schema(value_type = Option<String>, format = Date)]
    pub settlement_paid_on: Option<String>,
    /// Until when the member list keeps this record (G30).
    #[schema(value_type = Option<String>, format = Date)]
    pub retained_until: Option<String>,
    /// The day this statement is drawn up for.
    #[schema(value_type = String, format = Date)]
    pub as_of_date: String,
    /// The log position this answer reflects.
    pub position: u64,
}

/// A firm in the public directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListedFirm {
    /// Member number.
    pub member: u32,
    /// The firm's name.
    pub name: String,
    /// Its trade.
    pub trade: String,
    /// Its region.
    pub region: String,
}

/// A page of the public directory of member firms.
#[derive(Debug, Serialize, ToSchema)]
pub struct Directory {
    /// Firms by member number.
    pub firms: Vec<ListedFirm>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<u32>,
    /// The log position this answer reflects.
    pub position: u64,
}

/// An application, for the organ that decides it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Application {
    /// Its id.
    pub application: String,
    /// Name or firm; absent once erased (after a rejection).
    pub name: Option<String>,
    /// Postal address; absent once erased.
    pub address: Option<String>,
    /// Kind of member.
    pub kind: MemberKind,
    /// Shares to subscribe.
    pub shares: u32,
    /// The day of the declaration.
    #[schema(value_type = String, format = Date)]
    pub declared_on: String,
    /// Consent to the public listing.
    pub listed: bool,
    /// `pending`, `admitted` or `rejected`.
    pub status: String,
    /// The member number, once admitted.
    pub member: Option<u32>,
    /// The day of the decision.
    #[schema(value_type = Option<String>, format = Date)]
    pub decided_on: Option<String>,
}

/// Applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationList {
    /// By declaration day, then id.
    pub applications: Vec<Application>,
    /// The log position this answer reflects.
    pub position: u64,
    /// More applications follow: pass this as `after` for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<String>,
}

/// A statute file to check.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatuteText {
    /// The statute file (TOML), as a board writes it.
    #[schema(max_length = 60000)]
    pub text: String,
}

/// A statute that conforms to the law.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatuteChecked {
    /// Its clauses, structured, with the law's defaults filled in.
    #[schema(value_type = Object)]
    pub clauses: serde_json::Value,
    /// The majority each kind of decision needs under it, and which rule gave it.
    pub majorities: Vec<MajorityRuleView>,
}

/// The majority a kind of decision needs under a statute (G43-2, G16, G78).
#[derive(Debug, Serialize, ToSchema)]
pub struct MajorityRuleView {
    /// `ordinary` (any resolution the law asks no more for), `amendment` (statute amendments
    /// the law lists no majority for), `amendment-qualified` (those § 16 (2) GenG lists, and
    /// recurring fees), `duty-to-use` (a duty to use the facilities or to deliver),
    /// `dissolution`.
    pub decision: String,
    /// The majority of the votes cast, e.g. `simple` or `3/4`.
    pub majority: String,
    /// The rule that gives it, e.g. `G16`.
    pub rule: String,
    /// `law` where the law's default applies, `statute` where the statute set it.
    pub source: String,
}

/// A rejection recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rejected {
    /// The log position of the rejection.
    pub position: u64,
    /// True if this answers a repeated request.
    pub replayed: bool,
    /// Whom to tell (G15), shown this once: the data was erased with the rejection. Absent
    /// when a repeated request is answered.
    pub notify: Option<Contact>,
}

/// A name and a postal address.
#[derive(Debug, Serialize, ToSchema)]
pub struct Contact {
    /// Name or firm.
    pub name: String,
    /// Postal address.
    pub address: String,
}
