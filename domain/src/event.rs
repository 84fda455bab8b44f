//! Every event of a cooperative's log, with its stable type name and schema version, and the
//! streams they belong to.
//!
//! An event type, once in a log, is forever: its name and the meaning of its fields at a schema
//! version never change. A new field or meaning is a new schema version that [`Event::decode`]
//! still reads the old way.

use std::fmt;

use crate::access::{TokenIssued, TokenRevoked};
use crate::books::{
    AccountOpened, EntryReversed, FiscalYearClosed, JournalEntryPosted, LevyCharged, LevyContinued,
    LossAlarmRaised, MemberLoanGranted, MemberLoanRepaid, PaymentRecorded, ProfitDistributed,
};
use crate::coop::{CooperativeFounded, OfficerAppointed, OfficerRemoved, StatuteAmended};
use crate::governance::{
    AgendaItemAdded, AssemblyConvened, AssemblyId, AttendanceRecorded, BallotClosed, BallotCounted,
    BallotKeyDestroyed, BallotKeyDisclosed, BallotOpened, ChairChosen, DelegatesElected,
    InvestmentApproved, MotionId, MotionPut, ProxyGranted, ProxyRevoked, VoteCast,
};
use crate::membership::{
    ApplicationAccepted, ApplicationRejected, CapitalTransferred, MemberAdmitted, MemberDied,
    MemberExcluded, MemberRecordErased, MembershipApplied, PaymentReceived,
    RepresentativeAuthorized, RepresentativeWithdrawn, ResignationDeclared, SettlementPaid,
    SharesSubscribed, VotesGranted,
};
use crate::moving_in::{CooperativeMovedIn, MemberMovedIn, OpeningBalancesBooked};
use crate::{ApplicationId, MemberNo, TokenId};

/// The aggregate an event belongs to: one stream per aggregate in the log.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stream {
    /// The cooperative itself: founding, statute, organs.
    Coop,
    /// One API token: issued, then perhaps revoked.
    Token(TokenId),
    /// One member.
    Member(MemberNo),
    /// One application for membership.
    Application(ApplicationId),
    /// One general assembly: convening and agenda.
    Assembly(AssemblyId),
    /// One motion and its ballot.
    Motion(MotionId),
    /// One member's vote on one motion: one stream each, so a second vote is a version
    /// conflict wherever it is cast.
    Vote(MotionId, MemberNo),
    /// Every proxy of the cooperative (G43-5).
    Proxies,
    /// One approved joint investment, by the motion that approved it.
    Investment(MotionId),
    /// The books: the treasurer's entries, closings and member loans.
    Books,
}

/// How the name of a token's stream begins.
const TOKEN_STREAM_PREFIX: &str = "token-";

impl Stream {
    /// Reads a stream's name back (the inverse of `Display`); `None` for a stream that is no
    /// aggregate of a cooperative.
    pub fn parse(name: &str) -> Option<Stream> {
        if name == "coop" {
            return Some(Stream::Coop);
        }
        if name == "proxies" {
            return Some(Stream::Proxies);
        }
        if name == "books" {
            return Some(Stream::Books);
        }
        if let Some(id) = name.strip_prefix("assembly-") {
            return AssemblyId::parse(id).ok().map(Stream::Assembly);
        }
        if let Some(id) = name.strip_prefix("motion-") {
            return MotionId::parse(id).ok().map(Stream::Motion);
        }
        if let Some(id) = name.strip_prefix("investment-") {
            return MotionId::parse(id).ok().map(Stream::Investment);
        }
        if let Some((motion, no)) = name.strip_prefix("vote-").and_then(|v| v.split_once('-')) {
            let member = MemberNo::parse(no)
                .ok()
                .filter(|member| member.to_string() == no)?;
            return MotionId::parse(motion)
                .ok()
                .map(|motion| Stream::Vote(motion, member));
        }
        if let Some(token) = name.strip_prefix(TOKEN_STREAM_PREFIX) {
            return TokenId::parse(token).ok().map(Stream::Token);
        }
        if let Some(application) = name.strip_prefix("application-") {
            return ApplicationId::parse(application)
                .ok()
                .map(Stream::Application);
        }
        let no = name.strip_prefix("member-")?;
        // Only the canonical spelling: "member-007" is not member 7's stream.
        MemberNo::parse(no)
            .ok()
            .filter(|member| member.to_string() == no)
            .map(Stream::Member)
    }
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stream::Coop => f.write_str("coop"),
            Stream::Token(token) => write!(f, "{TOKEN_STREAM_PREFIX}{token}"),
            Stream::Member(no) => write!(f, "member-{no}"),
            Stream::Application(id) => write!(f, "application-{id}"),
            Stream::Assembly(id) => write!(f, "assembly-{id}"),
            Stream::Motion(id) => write!(f, "motion-{id}"),
            Stream::Vote(motion, member) => write!(f, "vote-{motion}-{member}"),
            Stream::Proxies => f.write_str("proxies"),
            Stream::Investment(id) => write!(f, "investment-{id}"),
            Stream::Books => f.write_str("books"),
        }
    }
}

/// An event that cannot be read back: an unknown type or schema version, or a payload that
/// does not match it. Either the log was written by a newer Verbund, or it is damaged.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The type is not one this version knows.
    #[error("unknown event type {0:?}")]
    UnknownType(String),
    /// The type is known, the schema version is not.
    #[error("event type {event_type} has no schema version {version}")]
    UnknownVersion {
        /// The type.
        event_type: &'static str,
        /// The unknown version.
        version: u32,
    },
    /// The payload does not match the type's schema.
    #[error("payload of {event_type} does not match its schema: {source}")]
    Payload {
        /// The type.
        event_type: &'static str,
        /// What serde found.
        source: serde_json::Error,
    },
}

macro_rules! events {
    ($( $(#[$doc:meta])* $name:ident v $version:literal $(reads $($old:literal)+)? ),+ $(,)?) => {
        /// Every event of a cooperative's log.
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum Event {
            $( $(#[$doc])* $name($name), )+
        }

        impl Event {
            /// Every event type and its current schema version.
            pub const TYPES: &'static [(&'static str, u32)] = &[$( (stringify!($name), $version), )+];

            /// The stable type name, in the past tense.
            pub fn event_type(&self) -> &'static str {
                match self { $( Event::$name(_) => stringify!($name), )+ }
            }

            /// The schema version this build writes.
            pub fn schema_version(&self) -> u32 {
                match self { $( Event::$name(_) => $version, )+ }
            }

            /// The payload as JSON.
            pub fn to_json(&self) -> serde_json::Value {
                let value = match self {
                    $( Event::$name(event) => serde_json::to_value(event), )+
                };
                value.expect("events serialize: plain data with string keys")
            }

            /// Reads an event back from its type, schema version and payload.
            pub fn decode(event_type: &str, version: u32, payload: &str) -> Result<Event, DecodeError> {
                match event_type {
                    $(
                        stringify!($name) => {
                            // Older schema versions whose payloads the current type reads
                            // (the fields added since have defaults that mean what the old
                            // version meant).
                            if version != $version $($(&& version != $old)+)? {
                                return Err(DecodeError::UnknownVersion { event_type: stringify!($name), version });
                            }
                            serde_json::from_str(payload)
                                .map(Event::$name)
                                .map_err(|source| DecodeError::Payload { event_type: stringify!($name), source })
                        }
                    )+
                    other => Err(DecodeError::UnknownType(other.to_owned())),
                }
            }
        }

        $(
            impl From<$name> for Event {
                fn from(event: $name) -> Event {
                    Event::$name(event)
                }
            }
        )+
    };
}

events! {
    /// A cooperative was founded under its first statute.
    CooperativeFounded v 1,
    /// An existing cooperative's history in Verbund began on its go-live day (D1).
    CooperativeMovedIn v 1,
    /// A member of a cooperative moving in, as its member list kept so far records them.
    MemberMovedIn v 1,
    /// The opening balances of a cooperative moving in.
    OpeningBalancesBooked v 1,
    /// The statute was amended.
    StatuteAmended v 1,
    /// Someone applied for membership.
    MembershipApplied v 1,
    /// An application led to an admission.
    ApplicationAccepted v 1,
    /// An application was rejected. Version 2 names the personal records erased with it;
    /// version 1 reads without them.
    ApplicationRejected v 2 reads 1,
    /// A person or firm became a member. (Version 1, before personal data moved out of the
    /// chain, was never released.)
    MemberAdmitted v 2,
    /// A member subscribed further shares.
    SharesSubscribed v 1,
    /// A payment against shares arrived.
    PaymentReceived v 1,
    /// A member gave notice. Version 2 adds the statement of an early exit in hardship
    /// (G65); version 1 reads as an ordinary notice.
    ResignationDeclared v 2 reads 1,
    /// A member was excluded.
    MemberExcluded v 1,
    /// A member died.
    MemberDied v 1,
    /// Capital moved from one member to another.
    CapitalTransferred v 1,
    /// An exited member's capital was paid out.
    SettlementPaid v 1,
    /// An exited member's personal data was erased after the retention period. Version 2
    /// names the records erased; version 1 reads without them.
    MemberRecordErased v 2 reads 1,
    /// A member took an office. Version 2 adds the natural person serving for a firm
    /// (G9-24); version 1 reads without one.
    OfficerAppointed v 2 reads 1,
    /// A member's office ended.
    OfficerRemoved v 1,
    /// A person may act for a member.
    RepresentativeAuthorized v 1,
    /// A person no longer acts for a member.
    RepresentativeWithdrawn v 1,
    /// A token was issued. Version 2 adds its purpose (an API token, a sign-in link, a
    /// session); version 1 reads as an API token.
    TokenIssued v 2 reads 1,
    /// An API token was revoked.
    TokenRevoked v 1,
    /// A general assembly was convened. Version 2 adds `delegates` (G43a); version 1 reads
    /// as a general assembly of all members. Version 3 adds how members take part and the
    /// discussion phase's form (G46); older versions read without them.
    AssemblyConvened v 3 reads 1 2,
    /// An item was added to an assembly's agenda.
    AgendaItemAdded v 1,
    /// A member attended an assembly, themself or through their proxy (G46, G47).
    AttendanceRecorded v 1,
    /// The assembly chose who chairs it (G46, G47).
    ChairChosen v 1,
    /// A motion was put.
    MotionPut v 1,
    /// A ballot opened; the electorate is fixed by its position. Version 2 adds the
    /// delegates to the weighting (G43a); version 1 reads as a ballot of all members.
    /// Version 3 adds the key that seals a secret or hidden ballot's votes (W1); older
    /// versions read without one (their sealed votes were not encrypted).
    BallotOpened v 3 reads 1 2,
    /// A member voted.
    VoteCast v 1,
    /// A ballot closed.
    BallotClosed v 1,
    /// A ballot's result, with the full tally.
    BallotCounted v 1,
    /// The key of a ballot whose results were hidden, not secret, was disclosed with its
    /// count (W1).
    BallotKeyDisclosed v 1,
    /// The key of a secret ballot's votes was destroyed (W1).
    BallotKeyDestroyed v 1,
    /// A member gave their vote to a proxy.
    ProxyGranted v 1,
    /// A member took their vote back from a proxy.
    ProxyRevoked v 1,
    /// A joint investment was approved.
    InvestmentApproved v 1,
    /// A member was granted multiple votes (or a grant ended).
    VotesGranted v 1,
    /// The treasurer opened an account.
    AccountOpened v 1,
    /// Money came in or went out.
    PaymentRecorded v 1,
    /// A levy was charged to the members.
    LevyCharged v 1,
    /// Further parts of a levy over more members than one event holds.
    LevyContinued v 1,
    /// A manual journal entry was posted.
    JournalEntryPosted v 1,
    /// An entry was reversed.
    EntryReversed v 1,
    /// A business year was closed and sealed.
    FiscalYearClosed v 1,
    /// Half of the members' capital plus the reserves do not cover a loss (G33). Version 2
    /// adds the capital alone; version 1 was raised at ½ × (capital + reserves).
    LossAlarmRaised v 2 reads 1,
    /// A year's profit was used as the assembly decided (G19).
    ProfitDistributed v 1,
    /// A member lent money for an investment (G21b).
    MemberLoanGranted v 1,
    /// A member loan was repaid.
    MemberLoanRepaid v 1,
    /// The members elected their delegates (G43a).
    DelegatesElected v 1,
}

impl Event {
    /// The personal records this event erases, with why: what the commit that records it
    /// erases beside the log, so that the chain itself says which records are gone.
    pub fn erased_records(&self) -> (&[crate::RecordId], &'static str) {
        match self {
            Event::ApplicationRejected(e) => (&e.erased_records, "application rejected (G15)"),
            Event::MemberRecordErased(e) => (&e.erased_records, "retention period over (G30)"),
            _ => (&[], ""),
        }
    }
}

/// An event with the stream it goes to: what a decision returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The stream.
    pub stream: Stream,
    /// The event.
    pub event: Event,
}

impl Change {
    /// An event for a stream.
    pub fn new(stream: Stream, event: impl Into<Event>) -> Self {
        Self {
            stream,
            event: event.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    /// An event is as large as its largest kind, and a projections' page holds thousands of
    /// them: large parts (a statute) are boxed, so that no kind makes every event large.
    #[test]
    fn an_event_stays_small() {
        let size = std::mem::size_of::<super::Event>();
        assert!(size <= 192, "an event takes {size} bytes");
    }

    use super::*;

    #[test]
    fn unknown_types_and_versions_are_errors_not_guesses() {
        assert!(matches!(
            Event::decode("MemberTeleported", 1, "{}"),
            Err(DecodeError::UnknownType(_))
        ));
        assert!(matches!(
            Event::decode("TokenRevoked", 9, "{}"),
            Err(DecodeError::UnknownVersion { version: 9, .. })
        ));
        assert!(matches!(
            Event::decode("TokenRevoked", 1, "{\"nope\":1}"),
            Err(DecodeError::Payload { .. })
        ));
    }

    /// An older schema version reads as it meant: a version 1 convening is a general
    /// assembly of all members, a version 1 ballot counts the members (G43a came later).
    #[test]
    fn older_schema_versions_read_as_they_meant() {
        let convened = r#"{"assembly":"a1","form":"in-person","convened_on":"2027-03-01",
            "held_on":"2027-03-15","place":"Gasthaus","chair":3,"agenda":["Budget"],
            "demanded_by":[]}"#;
        let Ok(Event::AssemblyConvened(event)) = Event::decode("AssemblyConvened", 1, convened)
        else {
            panic!("version 1 reads");
        };
        assert!(!event.delegates);
        assert_eq!(
            event.participation, None,
            "G46: version 1 did not record it"
        );
        let opened = r#"{"motion":"m1","record_day":"2027-03-15",
            "opened_at":"2027-03-15T11:00:00Z","closes_at":null,"statute_version":1,
            "weighting":{"one_vote_each":false,"excluded":[]},"counting":null,"quorum_percent":0}"#;
        let Ok(Event::BallotOpened(event)) = Event::decode("BallotOpened", 1, opened) else {
            panic!("version 1 reads");
        };
        assert_eq!(event.weighting.delegates, None);
        let alarm = r#"{"last_day":"2027-12-31","loss":"3500.01",
            "capital_and_reserves":"7000.00","raised_on":"2028-01-10"}"#;
        let Ok(Event::LossAlarmRaised(event)) = Event::decode("LossAlarmRaised", 1, alarm) else {
            panic!("version 1 reads");
        };
        assert_eq!(
            event.capital, None,
            "G33: version 1 did not record the capital apart"
        );
        assert!(matches!(
            Event::decode("AssemblyConvened", 4, convened),
            Err(DecodeError::UnknownVersion { .. })
        ));
    }

    #[test]
    fn member_streams_are_named_by_number() {
        assert_eq!(Stream::Member(MemberNo::FIRST).to_string(), "member-1");
        assert_eq!(Stream::Coop.to_string(), "coop");
    }

    #[test]
    fn stream_names_read_back() {
        let token = TokenId::parse("ab12").expect("valid");
        for stream in [
            Stream::Coop,
            Stream::Member(MemberNo::FIRST),
            Stream::Token(token),
            Stream::Application(ApplicationId::parse("ab12").expect("valid")),
            Stream::Assembly(AssemblyId::parse("a1").expect("valid")),
            Stream::Motion(MotionId::parse("m1").expect("valid")),
            Stream::Vote(MotionId::parse("m1").expect("valid"), MemberNo::FIRST),
            Stream::Proxies,
            Stream::Investment(MotionId::parse("m1").expect("valid")),
            Stream::Books,
        ] {
            assert_eq!(Stream::parse(&stream.to_string()), Some(stream));
        }
        for other in [
            "member-007",
            "member-0",
            "token-",
            "access",
            "fill-1",
            "vote-m1-07",
            "vote-m1",
            "vote--1",
        ] {
            assert_eq!(Stream::parse(other), None, "{other}");
        }
    }
}
