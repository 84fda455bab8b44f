//! Governance commands: convening, motions, ballots, votes and proxies, each a thin shell
//! around a domain decision, and the two-step close of a ballot.
//!
//! Closing is two commits. `BallotClosed` goes first: every vote guards the motion's stream, so
//! once the close is in the log no vote can land, wherever it is cast, and the votes before it
//! are exactly the ones that count. Then the votes are counted (sealed ones unsealed from their
//! records) and `BallotCounted` is appended with the result's effects, guarded by the motion's
//! version so that it is recorded once. A crash between the two leaves a closed ballot that
//! the next close request counts.

use jiff::Timestamp;
use std::sync::Arc;
use verbund_domain::governance::{
    self as g, AssemblyId, AttendanceFacts, BallotCounted, Mark, MotionId, MotionKind,
    OpeningFacts, ProxyFacts, Stage, Voter, delegates,
};

use verbund_domain::governance::{DestroyBallotKey, Motion};
use verbund_domain::{Change, DomainError, MemberNo, Rule, Stream};
use verbund_ledger::{LedgerError, LogId, PersonalRecord, StoredRecord};

use crate::app::App;
use crate::app::ballot_keys::{BallotKey, MarkPlace, longest_mark};
use crate::app::execute::{
    Command, ExecError, Executed, Reads, Request, State, caught_up, execute,
};

/// The statute of a founded cooperative.
fn statute(state: &State) -> Result<&verbund_domain::Statute, ExecError> {
    state.coop()?.statute().ok_or_else(|| {
        DomainError::not_found("coop-not-founded", "the cooperative is not founded").into()
    })
}

/// Convene an assembly.
#[derive(Clone, Debug)]
pub struct Convene(pub g::Convene);

impl Command for Convene {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop, Stream::Assembly(self.0.assembly.clone())]).counting()
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let assembly = state.assembly(&self.0.assembly)?;
        let counts = state.counts()?.member_counts();
        Ok(assembly.convene(state.coop()?, counts, self.0.clone())?)
    }
}

/// Add an item to an assembly's agenda.
#[derive(Clone, Debug)]
pub struct AddItem {
    /// The assembly.
    pub assembly: AssemblyId,
    /// The item.
    pub item: g::AddItem,
}

impl Command for AddItem {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop, Stream::Assembly(self.assembly.clone())]).counting()
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let assembly = state.assembly(&self.assembly)?;
        let counts = state.counts()?.member_counts();
        Ok(assembly.add_item(state.coop()?, counts, self.item.clone())?)
    }
}

/// Put a motion, with the sealed name of the person serving for a firm it elects (G9-24).
#[derive(Clone, Debug)]
pub struct PutMotion {
    /// The motion.
    pub put: g::PutMotion,
    /// The name of the person serving for a firm the motion elects, sealed.
    pub serving: Option<PersonalRecord>,
}

impl PutMotion {
    /// The candidates of a delegate election.
    fn candidates(&self) -> &[MemberNo] {
        match &self.put.proposal {
            MotionKind::DelegateElection { candidates, .. } => candidates,
            _ => &[],
        }
    }
}

impl Command for PutMotion {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop, Stream::Motion(self.put.motion.clone())])
            .and_all(self.put.assembly.clone().map(Stream::Assembly))
            .consulting(self.candidates().iter().copied())
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let coop = state.coop()?;
        if !self.candidates().is_empty() {
            // Candidates are members without a seat on the board or the supervisory board
            // (G43a); the list is checked on the day it is announced.
            let members = self
                .candidates()
                .iter()
                .map(|m| Ok((*m, state.member(*m)?)))
                .collect::<Result<std::collections::BTreeMap<_, _>, ExecError>>()?;
            delegates::check_candidates(
                coop,
                self.candidates(),
                |m| members.get(&m).and_then(|member| member.membership()),
                self.put.announced_on,
            )?;
        }
        let assembly = match &self.put.assembly {
            Some(id) => Some(state.assembly(id)?),
            None => None,
        };
        let motion = state.motion(&self.put.motion)?;
        Ok(motion.put_motion(coop, assembly, self.put.clone())?)
    }
    fn records(&self) -> Vec<PersonalRecord> {
        self.serving.iter().cloned().collect()
    }
}

/// Open a motion's ballot, reading the motion's assembly ([`open_ballot`] finds it).
#[derive(Clone, Debug)]
struct OpenBallot {
    motion: MotionId,
    open: g::OpenBallot,
    assembly: Option<AssemblyId>,
}

impl Command for OpenBallot {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop, Stream::Motion(self.motion.clone())])
            .and_all(self.assembly.clone().map(Stream::Assembly))
            .counting()
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let counts = state.counts()?;
        let (assembly, all_members_present) = match &self.assembly {
            Some(id) => (Some(state.assembly(id)?), counts.all_present(id)?),
            None => (None, false),
        };
        let facts = OpeningFacts {
            regime: counts.regime,
            all_members_present,
        };
        let motion = state.motion(&self.motion)?;
        Ok(motion.open(state.coop()?, assembly, facts, self.open.clone())?)
    }
}

/// Cast a vote, with its sealed record for a secret or hidden ballot.
#[derive(Clone, Debug)]
pub struct CastVote {
    /// The motion.
    pub motion: MotionId,
    /// The vote.
    pub vote: g::CastVote,
    /// The sealed mark of a secret or hidden ballot ([`seal_vote`]).
    pub sealed: Option<PersonalRecord>,
}

impl Command for CastVote {
    fn reads(&self) -> Reads {
        let reads = Reads::of([
            Stream::Motion(self.motion.clone()),
            Stream::Vote(self.motion.clone(), self.vote.voter),
        ]);
        if self.vote.cast_by == self.vote.voter {
            reads
        } else {
            // A vote by proxy stands on the proxy as granted: a revocation in between makes
            // it decide again.
            reads.and(Stream::Proxies)
        }
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let voter = state.voter(&self.motion, self.vote.voter)?;
        Ok(state.motion(&self.motion)?.cast(voter, self.vote.clone())?)
    }
    fn records(&self) -> Vec<PersonalRecord> {
        self.sealed.iter().cloned().collect()
    }
}

/// Grant a proxy (G43-5).
#[derive(Clone, Debug)]
pub struct GrantProxy(pub g::GrantProxy);

impl Command for GrantProxy {
    fn reads(&self) -> Reads {
        Reads::of([
            Stream::Coop,
            Stream::Proxies,
            Stream::Member(self.0.principal),
            Stream::Member(self.0.proxy),
        ])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let has_rights = |m: MemberNo| -> Result<bool, ExecError> {
            Ok(state
                .member(m)?
                .membership()
                .is_some_and(|m| m.has_rights_on(self.0.granted_on)))
        };
        let facts = ProxyFacts {
            principal_has_rights: has_rights(self.0.principal)?,
            proxy_has_rights: has_rights(self.0.proxy)?,
        };
        let (revoked, granted) = state
            .proxies()?
            .grant(statute(state)?, facts, self.0.clone())?;
        let mut changes: Vec<Change> = revoked
            .into_iter()
            .map(|r| Change::new(Stream::Proxies, r))
            .collect();
        changes.push(Change::new(Stream::Proxies, granted));
        Ok(changes)
    }
}

/// Record a member's attendance at an assembly (G46, G47).
#[derive(Clone, Debug)]
pub struct RecordAttendance {
    /// The assembly.
    pub assembly: AssemblyId,
    /// The attendance.
    pub attendance: g::RecordAttendance,
}

impl Command for RecordAttendance {
    fn reads(&self) -> Reads {
        // The member's stream guards their rights, the proxies who represents them.
        Reads::of([
            Stream::Assembly(self.assembly.clone()),
            Stream::Member(self.attendance.member),
            Stream::Proxies,
        ])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let assembly = state.assembly(&self.assembly)?;
        let held_on = assembly
            .convened()
            .map_or(self.attendance.today, |c| c.held_on);
        let member = self.attendance.member;
        let facts = AttendanceFacts {
            has_rights: state
                .member(member)?
                .membership()
                .is_some_and(|m| m.has_rights_on(held_on)),
            proxy: state.proxies()?.proxy_of(member),
        };
        Ok(assembly.record_attendance(facts, self.attendance.clone())?)
    }
}

/// Revoke a proxy.
#[derive(Clone, Debug)]
pub struct RevokeProxy {
    /// The principal.
    pub principal: MemberNo,
    /// The day.
    pub on: jiff::civil::Date,
}

impl Command for RevokeProxy {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Proxies])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let revoked = state.proxies()?.revoke(self.principal, self.on)?;
        Ok(vec![Change::new(Stream::Proxies, revoked)])
    }
}

/// Opens a motion's ballot. The decision also reads the motion's assembly; a secret or hidden
/// ballot opens with a key of its own (W1), durable outside the database before the opening
/// is recorded.
pub async fn open_ballot(
    app: &App,
    request: &Request,
    motion: &MotionId,
    mut open: g::OpenBallot,
) -> Result<Executed, ExecError> {
    let (assembly, sealed) = motion_facts(app, request, motion).await?;
    let created = match (sealed, &open.key) {
        (true, None) => {
            let (key, _) = app.ballot_keys().create()?;
            open.key = Some(key.clone());
            Some(key)
        }
        _ => None,
    };
    let opening = OpenBallot {
        motion: motion.clone(),
        open,
        assembly,
    };
    let opened = execute(app, request, &opening).await;
    // A key no opening names is removed: the ballot was refused, or opened before by the same
    // request with another key. (After another failure the opening may have been recorded:
    // the key stays.)
    if let Some(key) = created
        && matches!(
            &opened,
            Ok(Executed { replayed: true, .. }) | Err(ExecError::Domain(_))
        )
    {
        app.ballot_keys().destroy(&key)?;
    }
    opened
}

/// The motion's assembly, and whether its votes are sealed.
async fn motion_facts(
    app: &App,
    request: &Request,
    id: &MotionId,
) -> Result<(Option<AssemblyId>, bool), ExecError> {
    // The motion may have been put a moment ago: read it once the projections hold it.
    let runtime = caught_up(app, &request.coop).await?;
    Ok(runtime.views().aggregates.read(|a| {
        let motion = a.motion(id).state;
        (
            motion.put().and_then(|p| p.assembly.clone()),
            motion.sealed(),
        )
    }))
}

/// How a ballot's sealed votes are read: encrypted under the ballot's key (W1), or, for a
/// ballot opened before votes were encrypted, as they were stored.
enum Seal {
    Plain,
    Key(Arc<BallotKey>),
}

impl Seal {
    /// The seal of `motion`'s votes: its key from the key directory, or as disclosed with
    /// its count. A destroyed key is refused, and forgotten should this process hold it.
    fn of(app: &App, motion: &MotionId, state: &Motion) -> Result<Seal, ExecError> {
        let Some(opened) = state.opened() else {
            return Ok(Seal::Plain);
        };
        let Some(key) = &opened.key else {
            return Ok(Seal::Plain);
        };
        if state.key_destroyed() {
            app.ballot_keys().forget(key);
            return Err(DomainError::rule(
                Rule::W1,
                "ballot-key-destroyed",
                format!(
                    "the key of the secret ballot on motion {motion} was destroyed once the resolution could no longer be contested: nobody can read its votes any more; its tally stands"
                ),
            )
            .into());
        }
        if let Some(disclosed) = state.disclosed_key() {
            let key = BallotKey::from_hex(disclosed).ok_or_else(|| {
                LedgerError::Corrupt(format!(
                    "the key disclosed with the count of motion {motion} is not a key"
                ))
            })?;
            return Ok(Seal::Key(Arc::new(key)));
        }
        Ok(Seal::Key(app.ballot_keys().get(key)?))
    }

    /// Seals `mark`, padded to `longest` bytes at least ([`longest_mark`]).
    fn seal(
        &self,
        log: &LogId,
        motion: &MotionId,
        mark: &Mark,
        longest: usize,
    ) -> Result<(PersonalRecord, verbund_domain::PersonalRef), ExecError> {
        match self {
            Seal::Plain => crate::app::commands::seal_json(mark),
            Seal::Key(key) => {
                let record = crate::app::random_hex(16);
                let place = MarkPlace {
                    log,
                    motion,
                    record: &record,
                };
                crate::app::commands::seal_text(record.clone(), key.seal(place, mark, longest))
            }
        }
    }

    fn open(
        &self,
        log: &LogId,
        motion: &MotionId,
        record: &str,
        data: &str,
    ) -> Result<Mark, ExecError> {
        match self {
            Seal::Plain => serde_json::from_str::<Mark>(data).map_err(|e| {
                LedgerError::Corrupt(format!("the sealed vote {record} cannot be read: {e}")).into()
            }),
            Seal::Key(key) => Ok(key.open(
                MarkPlace {
                    log,
                    motion,
                    record,
                },
                data,
            )?),
        }
    }
}

/// Seals a vote of a secret or hidden ballot into a record beside the log, encrypted under
/// the ballot's key (W1): the event carries the commitment to what is stored, the record the
/// encrypted mark. `None` for an open ballot's vote, and where no vote can be cast (a ballot
/// not open, or closed), which the decision then refuses.
pub async fn seal_vote(
    app: &App,
    log: &LogId,
    motion: &MotionId,
    mark: &Mark,
) -> Result<Option<(PersonalRecord, verbund_domain::PersonalRef)>, ExecError> {
    // The ballot may have opened a moment ago: read it as the decision will.
    let runtime = caught_up(app, log).await?;
    let state = runtime
        .views()
        .aggregates
        .read(|a| Arc::clone(&a.motion(motion).state));
    if !state.sealed() || state.opened().is_none() || state.closed().is_some() {
        return Ok(None);
    }
    // Every mark of the ballot is padded to its longest: a vote's size tells nothing.
    let options = match state.put().map(|p| &p.proposal) {
        Some(MotionKind::Survey { options, .. }) => options.len(),
        Some(MotionKind::DelegateElection { candidates, .. }) => candidates.len(),
        _ => 0,
    };
    Seal::of(app, motion, &state)?
        .seal(log, motion, mark, longest_mark(options))
        .map(Some)
}

struct Close(MotionId, Timestamp);

impl Command for Close {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Motion(self.0.clone())])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        Ok(state.motion(&self.0)?.close(self.1)?)
    }
}

struct Count {
    motion: MotionId,
    target: Option<MemberNo>,
    /// The assembly whose chair an adopted motion chooses (G46, G47).
    chairs: Option<AssemblyId>,
    result: BallotCounted,
    /// The key of a hidden ballot, disclosed with its count (W1).
    disclose: Option<String>,
}

impl Command for Count {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop, Stream::Motion(self.motion.clone())])
            .and_all(self.target.map(Stream::Member))
            .and_all(self.chairs.clone().map(Stream::Assembly))
            .counting()
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let target = match self.target {
            Some(member) => state.member(member)?.clone(),
            None => verbund_domain::Member::default(),
        };
        let counts = state.counts()?;
        Ok(state.motion(&self.motion)?.count(
            state.coop()?,
            &target,
            counts.members,
            counts.organ_facts(),
            crate::app::today(),
            self.result.clone(),
            self.disclose.clone(),
        )?)
    }
}

/// What closing a ballot did.
#[derive(Clone, Debug)]
pub struct Closed {
    /// The close (or, for a ballot closed before, the count).
    pub executed: Executed,
    /// The result, as recorded.
    pub result: BallotCounted,
}

/// Closes a ballot and counts it; for a ballot closed but not yet counted (a crash in
/// between), counts it.
pub async fn close_ballot(
    app: &App,
    request: &Request,
    motion: &MotionId,
) -> Result<Closed, ExecError> {
    let runtime = app
        .coop(&request.coop)
        .await
        .map_err(|e| ExecError::Start(format!("{e:#}")))?
        .ok_or_else(|| LedgerError::UnknownLog(request.coop.clone()))?;
    let stage = runtime
        .views()
        .aggregates
        .read(|a| a.motion(motion).state.stage());
    let mut executed = None;
    if stage != Some(Stage::Closed) {
        executed = Some(execute(app, request, &Close(motion.clone(), Timestamp::now())).await?);
    }
    if let Some(done) = executed {
        runtime.wait_for(done.last, LOAD_WAIT).await?;
    } else if let Some(head) = app.ledger().known_head(&request.coop) {
        runtime.wait_for(head, LOAD_WAIT).await?;
    }
    // The ballot is closed: its votes are final.
    let (motion_state, open, sealed, electorate, closed_at) = final_votes(&runtime, motion);
    if let Some(counted) = motion_state.counted() {
        // Counted before (a repeated request): the result as recorded.
        let position = executed.map_or(counted.closed_at_position, |e| e.last.get());
        let position = verbund_ledger::Position::new(position);
        return Ok(Closed {
            executed: Executed {
                first: position,
                last: position,
                replayed: true,
            },
            result: counted.clone(),
        });
    }
    let closed_at = closed_at
        .ok_or_else(|| DomainError::conflict("ballot-not-closed", "the ballot did not close"))?;
    let seal = Seal::of(app, motion, &motion_state)?;
    let mut ballots = open;
    ballots.extend(unseal(app, &request.coop, motion, &seal, sealed).await?);
    let result = motion_state.result(&ballots, electorate, closed_at.get())?;
    // W1: the key of a ballot whose results were only hidden is disclosed with the count, so
    // that its votes read as an open ballot's; a secret ballot's stays undisclosed.
    let (disclose, disclosed) = match (&seal, motion_state.secret(), &motion_state.opened()) {
        (Seal::Key(key), false, Some(opened)) => (Some(key.to_hex()), opened.key.clone()),
        _ => (None, None),
    };
    let target = motion_state.put().and_then(|p| p.proposal.member());
    let chairs = motion_state
        .put()
        .filter(|p| matches!(p.proposal, MotionKind::ChairAssembly { .. }))
        .and_then(|p| p.assembly.clone());
    let count_request = Request {
        key: None,
        ..request.clone()
    };
    let count = Count {
        motion: motion.clone(),
        target,
        chairs,
        result: result.clone(),
        disclose,
    };
    let counted = execute(app, &count_request, &count).await?;
    if let Some(key) = disclosed {
        // The log holds it now: its file is no longer needed.
        app.ballot_keys().destroy(&key)?;
    }
    Ok(Closed {
        executed: Executed {
            first: executed.map_or(counted.first, |e| e.first),
            last: counted.last,
            replayed: false,
        },
        result,
    })
}

const LOAD_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A closed ballot's final votes: the motion, the open marks and the sealed references by
/// voter, the size of the electorate and the position of the close.
#[allow(clippy::type_complexity)]
fn final_votes(
    runtime: &verbund_projections::Runtime,
    motion: &MotionId,
) -> (
    Arc<Motion>,
    Vec<(Voter, Mark)>,
    Vec<(Voter, verbund_domain::PersonalRef)>,
    usize,
    Option<verbund_ledger::Position>,
) {
    runtime.views().aggregates.read(|a| {
        let state = Arc::clone(&a.motion(motion).state);
        let Some(ballot) = a.ballot(motion) else {
            return (state, Vec::new(), Vec::new(), 0, None);
        };
        let mut open = Vec::new();
        let mut sealed = Vec::new();
        for vote in ballot.votes() {
            let Some(voter) = ballot.voter(vote.voter) else {
                continue;
            };
            match (&vote.mark, &vote.sealed) {
                (Some(mark), _) => open.push((voter, mark.clone())),
                (None, Some(reference)) => sealed.push((voter, reference.clone())),
                (None, None) => {}
            }
        }
        (state, open, sealed, ballot.electorate(), ballot.closed_at)
    })
}

/// Reads sealed votes back from their records, each checked against its event's commitment.
async fn unseal(
    app: &App,
    log: &LogId,
    motion: &MotionId,
    seal: &Seal,
    sealed: Vec<(Voter, verbund_domain::PersonalRef)>,
) -> Result<Vec<(Voter, Mark)>, ExecError> {
    let references: Vec<_> = sealed.iter().map(|(_, r)| r.clone()).collect();
    let mut marks = read_marks(app, log, motion, seal, &references).await?;
    sealed
        .into_iter()
        .map(|(voter, reference)| {
            marks
                .remove(reference.record.as_str())
                .map(|mark| (voter, mark))
                .ok_or_else(|| {
                    LedgerError::Corrupt(format!(
                        "the sealed vote {} of member {} is missing or does not match its commitment",
                        reference.record.as_str(),
                        voter.member
                    ))
                    .into()
                })
        })
        .collect()
}

/// The sealed votes of `motion` behind `references`, by record id: only those whose record is
/// present and matches the commitment its event carries. For a ballot whose results were
/// hidden, once its key was disclosed with the count (W1).
pub async fn unseal_marks(
    app: &App,
    log: &LogId,
    motion: &MotionId,
    state: &Motion,
    references: &[verbund_domain::PersonalRef],
) -> Result<std::collections::HashMap<String, Mark>, ExecError> {
    let seal = Seal::of(app, motion, state)?;
    read_marks(app, log, motion, &seal, references).await
}

async fn read_marks(
    app: &App,
    log: &LogId,
    motion: &MotionId,
    seal: &Seal,
    references: &[verbund_domain::PersonalRef],
) -> Result<std::collections::HashMap<String, Mark>, ExecError> {
    let mut marks = std::collections::HashMap::with_capacity(references.len());
    for chunk in references.chunks(verbund_ledger::limits::READ_RECORDS_MAX) {
        let ids: Vec<&str> = chunk.iter().map(|r| r.record.as_str()).collect();
        let found: std::collections::HashMap<String, StoredRecord> = app
            .ledger()
            .personal_records(log, &ids)
            .await?
            .into_iter()
            .collect();
        for reference in chunk {
            if let Some(StoredRecord::Present {
                data, commitment, ..
            }) = found.get(reference.record.as_str())
                && *commitment == reference.commitment
            {
                let record = reference.record.as_str();
                marks.insert(record.to_owned(), seal.open(log, motion, record, data)?);
            }
        }
    }
    Ok(marks)
}

/// A counted ballot counted again from its votes, to check the recorded result (W1: a secret
/// ballot's key is kept for this until the resolution can no longer be contested).
#[derive(Clone, Debug)]
pub struct Recount {
    /// The result as recorded.
    pub recorded: BallotCounted,
    /// The result counted again now.
    pub recounted: BallotCounted,
}

impl Recount {
    /// True if the votes give the recorded result (a result recorded by an earlier build may
    /// write its tally in other units).
    pub fn matches(&self) -> bool {
        self.recorded.says_the_same_as(&self.recounted)
    }
}

/// Counts a counted ballot again from its votes; refused once a secret ballot's key is
/// destroyed.
pub async fn recount(app: &App, log: &LogId, motion: &MotionId) -> Result<Recount, ExecError> {
    let runtime = caught_up(app, log).await?;
    let (state, open, sealed, electorate, closed_at) = final_votes(&runtime, motion);
    if state.put().is_none() {
        return Err(DomainError::not_found(
            "motion-not-found",
            format!("there is no motion {motion}"),
        )
        .into());
    }
    let (Some(recorded), Some(closed_at)) = (state.counted(), closed_at) else {
        return Err(DomainError::conflict(
            "ballot-not-counted",
            format!("the ballot on motion {motion} is not counted yet"),
        )
        .into());
    };
    let seal = Seal::of(app, motion, &state)?;
    let mut ballots = open;
    ballots.extend(unseal(app, log, motion, &seal, sealed).await?);
    let recounted = state.result(&ballots, electorate, closed_at.get())?;
    Ok(Recount {
        recorded: recorded.clone(),
        recounted,
    })
}

/// Holds the key store to what the logs say, at a start: a key the log records as destroyed
/// or disclosed is deleted should its file be back (a key store restored from an older
/// backup: a destroyed key stays destroyed); a key a ballot still needs must be there, or the
/// start fails naming the store and the ballots, instead of running without it.
pub async fn check_key_store(app: &App) -> anyhow::Result<()> {
    let mut missing = Vec::new();
    for (log, _) in app.coops().await {
        let Ok(runtime) = caught_up(app, &log).await else {
            // Its projections failed to start: reported by /readyz, checked at its next start.
            continue;
        };
        let keys: Vec<(MotionId, verbund_domain::governance::BallotKeyId, bool)> =
            runtime.views().aggregates.read(|a| {
                a.motions()
                    .filter_map(|(id, m)| {
                        let key = m.opened()?.key.clone()?;
                        Some((id.clone(), key, m.ballot_key().is_some()))
                    })
                    .collect()
            });
        for (motion, key, needed) in keys {
            if !needed {
                app.ballot_keys().destroy(&key)?;
            } else if !app.ballot_keys().exists(&key) {
                missing.push(format!("{log}: motion {motion} (key {key})"));
            }
        }
    }
    anyhow::ensure!(
        missing.is_empty(),
        "the key store {} lacks the keys of {} ballots whose votes are still to be counted or recounted: {}. Restore the key store from its backup, or name it with --key-store; without them those ballots cannot be counted",
        app.config().key_store.display(),
        missing.len(),
        missing.join(", ")
    );
    Ok(())
}

/// What [`destroy_expired_ballot_keys`] did.
#[derive(Clone, Debug, Default)]
pub struct KeyRetention {
    /// The motions whose keys were destroyed.
    pub destroyed: Vec<MotionId>,
    /// The secret ballots whose keys are kept, and the last day their resolution can be
    /// contested.
    pub kept: Vec<(MotionId, jiff::civil::Date)>,
}

struct DestroyKey(MotionId, DestroyBallotKey);

impl Command for DestroyKey {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Motion(self.0.clone())])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        Ok(state.motion(&self.0)?.destroy_ballot_key(self.1)?)
    }
}

/// Destroys the key of every counted secret ballot whose resolution can no longer be
/// contested on `today` (W1): its file first, then the event that says so. A key already
/// gone (a run interrupted between the two) is recorded as destroyed.
pub async fn destroy_expired_ballot_keys(
    app: &App,
    request: &Request,
    today: jiff::civil::Date,
) -> Result<KeyRetention, ExecError> {
    let runtime = caught_up(app, &request.coop).await?;
    let due: Vec<(
        MotionId,
        verbund_domain::governance::BallotKeyId,
        jiff::civil::Date,
    )> = runtime.views().aggregates.read(|a| {
        a.motions()
            .filter(|(_, m)| m.secret() && !m.key_destroyed() && m.counted().is_some())
            .filter_map(|(id, m)| {
                let key = m.opened()?.key.clone()?;
                let resolved_on = crate::app::day_of(m.closed()?.closed_at);
                Some((id.clone(), key, resolved_on))
            })
            .collect()
    });
    let mut retention = KeyRetention::default();
    for (motion, key, resolved_on) in due {
        let until = Motion::contestable_until(resolved_on);
        if today <= until {
            retention.kept.push((motion, until));
            continue;
        }
        app.ballot_keys().destroy(&key)?;
        let destroy = DestroyKey(motion.clone(), DestroyBallotKey { resolved_on, today });
        let request = Request {
            key: None,
            ..request.clone()
        };
        execute(app, &request, &destroy).await?;
        retention.destroyed.push(motion);
    }
    retention.destroyed.sort();
    retention.kept.sort();
    Ok(retention)
}
