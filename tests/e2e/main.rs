//! End-to-end tests: the real `verbund` binary as separate OS processes, on SQLite and
//! PostgreSQL. One test binary, one module per concern.

mod books;
mod cli;
mod crash;
mod governance;
mod http;
mod membership;
mod operations;
mod oracles;
mod organ_pages;
mod pages;
mod processes;
mod upgrades;

use std::collections::HashMap;
use std::process::Command;

use tokio::runtime::Runtime;
use verbund_ledger::{Ledger, LogId, Position, RecordedEvent};

/// The `verbund` binary of this build.
pub fn verbund() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_verbund"));
    command.env("VERBUND_LOG", "error");
    command
}

/// Runs `verbund` with `args` and expects success; what it printed.
pub fn run_verbund(args: &[&str]) -> String {
    let output = verbund().args(args).output().expect("verbund runs");
    assert!(
        output.status.success(),
        "verbund {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Founds `coop` through the CLI under the statute file `statute` with the founding file's
/// text `founding`, issues a token to each of `principals`, and starts a server that knows
/// them from its first request on.
pub fn found_and_serve(
    db: &verbund_tests::TestDb,
    coop: &str,
    statute: &str,
    founding: &str,
    principals: Vec<String>,
) -> verbund_tests::Client {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let founding_file = dir.path().join("founding.toml");
    std::fs::write(&founding_file, founding).expect("write the founding file");
    run_verbund(&[
        "coop",
        "create",
        coop,
        "--statute",
        statute,
        "--founding",
        founding_file.to_str().expect("a path"),
        "--database-url",
        &db.url,
    ]);
    let tokens = principals
        .into_iter()
        .map(|principal| {
            let out = run_verbund(&[
                "token",
                "issue",
                coop,
                &principal,
                "--database-url",
                &db.url,
            ]);
            (principal, out.lines().last().expect("a token").to_owned())
        })
        .collect();
    let server = verbund_tests::Server::start(verbund(), &db.url, "warn");
    verbund_tests::Client::new(coop, server, &db.url, tokens)
}

/// The path of a file in `examples/`.
pub fn examples(file: &str) -> String {
    format!("{}/../examples/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// Starts `verbund append` on `input`.
pub fn spawn_append(
    url: &str,
    log: &str,
    input: &std::path::Path,
    concurrency: u32,
) -> std::process::Child {
    verbund_tests::spawn_append(verbund(), url, log, input, concurrency)
}

/// The whole log.
pub fn all_events(rt: &Runtime, ledger: &Ledger, log: &LogId) -> Vec<RecordedEvent> {
    rt.block_on(async {
        let mut events = Vec::new();
        loop {
            let page = ledger
                .read_log(log, Position::new(events.len() as u64 + 1), 10_000)
                .await
                .expect("read");
            let done = page.len() < 10_000;
            events.extend(page);
            if done {
                return events;
            }
        }
    })
}

/// Asserts that every acknowledged command is in the log at the acknowledged positions, that
/// positions have no gaps and that the chain verifies; returns the events.
pub fn assert_acknowledged_present(
    rt: &Runtime,
    ledger: &Ledger,
    log: &LogId,
    acked: &HashMap<String, (u64, u64)>,
) -> Vec<RecordedEvent> {
    let events = all_events(rt, ledger, log);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.position.get(), i as u64 + 1, "positions run without gaps");
    }
    for (command, (first, last)) in acked {
        for position in *first..=*last {
            let stored = events
                .get(usize::try_from(position - 1).expect("small"))
                .unwrap_or_else(|| {
                    panic!(
                        "acknowledged command {command} at {position} is missing from a log of {}",
                        events.len()
                    )
                });
            assert_eq!(
                stored.metadata.command_id.as_str(),
                command,
                "at position {position}"
            );
        }
    }
    let report = rt
        .block_on(ledger.verify(log, None, &mut |_| {}))
        .expect("verify runs");
    assert!(report.is_intact(), "{:?}", report.first_break);
    events
}
