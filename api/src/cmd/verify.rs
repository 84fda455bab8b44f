//! `verbund verify`: recompute the hash chain of every log (or one) and say plainly whether it
//! is intact. Exit code 0: all intact; 1: a log is broken; 2: verification could not run.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, bail};
use indicatif::{ProgressBar, ProgressStyle};
use verbund_ledger::{Anchor, ChainHash, Position};

use super::Database;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    database: Database,
    /// Verify only this log (default: every log in the database).
    #[arg(long)]
    log: Option<String>,
    /// A hash known from outside the database, as POSITION:HASH (see `verbund logs`): the log
    /// must still hold exactly that event. Needs --log.
    #[arg(long, requires = "log")]
    anchor: Option<String>,
    /// No progress bar (e.g. in scripts).
    #[arg(long)]
    quiet: bool,
}

/// What a verification without an anchor cannot see: the chain alone proves nothing about a
/// tail that was cut off with the head rewritten to match.
const WITHOUT_ANCHOR: &str = "note: without an anchor, a log cut short with its head rewritten still verifies; compare a head you noted down before with --log ID --anchor POSITION:HASH (verbund logs prints the heads)";

pub(crate) fn parse_anchor(text: &str) -> anyhow::Result<Anchor> {
    let (position, hash) = text.split_once(':').context("an anchor is POSITION:HASH")?;
    let position: u64 = position
        .parse()
        .context("the anchor's position is not a number")?;
    let hash = ChainHash::from_hex(hash).context("the anchor's hash is not 64 hex digits")?;
    if position == 0 {
        bail!("anchor positions start at 1");
    }
    Ok(Anchor {
        position: Position::new(position),
        hash,
    })
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let anchor = args.anchor.as_deref().map(parse_anchor).transpose()?;
    let ledger = args.database.open().await?;
    let logs = super::logs_or_all(&ledger, args.log.as_deref()).await?;
    if logs.is_empty() {
        say!(
            "no logs to verify in {}",
            super::redact(&args.database.database_url)
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut broken = 0;
    for log in &logs {
        let bar = if args.quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(0)
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:40}] {pos}/{len} events ({per_sec}, {eta} left)",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(log.to_string());
        let started = Instant::now();
        let report = ledger
            .verify(log, anchor, &mut |p| {
                bar.set_length(p.events_total);
                bar.set_position(p.events_checked);
            })
            .await
            .with_context(|| format!("verifying {log}"))?;
        bar.finish_and_clear();
        let seconds = started.elapsed().as_secs_f64();
        match &report.first_break {
            None => say!(
                "{log}: intact — {} events, head {}:{} ({:.0} events/s)",
                report.events_checked,
                report.head.position,
                report.head.hash,
                report.events_checked as f64 / seconds.max(1e-9)
            ),
            Some(found) => {
                broken += 1;
                say!(
                    "{log}: BROKEN at position {} — {}: {}",
                    found.position,
                    found.kind,
                    found.detail
                );
                say!(
                    "{log} takes no writes from now on: restore a backup taken before the break, then run `verbund resume --log {log}`"
                );
            }
        }
    }
    say!("{} of {} logs intact", logs.len() - broken, logs.len());
    if anchor.is_none() && broken == 0 {
        say!("{}", WITHOUT_ANCHOR);
    }
    ledger.close().await;
    Ok(if broken == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_position_colon_hash() {
        let hash = "0b31154df4d73a77ada90f243239c69822c63c76e7432c9f1338cf8768fe3682";
        let anchor = parse_anchor(&format!("12:{hash}")).expect("valid");
        assert_eq!(
            (anchor.position.get(), anchor.hash.to_hex()),
            (12, hash.to_owned())
        );
        assert!(parse_anchor(hash).is_err());
        assert!(parse_anchor("x:00").is_err());
        assert!(parse_anchor(&format!("0:{hash}")).is_err());
    }
}
