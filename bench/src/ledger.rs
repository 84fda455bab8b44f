//! The ledger's benchmarks:
//!
//! - `bench append`: durable single-event appends with N concurrent writers on distinct streams,
//!   through group commit, against the naive baseline (one transaction per append).
//! - `bench verify`: chain verification of a large log, against a plain read of the same log.

use std::process::ExitCode;
use std::time::{Duration, Instant};
use verbund_api::say;

use crate::common::{Scratch, Target, Tuning, median};
use serde_json::json;
use verbund_ledger::{
    Actor, CommandId, Commit, ExpectedVersion, Ledger, LedgerOptions, LogId, NewEvent, Position,
    StreamAppend, StreamId, StreamVersion,
};

/// Rows the storage ceiling of `bench append` writes per measurement.
const CEILING_EVENTS: u64 = 200_000;

#[derive(Debug, clap::Args)]
pub struct AppendArgs {
    #[command(flatten)]
    target: Target,
    /// Concurrent writers, each on a stream of its own, each waiting for its acknowledgement.
    #[arg(long, default_value_t = 64)]
    writers: usize,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Measurements per mode; the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Skip the baseline.
    #[arg(long)]
    no_baseline: bool,
    #[command(flatten)]
    tuning: Tuning,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    target: Target,
    /// Events in the log to verify.
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Measurements; the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

/// One measurement.
#[derive(Debug, Clone)]
struct Sample {
    events_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    appends_per_batch: f64,
    stages: Stages,
}

/// Where group commit's time went in one measurement (zero for the baseline, which bypasses
/// the writer).
#[derive(Clone, Copy, Debug, Default)]
struct Stages {
    /// Mean wait of an append in the queue before its batch began.
    queued_us: f64,
    /// Mean time to commit one batch (without its sync).
    commit_us: f64,
    /// Share of the run the writer spent committing.
    writer_busy: f64,
    /// Mean time of one sync of the write-ahead log (SQLite), and the batches each covered.
    sync_us: f64,
    batches_per_sync: f64,
    /// Share of the run the sync thread spent syncing.
    sync_busy: f64,
}

impl Stages {
    fn between(
        before: &verbund_ledger::WriterCounters,
        after: &verbund_ledger::WriterCounters,
        seconds: f64,
    ) -> Self {
        let per = |sum: u64, n: u64| if n == 0 { 0.0 } else { sum as f64 / n as f64 };
        let (batches, appends, syncs) = (
            after.batches - before.batches,
            after.appends - before.appends,
            after.syncs - before.syncs,
        );
        let (commit_us, sync_us) = (
            after.commit_us - before.commit_us,
            after.sync_us - before.sync_us,
        );
        Self {
            queued_us: per(after.queued_us - before.queued_us, appends),
            commit_us: per(commit_us, batches),
            writer_busy: commit_us as f64 / 1e6 / seconds,
            sync_us: per(sync_us, syncs),
            batches_per_sync: per(batches, syncs),
            sync_busy: sync_us as f64 / 1e6 / seconds,
        }
    }

    fn median(samples: &[Sample]) -> Self {
        let of = |f: fn(&Stages) -> f64| median(samples.iter().map(|s| f(&s.stages)).collect());
        Self {
            queued_us: of(|s| s.queued_us),
            commit_us: of(|s| s.commit_us),
            writer_busy: of(|s| s.writer_busy),
            sync_us: of(|s| s.sync_us),
            batches_per_sync: of(|s| s.batches_per_sync),
            sync_busy: of(|s| s.sync_busy),
        }
    }

    fn say(&self) {
        if self.batches_per_sync > 0.0 {
            say!(
                "      an append waits {:.0} µs in the queue; a batch commits in {:.0} µs (writer {:.0}% busy); a sync of the WAL takes {:.0} µs for {:.1} batches (sync thread {:.0}% busy)",
                self.queued_us,
                self.commit_us,
                100.0 * self.writer_busy,
                self.sync_us,
                self.batches_per_sync,
                100.0 * self.sync_busy
            );
        } else {
            say!(
                "      an append waits {:.0} µs in the queue; a batch commits, synced, in {:.0} µs (writer {:.0}% busy)",
                self.queued_us,
                self.commit_us,
                100.0 * self.writer_busy
            );
        }
    }
}

fn summarize(samples: &[Sample]) -> Sample {
    Sample {
        events_per_s: median(samples.iter().map(|s| s.events_per_s).collect()),
        p50_ms: median(samples.iter().map(|s| s.p50_ms).collect()),
        p99_ms: median(samples.iter().map(|s| s.p99_ms).collect()),
        appends_per_batch: median(samples.iter().map(|s| s.appends_per_batch).collect()),
        stages: Stages::median(samples),
    }
}

fn single_event_commit(
    writer: usize,
    n: u64,
    version: Option<StreamVersion>,
) -> anyhow::Result<Commit> {
    let event = NewEvent::json(
        "ContributionPaid",
        1,
        &json!({ "member": writer, "amount": "25.00", "period": n, "reference": format!("SEPA-{writer}-{n}") }),
    )?;
    let expected = version.map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact);
    Ok(Commit::new(
        // Time-ordered, like the ids the API gives requests without an idempotency key: the
        // command index takes them at its end, not at 64 places at once.
        CommandId::parse(format!(
            "{:016x}-w{writer}-{n}",
            jiff::Timestamp::now().as_microsecond()
        ))?,
        Actor::parse("bench")?,
        None,
        vec![StreamAppend::new(
            StreamId::parse(format!("member:{writer}"))?,
            expected,
            vec![event],
        )],
    )?)
}

async fn measure(
    ledger: &Ledger,
    log: &LogId,
    writers: usize,
    duration: Duration,
    unbatched: bool,
) -> anyhow::Result<Sample> {
    let before = ledger.writer_counters();
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for writer in 0..writers {
        let (ledger, log) = (ledger.clone(), log.clone());
        tasks.spawn(async move {
            let mut latencies_us = Vec::with_capacity(100_000);
            let mut version: Option<StreamVersion> = None;
            let mut n = 0u64;
            while Instant::now() < deadline {
                let commit = single_event_commit(writer, n, version)?;
                let t0 = Instant::now();
                let done = if unbatched {
                    ledger.append_unbatched(&log, commit).await?
                } else {
                    ledger.append(&log, commit).await?
                };
                latencies_us.push(u32::try_from(t0.elapsed().as_micros()).unwrap_or(u32::MAX));
                version = Some(done.streams[0].last_version);
                n += 1;
            }
            anyhow::Ok(latencies_us)
        });
    }
    let mut latencies = Vec::new();
    while let Some(done) = tasks.join_next().await {
        latencies.extend(done??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let at = |q: f64| f64::from(latencies[((latencies.len() - 1) as f64 * q) as usize]) / 1_000.0;
    let after = ledger.writer_counters();
    let batches = (after.batches - before.batches).max(1) as f64;
    Ok(Sample {
        events_per_s: latencies.len() as f64 / elapsed,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        appends_per_batch: if unbatched {
            1.0
        } else {
            (after.appends - before.appends) as f64 / batches
        },
        stages: if unbatched {
            Stages::default()
        } else {
            Stages::between(&before, &after, elapsed)
        },
    })
}

pub(crate) async fn append(args: AppendArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.writers > 0 && args.runs > 0 && args.seconds > 0,
        "writers, runs and seconds must be positive"
    );
    let scratch = Scratch::create(&args.target).await?;
    let grouped = Ledger::open(
        &scratch.url,
        args.tuning.ledger(LedgerOptions {
            pool_connections_max: 2,
            ..LedgerOptions::default()
        }),
    )
    .await?;
    // The baseline gets the connections it wants: one per writer on PostgreSQL. On SQLite one
    // connection, because more would only queue on SQLite's single write lock with sleeps.
    let pool = if grouped.is_sqlite() {
        1
    } else {
        u32::try_from(args.writers).unwrap_or(u32::MAX).min(64)
    };
    let naive = Ledger::open(
        &scratch.url,
        LedgerOptions {
            pool_connections_max: pool,
            ..LedgerOptions::default()
        },
    )
    .await?;
    say!(
        "bench append: {} writers, durable single-event appends on distinct streams, {} runs of {} s, {}",
        args.writers,
        args.runs,
        args.seconds,
        scratch.name()
    );
    let duration = Duration::from_secs(args.seconds);
    let (mut group_samples, mut naive_samples, mut ceilings) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..args.runs {
        let log = LogId::parse(format!("bench-group-{run}"))?;
        grouped.create_log(&log).await?;
        let s = measure(&grouped, &log, args.writers, duration, false).await?;
        say!(
            "  run {run}: group commit {:>9.0} events/s  p50 {:>6.2} ms  p99 {:>6.2} ms  {:>5.1} appends/batch",
            s.events_per_s,
            s.p50_ms,
            s.p99_ms,
            s.appends_per_batch
        );
        s.stages.say();
        // The same rows, in transactions of the same size, from one thread with nothing else:
        // the storage's ceiling (SQLite), measured right after the run, beside its file.
        let rows = verbund_ledger::ceiling::CeilingRows {
            events: CEILING_EVENTS,
            per_commit: s.appends_per_batch.round().max(1.0) as usize,
            streams: args.writers as u64,
        };
        if let Some(took) = verbund_ledger::ceiling::sqlite_inserts(&grouped, rows).await? {
            let ceiling = CEILING_EVENTS as f64 / took.as_secs_f64();
            say!(
                "      storage ceiling: {ceiling:.0} events/s (the same rows in transactions of {}, one thread, no checks, no per-commit sync); group commit at {:.0}% of it",
                rows.per_commit,
                100.0 * s.events_per_s / ceiling
            );
            ceilings.push(ceiling);
        }
        group_samples.push(s);
        if !args.no_baseline {
            let log = LogId::parse(format!("bench-naive-{run}"))?;
            naive.create_log(&log).await?;
            let s = measure(&naive, &log, args.writers, duration, true).await?;
            say!(
                "  run {run}: naive        {:>9.0} events/s  p50 {:>6.2} ms  p99 {:>6.2} ms",
                s.events_per_s,
                s.p50_ms,
                s.p99_ms
            );
            naive_samples.push(s);
        }
    }
    let g = summarize(&group_samples);
    say!(
        "median: group commit {:.0} events/s, p50 {:.2} ms, p99 {:.2} ms, {:.1} appends per batch",
        g.events_per_s,
        g.p50_ms,
        g.p99_ms,
        g.appends_per_batch
    );
    g.stages.say();
    if !ceilings.is_empty() {
        let ceiling = median(ceilings);
        say!(
            "median: storage ceiling {ceiling:.0} events/s; group commit at {:.0}% of it",
            100.0 * g.events_per_s / ceiling
        );
    }
    if !naive_samples.is_empty() {
        let n = summarize(&naive_samples);
        say!(
            "median: naive baseline {:.0} events/s, p50 {:.2} ms, p99 {:.2} ms",
            n.events_per_s,
            n.p50_ms,
            n.p99_ms
        );
        say!(
            "speed-up over the baseline: {:.1}x",
            g.events_per_s / n.events_per_s
        );
    }
    grouped.close().await;
    naive.close().await;
    scratch.remove().await?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.events > 0 && args.runs > 0,
        "events and runs must be positive"
    );
    let scratch = Scratch::create(&args.target).await?;
    let ledger = Ledger::open(&scratch.url, LedgerOptions::default()).await?;
    let log = LogId::parse("bench-verify")?;
    ledger.create_log(&log).await?;
    say!(
        "bench verify: {} events, {} runs, {}",
        args.events,
        args.runs,
        scratch.name()
    );

    // Fill with realistic events: 100 per commit, spread over 1,000 member streams.
    let started = Instant::now();
    const PER_COMMIT: u64 = 100;
    let commits = args.events.div_ceil(PER_COMMIT);
    let mut tasks = tokio::task::JoinSet::new();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    for _ in 0..16 {
        let (ledger, log, next) = (ledger.clone(), log.clone(), std::sync::Arc::clone(&next));
        let total = args.events;
        tasks.spawn(async move {
            loop {
                let c = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if c >= commits {
                    return anyhow::Ok(());
                }
                let count = PER_COMMIT.min(total - c * PER_COMMIT);
                let events = (0..count)
                    .map(|i| {
                        NewEvent::json(
                            "ContributionPaid",
                            1,
                            &json!({ "amount": "25.00", "period": c, "item": i }),
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let stream = StreamId::parse(format!("member:{}", c % 1_000))?;
                let commit = Commit::new(
                    CommandId::parse(format!("fill-{c}"))?,
                    Actor::parse("bench")?,
                    None,
                    vec![StreamAppend::new(stream, ExpectedVersion::Any, events)],
                )?;
                ledger.append(&log, commit).await?;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    say!("  filled in {:.1} s", started.elapsed().as_secs_f64());

    let (mut verify_rates, mut read_rates) = (Vec::new(), Vec::new());
    for run in 0..args.runs {
        let t0 = Instant::now();
        let report = ledger.verify(&log, None, &mut |_| {}).await?;
        anyhow::ensure!(
            report.is_intact(),
            "the benchmark log is broken: {:?}",
            report.first_break
        );
        let verify_rate = report.events_checked as f64 / t0.elapsed().as_secs_f64();

        // Baseline: read every event in pages (decoded and validated), no hashing.
        let t0 = Instant::now();
        let mut read = 0u64;
        loop {
            let page = ledger
                .read_log(
                    &log,
                    Position::new(read + 1),
                    verbund_ledger::limits::READ_EVENTS_MAX,
                )
                .await?;
            read += page.len() as u64;
            if page.len() < verbund_ledger::limits::READ_EVENTS_MAX {
                break;
            }
        }
        let read_rate = read as f64 / t0.elapsed().as_secs_f64();
        say!(
            "  run {run}: verify {verify_rate:>10.0} events/s   plain paged read {read_rate:>10.0} events/s"
        );
        verify_rates.push(verify_rate);
        read_rates.push(read_rate);
    }
    say!(
        "median: verify {:.0} events/s; plain paged read {:.0} events/s",
        median(verify_rates),
        median(read_rates)
    );
    ledger.close().await;
    scratch.remove().await?;
    Ok(ExitCode::SUCCESS)
}
