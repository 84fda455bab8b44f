//! The runtime: catch-up, live, snapshots, rebuilds, as-of folds and waits.

use std::time::Duration;

use proptest::prelude::*;
use verbund_domain::{Event, MemberNo};
use verbund_ledger::{Ledger, LedgerOptions, NewEvent, Position};
use verbund_projections::*;
use verbund_tests::{TestDb, on_both_databases};

use crate::support::*;

on_both_databases!(
    it_catches_up_follows_live_and_restarts_from_its_snapshot_without_replaying,
    a_snapshot_that_does_not_match_the_log_is_discarded,
    a_rebuild_beside_live_writes_equals_the_live_projection,
    an_event_it_cannot_read_stops_it_and_waits_say_why,
    catching_up_from_far_behind_stops_before_an_event_it_cannot_read,
    a_wait_for_a_position_not_reached_times_out_with_both_positions,
    the_projection_as_of_a_moment_is_the_one_at_the_last_position_before_it,
    the_next_snapshot_waits_for_a_multiple_of_the_last_ones_duration,
    pages_folded_at_once_equal_each_projection_folded_alone,
);

const WAIT: Duration = Duration::from_secs(10);

/// Asserts that every view holds what its projection folded alone from the log up to `head`
/// holds, position included.
async fn assert_each_view_is_its_fold(ledger: &Ledger, views: &Views, head: Position) {
    async fn fold<P: Projection>(ledger: &Ledger, head: Position) -> Folded<P> {
        fold_until::<P>(ledger, &log(), head).await.expect("fold")
    }
    assert_eq!(
        views.register.cloned(),
        fold::<Register>(ledger, head).await
    );
    assert_eq!(views.tokens.cloned(), fold::<Tokens>(ledger, head).await);
    assert_eq!(
        views.aggregates.cloned(),
        fold::<Aggregates>(ledger, head).await
    );
    assert_eq!(views.journal.cloned(), fold::<Journal>(ledger, head).await);
}

fn options() -> RuntimeOptions {
    RuntimeOptions {
        page_events_max: 7,
        snapshot_every_events: 0,
        ..RuntimeOptions::default()
    }
}

async fn open(db: &TestDb) -> (Ledger, SnapshotStore) {
    let ledger = Ledger::open(&db.url, LedgerOptions::default())
        .await
        .expect("open");
    if ledger.create_log(&log()).await.is_err() {
        // Exists already: a test that reopens.
    }
    let snapshots = SnapshotStore::open(&db.url).await.expect("snapshots");
    (ledger, snapshots)
}

fn it_catches_up_follows_live_and_restarts_from_its_snapshot_without_replaying(db: &TestDb) {
    verbund_tests::runtime().block_on(async {
        let (ledger, snapshots) = open(db).await;
        for n in 1..=30 {
            append(&ledger, &format!("member-{n}"), &[admitted(n)]).await;
        }
        let runtime = Runtime::start(ledger.clone(), Some(snapshots.clone()), log(), options())
            .await
            .expect("start");
        runtime
            .wait_for(Position::new(30), WAIT)
            .await
            .expect("caught up");
        assert_eq!(runtime.views().register.read(|r| r.member_count()), 30);

        let head = append(&ledger, "access", &[issued(1), issued(2), revoked(1)]).await;
        runtime.wait_for(head, WAIT).await.expect("live");
        runtime.views().tokens.read(|t| {
            assert!(
                t.by_id(&verbund_domain::TokenId::parse("t1").expect("valid"))
                    .expect("t1")
                    .revoked_at
                    .is_some()
            );
            assert!(
                t.by_id(&verbund_domain::TokenId::parse("t2").expect("valid"))
                    .expect("t2")
                    .revoked_at
                    .is_none()
            );
        });
        assert_eq!(runtime.events_applied(), 33);
        let before = (
            runtime.views().register.cloned(),
            runtime.views().tokens.cloned(),
        );
        runtime.stop().await; // takes a last snapshot

        let restarted = Runtime::start(ledger.clone(), Some(snapshots.clone()), log(), options())
            .await
            .expect("restart");
        assert_eq!(
            restarted.start_report().restored,
            [
                ("register", head),
                ("tokens", head),
                ("aggregates", head),
                ("journal", head)
            ],
            "every projection restored at the head"
        );
        restarted.wait_for(head, WAIT).await.expect("at the head");
        assert_eq!(restarted.events_applied(), 0, "nothing replayed");
        assert_eq!(
            (
                restarted.views().register.cloned(),
                restarted.views().tokens.cloned()
            ),
            before
        );
        let next = append(&ledger, "member-31", &[admitted(31)]).await;
        restarted
            .wait_for(next, WAIT)
            .await
            .expect("live after restart");
        assert_eq!(restarted.events_applied(), 1);
        restarted.stop().await;
        snapshots.close().await;
        ledger.close().await;
    });
}

/// A snapshot is due after every event here, but the next one waits `factor` times as long
/// as the last one took. With the factor at its largest, an event after a snapshot starts no
/// other; with no factor, it does. (A requested snapshot first waits for one under way, so the
/// counts are exact.)
fn the_next_snapshot_waits_for_a_multiple_of_the_last_ones_duration(db: &TestDb) {
    verbund_tests::runtime().block_on(async {
        let (ledger, snapshots) = open(db).await;
        let mut members = 0;
        for (factor, background_after_the_first) in [(u32::MAX, 0), (0, 1)] {
            let options = RuntimeOptions {
                snapshot_every_events: 1,
                snapshot_interval_min: Duration::ZERO,
                snapshot_interval_cost_factor: factor,
                ..options()
            };
            let runtime = Runtime::start(ledger.clone(), Some(snapshots.clone()), log(), options)
                .await
                .expect("start");
            members += 1;
            let head = append(&ledger, &format!("member-{members}"), &[admitted(members)]).await;
            runtime.wait_for(head, WAIT).await.expect("applied");
            runtime.snapshot().await.expect("snapshot");
            // The first is due at once (no snapshot took any time yet), then the requested one.
            assert_eq!(runtime.snapshots_taken(), 2, "factor {factor}");
            members += 1;
            let head = append(&ledger, &format!("member-{members}"), &[admitted(members)]).await;
            runtime.wait_for(head, WAIT).await.expect("applied");
            runtime.snapshot().await.expect("snapshot");
            assert_eq!(
                runtime.snapshots_taken(),
                3 + background_after_the_first,
                "factor {factor}"
            );
            // Nothing changed since the last: a stop stores no other.
            runtime.stop().await;
            assert_eq!(
                runtime.snapshots_taken(),
                3 + background_after_the_first,
                "factor {factor}"
            );
        }
        snapshots.close().await;
        ledger.close().await;
    });
}

fn a_snapshot_that_does_not_match_the_log_is_discarded(db: &TestDb) {
    verbund_tests::runtime().block_on(async {
        let (ledger, snapshots) = open(db).await;
        for n in 1..=5 {
            append(&ledger, &format!("member-{n}"), &[admitted(n)]).await;
        }
        // A snapshot claiming a state after position 3 with a hash the log does not have
        // there, e.g. from a database restored from another backup.
        let forged = Snapshot {
            position: Position::new(3),
            event_hash: verbund_ledger::ChainHash::from_bytes([7; 32]),
            state: br#"{"coop":null,"members":{},"offices":{}}"#.to_vec(),
        };
        snapshots
            .save(&log(), "register", Register::VERSION, &forged)
            .await
            .expect("save");
        let runtime = Runtime::start(ledger.clone(), Some(snapshots.clone()), log(), options())
            .await
            .expect("start");
        assert_eq!(
            runtime.start_report().discarded.len(),
            1,
            "{:?}",
            runtime.start_report()
        );
        runtime
            .wait_for(Position::new(5), WAIT)
            .await
            .expect("caught up");
        assert_eq!(
            runtime.views().register.read(|r| r.member_count()),
            5,
            "folded from 1"
        );
        runtime.stop().await;
        snapshots.close().await;
        ledger.close().await;
    });
}

fn a_rebuild_beside_live_writes_equals_the_live_projection(db: &TestDb) {
    verbund_tests::runtime().block_on(async {
        let (ledger, snapshots) = open(db).await;
        for n in 1..=200 {
            append(&ledger, "access", &[issued(n)]).await;
        }
        let runtime = std::sync::Arc::new(
            Runtime::start(ledger.clone(), Some(snapshots.clone()), log(), options())
                .await
                .expect("start"),
        );
        runtime
            .wait_for(Position::new(200), WAIT)
            .await
            .expect("caught up");
        let writer = {
            let ledger = ledger.clone();
            tokio::spawn(async move {
                let mut last = Position::ZERO;
                for n in 1..=200 {
                    last = append(&ledger, "access", &[revoked(n)]).await;
                }
                last
            })
        };
        let swapped = runtime.rebuild("tokens").await.expect("rebuild");
        let last = writer.await.expect("writer");
        assert!(swapped > Position::ZERO);
        runtime.wait_for(last, WAIT).await.expect("live");
        let live = runtime.views().tokens.cloned();
        let from_scratch = fold_until::<Tokens>(&ledger, &log(), last)
            .await
            .expect("fold");
        assert_eq!(
            live, from_scratch,
            "the rebuilt projection went on live and equals a fresh fold"
        );
        assert!(matches!(
            runtime.rebuild("nosuch").await,
            Err(ProjectionError::UnknownProjection(_))
        ));
        runtime.stop().await;
        snapshots.close().await;
        ledger.close().await;
    });
}

fn an_event_it_cannot_read_stops_it_and_waits_say_why(db: &TestDb) {
    stops_before_an_unknown_event(db, 1);
}

/// Far behind (here 40 events before the unknown one, pages of 7), the runtime reads two
/// pages at once; an event it cannot read still stops it exactly before that event.
fn catching_up_from_far_behind_stops_before_an_event_it_cannot_read(db: &TestDb) {
    stops_before_an_unknown_event(db, 40);
}

/// `before` admissions, an event of a type no build knows, 20 more admissions: the runtime
/// stops exactly before the unknown event, says why, and has folded everything before it and
/// nothing after.
fn stops_before_an_unknown_event(db: &TestDb, before: u32) {
    verbund_tests::runtime().block_on(async {
        let (ledger, snapshots) = open(db).await;
        for n in 1..=before {
            append(&ledger, &format!("member-{n}"), &[admitted(n)]).await;
        }
        append_unknown(&ledger).await;
        for n in before + 1..=before + 20 {
            append(&ledger, &format!("member-{n}"), &[admitted(n)]).await;
        }
        let runtime = Runtime::start(ledger.clone(), Some(snapshots.clone()), log(), options())
            .await
            .expect("start");
        let unknown = Position::new(u64::from(before) + 1);
        let error = runtime
            .wait_for(unknown, WAIT)
            .await
            .expect_err("cannot pass the unknown event");
        assert!(error.to_string().contains("MemberTeleported"), "{error}");
        assert!(
            matches!(runtime.status(), Status::Failed(why) if why.contains(&format!("position {unknown}")))
        );
        assert_eq!(
            runtime.position(),
            Position::new(u64::from(before)),
            "it stopped before, not after, the event"
        );
        assert_eq!(
            runtime.views().register.read(|r| r.member_count()),
            before as usize
        );
        runtime.stop().await;
        snapshots.close().await;
        ledger.close().await;
    });
}

/// Appends an event of a type no build knows.
async fn append_unknown(ledger: &Ledger) {
    let unknown = NewEvent::json("MemberTeleported", 1, &serde_json::json!({})).expect("valid");
    append_new(ledger, "other", vec![unknown]).await;
}

/// A runtime that catches up in large pages holds the same states as each projection
/// folded alone from the log: tokens on their own streams and on a shared one, members
/// admitted and paying.
fn pages_folded_at_once_equal_each_projection_folded_alone(db: &TestDb) {
    verbund_tests::runtime().block_on(async {
        let (ledger, snapshots) = open(db).await;
        let mut head = Position::ZERO;
        for n in 1..=100u32 {
            let member = format!("member-{n}");
            append(
                &ledger,
                &member,
                &[admitted(n), paid(n, i64::from(n) * 100)],
            )
            .await;
            let (first, second) = (2 * n, 2 * n + 1);
            append(
                &ledger,
                &format!("token-t{first}"),
                &[issued(first), revoked(first)],
            )
            .await;
            let shared = [
                issued(second),
                revoked(second),
                issued(second),
                revoked(second),
            ];
            append(&ledger, "access", &shared).await;
            head = append(&ledger, &format!("token-t{first}"), &[revoked(first)]).await;
        }
        assert_eq!(head, Position::new(900));
        let options = RuntimeOptions {
            page_events_max: 300,
            ..options()
        };
        let runtime = Runtime::start(ledger.clone(), None, log(), options)
            .await
            .expect("start");
        runtime.wait_for(head, WAIT).await.expect("caught up");
        assert_each_view_is_its_fold(&ledger, runtime.views(), head).await;
        assert_eq!(runtime.views().register.read(Register::member_count), 100);
        let token = verbund_domain::TokenId::parse("t2").expect("valid");
        let aggregate = runtime
            .views()
            .tokens
            .read(|tokens| tokens.aggregate(&token));
        assert_eq!(
            aggregate.version.map(|v| v.get()),
            Some(3),
            "its own stream's version"
        );
        runtime.stop().await;
        snapshots.close().await;
        ledger.close().await;
    });
}

fn a_wait_for_a_position_not_reached_times_out_with_both_positions(db: &TestDb) {
    verbund_tests::runtime().block_on(async {
        let (ledger, snapshots) = open(db).await;
        let head = append(&ledger, "member-1", &[admitted(1)]).await;
        let runtime = Runtime::start(ledger.clone(), None, log(), options())
            .await
            .expect("start");
        runtime.wait_for(head, WAIT).await.expect("reached");
        match runtime
            .wait_for(Position::new(9), Duration::from_millis(50))
            .await
        {
            Err(ProjectionError::Lagging { wanted, reached }) => {
                assert_eq!((wanted, reached), (Position::new(9), head));
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
        runtime.stop().await;
        snapshots.close().await;
        ledger.close().await;
    });
}

fn the_projection_as_of_a_moment_is_the_one_at_the_last_position_before_it(db: &TestDb) {
    verbund_tests::runtime().block_on(async {
        let (ledger, snapshots) = open(db).await;
        let mut moments = Vec::new();
        for n in 1..=5 {
            let position = append(&ledger, &format!("member-{n}"), &[admitted(n)]).await;
            let event = ledger.read_log(&log(), position, 1).await.expect("read");
            moments.push(event[0].metadata.recorded_at());
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let before = jiff::Timestamp::UNIX_EPOCH;
        assert_eq!(
            position_at(&ledger, &log(), before).await.expect("search"),
            Position::ZERO
        );
        for (i, moment) in moments.iter().enumerate() {
            let position = position_at(&ledger, &log(), *moment).await.expect("search");
            assert_eq!(position, Position::new(i as u64 + 1));
            let folded = fold_until::<Register>(&ledger, &log(), position)
                .await
                .expect("fold");
            assert_eq!(folded.state.member_count(), i + 1);
            assert!(
                folded
                    .state
                    .member(MemberNo::new(i as u32 + 1).expect("non-zero"))
                    .is_some()
            );
        }
        snapshots.close().await;
        ledger.close().await;
    });
}

/// One event of a random history.
#[derive(Clone, Debug)]
enum Step {
    Admit(u32),
    Issue(u32),
    Revoke(u32),
    Pay(u32, i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (1u32..40).prop_map(Step::Admit),
        (1u32..20).prop_map(Step::Issue),
        (1u32..20).prop_map(Step::Revoke),
        (1u32..40, 1i64..1_000_000).prop_map(|(m, c)| Step::Pay(m, c)),
    ]
}

fn event(step: &Step) -> (String, Event) {
    match step {
        Step::Admit(n) => (format!("member-{n}"), admitted(*n)),
        Step::Issue(n) => ("access".into(), issued(*n)),
        Step::Revoke(n) => ("access".into(), revoked(*n)),
        Step::Pay(n, cents) => (format!("member-{n}"), paid(*n, *cents)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// For any history: the live projections equal a rebuild from scratch (and a rebuild in
    /// place), and the projection as of any position p equals a fold of exactly the first p
    /// events.
    #[test]
    fn rebuilt_equals_live_and_as_of_equals_the_prefix(
        steps in proptest::collection::vec(step(), 1..60),
        cut in any::<prop::sample::Index>(),
    ) {
        let db = TestDb::sqlite();
        verbund_tests::runtime().block_on(async {
            let (ledger, snapshots) = open(&db).await;
            let runtime = Runtime::start(ledger.clone(), Some(snapshots.clone()), log(), options())
                .await
                .expect("start");
            let mut head = Position::ZERO;
            for step in &steps {
                let (stream, event) = event(step);
                head = append(&ledger, &stream, &[event]).await;
            }
            runtime.wait_for(head, WAIT).await.expect("live");
            assert_each_view_is_its_fold(&ledger, runtime.views(), head).await;
            // A runtime started after the events catches up (reading ahead where it is two
            // pages behind) to the same states.
            let caught_up = Runtime::start(ledger.clone(), None, log(), options())
                .await
                .expect("start");
            caught_up.wait_for(head, WAIT).await.expect("caught up");
            assert_each_view_is_its_fold(&ledger, caught_up.views(), head).await;
            caught_up.stop().await;
            runtime.rebuild("journal").await.expect("rebuild");
            runtime.rebuild("register").await.expect("rebuild");
            assert_each_view_is_its_fold(&ledger, runtime.views(), head).await;

            let p = cut.index(steps.len()) + 1;
            let as_of = fold_until::<Tokens>(&ledger, &log(), Position::new(p as u64)).await.expect("fold");
            let recorded = ledger.read_log(&log(), Position::FIRST, p).await.expect("read");
            let mut expected = Folded::<Tokens>::default();
            for event in &recorded {
                expected.apply(&Envelope::decode(event).expect("decodes"));
            }
            assert_eq!(as_of, expected);
            assert_eq!(as_of.position, Position::new(p as u64));
            runtime.stop().await;
            snapshots.close().await;
            ledger.close().await;
        });
    }
}

/// On SQLite a snapshot is written to a file of its own beside the log's: SQLite has one
/// writer per file, and a large snapshot written into the log's file held every append back.
/// Here a writer holds the snapshot file's write lock (as a long snapshot does) while an
/// append is made: it completes, where in one file it would wait and fail as busy.
#[test]
fn a_snapshot_being_written_never_holds_back_an_append_on_sqlite() {
    use sqlx::Connection;
    let db = TestDb::sqlite();
    verbund_tests::runtime().block_on(async {
        let (ledger, snapshots) = open(&db).await;
        let first = append_admission(&ledger, 1).await;
        let hash = ledger.read_log(&log(), first, 1).await.expect("read")[0].hash;
        let snapshot = Snapshot {
            position: first,
            event_hash: hash,
            state: vec![7; 1 << 20],
        };
        snapshots
            .save(&log(), "register", 1, &snapshot)
            .await
            .expect("saved");
        assert_eq!(
            snapshots.load(&log(), "register", 1).await.expect("loads"),
            Some(snapshot)
        );

        let file = log_file(&db);
        let beside = format!("{file}{}", SnapshotStore::SQLITE_FILE_SUFFIX);
        assert!(std::path::Path::new(&beside).is_file(), "{beside}");
        let mut log_file = sqlx::SqliteConnection::connect(&format!("sqlite:{file}"))
            .await
            .expect("the log's file opens");
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE name LIKE 'projection_snapshots%'",
        )
        .fetch_all(&mut log_file)
        .await
        .expect("the schema reads");
        assert!(tables.is_empty(), "snapshots in the log's file: {tables:?}");
        log_file.close().await.expect("closed");

        let mut snapshot_writer = sqlx::SqliteConnection::connect(&format!("sqlite:{beside}"))
            .await
            .expect("the snapshots' file opens");
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut snapshot_writer)
            .await
            .expect("the snapshots' write lock");
        let second = append(&ledger, "member-2", &[admitted(2)]).await;
        assert_eq!(second, Position::new(2));
        sqlx::query("ROLLBACK")
            .execute(&mut snapshot_writer)
            .await
            .expect("released");
        snapshot_writer.close().await.expect("closed");
        snapshots.close().await;
        ledger.close().await;
    });
}

/// The path of the SQLite file behind `db`'s URL.
fn log_file(db: &TestDb) -> String {
    db.url
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .expect("a path")
        .to_owned()
}

/// The tables of a SQLite file, by name.
async fn tables(conn: &mut sqlx::SqliteConnection) -> Vec<String> {
    sqlx::query_as::<_, (String,)>(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    )
    .fetch_all(conn)
    .await
    .expect("the schema reads")
    .into_iter()
    .map(|(name,)| name)
    .collect()
}

/// Earlier versions kept SQLite snapshots in the log's own file. Opening the snapshot store
/// drops that table (hundreds of megabytes for a large cooperative, read by nothing) and
/// touches nothing else: the log verifies and reads as before, and snapshots are kept beside
/// it.
#[test]
fn snapshots_an_earlier_version_left_in_the_logs_file_are_dropped_on_open() {
    use sqlx::Connection;
    let db = TestDb::sqlite();
    verbund_tests::runtime().block_on(async {
        let ledger = Ledger::open(&db.url, LedgerOptions::default())
            .await
            .expect("open");
        ledger.create_log(&log()).await.expect("create");
        let first = append_admission(&ledger, 1).await;
        let hash = ledger.read_log(&log(), first, 1).await.expect("read")[0].hash;

        let mut log_file = sqlx::SqliteConnection::connect(&db.url)
            .await
            .expect("the log's file opens");
        // The table as the earlier version made it, with a snapshot in it.
        sqlx::query(
            "CREATE TABLE projection_snapshots_v1 (
                 log_id TEXT NOT NULL, projection TEXT NOT NULL, version INTEGER NOT NULL,
                 position INTEGER NOT NULL, event_hash BLOB NOT NULL, state BLOB NOT NULL,
                 taken_at_us INTEGER NOT NULL, PRIMARY KEY (log_id, projection)) STRICT",
        )
        .execute(&mut log_file)
        .await
        .expect("the old table");
        sqlx::query("INSERT INTO projection_snapshots_v1 VALUES (?, 'register', 1, 1, ?, ?, 0)")
            .bind(log().as_str())
            .bind(hash.as_bytes().as_slice())
            .bind(vec![7u8; 1 << 16])
            .execute(&mut log_file)
            .await
            .expect("an old snapshot");
        let before = tables(&mut log_file).await;
        assert!(before.contains(&"projection_snapshots_v1".to_owned()));

        let snapshots = SnapshotStore::open(&db.url).await.expect("snapshots");
        let after = tables(&mut log_file).await;
        let expected: Vec<String> = before
            .into_iter()
            .filter(|name| name != "projection_snapshots_v1")
            .collect();
        assert_eq!(after, expected, "only the old snapshots' table is gone");
        log_file.close().await.expect("closed");

        // The old snapshot is not taken over; the store starts empty, beside the log.
        assert_eq!(
            snapshots.load(&log(), "register", 1).await.expect("loads"),
            None
        );
        let report = ledger
            .verify(&log(), None, &mut |_| {})
            .await
            .expect("verify");
        assert!(report.is_intact(), "{:?}", report.first_break);
        assert_eq!(report.events_checked, 1);
        let second = append(&ledger, "member-2", &[admitted(2)]).await;
        assert_eq!(second, Position::new(2));
        // Opening again finds nothing to drop.
        let again = SnapshotStore::open(&db.url).await.expect("snapshots again");
        again.close().await;
        snapshots.close().await;
        ledger.close().await;
    });
}

/// A runtime dropped without being stopped (its start timed out, say) stops following the
/// log and lets go of its states: each one can be hundreds of megabytes.
#[test]
fn a_dropped_runtime_stops_and_lets_go_of_its_states() {
    let db = TestDb::sqlite();
    verbund_tests::runtime().block_on(async {
        let (ledger, snapshots) = open(&db).await;
        append(&ledger, "member-1", &[admitted(1)]).await;
        let runtime = Runtime::start(ledger.clone(), Some(snapshots.clone()), log(), options())
            .await
            .expect("start");
        runtime
            .wait_for(Position::new(1), WAIT)
            .await
            .expect("caught up");
        let register = std::sync::Arc::downgrade(&runtime.views().register);
        drop(runtime);
        let deadline = std::time::Instant::now() + WAIT;
        while register.upgrade().is_some() {
            assert!(
                std::time::Instant::now() < deadline,
                "the dropped runtime's worker still holds its states"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        snapshots.close().await;
        ledger.close().await;
    });
}

/// A snapshot that cannot be read (here: a hash of 31 bytes) is discarded like a stale one,
/// and the projection is folded from the log: a cache never stops a start.
#[test]
fn an_unreadable_snapshot_is_discarded_and_the_log_folded() {
    use sqlx::Connection;
    let db = TestDb::sqlite();
    verbund_tests::runtime().block_on(async {
        let (ledger, snapshots) = open(&db).await;
        let at = append(&ledger, "member-1", &[admitted(1)]).await;
        let file = log_file(&db);
        let mut snapshot_file = sqlx::SqliteConnection::connect(&format!(
            "sqlite:{file}{}",
            SnapshotStore::SQLITE_FILE_SUFFIX
        ))
        .await
        .expect("the snapshots' file opens");
        sqlx::query(
            "INSERT INTO projection_snapshots_v1
             (log_id, projection, version, position, event_hash, state, taken_at_us)
             VALUES (?, 'register', ?, ?, ?, x'00', 0)",
        )
        .bind(log().as_str())
        .bind(i64::from(<Register as Projection>::VERSION))
        .bind(i64::try_from(at.get()).expect("small"))
        .bind(vec![0u8; 31])
        .execute(&mut snapshot_file)
        .await
        .expect("a snapshot with a short hash");
        snapshot_file.close().await.expect("closed");

        let runtime = Runtime::start(ledger.clone(), Some(snapshots.clone()), log(), options())
            .await
            .expect("a start despite the snapshot");
        let report = runtime.start_report();
        assert!(
            report
                .discarded
                .iter()
                .any(|(name, why)| *name == "register" && why.contains("32 bytes")),
            "{:?}",
            report.discarded
        );
        runtime.wait_for(at, WAIT).await.expect("caught up");
        let member = runtime.views().register.read(|register| {
            register
                .member(verbund_domain::MemberNo::new(1).expect("valid"))
                .is_some()
        });
        assert!(member, "the register folded from the log");
        runtime.stop().await;
        snapshots.close().await;
        ledger.close().await;
    });
}
