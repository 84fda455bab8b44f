//! Tampering with the stored log is detected by `verify`, at the right position. Each case
//! plays an attacker with write access to the database: the append-only guard is dropped first.

use verbund_ledger::*;

use crate::support::*;

on_both_databases!(
    changing_any_stored_field_of_any_event_is_detected_at_that_event,
    deleting_an_event_is_detected_as_a_gap,
    swapping_two_events_is_detected_as_reordered,
    truncating_the_tail_is_detected_as_truncated,
    inserting_a_forged_event_is_detected_at_its_position,
    a_forger_who_rehashes_the_tail_is_caught_by_stream_versions_and_anchors,
    a_broken_chain_takes_no_writes_until_the_whole_log_verifies_intact,
);

const EVENTS: u64 = 30;

/// A fresh log of `EVENTS` events over three streams, with the guard dropped.
async fn victim(ledger: &Ledger, name: &str) -> LogId {
    let id = log(name);
    ledger.create_log(&id).await.expect("create");
    fill(ledger, &id, EVENTS, 3).await;
    assert!(verify(ledger, &id).await.is_intact());
    id
}

fn hex_literal(db: &TestDb, bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if db.is_sqlite() {
        format!("X'{hex}'")
    } else {
        format!("'\\x{hex}'::bytea")
    }
}

async fn assert_broken_at(ledger: &Ledger, id: &LogId, position: u64, kind: BreakKind) {
    let report = verify(ledger, id).await;
    let found = report
        .first_break
        .unwrap_or_else(|| panic!("tampering with {id} went unnoticed"));
    assert_eq!(
        (found.position.get(), found.kind),
        (position, kind),
        "{found}"
    );
}

async fn changing_any_stored_field_of_any_event_is_detected_at_that_event(db: &TestDb) {
    let ledger = db.ledger().await;
    db.drop_append_only_guard().await;
    let changes: [(&str, &str, BreakKind); 11] = [
        ("stream_id", "stream_id = 's9'", BreakKind::HashMismatch),
        (
            "stream_version",
            "stream_version = stream_version + 1000",
            BreakKind::HashMismatch,
        ),
        (
            "event_type",
            "event_type = 'Forged'",
            BreakKind::HashMismatch,
        ),
        (
            "schema_version",
            "schema_version = schema_version + 1",
            BreakKind::HashMismatch,
        ),
        (
            "payload",
            "payload = '{\"n\":999}'",
            BreakKind::HashMismatch,
        ),
        ("actor", "actor = 'member:evil'", BreakKind::HashMismatch),
        (
            "command_id",
            "command_id = 'other'",
            BreakKind::HashMismatch,
        ),
        (
            "correlation_id",
            "correlation_id = 'other'",
            BreakKind::HashMismatch,
        ),
        (
            "recorded_at_us",
            "recorded_at_us = recorded_at_us + 1",
            BreakKind::HashMismatch,
        ),
        ("hash", "hash = prev_hash", BreakKind::HashMismatch),
        ("prev_hash", "prev_hash = hash", BreakKind::Reordered),
    ];
    for (i, (field, assignment, kind)) in changes.into_iter().enumerate() {
        // Every field, at positions spread over the whole log including its first and last.
        let position = [1, 7, 15, 29, 30, 2, 11, 23, 5, 18, 26][i];
        let id = victim(&ledger, &format!("field-{}", field.replace('_', "-"))).await;
        db.exec(&format!(
            "UPDATE ledger_events SET {assignment} WHERE log_id = '{id}' AND position = {position}"
        ))
        .await;
        assert_broken_at(&ledger, &id, position, kind).await;
    }
}

async fn deleting_an_event_is_detected_as_a_gap(db: &TestDb) {
    let ledger = db.ledger().await;
    db.drop_append_only_guard().await;
    let id = victim(&ledger, "deleted").await;
    db.exec(&format!(
        "DELETE FROM ledger_events WHERE log_id = '{id}' AND position = 12"
    ))
    .await;
    assert_broken_at(&ledger, &id, 12, BreakKind::Gap).await;
}

async fn swapping_two_events_is_detected_as_reordered(db: &TestDb) {
    let ledger = db.ledger().await;
    db.drop_append_only_guard().await;
    for (name, p, q) in [("swap-far", 8, 19), ("swap-near", 14, 15)] {
        let id = victim(&ledger, name).await;
        let w = format!("WHERE log_id = '{id}'");
        db.exec(&format!(
            "UPDATE ledger_events SET position = -1 {w} AND position = {p}"
        ))
        .await;
        db.exec(&format!(
            "UPDATE ledger_events SET position = {p} {w} AND position = {q}"
        ))
        .await;
        db.exec(&format!(
            "UPDATE ledger_events SET position = {q} {w} AND position = -1"
        ))
        .await;
        assert_broken_at(&ledger, &id, p, BreakKind::Reordered).await;
    }
}

async fn truncating_the_tail_is_detected_as_truncated(db: &TestDb) {
    let ledger = db.ledger().await;
    db.drop_append_only_guard().await;
    let id = victim(&ledger, "truncated").await;
    db.exec(&format!(
        "DELETE FROM ledger_events WHERE log_id = '{id}' AND position > 25"
    ))
    .await;
    assert_broken_at(&ledger, &id, 26, BreakKind::Truncated).await;
}

async fn inserting_a_forged_event_is_detected_at_its_position(db: &TestDb) {
    let ledger = db.ledger().await;
    db.drop_append_only_guard().await;
    let id = victim(&ledger, "inserted").await;
    let at = 10u64;
    let before = ledger
        .read_log(&id, Position::new(at - 1), 1)
        .await
        .expect("read")
        .remove(0);
    // A forger who knows the format: the forged event is correctly hashed and linked.
    let mut forged = before.clone();
    forged.position = Position::new(at);
    forged.stream_id = stream("forged");
    forged.stream_version = StreamVersion::FIRST;
    forged.payload = Payload::from_value(&serde_json::json!({"transfer": "all"})).expect("valid");
    forged.prev_hash = before.hash;
    forged.hash = forged.compute_hash();
    let w = format!("WHERE log_id = '{id}'");
    db.exec(&format!(
        "UPDATE ledger_events SET position = -(position + 1) {w} AND position >= {at}"
    ))
    .await;
    db.exec(&format!(
        "UPDATE ledger_events SET position = -position {w} AND position < 0"
    ))
    .await;
    db.exec(&format!(
        "INSERT INTO ledger_events (log_id, position, stream_id, stream_version, event_type, schema_version, payload,
                                    actor, command_id, correlation_id, recorded_at_us, prev_hash, hash)
         VALUES ('{id}', {at}, 'forged', 1, '{}', 1, '{}', '{}', '{}', '{}', {}, {}, {})",
        forged.event_type,
        forged.payload.as_str(),
        forged.metadata.actor,
        forged.metadata.command_id,
        forged.metadata.correlation_id,
        forged.metadata.recorded_at_us,
        hex_literal(db, forged.prev_hash.as_bytes()),
        hex_literal(db, forged.hash.as_bytes()),
    ))
    .await;
    assert_broken_at(&ledger, &id, at, BreakKind::Inserted).await;
}

/// Rewrites events from `from` on with `change` applied, recomputing every hash after it and
/// the head: a chain that is consistent in itself.
async fn rewrite_tail(
    db: &TestDb,
    ledger: &Ledger,
    id: &LogId,
    from: u64,
    change: impl Fn(&mut RecordedEvent),
) {
    let events = all_events(ledger, id).await;
    let mut prev = events[usize::try_from(from).expect("small") - 2].hash;
    for original in &events[usize::try_from(from).expect("small") - 1..] {
        let mut e = original.clone();
        if e.position.get() == from {
            change(&mut e);
        }
        e.prev_hash = prev;
        e.hash = e.compute_hash();
        prev = e.hash;
        db.exec(&format!(
            "UPDATE ledger_events SET stream_version = {}, payload = '{}', prev_hash = {}, hash = {}
             WHERE log_id = '{id}' AND position = {}",
            e.stream_version,
            e.payload.as_str(),
            hex_literal(db, e.prev_hash.as_bytes()),
            hex_literal(db, e.hash.as_bytes()),
            e.position,
        ))
        .await;
    }
    db.exec(&format!(
        "UPDATE ledger_logs SET head_hash = {} WHERE log_id = '{id}'",
        hex_literal(db, prev.as_bytes())
    ))
    .await;
}

async fn a_forger_who_rehashes_the_tail_is_caught_by_stream_versions_and_anchors(db: &TestDb) {
    let ledger = db.ledger().await;
    db.drop_append_only_guard().await;

    let id = victim(&ledger, "rehashed-version").await;
    rewrite_tail(db, &ledger, &id, 17, |e| {
        e.stream_version = StreamVersion::new(1_000).expect("valid")
    })
    .await;
    assert_broken_at(&ledger, &id, 17, BreakKind::WrongStreamVersion).await;
    // The same where the events are still in the tail that SQLite's writer has not yet taken
    // into the stream index (the default lag is far above this log's length).
    let untaken = Ledger::open(&db.url, LedgerOptions::default())
        .await
        .expect("open");
    let id = victim(&untaken, "rehashed-version-in-the-tail").await;
    rewrite_tail(db, &untaken, &id, 17, |e| {
        e.stream_version = StreamVersion::new(1_000).expect("valid")
    })
    .await;
    assert_broken_at(&untaken, &id, 17, BreakKind::WrongStreamVersion).await;
    untaken.close().await;

    // A rewritten payload keeps every internal rule; only a hash known from outside exposes it.
    let id = victim(&ledger, "rehashed-payload").await;
    let anchor_event = ledger
        .read_log(&id, Position::new(20), 1)
        .await
        .expect("read")
        .remove(0);
    rewrite_tail(db, &ledger, &id, 13, |e| {
        e.payload =
            Payload::from_value(&serde_json::json!({"n": 0, "note": "rewritten"})).expect("valid");
    })
    .await;
    assert!(
        verify(&ledger, &id).await.is_intact(),
        "internally consistent"
    );
    let anchor = Anchor {
        position: anchor_event.position,
        hash: anchor_event.hash,
    };
    let report = ledger
        .verify(&id, Some(anchor), &mut |_| {})
        .await
        .expect("verify");
    let found = report.first_break.expect("the anchor exposes the rewrite");
    assert_eq!(
        (found.position.get(), found.kind),
        (20, BreakKind::AnchorMismatch)
    );
}

/// SQLite keeps the stream index apart from the events (`ledger_stream_index`, filled in bulk
/// by the writer). An attacker who changes or removes an entry there, to hide a stream's
/// history from the stream check, is caught where the index and the events disagree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_index_kept_apart_from_the_events_must_agree_with_them_on_sqlite() {
    let db = TestDb::sqlite().await;
    let outcome = catch(async {
        let ledger = db.ledger().await;
        db.exec("DROP TRIGGER ledger_stream_index_no_update; DROP TRIGGER ledger_stream_index_no_delete;")
            .await;
        let changed = victim(&ledger, "index-changed").await;
        db.exec(&format!(
            "UPDATE ledger_stream_index SET stream_version = stream_version + 100
              WHERE log_id = '{changed}' AND position = 12"
        ))
        .await;
        assert_broken_at(&ledger, &changed, 12, BreakKind::WrongStreamVersion).await;

        let removed = victim(&ledger, "index-removed").await;
        db.exec(&format!(
            "DELETE FROM ledger_stream_index WHERE log_id = '{removed}' AND position = 5"
        ))
        .await;
        assert_broken_at(&ledger, &removed, 5, BreakKind::WrongStreamVersion).await;
        ledger.close().await;

        // An entry added where the index has not reached yet (the events there are the
        // tail, read from the events themselves): a stream no event belongs to.
        let lazy = Ledger::open(
            &db.url,
            LedgerOptions {
                index_lag_events_max: 1_000,
                ..LedgerOptions::default()
            },
        )
        .await
        .expect("open");
        let ghost = victim(&lazy, "index-ghost").await;
        db.exec(&format!(
            "INSERT INTO ledger_stream_index (log_id, stream_id, stream_version, position)
             VALUES ('{ghost}', 'ghost', 1, 20)"
        ))
        .await;
        assert_broken_at(&lazy, &ghost, 20, BreakKind::WrongStreamVersion).await;
        lazy.close().await;

        // An entry that takes the key of a tail event the writer has yet to take in: the
        // writer refuses to go on, saying where, instead of failing with a bare constraint.
        let eager = Ledger::open(
            &db.url,
            LedgerOptions {
                index_lag_events_max: 2,
                ..LedgerOptions::default()
            },
        )
        .await
        .expect("open");
        let taken = log("index-taken");
        eager.create_log(&taken).await.expect("create");
        fill(&eager, &taken, 1, 1).await;
        db.exec(&format!(
            "INSERT INTO ledger_stream_index (log_id, stream_id, stream_version, position)
             VALUES ('{taken}', 's0', 1, 1)"
        ))
        .await;
        let second = commit("taken-2", "s0", ExpectedVersion::Any, vec![event("Filled", 2)]);
        eager.append(&taken, second).await.expect("the tail holds two");
        let third = commit("taken-3", "s0", ExpectedVersion::Any, vec![event("Filled", 3)]);
        let error = eager
            .append(&taken, third)
            .await
            .expect_err("the tail cannot be taken in");
        assert!(
            error.to_string().contains("stream s0 version 1 at position 1"),
            "{error}"
        );
        eager.close().await;
    })
    .await;
    db.clean_up_then(outcome).await;
}

/// One change an attacker makes to a log of `EVENTS` events.
#[derive(Clone, Debug)]
enum Tampering {
    Payload(u64),
    PrevHash(u64),
    Delete(u64),
    DeleteRun(u64, u64),
    Swap(u64, u64),
    CutTail(u64),
}

impl Tampering {
    fn sql(&self, id: &LogId) -> Vec<String> {
        let w = format!("WHERE log_id = '{id}'");
        let at = |p: u64| format!("{w} AND position = {p}");
        match *self {
            Tampering::Payload(p) => vec![format!(
                "UPDATE ledger_events SET payload = '{{\"n\":-1}}' {}",
                at(p)
            )],
            Tampering::PrevHash(p) => vec![format!(
                "UPDATE ledger_events SET prev_hash = hash {}",
                at(p)
            )],
            Tampering::Delete(p) => vec![format!("DELETE FROM ledger_events {}", at(p))],
            Tampering::DeleteRun(p, n) => vec![format!(
                "DELETE FROM ledger_events {w} AND position BETWEEN {p} AND {}",
                p + n
            )],
            Tampering::Swap(p, q) => vec![
                format!("UPDATE ledger_events SET position = -1 {}", at(p)),
                format!("UPDATE ledger_events SET position = {p} {}", at(q)),
                format!("UPDATE ledger_events SET position = {q} {w} AND position = -1"),
            ],
            Tampering::CutTail(p) => {
                vec![format!("DELETE FROM ledger_events {w} AND position >= {p}")]
            }
        }
    }
}

fn tampering() -> impl proptest::strategy::Strategy<Value = Tampering> {
    use proptest::prelude::*;
    let p = || 1..=EVENTS;
    prop_oneof![
        p().prop_map(Tampering::Payload),
        p().prop_map(Tampering::PrevHash),
        p().prop_map(Tampering::Delete),
        (p(), 1..6u64).prop_map(|(p, n)| Tampering::DeleteRun(p, n)),
        (p(), p())
            .prop_filter("two places", |(p, q)| p != q)
            .prop_map(|(p, q)| Tampering::Swap(p, q)),
        p().prop_map(Tampering::CutTail),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 32, ..Default::default() })]

    /// Whatever an attacker changed, verification that scans the chain in ranges on several
    /// threads (SQLite) reports what one scan from position 1 reports: the same first break,
    /// at the same position, for the same reason, after the same number of events checked.
    #[test]
    fn a_chain_scanned_in_ranges_breaks_where_one_scan_does_on_sqlite(
        changes in proptest::collection::vec(tampering(), 0..3),
        threads in 2usize..7,
        range in 1u64..9,
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let db = TestDb::sqlite().await;
            let open = |threads_max, events_min| {
                Ledger::open(
                    &db.url,
                    LedgerOptions {
                        index_lag_events_max: 7,
                        verify_threads_max: threads_max,
                        verify_range_events_min: events_min,
                        ..LedgerOptions::default()
                    },
                )
            };
            let ledger = open(1, 1).await.expect("open");
            let id = victim(&ledger, "ranges").await;
            db.drop_append_only_guard().await;
            for change in &changes {
                for sql in change.sql(&id) {
                    db.exec(&sql).await;
                }
            }
            let whole = verify(&ledger, &id).await;
            ledger.close().await;
            let ranged = open(threads, range).await.expect("open");
            let split = verify(&ranged, &id).await;
            ranged.close().await;
            assert_eq!(
                (&split.first_break, split.events_checked),
                (&whole.first_break, whole.events_checked),
                "{changes:?} in ranges of {range} on {threads} threads"
            );
            // One change always breaks the chain (two may undo each other, as a swap twice).
            match changes.len() {
                0 => assert!(whole.is_intact(), "{:?}", whole.first_break),
                1 => assert!(!whole.is_intact(), "{changes:?} went unnoticed"),
                _ => {}
            }
            db.cleanup().await;
        });
    }
}

/// Issue 23, point 4: a payload byte changed near the end of a log is found by the check of
/// its tail (a server's start); from then on the log takes no writes, also after the ledger is
/// opened again, and `resume` lets it take writes only once the whole log verifies intact —
/// here, once the byte is put back as a restored backup would.
async fn a_broken_chain_takes_no_writes_until_the_whole_log_verifies_intact(db: &TestDb) {
    let ledger = db.ledger().await;
    db.drop_append_only_guard().await;
    let id = victim(&ledger, "halted").await;
    assert_eq!(ledger.check_tail(&id, 1_000).await.expect("checks"), None);
    let original = all_events(&ledger, &id).await[27]
        .payload
        .as_str()
        .to_owned();
    db.exec(&format!(
        "UPDATE ledger_events SET payload = '{{\"n\":666}}' WHERE log_id = '{id}' AND position = 28"
    ))
    .await;
    let found = ledger
        .check_tail(&id, 1_000)
        .await
        .expect("checks")
        .expect("the changed byte is found");
    assert_eq!(
        (found.position.get(), found.kind),
        (28, BreakKind::HashMismatch)
    );
    let refused = ledger
        .append(
            &id,
            commit(
                "after-break",
                "s1",
                ExpectedVersion::Any,
                vec![event("Filled", 99)],
            ),
        )
        .await
        .expect_err("no writes on top of a break");
    assert!(
        matches!(&refused, LedgerError::Halted { found, .. } if found.position.get() == 28),
        "{refused}"
    );
    ledger.close().await;

    // Opened again: still halted, and a resume finds the chain still broken.
    let ledger = db.ledger().await;
    assert_eq!(ledger.halted(&id).map(|f| f.position.get()), Some(28));
    let report = ledger.resume(&id, &mut |_| {}).await.expect("verifies");
    assert!(!report.is_intact());
    assert!(ledger.halted(&id).is_some(), "still broken, still halted");

    // The backup's bytes back in place: the whole log verifies, and writes go on.
    db.exec(&format!(
        "UPDATE ledger_events SET payload = '{original}' WHERE log_id = '{id}' AND position = 28"
    ))
    .await;
    let report = ledger.resume(&id, &mut |_| {}).await.expect("verifies");
    assert!(report.is_intact(), "{:?}", report.first_break);
    assert_eq!(ledger.halted(&id), None);
    ledger
        .append(
            &id,
            commit(
                "after-resume",
                "s1",
                ExpectedVersion::Any,
                vec![event("Filled", 100)],
            ),
        )
        .await
        .expect("takes writes again");
}
