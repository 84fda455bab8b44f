//! Property: for any sequence of appends with random expected versions and idempotent repeats,
//! some of them by another process, the ledger agrees with a simple model, the log verifies,
//! positions are 1..n without gaps, each stream's versions are 1..k, every accepted append
//! reads back exactly as written, and a live subscription delivers the log exactly as the
//! database holds it, taking what this process wrote from the writer's memory.

use std::collections::HashMap;

use proptest::prelude::*;
use verbund_ledger::*;

use crate::support::*;

#[derive(Clone, Debug)]
enum Expect {
    Any,
    NoStream,
    /// Exactly the stream's current version (usually right).
    Current,
    /// Exactly some version (usually wrong).
    Exact(u64),
}

#[derive(Clone, Debug)]
enum Op {
    Append {
        streams: Vec<(u8, Expect, u8)>,
        /// Appended through a second ledger on the same database: another process.
        elsewhere: bool,
    },
    /// Repeats the `n`-th earlier append (modulo their count) with the same command id.
    Repeat(usize),
    /// Reuses the `n`-th earlier command id with different content.
    Reuse(usize),
}

fn expect() -> impl Strategy<Value = Expect> {
    prop_oneof![
        Just(Expect::Any),
        Just(Expect::NoStream),
        Just(Expect::Current),
        (1u64..6).prop_map(Expect::Exact),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (
            proptest::collection::vec((0u8..4, expect(), 1u8..4), 1..3),
            proptest::bool::weighted(0.2),
        )
            .prop_map(|(mut s, elsewhere)| {
                s.sort_by_key(|x| x.0);
                s.dedup_by_key(|x| x.0);
                Op::Append { streams: s, elsewhere }
            }),
        1 => any::<usize>().prop_map(Op::Repeat),
        1 => any::<usize>().prop_map(Op::Reuse),
    ]
}

struct Model {
    versions: HashMap<String, u64>,
    commits: Vec<(Commit, Result<Committed, String>)>,
}

fn build(
    id: &str,
    streams: &[(u8, Expect, u8)],
    versions: &HashMap<String, u64>,
    salt: u64,
) -> Commit {
    let appends = streams
        .iter()
        .map(|(s, e, n)| {
            let name = format!("s{s}");
            let current = versions.get(&name).copied();
            let expected = match e {
                Expect::Any => ExpectedVersion::Any,
                Expect::NoStream => ExpectedVersion::NoStream,
                Expect::Current => current.map_or(ExpectedVersion::NoStream, exact),
                Expect::Exact(v) => exact(*v),
            };
            let events = (0..u64::from(*n))
                .map(|i| event("Happened", salt * 100 + i))
                .collect();
            StreamAppend::new(stream(&name), expected, events)
        })
        .collect();
    Commit::new(
        CommandId::parse(id).expect("valid"),
        Actor::parse("prop").expect("valid"),
        None,
        appends,
    )
    .expect("valid")
}

/// An event as a subscriber sees it, to compare with what the database holds.
type Seen = (u64, String, u64, String, u32, String, String, i64);

fn seen(view: EventView<'_>) -> Seen {
    (
        view.position().get(),
        view.stream_name().to_owned(),
        view.stream_version().get(),
        view.event_type().to_owned(),
        view.schema_version(),
        view.payload().to_owned(),
        view.actor().as_str().to_owned(),
        view.recorded_at().as_microsecond(),
    )
}

/// Takes every event `subscription` has up to the log's head, in pages of `page`.
async fn drain(
    ledger: &Ledger,
    log: &LogId,
    subscription: &mut Subscription,
    page: usize,
    into: &mut Vec<Seen>,
) {
    let head = ledger.head(log).await.expect("head").position;
    while subscription.next_position() <= head {
        let taken = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            subscription.next_page_decoded(page, |view| Ok::<_, ()>(seen(view))),
        )
        .await
        .expect("committed events reach the subscription")
        .expect("read");
        into.extend(taken.events);
    }
}

/// Takes every event `subscription` has up to the log's head, one by one, whole.
async fn drain_whole(
    ledger: &Ledger,
    log: &LogId,
    subscription: &mut Subscription,
    into: &mut Vec<RecordedEvent>,
) {
    let head = ledger.head(log).await.expect("head").position;
    while subscription.next_position() <= head {
        let event = tokio::time::timeout(std::time::Duration::from_secs(10), subscription.next())
            .await
            .expect("committed events reach the subscription")
            .expect("read");
        into.push(event);
    }
}

async fn run(db: &TestDb, ops: Vec<Op>) {
    // The suite's options, polling often: what the other process appends reaches this one's
    // subscriptions soon.
    let polling_often = |options: &mut LedgerOptions| {
        options.subscription_poll_interval = std::time::Duration::from_millis(5);
    };
    let ledger = db.ledger_with(polling_often).await;
    let coop = log("prop");
    ledger.create_log(&coop).await.expect("create");
    let other = db.ledger_with(polling_often).await;
    let mut live = ledger
        .subscribe(&coop, Position::FIRST)
        .await
        .expect("subscribe");
    let mut whole = ledger
        .subscribe(&coop, Position::FIRST)
        .await
        .expect("subscribe");
    let mut delivered = Vec::new();
    let mut delivered_whole = Vec::new();
    let mut written_here = 0;
    let mut model = Model {
        versions: HashMap::new(),
        commits: Vec::new(),
    };
    for (i, op) in ops.into_iter().enumerate() {
        drain(&ledger, &coop, &mut live, 1 + i % 4, &mut delivered).await;
        drain_whole(&ledger, &coop, &mut whole, &mut delivered_whole).await;
        let (commit, expected_replay_of, by) = match op {
            Op::Append { streams, elsewhere } => (
                build(&format!("c{i}"), &streams, &model.versions, i as u64),
                None,
                if elsewhere { &other } else { &ledger },
            ),
            Op::Repeat(n) if !model.commits.is_empty() => {
                // A repeat of an accepted command replays it; a repeat of a refused one is a
                // fresh attempt, decided on the current versions like any other append.
                let k = n % model.commits.len();
                let replay_of = model.commits[k].1.is_ok().then_some(k);
                (model.commits[k].0.clone(), replay_of, &ledger)
            }
            Op::Reuse(n) => {
                // Only accepted commands are remembered: the id of a refused one is free.
                let accepted: Vec<&Commit> = model
                    .commits
                    .iter()
                    .filter(|(_, r)| r.is_ok())
                    .map(|(c, _)| c)
                    .collect();
                if accepted.is_empty() {
                    continue;
                }
                let original = accepted[n % accepted.len()];
                let changed = build(
                    original.command_id().as_str(),
                    &[(0, Expect::Any, 1)],
                    &model.versions,
                    999_999,
                );
                let result = ledger.append(&coop, changed).await;
                assert!(
                    matches!(result, Err(LedgerError::IdempotencyMismatch(_))),
                    "{result:?}"
                );
                continue;
            }
            Op::Repeat(_) => continue,
        };
        let result = by.append(&coop, commit.clone()).await;
        if std::ptr::eq(by, &ledger)
            && let Ok(committed) = &result
            && !committed.replayed
        {
            written_here += 1;
        }
        if let Some(k) = expected_replay_of {
            // A repeat answers exactly what the original got: positions, or the same refusal
            // decided anew (a refused command was never stored).
            match (&model.commits[k].1, &result) {
                (Ok(original), Ok(again)) => {
                    assert!(again.replayed);
                    assert_eq!(
                        (original.first_position, &original.streams),
                        (again.first_position, &again.streams)
                    );
                }
                (_, result) => {
                    panic!("a repeat of an accepted command must replay, got {result:?}")
                }
            }
            continue;
        }
        // The model's verdict on expected versions.
        let admitted = commit.streams().iter().all(|s| {
            let current = model
                .versions
                .get(s.stream().as_str())
                .copied()
                .map(|v| StreamVersion::new(v).expect("valid"));
            s.expected().admits(current)
        });
        match &result {
            Ok(committed) => {
                assert!(admitted, "the model would refuse {commit:?}");
                assert!(!committed.replayed);
                for s in commit.streams() {
                    *model.versions.entry(s.stream().to_string()).or_default() +=
                        s.events().len() as u64;
                }
            }
            Err(LedgerError::Conflict { .. }) => {
                assert!(!admitted, "the model would accept {commit:?}")
            }
            Err(other) => panic!("unexpected error {other}"),
        }
        // One entry per command id: a refused command that later succeeded is now accepted.
        let entry = (commit, result.map_err(|e| e.to_string()));
        match model
            .commits
            .iter_mut()
            .find(|(c, _)| c.command_id() == entry.0.command_id())
        {
            Some(existing) => *existing = entry,
            None => model.commits.push(entry),
        }
    }

    // Once the live subscription has everything, this process has seen the other's last
    // commits too (on SQLite its reads stop at the head it knows to be on disk).
    drain(&ledger, &coop, &mut live, 3, &mut delivered).await;
    drain_whole(&ledger, &coop, &mut whole, &mut delivered_whole).await;
    let events = all_events(&db.ledger_without_memory().await, &coop).await;
    // Every event read alone through this process, from its writer's memory where it holds
    // it, is what the database holds: whole, hashes included.
    let served_before = ledger.writer_counters().events_from_memory;
    for position in 1..=events.len() + 1 {
        let read = ledger
            .read_event(&coop, Position::new(position as u64))
            .await
            .expect("read");
        assert_eq!(read.as_ref(), events.get(position - 1), "{position}");
    }
    assert_eq!(
        ledger.writer_counters().events_from_memory > served_before,
        written_here > 0,
        "the last events this process wrote are read from its memory"
    );
    assert_eq!(
        events.iter().map(|e| e.position.get()).collect::<Vec<_>>(),
        (1..=events.len() as u64).collect::<Vec<_>>()
    );
    // The live subscriptions, taken after every append: the log exactly, what either process
    // wrote, each event once.
    assert_eq!(
        delivered,
        events.iter().map(|e| seen(e.view())).collect::<Vec<_>>()
    );
    assert_eq!(
        delivered_whole, events,
        "whole events, hashes and ids included"
    );
    let mut versions: HashMap<&str, u64> = HashMap::new();
    for e in &events {
        let v = versions.entry(e.stream_id.as_str()).or_default();
        *v += 1;
        assert_eq!(e.stream_version.get(), *v);
    }
    for (commit, result) in &model.commits {
        let Ok(committed) = result else { continue };
        let mut at = usize::try_from(committed.first_position.get() - 1).expect("small");
        for append in commit.streams() {
            for new in append.events() {
                let stored = &events[at];
                assert_eq!(&stored.stream_id, append.stream());
                assert_eq!(&stored.event_type, new.event_type());
                assert_eq!(stored.schema_version, new.schema_version());
                assert_eq!(&stored.payload, new.payload());
                assert_eq!(&stored.metadata.command_id, commit.command_id());
                at += 1;
            }
        }
    }
    // Each stream reads back as the log's events of that stream, wherever they lie: in the
    // indexes or (on SQLite) in the tail not yet taken into them; and every accepted command is
    // found by its id.
    for stream in model.versions.keys() {
        let id = StreamId::parse(stream.as_str()).expect("valid");
        let read = ledger
            .read_stream(&coop, &id, StreamVersion::FIRST, 10_000)
            .await
            .expect("read a stream");
        let expected: Vec<&RecordedEvent> = events.iter().filter(|e| e.stream_id == id).collect();
        assert_eq!(read.iter().collect::<Vec<_>>(), expected, "stream {stream}");
        // In pages of two, across the index and the tail alike.
        let mut paged = Vec::new();
        let mut from = StreamVersion::FIRST;
        loop {
            let page = ledger
                .read_stream(&coop, &id, from, 2)
                .await
                .expect("read a page");
            let Some(last) = page.last() else { break };
            from = last.stream_version.next();
            paged.extend(page);
        }
        assert_eq!(
            paged.iter().collect::<Vec<_>>(),
            expected,
            "stream {stream} paged"
        );
    }
    for (commit, result) in &model.commits {
        let Ok(committed) = result else { continue };
        let found = ledger
            .find_command(&coop, commit.command_id())
            .await
            .expect("look up a command")
            .expect("an accepted command is found");
        assert_eq!(found.first_position, committed.first_position);
    }
    let report = verify(&ledger, &coop).await;
    assert!(report.is_intact(), "{:?}", report.first_break);
    assert_eq!(report.events_checked, events.len() as u64);
    other.close().await;
    ledger.close().await;
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_of_appends_keeps_the_log_valid_on_sqlite(ops in proptest::collection::vec(op(), 1..40)) {
        runtime().block_on(async {
            let db = TestDb::sqlite().await;
            let outcome = catch(run(&db, ops)).await;
            db.clean_up_then(outcome).await;
        });
    }

    #[test]
    fn any_sequence_of_appends_keeps_the_log_valid_on_postgres(ops in proptest::collection::vec(op(), 1..40)) {
        runtime().block_on(async {
            let Some(db) = TestDb::postgres("any_sequence_of_appends_keeps_the_log_valid_on_postgres").await else { return };
            let outcome = catch(run(&db, ops)).await;
            db.clean_up_then(outcome).await;
        });
    }
}
