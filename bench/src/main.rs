//! `verbund-bench`: the benchmarks, a binary of their own so that the product carries none of
//! their load generators. Every figure is the median of several runs, each benchmark measuring
//! its baseline in the same run, interleaved with it, so both see the same machine state
//! (`docs/performance.md`).

use std::process::ExitCode;

use clap::Parser;

mod books;
mod ledger;
mod members;
mod server;
mod votes;

/// The product's allocator, so that the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "verbund-bench",
    version,
    about = "Measure Verbund's throughput and latency"
)]
struct Cli {
    #[command(subcommand)]
    bench: ledger::Bench,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The rebuild's benchmark folds whole logs, as `verbund rebuild` does.
    if matches!(cli.bench, ledger::Bench::Rebuild(_)) {
        verbund_api::cmd::without_transparent_huge_pages();
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
    match runtime.block_on(ledger::run(cli.bench)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
