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
use verbund_domain::governance::{
    AddItem, AssemblyId, AttendanceFacts, BallotCounted, CastVote, Convene, GrantProxy, Mark,
    MotionId, MotionKind, OpenBallot, OpeningFacts, PutMotion, RecordAttendance, Regime, Stage,
    Voter, delegates,
};
use verbund_domain::{Change, DomainError, MemberNo, Stream};
use verbund_ledger::{LedgerError, PersonalRecord, StoredRecord};

use crate::app::App;
use crate::app::execute::{Command, ExecError, Executed, Request, State, caught_up, execute};

/// A governance command.
#[derive(Clone, Debug)]
pub enum GovernanceCommand {
    /// Convene an assembly.
    Convene(Convene),
    /// Add an item to an assembly's agenda.
    AddItem(AssemblyId, AddItem),
    /// Put a motion, with the sealed name of the person serving for a firm it elects (G9-24).
    Put(PutMotion, Option<PersonalRecord>),
    /// Open a motion's ballot.
    Open(MotionId, OpenBallot),
    /// Cast a vote, with its sealed record for a secret or hidden ballot.
    Cast(MotionId, CastVote, Option<PersonalRecord>),
    /// Grant a proxy.
    GrantProxy(GrantProxy),
    /// Record a member's attendance at an assembly (G46, G47).
    Attend(AssemblyId, RecordAttendance),
    /// Revoke a proxy.
    RevokeProxy {
        /// The principal.
        principal: MemberNo,
        /// The day.
        on: jiff::civil::Date,
    },
}

impl Command for GovernanceCommand {
    fn reads(&self) -> Vec<Stream> {
        use GovernanceCommand as C;
        match self {
            C::Convene(c) => vec![Stream::Coop, Stream::Assembly(c.assembly.clone())],
            C::AddItem(id, _) => vec![Stream::Coop, Stream::Assembly(id.clone())],
            C::Put(c, _) => {
                let mut reads = vec![Stream::Coop, Stream::Motion(c.motion.clone())];
                reads.extend(c.assembly.clone().map(Stream::Assembly));
                reads
            }
            // The assembly is read by the caller (`open_ballot`), which knows it from the motion.
            C::Open(id, _) => vec![Stream::Coop, Stream::Motion(id.clone())],
            C::Cast(id, c, _) => {
                let mut reads = vec![
                    Stream::Motion(id.clone()),
                    Stream::Vote(id.clone(), c.voter),
                ];
                if c.cast_by != c.voter {
                    // A vote by proxy stands on the proxy as granted: a revocation in between
                    // makes it decide again.
                    reads.push(Stream::Proxies);
                }
                reads
            }
            C::GrantProxy(g) => vec![
                Stream::Coop,
                Stream::Proxies,
                Stream::Member(g.principal),
                Stream::Member(g.proxy),
            ],
            C::Attend(id, a) => {
                // The member's stream guards their rights, the proxies who represents them.
                vec![
                    Stream::Assembly(id.clone()),
                    Stream::Member(a.member),
                    Stream::Proxies,
                ]
            }
            C::RevokeProxy { .. } => vec![Stream::Proxies],
        }
    }

    fn counts_members(&self) -> bool {
        matches!(
            self,
            GovernanceCommand::Convene(_)
                | GovernanceCommand::AddItem(..)
                | GovernanceCommand::Open(..)
        )
    }

    fn consults(&self) -> Vec<MemberNo> {
        match self {
            GovernanceCommand::Put(
                PutMotion {
                    proposal: MotionKind::DelegateElection { candidates, .. },
                    ..
                },
                _,
            ) => candidates.clone(),
            _ => Vec::new(),
        }
    }

    fn records(&self) -> Vec<PersonalRecord> {
        match self {
            GovernanceCommand::Cast(_, _, Some(record))
            | GovernanceCommand::Put(_, Some(record)) => vec![record.clone()],
            _ => Vec::new(),
        }
    }

    fn decide(&self, state: &State) -> Result<Vec<Change>, DomainError> {
        use GovernanceCommand as C;
        let statute = || {
            state.coop.statute().ok_or_else(|| {
                DomainError::not_found("coop-not-founded", "the cooperative is not founded")
            })
        };
        match self {
            C::Convene(c) => {
                let mut command = c.clone();
                command.members = state.members_today;
                command.delegates_in_office = state.delegates_today;
                state
                    .assembly(&c.assembly)
                    .cloned()
                    .unwrap_or_default()
                    .convene(&state.coop, command)
            }
            C::AddItem(id, c) => {
                let mut command = c.clone();
                command.members = state.members_today;
                state
                    .assembly(id)
                    .cloned()
                    .unwrap_or_default()
                    .add_item(&state.coop, command)
            }
            C::Put(c, _) => {
                if let MotionKind::DelegateElection { candidates, .. } = &c.proposal {
                    // Candidates are members without a seat on the board or the supervisory
                    // board (G43a); the list is checked on the day it is announced.
                    delegates::check_candidates(
                        &state.coop,
                        candidates,
                        |m| state.member(m).membership(),
                        c.announced_on,
                    )?;
                }
                let assembly = c.assembly.as_ref().and_then(|a| state.assembly(a));
                state
                    .motion(&c.motion)
                    .put_motion(&state.coop, assembly, c.clone())
            }
            C::Open(id, c) => OpenWithAssembly {
                motion: id.clone(),
                open: c.clone(),
                assembly: state.motion(id).put().and_then(|p| p.assembly.clone()),
            }
            .decide(state),
            C::Cast(id, c, _) => state.motion(id).cast(&state.voter(id, c.voter), c.clone()),
            C::GrantProxy(g) => {
                let mut command = g.clone();
                let rights = |m: MemberNo| {
                    state
                        .member(m)
                        .membership()
                        .is_some_and(|m| m.has_rights_on(g.granted_on))
                };
                command.principal_is_member = rights(g.principal);
                command.proxy_is_member = rights(g.proxy);
                let (revoked, granted) = state.proxies.grant(statute()?, command)?;
                let mut changes: Vec<Change> = revoked
                    .into_iter()
                    .map(|r| Change::new(Stream::Proxies, r))
                    .collect();
                changes.push(Change::new(Stream::Proxies, granted));
                Ok(changes)
            }
            C::Attend(id, a) => {
                let assembly = state.assembly(id).cloned().unwrap_or_default();
                let held_on = assembly.convened().map_or(a.today, |c| c.held_on);
                let facts = AttendanceFacts {
                    has_rights: state
                        .member(a.member)
                        .membership()
                        .is_some_and(|m| m.has_rights_on(held_on)),
                    proxy: state.proxies.proxy_of(a.member),
                };
                assembly.record_attendance(facts, a.clone())
            }
            C::RevokeProxy { principal, on } => Ok(vec![Change::new(
                Stream::Proxies,
                state.proxies.revoke(*principal, *on)?,
            )]),
        }
    }
}

/// Executes a governance command. Opening a ballot also reads the motion's assembly.
pub async fn run(
    app: &App,
    request: &Request,
    command: GovernanceCommand,
) -> Result<Executed, ExecError> {
    if let GovernanceCommand::Open(id, open) = &command {
        let assembly = motion_assembly(app, request, id).await?;
        return execute(
            app,
            request,
            &OpenWithAssembly {
                motion: id.clone(),
                open: open.clone(),
                assembly,
            },
        )
        .await;
    }
    execute(app, request, &command).await
}

struct OpenWithAssembly {
    motion: MotionId,
    open: OpenBallot,
    assembly: Option<AssemblyId>,
}

impl Command for OpenWithAssembly {
    fn reads(&self) -> Vec<Stream> {
        let mut reads = vec![Stream::Coop, Stream::Motion(self.motion.clone())];
        reads.extend(self.assembly.clone().map(Stream::Assembly));
        reads
    }
    fn counts_members(&self) -> bool {
        true
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, DomainError> {
        let motion = state.motion(&self.motion);
        let assembly = self.assembly.as_ref().and_then(|a| state.assembly(a));
        let facts = OpeningFacts {
            regime: state.regime_today.unwrap_or(Regime::Ordinary),
            all_members_present: self
                .assembly
                .as_ref()
                .and_then(|a| state.all_present.get(a))
                .copied()
                .unwrap_or(false),
        };
        motion.open(&state.coop, assembly, facts, self.open.clone())
    }
}

async fn motion_assembly(
    app: &App,
    request: &Request,
    id: &MotionId,
) -> Result<Option<AssemblyId>, ExecError> {
    // The motion may have been put a moment ago: read it once the projections hold it.
    let runtime = caught_up(app, &request.coop).await?;
    Ok(runtime
        .views()
        .aggregates
        .read(|a| a.motion(id).state.put().and_then(|p| p.assembly.clone())))
}

/// Seals a vote of a secret or hidden ballot into a record beside the log: the event carries
/// the commitment, the record the vote.
pub fn seal_vote(mark: &Mark) -> Result<(PersonalRecord, verbund_domain::PersonalRef), ExecError> {
    crate::app::commands::seal_json(mark)
}

struct Close(MotionId, Timestamp);

impl Command for Close {
    fn reads(&self) -> Vec<Stream> {
        vec![Stream::Motion(self.0.clone())]
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, DomainError> {
        state.motion(&self.0).close(self.1)
    }
}

struct Count {
    motion: MotionId,
    target: Option<MemberNo>,
    /// The assembly whose chair an adopted motion chooses (G46, G47).
    chairs: Option<AssemblyId>,
    result: BallotCounted,
}

impl Command for Count {
    fn reads(&self) -> Vec<Stream> {
        let mut reads = vec![Stream::Coop, Stream::Motion(self.motion.clone())];
        reads.extend(self.target.map(Stream::Member));
        reads.extend(self.chairs.clone().map(Stream::Assembly));
        reads
    }
    fn counts_members(&self) -> bool {
        true
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, DomainError> {
        let target = self
            .target
            .map(|m| state.member(m).clone())
            .unwrap_or_default();
        state.motion(&self.motion).count(
            &state.coop,
            &target,
            state.members_today,
            state.organ_facts(),
            crate::app::today(),
            self.result.clone(),
        )
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
    let (motion_state, ballots, sealed, electorate, closed_at) =
        runtime.views().aggregates.read(|a| {
            let state = a.motion(motion).state;
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
        });
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
    let mut ballots = ballots;
    ballots.extend(unseal(app, request, sealed).await?);
    let result = motion_state.result(&ballots, electorate, closed_at.get())?;
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
    };
    let counted = execute(app, &count_request, &count).await?;
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

/// Reads sealed votes back from their records, each checked against its event's commitment.
async fn unseal(
    app: &App,
    request: &Request,
    sealed: Vec<(Voter, verbund_domain::PersonalRef)>,
) -> Result<Vec<(Voter, Mark)>, ExecError> {
    let references: Vec<_> = sealed.iter().map(|(_, r)| r.clone()).collect();
    let mut marks = unseal_marks(app, &request.coop, &references).await?;
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

/// The sealed votes behind `references`, by record id: only those whose record is present and
/// matches the commitment its event carries.
pub async fn unseal_marks(
    app: &App,
    log: &verbund_ledger::LogId,
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
                let mark = serde_json::from_str::<Mark>(data).map_err(|e| {
                    LedgerError::Corrupt(format!(
                        "the sealed vote {} cannot be read: {e}",
                        reference.record.as_str()
                    ))
                })?;
                marks.insert(reference.record.as_str().to_owned(), mark);
            }
        }
    }
    Ok(marks)
}
