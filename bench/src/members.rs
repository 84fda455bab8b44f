//! `verbund bench members`: a member list of 100,000 members from 1,000,000 membership events.
//! Appends the events (each member's on their own stream, many members per commit), then
//! rebuilds the member list (the register) from the log, against a plain read of the same log,
//! and reports the memory the list takes per member.

use std::process::ExitCode;
use std::time::Instant;
use verbund_api::say;

use jiff::ToSpan;
use verbund_domain::{
    Change, Event, MemberAdmitted, MemberKind, MemberNo, Money, PaymentReceived, PersonalRef,
    RecordId, ResignationDeclared, SharesSubscribed, Stream,
};
use verbund_ledger::{
    Actor, CommandId, Commit, ExpectedVersion, LogId, NewEvent, Position, StreamAppend,
};
use verbund_projections::Register;

use crate::common::{Scratch, Target, median};
use verbund_api::app;

#[derive(Debug, clap::Args)]
pub struct MembersArgs {
    #[command(flatten)]
    target: Target,
    /// Members in the log; each has ten membership events.
    #[arg(long, default_value_t = 100_000)]
    members: u32,
    /// Measurements of the rebuild; the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

/// Events per member.
const EVENTS_PER_MEMBER: u64 = 10;
/// Members per commit: within an append's limits of 32 streams and 256 events.
const MEMBERS_PER_COMMIT: u32 = 25;

pub async fn members(args: MembersArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.members > 0 && args.runs > 0,
        "members and runs must be positive"
    );
    let scratch = Scratch::create(&args.target).await?;
    let result = members_on(&scratch, &args).await;
    scratch.remove().await?;
    result
}

async fn members_on(scratch: &Scratch, args: &MembersArgs) -> anyhow::Result<ExitCode> {
    let ledger =
        verbund_ledger::Ledger::open(&scratch.url, verbund_ledger::LedgerOptions::default())
            .await?;
    let log = LogId::parse("bench-members-eg")?;
    ledger.create_log(&log).await?;
    let events = u64::from(args.members) * EVENTS_PER_MEMBER;
    say!(
        "bench members on {}: {} members, {events} membership events (admission, payments, subscriptions, resignations)",
        scratch.name(),
        args.members
    );
    let started = Instant::now();
    let mut first = 1;
    while first <= args.members {
        let last = first
            .saturating_add(MEMBERS_PER_COMMIT - 1)
            .min(args.members);
        let streams = (first..=last)
            .map(|no| {
                let member = MemberNo::new(no).expect("numbers start at 1");
                let events = member_events(member)
                    .iter()
                    .map(|change| {
                        NewEvent::json(
                            change.event.event_type(),
                            change.event.schema_version(),
                            &change.event.to_json(),
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                anyhow::Ok(StreamAppend::new(
                    app::stream_id(&Stream::Member(member)),
                    ExpectedVersion::NoStream,
                    events,
                ))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let commit = Commit::new(
            CommandId::parse(format!("members-{first}"))?,
            Actor::parse("cli:bench")?,
            None,
            streams,
        )?;
        ledger.append(&log, commit).await?;
        first = last.saturating_add(1);
        if last == args.members {
            break;
        }
    }
    let appended = events as f64 / started.elapsed().as_secs_f64();
    say!(
        "  appended in {:.1} s: {appended:.0} events/s ({MEMBERS_PER_COMMIT} members, {} events per commit)",
        started.elapsed().as_secs_f64(),
        u64::from(MEMBERS_PER_COMMIT) * EVENTS_PER_MEMBER
    );
    let head = ledger.head(&log).await?.position;
    // Memory first, in a process that has not read the log yet: the resident memory the list
    // adds while it is held (an upper bound: it includes the allocator's slack and the read
    // buffers the fold left behind).
    let before = resident_bytes();
    let folded = verbund_projections::fold_until::<Register>(&ledger, &log, head).await?;
    let after = resident_bytes();
    anyhow::ensure!(
        folded.state.member_count() == args.members as usize,
        "the list has {} members, not {}",
        folded.state.member_count(),
        args.members
    );
    let per_member = after.saturating_sub(before) as f64 / f64::from(args.members);
    drop(folded);
    say!("  the member list holds {per_member:.0} bytes resident per member");
    let (mut folds, mut reads) = (Vec::new(), Vec::new());
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
        let folded = verbund_projections::fold_until::<Register>(&ledger, &log, head).await?;
        let fold = head.get() as f64 / started.elapsed().as_secs_f64();
        drop(folded);
        say!(
            "  run {run}: member list rebuilt at {fold:.0} events/s; plain read {read:.0} events/s"
        );
        folds.push(fold);
        reads.push(read);
    }
    let (fold, read) = (median(folds), median(reads));
    say!(
        "\nMedian: member list rebuilt at {fold:.0} events/s, plain read {read:.0} events/s ({:.0}% of it); {per_member:.0} bytes per member; appended at {appended:.0} events/s",
        100.0 * fold / read
    );
    ledger.close().await;
    Ok(ExitCode::SUCCESS)
}

/// The resident memory of this process (Linux), or 0 where unknown.
fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// A member's ten events, as the domain would decide them: admitted with one share, pays in
/// six parts, subscribes two more shares twice; every fifth member resigns at the end.
fn member_events(member: MemberNo) -> Vec<Change> {
    let admitted_on = jiff::civil::date(2020, 1, 1) + i64::from(member.get() % 1_000).days();
    let due = Money::parse("100.00").expect("an amount");
    let mut events: Vec<Event> = vec![
        MemberAdmitted {
            member,
            person: PersonalRef {
                record: RecordId::parse(&format!("p{}", member.get())).expect("a record id"),
                commitment: format!("{:064x}", member.get()),
            },
            kind: MemberKind::Firm {
                trade: "Schreinerei".to_owned(),
                region: "Musterdorf".to_owned(),
                employees: 5,
            },
            shares: 1,
            mandatory_shares: 1,
            admitted_on,
            founder: false,
            application: None,
            listed: member.get().is_multiple_of(2),
            paid_in_due: due,
            paid_in_due_on: admitted_on + 30.days(),
        }
        .into(),
    ];
    let mut total = 1;
    for i in 1..=8u32 {
        let on = admitted_on + i64::from(i * 20).days();
        if i % 4 == 0 {
            total += 2;
            events.push(
                SharesSubscribed {
                    member,
                    shares: 2,
                    total,
                    subscribed_on: on,
                    paid_in_due: Money::parse("200.00").expect("an amount"),
                    paid_in_due_on: on + 30.days(),
                }
                .into(),
            );
        } else {
            events.push(
                PaymentReceived {
                    member,
                    amount: due,
                    received_on: on,
                    reference: format!("SEPA-{}-{i}", member.get()),
                }
                .into(),
            );
        }
    }
    let last = admitted_on + 200.days();
    events.push(if member.get().is_multiple_of(5) {
        ResignationDeclared {
            member,
            declared_on: last,
            effective_on: jiff::civil::date(last.year() + 1, 12, 31),
            hardship: None,
        }
        .into()
    } else {
        PaymentReceived {
            member,
            amount: due,
            received_on: last,
            reference: format!("SEPA-{}-last", member.get()),
        }
        .into()
    });
    events
        .into_iter()
        .map(|event| Change::new(Stream::Member(member), event))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The benchmark's events are what the domain folds: the member ends with the shares and
    /// capital the events say, and every fifth resigns.
    #[test]
    fn a_members_events_fold_into_a_plausible_membership() {
        for no in [1, 5] {
            let member = MemberNo::new(no).expect("a number");
            let changes = member_events(member);
            assert_eq!(changes.len() as u64, EVENTS_PER_MEMBER);
            let mut state = verbund_domain::Member::default();
            for change in &changes {
                let json = change.event.to_json().to_string();
                let event = Event::decode(
                    change.event.event_type(),
                    change.event.schema_version(),
                    &json,
                )
                .expect("the event decodes");
                state.apply(&event);
            }
            let m = state.membership().expect("admitted");
            assert_eq!(m.shares(), 5);
            assert_eq!(m.exit().is_some(), no == 5);
            let paid = if no == 5 { "600.00" } else { "700.00" };
            assert_eq!(m.paid_in(), Money::parse(paid).expect("an amount"));
        }
    }
}
