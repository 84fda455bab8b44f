//! `verbund rebuild`: throws away the projections' snapshots of every cooperative (or one) and
//! folds each log from position 1 again, then stores fresh snapshots. A running server does not
//! need it (`POST …/projections/{name}/rebuild` rebuilds beside the live state); this is for a
//! changed projection, or a check that the log alone yields the read models.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use verbund_ledger::LogId;
use verbund_projections::{Runtime, RuntimeOptions, SnapshotStore};

use super::Database;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    database: Database,
    /// Only this cooperative (default: all).
    #[arg(long)]
    coop: Option<String>,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let ledger = args.database.open().await?;
    let snapshots = SnapshotStore::open(&args.database.database_url).await?;
    let result = async {
        for log in super::logs_or_all(&ledger, args.coop.as_deref()).await? {
            let events = rebuild(&ledger, &snapshots, &log).await?;
            say!("{log}: {events}");
        }
        anyhow::Ok(())
    }
    .await;
    snapshots.close().await;
    ledger.close().await;
    result.map(|()| ExitCode::SUCCESS)
}

/// Rebuilds the projections of one log; returns a summary.
pub async fn rebuild(
    ledger: &verbund_ledger::Ledger,
    snapshots: &SnapshotStore,
    log: &LogId,
) -> anyhow::Result<String> {
    let head = ledger.head(log).await?.position;
    snapshots.clear(log).await?;
    let started = Instant::now();
    let runtime = Runtime::start(
        ledger.clone(),
        Some(snapshots.clone()),
        log.clone(),
        RuntimeOptions::offline(),
    )
    .await?;
    let progress = ProgressBar::new(head.get()).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} events ({per_sec})")
            .expect("a valid template"),
    );
    loop {
        match runtime.wait_for(head, Duration::from_millis(200)).await {
            Ok(_) => break,
            Err(verbund_projections::ProjectionError::Lagging { reached, .. }) => {
                progress.set_position(reached.get());
            }
            Err(e) => {
                runtime.stop().await;
                return Err(e.into());
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    progress.finish_and_clear();
    runtime.snapshot().await?;
    runtime.stop().await;
    Ok(format!(
        "{} events folded into {} projections in {seconds:.2} s ({:.0} events/s); snapshots stored",
        head,
        verbund_projections::Views::NAMES.len(),
        head.get() as f64 / seconds.max(1e-9)
    ))
}
