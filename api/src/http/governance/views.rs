//! The answers of the governance routes and how they are made from the projections: what an
//! assembly, a motion, its count and a vote look like to a reader.

use super::*;

/// A created assembly or motion.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// Its id.
    pub id: String,
    /// The log position of the write.
    pub position: u64,
    /// True if this answers a repeated request.
    pub replayed: bool,
}

/// An item added to an agenda after the convening.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddedItem {
    /// The item.
    pub title: String,
    /// When it was announced.
    #[schema(value_type = String, format = Date)]
    pub announced_on: Date,
    /// Whether it was announced a week ahead, as an item to be resolved must be (G46);
    /// a later one is resolved only when every member attends themself, or where it is about
    /// chairing the assembly or convening an extraordinary one.
    pub resolvable: bool,
    /// The members whose demand forced it.
    pub demanded_by: Vec<u32>,
}

/// An assembly.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssemblyView {
    /// Its id.
    pub id: String,
    /// Its form.
    pub form: AssemblyForm,
    /// When it was convened.
    #[schema(value_type = String, format = Date)]
    pub convened_on: Date,
    /// When it is held.
    #[schema(value_type = String, format = Date)]
    pub held_on: Date,
    /// Where.
    pub place: String,
    /// How members take part in writing or electronically (virtual, hybrid, two-phase; G46).
    pub participation: Option<String>,
    /// The form of a two-phase assembly's discussion phase (G46).
    pub discussion: Option<AssemblyForm>,
    /// The chair: the one the assembly chose, else the one it was convened with.
    pub chair: u32,
    /// The agenda as convened.
    pub agenda: Vec<String>,
    /// Items added later.
    pub added_items: Vec<AddedItem>,
    /// The members whose demand forced it.
    pub demanded_by: Vec<u32>,
    /// An assembly of the delegates (G43a): only they vote, one vote each.
    pub delegates: bool,
    /// Its motions, by id.
    pub motions: Vec<String>,
    /// The members recorded as attending, by member number (G46, G47).
    pub attendance: Vec<AttendeeView>,
}

/// The assemblies.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssemblyList {
    /// By day held, then id.
    pub assemblies: Vec<AssemblyView>,
}

/// A count: the running count of an open ballot whose results are shown, or the result.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountView {
    /// Members in the electorate.
    pub electorate: u64,
    /// Members who took part.
    pub participants: u64,
    /// The quorum in percent of the electorate (0: none).
    pub quorum_percent: u8,
    /// Whether it is reached.
    pub quorum_reached: bool,
    /// Yes, in units of `1 / denominator` (a decimal string: exact).
    pub yes: Option<String>,
    /// No, in the same units.
    pub no: Option<String>,
    /// The common denominator.
    pub denominator: Option<String>,
    /// Voters for, by head.
    pub yes_voters: Option<u64>,
    /// Voters against, by head.
    pub no_voters: Option<u64>,
    /// Abstentions (do not count, G43-2).
    pub abstentions: Option<u64>,
    /// Invalid votes (do not count, G43-2).
    pub invalid: Option<u64>,
    /// The investing members' weight was capped (G8-2).
    pub investing_capped: bool,
    /// Multiple votes were capped (G43-3).
    pub multiple_votes_capped: bool,
    /// A survey's answers (or ranking points) per option.
    pub survey: Vec<u64>,
    /// `adopted`, `rejected`, `no-quorum` or `surveyed`; for a running count, as it stands.
    pub outcome: String,
    /// The position of the close; absent for a running count.
    pub closed_at_position: Option<u64>,
}

pub(super) fn count_view(counted: &BallotCounted, running: bool) -> CountView {
    let tally = counted.tally.as_ref();
    CountView {
        electorate: counted.electorate,
        participants: counted.participants,
        quorum_percent: counted.quorum_percent,
        quorum_reached: counted.quorum_reached,
        yes: tally.map(|t| t.yes.to_string()),
        no: tally.map(|t| t.no.to_string()),
        denominator: tally.map(|t| t.denominator.to_string()),
        yes_voters: tally.map(|t| t.yes_voters),
        no_voters: tally.map(|t| t.no_voters),
        abstentions: tally.map(|t| t.abstentions),
        invalid: tally.map(|t| t.invalid),
        investing_capped: tally.is_some_and(|t| t.investing_capped),
        multiple_votes_capped: tally.is_some_and(|t| t.multiple_votes_capped),
        survey: counted.survey.clone(),
        outcome: outcome_text(counted.outcome).to_owned(),
        closed_at_position: (!running).then_some(counted.closed_at_position),
    }
}

pub(super) fn outcome_text(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Adopted => "adopted",
        Outcome::Rejected => "rejected",
        Outcome::NoQuorum => "no-quorum",
        Outcome::Surveyed => "surveyed",
    }
}

pub(super) fn stage_text(stage: Stage) -> &'static str {
    match stage {
        Stage::Put => "put",
        Stage::Open => "open",
        Stage::Closed => "closed",
        Stage::Counted => "counted",
    }
}

/// A motion and its ballot.
#[derive(Debug, Serialize, ToSchema)]
pub struct MotionView {
    /// Its id.
    pub id: String,
    /// The assembly; absent for a written ballot.
    pub assembly: Option<String>,
    /// The title.
    pub title: String,
    /// What it decides.
    #[schema(value_type = Object)]
    pub proposal: serde_json::Value,
    /// `put`, `open`, `closed` or `counted`.
    pub stage: String,
    /// A secret ballot.
    pub secret: bool,
    /// Results hidden until the close.
    pub results_hidden: bool,
    /// Votes may change until the close.
    pub votes_changeable: bool,
    /// When it was announced.
    #[schema(value_type = String, format = Date)]
    pub announced_on: Date,
    /// The majority it needs, e.g. `simple` or `3/4`; absent for a survey.
    pub majority: Option<String>,
    /// The rule that gave the majority: `G16` (a statute amendment), `G78` (dissolution),
    /// `G43-2` (any other resolution), `G43a` (a delegate election); absent for a survey.
    pub majority_rule: Option<String>,
    /// Why: each reason starts with its rule id and names the law's paragraph.
    pub reasons: Vec<String>,
    /// The record day of the electorate, once the ballot opened.
    #[schema(value_type = Option<String>, format = Date)]
    pub record_day: Option<Date>,
    /// The end of a written ballot's voting window.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closes_at: Option<jiff::Timestamp>,
    /// One vote each (G43-3).
    pub one_vote_each: bool,
    /// Members out of this ballot (G43-6).
    pub excluded: Vec<u32>,
    /// At an assembly of delegates, the delegates who alone vote (G43a); `null` otherwise.
    pub delegates: Option<Vec<u32>>,
    /// Members in the electorate, once the ballot opened.
    pub electorate: Option<u64>,
    /// Members who voted so far.
    pub participants: Option<u64>,
    /// The running count of an open ballot whose results are shown; never for a hidden one.
    pub running: Option<CountView>,
    /// The result, once counted.
    pub result: Option<CountView>,
}

/// The motions.
#[derive(Debug, Serialize, ToSchema)]
pub struct MotionList {
    /// By id.
    pub motions: Vec<MotionView>,
}

pub(super) fn majority_text(majority: verbund_domain::Majority) -> String {
    String::from(majority)
}

pub(crate) fn motion_view(
    id: &MotionId,
    motion: &Motion,
    ballot: Option<&Ballot>,
) -> Option<MotionView> {
    let put = motion.put()?;
    let stage = motion.stage()?;
    let opened = motion.opened();
    let running = match (stage, ballot) {
        (Stage::Open, Some(ballot)) if !put.results_hidden => {
            let ballots = open_marks(ballot);
            motion
                .result(&ballots, ballot.electorate(), 0)
                .ok()
                .map(|r| count_view(&r, true))
        }
        _ => None,
    };
    Some(MotionView {
        id: id.to_string(),
        assembly: put.assembly.as_ref().map(ToString::to_string),
        title: put.title.clone(),
        proposal: proposal_json(&put.proposal),
        stage: stage_text(stage).to_owned(),
        secret: put.secret,
        results_hidden: put.results_hidden,
        votes_changeable: put.votes_changeable,
        announced_on: put.announced_on,
        majority: put.majority.map(majority_text),
        majority_rule: put.proposal.majority_rule().map(|r| r.id().to_owned()),
        reasons: put.reasons.clone(),
        record_day: opened.map(|o| o.record_day),
        closes_at: opened.and_then(|o| o.closes_at),
        one_vote_each: opened.is_some_and(|o| o.weighting.one_vote_each),
        excluded: opened
            .map(|o| o.weighting.excluded.iter().map(|m| m.get()).collect())
            .unwrap_or_default(),
        delegates: opened
            .and_then(|o| o.weighting.delegates.as_ref())
            .map(|d| d.iter().map(|m| m.get()).collect()),
        electorate: ballot.map(|b| b.electorate() as u64),
        participants: ballot.map(|b| b.participants() as u64),
        running,
        result: motion.counted().map(|c| count_view(c, false)),
    })
}

/// The proposal as shown: a statute amendment by its text, not its parsed form.
pub(super) fn proposal_json(kind: &MotionKind) -> serde_json::Value {
    match kind {
        MotionKind::StatuteAmendment { statute_text, .. } => serde_json::json!({
            "kind": "statute-amendment",
            "statute_text": statute_text,
        }),
        other => serde_json::to_value(other).unwrap_or_default(),
    }
}

/// The open (unsealed) votes of a ballot with their voters.
pub(super) fn open_marks(ballot: &Ballot) -> Vec<(verbund_domain::governance::Voter, Mark)> {
    ballot
        .votes()
        .filter_map(|v| Some((ballot.voter(v.voter)?, v.mark.clone()?)))
        .collect()
}

/// A vote as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoteView {
    /// The motion.
    pub motion: String,
    /// Whose vote.
    pub voter: u32,
    /// Who cast it (the voter or their proxy).
    pub cast_by: u32,
    /// How.
    pub channel: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub cast_at: jiff::Timestamp,
    /// The choice, where it may be shown.
    pub choice: Option<String>,
    /// The survey options, where they may be shown.
    pub options: Option<Vec<u16>>,
    /// True if the vote is sealed and not shown here.
    pub sealed: bool,
}

/// Votes.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoteList {
    /// By voter.
    pub votes: Vec<VoteView>,
    /// More votes follow: pass this as `after` for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<u32>,
}

pub(super) fn vote_view(
    vote: &verbund_domain::governance::VoteCast,
    mark: Option<&Mark>,
) -> VoteView {
    let channel = match vote.channel {
        Channel::InPerson => "in-person",
        Channel::Electronic => "electronic",
        Channel::Written => "written",
    };
    let (choice, options) = match mark {
        Some(Mark::Choice(c)) => (Some(choice_text(*c).to_owned()), None),
        Some(Mark::Options(o)) => (None, Some(o.clone())),
        None => (None, None),
    };
    VoteView {
        motion: vote.motion.to_string(),
        voter: vote.voter.get(),
        cast_by: vote.cast_by.get(),
        channel: channel.to_owned(),
        cast_at: vote.cast_at,
        choice,
        options,
        sealed: mark.is_none(),
    }
}

pub(super) fn choice_text(choice: Choice) -> &'static str {
    match choice {
        Choice::Yes => "yes",
        Choice::No => "no",
        Choice::Abstain => "abstain",
        Choice::Invalid => "invalid",
    }
}

/// One delegation of a principal.
#[derive(Debug, Serialize, ToSchema)]
pub struct DelegationView {
    /// The proxy.
    pub proxy: u32,
    /// The evidence of the authority.
    pub evidence: String,
    /// Since.
    #[schema(value_type = String, format = Date)]
    pub granted_on: Date,
    /// Until, once revoked.
    #[schema(value_type = Option<String>, format = Date)]
    pub revoked_on: Option<Date>,
}

/// A member's proxies: whom they gave their vote, and whose votes they hold.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProxiesView {
    /// The member.
    pub member: u32,
    /// Their current proxy.
    pub proxy: Option<u32>,
    /// Every delegation they made, oldest first.
    pub history: Vec<DelegationView>,
    /// The members whose votes they hold now.
    pub principals: Vec<u32>,
}

/// An approved investment, ready for funding.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvestmentView {
    /// The motion that approved it (the investment's id).
    pub id: String,
    /// What is bought.
    pub asset: String,
    /// The approved amount.
    #[schema(value_type = String)]
    pub amount: Money,
    /// How it is to be funded.
    pub funding_plan: String,
    /// The day of the resolution.
    #[schema(value_type = String, format = Date)]
    pub approved_on: Date,
}

/// The approved investments.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvestmentList {
    /// By id.
    pub investments: Vec<InvestmentView>,
}

pub(crate) fn assembly_view(
    id: &AssemblyId,
    assembly: &Assembly,
    aggregates: &Aggregates,
) -> Option<AssemblyView> {
    let convened = assembly.convened()?;
    let mut motions: Vec<String> = aggregates
        .motions()
        .filter(|(_, m)| m.put().and_then(|p| p.assembly.as_ref()) == Some(id))
        .map(|(id, _)| id.to_string())
        .collect();
    motions.sort();
    Some(AssemblyView {
        id: id.to_string(),
        form: convened.form.into(),
        convened_on: convened.convened_on,
        held_on: convened.held_on,
        place: convened.place.clone(),
        participation: convened.participation.clone(),
        discussion: convened.discussion.map(AssemblyForm::from),
        chair: assembly.chair().unwrap_or(convened.chair).get(),
        agenda: convened.agenda.clone(),
        added_items: assembly
            .added_items()
            .iter()
            .map(|item| AddedItem {
                title: item.title.clone(),
                announced_on: item.announced_on,
                resolvable: verbund_domain::governance::assembly::may_resolve(
                    item.announced_on,
                    convened.held_on,
                ),
                demanded_by: item.demanded_by.iter().map(|m| m.get()).collect(),
            })
            .collect(),
        demanded_by: convened.demanded_by.iter().map(|m| m.get()).collect(),
        delegates: convened.delegates,
        motions,
        attendance: assembly
            .attendance()
            .map(|a| AttendeeView {
                member: a.member.get(),
                presence: a.presence.into(),
                proxy: a.proxy.map(MemberNo::get),
            })
            .collect(),
    })
}
