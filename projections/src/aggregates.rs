//! The aggregates as the write side decides on them: each one's state with the version of its
//! stream, so a command loads what it decides on from memory and appends with exactly that
//! version. A stale state costs a version conflict and a retry, never a wrong decision about
//! the streams the command writes.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use verbund_domain::books::Books;
use verbund_domain::governance::{
    Assembly, AssemblyId, InvestmentApproved, Motion, MotionId, Proxies, Regime, VoteCast, Voter,
    electorate,
};
use verbund_domain::{Application, ApplicationId, Cooperative, Event, Member, MemberNo, Stream};
use verbund_ledger::{Position, StreamVersion};

use crate::{Envelope, Projection};

/// An aggregate's state and its stream's version (`None`: no stream yet).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versioned<S> {
    /// The state.
    pub state: S,
    /// The version of the stream it was folded from.
    pub version: Option<StreamVersion>,
}

/// Every aggregate of a cooperative but the tokens, which `crate::Tokens` keeps
/// (`Tokens::aggregate`): most events of a busy log are tokens', and are folded once.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Aggregates {
    coop: Versioned<Cooperative>,
    /// Persistent: a snapshot's copy shares the structure.
    members: imbl::OrdMap<MemberNo, Versioned<Member>>,
    applications: imbl::HashMap<ApplicationId, Versioned<Application>>,
    assemblies: imbl::HashMap<AssemblyId, Versioned<Assembly>>,
    /// Behind an `Arc`: a vote loads its motion without copying an amendment's statute.
    motions: imbl::HashMap<MotionId, Versioned<Arc<Motion>>>,
    ballots: imbl::HashMap<MotionId, Ballot>,
    proxies: Versioned<Arc<Proxies>>,
    investments: imbl::OrdMap<MotionId, Versioned<InvestmentApproved>>,
    /// The treasurer's books (behind an `Arc`: commands load it without copying).
    books: Versioned<Arc<Books>>,
}

/// A ballot's electorate, fixed when it opened, and each voter's last vote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ballot {
    /// The position of the `BallotOpened` event.
    pub opened_at: Position,
    /// The position of the `BallotClosed` event, once closed.
    pub closed_at: Option<Position>,
    voters: imbl::OrdMap<MemberNo, Voter>,
    votes: imbl::OrdMap<MemberNo, Versioned<VoteCast>>,
}

impl Ballot {
    /// A member's entry in the electorate.
    pub fn voter(&self, member: MemberNo) -> Option<Voter> {
        self.voters.get(&member).copied()
    }

    /// The electorate, by member number.
    pub fn voters(&self) -> impl Iterator<Item = &Voter> {
        self.voters.values()
    }

    /// The number of voters.
    pub fn electorate(&self) -> usize {
        self.voters.len()
    }

    /// A member's last vote, with the version of their vote stream.
    pub fn vote(&self, member: MemberNo) -> Versioned<Option<VoteCast>> {
        match self.votes.get(&member) {
            Some(v) => Versioned {
                state: Some(v.state.clone()),
                version: v.version,
            },
            None => Versioned::default(),
        }
    }

    /// Every voter's last vote, by member number.
    pub fn votes(&self) -> impl Iterator<Item = &VoteCast> {
        self.votes.values().map(|v| &v.state)
    }

    /// The last votes of the voters numbered after `after`, by member number.
    pub fn votes_after(&self, after: MemberNo) -> impl Iterator<Item = &VoteCast> {
        use std::ops::Bound;
        self.votes
            .range((Bound::Excluded(after), Bound::Unbounded))
            .map(|(_, v)| &v.state)
    }

    /// Members who voted.
    pub fn participants(&self) -> usize {
        self.votes.len()
    }
}

impl Projection for Aggregates {
    const NAME: &'static str = "aggregates";
    const VERSION: u32 = 10;

    fn apply(&mut self, envelope: &Envelope) {
        match &envelope.stream {
            Some(Stream::Coop) => {
                // The books learn the first day of the history (D1) from the founding or the
                // moving-in.
                if let Event::CooperativeFounded(_) | Event::CooperativeMovedIn(_) = &envelope.event
                {
                    Arc::make_mut(&mut self.books.state).apply(&envelope.event);
                }
                self.coop.state.apply(&envelope.event);
                self.coop.version = Some(envelope.stream_version);
            }
            Some(Stream::Member(no)) => {
                let entry = self.members.entry(*no).or_default();
                entry.state.apply(&envelope.event);
                entry.version = Some(envelope.stream_version);
            }
            Some(Stream::Application(id)) => {
                let entry = self.applications.entry(id.clone()).or_default();
                entry.state.apply(&envelope.event);
                entry.version = Some(envelope.stream_version);
            }
            Some(Stream::Assembly(id)) => {
                let entry = self.assemblies.entry(id.clone()).or_default();
                entry.state.apply(&envelope.event);
                entry.version = Some(envelope.stream_version);
            }
            Some(Stream::Motion(id)) => {
                let entry = self.motions.entry(id.clone()).or_default();
                Arc::make_mut(&mut entry.state).apply(&envelope.event);
                entry.version = Some(envelope.stream_version);
                match &envelope.event {
                    Event::BallotOpened(opened) => {
                        let voters = self.electorate_of(opened);
                        self.ballots.insert(
                            id.clone(),
                            Ballot {
                                opened_at: envelope.position,
                                closed_at: None,
                                voters,
                                votes: imbl::OrdMap::new(),
                            },
                        );
                    }
                    Event::BallotClosed(_) => {
                        if let Some(ballot) = self.ballots.get_mut(id) {
                            ballot.closed_at = Some(envelope.position);
                        }
                    }
                    _ => {}
                }
            }
            Some(Stream::Vote(motion, member)) => {
                if let Event::VoteCast(vote) = &envelope.event
                    && let Some(ballot) = self.ballots.get_mut(motion)
                {
                    ballot.votes.insert(
                        *member,
                        Versioned {
                            state: vote.clone(),
                            version: Some(envelope.stream_version),
                        },
                    );
                }
            }
            Some(Stream::Proxies) => {
                let proxies = Arc::make_mut(&mut self.proxies.state);
                match &envelope.event {
                    Event::ProxyGranted(e) => proxies.apply_granted(e),
                    Event::ProxyRevoked(e) => proxies.apply_revoked(e),
                    _ => {}
                }
                self.proxies.version = Some(envelope.stream_version);
            }
            Some(Stream::Investment(id)) => {
                if let Event::InvestmentApproved(e) = &envelope.event {
                    self.investments.insert(
                        id.clone(),
                        Versioned {
                            state: e.clone(),
                            version: Some(envelope.stream_version),
                        },
                    );
                }
            }
            Some(Stream::Books) => {
                // A profit credited to unpaid shares is the credited members' capital (G19).
                if let Event::ProfitDistributed(e) = &envelope.event {
                    for part in &e.parts {
                        if let Some(member) = self.members.get_mut(&part.member) {
                            member.state.apply(&envelope.event);
                        }
                    }
                }
                Arc::make_mut(&mut self.books.state).apply(&envelope.event);
                self.books.version = Some(envelope.stream_version);
            }
            // Folded by `crate::Tokens`, which keeps their aggregates: most events of a busy
            // log are tokens', and are folded once.
            Some(Stream::Token(_)) | None => {}
        }
    }
}

impl Aggregates {
    /// The electorate of a ballot opening now: the members with their rights on the record
    /// day, as the log stands before the opening, weighted under the statute in force.
    fn electorate_of(
        &self,
        opened: &verbund_domain::governance::BallotOpened,
    ) -> imbl::OrdMap<MemberNo, Voter> {
        let Some(statute) = self.coop.state.statute() else {
            return imbl::OrdMap::new();
        };
        electorate(
            self.members.values().filter_map(|m| m.state.membership()),
            opened.record_day,
            statute,
            &opened.weighting,
            Regime::of_counting(opened.counting.as_ref()),
            |member| {
                self.members
                    .get(&member)
                    .and_then(|m| m.state.membership())
                    .map_or(1, |m| m.votes())
            },
        )
        .into_iter()
        .map(|voter| (voter.member, voter))
        .collect()
    }

    /// The books, with the version of their stream.
    pub fn books(&self) -> Versioned<Arc<Books>> {
        self.books.clone()
    }

    /// An assembly (the empty state without a stream).
    pub fn assembly(&self, id: &AssemblyId) -> Versioned<Assembly> {
        self.assemblies.get(id).cloned().unwrap_or_default()
    }

    /// Every assembly convened, in no particular order.
    pub fn assemblies(&self) -> impl Iterator<Item = (&AssemblyId, &Assembly)> {
        self.assemblies.iter().map(|(id, a)| (id, &a.state))
    }

    /// A motion (the empty state without a stream).
    pub fn motion(&self, id: &MotionId) -> Versioned<Arc<Motion>> {
        self.motions.get(id).cloned().unwrap_or_default()
    }

    /// Every motion put, in no particular order.
    pub fn motions(&self) -> impl Iterator<Item = (&MotionId, &Arc<Motion>)> {
        self.motions.iter().map(|(id, m)| (id, &m.state))
    }

    /// A motion's ballot, once opened.
    pub fn ballot(&self, id: &MotionId) -> Option<&Ballot> {
        self.ballots.get(id)
    }

    /// Every proxy.
    pub fn proxies(&self) -> &Versioned<Arc<Proxies>> {
        &self.proxies
    }

    /// The version of an investment's stream.
    pub fn investment_version(&self, id: &MotionId) -> Option<StreamVersion> {
        self.investments.get(id).and_then(|v| v.version)
    }

    /// Every approved investment, by motion.
    pub fn investments(&self) -> impl Iterator<Item = &InvestmentApproved> {
        self.investments.values().map(|v| &v.state)
    }

    /// The cooperative.
    pub fn coop(&self) -> &Versioned<Cooperative> {
        &self.coop
    }

    /// A member (the empty state without a stream).
    pub fn member(&self, member: MemberNo) -> Versioned<Member> {
        self.members.get(&member).cloned().unwrap_or_default()
    }

    /// Every member, by number.
    pub fn members(&self) -> impl Iterator<Item = (MemberNo, &Member)> {
        self.members.iter().map(|(no, m)| (*no, &m.state))
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

    /// The regime of multiple votes on `day` (G43-3): whether more than three quarters of the
    /// members are entrepreneurs.
    pub fn regime_on(&self, day: jiff::civil::Date) -> Regime {
        let (members, entrepreneurs) = self
            .members
            .values()
            .filter_map(|m| m.state.membership())
            .filter(|m| m.is_member_on(day))
            .fold((0, 0), |(all, firms), m| {
                (all + 1, firms + usize::from(m.kind().is_entrepreneur()))
            });
        Regime::of(members, entrepreneurs)
    }

    /// The investing members on the supervisory board who stay in office (G8-2).
    pub fn investing_supervisors(&self) -> usize {
        self.coop
            .state
            .staying(verbund_domain::Office::SupervisoryBoard)
            .filter(|no| {
                self.members
                    .get(no)
                    .and_then(|m| m.state.membership())
                    .is_some_and(|m| m.kind().is_investing())
            })
            .count()
    }

    /// Whether every member with their rights on `day` attends `assembly` themself (G46).
    pub fn all_present(&self, assembly: &AssemblyId, day: jiff::civil::Date) -> bool {
        let Some(assembly) = self.assemblies.get(assembly) else {
            return false;
        };
        assembly.state.all_present(
            self.members
                .values()
                .filter_map(|m| m.state.membership())
                .filter(|m| m.has_rights_on(day))
                .map(|m| m.member()),
        )
    }

    /// The delegates last elected who have their rights as members on `day` (G43a).
    pub fn delegates_on(&self, day: jiff::civil::Date) -> usize {
        self.coop
            .state
            .delegates()
            .iter()
            .filter(|no| {
                self.members
                    .get(*no)
                    .and_then(|m| m.state.membership())
                    .is_some_and(|m| m.has_rights_on(day))
            })
            .count()
    }
}
