//! The benchmarks as an operator runs them: `verbund-bench`, small runs.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_verbund-bench"))
        .args(args)
        .output()
        .expect("verbund-bench runs")
}

/// Runs `verbund-bench` with `args`, asserts that it succeeded and returns what it printed.
fn succeeded(args: &[&str]) -> String {
    let output = run(args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The rebuild benchmark's log is made of events the projections understand: a small run
/// folds all of it and reports its figures.
#[test]
fn the_rebuild_benchmark_folds_its_whole_log() {
    let text = succeeded(&["rebuild", "--events", "2000", "--runs", "1"]);
    assert!(
        text.contains("Median: rebuild of all projections"),
        "{text}"
    );
    let folding = text
        .lines()
        .find(|line| line.starts_with("Folding alone, from decoded events in memory"))
        .unwrap_or_else(|| panic!("no line on folding alone: {text}"));
    for projection in ["register", "tokens", "aggregates", "journal"] {
        assert!(
            folding.contains(&format!(" {projection} ")) && folding.contains("µs"),
            "{projection}: {folding}"
        );
    }
    // As `verbund rebuild`, without transparent huge pages (Linux lets a process turn them off).
    #[cfg(target_os = "linux")]
    assert!(text.contains("transparent huge pages off"), "{text}");
    let refused = run(&["rebuild", "--runs", "0"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("must be positive"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

/// The append benchmark says where an append's time goes and, on SQLite, measures the
/// storage's ceiling in the same run.
#[test]
fn the_append_benchmark_reports_its_stages_and_the_storage_ceiling() {
    let text = succeeded(&[
        "append",
        "--writers",
        "4",
        "--seconds",
        "1",
        "--runs",
        "1",
        "--no-baseline",
    ]);
    assert!(text.contains("median: group commit"), "{text}");
    assert!(text.contains("a sync of the WAL takes"), "{text}");
    assert!(text.contains("median: storage ceiling"), "{text}");
}

/// The member-list benchmark builds its members from events the domain folds: a small run
/// rebuilds all of them and reports events/s and memory per member.
#[test]
fn the_member_list_benchmark_rebuilds_every_member() {
    let text = succeeded(&["members", "--members", "60", "--runs", "1"]);
    assert!(text.contains("60 members, 600 membership events"), "{text}");
    assert!(text.contains("Median: member list rebuilt at"), "{text}");
    assert!(text.contains("bytes per member"), "{text}");
}
