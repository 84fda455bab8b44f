//! The aggregates as the write side decides on them: each one's state with the version of its
//! stream, so a command loads what it decides on from memory and appends with exactly that
//! version. A stale state costs a version conflict and a retry, never a wrong decision about
//! the streams the command writes.

use serde::{Deserialize, Serialize};
use verbund_domain::{
    Application, ApplicationId, Cooperative, Member, MemberNo, Stream, Token, TokenId,
};
use verbund_ledger::StreamVersion;

use crate::{Envelope, Projection};

/// An aggregate's state and its stream's version (`None`: no stream yet).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versioned<S> {
    /// The state.
    pub state: S,
    /// The version of the stream it was folded from.
    pub version: Option<StreamVersion>,
}

/// Every aggregate of a cooperative.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Aggregates {
    coop: Versioned<Cooperative>,
    /// Persistent: a snapshot's copy shares the structure.
    tokens: imbl::HashMap<TokenId, Versioned<Token>>,
    members: imbl::OrdMap<MemberNo, Versioned<Member>>,
    applications: imbl::HashMap<ApplicationId, Versioned<Application>>,
}

impl Projection for Aggregates {
    const NAME: &'static str = "aggregates";
    const VERSION: u32 = 4;

    fn apply(&mut self, envelope: &Envelope) {
        match Stream::parse(envelope.stream.as_str()) {
            Some(Stream::Coop) => {
                self.coop.state.apply(&envelope.event);
                self.coop.version = Some(envelope.stream_version);
            }
            Some(Stream::Token(token)) => {
                let entry = self.tokens.entry(token).or_default();
                entry.state.apply(&envelope.event);
                entry.version = Some(envelope.stream_version);
            }
            Some(Stream::Member(no)) => {
                let entry = self.members.entry(no).or_default();
                entry.state.apply(&envelope.event);
                entry.version = Some(envelope.stream_version);
            }
            Some(Stream::Application(id)) => {
                let entry = self.applications.entry(id).or_default();
                entry.state.apply(&envelope.event);
                entry.version = Some(envelope.stream_version);
            }
            None => {}
        }
    }
}

impl Aggregates {
    /// The cooperative.
    pub fn coop(&self) -> &Versioned<Cooperative> {
        &self.coop
    }

    /// A member (the empty state without a stream).
    pub fn member(&self, member: MemberNo) -> Versioned<Member> {
        self.members.get(&member).cloned().unwrap_or_default()
    }

    /// An application (the empty state without a stream).
    pub fn application(&self, id: &ApplicationId) -> Versioned<Application> {
        self.applications.get(id).cloned().unwrap_or_default()
    }

    /// Every application filed, in no particular order.
    pub fn applications(&self) -> impl Iterator<Item = (&ApplicationId, &Application)> {
        self.applications.iter().map(|(id, a)| (id, &a.state))
    }

    /// The number the next admission takes: one after the highest ever taken.
    pub fn next_member(&self) -> MemberNo {
        self.members
            .keys()
            .next_back()
            .map_or(MemberNo::FIRST, |last| last.next())
    }

    /// Members on `day`.
    pub fn members_on(&self, day: jiff::civil::Date) -> usize {
        self.members
            .values()
            .filter_map(|m| m.state.membership())
            .filter(|m| m.is_member_on(day))
            .count()
    }

    /// A token (the empty state without a stream if it was never issued).
    pub fn token(&self, token: &TokenId) -> Versioned<Token> {
        self.tokens.get(token).cloned().unwrap_or_default()
    }
}
