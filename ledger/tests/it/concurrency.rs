//! Concurrent appends and subscriptions.

use std::collections::HashMap;
use std::sync::Arc;

use verbund_ledger::*;

use crate::support::*;

on_both_databases!(
    sixty_four_tasks_on_overlapping_streams_lose_nothing_and_keep_one_chain,
    two_writers_racing_on_overlapping_streams_lose_nothing_and_keep_one_chain,
    a_subscriber_started_during_heavy_appending_sees_every_event_once_in_order,
    a_writer_with_its_second_paths_off_loses_nothing_and_keeps_one_chain,
);

const TASKS: u64 = 64;
const APPENDS_PER_TASK: u64 = 25;
const STREAMS: u64 = 8;

async fn sixty_four_tasks_on_overlapping_streams_lose_nothing_and_keep_one_chain(db: &TestDb) {
    let ledger = db.ledger().await;
    race(db, std::slice::from_ref(&ledger), "busy").await;
    let counters = ledger.writer_counters();
    assert!(
        counters.batches < counters.appends,
        "concurrent appends share commits: {counters:?}"
    );
}

/// The switches the benchmarks measure the second paths with (`docs/performance.md`) leave a
/// correct ledger: PostgreSQL's writer remembering no streams decides every batch the careful
/// way, SQLite's takes every batch into the stream index at once.
async fn a_writer_with_its_second_paths_off_loses_nothing_and_keeps_one_chain(db: &TestDb) {
    let ledger = db
        .ledger_with(|options| {
            options.writer_streams_known_max = 0;
            options.index_lag_events_max = 1;
        })
        .await;
    race(db, std::slice::from_ref(&ledger), "careful").await;
}

/// Two writers on one database, as two server processes are: each with its own knowledge of
/// the heads and stream versions (on PostgreSQL the one-statement path that trusts it), racing
/// on the same streams; and each acknowledged command repeated through the other writer is
/// answered with its original positions.
async fn two_writers_racing_on_overlapping_streams_lose_nothing_and_keep_one_chain(db: &TestDb) {
    let (one, other) = (db.ledger().await, db.ledger().await);
    race(db, &[one, other], "raced").await;
}

/// `TASKS` tasks over `writers`, appending to `STREAMS` shared streams; checks that every
/// acknowledged append is in the log exactly once, at its positions, with one chain. The log
/// is read back through a ledger opened afterwards: on SQLite a writer's reads stop at the head
/// it knows to be durable, and it learns another writer's head through a subscription's poll.
async fn race(db: &TestDb, writers: &[Ledger], name: &str) {
    let ledger = writers[0].clone();
    let coop = log(name);
    ledger.create_log(&coop).await.expect("create");

    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let n = writers.len() as u64;
        let ledger = writers[(task % n) as usize].clone();
        let repeater = writers[((task + 1) % n) as usize].clone();
        let coop = coop.clone();
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            let mut conflicts = 0u64;
            for i in 0..APPENDS_PER_TASK {
                let stream_name = format!("s{}", (task + i) % STREAMS);
                // Half the appends read the stream first and expect its version (and so race
                // with the others); half append to whatever version.
                let expected = if i % 2 == 0 {
                    let tail = ledger
                        .read_stream(&coop, &stream(&stream_name), StreamVersion::FIRST, 10_000)
                        .await;
                    match tail.expect("read").last() {
                        Some(e) => ExpectedVersion::Exact(e.stream_version),
                        None => ExpectedVersion::NoStream,
                    }
                } else {
                    ExpectedVersion::Any
                };
                let id = format!("t{task}-{i}");
                let events = vec![
                    event("Raced", task * 1_000 + i),
                    event("Raced", task * 1_000 + i + 500),
                ];
                let append = commit(&id, &stream_name, expected, events);
                match ledger.append(&coop, append.clone()).await {
                    Ok(committed) => {
                        if i % 5 == 0 {
                            let again = repeater
                                .append(&coop, append)
                                .await
                                .expect("a repeated command is answered");
                            assert!(again.replayed, "{id} repeated");
                            assert_eq!(
                                (again.first_position, again.last_position),
                                (committed.first_position, committed.last_position),
                                "{id} repeated"
                            );
                        }
                        acked.push((id, committed))
                    }
                    Err(LedgerError::Conflict { .. }) => conflicts += 1,
                    Err(other) => panic!("only conflicts may fail an append, got {other}"),
                }
            }
            (acked, conflicts)
        }));
    }
    let mut acked: HashMap<String, Committed> = HashMap::new();
    let mut conflicts = 0;
    for task in tasks {
        let (a, c) = task.await.expect("task");
        acked.extend(a);
        conflicts += c;
    }

    let ledger = db.ledger().await;
    let events = all_events(&ledger, &coop).await;
    assert_eq!(
        events.len() as u64,
        acked.len() as u64 * 2,
        "every acknowledged event, and nothing else"
    );
    assert_eq!(acked.len() as u64 + conflicts, TASKS * APPENDS_PER_TASK);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.position.get(), i as u64 + 1);
    }
    for (id, committed) in &acked {
        let first = usize::try_from(committed.first_position.get() - 1).expect("small");
        assert_eq!(events[first].metadata.command_id.as_str(), id);
        assert_eq!(events[first + 1].metadata.command_id.as_str(), id);
        assert_eq!(
            committed.last_position.get(),
            committed.first_position.get() + 1
        );
    }
    let mut versions: HashMap<&str, u64> = HashMap::new();
    for e in &events {
        let v = versions.entry(e.stream_id.as_str()).or_default();
        *v += 1;
        assert_eq!(e.stream_version.get(), *v, "stream versions run 1, 2, 3, …");
    }
    let report = verify(&ledger, &coop).await;
    assert!(report.is_intact(), "{:?}", report.first_break);
}

async fn a_subscriber_started_during_heavy_appending_sees_every_event_once_in_order(db: &TestDb) {
    subscribed_while_appending(&db.ledger().await, "while-appending").await;
}

async fn subscribed_while_appending(ledger: &Ledger, name: &str) {
    const WRITERS: u64 = 16;
    const APPENDS: u64 = 60;
    let ledger = ledger.clone();
    let coop = log(name);
    ledger.create_log(&coop).await.expect("create");
    let start = Arc::new(tokio::sync::Barrier::new(WRITERS as usize + 1));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (ledger, coop, start) = (ledger.clone(), coop.clone(), Arc::clone(&start));
        writers.push(tokio::spawn(async move {
            start.wait().await;
            for i in 0..APPENDS {
                let c = commit(
                    &format!("w{w}-{i}"),
                    &format!("w{w}"),
                    ExpectedVersion::Any,
                    vec![event("Written", i)],
                );
                ledger.append(&coop, c).await.expect("append");
            }
        }));
    }
    start.wait().await;
    // Let the writers get going, then subscribe from the beginning while they still write.
    while ledger.head(&coop).await.expect("head").position.get() < 50 {
        tokio::task::yield_now().await;
    }
    let mut subscription = ledger
        .subscribe(&coop, Position::FIRST)
        .await
        .expect("subscribe");
    let total = WRITERS * APPENDS;
    let mut seen = Vec::new();
    while (seen.len() as u64) < total {
        let event = tokio::time::timeout(std::time::Duration::from_secs(30), subscription.next())
            .await
            .expect("the subscription keeps delivering")
            .expect("next event");
        seen.push(event);
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    let positions: Vec<u64> = seen.iter().map(|e| e.position.get()).collect();
    assert_eq!(
        positions,
        (1..=total).collect::<Vec<_>>(),
        "every event exactly once, in order"
    );
    assert_eq!(
        seen,
        all_events(&ledger, &coop).await,
        "delivered exactly as stored"
    );
    assert!(subscription.try_next().await.expect("poll").is_none());
}
