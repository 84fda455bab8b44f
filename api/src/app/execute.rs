//! The one path of every command: principal → load state → pure decision → append with the
//! expected versions of what was read → retry on conflict → the new position.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use verbund_domain::governance::{Assembly, AssemblyId, Motion, MotionId, Proxies, VoterState};
use verbund_domain::{
    Application, ApplicationId, Change, Cooperative, DomainError, Member, MemberNo, Stream, Token,
};
use verbund_ledger::{
    Actor, CommandId, Commit, Erasure, ExpectedVersion, LedgerError, LogId, NewEvent,
    PersonalRecord, Position, StreamAppend, StreamId, StreamVersion,
};

use crate::app::App;

/// How often a command is decided again after a version conflict before giving up: another
/// command changed what this one read in between. Each retry reads the new state.
const ATTEMPTS_MAX: u32 = 5;

/// A command: which streams its decision reads, and the decision.
pub trait Command: Send + Sync {
    /// The streams the decision depends on: their states come from the `Aggregates`
    /// projection (a token's from `Tokens`), each with its version, which the append checks.
    fn reads(&self) -> Vec<Stream>;
    /// The pure decision.
    fn decide(&self, state: &State) -> Result<Vec<Change>, DomainError>;
    /// Personal data the events refer to, stored with them (outside the chain).
    fn records(&self) -> Vec<PersonalRecord> {
        Vec::new()
    }
    /// True if the decision needs the number of members today (the organ sizes of G9-24),
    /// the regime of multiple votes (G43-3) and who attends the assemblies read (G46):
    /// counting walks every member, so only the commands that need it pay for it.
    fn counts_members(&self) -> bool {
        false
    }
    /// Members the decision looks at without depending on their streams' versions (the
    /// candidates of a delegate election, G43a: too many to guard, and checked again by
    /// nobody's later write); they are in [`State::members`] like the members read.
    fn consults(&self) -> Vec<MemberNo> {
        Vec::new()
    }
}

/// The aggregates a decision may read, as the projections hold them when it is decided.
#[derive(Debug, Default)]
pub struct State {
    /// The `coop` stream.
    pub coop: Cooperative,
    /// The token stream read, if any.
    pub token: Token,
    /// The member streams read.
    pub members: BTreeMap<MemberNo, Member>,
    /// The application streams read.
    pub applications: BTreeMap<ApplicationId, Application>,
    /// The assembly streams read.
    pub assemblies: BTreeMap<AssemblyId, Assembly>,
    /// The motion streams read.
    pub motions: BTreeMap<MotionId, Arc<Motion>>,
    /// The vote streams read: each voter's entry in the electorate, last vote and proxy.
    pub voters: BTreeMap<(MotionId, MemberNo), VoterState>,
    /// The proxies, if read.
    pub proxies: Arc<Proxies>,
    /// The books, if read.
    pub books: Arc<verbund_domain::books::Books>,
    /// The number the next admission takes.
    pub next_member: Option<MemberNo>,
    /// Members today (for the organ sizes of G9-24), if the command asked for the count.
    pub members_today: usize,
    /// The delegates with their rights today (G43a), if the command asked for the count.
    pub delegates_today: usize,
    /// The regime of multiple votes today (G43-3), if the command asked for the count.
    pub regime_today: Option<verbund_domain::governance::Regime>,
    /// For each assembly read, whether every member with their rights today attends it
    /// themself (G46), if the command asked for the count.
    pub all_present: BTreeMap<AssemblyId, bool>,
    /// Investing members on the supervisory board, staying in office (G8-2), if the command
    /// asked for the count.
    pub investing_supervisors: usize,
}

impl State {
    /// A member read (the empty state if the command did not read it or it does not exist).
    pub fn member(&self, member: MemberNo) -> &Member {
        static NONE: std::sync::LazyLock<Member> = std::sync::LazyLock::new(Member::default);
        self.members.get(&member).unwrap_or(&NONE)
    }

    /// What an appointment needs to know of the organs (G8-2), from the counts.
    pub fn organ_facts(&self) -> verbund_domain::OrganFacts {
        verbund_domain::OrganFacts {
            investing_supervisors: self.investing_supervisors,
        }
    }

    /// An assembly read (the empty state if not read or never convened).
    pub fn assembly(&self, id: &AssemblyId) -> Option<&Assembly> {
        self.assemblies.get(id)
    }

    /// A motion read.
    pub fn motion(&self, id: &MotionId) -> &Motion {
        static NONE: std::sync::LazyLock<Motion> = std::sync::LazyLock::new(Motion::default);
        self.motions.get(id).map_or(&NONE, |m| m)
    }

    /// A voter's state on a motion, read with their vote stream.
    pub fn voter(&self, motion: &MotionId, member: MemberNo) -> VoterState {
        self.voters
            .get(&(motion.clone(), member))
            .cloned()
            .unwrap_or_default()
    }

    /// An application read.
    pub fn application(&self, id: &ApplicationId) -> &Application {
        static NONE: std::sync::LazyLock<Application> =
            std::sync::LazyLock::new(Application::default);
        self.applications.get(id).unwrap_or(&NONE)
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
    let _turn = if reads.contains(&Stream::Books) {
        Some(app.books_turn(&request.coop).await)
    } else {
        None
    };
    for attempt in 0..ATTEMPTS_MAX {
        let (state, versions, runtime) = load(
            app,
            &request.coop,
            &reads,
            &command.consults(),
            command.counts_members(),
        )
        .await?;
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
    match text.rsplit_once(':') {
        Some((principal, _)) if verbund_domain::Principal::parse(principal).is_ok() => principal,
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
    streams: &[Stream],
    consulted: &[MemberNo],
    counts_members: bool,
) -> Result<(State, Versions, Arc<verbund_projections::Runtime>), ExecError> {
    let runtime = caught_up(app, log).await?;
    let mut state = State::default();
    let mut versions = Versions::new();
    let today = crate::app::today();
    runtime.views().aggregates.read(|aggregates| {
        state.next_member = Some(aggregates.next_member());
        if counts_members {
            state.members_today = aggregates.members_on(today);
            state.delegates_today = aggregates.delegates_on(today);
            state.regime_today = Some(aggregates.regime_on(today));
            state.investing_supervisors = aggregates.investing_supervisors();
            for stream in streams {
                if let Stream::Assembly(id) = stream {
                    state
                        .all_present
                        .insert(id.clone(), aggregates.all_present(id, today));
                }
            }
        }
        for member in consulted {
            state
                .members
                .insert(*member, aggregates.member(*member).state);
        }
        for stream in streams {
            let version = match stream {
                Stream::Coop => {
                    let coop = aggregates.coop();
                    state.coop = coop.state.clone();
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
                    state.proxies = Arc::clone(&proxies.state);
                    proxies.version
                }
                Stream::Investment(id) => aggregates.investment_version(id),
                Stream::Books => {
                    let books = aggregates.books();
                    state.books = books.state;
                    books.version
                }
            };
            versions.insert(stream.clone(), version);
        }
    });
    for stream in streams {
        if let Stream::Token(token) = stream {
            let token = runtime
                .views()
                .tokens
                .read(|tokens| tokens.aggregate(token));
            state.token = token.state;
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
