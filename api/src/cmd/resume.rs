//! `verbund resume --log ID`: lets a log take writes again after its chain was found broken —
//! once a verification of the whole log finds it intact (after a backup was restored).
//! Exit code 0: resumed (or it was not halted); 1: still broken, stays halted; 2: could not run.

use std::process::ExitCode;

use anyhow::Context as _;
use verbund_ledger::LogId;

use super::Database;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    database: Database,
    /// The log to resume.
    #[arg(long)]
    log: String,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let log = LogId::parse(&args.log).context("the log id is malformed")?;
    let ledger = args.database.open().await?;
    let halted = ledger.halted(&log);
    let report = ledger
        .resume(&log, &mut |_| {})
        .await
        .with_context(|| format!("verifying {log}"))?;
    ledger.close().await;
    match (&report.first_break, halted) {
        (None, Some(was)) => {
            say!(
                "{log}: intact — {} events, head {}:{}; it takes writes again (it was halted at position {}: {})",
                report.events_checked,
                report.head.position,
                report.head.hash,
                was.position,
                was.kind
            );
            Ok(ExitCode::SUCCESS)
        }
        (None, None) => {
            say!(
                "{log}: intact — {} events; it was not halted",
                report.events_checked
            );
            Ok(ExitCode::SUCCESS)
        }
        (Some(found), _) => {
            say!(
                "{log}: still BROKEN at position {} — {}: {}; it takes no writes. Restore a backup taken before the break, then resume again.",
                found.position,
                found.kind,
                found.detail
            );
            Ok(ExitCode::from(1))
        }
    }
}
