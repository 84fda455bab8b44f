//! Two `verbund` processes appending to one PostgreSQL log at the same time keep one linear,
//! gap-free chain, lose no acknowledged event and reject conflicting versions.

use std::collections::HashMap;

use serde_json::json;
use verbund_ledger::LogId;
use verbund_tests::*;

use crate::spawn_append;

const COMMITS_PER_PROCESS: u64 = 2_000;
const CLAIMS: u64 = 100;

#[test]
fn two_processes_appending_to_one_postgres_log_keep_one_chain() {
    let Some(db) = TestDb::postgres("two_processes_appending_to_one_postgres_log_keep_one_chain")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut inputs = Vec::new();
    for process in ["a", "b"] {
        let mut lines = Vec::new();
        for i in 0..COMMITS_PER_PROCESS {
            // Overlapping streams, written with any version by both processes.
            lines.push(commit_line(
                &format!("{process}-{i}"),
                &format!("shared:{}", i % 20),
                json!("any"),
                1 + i % 2,
            ));
            // Streams both processes try to create: exactly one may win each.
            if i % (COMMITS_PER_PROCESS / CLAIMS) == 0 {
                let k = i / (COMMITS_PER_PROCESS / CLAIMS);
                lines.push(commit_line(
                    &format!("{process}-claim-{k}"),
                    &format!("claim:{k}"),
                    json!("no_stream"),
                    1,
                ));
            }
        }
        let path = dir.path().join(format!("{process}.jsonl"));
        std::fs::write(&path, lines.join("\n")).expect("write the input");
        inputs.push(path);
    }
    // Both processes start before either has done anything.
    let mut children: Vec<_> = inputs
        .iter()
        .map(|input| spawn_append(&db.url, "shared", input, 16))
        .collect();
    let readers: Vec<_> = children.iter_mut().map(read_answers).collect();
    for child in &mut children {
        child.wait().expect("the child ends");
    }
    let answers: Vec<Answer> = readers
        .into_iter()
        .flat_map(|r| r.join().expect("reader"))
        .collect();

    let mut acked = HashMap::new();
    let mut claim_winners: HashMap<String, Vec<String>> = HashMap::new();
    for answer in &answers {
        let claim = answer
            .command_id
            .split_once("-claim-")
            .map(|(_, k)| k.to_owned());
        match (&answer.positions, claim) {
            (Ok(positions), claim) => {
                acked.insert(answer.command_id.clone(), *positions);
                if let Some(k) = claim {
                    claim_winners
                        .entry(k)
                        .or_default()
                        .push(answer.command_id.clone());
                }
            }
            (Err(e), Some(_)) => {
                assert!(e.contains("version conflict"), "{}: {e}", answer.command_id)
            }
            (Err(e), None) => panic!("{} failed: {e}", answer.command_id),
        }
    }
    assert_eq!(
        answers.len() as u64,
        2 * (COMMITS_PER_PROCESS + CLAIMS),
        "every line was answered"
    );
    assert_eq!(
        claim_winners.len() as u64,
        CLAIMS,
        "every claimed stream was created"
    );
    assert!(
        claim_winners.values().all(|w| w.len() == 1),
        "exactly one process created each claimed stream"
    );

    let rt = runtime();
    let ledger = db.ledger(&rt);
    let log = LogId::parse("shared").expect("valid");
    let events = crate::assert_acknowledged_present(&rt, &ledger, &log, &acked);
    let acked_events: u64 = acked.values().map(|(first, last)| last - first + 1).sum();
    assert_eq!(
        events.len() as u64,
        acked_events,
        "the log holds exactly the acknowledged events"
    );
    // The processes really ran at the same time: their events interleave.
    let process = |e: &verbund_ledger::RecordedEvent| e.metadata.command_id.as_str().as_bytes()[0];
    let switches = events
        .windows(2)
        .filter(|w| process(&w[0]) != process(&w[1]))
        .count();
    assert!(switches > 1, "the two processes' appends interleave");
}
