//! `verbund-bench`: the benchmarks, a binary of their own so that the product carries none of
//! their load generators. Every figure is the median of several runs, each benchmark measuring
//! its baseline in the same run, interleaved with it, so both see the same machine state
//! (`docs/performance.md`).

use std::process::ExitCode;

use clap::Parser;

mod books;
mod common;
mod ledger;
mod members;
mod pages;
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
    bench: Bench,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The rebuild's benchmark folds whole logs, as `verbund rebuild` does.
    if let Bench::Rebuild(args) = &cli.bench
        && !args.keep_huge_pages
    {
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
    match runtime.block_on(run(cli.bench)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The benchmarks.
#[derive(Debug, clap::Subcommand)]
enum Bench {
    /// Appends per second and latency, group commit against one transaction per append.
    Append(ledger::AppendArgs),
    /// Verification speed of a large log, against a plain read of it.
    Verify(ledger::VerifyArgs),
    /// The HTTP server under wrk: a write, a read, and a bare axum endpoint as the ceiling.
    Http(server::HttpArgs),
    /// Rebuilding every projection of a large log, against a plain read of it.
    Rebuild(server::RebuildArgs),
    /// A member list of 100,000 members from 1,000,000 membership events: appended, rebuilt,
    /// and its memory per member.
    Members(members::MembersArgs),
    /// Votes cast over HTTP under wrk, each durable before it is acknowledged, against a bare
    /// axum endpoint; then the close and count of the ballot.
    Votes(votes::VotesArgs),
    /// The pages a member uses, signed in, under wrk: the overview and the voting page, and a
    /// vote cast through the form with its receipt; each page's size with its assets.
    Pages(pages::PagesArgs),
    /// The books of about 1,000,000 posting lines: rebuilt from the log, trial balance and
    /// balance sheet from the projection, exports.
    Books(books::BooksArgs),
}

/// Runs `bench`.
async fn run(bench: Bench) -> anyhow::Result<ExitCode> {
    match bench {
        Bench::Append(args) => ledger::append(args).await,
        Bench::Verify(args) => ledger::verify(args).await,
        Bench::Http(args) => server::http(args).await,
        Bench::Rebuild(args) => server::rebuild(args).await,
        Bench::Members(args) => members::members(args).await,
        Bench::Votes(args) => votes::votes(args).await,
        Bench::Books(args) => books::books(args).await,
        Bench::Pages(args) => pages::pages(args).await,
    }
}
