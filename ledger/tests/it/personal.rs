//! Personal-data records beside the log: stored and erased only with commits, on both
//! databases.

use verbund_ledger::*;

use crate::support::*;

on_both_databases!(
    records_are_stored_with_their_commit_and_erased_by_a_later_one,
    a_replayed_or_refused_commit_stores_no_record,
    the_database_lets_a_record_only_be_erased,
    a_record_twice_in_one_append_and_an_unknown_log_are_refused,
    an_append_the_database_refuses_fails_alone_not_with_its_batch,
    verify_holds_every_referenced_record_to_the_commitment_its_event_carries,
);

/// An append the database refuses (here: a personal-data record id used by an earlier commit)
/// fails on its own; the appends that shared its batch are committed.
async fn an_append_the_database_refuses_fails_alone_not_with_its_batch(db: &TestDb) {
    let ledger = Ledger::open(
        &db.url,
        LedgerOptions {
            // Long enough that the two appends below share a batch.
            batch_linger: std::time::Duration::from_millis(200),
            ..LedgerOptions::default()
        },
    )
    .await
    .expect("open");
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    let with_record = |id: &str, stream: &str, record_id: &str, data: &str| {
        commit(id, stream, ExpectedVersion::Any, vec![event("E", 1)])
            .with_records(vec![record(record_id, data)])
            .expect("one record")
    };
    ledger
        .append(&coop, with_record("first", "a", "r1", r#"{"n":1}"#))
        .await
        .expect("the first use of r1");
    let batches_before = ledger.writer_counters().batches;
    let (reused, fresh) = tokio::join!(
        ledger.append(&coop, with_record("reused", "b", "r1", r#"{"n":2}"#)),
        ledger.append(&coop, with_record("fresh", "c", "r2", r#"{"n":3}"#)),
    );
    assert_eq!(
        ledger.writer_counters().batches - batches_before,
        1,
        "the two appends shared a batch"
    );
    assert!(reused.is_err(), "{reused:?}");
    let fresh = fresh.expect("the other append of the batch commits");
    assert_eq!(fresh.first_position, Position::new(2));
    let read = ledger
        .personal_records(&coop, &["r1", "r2"])
        .await
        .expect("read");
    assert_eq!(read.len(), 2);
    let report = ledger
        .verify(&coop, None, &mut |_| {})
        .await
        .expect("verify");
    assert!(report.is_intact(), "{:?}", report.first_break);
    assert_eq!(report.events_checked, 2);
    ledger.close().await;
}

/// Bad input about records is refused before anything is written.
async fn a_record_twice_in_one_append_and_an_unknown_log_are_refused(db: &TestDb) {
    let ledger = db.ledger().await;
    let twice = commit("c", "s", ExpectedVersion::Any, vec![event("E", 1)])
        .with_records(vec![record("r1", "{}"), record("r1", "{}")]);
    assert!(
        matches!(twice, Err(LedgerError::InvalidAppend(_))),
        "{twice:?}"
    );
    assert!(matches!(
        ledger.personal_records(&log("nosuch"), &["r1"]).await,
        Err(LedgerError::UnknownLog(_))
    ));
}

fn record(id: &str, data: &str) -> PersonalRecord {
    PersonalRecord::new(id, data.into(), [7; 32]).expect("valid record")
}

/// G15: personal data lives outside the chain; erasing it keeps the chain verifiable.
async fn records_are_stored_with_their_commit_and_erased_by_a_later_one(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    let huber = record("r1", r#"{"name":"Huber"}"#);
    let commitment = huber.commitment();
    let first = ledger
        .append(
            &coop,
            commit(
                "apply",
                "application-1",
                ExpectedVersion::NoStream,
                vec![event("Applied", 1)],
            )
            .with_records(vec![huber])
            .expect("one record"),
        )
        .await
        .expect("append");
    let read = ledger
        .personal_records(&coop, &["r1", "r9"])
        .await
        .expect("read");
    assert_eq!(read.len(), 1, "r9 does not exist");
    match &read[0].1 {
        StoredRecord::Present {
            data,
            commitment: c,
            stored_at,
        } => {
            assert_eq!(data, r#"{"name":"Huber"}"#);
            assert_eq!(
                c, &commitment,
                "the commitment is recomputed from data and salt"
            );
            assert_eq!(*stored_at, first.first_position);
        }
        other => panic!("expected the record, got {other:?}"),
    }

    let erased = ledger
        .append(
            &coop,
            commit(
                "reject",
                "application-1",
                ExpectedVersion::Any,
                vec![event("Rejected", 2)],
            )
            .erasing(vec![
                Erasure::new("r1", "application rejected (G15)").expect("valid"),
            ])
            .expect("one erasure"),
        )
        .await
        .expect("append");
    let read = ledger.personal_records(&coop, &["r1"]).await.expect("read");
    match &read[0].1 {
        StoredRecord::Erased {
            erased_at, reason, ..
        } => {
            assert_eq!(*erased_at, erased.first_position);
            assert_eq!(reason, "application rejected (G15)");
        }
        other => panic!("expected an erased record, got {other:?}"),
    }
    // Erasing again changes nothing; the chain is intact.
    ledger
        .append(
            &coop,
            commit(
                "again",
                "application-1",
                ExpectedVersion::Any,
                vec![event("Noted", 3)],
            )
            .erasing(vec![Erasure::new("r1", "again").expect("valid")])
            .expect("one erasure"),
        )
        .await
        .expect("append");
    let read = ledger.personal_records(&coop, &["r1"]).await.expect("read");
    assert!(
        matches!(&read[0].1, StoredRecord::Erased { reason, .. } if reason == "application rejected (G15)")
    );
    let report = ledger
        .verify(&coop, None, &mut |_| {})
        .await
        .expect("verify");
    assert!(report.is_intact(), "{report:?}");
}

async fn a_replayed_or_refused_commit_stores_no_record(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    let append = |id: &str, record_id: &str| {
        commit(
            id,
            "member-1",
            ExpectedVersion::NoStream,
            vec![event("Admitted", 1)],
        )
        .with_records(vec![record(record_id, "{}")])
        .expect("one record")
    };
    ledger
        .append(&coop, append("c1", "r1"))
        .await
        .expect("first");
    let replay = ledger.append(&coop, append("c1", "r2")).await;
    let refused = ledger.append(&coop, append("c2", "r3")).await;
    assert!(
        matches!(
            replay,
            Ok(Committed { replayed: true, .. }) | Err(LedgerError::IdempotencyMismatch(_))
        ),
        "{replay:?}"
    );
    assert!(
        matches!(refused, Err(LedgerError::Conflict { .. })),
        "{refused:?}"
    );
    let read = ledger
        .personal_records(&coop, &["r1", "r2", "r3"])
        .await
        .expect("read");
    let ids: Vec<&str> = read.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["r1"]);
}

async fn the_database_lets_a_record_only_be_erased(db: &TestDb) {
    let ledger = db.ledger().await;
    let coop = log("coop");
    ledger.create_log(&coop).await.expect("create");
    ledger
        .append(
            &coop,
            commit(
                "c1",
                "member-1",
                ExpectedVersion::NoStream,
                vec![event("Admitted", 1)],
            )
            .with_records(vec![record("r1", "{}")])
            .expect("one record"),
        )
        .await
        .expect("append");
    for sql in [
        "UPDATE ledger_personal_records SET data = 'forged'",
        "DELETE FROM ledger_personal_records",
    ] {
        db.exec_err(sql).await;
    }
}

/// Issue 23, point 3: `verify` holds every personal record an event refers to
/// (`{"record": …, "commitment": …}`) to that commitment, offline and with no key: a changed
/// address, a deleted record and a record blanked without an event naming it erased are each
/// a break at the position of the event that refers to the record; an erasure an event names
/// (`"erased_records"`) is not.
async fn verify_holds_every_referenced_record_to_the_commitment_its_event_carries(db: &TestDb) {
    let ledger = db.ledger().await;
    let referring = |id: &str, n: u64, record: &PersonalRecord| {
        let payload = serde_json::json!({
            "member": n,
            "person": {"record": record.id(), "commitment": record.commitment()},
        });
        commit(
            id,
            &format!("member-{n}"),
            ExpectedVersion::NoStream,
            vec![NewEvent::json("MemberAdmitted", 2, &payload).expect("an event")],
        )
        .with_records(vec![record.clone()])
        .expect("one record")
    };
    let erasing = |id: &str, record: &str| {
        let payload = serde_json::json!({"erased_records": [record]});
        commit(
            id,
            "retention",
            ExpectedVersion::Any,
            vec![NewEvent::json("MemberRecordErased", 2, &payload).expect("an event")],
        )
        .erasing(vec![
            Erasure::new(record, "retention period over (G30)").expect("valid"),
        ])
        .expect("one erasure")
    };
    // Each case on a log of its own: three members, the third erased as the law says.
    let victim = |name: &'static str| {
        let ledger = &ledger;
        async move {
            let id = log(name);
            ledger.create_log(&id).await.expect("create");
            for n in 1..=3 {
                let person = record(
                    &format!("{name}r{n}"),
                    &format!(r#"{{"name":"Mitglied {n}","address":"Weg {n}"}}"#),
                );
                ledger
                    .append(&id, referring(&format!("admit-{n}"), n, &person))
                    .await
                    .expect("admitted");
            }
            ledger
                .append(&id, erasing("erase-3", &format!("{name}r3")))
                .await
                .expect("erased");
            assert!(
                verify(ledger, &id).await.is_intact(),
                "an erasure named in the chain"
            );
            id
        }
    };
    let altered = victim("altered").await;
    let missing = victim("missing").await;
    let blanked = victim("blanked").await;
    // An attacker with full access: the records' guard goes first.
    if db.is_sqlite() {
        db.exec(
            "DROP TRIGGER ledger_personal_records_erase_only; DROP TRIGGER ledger_personal_records_no_delete;",
        )
        .await;
    } else {
        db.exec("DROP TRIGGER ledger_personal_records_erase_only ON ledger_personal_records")
            .await;
    }
    db.exec(
        "UPDATE ledger_personal_records SET data = '{\"name\":\"Mitglied 2\",\"address\":\"Elsewhere 9\"}' WHERE record_id = 'alteredr2'",
    )
    .await;
    db.exec("DELETE FROM ledger_personal_records WHERE record_id = 'missingr1'")
        .await;
    db.exec(
        "UPDATE ledger_personal_records SET data = NULL, salt = NULL, erased_at = 2, erased_reason = 'x' WHERE record_id = 'blankedr2'",
    )
    .await;
    for (id, position, kind) in [
        (&altered, 2, BreakKind::PersonalRecordAltered),
        (&missing, 1, BreakKind::PersonalRecordMissing),
        (&blanked, 2, BreakKind::PersonalRecordErasedUnannounced),
    ] {
        let report = verify(&ledger, id).await;
        let found = report
            .first_break
            .unwrap_or_else(|| panic!("the records of {id} went unnoticed"));
        assert_eq!(
            (found.position.get(), found.kind),
            (position, kind),
            "{found}"
        );
    }
}
