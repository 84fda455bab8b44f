//! `verbund export`: a cooperative's log as JSON Lines, one full envelope per line (the shape
//! of `GET /v1/coops/{coop}/events`), for archives and for checking offline with
//! `docs/ledger-format.md`.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use verbund_ledger::{LogId, Position};

use super::Database;
use crate::http::dto::EventEnvelope;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    database: Database,
    /// The cooperative.
    coop: String,
    /// The first position to export.
    #[arg(long, default_value_t = 1)]
    from: u64,
}

/// Events per read.
const PAGE_EVENTS: usize = 10_000;

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let log = LogId::parse(args.coop.as_str())?;
    let ledger = args.database.open().await?;
    let result = export(&ledger, &log, Position::new(args.from.max(1))).await;
    ledger.close().await;
    result?;
    Ok(ExitCode::SUCCESS)
}

async fn export(
    ledger: &verbund_ledger::Ledger,
    log: &LogId,
    from: Position,
) -> anyhow::Result<()> {
    let head = ledger.head(log).await?.position;
    let progress = ProgressBar::new(head.get().saturating_sub(from.get() - 1)).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} events ({per_sec})")
            .expect("a valid template"),
    );
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut next = from;
    while next <= head {
        let page = ledger.read_log(log, next, PAGE_EVENTS).await?;
        let Some(last) = page.last() else { break };
        next = last.position.next();
        for event in &page {
            serde_json::to_writer(&mut out, &EventEnvelope::from(event))?;
            match out.write_all(b"\n") {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                other => other.context("cannot write to standard output")?,
            }
        }
        progress.inc(page.len() as u64);
    }
    match out.flush() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.context("cannot write to standard output")?,
    }
    progress.finish_and_clear();
    Ok(())
}
