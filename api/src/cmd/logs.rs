//! `verbund logs`: the logs of a database and their heads, e.g. to note a head hash as an
//! anchor for a later `verbund verify --anchor`.

use std::process::ExitCode;

use super::Database;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    database: Database,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let ledger = args.database.open().await?;
    let logs = ledger.logs().await?;
    if logs.is_empty() {
        say!("no logs in {}", super::redact(&args.database.database_url));
    }
    for (log, head) in logs {
        let at = jiff::Timestamp::from_microsecond(head.recorded_at_us)
            .map(|t| t.to_string())
            .unwrap_or_default();
        say!(
            "{log}\t{} events\thead {}:{}\tlast write {at}",
            head.position,
            head.position,
            head.hash
        );
    }
    ledger.close().await;
    Ok(ExitCode::SUCCESS)
}
