//! `verbund`: the command-line entry point. Each subcommand lives in a file of its own under
//! `cmd/`; this file only parses arguments and dispatches.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use verbund_api::cmd;

/// mimalloc instead of the system allocator: requests allocate on tokio's workers and free on
/// the ledger's writer thread and back, and glibc's malloc took about 15% of the CPU of an
/// append benchmark in such cross-thread frees and consolidations.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Verbund: the system of record for cooperatives, on a hash-chained event log.
#[derive(Debug, Parser)]
#[command(name = "verbund", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve(cmd::serve::Args),
    /// Cooperatives: found one, move an existing one in, or prepare one to move in.
    #[command(subcommand)]
    Coop(cmd::coop::Coop),
    /// API tokens: issue or revoke one.
    #[command(subcommand)]
    Token(cmd::token::Token),
    /// Erase the personal data of members who left long enough ago (G30) and destroy the keys
    /// of secret ballots that can no longer be contested (W1).
    Retention(cmd::retention::Args),
    /// Found the demo cooperative (once), issue a token per role, verify the log and serve it.
    Demo(cmd::demo::Args),
    /// Fold every projection from position 1 again and store fresh snapshots.
    Rebuild(cmd::rebuild::Args),
    /// Write a cooperative's log as JSON Lines, one envelope per line.
    Export(cmd::export::Args),
    /// Recompute the hash chain of every log (or one) and report the first break.
    Verify(cmd::verify::Args),
    /// List the logs of a database with their heads (position and hash).
    Logs(cmd::logs::Args),
    /// Let a log whose chain was found broken take writes again, once it verifies intact.
    Resume(cmd::resume::Args),
    /// Write a consistent, verified copy of a SQLite database while servers keep writing.
    Backup(cmd::backup::BackupArgs),
    /// Put a verified backup in place of a damaged SQLite database.
    Restore(cmd::backup::RestoreArgs),
    /// Append commits read as JSON Lines from standard input; print one acknowledgement per line.
    Append(cmd::append::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.command.folds_whole_logs() {
        cmd::without_transparent_huge_pages();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(run(cli))
}

impl Command {
    /// The offline rebuild: a process that only folds whole logs.
    fn folds_whole_logs(&self) -> bool {
        matches!(self, Command::Rebuild(_))
    }
}

async fn run(cli: Cli) -> ExitCode {
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VERBUND_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr);
    // `VERBUND_LOG_FORMAT=json`: one JSON object per line, for a log collector.
    match std::env::var("VERBUND_LOG_FORMAT").as_deref() {
        Ok("json") => logs.json().flatten_event(true).init(),
        Ok("text") | Err(_) => logs.init(),
        Ok(other) => {
            logs.init();
            eprintln!(
                "warning: VERBUND_LOG_FORMAT={other:?} is neither json nor text; logging text"
            );
        }
    }
    let result = match cli.command {
        Command::Serve(args) => cmd::serve::run(args).await,
        Command::Coop(command) => cmd::coop::run(command).await,
        Command::Token(command) => cmd::token::run(command).await,
        Command::Retention(args) => cmd::retention::run(args).await,
        Command::Demo(args) => cmd::demo::run(args).await,
        Command::Rebuild(args) => cmd::rebuild::run(args).await,
        Command::Export(args) => cmd::export::run(args).await,
        Command::Verify(args) => cmd::verify::run(args).await,
        Command::Logs(args) => cmd::logs::run(args).await,
        Command::Resume(args) => cmd::resume::run(args).await,
        Command::Backup(args) => cmd::backup::backup(args).await,
        Command::Restore(args) => cmd::backup::restore(args).await,
        Command::Append(args) => cmd::append::run(args).await,
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(args: &[&str]) -> Command {
        Cli::try_parse_from(std::iter::once("verbund").chain(args.iter().copied()))
            .expect("valid arguments")
            .command
    }

    /// Only the processes that fold whole logs give up huge pages; the server keeps them.
    #[test]
    fn only_the_offline_rebuild_turns_huge_pages_off() {
        assert!(command(&["rebuild"]).folds_whole_logs());
        for other in [&["serve"][..], &["demo"], &["verify"]] {
            assert!(!command(other).folds_whole_logs(), "{other:?}");
        }
    }

    /// Where Linux lets a process turn them off, they are off afterwards.
    #[cfg(target_os = "linux")]
    #[test]
    fn turning_huge_pages_off_takes() {
        cmd::without_transparent_huge_pages();
        assert_eq!(
            rustix::thread::transparent_huge_pages_are_disabled().ok(),
            Some(true)
        );
    }
}
