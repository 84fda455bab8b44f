//! `verbund retention COOP`: erases the personal data of exited members once the member list
//! need no longer keep it (G30: three years after the end of the year of exit), and destroys
//! the key of every secret ballot whose resolution can no longer be contested (W1: a month
//! after it was taken). Run it daily, e.g. from cron; a run with nothing to do changes nothing.

use std::process::ExitCode;

use verbund_ledger::Actor;

use crate::app::{self, App, Request};
use crate::cmd::Database;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub database: Database,
    /// The cooperative.
    pub coop: String,
    /// The day to apply the retention rule for (default: today).
    #[arg(long)]
    pub today: Option<jiff::civil::Date>,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let app = App::open(args.database.config()).await?;
    let result = async {
        let log = app::parse_coop(&args.coop)?;
        let today = app::today();
        let day = args.today.unwrap_or(today);
        anyhow::ensure!(
            day <= today,
            "--today {day} lies in the future; erasures are decided on facts that happened"
        );
        let request = Request {
            coop: log.clone(),
            actor: Actor::parse("cli:retention").expect("a valid actor"),
            key: None,
            digest: [0; 32],
        };
        let retention = app::erase_expired_records(&app, &request, day).await?;
        let list = |members: &[verbund_domain::MemberNo]| {
            members
                .iter()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        say!(
            "erased the personal data of {} former members{}",
            retention.erased.len(),
            if retention.erased.is_empty() {
                String::new()
            } else {
                format!(": {}", list(&retention.erased))
            }
        );
        if !retention.kept_for_settlement.is_empty() {
            say!(
                "kept {} past the retention period until their settlement is paid (G73): {}",
                retention.kept_for_settlement.len(),
                list(&retention.kept_for_settlement)
            );
        }
        for (member, why) in &retention.failed {
            eprintln!("error: the personal data of member {member} was not erased: {why}");
        }
        let keys = app::destroy_expired_ballot_keys(&app, &request, day).await?;
        say!(
            "destroyed the keys of {} secret ballots{}",
            keys.destroyed.len(),
            if keys.destroyed.is_empty() {
                String::new()
            } else {
                format!(
                    ": {}",
                    keys.destroyed
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
        for (motion, until) in &keys.kept {
            say!("kept the key of the secret ballot on motion {motion}: it can be contested until {until}");
        }
        anyhow::Ok(retention.failed.is_empty())
    }
    .await;
    app.close().await;
    result.map(|all| {
        if all {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    })
}
