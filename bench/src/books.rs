//! `verbund bench books`: the books of a large cooperative. Appends money events making about
//! 1,000,000 posting lines (members' share payments, the treasurer's payments and levies over
//! hundreds of members), then measures:
//!
//! - the books rebuilt from the log (the journal projection folded from position 1), against a
//!   plain read of the same log;
//! - a trial balance and a balance sheet from the projection, against a bare pass summing the
//!   same lines (the floor of any report over them);
//! - the exports (hledger, Beancount, CSV, GoBD), in MB/s.

use std::process::ExitCode;
use std::time::Instant;
use verbund_api::say;

use verbund_domain::books::{
    AccountRef, Direction, EntryId, LevyCharged, LevyKey, LevyPart, PaymentRecorded, allocate,
    codes,
};
use verbund_domain::{Change, Event, MemberNo, Money, PaymentReceived, Stream};
use verbund_ledger::{
    Actor, CommandId, Commit, ExpectedVersion, LogId, NewEvent, Position, StreamAppend,
};
use verbund_projections::Journal;

use crate::common::{Scratch, Target, median};
use verbund_api::app;
use verbund_api::http::exports;
use verbund_api::web::Lang;

#[derive(Debug, clap::Args)]
pub struct BooksArgs {
    #[command(flatten)]
    target: Target,
    /// Posting lines to create (about).
    #[arg(long, default_value_t = 1_000_000)]
    lines: u64,
    /// Measurements; the median is reported.
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

/// Members the levies are split over: one levy is one event of this many parts.
const LEVY_MEMBERS: u32 = 800;
/// Events per commit for the payments.
const PAYMENTS_PER_COMMIT: u64 = 200;

pub async fn books(args: BooksArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.lines > 0 && args.runs > 0,
        "lines and runs must be positive"
    );
    let scratch = Scratch::create(&args.target).await?;
    let result = books_on(&scratch, &args).await;
    scratch.remove().await?;
    result
}

fn event(change: &Change) -> anyhow::Result<StreamAppend> {
    let event = NewEvent::json(
        change.event.event_type(),
        change.event.schema_version(),
        &change.event.to_json(),
    )?;
    Ok(StreamAppend::new(
        app::stream_id(&change.stream),
        ExpectedVersion::Any,
        vec![event],
    ))
}

fn member(n: u32) -> MemberNo {
    MemberNo::new(n).expect("numbers start at 1")
}

fn cents(c: i64) -> Money {
    Money::from_cents(c).expect("in range")
}

async fn books_on(scratch: &Scratch, args: &BooksArgs) -> anyhow::Result<ExitCode> {
    let ledger =
        verbund_ledger::Ledger::open(&scratch.url, verbund_ledger::LedgerOptions::default())
            .await?;
    let log = LogId::parse("bench-books-eg")?;
    ledger.create_log(&log).await?;
    say!(
        "bench books on {}: about {} posting lines (share payments, payments, levies over {LEVY_MEMBERS} members)",
        scratch.name(),
        args.lines
    );
    // Half the lines from levies (one line per member and one for the income), half from
    // payments (two lines each: bank and the other account, or four for a share payment).
    let levies = (args.lines / 2) / u64::from(LEVY_MEMBERS + 1);
    let payments = (args.lines / 2) / 2;
    let actor = Actor::parse("member:2")?;
    let started = Instant::now();
    let (mut events, mut commits) = (0u64, 0u64);
    let weights: Vec<u64> = (1..=LEVY_MEMBERS).map(|n| u64::from(1 + n % 7)).collect();
    for l in 0..levies {
        let total = cents(1_000_000 + i64::try_from(l).unwrap_or(0) * 113);
        let parts = allocate(total, &weights)?
            .into_iter()
            .zip(&weights)
            .enumerate()
            .map(|(i, (amount, weight))| LevyPart {
                member: member(u32::try_from(i).unwrap_or(0) + 1),
                weight: *weight,
                amount,
            })
            .collect();
        let change = Change::new(
            Stream::Books,
            LevyCharged {
                entry: EntryId::parse(&format!("levy{l}"))?,
                purpose: format!("Joint costs {l}"),
                key: LevyKey::FirmSize,
                account: AccountRef::whole(codes::LEVIES),
                total,
                booked_on: jiff::civil::date(2027, 1, 1)
                    + jiff::Span::new().days(i64::try_from(l % 365).unwrap_or(0)),
                due_on: jiff::civil::date(2028, 1, 31),
                parts,
            },
        );
        let commit = Commit::new(
            CommandId::parse(format!("levy-{l}"))?,
            actor.clone(),
            None,
            vec![event(&change)?],
        )?;
        ledger.append(&log, commit).await?;
        events += 1;
        commits += 1;
    }
    let mut p = 0u64;
    while p < payments {
        let last = (p + PAYMENTS_PER_COMMIT).min(payments);
        let mut streams = Vec::new();
        for i in p..last {
            let day = jiff::civil::date(2027, 1, 1)
                + jiff::Span::new().days(i64::try_from(i % 365).unwrap_or(0));
            let amount = cents(100 + i64::try_from(i % 50_000).unwrap_or(0));
            let change = if i % 10 == 0 {
                let m = member(u32::try_from(i % u64::from(LEVY_MEMBERS)).unwrap_or(0) + 1);
                Change::new(
                    Stream::Member(m),
                    Event::PaymentReceived(PaymentReceived {
                        member: m,
                        amount,
                        received_on: day,
                        reference: format!("SEPA-{i}"),
                    }),
                )
            } else {
                let (direction, account) = match i % 3 {
                    0 => (Direction::In, AccountRef::whole(codes::USAGE_FEES)),
                    1 => (Direction::Out, AccountRef::whole(codes::OPERATING)),
                    _ => (
                        Direction::In,
                        AccountRef::member(
                            codes::MEMBER_RECEIVABLES,
                            member(u32::try_from(i % u64::from(LEVY_MEMBERS)).unwrap_or(0) + 1),
                        ),
                    ),
                };
                Change::new(
                    Stream::Books,
                    Event::PaymentRecorded(PaymentRecorded {
                        entry: EntryId::parse(&format!("p{i}"))?,
                        direction,
                        amount,
                        via: AccountRef::whole(codes::BANK),
                        account,
                        booked_on: day,
                        text: format!("Payment {i}"),
                        reference: format!("R-{i}"),
                    }),
                )
            };
            streams.push(change);
        }
        // One append per stream: each member's payment on their stream, the treasurer's
        // payments together on the books' stream.
        let mut appends: Vec<StreamAppend> = Vec::new();
        let mut books_events = Vec::new();
        for change in &streams {
            if change.stream == Stream::Books {
                books_events.push(NewEvent::json(
                    change.event.event_type(),
                    change.event.schema_version(),
                    &change.event.to_json(),
                )?);
            } else {
                appends.push(event(change)?);
            }
        }
        let written = streams.len() as u64;
        appends.push(StreamAppend::new(
            app::stream_id(&Stream::Books),
            ExpectedVersion::Any,
            books_events,
        ));
        let commit = Commit::new(
            CommandId::parse(format!("pay-{p}"))?,
            actor.clone(),
            None,
            appends,
        )?;
        ledger.append(&log, commit).await?;
        commits += 1;
        events += written;
        p = last;
    }
    let appended_s = started.elapsed().as_secs_f64();
    let head = ledger.head(&log).await?.position;
    let folded = verbund_projections::fold_until::<Journal>(&ledger, &log, head).await?;
    let journal = folded.state;
    say!(
        "  appended {events} money events in {commits} commits, {} posting lines, in {appended_s:.1} s: {:.0} events/s, {:.0} lines/s",
        journal.line_count(),
        events as f64 / appended_s,
        journal.line_count() as f64 / appended_s
    );

    let (mut rebuilds, mut reads) = (Vec::new(), Vec::new());
    let (mut trials, mut sheets, mut floors) = (Vec::new(), Vec::new(), Vec::new());
    for run in 1..=args.runs {
        let t0 = Instant::now();
        let mut next = Position::FIRST;
        while next <= head {
            let page = ledger.read_log(&log, next, 10_000).await?;
            let Some(last) = page.last() else { break };
            next = last.position.next();
        }
        let read = t0.elapsed().as_secs_f64();
        let t0 = Instant::now();
        let rebuilt = verbund_projections::fold_until::<Journal>(&ledger, &log, head).await?;
        let rebuild = t0.elapsed().as_secs_f64();
        anyhow::ensure!(
            rebuilt.state.line_count() == journal.line_count(),
            "the rebuild has every line"
        );
        let t0 = Instant::now();
        let trial = journal.trial_balance(None);
        let trial_s = t0.elapsed().as_secs_f64();
        anyhow::ensure!(
            trial.iter().map(|t| t.balance.cents()).sum::<i64>() == 0,
            "the trial balance balances"
        );
        let t0 = Instant::now();
        let sheet = journal.balance_sheet(Some(jiff::civil::date(2027, 6, 30)));
        let sheet_s = t0.elapsed().as_secs_f64();
        anyhow::ensure!(
            sheet.total_assets == sheet.total_liabilities_and_equity,
            "the balance sheet balances"
        );
        let t0 = Instant::now();
        let floor: i64 = journal
            .entries()
            .map(|(_, lines)| lines.iter().map(|(_, m)| m.cents()).sum::<i64>())
            .sum();
        let floor_s = t0.elapsed().as_secs_f64();
        anyhow::ensure!(floor == 0, "every entry balances");
        say!(
            "  run {run}: rebuilt from the log in {:.2} s (plain read {:.2} s); trial balance {:.1} ms, balance sheet {:.1} ms (walking every entry with its lines, as the exports do: {:.1} ms)",
            rebuild,
            read,
            trial_s * 1e3,
            sheet_s * 1e3,
            floor_s * 1e3
        );
        rebuilds.push(rebuild);
        reads.push(read);
        trials.push(trial_s * 1e3);
        sheets.push(sheet_s * 1e3);
        floors.push(floor_s * 1e3);
    }
    let mut exports_measured = Vec::new();
    for (name, export) in [
        (
            "hledger",
            (|j: &Journal| exports::hledger(j, "Bench eG", Lang::De).into_bytes())
                as fn(&Journal) -> Vec<u8>,
        ),
        ("beancount", |j: &Journal| {
            exports::beancount(j, "Bench eG", Lang::De).into_bytes()
        }),
        ("csv", |j: &Journal| exports::csv(j, Lang::De).into_bytes()),
        ("gobd", |j: &Journal| {
            let files = exports::gobd(
                j,
                "Bench eG",
                "Musterdorf",
                jiff::civil::date(2027, 1, 1),
                jiff::civil::date(2027, 12, 31),
                Lang::De,
            );
            exports::zip(&files)
        }),
    ] {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..args.runs.min(3) {
            let t0 = Instant::now();
            size = export(&journal).len();
            times.push(t0.elapsed().as_secs_f64());
        }
        let t = median(times);
        exports_measured.push(format!(
            "{name} {:.1} MB in {:.2} s ({:.0} MB/s)",
            size as f64 / 1e6,
            t,
            size as f64 / 1e6 / t
        ));
    }
    say!(
        "\nMedian over {} lines: rebuilt from the log in {:.2} s (plain read {:.2} s); trial balance {:.1} ms, balance sheet {:.1} ms (walking every entry with its lines {:.1} ms)\n  exports: {}",
        journal.line_count(),
        median(rebuilds),
        median(reads),
        median(trials),
        median(sheets),
        median(floors),
        exports_measured.join("; ")
    );
    ledger.close().await;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The benchmark's log folds into books that balance, with as many lines as it says.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_small_run_measures_balanced_books() {
        let args = BooksArgs {
            target: Target { database_url: None },
            lines: 20_000,
            runs: 1,
        };
        assert_eq!(books(args).await.expect("runs"), ExitCode::SUCCESS);
    }
}
