//! Motions and their ballots, as aggregates: a motion is put (stream `motion-ID`), its ballot
//! opened (the electorate is fixed by that event's position), votes are cast (one stream per
//! motion and voter, `vote-ID-N`, so each member has exactly one vote however many servers
//! take it), the ballot is closed, and then counted: the result is an event with the full
//! tally and the position at which the ballot closed, and the effects of an adopted motion are
//! recorded with it.
//!
//! Votes of a secret ballot, or of one whose results stay hidden until it closes, are sealed:
//! the event carries only a commitment to the vote, and the vote itself is a record beside the
//! log (as personal data is), encrypted under the ballot's own key, which is kept outside the
//! database (W1). So the chain stays verifiable by anyone while no route, export, feed, table
//! or backup can show a running result or a member's choice. The key of a ballot whose results
//! were only hidden is disclosed with its count, so that its votes read as an open ballot's;
//! the key of a secret ballot is destroyed, and the log says so, once the month in which the
//! resolution can be contested (§ 51 (1) GenG) has passed.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::governance::assembly::{self, Assembly, ChairChosen};
use crate::governance::delegates::{self, DelegatesElected};
use crate::governance::electorate::{Regime, Weighting, counting};
use crate::governance::ids::{AssemblyId, BallotKeyId, MotionId};
use crate::governance::motions::{MotionKind, SurveyMode, requirement};
use crate::governance::tally::{self, Choice, Counting, Tally, Voter};
use crate::ids::short_text;
use crate::{
    AmendStatute, Appoint, Change, Cooperative, DomainError, Exclude, Majority, Member, MemberNo,
    Money, OrganFacts, PersonalRef, Rule, Statute, Stream,
};

/// The most options a survey offers.
pub const SURVEY_OPTIONS_MAX: usize = 20;

/// `MotionPut`: a motion was put to the members, at an assembly or for a written ballot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MotionPut {
    /// The motion.
    pub motion: MotionId,
    /// The assembly it is put to; `None` for a written or electronic ballot outside one.
    pub assembly: Option<AssemblyId>,
    /// A short title for lists and the minutes.
    pub title: String,
    /// What it decides.
    pub proposal: MotionKind,
    /// A secret ballot: who voted how is never shown, not even to the auditors.
    pub secret: bool,
    /// The running result stays hidden until the ballot closes.
    pub results_hidden: bool,
    /// A member may change their vote until the ballot closes.
    pub votes_changeable: bool,
    /// The day the motion was announced to the members (G46).
    pub announced_on: Date,
    /// The majority it needs under the statute in force when it was put; `None` for a survey.
    pub majority: Option<Majority>,
    /// Why the majority is what it is.
    pub reasons: Vec<String>,
}

/// `BallotOpened`: voting began. The electorate is the members with rights on `record_day`
/// as the log stands just before this event, weighted as recorded here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotOpened {
    /// The motion.
    pub motion: MotionId,
    /// The record day of the electorate.
    pub record_day: Date,
    /// When voting began.
    pub opened_at: Timestamp,
    /// The end of the voting window of a written ballot.
    pub closes_at: Option<Timestamp>,
    /// The statute version the ballot is counted under.
    pub statute_version: u32,
    /// One vote each, and who is excluded (G43-3, G43-6).
    pub weighting: Weighting,
    /// How it is counted; `None` for a survey.
    pub counting: Option<Counting>,
    /// The share of the electorate that must take part, in percent (0: none).
    pub quorum_percent: u8,
    /// The key its sealed votes are encrypted with (W1); `None` for an open ballot, and for a
    /// sealed one opened before votes were encrypted (version 1 and 2).
    #[serde(default)]
    pub key: Option<BallotKeyId>,
}

/// `BallotClosed`: voting ended. Every vote before this event's position counts, none after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotClosed {
    /// The motion.
    pub motion: MotionId,
    /// When.
    pub closed_at: Timestamp,
}

/// How a ballot ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The motion reached its majority (and the quorum).
    Adopted,
    /// It did not reach its majority.
    Rejected,
    /// Too few took part.
    NoQuorum,
    /// A survey: counted, nothing decided.
    Surveyed,
}

/// `BallotCounted`: the result, with everything needed to check it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotCounted {
    /// The motion.
    pub motion: MotionId,
    /// The position of the `BallotClosed` event: the votes before it are counted.
    pub closed_at_position: u64,
    /// Members in the electorate.
    pub electorate: u64,
    /// Members who took part (yes, no, abstain, invalid; or any survey answer).
    pub participants: u64,
    /// The quorum in percent of the electorate, and whether it was reached.
    pub quorum_percent: u8,
    /// Whether enough took part.
    pub quorum_reached: bool,
    /// The tally of a decision.
    pub tally: Option<Tally>,
    /// Per survey option: answers (single, multiple) or points (ranking: first of n options
    /// scores n, the last 1).
    pub survey: Vec<u64>,
    /// The outcome.
    pub outcome: Outcome,
}

impl BallotCounted {
    /// True if `other` says the same result: the same electorate, participation, quorum,
    /// survey and outcome, and a tally that says the same (in whatever units it is written).
    pub fn says_the_same_as(&self, other: &BallotCounted) -> bool {
        let tallies = match (&self.tally, &other.tally) {
            (Some(a), Some(b)) => a.says_the_same_as(b),
            (None, None) => true,
            _ => false,
        };
        tallies
            && (
                self.motion.clone(),
                self.closed_at_position,
                self.electorate,
                self.participants,
            ) == (
                other.motion.clone(),
                other.closed_at_position,
                other.electorate,
                other.participants,
            )
            && (self.quorum_percent, self.quorum_reached, self.outcome)
                == (other.quorum_percent, other.quorum_reached, other.outcome)
            && self.survey == other.survey
    }
}

/// `BallotKeyDisclosed`: with its count, the key of a ballot whose results were hidden but
/// which was not secret: with it anyone reads its votes as an open ballot's (W1). A secret
/// ballot's key is never disclosed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotKeyDisclosed {
    /// The motion.
    pub motion: MotionId,
    /// The key's id.
    pub key: BallotKeyId,
    /// The key itself, as 64 hex digits.
    pub disclosed: String,
}

/// `BallotKeyDestroyed`: the key of a secret ballot's votes was destroyed, once the month in
/// which the resolution could be contested had passed (W1, § 51 (1) GenG). From here on
/// nobody can read how anyone voted, not even from a backup: only the tally stays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotKeyDestroyed {
    /// The motion.
    pub motion: MotionId,
    /// The key.
    pub key: BallotKeyId,
    /// The day.
    pub destroyed_on: Date,
}

/// A vote as marked on the ballot paper.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mark {
    /// Yes, no, abstain, invalid: a decision.
    Choice(Choice),
    /// A survey's options by index: one, several, or all ranked, best first.
    Options(Vec<u16>),
}

/// How a vote reached the ballot (G47: the minutes list how each member took part).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// At the assembly, in person.
    InPerson,
    /// Electronically, at a virtual or hybrid assembly or in a written ballot.
    Electronic,
    /// On paper, in a written ballot.
    Written,
}

/// `VoteCast`: a member's vote, cast by themself or their proxy. The last one cast before the
/// close counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoteCast {
    /// The motion.
    pub motion: MotionId,
    /// Whose vote it is.
    pub voter: MemberNo,
    /// Who cast it: the voter or their proxy (G43-5).
    pub cast_by: MemberNo,
    /// How.
    pub channel: Channel,
    /// When.
    pub cast_at: Timestamp,
    /// The vote, in the open ballot of a motion whose results are not hidden.
    pub mark: Option<Mark>,
    /// Where the sealed vote is, for a secret or hidden ballot.
    pub sealed: Option<PersonalRef>,
}

/// `InvestmentApproved`: the members approved a joint investment; it is ready for funding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvestmentApproved {
    /// The motion that approved it (also the investment's id).
    pub motion: MotionId,
    /// What is bought.
    pub asset: String,
    /// The approved amount.
    pub amount: Money,
    /// How it is to be funded.
    pub funding_plan: String,
    /// The day of the resolution.
    pub approved_on: Date,
}

/// A motion and its ballot, as its events tell it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Motion {
    put: Option<MotionPut>,
    opened: Option<BallotOpened>,
    closed: Option<BallotClosed>,
    counted: Option<BallotCounted>,
    /// The ballot's key was destroyed (W1).
    #[serde(default)]
    key_destroyed: bool,
    /// The ballot's key as disclosed with its count (W1).
    #[serde(default)]
    disclosed_key: Option<String>,
}

/// Where a ballot stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Put, voting not begun.
    Put,
    /// Voting.
    Open,
    /// Voting ended, not yet counted.
    Closed,
    /// The result is recorded.
    Counted,
}

/// Put a motion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutMotion {
    /// The new motion's id.
    pub motion: MotionId,
    /// The assembly, or `None` for a written ballot.
    pub assembly: Option<AssemblyId>,
    /// The title.
    pub title: String,
    /// What it decides.
    pub proposal: MotionKind,
    /// Secret ballot.
    pub secret: bool,
    /// Results hidden until the close.
    pub results_hidden: bool,
    /// Votes may be changed until the close.
    pub votes_changeable: bool,
    /// When it was announced to the members.
    pub announced_on: Date,
    /// Today.
    pub today: Date,
}

/// What the application knows of the members when a ballot opens: facts, passed to the
/// decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpeningFacts {
    /// The regime of multiple votes on the record day (G43-3): whether more than three
    /// quarters of the members are entrepreneurs.
    pub regime: Regime,
    /// Every member with their rights was recorded present at the assembly, themself (G46).
    pub all_members_present: bool,
}

/// Open a ballot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenBallot {
    /// Now.
    pub now: Timestamp,
    /// Today, the record day.
    pub today: Date,
    /// The end of a written ballot's voting window.
    pub closes_at: Option<Timestamp>,
    /// The key that will seal the votes of a secret or hidden ballot, created by the caller
    /// outside the database before the ballot opens (W1); `None` for an open ballot.
    pub key: Option<BallotKeyId>,
}

/// Destroy a counted secret ballot's key (W1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DestroyBallotKey {
    /// The day the ballot closed, where the cooperative is: the day of the resolution.
    pub resolved_on: Date,
    /// Today.
    pub today: Date,
}

/// Cast a vote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CastVote {
    /// Whose vote.
    pub voter: MemberNo,
    /// Who casts it.
    pub cast_by: MemberNo,
    /// The vote.
    pub mark: Mark,
    /// The sealed vote, for a secret or hidden ballot (the caller seals `mark`).
    pub sealed: Option<PersonalRef>,
    /// How.
    pub channel: Channel,
    /// Now.
    pub now: Timestamp,
}

/// What the ballot knows of a voter when they vote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VoterState {
    /// Their entry in the electorate, if they are in it.
    pub voter: Option<Voter>,
    /// Their vote so far.
    pub vote: Option<VoteCast>,
    /// Their current proxy (G43-5).
    pub proxy: Option<MemberNo>,
}

fn text(value: &str, chars_max: usize, field: &str) -> Result<String, DomainError> {
    short_text(value, chars_max, field).map_err(|e| e.at(field))
}

fn unknown(what: &str) -> DomainError {
    DomainError::not_found("motion-not-found", format!("no motion {what}"))
}

impl Motion {
    /// Folds an event of the motion's stream in.
    pub fn apply(&mut self, event: &crate::Event) {
        match event {
            crate::Event::MotionPut(e) => self.put = Some(e.clone()),
            crate::Event::BallotOpened(e) => self.opened = Some(e.clone()),
            crate::Event::BallotClosed(e) => self.closed = Some(e.clone()),
            crate::Event::BallotCounted(e) => self.counted = Some(e.clone()),
            crate::Event::BallotKeyDestroyed(_) => self.key_destroyed = true,
            crate::Event::BallotKeyDisclosed(e) => self.disclosed_key = Some(e.disclosed.clone()),
            _ => {}
        }
    }

    /// The motion as put, if it was.
    pub fn put(&self) -> Option<&MotionPut> {
        self.put.as_ref()
    }

    /// The opening, if voting began.
    pub fn opened(&self) -> Option<&BallotOpened> {
        self.opened.as_ref()
    }

    /// The close, if voting ended.
    pub fn closed(&self) -> Option<&BallotClosed> {
        self.closed.as_ref()
    }

    /// The result, once counted.
    pub fn counted(&self) -> Option<&BallotCounted> {
        self.counted.as_ref()
    }

    /// The key that seals the votes, while it exists: `None` for an open ballot, one opened
    /// before votes were encrypted, and once the key was destroyed or disclosed.
    pub fn ballot_key(&self) -> Option<&BallotKeyId> {
        if self.key_destroyed || self.disclosed_key.is_some() {
            return None;
        }
        self.opened.as_ref()?.key.as_ref()
    }

    /// The key of a hidden ballot's votes, as disclosed with its count (64 hex digits).
    pub fn disclosed_key(&self) -> Option<&str> {
        self.disclosed_key.as_deref()
    }

    /// True once the key of the ballot's votes was destroyed (W1).
    pub fn key_destroyed(&self) -> bool {
        self.key_destroyed
    }

    /// True if the ballot is secret: nobody ever learns a member's vote (W1).
    pub fn secret(&self) -> bool {
        self.put.as_ref().is_some_and(|p| p.secret)
    }

    /// The last day on which the resolution can be contested, when it was taken on
    /// `resolved_on` (§ 51 (1) GenG: within one month; §§ 187, 188 (2), (3) BGB: the day of the
    /// next month with the same number, or that month's last day; § 193 BGB: a Saturday or
    /// Sunday moves it to the Monday).
    pub fn contestable_until(resolved_on: Date) -> Date {
        use jiff::ToSpan as _;
        let end = resolved_on.saturating_add(1.month());
        match end.weekday() {
            jiff::civil::Weekday::Saturday => end.saturating_add(2.days()),
            jiff::civil::Weekday::Sunday => end.saturating_add(1.day()),
            _ => end,
        }
    }

    /// Where the ballot stands; `None` for a motion never put.
    pub fn stage(&self) -> Option<Stage> {
        self.put.as_ref()?;
        Some(if self.counted.is_some() {
            Stage::Counted
        } else if self.closed.is_some() {
            Stage::Closed
        } else if self.opened.is_some() {
            Stage::Open
        } else {
            Stage::Put
        })
    }

    /// True if the votes are sealed: a secret ballot, or results hidden until the close.
    pub fn sealed(&self) -> bool {
        self.put
            .as_ref()
            .is_some_and(|p| p.secret || p.results_hidden)
    }

    /// Decides putting a motion (G16, G78: the majority derived; G43b: a written ballot only
    /// where the statute provides one).
    pub fn put_motion(
        &self,
        coop: &Cooperative,
        assembly: Option<&Assembly>,
        command: PutMotion,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = coop.statute().ok_or_else(|| unknown("without a statute"))?;
        if self.put.is_some() {
            return Err(DomainError::conflict(
                "motion-exists",
                format!("motion {} exists", command.motion),
            ));
        }
        coop.check_day(command.announced_on, command.today, "announced_on")?;
        match (&command.assembly, assembly.and_then(Assembly::convened)) {
            (Some(id), None) => {
                return Err(DomainError::not_found(
                    "assembly-not-found",
                    format!("no assembly {id} was convened"),
                ));
            }
            (Some(_), Some(convened)) if command.announced_on > convened.held_on => {
                return Err(DomainError::invalid(
                    "announced-after-assembly",
                    "announced_on",
                    format!(
                        "the assembly is held on {}; a motion announced later is not on its agenda",
                        convened.held_on
                    ),
                ));
            }
            (None, _) if !statute.written_resolutions() => {
                return Err(DomainError::rule(
                    Rule::G43b,
                    "written-resolutions-not-in-statute",
                    "the statute provides no resolutions outside an assembly: put the motion to an assembly",
                )
                .at("assembly"));
            }
            _ => {}
        }
        if let MotionKind::DelegateElection { .. } = command.proposal {
            if !command.secret {
                return Err(DomainError::rule(
                    Rule::G43a,
                    "delegate-election-not-secret",
                    "delegates are elected secretly: put the election as a secret ballot",
                )
                .at("secret"));
            }
            if assembly
                .and_then(Assembly::convened)
                .is_some_and(|convened| convened.delegates)
            {
                return Err(DomainError::rule(
                    Rule::G43a,
                    "delegates-elected-by-members",
                    "the members elect their delegates directly: not at an assembly of delegates",
                )
                .at("assembly"));
            }
        }
        if matches!(command.proposal, MotionKind::ChairAssembly { .. })
            && command.assembly.is_none()
        {
            return Err(DomainError::invalid(
                "chair-without-assembly",
                "assembly",
                "who chairs an assembly is resolved at that assembly",
            ));
        }
        let title = text(&command.title, 200, "title")?;
        let proposal = check_proposal(statute, command.proposal)?;
        let requirement = requirement(statute, &proposal);
        let secret = command.secret;
        Ok(vec![Change::new(
            Stream::Motion(command.motion.clone()),
            MotionPut {
                motion: command.motion,
                assembly: command.assembly,
                title,
                proposal,
                secret,
                results_hidden: command.results_hidden || secret,
                votes_changeable: command.votes_changeable,
                announced_on: command.announced_on,
                majority: requirement.majority,
                reasons: requirement.reasons,
            },
        )])
    }

    /// Decides opening the ballot (G46: only items announced a week ahead of their assembly,
    /// unless all members are present or the motion is about chairing the assembly or
    /// convening an extraordinary one; a written ballot needs a voting window). The
    /// requirement is derived again under the statute in force now, and weighted under the
    /// regime of the record day (G43-3).
    pub fn open(
        &self,
        coop: &Cooperative,
        assembly: Option<&Assembly>,
        facts: OpeningFacts,
        command: OpenBallot,
    ) -> Result<Vec<Change>, DomainError> {
        let put = self.put.as_ref().ok_or_else(|| unknown("to open"))?;
        if self.opened.is_some() {
            return Err(DomainError::conflict(
                "ballot-opened",
                format!("the ballot on motion {} was opened already", put.motion),
            ));
        }
        let statute = coop.statute().ok_or_else(|| unknown("without a statute"))?;
        let closes_at = match (&put.assembly, assembly.and_then(Assembly::convened)) {
            (Some(_), Some(convened)) => {
                if command.today < convened.held_on {
                    return Err(DomainError::rule(
                        Rule::G46,
                        "assembly-not-yet-held",
                        format!(
                            "the assembly is held on {}; its ballots open then",
                            convened.held_on
                        ),
                    ));
                }
                let needs_no_notice = matches!(
                    put.proposal,
                    MotionKind::ChairAssembly { .. } | MotionKind::ConveneExtraordinary { .. }
                );
                if !assembly::may_resolve(put.announced_on, convened.held_on)
                    && !needs_no_notice
                    && !facts.all_members_present
                {
                    return Err(DomainError::rule(
                        Rule::G46,
                        "item-announced-too-late",
                        format!(
                            "announced on {}, less than a week before the assembly on {}: the item cannot be resolved unless all members are present",
                            put.announced_on, convened.held_on
                        ),
                    ));
                }
                command.closes_at
            }
            (Some(id), None) => {
                return Err(DomainError::not_found(
                    "assembly-not-found",
                    format!("no assembly {id} was convened"),
                ));
            }
            (None, _) => {
                let closes_at = command.closes_at.ok_or_else(|| {
                    DomainError::invalid(
                        "voting-window-missing",
                        "closes_at",
                        "a written ballot needs the end of its voting window",
                    )
                })?;
                Some(closes_at)
            }
        };
        if closes_at.is_some_and(|end| end <= command.now) {
            return Err(DomainError::invalid(
                "voting-window-ended",
                "closes_at",
                "the voting window must end in the future",
            ));
        }
        let sealed = put.secret || put.results_hidden;
        if sealed != command.key.is_some() {
            return Err(DomainError::invalid(
                "ballot-key-mismatch",
                "key",
                "a secret or hidden ballot opens with the key that seals its votes, an open one without (W1)",
            ));
        }
        let requirement = requirement(statute, &put.proposal);
        let mut weighting = requirement.weighting_in(facts.regime);
        if assembly
            .and_then(Assembly::convened)
            .is_some_and(|convened| convened.delegates)
        {
            // G43a: at an assembly of delegates the delegates vote, one vote each.
            weighting.delegates = Some(coop.delegates().clone());
            weighting.one_vote_each = true;
        }
        Ok(vec![Change::new(
            Stream::Motion(put.motion.clone()),
            BallotOpened {
                motion: put.motion.clone(),
                record_day: command.today,
                opened_at: command.now,
                closes_at,
                statute_version: coop.statute_version(),
                counting: requirement
                    .majority
                    .map(|m| counting(statute, m, facts.regime)),
                weighting,
                quorum_percent: statute.quorum_percent(),
                key: command.key,
            },
        )])
    }

    /// Decides a vote: in the electorate, by the voter or their proxy (G43-5), once unless the
    /// motion lets votes change (G43-3), while the ballot is open (G43-2).
    pub fn cast(&self, state: &VoterState, command: CastVote) -> Result<Vec<Change>, DomainError> {
        let put = self.put.as_ref().ok_or_else(|| unknown("to vote on"))?;
        let opened = self.opened.as_ref().ok_or_else(|| {
            DomainError::conflict(
                "ballot-not-open",
                format!("the ballot on motion {} is not open yet", put.motion),
            )
        })?;
        if self.closed.is_some() || opened.closes_at.is_some_and(|end| command.now >= end) {
            return Err(DomainError::rule(
                Rule::G43_2,
                "ballot-closed",
                format!(
                    "the ballot on motion {} is closed: no vote counts any more",
                    put.motion
                ),
            ));
        }
        if state.voter.is_none() && opened.weighting.delegates.is_some() {
            return Err(DomainError::rule(
                Rule::G43a,
                "not-a-delegate",
                format!(
                    "member {} is no delegate: at an assembly of delegates only the delegates vote",
                    command.voter
                ),
            )
            .at("voter"));
        }
        if state.voter.is_none() && opened.weighting.excluded.contains(&command.voter) {
            return Err(DomainError::rule(
                Rule::G43_6,
                "own-discharge",
                format!(
                    "member {} does not vote on motion {}: nobody votes on their own discharge or release",
                    command.voter, put.motion
                ),
            )
            .at("voter"));
        }
        if state.voter.is_none() {
            return Err(DomainError::rule(
                Rule::G43_3,
                "not-in-electorate",
                format!(
                    "member {} has no vote on motion {}: only members with their rights on the record day {} vote",
                    command.voter, put.motion, opened.record_day
                ),
            )
            .at("voter"));
        }
        let delegates_vote = opened.weighting.delegates.is_some();
        let electing = matches!(put.proposal, MotionKind::DelegateElection { .. });
        if command.cast_by != command.voter && (delegates_vote || electing) {
            return Err(DomainError::rule(
                Rule::G43a,
                "vote-in-person",
                if electing {
                    "delegates are elected directly: every member votes in person, never through a proxy"
                } else {
                    "a delegate votes in person: delegates have no proxies"
                },
            )
            .at("voter"));
        }
        if command.cast_by != command.voter && state.proxy != Some(command.cast_by) {
            return Err(DomainError::rule(
                Rule::G43_5,
                "not-the-proxy",
                format!(
                    "member {} holds no proxy of member {}",
                    command.cast_by, command.voter
                ),
            )
            .at("voter"));
        }
        if state.vote.is_some() && !put.votes_changeable {
            return Err(DomainError::rule(
                Rule::G43_3,
                "already-voted",
                format!(
                    "member {} voted on motion {} already: one member, one vote",
                    command.voter, put.motion
                ),
            ));
        }
        check_mark(&put.proposal, &command.mark)?;
        let (mark, sealed) = match (self.sealed(), command.sealed) {
            (true, Some(sealed)) => (None, Some(sealed)),
            (false, None) => (Some(command.mark), None),
            (true, None) | (false, Some(_)) => {
                return Err(DomainError::invalid(
                    "vote-sealing-mismatch",
                    "mark",
                    "votes of a secret or hidden ballot are sealed, and only those",
                ));
            }
        };
        Ok(vec![Change::new(
            Stream::Vote(put.motion.clone(), command.voter),
            VoteCast {
                motion: put.motion.clone(),
                voter: command.voter,
                cast_by: command.cast_by,
                channel: command.channel,
                cast_at: command.now,
                mark,
                sealed,
            },
        )])
    }

    /// Decides closing the ballot. A written ballot closes at the end of its window, not
    /// before.
    pub fn close(&self, now: Timestamp) -> Result<Vec<Change>, DomainError> {
        let put = self.put.as_ref().ok_or_else(|| unknown("to close"))?;
        let opened = self.opened.as_ref().ok_or_else(|| {
            DomainError::conflict(
                "ballot-not-open",
                format!("the ballot on motion {} was never opened", put.motion),
            )
        })?;
        if self.closed.is_some() {
            return Err(DomainError::conflict(
                "ballot-closed",
                format!("the ballot on motion {} is closed already", put.motion),
            ));
        }
        if put.assembly.is_none()
            && let Some(end) = opened.closes_at
            && now < end
        {
            return Err(DomainError::conflict(
                "voting-window-open",
                format!("the voting window of motion {} ends at {end}", put.motion),
            ));
        }
        Ok(vec![Change::new(
            Stream::Motion(put.motion.clone()),
            BallotClosed {
                motion: put.motion.clone(),
                closed_at: now,
            },
        )])
    }

    /// Counts the closed ballot: `ballots` are the last vote of each voter before the close,
    /// `electorate` the number of voters. Pure: the same votes always give the same result.
    pub fn result(
        &self,
        ballots: &[(Voter, Mark)],
        electorate: usize,
        closed_at_position: u64,
    ) -> Result<BallotCounted, DomainError> {
        let put = self.put.as_ref().ok_or_else(|| unknown("to count"))?;
        let opened = self.opened.as_ref().ok_or_else(|| {
            DomainError::conflict("ballot-not-open", "the ballot was never opened")
        })?;
        let participants = ballots.len();
        let quorum_reached =
            participants as u128 * 100 >= electorate as u128 * u128::from(opened.quorum_percent);
        let (tally, survey) = match (&put.proposal, opened.counting) {
            (MotionKind::Survey { options, mode }, _) => {
                (None, survey_result(options.len(), *mode, ballots))
            }
            (MotionKind::DelegateElection { candidates, .. }, _) => (
                None,
                survey_result(candidates.len(), SurveyMode::Multiple, ballots),
            ),
            (_, Some(counting)) => {
                let decisions: Vec<(Voter, Choice)> = ballots
                    .iter()
                    .map(|(voter, mark)| match mark {
                        Mark::Choice(choice) => (*voter, *choice),
                        Mark::Options(_) => (*voter, Choice::Invalid),
                    })
                    .collect();
                (Some(tally::count(&decisions, counting)?), Vec::new())
            }
            (_, None) => {
                return Err(DomainError::invalid(
                    "ballot-without-counting",
                    "motion",
                    "a decision's ballot carries how it is counted",
                ));
            }
        };
        let electing = matches!(put.proposal, MotionKind::DelegateElection { .. });
        let outcome = match &tally {
            None if electing && quorum_reached => Outcome::Adopted,
            None if electing => Outcome::NoQuorum,
            None => Outcome::Surveyed,
            Some(_) if !quorum_reached => Outcome::NoQuorum,
            Some(t) if t.adopted => Outcome::Adopted,
            Some(_) => Outcome::Rejected,
        };
        Ok(BallotCounted {
            motion: put.motion.clone(),
            closed_at_position,
            electorate: electorate as u64,
            participants: participants as u64,
            quorum_percent: opened.quorum_percent,
            quorum_reached,
            tally,
            survey,
            outcome,
        })
    }

    /// Decides recording the result and what an adopted motion brings about: a new statute in
    /// force from this position (G16), an investment ready for funding, an exclusion (G68), an
    /// officer elected (G9-24, G8-2 with `organ`), a chair chosen. `target` is the member an
    /// exclusion or election is about. `disclosed_key` is the key of a ballot whose results
    /// were hidden, as 64 hex digits, disclosed with the count (W1); `None` for any other.
    #[allow(clippy::too_many_arguments)]
    pub fn count(
        &self,
        coop: &Cooperative,
        target: &Member,
        members_today: usize,
        organ: OrganFacts,
        today: Date,
        result: BallotCounted,
        disclosed_key: Option<String>,
    ) -> Result<Vec<Change>, DomainError> {
        let put = self.put.as_ref().ok_or_else(|| unknown("to count"))?;
        if self.closed.is_none() {
            return Err(DomainError::conflict(
                "ballot-not-closed",
                format!("the ballot on motion {} is not closed", put.motion),
            ));
        }
        if self.counted.is_some() {
            return Err(DomainError::conflict(
                "ballot-counted",
                format!("the ballot on motion {} was counted already", put.motion),
            ));
        }
        // W1: a secret ballot's key is never disclosed; a hidden ballot's is, so that its
        // votes read as an open ballot's once counted.
        let key = self.opened.as_ref().and_then(|o| o.key.clone());
        let disclose = key.is_some() && !put.secret;
        if disclosed_key.is_some() != disclose {
            return Err(DomainError::rule(
                Rule::W1,
                if put.secret {
                    "secret-ballot-key-disclosed"
                } else {
                    "ballot-key-not-disclosed"
                },
                "a secret ballot's key stays undisclosed; the key of a ballot whose results were only hidden is disclosed with its count",
            ));
        }
        let mut changes = Vec::new();
        if result.outcome == Outcome::Adopted {
            match &put.proposal {
                MotionKind::StatuteAmendment {
                    statute,
                    statute_text,
                } => {
                    let tally = result.tally.as_ref().ok_or_else(|| {
                        DomainError::invalid("tally-missing", "tally", "a decision has a tally")
                    })?;
                    let (yes, no) = reduced(tally.yes, tally.no)?;
                    changes.extend(coop.amend_statute(AmendStatute {
                        statute: (**statute).clone(),
                        statute_text: statute_text.clone(),
                        resolved_on: today,
                        yes,
                        no,
                        members: members_today,
                        today,
                    })?);
                }
                MotionKind::JointInvestment {
                    asset,
                    amount,
                    funding_plan,
                } => changes.push(Change::new(
                    Stream::Investment(put.motion.clone()),
                    InvestmentApproved {
                        motion: put.motion.clone(),
                        asset: asset.clone(),
                        amount: *amount,
                        funding_plan: funding_plan.clone(),
                        approved_on: today,
                    },
                )),
                MotionKind::Exclusion { ground, .. } => changes.extend(target.exclude(
                    coop,
                    Exclude {
                        ground: ground.clone(),
                        reason: format!("resolved by the assembly on motion {}", put.motion),
                        dispatched_on: today,
                        today,
                    },
                )?),
                MotionKind::Election {
                    office, serving, ..
                } => changes.extend(coop.appoint(
                    target,
                    organ,
                    Appoint {
                        office: *office,
                        serving: serving.clone(),
                        effective_on: today,
                        today,
                    },
                )?),
                MotionKind::ChairAssembly { member } => {
                    if let Some(assembly) = &put.assembly {
                        changes.push(Change::new(
                            Stream::Assembly(assembly.clone()),
                            ChairChosen {
                                assembly: assembly.clone(),
                                chair: *member,
                                motion: put.motion.clone(),
                            },
                        ));
                    }
                }
                MotionKind::DelegateElection { candidates, seats } => changes.push(Change::new(
                    Stream::Coop,
                    DelegatesElected {
                        motion: put.motion.clone(),
                        delegates: delegates::elect(candidates, *seats, &result.survey),
                        elected_on: today,
                    },
                )),
                // The consent to an investing member's admission is recorded with the admission
                // by the organ (G8-2); the other kinds record a resolution and nothing more.
                MotionKind::AdmitInvestingMember { .. }
                | MotionKind::Discharge { .. }
                | MotionKind::UseOfProfit { .. }
                | MotionKind::Dissolution
                | MotionKind::ConveneExtraordinary { .. }
                | MotionKind::General { .. }
                | MotionKind::Survey { .. } => {}
            }
        }
        changes.insert(0, Change::new(Stream::Motion(put.motion.clone()), result));
        if let (Some(key), Some(disclosed)) = (key, disclosed_key) {
            changes.insert(
                1,
                Change::new(
                    Stream::Motion(put.motion.clone()),
                    BallotKeyDisclosed {
                        motion: put.motion.clone(),
                        key,
                        disclosed,
                    },
                ),
            );
        }
        Ok(changes)
    }
}

impl Motion {
    /// Decides destroying the key of a counted secret ballot's votes (W1): only once the
    /// resolution can no longer be contested, and only once.
    pub fn destroy_ballot_key(
        &self,
        command: DestroyBallotKey,
    ) -> Result<Vec<Change>, DomainError> {
        let put = self
            .put
            .as_ref()
            .ok_or_else(|| unknown("whose key to destroy"))?;
        if self.key_destroyed {
            return Err(DomainError::conflict(
                "ballot-key-destroyed",
                format!(
                    "the key of the ballot on motion {} was destroyed already",
                    put.motion
                ),
            ));
        }
        let key = match (&self.opened, &self.counted) {
            (Some(BallotOpened { key: Some(key), .. }), _) if put.secret => key.clone(),
            _ => {
                return Err(DomainError::conflict(
                    "ballot-not-keyed",
                    format!(
                        "the ballot on motion {} has no key of its own to destroy: it is not secret, or its votes were sealed before they were encrypted",
                        put.motion
                    ),
                ));
            }
        };
        if self.counted.is_none() {
            return Err(DomainError::rule(
                Rule::W1,
                "ballot-not-counted",
                format!(
                    "the ballot on motion {} is not counted: its key seals the votes still to count",
                    put.motion
                ),
            ));
        }
        let until = Self::contestable_until(command.resolved_on);
        if command.today <= until {
            return Err(DomainError::rule(
                Rule::W1,
                "contest-period-running",
                format!(
                    "the resolution on motion {} of {} can be contested until {until} (§ 51 (1) GenG); its votes stay countable until then",
                    put.motion, command.resolved_on
                ),
            ));
        }
        Ok(vec![Change::new(
            Stream::Motion(put.motion.clone()),
            BallotKeyDestroyed {
                motion: put.motion.clone(),
                key,
                destroyed_on: command.today,
            },
        )])
    }
}

/// Weights as whole votes for the statute's record of an amendment: the fraction in lowest
/// terms (a tally's units are a common denominator).
fn reduced(yes: u128, no: u128) -> Result<(u64, u64), DomainError> {
    fn gcd(a: u128, b: u128) -> u128 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    let d = gcd(yes, no).max(1);
    match (u64::try_from(yes / d), u64::try_from(no / d)) {
        (Ok(yes), Ok(no)) => Ok((yes, no)),
        _ => Err(DomainError::invalid(
            "tally-too-large",
            "tally",
            "the weights do not fit the statute's record",
        )),
    }
}

fn check_proposal(statute: &Statute, proposal: MotionKind) -> Result<MotionKind, DomainError> {
    Ok(match proposal {
        MotionKind::JointInvestment {
            asset,
            amount,
            funding_plan,
        } => {
            if amount <= Money::ZERO {
                return Err(DomainError::invalid(
                    "amount-not-positive",
                    "proposal.amount",
                    "an investment costs more than nothing",
                ));
            }
            MotionKind::JointInvestment {
                asset: text(&asset, 200, "proposal.asset")?,
                amount,
                funding_plan: text(&funding_plan, 2000, "proposal.funding_plan")?,
            }
        }
        MotionKind::StatuteAmendment {
            statute: new,
            statute_text,
        } => {
            if *new == *statute {
                return Err(DomainError::invalid(
                    "statute-unchanged",
                    "proposal.statute_text",
                    "the proposed statute is the statute in force",
                ));
            }
            MotionKind::StatuteAmendment {
                statute: new,
                statute_text,
            }
        }
        MotionKind::Exclusion { member, ground } => {
            if statute.exclusion_ground(&ground).is_none() {
                return Err(DomainError::rule(
                    Rule::G68,
                    "exclusion-ground-unknown",
                    format!("the statute names no exclusion ground {ground:?}"),
                )
                .at("proposal.ground"));
            }
            MotionKind::Exclusion { member, ground }
        }
        MotionKind::Discharge { officers, year } => {
            if officers.is_empty() {
                return Err(DomainError::invalid(
                    "discharge-without-officers",
                    "proposal.officers",
                    "a discharge names the officers it discharges",
                ));
            }
            MotionKind::Discharge { officers, year }
        }
        MotionKind::UseOfProfit { proposal } => MotionKind::UseOfProfit {
            proposal: text(&proposal, 2000, "proposal.proposal")?,
        },
        MotionKind::General { text: body } => MotionKind::General {
            text: text(&body, 4000, "proposal.text")?,
        },
        MotionKind::AdmitInvestingMember { application } => MotionKind::AdmitInvestingMember {
            application: text(&application, 64, "proposal.application")?,
        },
        MotionKind::Survey { options, mode } => {
            if !(2..=SURVEY_OPTIONS_MAX).contains(&options.len()) {
                return Err(DomainError::invalid(
                    "survey-options",
                    "proposal.options",
                    format!("a survey offers 2 to {SURVEY_OPTIONS_MAX} options"),
                ));
            }
            let options = options
                .iter()
                .enumerate()
                .map(|(i, o)| text(o, 200, &format!("proposal.options[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            MotionKind::Survey { options, mode }
        }
        MotionKind::DelegateElection { candidates, .. } => {
            let clause = delegates::provided(statute).map_err(|e| e.at("proposal"))?;
            delegates::check_list(&candidates)?;
            MotionKind::DelegateElection {
                candidates,
                seats: clause.seats,
            }
        }
        MotionKind::ConveneExtraordinary { purpose } => MotionKind::ConveneExtraordinary {
            purpose: text(&purpose, 2000, "proposal.purpose")?,
        },
        other @ (MotionKind::Election { .. }
        | MotionKind::Dissolution
        | MotionKind::ChairAssembly { .. }) => other,
    })
}

fn check_mark(proposal: &MotionKind, mark: &Mark) -> Result<(), DomainError> {
    let invalid = |message: String| Err(DomainError::invalid("vote-malformed", "mark", message));
    match (proposal, mark) {
        (MotionKind::Survey { options, mode }, Mark::Options(chosen)) => {
            let mut seen = std::collections::BTreeSet::new();
            if let Some(bad) = chosen.iter().find(|o| usize::from(**o) >= options.len()) {
                return invalid(format!("the survey has no option {bad}"));
            }
            if !chosen.iter().all(|o| seen.insert(*o)) {
                return invalid("an option is chosen twice".into());
            }
            match mode {
                SurveyMode::Single if chosen.len() != 1 => {
                    invalid("this survey takes exactly one option".into())
                }
                SurveyMode::Multiple | SurveyMode::Ranking if chosen.is_empty() => {
                    invalid("choose at least one option".into())
                }
                _ => Ok(()),
            }
        }
        (MotionKind::Survey { .. }, Mark::Choice(_)) => {
            invalid("a survey is answered with options, not yes or no".into())
        }
        (MotionKind::DelegateElection { candidates, seats }, Mark::Options(chosen)) => {
            let mut seen = std::collections::BTreeSet::new();
            if let Some(bad) = chosen.iter().find(|o| usize::from(**o) >= candidates.len()) {
                return invalid(format!("the list has no candidate {bad}"));
            }
            if !chosen.iter().all(|o| seen.insert(*o)) {
                return invalid("a candidate is marked twice".into());
            }
            if chosen.is_empty() || chosen.len() > usize::from(*seats) {
                return invalid(format!("mark 1 to {seats} candidates"));
            }
            Ok(())
        }
        (MotionKind::DelegateElection { .. }, Mark::Choice(_)) => {
            invalid("an election is answered with candidates, not yes or no".into())
        }
        (_, Mark::Options(_)) => invalid("a motion is answered yes, no or abstain".into()),
        (_, Mark::Choice(_)) => Ok(()),
    }
}

fn survey_result(options: usize, mode: SurveyMode, ballots: &[(Voter, Mark)]) -> Vec<u64> {
    let mut result = vec![0u64; options];
    for (_, mark) in ballots {
        let Mark::Options(chosen) = mark else {
            continue;
        };
        for (rank, option) in chosen.iter().enumerate() {
            if let Some(slot) = result.get_mut(usize::from(*option)) {
                *slot += match mode {
                    SurveyMode::Ranking => (options - rank) as u64,
                    SurveyMode::Single | SurveyMode::Multiple => 1,
                };
            }
        }
    }
    result
}

#[cfg(test)]
#[path = "ballot_tests.rs"]
mod tests;
