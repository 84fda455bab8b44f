//! The pure rules of a cooperative (eingetragene Genossenschaft): identifiers, money, commands,
//! events, the statute and the decisions that apply the rules of `shared/domain-rules.md`.
//!
//! A decision is a method on an aggregate's state, `state.decide(command) -> Result<Vec<Change>,
//! DomainError>`: pure, total, and tested as *given events, when command, then events (or
//! error)*. Applying an event to a state never fails, because the log is the truth.
//!
//! Architecture invariant: this crate knows nothing of storage, HTTP or time sources. No IO, no
//! async, no SQL; it depends on no other crate of the workspace. The current time, where a rule
//! needs it, is part of the command.
//!
//! # Layout
//! - `error`: [`DomainError`] (stable code, rule id, field, message) and [`Rule`].
//! - `money`: [`Money`], euros with at most two decimal places.
//! - `ids`: [`MemberNo`], [`Name`].
//! - `statute`: [`Statute`], the statute file parsed and validated against the law.
//! - `event`: [`Event`] (every event type with its schema version), [`Stream`], [`Change`].
//! - `calendar`: [`BusinessYear`], notice periods, payout and retention deadlines.
//! - `coop`: the [`Cooperative`] aggregate: founding, organs, statute amendments.
//! - `membership`: the [`Application`] and [`Member`] aggregates: admission, shares, payments,
//!   the ways out and the settlement.
//! - `personal`: [`Person`] (name, address) kept outside the chain, [`PersonalRef`] to it.
//! - `access`: [`Principal`], [`Role`], tokens (the [`Token`] aggregate).
//! - `governance`: assemblies, motions, ballots, proxies ([`governance::tally`]).
//! - `books`: double-entry accounting from events: the chart, [`books::bookings`] (every money
//!   event to lines that sum to zero), the [`books::Books`] aggregate of the treasurer.

mod access;
pub mod books;
mod calendar;
mod coop;
mod error;
mod event;
pub mod governance;
mod ids;
mod membership;
mod money;
pub mod moving_in;
mod personal;
pub mod statute;

pub use access::{
    IssueToken, Principal, Role, SESSION_LIFETIME, SIGN_IN_LINK_LIFETIME, TOKEN_LIFETIME_MAX,
    Token, TokenDigest, TokenId, TokenIssued, TokenPurpose, TokenRevoked,
};
pub use calendar::{BusinessYear, record_retained_until, settlement_due};
pub use coop::{
    AmendStatute, Appoint, Cooperative, CooperativeFounded, Dismiss, FOUNDERS_MAX,
    FoundCooperative, Founder, Office, Officer, OfficerAppointed, OfficerRemoved, OrganFacts,
    StatuteAmended,
};
pub use error::{DomainError, ErrorKind, Rule};
pub use event::{Change, DecodeError, Event, Stream};
pub use ids::{MemberNo, Name};
pub use membership::{
    Acknowledgements, Admit, Application, ApplicationAccepted, ApplicationRejected, Apply,
    AuthorizeRepresentative, Capacity, CapitalTransferred, Decided, EraseRecord, Exclude, Exit,
    ExitCause, GrantVotes, Member, MemberAdmitted, MemberDied, MemberExcluded, MemberKind,
    MemberRecordErased, Membership, MembershipApplied, PaySettlement, PaymentReceived, PersonId,
    RecordDeath, RecordPayment, Reject, RepresentativeAuthorized, RepresentativeWithdrawn, Resign,
    ResignationDeclared, SettlementPaid, SharesSubscribed, Subscribe, Transfer, VotesGranted,
    WithdrawRepresentative, mandatory_shares, transfer_capital,
};
pub use money::Money;
pub use personal::{ApplicationId, Person, PersonalRef, RecordId};
pub use statute::{
    AmendmentMajority, AssemblyForm, DelegateAssembly, Majority, MajorityReason, MajorityRule,
    MandatoryHolding, Organ, Statute,
};
