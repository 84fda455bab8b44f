//! A writer killed with SIGKILL at random moments loses no acknowledged append, and the log
//! verifies after every restart, on both databases.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use verbund_ledger::LogId;
use verbund_tests::*;

use crate::spawn_append;

const COMMITS: u64 = 20_000;
const KILLS: usize = 6;

fn expected_events(i: u64) -> u64 {
    1 + i % 3
}

fn crash_and_recover(db: &TestDb) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let input = dir.path().join("commits.jsonl");
    let lines: Vec<String> = (0..COMMITS)
        .map(|i| {
            commit_line(
                &format!("crash-{i}"),
                &format!("member:{}", i % 50),
                json!("any"),
                expected_events(i),
            )
        })
        .collect();
    std::fs::write(&input, lines.join("\n")).expect("write the input");

    let mut rng = Rng::from_time();
    let seed = rng.seed();
    let mut acked: HashMap<String, (u64, u64)> = HashMap::new();
    let record = |answers: Vec<Answer>, acked: &mut HashMap<String, (u64, u64)>| {
        for answer in answers {
            let positions = answer
                .positions
                .unwrap_or_else(|e| panic!("{}: {e} (seed {seed})", answer.command_id));
            // A replay after a restart must report the positions of the original append.
            if let Some(before) = acked.insert(answer.command_id.clone(), positions) {
                assert_eq!(
                    before, positions,
                    "{} moved (seed {seed})",
                    answer.command_id
                );
            }
        }
    };
    let mut interrupted = 0;
    for _ in 0..KILLS {
        let mut child = spawn_append(&db.url, "crash", &input, 32);
        let answers = read_answers(&mut child);
        std::thread::sleep(Duration::from_millis(20 + rng.below(300)));
        child.kill().expect("SIGKILL");
        child.wait().expect("the child is reaped");
        let answers = answers.join().expect("reader");
        if (answers.len() as u64) < COMMITS {
            interrupted += 1;
        }
        record(answers, &mut acked);
    }
    assert!(
        interrupted > 0,
        "no kill landed while the child was appending (seed {seed})"
    );
    // A last run to the end: every command is committed exactly once in the end.
    let mut child = spawn_append(&db.url, "crash", &input, 32);
    let answers = read_answers(&mut child);
    assert!(
        child.wait().expect("the child ends").success(),
        "seed {seed}"
    );
    record(answers.join().expect("reader"), &mut acked);
    assert_eq!(acked.len() as u64, COMMITS);

    let rt = runtime();
    let ledger = db.ledger(&rt);
    let log = LogId::parse("crash").expect("valid");
    let events = crate::assert_acknowledged_present(&rt, &ledger, &log, &acked);
    assert_eq!(
        events.len() as u64,
        (0..COMMITS).map(expected_events).sum::<u64>(),
        "nothing twice (seed {seed})"
    );
}

#[test]
fn a_writer_killed_at_random_moments_loses_no_acknowledged_append_on_sqlite() {
    crash_and_recover(&TestDb::sqlite());
}

#[test]
fn a_writer_killed_at_random_moments_loses_no_acknowledged_append_on_postgres() {
    if let Some(db) = TestDb::postgres(
        "a_writer_killed_at_random_moments_loses_no_acknowledged_append_on_postgres",
    ) {
        crash_and_recover(&db);
    }
}
