//! The command line as a newcomer and an auditor use it.

use std::process::Output;

use verbund_tests::*;

use crate::{spawn_append, verbund};

fn run(args: &[&str]) -> Output {
    verbund().args(args).output().expect("verbund runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `verbund` with `args`, asserts that it succeeded (else shows its errors) and returns
/// what it printed.
fn succeeded(args: &[&str]) -> String {
    let output = run(args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

fn demo(url: &str) -> Output {
    run(&["demo", "--no-serve", "--database-url", url])
}

#[test]
fn the_demo_founds_through_commands_issues_a_token_per_role_and_founds_once() {
    let db = TestDb::sqlite();
    let first = demo(&db.url);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let text = stdout(&first);
    assert!(
        text.contains("Founded the demo cooperative dorfhandwerk-eg"),
        "{text}"
    );
    assert_eq!(
        text.matches("vb1_").count(),
        13,
        "a token per role, a sign-in link per person and the auditing association's: {text}"
    );
    assert!(text.contains("/c/dorfhandwerk-eg/sign-in/vb1_"), "{text}");
    assert!(text.contains("chain intact"), "{text}");

    let second = demo(&db.url);
    assert!(second.status.success());
    assert!(
        stdout(&second).contains("was founded before"),
        "{}",
        stdout(&second)
    );
    // The founding (13 events), the first bookings (6), the people (4) and the assembly with
    // its motion, proxy and open ballot (4) once; 8 tokens and 5 sign-in links per run.
    let logs = stdout(&run(&["logs", "--database-url", &db.url]));
    assert!(logs.starts_with("dorfhandwerk-eg\t53 events"), "{logs}");
}

#[test]
fn verify_exits_zero_when_intact_and_one_with_the_position_when_broken() {
    let db = TestDb::sqlite();
    let made = demo(&db.url);
    assert!(made.status.success());
    let printed = stdout(&made);
    let admin = printed
        .lines()
        .skip_while(|line| !line.starts_with("  admin "))
        .nth(1)
        .expect("the demo prints the administrator's token")
        .trim()
        .to_owned();
    let intact = run(&["verify", "--quiet", "--database-url", &db.url]);
    assert_eq!(intact.status.code(), Some(0));
    assert!(stdout(&intact).contains("1 of 1 logs intact"));
    // What the chain alone cannot see is said, and how to see it.
    assert!(
        stdout(&intact).contains("without an anchor")
            && stdout(&intact).contains("--log ID --anchor"),
        "{}",
        stdout(&intact)
    );

    // Tamper with the file the way someone with a hex editor could: the statute as signed at
    // the founding (position 1) gets a notice period of 13 months instead of 12.
    let path = db.url.trim_start_matches("sqlite:").to_owned();
    let wal = std::fs::metadata(format!("{path}-wal")).map_or(0, |m| m.len());
    assert_eq!(wal, 0, "the demo checkpointed its write-ahead log on exit");
    let mut bytes = std::fs::read(&path).expect("read the database file");
    let at: Vec<usize> = bytes
        .windows(25)
        .enumerate()
        .filter(|(_, w)| w == b"notice_period_months = 12")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(at.len(), 1, "the statute's text is stored once");
    bytes[at[0] + 24] = b'3';
    std::fs::write(&path, bytes).expect("write the database file");
    let broken = run(&["verify", "--quiet", "--database-url", &db.url]);
    assert_eq!(broken.status.code(), Some(1));
    let text = stdout(&broken);
    assert!(
        text.contains("BROKEN at position 1 — hash mismatch"),
        "{text}"
    );
    assert!(text.contains("0 of 1 logs intact"), "{text}");

    assert!(text.contains("takes no writes"), "{text}");

    // Issue 23, point 4: the broken log takes no writes — not from the command line, not
    // through a server, which says why at /readyz — until a resume finds it intact.
    let issued = run(&[
        "token",
        "issue",
        "dorfhandwerk-eg",
        "auditor",
        "--database-url",
        &db.url,
    ]);
    assert_eq!(issued.status.code(), Some(2));
    let error = String::from_utf8_lossy(&issued.stderr);
    assert!(
        error.contains("takes no writes") && error.contains("position 1"),
        "{error}"
    );
    let server = Server::start(verbund(), &db.url, "warn");
    let http = Http::default();
    let ready = http.get(&server.url("/readyz"), None);
    assert_eq!(ready.status, 503, "{}", ready.text);
    let detail = ready.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        detail.contains("position 1") && detail.contains("verbund resume --log dorfhandwerk-eg"),
        "{detail}"
    );
    let write = http.send(
        "POST",
        &server.url("/v1/coops/dorfhandwerk-eg/tokens"),
        Some(&admin),
        &[],
        Some(r#"{"principal": "auditor"}"#),
    );
    assert_eq!(write.status, 503, "{}", write.text);
    assert_eq!(write.json()["code"], "log-halted");
    drop(server);
    let resumed = run(&[
        "resume",
        "--log",
        "dorfhandwerk-eg",
        "--database-url",
        &db.url,
    ]);
    assert_eq!(resumed.status.code(), Some(1), "still broken");
    assert!(stdout(&resumed).contains("still BROKEN at position 1"));
}

#[test]
fn verify_with_an_anchor_detects_a_rewritten_log_and_rejects_bad_anchors() {
    let db = TestDb::sqlite();
    let head = stdout(&demo(&db.url));
    let head = head
        .lines()
        .find_map(|l| l.split("Head ").nth(1))
        .expect("the demo prints its head")
        .trim()
        .to_owned();
    let ok = run(&[
        "verify",
        "--quiet",
        "--database-url",
        &db.url,
        "--log",
        "dorfhandwerk-eg",
        "--anchor",
        &head,
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    assert!(
        !stdout(&ok).contains("without an anchor"),
        "{}",
        stdout(&ok)
    );
    let no_log = run(&["verify", "--database-url", &db.url, "--anchor", &head]);
    assert_eq!(no_log.status.code(), Some(2), "an anchor needs --log");
    assert!(
        String::from_utf8_lossy(&no_log.stderr).contains("--log"),
        "{}",
        String::from_utf8_lossy(&no_log.stderr)
    );
    let wrong = format!(
        "{}:{}",
        head.split(':').next().expect("position"),
        "00".repeat(32)
    );
    let mismatch = run(&[
        "verify",
        "--quiet",
        "--database-url",
        &db.url,
        "--log",
        "dorfhandwerk-eg",
        "--anchor",
        &wrong,
    ]);
    assert_eq!(mismatch.status.code(), Some(1));
    assert!(
        stdout(&mismatch).contains("anchor mismatch"),
        "{}",
        stdout(&mismatch)
    );
    let malformed = run(&[
        "verify",
        "--database-url",
        &db.url,
        "--log",
        "dorfhandwerk-eg",
        "--anchor",
        "six",
    ]);
    assert_eq!(malformed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&malformed.stderr).contains("POSITION:HASH"));
}

#[test]
fn append_reports_each_line_and_a_malformed_line_does_not_stop_the_rest() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let input = dir.path().join("in.jsonl");
    let good = commit_line("c-1", "member:1", serde_json::json!("no_stream"), 2);
    let bad_stream = commit_line("c-2", "member 2", serde_json::json!("any"), 1);
    let conflict = commit_line("c-3", "member:1", serde_json::json!("no_stream"), 1);
    std::fs::write(
        &input,
        [good.as_str(), "not json", bad_stream.as_str()].join("\n"),
    )
    .expect("write");
    let mut child = spawn_append(&db.url, "imports", &input, 1);
    let answers = read_answers(&mut child);
    assert_eq!(
        child.wait().expect("ends").code(),
        Some(1),
        "a failed line makes the exit code 1"
    );
    let answers = answers.join().expect("reader");
    assert_eq!(answers.len(), 3);
    assert_eq!(
        answers.iter().filter(|a| a.positions == Ok((1, 2))).count(),
        1
    );
    assert!(
        answers
            .iter()
            .any(|a| matches!(&a.positions, Err(e) if e.contains("malformed line")))
    );
    assert!(
        answers
            .iter()
            .any(|a| matches!(&a.positions, Err(e) if e.contains("stream id")))
    );

    std::fs::write(&input, conflict).expect("write");
    let mut child = spawn_append(&db.url, "imports", &input, 1);
    let answers = read_answers(&mut child);
    child.wait().expect("ends");
    let answers = answers.join().expect("reader");
    assert!(
        matches!(&answers[0].positions, Err(e) if e.contains("version conflict")),
        "{answers:?}"
    );
}

#[test]
fn output_into_a_closed_pipe_ends_quietly_instead_of_panicking() {
    let db = TestDb::sqlite();
    let mut child = verbund()
        .args(["demo", "--no-serve", "--database-url", &db.url])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("verbund starts");
    // Like `verbund demo | head -0`: the reader goes away before the first line.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("verbund ends");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
}

#[test]
fn export_writes_every_envelope_linked_by_its_hashes_and_rebuild_refolds_the_log() {
    let db = TestDb::sqlite();
    assert!(demo(&db.url).status.success());
    let exported = run(&["export", "dorfhandwerk-eg", "--database-url", &db.url]);
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let lines: Vec<serde_json::Value> = stdout(&exported)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON envelope per line"))
        .collect();
    assert_eq!(
        lines.len(),
        40,
        "the founding (13 events), the first bookings (6), 4 people, the assembly with its motion, a proxy and the open ballot (4), 8 tokens and 5 sign-in links"
    );
    assert_eq!(lines[0]["type"], "CooperativeFounded");
    assert_eq!(lines[0]["prev_hash"], "00".repeat(32));
    for (i, pair) in lines.windows(2).enumerate() {
        assert_eq!(pair[1]["position"], i as u64 + 2);
        assert_eq!(
            pair[1]["prev_hash"],
            pair[0]["hash"],
            "the chain links at {}",
            i + 2
        );
    }
    let tail = run(&[
        "export",
        "dorfhandwerk-eg",
        "--from",
        "39",
        "--database-url",
        &db.url,
    ]);
    assert_eq!(stdout(&tail).lines().count(), 2);

    let rebuilt = run(&["rebuild", "--database-url", &db.url]);
    assert!(
        rebuilt.status.success(),
        "{}",
        String::from_utf8_lossy(&rebuilt.stderr)
    );
    assert!(
        stdout(&rebuilt).contains("dorfhandwerk-eg: 40 events folded into 4 projections"),
        "{}",
        stdout(&rebuilt)
    );
    let unknown = run(&["export", "nosuch-eg", "--database-url", &db.url]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("nosuch-eg"));
}

/// Issue 24, point 7: the example systemd units (`examples/*.service`) start `verbund` only
/// with subcommands, options and environment variables it understands: every `--option` of an
/// `ExecStart` and every `VERBUND_…` variable is in that subcommand's help (`VERBUND_LOG` and
/// `VERBUND_LOG_FORMAT`, read by every subcommand, in the README).
#[test]
fn the_example_systemd_units_use_only_what_verbund_understands() {
    let readme = std::fs::read_to_string(crate::examples("../README.md")).expect("the README");
    for unit in ["verbund.service", "verbund-retention@.service"] {
        let text = std::fs::read_to_string(crate::examples(unit)).expect("the unit");
        let exec = text
            .lines()
            .find_map(|l| l.strip_prefix("ExecStart=/usr/local/bin/verbund "))
            .unwrap_or_else(|| panic!("{unit} starts verbund"));
        let subcommand = exec.split_whitespace().next().expect("a subcommand");
        let help = succeeded(&[subcommand, "--help"]);
        for option in exec.split_whitespace().filter(|w| w.starts_with("--")) {
            assert!(
                help.contains(option),
                "{unit}: {option} is no option of {subcommand}"
            );
        }
        for variable in text
            .lines()
            .filter_map(|l| l.strip_prefix("Environment="))
            .filter_map(|l| l.split_once('=').map(|(name, _)| name))
            .filter(|name| name.starts_with("VERBUND_"))
        {
            assert!(
                help.contains(&format!("[env: {variable}=")) || readme.contains(variable),
                "{unit}: {variable} means nothing to {subcommand}"
            );
        }
    }
}
