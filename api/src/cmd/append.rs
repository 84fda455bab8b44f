//! `verbund append`: appends commits read as JSON Lines from standard input, several in flight
//! at once, and prints one acknowledgement per commit as soon as it is durable. Scripts and
//! imports use it; the crash and multi-process tests drive it.
//!
//! Input, one commit per line:
//! `{"command_id":"c-1","actor":"import:1","streams":[{"stream":"member:1","expected":"no_stream",
//!   "events":[{"type":"MemberAdmitted","schema_version":1,"payload":{…}}]}]}`
//! (`expected` is `"any"`, `"no_stream"` or `{"exact": N}`; `correlation_id` is optional.
//! `records`, optional, are personal-data records stored with the commit, each
//! `{"id": "…", "data": "…", "salt": "64 hex digits"}`: an event refers to one as
//! `{"record": id, "commitment": …}`, the commitment being BLAKE3 of the data keyed with the
//! salt — see `docs/ledger-format.md`.)
//!
//! Output, one line per input line, in completion order:
//! `{"line":1,"command_id":"c-1","first_position":7,"last_position":7,"replayed":false}` or
//! `{"line":1,"command_id":"c-1","error":"…"}`. Exit code 1 if any line failed.

use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use verbund_ledger::{
    Actor, ChainHash, CommandId, Commit, CorrelationId, EventType, ExpectedVersion, LedgerError,
    LogId, NewEvent, Payload, PersonalRecord, StreamAppend, StreamId,
};

use super::Database;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    database: Database,
    /// The log to append to.
    #[arg(long)]
    log: String,
    /// Create the log if it does not exist.
    #[arg(long)]
    create: bool,
    /// Commits in flight at once (group commit batches them).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    concurrency: u16,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InputCommit {
    command_id: String,
    actor: String,
    #[serde(default)]
    correlation_id: Option<String>,
    streams: Vec<InputStream>,
    #[serde(default)]
    records: Vec<InputRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InputRecord {
    id: String,
    data: String,
    salt: String,
}

impl InputRecord {
    fn record(&self) -> Result<PersonalRecord, LedgerError> {
        let salt = ChainHash::from_hex(&self.salt).ok_or_else(|| {
            LedgerError::InvalidAppend(format!(
                "the salt of record {:?} is not 64 hex digits",
                self.id
            ))
        })?;
        PersonalRecord::new(&self.id, self.data.clone(), *salt.as_bytes())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InputStream {
    stream: String,
    expected: ExpectedVersion,
    events: Vec<InputEvent>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InputEvent {
    #[serde(rename = "type")]
    event_type: String,
    schema_version: u32,
    payload: Value,
}

fn parse(line: &str) -> Result<Commit, String> {
    let input: InputCommit =
        serde_json::from_str(line).map_err(|e| format!("malformed line: {e}"))?;
    let build = || -> Result<Commit, LedgerError> {
        let streams = input
            .streams
            .iter()
            .map(|s| {
                let events = s
                    .events
                    .iter()
                    .map(|e| {
                        NewEvent::new(
                            EventType::parse(e.event_type.as_str())?,
                            e.schema_version,
                            Payload::from_value(&e.payload)?,
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(StreamAppend::new(
                    StreamId::parse(s.stream.as_str())?,
                    s.expected,
                    events,
                ))
            })
            .collect::<Result<Vec<_>, LedgerError>>()?;
        let records = input
            .records
            .iter()
            .map(InputRecord::record)
            .collect::<Result<Vec<_>, _>>()?;
        Commit::new(
            CommandId::parse(input.command_id.as_str())?,
            Actor::parse(input.actor.as_str())?,
            input
                .correlation_id
                .as_deref()
                .map(CorrelationId::parse)
                .transpose()?,
            streams,
        )?
        .with_records(records)
    };
    build().map_err(|e| e.to_string())
}

fn print(line: Value) {
    let mut out = std::io::stdout().lock();
    // An acknowledgement is worth something only once it has left the process.
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let ledger = args.database.open().await?;
    let log = LogId::parse(args.log.as_str())?;
    if args.create {
        match ledger.create_log(&log).await {
            Ok(()) | Err(LedgerError::LogExists(_)) => {}
            Err(e) => return Err(e).context("creating the log"),
        }
    }
    let slots = Arc::new(Semaphore::new(usize::from(args.concurrency)));
    let mut tasks = JoinSet::new();
    let mut failed = false;
    // Reading stdin blocks; it happens on a thread of its own and feeds this task.
    let (lines_tx, mut lines) = tokio::sync::mpsc::channel::<std::io::Result<String>>(1024);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            if lines_tx.blocking_send(line).is_err() {
                return;
            }
        }
    });
    let mut number = 0u64;
    while let Some(line) = lines.recv().await {
        let line = line.context("reading standard input")?;
        number += 1;
        if line.trim().is_empty() {
            continue;
        }
        let commit = match parse(&line) {
            Ok(commit) => commit,
            Err(error) => {
                failed = true;
                print(json!({ "line": number, "error": error }));
                continue;
            }
        };
        let permit = Arc::clone(&slots)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let (ledger, log) = (ledger.clone(), log.clone());
        tasks.spawn(async move {
            let _permit = permit;
            let command_id = commit.command_id().to_string();
            match ledger.append(&log, commit).await {
                Ok(c) => {
                    print(json!({
                        "line": number, "command_id": command_id, "first_position": c.first_position,
                        "last_position": c.last_position, "replayed": c.replayed,
                    }));
                    true
                }
                Err(e) => {
                    print(json!({ "line": number, "command_id": command_id, "error": e.to_string() }));
                    false
                }
            }
        });
        while let Some(done) = tasks.try_join_next() {
            failed |= !done.context("an append task panicked")?;
        }
    }
    while let Some(done) = tasks.join_next().await {
        failed |= !done.context("an append task panicked")?;
    }
    ledger.close().await;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_parses_into_a_commit_and_bad_lines_say_why() {
        let line = r#"{"command_id":"c-1","actor":"import:1","streams":[{"stream":"member:1","expected":{"exact":2},
            "events":[{"type":"MemberAdmitted","schema_version":1,"payload":{"shares":"2"}}]}]}"#;
        let commit = parse(&line.replace('\n', "")).expect("valid");
        assert_eq!(commit.event_count(), 1);
        assert!(
            parse("{}")
                .expect_err("missing fields")
                .contains("malformed line")
        );
        let bad_stream = line.replace("member:1", "member 1").replace('\n', "");
        assert!(
            parse(&bad_stream)
                .expect_err("bad stream id")
                .contains("stream id")
        );
    }
}
