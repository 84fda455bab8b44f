//! The one path of every command: principal → load state → pure decision → append with the
//! expected versions of what was read → retry on conflict → the new position.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use verbund_domain::governance::{Assembly, AssemblyId, Motion, MotionId, Proxies, VoterState};
use verbund_domain::{
    Application, ApplicationId, Change, Cooperative, DomainError, Member, MemberNo, Stream, Token,
    TokenId,
};
use verbund_ledger::{
    Actor, CommandId, Commit, Erasure, ExpectedVersion, LedgerError, LogId, NewEvent,
    PersonalRecord, Position, StreamAppend, StreamId, StreamVersion,
};

use crate::app::App;

/// How often a command is decided again after a version conflict before giving up: another
/// command changed what this one read in between. Each retry reads the new state.
const ATTEMPTS_MAX: u32 = 5;

/// A command: what its decision reads, and the decision, side by side in one type. The
/// decision sees only what `reads` declared: asking [`State`] for anything else is an error
/// ([`ExecError::Undeclared`]), so a wrong declaration fails loudly instead of deciding on
/// an empty state that guards nothing.
pub trait Command: Send + Sync {
    /// What the decision depends on ([`Reads`]).
    fn reads(&self) -> Reads;
    /// The pure decision, on the state `reads` declared.
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError>;
    /// Personal data the events refer to, stored with them (outside the chain).
    fn records(&self) -> Vec<PersonalRecord> {
        Vec::new()
    }
}

/// What a decision reads: the streams it depends on (the append checks each at the version
/// read, whether the command writes it or not), the members it only consults, and whether it
/// needs today's [`Counts`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reads {
    streams: Vec<Stream>,
    consulted: Vec<MemberNo>,
    counts: bool,
}

impl Reads {
    /// The streams `streams`.
    pub fn of(streams: impl IntoIterator<Item = Stream>) -> Reads {
        Reads::default().and_all(streams)
    }

    /// And `stream`.
    #[must_use]
    pub fn and(self, stream: Stream) -> Reads {
        self.and_all([stream])
    }

    /// And `streams`; a stream named twice is read once.
    #[must_use]
    pub fn and_all(mut self, streams: impl IntoIterator<Item = Stream>) -> Reads {
        for stream in streams {
            if !self.streams.contains(&stream) {
                self.streams.push(stream);
            }
        }
        self
    }

    /// And the members `members`, looked at without depending on their streams' versions
    /// (the candidates of a delegate election, G43a: too many to guard, and checked again by
    /// nobody's later write).
    #[must_use]
    pub fn consulting(mut self, members: impl IntoIterator<Item = MemberNo>) -> Reads {
        self.consulted.extend(members);
        self
    }

    /// And today's [`Counts`]: counting walks every member, so only the decisions that need
    /// them pay for them.
    #[must_use]
    pub fn counting(mut self) -> Reads {
        self.counts = true;
        self
    }

    /// The streams declared.
    pub fn streams(&self) -> &[Stream] {
        &self.streams
    }
}

/// Facts about all members today that the application counts for a decision which declared
/// [`Reads::counting`]; the decision passes them to the domain as arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counts {
    /// Members with their rights (the organ sizes of G9-24, a minority's demand of G45).
    pub members: usize,
    /// Delegates with their rights (G43a).
    pub delegates: usize,
    /// The regime of multiple votes (G43-3).
    pub regime: verbund_domain::governance::Regime,
    /// Investing members on the supervisory board, staying in office (G8-2).
    pub investing_supervisors: usize,
    /// For each assembly read, whether every member with their rights attends it themself
    /// (G46).
    all_present: BTreeMap<AssemblyId, bool>,
}

impl Counts {
    /// What an appointment needs to know of the organs (G8-2).
    pub fn organ_facts(&self) -> verbund_domain::OrganFacts {
        verbund_domain::OrganFacts {
            investing_supervisors: self.investing_supervisors,
        }
    }

    /// What convening or adding an item needs to know of the members (G45, G43a).
    pub fn member_counts(&self) -> verbund_domain::governance::MemberCounts {
        verbund_domain::governance::MemberCounts {
            members: self.members,
            delegates_in_office: self.delegates,
        }
    }

    /// Whether every member with their rights attends `assembly` themself (G46); the
    /// assembly must be among the streams read.
    pub fn all_present(&self, assembly: &AssemblyId) -> Result<bool, ExecError> {
        self.all_present
            .get(assembly)
            .copied()
            .ok_or_else(|| ExecError::undeclared(format!("the attendance of assembly {assembly}")))
    }
}

/// The state a decision reads, as the projections hold it when it is decided: exactly what
/// its command's [`Reads`] declared, each stream's state the empty one if it does not exist
/// yet.
#[derive(Debug, Default)]
pub struct State {
    coop: Option<Cooperative>,
    tokens: BTreeMap<TokenId, Token>,
    members: BTreeMap<MemberNo, Member>,
    applications: BTreeMap<ApplicationId, Application>,
    assemblies: BTreeMap<AssemblyId, Assembly>,
    motions: BTreeMap<MotionId, Arc<Motion>>,
    voters: BTreeMap<(MotionId, MemberNo), VoterState>,
    proxies: Option<Arc<Proxies>>,
    books: Option<Arc<verbund_domain::books::Books>>,
    next_member: Option<MemberNo>,
    counts: Option<Counts>,
}

impl State {
    /// The cooperative.
    pub fn coop(&self) -> Result<&Cooperative, ExecError> {
        self.coop
            .as_ref()
            .ok_or_else(|| ExecError::undeclared("the cooperative"))
    }

    /// A member read or consulted.
    pub fn member(&self, member: MemberNo) -> Result<&Member, ExecError> {
        self.members
            .get(&member)
            .ok_or_else(|| ExecError::undeclared(format!("member {member}")))
    }

    /// An application read.
    pub fn application(&self, id: &ApplicationId) -> Result<&Application, ExecError> {
        self.applications
            .get(id)
            .ok_or_else(|| ExecError::undeclared(format!("application {id}")))
    }

    /// An assembly read (the empty state if never convened).
    pub fn assembly(&self, id: &AssemblyId) -> Result<&Assembly, ExecError> {
        self.assemblies
            .get(id)
            .ok_or_else(|| ExecError::undeclared(format!("assembly {id}")))
    }

    /// A motion read.
    pub fn motion(&self, id: &MotionId) -> Result<&Motion, ExecError> {
        self.motions
            .get(id)
            .map(|m| &**m)
            .ok_or_else(|| ExecError::undeclared(format!("motion {id}")))
    }

    /// A voter's state on a motion, read with their vote stream.
    pub fn voter(&self, motion: &MotionId, member: MemberNo) -> Result<&VoterState, ExecError> {
        self.voters.get(&(motion.clone(), member)).ok_or_else(|| {
            ExecError::undeclared(format!("the vote of member {member} on {motion}"))
        })
    }

    /// The proxies.
    pub fn proxies(&self) -> Result<&Proxies, ExecError> {
        self.proxies
            .as_deref()
            .ok_or_else(|| ExecError::undeclared("the proxies"))
    }

    /// The books.
    pub fn books(&self) -> Result<&verbund_domain::books::Books, ExecError> {
        self.books
            .as_deref()
            .ok_or_else(|| ExecError::undeclared("the books"))
    }

    /// A token read.
    pub fn token(&self, token: &TokenId) -> Result<&Token, ExecError> {
        self.tokens
            .get(token)
            .ok_or_else(|| ExecError::undeclared(format!("token {token}")))
    }

    /// Today's counts.
    pub fn counts(&self) -> Result<&Counts, ExecError> {
        self.counts
            .as_ref()
            .ok_or_else(|| ExecError::undeclared("the counts of today"))
    }

    /// The number the next admission takes.
    pub fn next_member(&self) -> Result<MemberNo, DomainError> {
        self.next_member.ok_or_else(|| {
            DomainError::conflict("member-number-unknown", "no member number is free")
        })
    }
}

/// Who asks, and how the request is identified.
#[derive(Clone, Debug)]
pub struct Request {
    /// The cooperative.
    pub coop: LogId,
    /// The principal, as recorded with the events.
    pub actor: Actor,
    /// The client's idempotency key, if it sent one.
    pub key: Option<String>,
    /// A digest of the request (route and body): a repeated key must come with the same one.
    pub digest: [u8; 32],
}

/// The result of a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Executed {
    /// The position of its first event.
    pub first: Position,
    /// The position of its last event: pass it to a read to see this write.
    pub last: Position,
    /// True if this answers a repeated request with the original result.
    pub replayed: bool,
}

/// Why a command was not executed.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The domain refused it.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The idempotency key was used before for another request.
    #[error("the idempotency key was used before with another request")]
    KeyReused,
    /// The idempotency key is malformed.
    #[error("the idempotency key must be 1 to 64 letters, digits, '-', '_', '.' or ':'")]
    KeyMalformed,
    /// Other commands kept changing the state this one read.
    #[error("the state kept changing under this command; try again")]
    Contention,
    /// The log failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A stored event could not be read back.
    #[error("a stored event cannot be read: {0}")]
    Decode(#[from] verbund_domain::DecodeError),
    /// The projections the decision loads from failed or lag too far behind.
    #[error(transparent)]
    Projection(#[from] verbund_projections::ProjectionError),
    /// The cooperative's projections could not be started.
    #[error("the cooperative's projections cannot start: {0}")]
    Start(String),
    /// A ballot's key could not be created, read or destroyed (W1).
    #[error(transparent)]
    BallotKey(#[from] crate::app::ballot_keys::KeyError),
    /// A decision asked for state its command did not declare in [`Command::reads`]: a
    /// defect of the command, never of the request.
    #[error("the decision read {0}, which its command did not declare")]
    Undeclared(String),
}

impl ExecError {
    fn undeclared(what: impl Into<String>) -> ExecError {
        ExecError::Undeclared(what.into())
    }
}

/// Executes `command` for `request`.
pub async fn execute(
    app: &App,
    request: &Request,
    command: &dyn Command,
) -> Result<Executed, ExecError> {
    let ledger = app.ledger();
    let command_id = command_id(request)?;
    // A repeated request is answered from the log, before deciding: deciding again on today's
    // state could refuse what succeeded the first time. (A request without a key has a fresh
    // id: nothing to look up.)
    let earlier = match request.key {
        Some(_) => ledger.find_command(&request.coop, &command_id).await?,
        None => None,
    };
    if let Some(record) = earlier {
        return if record.is_request(requester(&request.actor), &request.digest) {
            Ok(Executed {
                first: record.first_position,
                last: record.last_position,
                replayed: true,
            })
        } else {
            Err(ExecError::KeyReused)
        };
    }
    let reads = command.reads();
    // The commands on the books all write its one stream: decided side by side they would
    // fail each other (only one of a batch can land), so in this process they take turns,
    // each deciding on the state its predecessor left. (Another process's write still
    // surfaces as a conflict, decided again below.)
    let _turn = if reads.streams.contains(&Stream::Books) {
        Some(app.books_turn(&request.coop).await)
    } else {
        None
    };
    for attempt in 0..ATTEMPTS_MAX {
        let (state, versions, runtime) = load(app, &request.coop, &reads).await?;
        let changes = command.decide(&state)?;
        check_books_range(&runtime, &changes)?;
        let erasures = erasures(&changes)?;
        let appends = appends(changes, &versions)?;
        let guards = guards(&appends, &versions);
        let erased: Vec<String> = erasures.iter().map(|e| e.id().to_owned()).collect();
        let commit = Commit::new(command_id.clone(), request.actor.clone(), None, appends)?
            .guarding(guards)?
            .identified_by_request(requester(&request.actor), request.digest)
            .with_records(command.records())?
            .erasing(erasures)?;
        match ledger.append(&request.coop, commit).await {
            Ok(committed) => {
                app.people_cache()
                    .forget(&request.coop, erased.iter().map(String::as_str));
                return Ok(Executed {
                    first: committed.first_position,
                    last: committed.last_position,
                    replayed: committed.replayed,
                });
            }
            Err(LedgerError::Conflict { .. }) => {
                // Someone else changed a stream this decision read: decide again on the new
                // state, after a short pause that grows with each attempt.
                tokio::time::sleep(Duration::from_millis(u64::from(attempt))).await;
                catch_up(app, &request.coop).await?;
            }
            Err(LedgerError::IdempotencyMismatch(_)) => return Err(ExecError::KeyReused),
            Err(e) => return Err(e.into()),
        }
    }
    Err(ExecError::Contention)
}

/// Who asked, as idempotency keys are scoped: the actor's principal without the token that
/// acted (`member:7:3f2a…` → `member:7`, `admin:9c1d…` → `admin`; `cli:demo` stays whole),
/// so that a retry under another token of the same principal is still the same request.
fn requester(actor: &Actor) -> &str {
    let text = actor.as_str();
    // A person acting for a member: `person:ID:member:N`, the pair scoping their requests.
    let acting = |scope: &str| {
        scope
            .split_once(":member:")
            .is_some_and(|(person, member)| {
                verbund_domain::Principal::parse(person).is_ok() && MemberNo::parse(member).is_ok()
            })
    };
    match text.rsplit_once(':') {
        Some((scope, _)) if verbund_domain::Principal::parse(scope).is_ok() || acting(scope) => {
            scope
        }
        _ => text,
    }
}

/// The ledger's command id: the client's key scoped to its principal (two principals may pick
/// the same key, one principal's tokens share them), or a fresh time-ordered random id.
fn command_id(request: &Request) -> Result<CommandId, ExecError> {
    let id = match &request.key {
        Some(key) => {
            let valid = !key.is_empty()
                && key.len() <= 64
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
            if !valid {
                return Err(ExecError::KeyMalformed);
            }
            format!("{}:{key}", requester(&request.actor))
        }
        // Time first, so that ids of one moment sort together and the ledger's command index
        // takes them at its end instead of at a random page each; then 64 random bits drawn
        // once per process and a counter, so ids never repeat and cost no system call.
        None => {
            static PROCESS: std::sync::LazyLock<String> =
                std::sync::LazyLock::new(|| crate::app::tokens::random_hex(8));
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            format!(
                "auto:{:016x}{}{:x}",
                jiff::Timestamp::now().as_microsecond(),
                *PROCESS,
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            )
        }
    };
    CommandId::parse(id).map_err(|_| ExecError::KeyMalformed)
}

type Versions = BTreeMap<Stream, Option<StreamVersion>>;

/// How long a command waits for the projections to reach what this process knows of the log.
const LOAD_WAIT: Duration = Duration::from_secs(10);

/// Takes the states a decision needs from the cooperative's aggregates (a token's from the
/// tokens' projection), each with its stream's version, once the projections reached the head this process knows (its own writes at
/// least). Another process's newer write to a stream the command writes surfaces as a
/// version conflict at the append, and the command is decided again.
async fn load(
    app: &App,
    log: &LogId,
    reads: &Reads,
) -> Result<(State, Versions, Arc<verbund_projections::Runtime>), ExecError> {
    let runtime = caught_up(app, log).await?;
    let mut state = State::default();
    let mut versions = Versions::new();
    let today = crate::app::today();
    let streams = &reads.streams;
    runtime.views().aggregates.read(|aggregates| {
        state.next_member = Some(aggregates.next_member());
        if reads.counts {
            let all_present = streams
                .iter()
                .filter_map(|stream| match stream {
                    Stream::Assembly(id) => Some((id.clone(), aggregates.all_present(id, today))),
                    _ => None,
                })
                .collect();
            state.counts = Some(Counts {
                members: aggregates.members_on(today),
                delegates: aggregates.delegates_on(today),
                regime: aggregates.regime_on(today),
                investing_supervisors: aggregates.investing_supervisors(),
                all_present,
            });
        }
        for member in &reads.consulted {
            state
                .members
                .insert(*member, aggregates.member(*member).state);
        }
        for stream in streams {
            let version = match stream {
                Stream::Coop => {
                    let coop = aggregates.coop();
                    state.coop = Some(coop.state.clone());
                    coop.version
                }
                // From the tokens' projection, below, outside this lock.
                Stream::Token(_) => continue,
                Stream::Member(no) => {
                    let member = aggregates.member(*no);
                    state.members.insert(*no, member.state);
                    member.version
                }
                Stream::Application(id) => {
                    let application = aggregates.application(id);
                    state.applications.insert(id.clone(), application.state);
                    application.version
                }
                Stream::Assembly(id) => {
                    let assembly = aggregates.assembly(id);
                    state.assemblies.insert(id.clone(), assembly.state);
                    assembly.version
                }
                Stream::Motion(id) => {
                    let motion = aggregates.motion(id);
                    state.motions.insert(id.clone(), motion.state);
                    motion.version
                }
                Stream::Vote(motion, member) => {
                    let ballot = aggregates.ballot(motion);
                    let vote = ballot.map(|b| b.vote(*member)).unwrap_or_default();
                    let voter = VoterState {
                        voter: ballot.and_then(|b| b.voter(*member)),
                        vote: vote.state,
                        proxy: aggregates.proxies().state.proxy_of(*member),
                    };
                    state.voters.insert((motion.clone(), *member), voter);
                    vote.version
                }
                Stream::Proxies => {
                    let proxies = aggregates.proxies();
                    state.proxies = Some(Arc::clone(&proxies.state));
                    proxies.version
                }
                Stream::Investment(id) => aggregates.investment_version(id),
                Stream::Books => {
                    let books = aggregates.books();
                    state.books = Some(books.state);
                    books.version
                }
            };
            versions.insert(stream.clone(), version);
        }
    });
    for stream in streams {
        if let Stream::Token(id) = stream {
            let token = runtime.views().tokens.read(|tokens| tokens.aggregate(id));
            state.tokens.insert(id.clone(), token.state);
            versions.insert(stream.clone(), token.version);
        }
    }
    Ok((state, versions, runtime))
}

/// The personal records the decided events erase (a rejected applicant's, G15; a former
/// member's, G30): taken from the events, which name them, so the chain and the erasure in
/// the same commit say the same.
fn erasures(changes: &[Change]) -> Result<Vec<Erasure>, LedgerError> {
    let mut erasures = Vec::new();
    for change in changes {
        let (records, reason) = change.event.erased_records();
        for record in records {
            erasures.push(Erasure::new(record.as_str(), reason)?);
        }
    }
    Ok(erasures)
}

/// A1: a decision that books is checked against the books' volume before anything is written
/// (`books::check_volume`), so that no balance or report of the books ever leaves the range an
/// amount holds. One check for every command, whichever aggregate decided it; a decision
/// that books nothing (a vote) does not look at the books.
fn check_books_range(
    runtime: &verbund_projections::Runtime,
    changes: &[Change],
) -> Result<(), DomainError> {
    let events: Vec<&verbund_domain::Event> = changes
        .iter()
        .map(|c| &c.event)
        .filter(|e| verbund_domain::books::moves_money(e))
        .collect();
    if events.is_empty() {
        return Ok(());
    }
    let (volume, added) = runtime
        .views()
        .journal
        .read(|journal| (journal.volume(), journal.debits_of(events.iter().copied())));
    verbund_domain::books::check_volume(volume, added)
}

/// The cooperative's projections, caught up with the head this process knows (its own writes
/// at least).
pub async fn caught_up(
    app: &App,
    log: &LogId,
) -> Result<Arc<verbund_projections::Runtime>, ExecError> {
    let runtime = app
        .coop(log)
        .await
        .map_err(|e| ExecError::Start(format!("{e:#}")))?
        .ok_or_else(|| LedgerError::UnknownLog(log.clone()))?;
    if let Some(head) = app.ledger().known_head(log) {
        runtime.wait_for(head, LOAD_WAIT).await?;
    }
    Ok(runtime)
}

/// After a version conflict: the projections catch up with the database's head before the
/// command is decided again.
async fn catch_up(app: &App, log: &LogId) -> Result<(), ExecError> {
    let head = app.ledger().head(log).await?.position;
    if let Some(runtime) = app
        .coop(log)
        .await
        .map_err(|e| ExecError::Start(format!("{e:#}")))?
    {
        runtime.wait_for(head, LOAD_WAIT).await?;
    }
    Ok(())
}

/// Groups a decision's changes by stream, in order, each with the version it was decided on:
/// exactly the version read, or "no stream" for a stream the decision creates.
fn appends(changes: Vec<Change>, versions: &Versions) -> Result<Vec<StreamAppend>, ExecError> {
    let mut order: Vec<Stream> = Vec::new();
    let mut events: BTreeMap<Stream, Vec<NewEvent>> = BTreeMap::new();
    for change in changes {
        if !events.contains_key(&change.stream) {
            order.push(change.stream.clone());
        }
        let event = NewEvent::json(
            change.event.event_type(),
            change.event.schema_version(),
            &change.event.to_json(),
        )?;
        events.entry(change.stream).or_default().push(event);
    }
    Ok(order
        .into_iter()
        .map(|stream| {
            let expected = match versions.get(&stream).copied().flatten() {
                Some(version) => ExpectedVersion::Exact(version),
                None => ExpectedVersion::NoStream,
            };
            let events = events.remove(&stream).unwrap_or_default();
            StreamAppend::new(stream_id(&stream), expected, events)
        })
        .collect())
}

/// The streams a decision read but does not write, each at the version it was read: the
/// commit lands only if none changed in between (no decision on stale state, also where it
/// only read).
fn guards(appends: &[StreamAppend], versions: &Versions) -> Vec<(StreamId, ExpectedVersion)> {
    versions
        .iter()
        .map(|(stream, version)| (stream_id(stream), *version))
        .filter(|(id, _)| !appends.iter().any(|a| a.stream() == id))
        .map(|(id, version)| {
            let expected = version.map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact);
            (id, expected)
        })
        .collect()
}

/// The ledger's name of a domain stream.
pub fn stream_id(stream: &Stream) -> StreamId {
    StreamId::parse(stream.to_string()).expect("domain stream names are valid stream ids")
}

#[cfg(test)]
mod tests {
    use verbund_domain::{MemberNo, Stream};
    use verbund_ledger::scratch::ScratchDatabase;

    use super::*;
    use crate::testing::BulkCoop;

    /// Declares the cooperative but decides on a member it never declared.
    struct ReadsAnUndeclaredMember;

    impl Command for ReadsAnUndeclaredMember {
        fn reads(&self) -> Reads {
            Reads::of([Stream::Coop])
        }
        fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
            let member = MemberNo::new(2).expect("not zero");
            let coop = state.coop()?;
            Ok(state.member(member)?.subscribe(
                coop,
                verbund_domain::Subscribe {
                    shares: 1,
                    subscribed_on: crate::app::today(),
                    today: crate::app::today(),
                },
            )?)
        }
    }

    /// Issue 25, point 1: a decision that reads a stream its command did not declare is an
    /// error, not a decision on an empty state that guards nothing; nothing is written.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_decision_reading_an_undeclared_stream_fails_and_writes_nothing() {
        let db = ScratchDatabase::sqlite().expect("a scratch file");
        let coop = BulkCoop::create(db.url(), 6).await.expect("created");
        let before = coop.app.ledger().head(&coop.log).await.expect("head");
        let error = execute(&coop.app, &coop.board, &ReadsAnUndeclaredMember)
            .await
            .expect_err("member 2 was not declared");
        assert!(
            matches!(&error, ExecError::Undeclared(what) if what == "member 2"),
            "{error:?}"
        );
        let after = coop.app.ledger().head(&coop.log).await.expect("head");
        assert_eq!(before.position, after.position, "nothing was written");
        db.remove().await.expect("removed");
    }

    /// Issue 25, point 1: every part of the state answers only when declared.
    #[test]
    fn nothing_undeclared_is_read_from_the_state() {
        let state = State::default();
        let member = MemberNo::new(1).expect("not zero");
        let motion = MotionId::parse("m1").expect("an id");
        let assembly = AssemblyId::parse("a1").expect("an id");
        let application = ApplicationId::parse("p1").expect("an id");
        let undeclared = [
            state.coop().err(),
            state.member(member).err(),
            state.application(&application).err(),
            state.assembly(&assembly).err(),
            state.motion(&motion).err(),
            state.voter(&motion, member).err(),
            state.proxies().err(),
            state.books().err(),
            state.token(&TokenId::parse("t1").expect("valid")).err(),
            state.counts().err(),
        ];
        for error in undeclared {
            assert!(matches!(error, Some(ExecError::Undeclared(_))), "{error:?}");
        }
    }

    /// The declaration lists each stream once, in the order named.
    #[test]
    fn reads_name_each_stream_once() {
        let one = MemberNo::new(1).expect("not zero");
        let reads = Reads::of([Stream::Coop, Stream::Member(one)])
            .and(Stream::Coop)
            .and_all([Stream::Books, Stream::Member(one)]);
        assert_eq!(
            reads.streams(),
            [Stream::Coop, Stream::Member(one), Stream::Books]
        );
    }
}
