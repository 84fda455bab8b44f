//! What the benchmarks share: where they run ([`Target`], [`Scratch`]), the median of their
//! runs, and wrk ([`run_wrk`]) with the CPU time of the server it drives.

use std::process::Stdio;

use anyhow::{Context as _, bail};
use verbund_ledger::scratch::ScratchDatabase;

/// Where a benchmark runs: a fresh SQLite file by default, or a scratch schema of a server.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// `postgres://…` to benchmark PostgreSQL (in a scratch schema that is dropped afterwards)
    /// or `sqlite:PATH`; default: a new SQLite file in a temporary directory.
    #[arg(long)]
    pub database_url: Option<String>,
}

/// The second paths a benchmark may turn off, to measure what each buys (`docs/performance.md`,
/// "Second paths"): each flag sets one option of the ledger or the projections, nothing else.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Tuning {
    /// SQLite: events a log may hold beyond its stream index (1: indexed with every batch,
    /// no deferral). Default: the ledger's.
    #[arg(long)]
    pub index_lag_events: Option<u64>,
    /// Events per log the writer keeps in memory for reads of what was just written (0: every
    /// read goes to the database). Default: the ledger's.
    #[arg(long)]
    pub recent_events: Option<usize>,
    /// PostgreSQL: stream versions the writer remembers (0: every batch the careful way,
    /// locking and reading first). Default: the ledger's.
    #[arg(long)]
    pub writer_streams_known: Option<usize>,
    /// Pages read and decoded ahead of the projections (1: one). Default: the runtime's.
    #[arg(long)]
    pub read_ahead_pages: Option<usize>,
}

impl Tuning {
    /// `options` with the flags given applied.
    pub fn ledger(&self, options: verbund_ledger::LedgerOptions) -> verbund_ledger::LedgerOptions {
        let mut options = options;
        if let Some(lag) = self.index_lag_events {
            options.index_lag_events_max = lag;
        }
        if let Some(recent) = self.recent_events {
            options.recent_events_max = recent;
        }
        if let Some(known) = self.writer_streams_known {
            options.writer_streams_known_max = known;
        }
        options
    }

    /// `options` with the flags given applied.
    pub fn runtime(
        &self,
        options: verbund_projections::RuntimeOptions,
    ) -> verbund_projections::RuntimeOptions {
        let mut options = options;
        if let Some(pages) = self.read_ahead_pages {
            options.read_ahead_pages = pages;
        }
        options
    }

    /// The application's settings for `url` with the flags given applied.
    pub fn config(&self, url: &str) -> verbund_api::app::Config {
        let mut config = verbund_api::app::Config::new(url);
        config.ledger = self.ledger(config.ledger);
        config.runtime = self.runtime(config.runtime);
        config
    }
}

/// Where a benchmark writes: the file named by an explicit `sqlite:` URL, or a scratch database
/// (a new SQLite file by default, a new schema for `postgres:`) removed afterwards.
pub(crate) struct Scratch {
    pub(crate) url: String,
    database: Option<ScratchDatabase>,
}

impl Scratch {
    pub async fn create(target: &Target) -> anyhow::Result<Self> {
        let database = match &target.database_url {
            Some(url) if url.starts_with("postgres") => {
                ScratchDatabase::postgres(url, "verbund_bench")
                    .await
                    .context("creating a scratch schema")?
            }
            Some(url) => {
                return Ok(Self {
                    url: url.clone(),
                    database: None,
                });
            }
            None => ScratchDatabase::sqlite()?,
        };
        Ok(Self {
            url: database.url().to_owned(),
            database: Some(database),
        })
    }

    pub fn name(&self) -> &'static str {
        if self.url.starts_with("sqlite") {
            "SQLite"
        } else {
            "PostgreSQL"
        }
    }

    pub async fn remove(self) -> anyhow::Result<()> {
        if let Some(database) = self.database {
            database.remove().await?;
        }
        Ok(())
    }
}

/// The median of `values` (the upper one of an even count).
pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One `wrk` run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Load {
    pub(crate) requests_per_s: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) errors: u64,
    /// Requests answered in the run.
    pub(crate) requests: u64,
    /// CPU time of this process per request, in microseconds, where the system tells: the
    /// server under load, and whatever else of the benchmark runs meanwhile (its idle
    /// background tasks); wrk is a process of its own. Per answered request, refused ones
    /// included (the runs report those).
    pub(crate) server_cpu_us: Option<f64>,
}

impl Load {
    /// ", 3 non-2xx or failed", or nothing where every request succeeded.
    pub(crate) fn errors_text(&self) -> String {
        if self.errors > 0 {
            format!(", {} non-2xx or failed", self.errors)
        } else {
            String::new()
        }
    }

    /// ", 23.4 µs server CPU per request", or nothing where the system does not tell.
    pub(crate) fn cpu_text(&self) -> String {
        self.server_cpu_us.map_or(String::new(), |us| {
            format!(", {us:.1} µs server CPU per request")
        })
    }
}

pub(crate) fn which(program: &str) -> anyhow::Result<String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .map(|found| found.display().to_string())
        .with_context(|| format!("{program} is not on the PATH"))
}

pub(crate) async fn run_wrk(
    wrk: &str,
    url: &str,
    extra: &[String],
    connections: u32,
    seconds: u64,
) -> anyhow::Result<Load> {
    run_wrk_threads(wrk, url, extra, connections, 2, seconds).await
}

/// [`run_wrk`] with `threads` threads of wrk: one per connection where a script keeps state
/// per connection (wrk's scripts keep it per thread).
pub(crate) async fn run_wrk_threads(
    wrk: &str,
    url: &str,
    extra: &[String],
    connections: u32,
    threads: u32,
    seconds: u64,
) -> anyhow::Result<Load> {
    let mut command = std::process::Command::new(wrk);
    command
        .arg(format!("-t{threads}"))
        .arg("--latency")
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null());
    // wrk runs for seconds; the server it measures runs on this runtime meanwhile.
    let cpu = process_cpu_seconds();
    let output = tokio::task::spawn_blocking(move || command.output())
        .await?
        .context("running wrk")?;
    let cpu = process_cpu_seconds()
        .zip(cpu)
        .map(|(after, before)| after - before);
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut load =
        parse_wrk(&text).with_context(|| format!("cannot read wrk's report:\n{text}"))?;
    load.server_cpu_us = cpu
        .filter(|_| load.requests > 0)
        .map(|seconds| seconds * 1e6 / load.requests as f64);
    Ok(load)
}

/// Reads the requests, requests/s and the 50th and 99th latency percentiles from `wrk
/// --latency`.
fn parse_wrk(text: &str) -> Option<Load> {
    let mut load = Load {
        requests_per_s: 0.0,
        p50_ms: 0.0,
        p99_ms: 0.0,
        errors: 0,
        requests: 0,
        server_cpu_us: None,
    };
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [n, "requests", "in", ..] => load.requests = n.parse().ok()?,
            ["Requests/sec:", value] => load.requests_per_s = value.parse().ok()?,
            ["50%", value] => load.p50_ms = duration_ms(value)?,
            ["99%", value] => load.p99_ms = duration_ms(value)?,
            ["Non-2xx", "or", "3xx", "responses:", n] => load.errors += n.parse::<u64>().ok()?,
            ["Socket", "errors:", rest @ ..] => {
                load.errors += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    (load.requests_per_s > 0.0).then_some(load)
}

fn duration_ms(text: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}

/// The CPU time this process has used so far, on all its threads (where the system tells).
pub(crate) fn process_cpu_seconds() -> Option<f64> {
    #[cfg(target_os = "linux")]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
        Some(t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9)
    }
    #[cfg(not(target_os = "linux"))]
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_reports_are_read() {
        let report = "Running 1s test @ http://127.0.0.1:1/\n  2 threads and 64 connections\n\
            Latency Distribution\n     50%  412.00us\n     75%    1.02ms\n     90%    2.00ms\n     99%    3.50ms\n\
              51235 requests in 1.00s, 5.98MB read\n  Non-2xx or 3xx responses: 3\nRequests/sec:  51234.56\nTransfer/sec:      5.98MB\n";
        let load = parse_wrk(report).expect("a report");
        assert!((load.requests_per_s - 51234.56).abs() < 1e-6);
        assert!((load.p50_ms - 0.412).abs() < 1e-9);
        assert!((load.p99_ms - 3.5).abs() < 1e-9);
        assert_eq!(load.errors, 3);
        assert_eq!(load.requests, 51235);
        assert_eq!(load.errors_text(), ", 3 non-2xx or failed");
        let clean = Load {
            errors: 0,
            server_cpu_us: Some(12.34),
            ..load
        };
        assert_eq!(clean.errors_text(), "");
        assert_eq!(clean.cpu_text(), ", 12.3 µs server CPU per request");
        assert!(parse_wrk("nothing").is_none());
    }
}
