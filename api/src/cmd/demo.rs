//! `verbund demo`: what a newcomer runs first. It records a small cooperative's first steps in a
//! log, shows the chain, shows a stale write being refused, and verifies the log. Running it
//! again changes nothing: every command carries an idempotency key, so repeats are recognised.
//!
//! The events are illustrative; the domain rules that decide them arrive with the membership
//! and governance work.

use std::process::ExitCode;

use serde_json::json;
use verbund_ledger::{
    Actor, CommandId, Commit, ExpectedVersion, Ledger, LedgerError, LogId, NewEvent, Position,
    StreamAppend, StreamId, StreamVersion,
};

use super::Database;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    database: Database,
    /// The demo cooperative's log.
    #[arg(long, default_value = "demo-eg")]
    log: String,
}

fn commit(
    id: &str,
    streams: Vec<(&str, ExpectedVersion, Vec<NewEvent>)>,
) -> anyhow::Result<Commit> {
    let streams = streams
        .into_iter()
        .map(|(s, expected, events)| Ok(StreamAppend::new(StreamId::parse(s)?, expected, events)))
        .collect::<Result<Vec<_>, LedgerError>>()?;
    Ok(Commit::new(
        CommandId::parse(id)?,
        Actor::parse("cli:demo")?,
        None,
        streams,
    )?)
}

fn admitted(member: u32, firm: &str, trade: &str) -> anyhow::Result<NewEvent> {
    Ok(NewEvent::json(
        "MemberAdmitted",
        1,
        &json!({ "member": member, "firm": firm, "trade": trade }),
    )?)
}

async fn record(ledger: &Ledger, log: &LogId, what: &str, commit: Commit) -> anyhow::Result<()> {
    let done = ledger.append(log, commit).await?;
    let note = if done.replayed {
        " (already recorded: an idempotent repeat)"
    } else {
        ""
    };
    say!(
        "  {what}: positions {}..={}{note}",
        done.first_position,
        done.last_position
    );
    Ok(())
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let ledger = args.database.open().await?;
    let log = LogId::parse(args.log.as_str())?;
    match ledger.create_log(&log).await {
        Ok(()) => say!(
            "Created log {log} in {}",
            super::redact(&args.database.database_url)
        ),
        Err(LedgerError::LogExists(_)) => say!(
            "Using log {log} in {}",
            super::redact(&args.database.database_url)
        ),
        Err(e) => return Err(e.into()),
    }

    say!("\nAppending (each append is one atomic, durable, group-committed transaction):");
    let founding = commit(
        "demo-founding",
        vec![
            (
                "coop",
                ExpectedVersion::NoStream,
                vec![NewEvent::json(
                    "CooperativeFounded",
                    1,
                    &json!({ "name": "Dorfhandwerk Musterstadt eG", "share_amount": "250.00", "founders": [1, 2, 3] }),
                )?],
            ),
            (
                "member:1",
                ExpectedVersion::NoStream,
                vec![admitted(1, "Schreinerei Huber", "carpentry")?],
            ),
            (
                "member:2",
                ExpectedVersion::NoStream,
                vec![admitted(2, "Elektro Yilmaz", "electrics")?],
            ),
            (
                "member:3",
                ExpectedVersion::NoStream,
                vec![admitted(3, "Malerbetrieb Schulz", "painting")?],
            ),
        ],
    )?;
    record(
        &ledger,
        &log,
        "founding with three members (four streams at once)",
        founding,
    )
    .await?;
    let shares = commit(
        "demo-shares-1",
        vec![(
            "member:1",
            ExpectedVersion::Exact(StreamVersion::FIRST),
            vec![NewEvent::json(
                "SharesSubscribed",
                1,
                &json!({ "member": 1, "shares": 2, "amount": "500.00" }),
            )?],
        )],
    )?;
    record(&ledger, &log, "member 1 subscribes two shares", shares).await?;
    let laser = commit(
        "demo-investment-laser",
        vec![(
            "investment:laser-cutter",
            ExpectedVersion::NoStream,
            vec![NewEvent::json(
                "InvestmentProposed",
                1,
                &json!({ "title": "Shared laser cutter", "amount": "38000.00", "proposed_by": 2 }),
            )?],
        )],
    )?;
    record(&ledger, &log, "a joint investment is proposed", laser).await?;

    say!("\nA stale write is refused (it expects member:1 to be new, but it has events):");
    let stale = commit(
        "demo-stale",
        vec![(
            "member:1",
            ExpectedVersion::NoStream,
            vec![admitted(1, "Schreinerei Huber", "carpentry")?],
        )],
    )?;
    match ledger.append(&log, stale).await {
        Err(e @ LedgerError::Conflict { .. }) => say!("  refused: {e}"),
        other => anyhow::bail!("the stale write should have been refused, got {other:?}"),
    }

    say!("\nThe log, each event linked to the one before by its hash:");
    for e in ledger.read_log(&log, Position::FIRST, 20).await? {
        say!(
            "  {:>3}  {:<26} {:<20} prev {}…  hash {}…",
            e.position,
            format!("{}@{}", e.stream_id, e.stream_version),
            e.event_type.as_str(),
            &e.prev_hash.to_hex()[..12],
            &e.hash.to_hex()[..12]
        );
    }

    let report = ledger.verify(&log, None, &mut |_| {}).await?;
    match &report.first_break {
        None => say!(
            "\nVerified: {} events, chain intact. Head {}:{}",
            report.events_checked,
            report.head.position,
            report.head.hash
        ),
        Some(found) => say!(
            "\nBROKEN at position {}: {}: {}",
            found.position,
            found.kind,
            found.detail
        ),
    }
    say!("\nNext:");
    say!("  verbund logs                          list logs and their heads");
    say!(
        "  verbund verify --log {log} --anchor {}:{}",
        report.head.position,
        report.head.hash
    );
    say!("                                        verify against the head noted above");
    ledger.close().await;
    Ok(if report.is_intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
