//! The storage suite: every behaviour of the ledger, on SQLite and on PostgreSQL.

use serde_json::json;
use verbund_ledger::*;

use crate::support::*;

on_both_databases!(
    an_append_is_readable_exactly_as_written,
    what_this_process_just_wrote_is_read_from_its_memory_exactly_as_stored,
    several_streams_in_one_append_are_written_together_or_not_at_all,
    expected_versions_any_no_stream_and_exact_are_enforced,
    expected_versions_hold_on_streams_the_writer_no_longer_remembers,
    a_guarded_stream_that_changed_is_a_conflict_and_a_guard_writes_nothing,
    a_repeated_command_returns_the_original_positions_even_after_a_restart,
    a_command_id_reused_with_other_content_is_refused,
    logs_in_one_database_are_independent,
    bad_input_gets_a_typed_error_and_writes_nothing,
    reads_are_paged_and_bounded,
    a_decoded_read_hands_over_each_event_as_stored_and_stops_at_the_first_refusal,
    a_decoded_subscription_delivers_read_ahead_events_first_and_offers_a_refused_one_again,
    a_subscription_skipped_ahead_goes_on_from_there_and_never_back,
    a_decoded_read_reports_a_gap_or_a_malformed_identifier_as_corruption,
    the_database_refuses_to_update_or_delete_events,
    an_intact_log_verifies,
    creating_a_log_twice_is_refused,
    closing_commits_what_is_queued_and_refuses_what_comes_after,
    an_unbatched_append_follows_the_same_rules_and_is_readable_at_once,
    a_command_identified_by_its_request_is_found_and_told_from_another_request,
    a_subscriber_sees_what_another_process_appends,
    a_subscriber_behind_another_process_reads_on_to_the_end_without_waiting_for_polls,
    a_busy_log_does_not_hide_what_another_process_appends_to_a_quiet_one,
    two_writers_on_one_database_take_turns_on_one_stream_and_see_each_others_commands,
);

/// One event this process's writer made durable last is read from its memory (the suite's
/// writers keep five), exactly as the database holds it; an older one, and one another
/// process wrote, from the database; once this process writes after the other, its memory
/// starts over there. `read_log` always reads the database.
async fn what_this_process_just_wrote_is_read_from_its_memory_exactly_as_stored(db: &TestDb) {
    let (ledger, other, stored) = (
        db.ledger().await,
        db.ledger().await,
        db.ledger_without_memory().await,
    );
    let coop = log("memory");
    ledger.create_log(&coop).await.expect("create");
    let append = |by: &Ledger, n: u64| {
        let by = by.clone();
        let coop = coop.clone();
        async move {
            by.append(
                &coop,
                commit(
                    &format!("c-{n}"),
                    &format!("member:{n}"),
                    ExpectedVersion::NoStream,
                    vec![event("E", n)],
                ),
            )
            .await
            .expect("append")
        }
    };
    let event_at = |by: &Ledger, position: u64| {
        let by = by.clone();
        let coop = coop.clone();
        async move {
            by.read_event(&coop, Position::new(position))
                .await
                .expect("read")
        }
    };
    let as_stored = |position: u64| {
        let stored = stored.clone();
        let coop = coop.clone();
        async move {
            let read = stored
                .read_log(&coop, Position::new(position), 1)
                .await
                .expect("read");
            assert!(read.len() <= 1);
            read.into_iter().next()
        }
    };
    let served = |by: &Ledger| by.writer_counters().events_from_memory;
    for n in 1..=8 {
        append(&ledger, n).await;
    }

    // 4 to 8 from memory, 1 to 3 and beyond the head from the database; all as stored.
    let before = served(&ledger);
    for position in 4..=8 {
        let read = event_at(&ledger, position).await;
        assert!(read.is_some());
        assert_eq!(read, as_stored(position).await, "{position}");
    }
    assert_eq!(served(&ledger) - before, 5);
    for position in [1, 3, 9] {
        assert_eq!(event_at(&ledger, position).await, as_stored(position).await);
    }
    assert_eq!(event_at(&ledger, 9).await, None);
    ledger
        .read_log(&coop, Position::new(4), 5)
        .await
        .expect("read");
    assert_eq!(served(&ledger) - before, 5, "read_log reads the database");
    assert_eq!(served(&stored), 0);

    // Another process writes 9 and 10, and this one learns of them (on SQLite by a
    // subscription, which adopts a head other processes wrote): they come from the database.
    append(&other, 9).await;
    append(&other, 10).await;
    let mut subscription = ledger
        .subscribe(&coop, Position::new(9))
        .await
        .expect("subscribe");
    for _ in 9..=10 {
        tokio::time::timeout(std::time::Duration::from_secs(10), subscription.next())
            .await
            .expect("the other process's events reach this one")
            .expect("read");
    }
    let before = served(&ledger);
    for position in [9, 10] {
        let read = event_at(&ledger, position).await;
        assert!(read.is_some());
        assert_eq!(read, as_stored(position).await);
    }
    assert_eq!(served(&ledger), before);
    // This process writes 11: its memory starts over there.
    append(&ledger, 11).await;
    assert_eq!(event_at(&ledger, 11).await, as_stored(11).await);
    assert_eq!(served(&ledger) - before, 1);
    assert_eq!(event_at(&ledger, 8).await, as_stored(8).await);
    assert_eq!(served(&ledger) - before, 1);
}

/// Two ledgers on one database, each with a writer of its own (two processes), append to the
/// same stream in turn, each expecting exactly the version the other left, across many
/// takings of the tail into the indexes (the test ledgers index every 7 events): each writer
/// notices what the other wrote, a repeated command replays whichever process committed it,
/// and the log verifies.
async fn two_writers_on_one_database_take_turns_on_one_stream_and_see_each_others_commands(
    db: &TestDb,
) {
    let (first, second) = (db.ledger().await, db.ledger().await);
    let coop = log("coop");
    first.create_log(&coop).await.expect("create");
    let mut originals = Vec::new();
    for n in 0..40u64 {
        let (writer, other) = if n % 2 == 0 {
            (&first, &second)
        } else {
            (&second, &first)
        };
        let expected = match n {
            0 => ExpectedVersion::NoStream,
            n => ExpectedVersion::Exact(StreamVersion::new(n * 2).expect("not zero")),
        };
        let events = vec![event("E", n * 2), event("E", n * 2 + 1)];
        let id = format!("turn-{n}");
        let done = writer
            .append(&coop, commit(&id, "shared", expected, events.clone()))
            .await
            .expect("the version the other writer left");
        assert_eq!(done.streams[0].last_version.get(), n * 2 + 2);
        // The other writer finds it, and a repeat through the other writer replays it.
        let again = other
            .append(&coop, commit(&id, "shared", expected, events))
            .await
            .expect("a replay");
        assert!(again.replayed);
        assert_eq!(again.first_position, done.first_position);
        // What the replay answered is readable through the writer that answered it.
        let read = other
            .read_log(&coop, done.first_position, 2)
            .await
            .expect("read");
        assert_eq!(read.len(), 2, "turn {n}: the replayed events are readable");
        let command = CommandId::parse(id.as_str()).expect("valid");
        assert!(
            other
                .find_command(&coop, &command)
                .await
                .expect("find")
                .is_some(),
            "turn {n}: the replayed command is found"
        );
        // A stale expectation through the other writer is a conflict.
        let stale = other
            .append(
                &coop,
                commit(
                    &format!("stale-{n}"),
                    "shared",
                    expected,
                    vec![event("E", 0)],
                ),
            )
            .await;
        assert!(
            matches!(stale, Err(LedgerError::Conflict { .. })),
            "{stale:?}"
        );
        originals.push((id, done.first_position));
    }
    // A stream the other writer created and this one never saw: "no stream yet" is a
    // conflict, "any" continues its versions (a writer that guesses a stream is new must find
    // out that it is not).
    second
        .append(
            &coop,
            commit(
                "created-there",
                "fresh",
                ExpectedVersion::NoStream,
                vec![event("E", 1)],
            ),
        )
        .await
        .expect("created by the second writer");
    let again = first
        .append(
            &coop,
            commit(
                "created-here",
                "fresh",
                ExpectedVersion::NoStream,
                vec![event("E", 2)],
            ),
        )
        .await;
    assert!(
        matches!(again, Err(LedgerError::Conflict { .. })),
        "{again:?}"
    );
    let next = first
        .append(
            &coop,
            commit(
                "continued-here",
                "fresh",
                ExpectedVersion::Any,
                vec![event("E", 3)],
            ),
        )
        .await
        .expect("any version");
    assert_eq!(next.streams[0].last_version.get(), 2);
    // On SQLite a process reads what another committed once it has adopted the other's head
    // (by its own next commit here; by its subscriptions' polls otherwise).
    first
        .append(
            &coop,
            commit("last", "other", ExpectedVersion::Any, vec![event("E", 0)]),
        )
        .await
        .expect("append");
    for (id, position) in &originals {
        let found = first
            .find_command(&coop, &CommandId::parse(id.as_str()).expect("valid"))
            .await
            .expect("look up")
            .expect("found");
        assert_eq!(found.first_position, *position);
    }
    let read = second
        .read_stream(&coop, &stream("shared"), StreamVersion::FIRST, 1_000)
        .await
        .expect("read the stream");
    assert_eq!(read.len(), 80);
    assert!(
        read.iter()
            .enumerate()
            .all(|(i, e)| e.stream_version.get() == i as u64 + 1)
    );
    let report = first
        .verify(&coop, None, &mut |_| {})
        .await
        .expect("verify");
    assert!(report.is_intact(), "{:?}", report.first_break);
    first.close().await;
    second.close().await;
}

/// A server keeps appending to one cooperative's log while `verbund token issue` appends to
/// another's: the server's subscription to the quiet log sees that append while the load goes
/// on (a batch under way to the busy log says nothing about the quiet one).
async fn a_busy_log_does_not_hide_what_another_process_appends_to_a_quiet_one(db: &TestDb) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let server = db.ledger().await;
    let (busy, quiet) = (log("busy"), log("quiet"));
    server.create_log(&busy).await.expect("create");
    server.create_log(&quiet).await.expect("create");
    let mut subscription = server
        .subscribe(&quiet, Position::FIRST)
        .await
        .expect("subscribe");
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = tokio::task::JoinSet::new();
    for writer in 0..16u64 {
        let (server, busy, stop) = (server.clone(), busy.clone(), Arc::clone(&stop));
        load.spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                server
                    .append(
                        &busy,
                        commit(
                            &format!("load-{writer}-{n}"),
                            &format!("w{writer}"),
                            ExpectedVersion::Any,
                            vec![event("E", n)],
                        ),
                    )
                    .await
                    .expect("a busy append");
                n += 1;
            }
        });
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    let cli = db.ledger().await;
    cli.append(
        &quiet,
        commit("token", "t", ExpectedVersion::Any, vec![event("E", 1)]),
    )
    .await
    .expect("an append from the other process");
    let seen = tokio::time::timeout(std::time::Duration::from_secs(10), subscription.next()).await;
    let loaded = !load.is_empty() && !stop.swap(true, Ordering::Relaxed);
    while let Some(done) = load.join_next().await {
        done.expect("a load task");
    }
    let seen = seen
        .expect("seen while the busy log kept the writer busy")
        .expect("read");
    assert!(loaded);
    assert_eq!(seen.position, Position::FIRST);
    assert_eq!(seen.metadata.command_id.as_str(), "token");
    cli.close().await;
    server.close().await;
}

/// Two ledgers on one database stand for two processes (a server, and `verbund token issue`
/// beside it): what one appends reaches the other's subscribers and reads.
async fn a_subscriber_sees_what_another_process_appends(db: &TestDb) {
    let server = db.ledger().await;
    let coop = log("coop");
    server.create_log(&coop).await.expect("create");
    server
        .append(
            &coop,
            commit("own", "a", ExpectedVersion::Any, vec![event("E", 1)]),
        )
        .await
        .expect("append");
    let mut subscription = server
        .subscribe(&coop, Position::FIRST)
        .await
        .expect("subscribe");
    assert_eq!(
        subscription.next().await.expect("own event").position,
        Position::FIRST
    );

    let other = db.ledger().await;
    other
        .append(
            &coop,
            commit("other", "b", ExpectedVersion::Any, vec![event("E", 2)]),
        )
        .await
        .expect("append elsewhere");
    let seen = tokio::time::timeout(std::time::Duration::from_secs(10), subscription.next())
        .await
        .expect("seen within the poll interval")
        .expect("read");
    assert_eq!(
        (seen.position, seen.metadata.command_id.as_str()),
        (Position::new(2), "other")
    );
    let read = server
        .read_log(&coop, Position::FIRST, 10)
        .await
        .expect("read");
    assert_eq!(read.len(), 2);
    other.close().await;
    server.close().await;
}

/// A subscription far behind what another process appended reads on, page after page, to
/// the end once it looks (its own writer's heads cover none of those events): not a page per
/// poll interval. Here the next poll is an hour away; `try_next` looks now.
async fn a_subscriber_behind_another_process_reads_on_to_the_end_without_waiting_for_polls(
    db: &TestDb,
) {
    let hour = std::time::Duration::from_secs(3_600);
    let here = db
        .ledger_with(|options| options.subscription_poll_interval = hour)
        .await;
    let coop = log("imported");
    here.create_log(&coop).await.expect("create");
    let mut subscription = here
        .subscribe(&coop, Position::FIRST)
        .await
        .expect("subscribe");
    let elsewhere = db.ledger().await;
    fill_in_commits(&elsewhere, &coop, 2_500).await;
    let first = subscription
        .try_next()
        .await
        .expect("read")
        .expect("committed by the other process");
    assert_eq!(first.position, Position::FIRST);
    let position = |view: EventView<'_>| Ok::<_, ()>(view.position().get());
    let mut delivered = vec![1];
    while delivered.len() < 2_500 {
        let page = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            subscription.next_page_decoded(400, position),
        )
        .await
        .expect("read on, not waiting for the poll an hour away")
        .expect("page");
        delivered.extend(page.events);
    }
    assert_eq!(delivered, (1..=2_500).collect::<Vec<_>>());
    elsewhere.close().await;
    here.close().await;
}

async fn a_command_identified_by_its_request_is_found_and_told_from_another_request(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    let id = CommandId::parse("member:1:key-1").expect("valid");
    assert_eq!(ledger.find_command(&coop, &id).await.expect("lookup"), None);

    let actor = Actor::parse("member:1").expect("valid");
    let request = *blake3::hash(b"POST /tokens {}").as_bytes();
    let decided = |n: u64| {
        Commit::new(
            id.clone(),
            actor.clone(),
            None,
            vec![StreamAppend::new(
                stream("s"),
                ExpectedVersion::Any,
                vec![event("E", n)],
            )],
        )
        .expect("valid")
        .identified_by_request(actor.as_str(), request)
    };
    let first = ledger.append(&coop, decided(1)).await.expect("append");
    let found = ledger
        .find_command(&coop, &id)
        .await
        .expect("lookup")
        .expect("committed");
    assert_eq!(
        (found.first_position, found.last_position),
        (first.first_position, first.last_position)
    );
    assert!(found.is_request(actor.as_str(), &request));
    assert!(!found.is_request(actor.as_str(), blake3::hash(b"other").as_bytes()));
    assert!(!found.is_request("member:2", &request));

    // The same request decided again on a later state (other events) is still a replay.
    let again = ledger.append(&coop, decided(2)).await.expect("replay");
    assert!(again.replayed);
    assert_eq!(again.first_position, first.first_position);
    let other = Commit::new(
        id.clone(),
        actor.clone(),
        None,
        vec![StreamAppend::new(
            stream("s"),
            ExpectedVersion::Any,
            vec![event("E", 1)],
        )],
    )
    .expect("valid")
    .identified_by_request(actor.as_str(), *blake3::hash(b"another body").as_bytes());
    assert!(matches!(
        ledger.append(&coop, other).await,
        Err(LedgerError::IdempotencyMismatch(_))
    ));
}

async fn an_append_is_readable_exactly_as_written(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("dorfhandwerk-eg");
    ledger.create_log(&coop).await.expect("create");
    let founded = NewEvent::json(
        "CooperativeFounded",
        1,
        &json!({"name": "Dorfhandwerk eG", "founders": ["a", "b", "c"]}),
    )
    .expect("valid");
    let committed = ledger
        .append(
            &coop,
            commit(
                "c-1",
                "coop",
                ExpectedVersion::NoStream,
                vec![founded.clone()],
            ),
        )
        .await
        .expect("append");
    assert_eq!(committed.first_position, Position::FIRST);
    assert_eq!(committed.last_position, Position::FIRST);
    assert!(!committed.replayed);
    assert_eq!(committed.streams[0].first_version, StreamVersion::FIRST);

    let events = ledger
        .read_log(&coop, Position::FIRST, 10)
        .await
        .expect("read");
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        (e.position, e.stream_version),
        (Position::FIRST, StreamVersion::FIRST)
    );
    assert_eq!(&e.event_type, founded.event_type());
    assert_eq!(&e.payload, founded.payload());
    assert_eq!(e.metadata.command_id.as_str(), "c-1");
    assert_eq!(e.metadata.correlation_id.as_str(), "c-1");
    assert_eq!(e.metadata.actor.as_str(), "test:runner");
    assert_eq!(e.prev_hash, ChainHash::GENESIS);
    assert_eq!(e.hash, e.compute_hash());
    let head = ledger.head(&coop).await.expect("head");
    assert_eq!((head.position, head.hash), (Position::FIRST, e.hash));

    let by_stream = ledger
        .read_stream(&coop, &stream("coop"), StreamVersion::FIRST, 10)
        .await
        .expect("read stream");
    assert_eq!(by_stream, events);
}

async fn several_streams_in_one_append_are_written_together_or_not_at_all(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    ledger
        .append(
            &coop,
            commit("first", "b", ExpectedVersion::Any, vec![event("E", 0)]),
        )
        .await
        .expect("append");

    let both = |id: &str, expected_b| {
        Commit::new(
            CommandId::parse(id).expect("valid"),
            Actor::parse("test").expect("valid"),
            None,
            vec![
                StreamAppend::new(
                    stream("a"),
                    ExpectedVersion::NoStream,
                    vec![event("E", 1), event("E", 2)],
                ),
                StreamAppend::new(stream("b"), expected_b, vec![event("E", 3)]),
            ],
        )
        .expect("valid")
    };
    let err = ledger
        .append(&coop, both("stale", exact(7)))
        .await
        .expect_err("b is at version 1");
    assert!(
        matches!(err, LedgerError::Conflict { ref stream, .. } if stream.as_str() == "b"),
        "{err}"
    );
    assert_eq!(
        all_events(&ledger, &coop).await.len(),
        1,
        "nothing of the failed append was written"
    );

    let ok = ledger
        .append(&coop, both("fresh", exact(1)))
        .await
        .expect("append");
    assert_eq!((ok.first_position.get(), ok.last_position.get()), (2, 4));
    assert_eq!(ok.streams.len(), 2);
    assert_eq!(
        (
            ok.streams[0].first_version.get(),
            ok.streams[0].last_version.get()
        ),
        (1, 2)
    );
    assert_eq!(
        (
            ok.streams[1].first_version.get(),
            ok.streams[1].last_version.get()
        ),
        (2, 2)
    );
    let streams: Vec<String> = all_events(&ledger, &coop)
        .await
        .iter()
        .map(|e| e.stream_id.to_string())
        .collect();
    assert_eq!(streams, ["b", "a", "a", "b"]);
}

async fn expected_versions_any_no_stream_and_exact_are_enforced(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    let append =
        |id: &str, expected| ledger.append(&coop, commit(id, "s", expected, vec![event("E", 0)]));

    assert!(matches!(
        append("1", exact(1)).await,
        Err(LedgerError::Conflict { actual: None, .. })
    ));
    append("2", ExpectedVersion::NoStream)
        .await
        .expect("the stream does not exist");
    match append("3", ExpectedVersion::NoStream).await {
        Err(LedgerError::Conflict {
            expected: ExpectedVersion::NoStream,
            actual: Some(v),
            ..
        }) => assert_eq!(v.get(), 1),
        other => panic!("expected a conflict, got {other:?}"),
    }
    append("4", exact(1)).await.expect("the stream is at 1");
    assert!(matches!(
        append("5", exact(1)).await,
        Err(LedgerError::Conflict { .. })
    ));
    let any = append("6", ExpectedVersion::Any)
        .await
        .expect("any version");
    assert_eq!(any.streams[0].last_version.get(), 3);
}

/// The test ledgers' writers remember at most three streams per log (PostgreSQL) and keep at
/// most seven events unindexed (SQLite). Across many more streams than that, written in turns,
/// every expected version is still checked against the stream as stored: a stream the writer
/// forgot is neither taken for new nor for its version when last seen.
async fn expected_versions_hold_on_streams_the_writer_no_longer_remembers(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    let streams = 12;
    let append = |id: String, stream: String, expected| {
        ledger.append(&coop, commit(&id, &stream, expected, vec![event("E", 0)]))
    };
    for round in 1..=3_u64 {
        for s in 0..streams {
            let stream = format!("s{s}");
            // A stale expectation first: it must fail as a conflict naming the real version.
            let stale = match round {
                1 => exact(1),
                2 => ExpectedVersion::NoStream,
                _ => exact(round - 2),
            };
            match append(format!("stale-{round}-{s}"), stream.clone(), stale).await {
                Err(LedgerError::Conflict { actual, .. }) => {
                    assert_eq!(actual.map(|v| v.get()), (round > 1).then_some(round - 1));
                }
                other => {
                    panic!("round {round}, stream {stream}: expected a conflict, got {other:?}")
                }
            }
            let expected = if round == 1 {
                ExpectedVersion::NoStream
            } else {
                exact(round - 1)
            };
            let done = append(format!("ok-{round}-{s}"), stream.clone(), expected)
                .await
                .unwrap_or_else(|e| panic!("round {round}, stream {stream}: {e}"));
            assert_eq!(done.streams[0].last_version.get(), round);
        }
    }
    assert!(verify(&ledger, &coop).await.is_intact());
}

/// A decision that read stream `r` and writes stream `w` lands only while `r` is as read.
async fn a_guarded_stream_that_changed_is_a_conflict_and_a_guard_writes_nothing(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    ledger
        .append(
            &coop,
            commit("r1", "r", ExpectedVersion::NoStream, vec![event("E", 1)]),
        )
        .await
        .expect("append");
    let guarded = |id: &str, guard: ExpectedVersion| {
        commit(id, "w", ExpectedVersion::Any, vec![event("W", 0)])
            .guarding(vec![(stream("r"), guard)])
            .expect("a valid guard")
    };
    let landed = ledger
        .append(&coop, guarded("w1", exact(1)))
        .await
        .expect("r is at 1");
    assert_eq!(landed.streams.len(), 1, "the guard writes nothing");
    ledger
        .append(&coop, commit("r2", "r", exact(1), vec![event("E", 2)]))
        .await
        .expect("append");
    match ledger.append(&coop, guarded("w2", exact(1))).await {
        Err(LedgerError::Conflict { stream, actual, .. }) => {
            assert_eq!(stream.as_str(), "r");
            assert_eq!(actual.map(|v| v.get()), Some(2));
        }
        other => panic!("expected a conflict on the guarded stream, got {other:?}"),
    }
    assert!(matches!(
        ledger
            .append(&coop, guarded("w3", ExpectedVersion::NoStream))
            .await,
        Err(LedgerError::Conflict { .. })
    ));
    ledger
        .append(&coop, guarded("w4", exact(2)))
        .await
        .expect("r is at 2");
    let streams: Vec<String> = all_events(&ledger, &coop)
        .await
        .iter()
        .map(|e| e.stream_id.to_string())
        .collect();
    assert_eq!(streams, ["r", "w", "r", "w"]);
    // A stream both written and guarded is a mistake of the caller.
    let both =
        commit("w5", "r", exact(2), vec![event("E", 3)]).guarding(vec![(stream("r"), exact(2))]);
    assert!(matches!(both, Err(LedgerError::InvalidAppend(_))));
}

async fn a_repeated_command_returns_the_original_positions_even_after_a_restart(db: &TestDb) {
    let coop = log("coop");
    // The same command each time: same id, same content.
    let pay = || {
        commit(
            "pay-42",
            "member:7",
            ExpectedVersion::NoStream,
            vec![event("Paid", 1), event("Paid", 2)],
        )
    };
    let original = {
        let ledger = db.ledger().await;
        ledger.create_log(&coop).await.expect("create");
        fill(&ledger, &coop, 3, 2).await;
        let original = ledger.append(&coop, pay()).await.expect("append");
        let again = ledger
            .append(&coop, pay())
            .await
            .expect("a repeat is not a conflict");
        assert!(again.replayed);
        assert_eq!(
            (again.first_position, again.last_position),
            (original.first_position, original.last_position)
        );
        assert_eq!(again.streams, original.streams);
        ledger.close().await;
        original
    };
    let reopened = db.ledger().await;
    let after_restart = reopened
        .append(&coop, pay())
        .await
        .expect("a repeat after a restart is not a conflict");
    assert!(after_restart.replayed);
    assert_eq!(after_restart.first_position, original.first_position);
    assert_eq!(after_restart.streams, original.streams);
    assert_eq!(
        all_events(&reopened, &coop).await.len(),
        5,
        "nothing was written twice"
    );
}

async fn a_command_id_reused_with_other_content_is_refused(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    ledger
        .append(
            &coop,
            commit("c", "s", ExpectedVersion::Any, vec![event("E", 1)]),
        )
        .await
        .expect("append");
    let err = ledger
        .append(
            &coop,
            commit("c", "s", ExpectedVersion::Any, vec![event("E", 2)]),
        )
        .await
        .expect_err("other content under the same command id");
    assert!(
        matches!(err, LedgerError::IdempotencyMismatch(ref id) if id.as_str() == "c"),
        "{err}"
    );
    // The same command id in another log is another command.
    let other = log("other");
    ledger.create_log(&other).await.expect("create");
    ledger
        .append(
            &other,
            commit("c", "s", ExpectedVersion::Any, vec![event("E", 2)]),
        )
        .await
        .expect("append");
}

async fn logs_in_one_database_are_independent(db: &TestDb) {
    let ledger = db.ledger().await;
    let (a, b) = (log("coop-a"), log("coop-b"));
    ledger.create_log(&a).await.expect("create");
    ledger.create_log(&b).await.expect("create");
    let (ra, rb) = tokio::join!(fill(&ledger, &a, 20, 3), fill(&ledger, &b, 7, 2));
    let _ = (ra, rb);
    let events_a = all_events(&ledger, &a).await;
    let events_b = all_events(&ledger, &b).await;
    assert_eq!(
        events_a
            .iter()
            .map(|e| e.position.get())
            .collect::<Vec<_>>(),
        (1..=20).collect::<Vec<_>>()
    );
    assert_eq!(
        events_b
            .iter()
            .map(|e| e.position.get())
            .collect::<Vec<_>>(),
        (1..=7).collect::<Vec<_>>()
    );
    assert_eq!(events_b[0].prev_hash, ChainHash::GENESIS);
    assert!(verify(&ledger, &a).await.is_intact());
    assert!(verify(&ledger, &b).await.is_intact());
    let logs: Vec<(String, u64)> = ledger
        .logs()
        .await
        .expect("logs")
        .into_iter()
        .map(|(l, h)| (l.to_string(), h.position.get()))
        .collect();
    assert_eq!(logs, [("coop-a".to_owned(), 20), ("coop-b".to_owned(), 7)]);
}

async fn bad_input_gets_a_typed_error_and_writes_nothing(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");

    // An empty append.
    let empty = Commit::new(
        CommandId::parse("c").expect("valid"),
        Actor::parse("a").expect("valid"),
        None,
        vec![],
    );
    assert!(matches!(empty, Err(LedgerError::EmptyAppend(_))));
    // An oversized event: the limit is stated in `limits` and enforced.
    let big = "x".repeat(limits::EVENT_PAYLOAD_BYTES_MAX);
    let oversized = NewEvent::json("Big", 1, &json!({ "text": big }));
    assert!(matches!(
        oversized,
        Err(LedgerError::TooLarge {
            what: "event payload",
            ..
        })
    ));
    // A malformed stream id.
    assert!(matches!(
        StreamId::parse("member 7"),
        Err(LedgerError::MalformedId {
            kind: "stream id",
            ..
        })
    ));
    // An unknown log, for every operation.
    let nowhere = log("nowhere");
    let err = ledger
        .append(
            &nowhere,
            commit("c", "s", ExpectedVersion::Any, vec![event("E", 1)]),
        )
        .await;
    assert!(matches!(err, Err(LedgerError::UnknownLog(_))), "{err:?}");
    assert!(matches!(
        ledger.read_log(&nowhere, Position::FIRST, 10).await,
        Err(LedgerError::UnknownLog(_))
    ));
    assert!(matches!(
        ledger
            .read_stream(&nowhere, &stream("s"), StreamVersion::FIRST, 10)
            .await,
        Err(LedgerError::UnknownLog(_))
    ));
    assert!(matches!(
        ledger.subscribe(&nowhere, Position::FIRST).await,
        Err(LedgerError::UnknownLog(_))
    ));
    assert!(matches!(
        ledger.verify(&nowhere, None, &mut |_| {}).await,
        Err(LedgerError::UnknownLog(_))
    ));
    // A float in a payload (money must never be binary).
    assert!(matches!(
        NewEvent::json("Paid", 1, &json!({"amount": 0.1})),
        Err(LedgerError::InvalidPayload(_))
    ));
    assert!(all_events(&ledger, &coop).await.is_empty());
}

async fn reads_are_paged_and_bounded(db: &TestDb) {
    let ledger = db.ledger().await;
    let huge = Position::new(u64::MAX);
    let empty = log("empty");
    ledger.create_log(&empty).await.expect("create");
    assert!(
        ledger
            .read_log(&empty, huge, 10)
            .await
            .expect("a read far beyond the head")
            .is_empty()
    );
    let far = StreamVersion::new(u64::MAX).expect("not zero");
    assert!(
        ledger
            .read_stream(&empty, &stream("s"), far, 10)
            .await
            .expect("read")
            .is_empty()
    );
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    fill(&ledger, &coop, 25, 1).await;
    let page = ledger
        .read_log(&coop, Position::new(11), 10)
        .await
        .expect("read");
    assert_eq!(
        page.iter().map(|e| e.position.get()).collect::<Vec<_>>(),
        (11..=20).collect::<Vec<_>>()
    );
    let tail = ledger
        .read_log(&coop, Position::new(21), 10)
        .await
        .expect("read");
    assert_eq!(tail.len(), 5);
    assert!(
        ledger
            .read_log(&coop, Position::new(26), 10)
            .await
            .expect("read")
            .is_empty()
    );
    let from_v = ledger
        .read_stream(
            &coop,
            &stream("s0"),
            StreamVersion::new(24).expect("valid"),
            100,
        )
        .await
        .expect("read");
    assert_eq!(
        from_v
            .iter()
            .map(|e| e.stream_version.get())
            .collect::<Vec<_>>(),
        [24, 25]
    );
    // A huge limit is capped, not honoured.
    assert_eq!(
        ledger
            .read_log(&coop, Position::FIRST, usize::MAX)
            .await
            .expect("read")
            .len(),
        25
    );
}

async fn the_database_refuses_to_update_or_delete_events(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    fill(&ledger, &coop, 3, 1).await;
    let err = db
        .exec_err("UPDATE ledger_events SET payload = '{}' WHERE position = 2")
        .await;
    assert!(err.contains("append-only"), "{err}");
    let err = db
        .exec_err("DELETE FROM ledger_events WHERE position = 3")
        .await;
    assert!(err.contains("append-only"), "{err}");
    assert!(verify(&ledger, &coop).await.is_intact());
}

async fn an_intact_log_verifies(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    let empty = verify(&ledger, &coop).await;
    assert!(empty.is_intact() && empty.events_checked == 0);
    fill(&ledger, &coop, 40, 4).await;
    let mut calls = 0;
    let report = ledger
        .verify(&coop, None, &mut |_| calls += 1)
        .await
        .expect("verify");
    assert!(report.is_intact(), "{:?}", report.first_break);
    assert_eq!(report.events_checked, 40);
    assert!(calls >= 1, "progress is reported");
    // An anchor taken earlier still matches.
    let tenth = ledger
        .read_log(&coop, Position::new(10), 1)
        .await
        .expect("read")
        .remove(0);
    let anchored = ledger
        .verify(
            &coop,
            Some(Anchor {
                position: tenth.position,
                hash: tenth.hash,
            }),
            &mut |_| {},
        )
        .await
        .expect("verify");
    assert!(anchored.is_intact());
}

async fn creating_a_log_twice_is_refused(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    assert!(matches!(
        ledger.create_log(&coop).await,
        Err(LedgerError::LogExists(_))
    ));
}

async fn closing_commits_what_is_queued_and_refuses_what_comes_after(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    let pending: Vec<_> = (0..50)
        .map(|i| {
            let (ledger, coop) = (ledger.clone(), coop.clone());
            tokio::spawn(async move {
                ledger
                    .append(
                        &coop,
                        commit(
                            &format!("q{i}"),
                            "s",
                            ExpectedVersion::Any,
                            vec![event("E", i)],
                        ),
                    )
                    .await
            })
        })
        .collect();
    tokio::task::yield_now().await;
    ledger.close().await;
    let mut committed = 0;
    for task in pending {
        match task.await.expect("task") {
            Ok(_) => committed += 1,
            Err(LedgerError::Closed) => {}
            Err(other) => {
                panic!("an append during shutdown either commits or is refused as closed: {other}")
            }
        }
    }
    let after = ledger
        .append(
            &coop,
            commit("late", "s", ExpectedVersion::Any, vec![event("E", 99)]),
        )
        .await;
    assert!(matches!(after, Err(LedgerError::Closed)), "{after:?}");
    let reopened = db.ledger().await;
    assert_eq!(
        all_events(&reopened, &coop).await.len(),
        committed,
        "every acknowledged append is stored"
    );
    assert!(verify(&reopened, &coop).await.is_intact());
}

/// The benchmark's baseline path: one transaction per append, same decisions, same chain.
async fn an_unbatched_append_follows_the_same_rules_and_is_readable_at_once(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    let first = || commit("u-1", "s", ExpectedVersion::NoStream, vec![event("E", 1)]);
    let done = ledger
        .append_unbatched(&coop, first())
        .await
        .expect("append");
    assert_eq!(done.last_position, Position::FIRST);
    assert_eq!(
        all_events(&ledger, &coop).await.len(),
        1,
        "visible to readers at once"
    );
    let again = ledger
        .append_unbatched(&coop, first())
        .await
        .expect("a repeat replays");
    assert!(again.replayed);
    let stale = commit("u-2", "s", ExpectedVersion::NoStream, vec![event("E", 2)]);
    assert!(matches!(
        ledger.append_unbatched(&coop, stale).await,
        Err(LedgerError::Conflict { .. })
    ));
    // Batched appends chain on after unbatched ones.
    ledger
        .append(&coop, commit("u-3", "s", exact(1), vec![event("E", 3)]))
        .await
        .expect("append");
    assert_eq!(all_events(&ledger, &coop).await.len(), 2);
    assert!(verify(&ledger, &coop).await.is_intact());
}

/// What the decoded reads' tests keep of an event: every field a view hands out.
type Seen = (u64, String, u64, String, u32, String, String, i64);

fn seen(view: EventView<'_>) -> Seen {
    (
        view.position().get(),
        view.stream_id().to_string(),
        view.stream_version().get(),
        view.event_type().to_owned(),
        view.schema_version(),
        view.payload().to_owned(),
        view.actor().to_string(),
        view.recorded_at().as_microsecond(),
    )
}

fn seen_recorded(e: &RecordedEvent) -> Seen {
    (
        e.position.get(),
        e.stream_id.to_string(),
        e.stream_version.get(),
        e.event_type.to_string(),
        e.schema_version,
        e.payload.as_str().to_owned(),
        e.metadata.actor.to_string(),
        e.metadata.recorded_at_us,
    )
}

/// Appends `n` events in commits of 100 on seven streams.
async fn fill_in_commits(ledger: &Ledger, coop: &LogId, n: u64) {
    for first in (0..n).step_by(100) {
        let appends = (0..7)
            .map(|s| {
                let events = (first..(first + 100).min(n))
                    .filter(|i| i % 7 == s)
                    .map(|i| event("Filled", i))
                    .collect();
                StreamAppend::new(stream(&format!("s{s}")), ExpectedVersion::Any, events)
            })
            .collect::<Vec<_>>();
        let commit = Commit::new(
            CommandId::parse(format!("fill-{first}")).expect("valid"),
            Actor::parse("test:runner").expect("valid"),
            None,
            appends,
        )
        .expect("valid commit");
        ledger.append(coop, commit).await.expect("append");
    }
}

/// A decoded read hands over every field as the whole event holds it, on small pages (through
/// the pool) and large ones (on SQLite, walked in place), and ends its page at the first event
/// its function refuses, reading nothing after it.
async fn a_decoded_read_hands_over_each_event_as_stored_and_stops_at_the_first_refusal(
    db: &TestDb,
) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    fill_in_commits(&ledger, &coop, 2_500).await;
    for (from, limit) in [(1, 10), (11, 2_000), (2_001, 2_000), (2_501, 10)] {
        let whole = ledger
            .read_log(&coop, Position::new(from), limit)
            .await
            .expect("read");
        let decoded = ledger
            .read_log_decoded(&coop, Position::new(from), limit, |view| {
                Ok::<_, ()>(seen(view))
            })
            .await
            .expect("decoded read");
        assert!(decoded.error.is_none());
        assert_eq!(
            decoded.events,
            whole.iter().map(seen_recorded).collect::<Vec<_>>(),
            "from {from}, at most {limit}"
        );
    }
    let refused = ledger
        .read_log_decoded(&coop, Position::new(1_000), 2_000, |view| {
            if view.position().get() == 1_234 {
                Err(format!("refused {}", view.position()))
            } else {
                Ok(view.position().get())
            }
        })
        .await
        .expect("decoded read");
    assert_eq!(refused.events, (1_000..1_234).collect::<Vec<_>>());
    assert_eq!(refused.error.as_deref(), Some("refused 1234"));
    let unknown = ledger
        .read_log_decoded(&log("nobody"), Position::FIRST, 10, |view| {
            Ok::<_, ()>(view.position())
        })
        .await;
    assert!(
        matches!(unknown, Err(LedgerError::UnknownLog(_))),
        "{unknown:?}"
    );
}

/// A subscription skipped ahead (its reader read the events before elsewhere) delivers from
/// there, dropping what it had read ahead for `next`; a skip backwards changes nothing.
async fn a_subscription_skipped_ahead_goes_on_from_there_and_never_back(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    fill_in_commits(&ledger, &coop, 40).await;
    let mut subscription = ledger
        .subscribe(&coop, Position::FIRST)
        .await
        .expect("subscribe");
    assert_eq!(subscription.next().await.expect("first").position.get(), 1);
    subscription.skip_to(Position::new(30));
    assert_eq!(subscription.next_position().get(), 30);
    assert_eq!(subscription.next().await.expect("next").position.get(), 30);
    subscription.skip_to(Position::new(5));
    assert_eq!(subscription.next_position().get(), 31, "never back");
    let position = |view: EventView<'_>| Ok::<_, ()>(view.position().get());
    subscription.skip_to(Position::new(35));
    let page = subscription
        .next_page_decoded(100, position)
        .await
        .expect("page");
    assert_eq!(page.events, (35..=40).collect::<Vec<_>>());
}

/// A decoded page of a subscription first delivers what the subscription read ahead for
/// `next`, then reads on; an event its function refuses is not delivered and is offered again;
/// past the head it waits for the next commit.
async fn a_decoded_subscription_delivers_read_ahead_events_first_and_offers_a_refused_one_again(
    db: &TestDb,
) {
    decoded_pages(&db.ledger().await, &log("decoded")).await;
}

async fn decoded_pages(ledger: &Ledger, coop: &LogId) {
    let (ledger, coop) = (ledger.clone(), coop.clone());
    ledger.create_log(&coop).await.expect("create");
    fill_in_commits(&ledger, &coop, 1_500).await;
    let mut subscription = ledger
        .subscribe(&coop, Position::FIRST)
        .await
        .expect("subscribe");
    assert_eq!(subscription.next().await.expect("first").position.get(), 1);
    let position = |view: EventView<'_>| Ok::<_, ()>(view.position().get());
    let ahead = subscription
        .next_page_decoded(10, position)
        .await
        .expect("read ahead");
    assert_eq!(ahead.events, (2..=11).collect::<Vec<_>>());
    let refuse_at = |at: u64| {
        move |view: EventView<'_>| match view.position().get() {
            p if p == at => Err(p),
            p => Ok(p),
        }
    };
    // Still from what `next` read ahead (1,000 events at most), then from the database.
    let refused = subscription
        .next_page_decoded(10, refuse_at(15))
        .await
        .expect("page");
    assert_eq!(
        (refused.events, refused.error),
        ((12..15).collect(), Some(15))
    );
    let mut delivered = Vec::new();
    while delivered.len() < 1_500 - 14 {
        let page = subscription
            .next_page_decoded(400, refuse_at(1_300))
            .await
            .expect("page");
        delivered.extend(page.events);
        if page.error == Some(1_300) {
            assert_eq!(
                delivered.last(),
                Some(&1_299),
                "refused just after the last one"
            );
            let again = subscription
                .next_page_decoded(400, position)
                .await
                .expect("the refused event is offered again");
            delivered.extend(again.events);
        }
    }
    assert_eq!(delivered, (15..=1_500).collect::<Vec<_>>());
    assert_eq!(subscription.next_position().get(), 1_501);
    let waiting = tokio::spawn(async move { subscription.next_page_decoded(10, position).await });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(!waiting.is_finished(), "nothing committed yet");
    ledger
        .append(
            &coop,
            commit("late", "s0", ExpectedVersion::Any, vec![event("Late", 0)]),
        )
        .await
        .expect("append");
    let late = tokio::time::timeout(std::time::Duration::from_secs(10), waiting)
        .await
        .expect("the commit wakes the subscription")
        .expect("joined")
        .expect("page");
    assert_eq!(late.events, vec![1_501]);
}

/// An event removed from under the log (by someone with write access to the database) is a gap
/// that a decoded read reports as corruption rather than skipping; so is an identifier that the
/// ledger would never have written, though a view copies none of them.
async fn a_decoded_read_reports_a_gap_or_a_malformed_identifier_as_corruption(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    fill_in_commits(&ledger, &coop, 1_200).await;
    db.drop_append_only_guard().await;
    db.exec("DELETE FROM ledger_events WHERE log_id = 'coop' AND position = 1100")
        .await;
    for limit in [10, 1_200] {
        let from = Position::new(if limit == 10 { 1_095 } else { 1 });
        let read = ledger
            .read_log_decoded(&coop, from, limit, |view| Ok::<_, ()>(view.position()))
            .await;
        match read {
            Err(LedgerError::Corrupt(why)) => {
                assert!(why.contains("skips from position 1100 to 1101"), "{why}");
            }
            other => panic!("a gap at 1100 read as {other:?}"),
        }
    }
    db.exec(
        "UPDATE ledger_events SET actor = 'not an actor' WHERE log_id = 'coop' AND position = 7",
    )
    .await;
    for limit in [10, 1_000] {
        let read = ledger
            .read_log_decoded(&coop, Position::FIRST, limit, |view| {
                Ok::<_, ()>(view.position())
            })
            .await;
        match read {
            Err(LedgerError::Corrupt(why)) => {
                assert!(why.contains("position 7") && why.contains("actor"), "{why}");
            }
            other => panic!("a malformed actor at 7 read as {other:?}"),
        }
    }
}
