//! The application benchmarks of `verbund bench`:
//!
//! - `bench http`: the real server under `wrk` on loopback: a write (a member's vote, the
//!   busiest write there is), a read (a member's own record, with a token), and in the same run
//!   a bare axum endpoint as the ceiling of the HTTP stack, and `/healthz` (every layer of the
//!   server, no route work of its own). Load generator and server share the machine's cores;
//!   each run also tells the server's CPU time per request (this process's, wrk's excluded).
//! - `bench rebuild`: folding every projection of a large log from position 1, against a plain
//!   read of the same log, a read that decodes every event, and each projection folded alone
//!   from events decoded in memory.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use verbund_api::say;

use anyhow::{Context as _, bail};
use verbund_domain::{MemberNo, Principal};
use verbund_ledger::{Actor, CommandId, Commit, ExpectedVersion, LogId, NewEvent, Position};
use verbund_projections::{Runtime, RuntimeOptions};

use crate::common::{Load, Scratch, Target, Tuning, median, process_cpu_seconds, run_wrk, which};
use verbund_api::app;

#[derive(Debug, clap::Args)]
pub struct HttpArgs {
    #[command(flatten)]
    target: Target,
    /// Open connections of the load generator.
    #[arg(long, default_value_t = 64)]
    connections: u32,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Measurements per endpoint; the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Members of the cooperative, each with a token of their own (the voters).
    #[arg(long, default_value_t = 100_000)]
    members: u32,
    #[command(flatten)]
    tuning: Tuning,
}

#[derive(Debug, clap::Args)]
pub struct RebuildArgs {
    #[command(flatten)]
    target: Target,
    /// Events in the log.
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Measurements; the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Keep transparent huge pages on (as `verbund serve` does), to measure what turning them
    /// off buys the rebuild.
    #[arg(long)]
    pub keep_huge_pages: bool,
    #[command(flatten)]
    tuning: Tuning,
}

pub async fn http(args: HttpArgs) -> anyhow::Result<ExitCode> {
    let wrk = which("wrk").context("bench http drives the server with wrk: apt-get install wrk")?;
    let scratch = Scratch::create(&args.target).await?;
    let result = http_on(&scratch, &args, &wrk).await;
    scratch.remove().await?;
    result
}

async fn http_on(scratch: &Scratch, args: &HttpArgs, wrk: &str) -> anyhow::Result<ExitCode> {
    // The busiest write is a vote: a cooperative whose members each hold a token, and one
    // ballot per run, each member voting once (again if the load generator comes round).
    let coop =
        crate::votes::VotingCoop::create(args.tuning.config(&scratch.url), args.members).await?;
    let app = coop.app.clone();
    let member = coop.secret(MemberNo::new(5).expect("not zero")).to_owned();

    let server = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let server_address = server.local_addr()?;
    let router = verbund_api::http::router(app.clone());
    let served = tokio::spawn({
        let router = router.clone();
        async move { axum::serve(server, router).await }
    });
    let bare = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare_address = bare.local_addr()?;
    let bare_router = axum::Router::new().route("/bare", axum::routing::get(|| async { "ok" }));
    let bare_served = tokio::spawn({
        let bare_router = bare_router.clone();
        async move { axum::serve(bare, bare_router).await }
    });

    let url = |address: SocketAddr, path: &str| format!("http://{address}{path}");
    let mut endpoints: Vec<(&str, String, Vec<String>)> = vec![
        ("bare axum (ceiling)", url(bare_address, "/bare"), vec![]),
        // Every layer of the server and no work of a route's own: what the stack costs.
        (
            "stack: GET /healthz",
            url(server_address, "/healthz"),
            vec![],
        ),
        (
            "read: GET /v1/coops/{coop}/members/{member}",
            url(server_address, "/v1/coops/bench-eg/members/5"),
            vec!["-H".into(), format!("Authorization: Bearer {member}")],
        ),
    ];
    let write = "write: POST /v1/coops/{coop}/motions/{motion}/votes";
    say!(
        "bench http on {}: {} connections, {} s per run, {} runs, wrk with 2 threads on the same 2 cores",
        scratch.name(),
        args.connections,
        args.seconds,
        args.runs
    );
    endpoints.push((write, url(server_address, "/"), Vec::new()));
    // The application's own work per request, apart from sockets, the kernel and the load
    // generator (whose share swings with the machine): each request handed to the router
    // in turn on this task.
    let member_path = "/v1/coops/bench-eg/members/5";
    let own = [
        (
            "bare axum",
            in_process_us(&bare_router, "/bare", None).await?,
        ),
        (
            "stack: GET /healthz",
            in_process_us(&router, "/healthz", None).await?,
        ),
        (
            "read",
            in_process_us(&router, member_path, Some(&member)).await?,
        ),
    ];
    say!(
        "  in process, without sockets (median of {IN_PROCESS_ROUNDS} rounds of {IN_PROCESS_REQUESTS} requests): {}",
        own.iter()
            .map(|(name, us)| format!("{name} {us:.2} µs"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut results: Vec<Vec<Load>> = vec![Vec::new(); endpoints.len()];
    for run in 1..=args.runs {
        // A ballot of its own for each run's votes.
        let motion = coop
            .open_motion(&format!("Joint marketing, round {run}"))
            .await?;
        let script = coop.vote_script(&motion)?;
        for (i, (name, url, extra)) in endpoints.iter().enumerate() {
            let extra = if *name == write {
                vec!["-s".into(), script.path().display().to_string()]
            } else {
                extra.clone()
            };
            let load = run_wrk(wrk, url, &extra, args.connections, args.seconds).await?;
            say!(
                "  run {run} {name}: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms{}{}",
                load.requests_per_s,
                load.p50_ms,
                load.p99_ms,
                load.cpu_text(),
                load.errors_text(),
            );
            results[i].push(load);
        }
    }
    say!("\nMedians:");
    let ceiling = median(results[0].iter().map(|l| l.requests_per_s).collect());
    for ((name, _, _), loads) in endpoints.iter().zip(&results) {
        let rps = median(loads.iter().map(|l| l.requests_per_s).collect());
        let cpu: Vec<f64> = loads.iter().filter_map(|l| l.server_cpu_us).collect();
        say!(
            "  {name:<45} {rps:>9.0} requests/s  p50 {:>6.2} ms  p99 {:>6.2} ms  {:>5.1}% of bare{}",
            median(loads.iter().map(|l| l.p50_ms).collect()),
            median(loads.iter().map(|l| l.p99_ms).collect()),
            100.0 * rps / ceiling,
            if cpu.is_empty() {
                String::new()
            } else {
                format!("  {:>5.1} µs server CPU", median(cpu))
            }
        );
    }
    served.abort();
    bare_served.abort();
    drop(coop);
    app.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Requests per round of [`in_process_us`].
const IN_PROCESS_REQUESTS: u32 = 20_000;
/// Rounds of [`in_process_us`]; the median is reported.
const IN_PROCESS_ROUNDS: usize = 5;

/// Microseconds per `GET path` handed to `router` directly, one request after the other on
/// this task, the answer's body read whole (median of [`IN_PROCESS_ROUNDS`] rounds, after one
/// round of warming up).
async fn in_process_us(
    router: &axum::Router,
    path: &str,
    token: Option<&str>,
) -> anyhow::Result<f64> {
    use tower_service::Service as _;
    let mut router = router.clone();
    let authorization = token
        .map(|token| axum::http::HeaderValue::try_from(format!("Bearer {token}")))
        .transpose()?;
    let mut rounds = Vec::with_capacity(IN_PROCESS_ROUNDS);
    for round in 0..=IN_PROCESS_ROUNDS {
        let started = Instant::now();
        for _ in 0..IN_PROCESS_REQUESTS {
            let mut request = axum::http::Request::get(path);
            if let Some(authorization) = &authorization {
                request = request.header(axum::http::header::AUTHORIZATION, authorization);
            }
            let response = router
                .call(request.body(axum::body::Body::empty())?)
                .await?;
            anyhow::ensure!(
                response.status().is_success(),
                "GET {path} answered {}",
                response.status()
            );
            axum::body::to_bytes(response.into_body(), usize::MAX).await?;
        }
        if round > 0 {
            rounds.push(started.elapsed().as_secs_f64() * 1e6 / f64::from(IN_PROCESS_REQUESTS));
        }
    }
    Ok(median(rounds))
}

pub async fn rebuild(args: RebuildArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.events > 0 && args.runs > 0,
        "events and runs must be positive"
    );
    let scratch = Scratch::create(&args.target).await?;
    let result = rebuild_on(&scratch, &args).await;
    scratch.remove().await?;
    result
}

async fn rebuild_on(scratch: &Scratch, args: &RebuildArgs) -> anyhow::Result<ExitCode> {
    let ledger =
        verbund_ledger::Ledger::open(&scratch.url, verbund_ledger::LedgerOptions::default())
            .await?;
    let log = LogId::parse("bench-eg")?;
    ledger.create_log(&log).await?;
    say!(
        "bench rebuild on {}: filling a log with {} events (member admissions, token issues and revocations)",
        scratch.name(),
        args.events
    );
    let started = Instant::now();
    fill(&ledger, &log, args.events).await?;
    say!("  filled in {:.1} s", started.elapsed().as_secs_f64());
    #[cfg(target_os = "linux")]
    if rustix::thread::transparent_huge_pages_are_disabled().unwrap_or(false) {
        say!("  transparent huge pages off for this process, as for `verbund rebuild`");
    }
    let head = ledger.head(&log).await?.position;
    let (mut folds, mut reads, mut decodes) = (Vec::new(), Vec::new(), Vec::new());
    for run in 1..=args.runs {
        let started = Instant::now();
        let mut next = Position::FIRST;
        while next <= head {
            let page = ledger.read_log(&log, next, 10_000).await?;
            let Some(last) = page.last() else { break };
            next = last.position.next();
        }
        let read = head.get() as f64 / started.elapsed().as_secs_f64();
        let started = Instant::now();
        read_decoded(&ledger, &log, head, drop).await?;
        let decoded = head.get() as f64 / started.elapsed().as_secs_f64();
        let started = Instant::now();
        let cpu = process_cpu_seconds();
        // As `verbund rebuild` folds.
        let runtime = Runtime::start(
            ledger.clone(),
            None,
            log.clone(),
            args.tuning.runtime(RuntimeOptions::offline()),
        )
        .await?;
        runtime.wait_for(head, Duration::from_secs(3_600)).await?;
        let seconds = started.elapsed().as_secs_f64();
        let cores = process_cpu_seconds()
            .zip(cpu)
            .map(|(after, before)| (after - before) / seconds);
        let fold = head.get() as f64 / seconds;
        runtime.stop().await;
        say!(
            "  run {run}: rebuild {fold:.0} events/s{}; plain read {read:.0} events/s; read and decoded {decoded:.0} events/s",
            cores.map_or(String::new(), |cores| format!(" ({cores:.2} cores busy)"))
        );
        folds.push(fold);
        reads.push(read);
        decodes.push(decoded);
    }
    let (fold, read, decoded) = (median(folds), median(reads), median(decodes));
    say!(
        "\nMedian: rebuild of all projections {fold:.0} events/s; plain read of the log {read:.0} events/s ({:.0}% of it); read and decoded without folding {decoded:.0} events/s",
        100.0 * fold / read
    );
    fold_only(&ledger, &log, head, args.runs).await?;
    ledger.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Reads `log` up to `head` in pages of 10,000 events decoded for the projections, handing
/// each page to `each`.
async fn read_decoded(
    ledger: &verbund_ledger::Ledger,
    log: &LogId,
    head: Position,
    mut each: impl FnMut(Vec<verbund_projections::Envelope>),
) -> anyhow::Result<()> {
    let mut next = Position::FIRST;
    while next <= head {
        let page = ledger
            .read_log_decoded(
                log,
                next,
                10_000,
                verbund_projections::Envelope::decode_view,
            )
            .await?;
        if let Some(error) = page.error {
            bail!("an event of the benchmark's log does not decode: {error}");
        }
        let Some(last) = page.events.last() else {
            break;
        };
        next = last.position.next();
        each(page.events);
    }
    Ok(())
}

/// What folding alone costs: the whole log decoded into memory once, then each projection folded
/// from it on its own (median of `runs`), so the rebuild's figure can be read against its two
/// halves: the reader (read and decoded, above) and the folds (here).
async fn fold_only(
    ledger: &verbund_ledger::Ledger,
    log: &LogId,
    head: Position,
    runs: usize,
) -> anyhow::Result<()> {
    use verbund_projections::{
        Aggregates, Envelope, Folded, Journal, Projection, Register, Tokens,
    };

    fn time<P: Projection>(envelopes: &[Envelope], runs: usize) -> f64 {
        let mut seconds = Vec::new();
        for _ in 0..runs {
            let started = Instant::now();
            let mut folded = Folded::<P>::default();
            for envelope in envelopes {
                folded.apply(envelope);
            }
            seconds.push(started.elapsed().as_secs_f64());
            drop(std::hint::black_box(folded));
        }
        median(seconds)
    }

    let mut envelopes = Vec::new();
    read_decoded(ledger, log, head, |page| envelopes.extend(page)).await?;
    let events = envelopes.len() as f64;
    let timed = tokio::task::spawn_blocking(move || {
        [
            (Register::NAME, time::<Register>(&envelopes, runs)),
            (Tokens::NAME, time::<Tokens>(&envelopes, runs)),
            (Aggregates::NAME, time::<Aggregates>(&envelopes, runs)),
            (Journal::NAME, time::<Journal>(&envelopes, runs)),
        ]
    })
    .await?;
    let total: f64 = timed.iter().map(|(_, seconds)| seconds).sum();
    let each = timed
        .iter()
        .map(|(name, seconds)| format!("{name} {:.2} µs", seconds * 1e6 / events))
        .collect::<Vec<_>>()
        .join(", ");
    say!(
        "Folding alone, from decoded events in memory (median of {runs}): {:.2} µs per event for all projections ({:.0} events/s on one core): {each}",
        total * 1e6 / events,
        events / total
    );
    Ok(())
}

/// Fills `log` with `events` domain events, each on the stream it belongs to, so that every
/// projection folds them as it would real ones: per ten events one member admission and five
/// tokens, four of them revoked again.
async fn fill(ledger: &verbund_ledger::Ledger, log: &LogId, events: u64) -> anyhow::Result<()> {
    // Three groups of ten events on 18 streams: within an append's limit of 32 streams.
    const GROUPS_PER_COMMIT: u64 = 3;
    let groups = events.div_ceil(10);
    let mut group = 0;
    while group < groups {
        let changes: Vec<verbund_domain::Change> = (group..(group + GROUPS_PER_COMMIT).min(groups))
            .flat_map(fill_group)
            .collect();
        let mut streams: Vec<verbund_ledger::StreamAppend> = Vec::new();
        let mut current: Option<(verbund_domain::Stream, Vec<NewEvent>)> = None;
        for change in changes {
            let event = NewEvent::json(
                change.event.event_type(),
                change.event.schema_version(),
                &change.event.to_json(),
            )?;
            match &mut current {
                Some((stream, events)) if *stream == change.stream => events.push(event),
                _ => {
                    if let Some((stream, events)) = current.take() {
                        streams.push(new_stream(&stream, events));
                    }
                    current = Some((change.stream, vec![event]));
                }
            }
        }
        if let Some((stream, events)) = current {
            streams.push(new_stream(&stream, events));
        }
        let commit = Commit::new(
            CommandId::parse(format!("fill-{group}"))?,
            Actor::parse("cli:bench")?,
            None,
            streams,
        )?;
        ledger.append(log, commit).await?;
        group += GROUPS_PER_COMMIT;
    }
    Ok(())
}

fn new_stream(
    stream: &verbund_domain::Stream,
    events: Vec<NewEvent>,
) -> verbund_ledger::StreamAppend {
    verbund_ledger::StreamAppend::new(app::stream_id(stream), ExpectedVersion::NoStream, events)
}

/// Ten events of group `g`, in stream order: member `g + 1` admitted; tokens `g-1` … `g-5`
/// issued, `g-2` … `g-5` revoked.
fn fill_group(g: u64) -> Vec<verbund_domain::Change> {
    use verbund_domain::{
        Change, MemberAdmitted, MemberKind, MemberNo, Money, PersonalRef, RecordId, Stream,
        TokenId, TokenIssued, TokenRevoked,
    };
    let day = jiff::civil::date(2026, 11, 24);
    let member = MemberNo::new(u32::try_from(g + 1).expect("fewer than 4 billion members"))
        .expect("not zero");
    let mut changes = vec![Change::new(
        Stream::Member(member),
        MemberAdmitted {
            member,
            person: PersonalRef {
                record: RecordId::parse(&format!("p{g}")).expect("a record id"),
                commitment: format!("{g:064x}"),
            },
            kind: MemberKind::NaturalPerson,
            shares: 1,
            mandatory_shares: 1,
            admitted_on: day,
            founder: false,
            application: None,
            listed: false,
            paid_in_due: Money::ZERO,
            paid_in_due_on: day,
        },
    )];
    for t in 1..=5u64 {
        let token = TokenId::parse(&format!("g{g}t{t}")).expect("a token id");
        let stream = Stream::Token(token.clone());
        changes.push(Change::new(
            stream.clone(),
            TokenIssued {
                purpose: verbund_domain::TokenPurpose::Api,
                token: token.clone(),
                principal: Principal::Auditor,
                // Digested as a real token's secret (here: its unique id).
                digest: app::TokenSecret::presented(token.as_str()).digest(),
                expires_at: jiff::Timestamp::from_second(1_900_000_000).expect("in range"),
            },
        ));
        if t > 1 {
            changes.push(Change::new(stream, TokenRevoked { token }));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rebuild benchmark folds events every projection understands, on their own streams.
    #[test]
    fn fill_events_decode_and_fold_into_the_register() {
        use verbund_projections::{Envelope, Projection, Register};
        let mut register = Register::default();
        for (i, change) in (0..3).flat_map(fill_group).enumerate() {
            let json = change.event.to_json().to_string();
            let event = verbund_domain::Event::decode(
                change.event.event_type(),
                change.event.schema_version(),
                &json,
            )
            .expect("the event decodes");
            let position = Position::new(i as u64 + 1);
            register.apply(&Envelope {
                position,
                stream: Some(change.stream.clone()),
                stream_version: verbund_ledger::StreamVersion::FIRST,
                recorded_at: jiff::Timestamp::UNIX_EPOCH,
                actor: Actor::parse("cli:bench").expect("valid"),
                event,
            });
        }
        assert_eq!(register.member_count(), 3);
        assert_eq!(fill_group(0).len(), 10);
    }
}
