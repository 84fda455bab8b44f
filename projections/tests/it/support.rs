//! Events for tests.

use jiff::Timestamp;
use verbund_domain::{
    Event, MemberAdmitted, MemberKind, MemberNo, Money, PersonalRef, Principal, RecordId,
    TokenDigest, TokenId, TokenIssued, TokenRevoked,
};
use verbund_ledger::{
    Actor, CommandId, Commit, ExpectedVersion, Ledger, LogId, NewEvent, PersonalRecord, Position,
    StreamAppend, StreamId,
};

pub fn log() -> LogId {
    LogId::parse("coop").expect("valid")
}

/// Appends `events` to `stream` as one command; returns the last position.
pub async fn append(ledger: &Ledger, stream: &str, events: &[Event]) -> Position {
    let events = events
        .iter()
        .map(|e| NewEvent::json(e.event_type(), e.schema_version(), &e.to_json()).expect("valid"))
        .collect();
    append_new(ledger, stream, events).await
}

/// Appends member `n`'s admission with the personal record it refers to, as the application
/// stores it (a log `verify` finds whole).
pub async fn append_admission(ledger: &Ledger, n: u32) -> Position {
    let event = admitted(n);
    let events = vec![
        NewEvent::json(event.event_type(), event.schema_version(), &event.to_json())
            .expect("valid"),
    ];
    append_with_records(
        ledger,
        &format!("member-{n}"),
        events,
        vec![person_record(n)],
    )
    .await
}

/// The personal record of member `n` that [`admitted`] refers to.
pub fn person_record(n: u32) -> PersonalRecord {
    let data = format!(r#"{{"name":"Mitglied {n}","address":"Weg {n}"}}"#);
    PersonalRecord::new(
        &format!("p{n}"),
        data,
        [u8::try_from(n % 256).unwrap_or(0); 32],
    )
    .expect("a record")
}

/// Appends events as stored (of any type, known or not) to `stream` as one command; returns
/// the last position.
pub async fn append_new(ledger: &Ledger, stream: &str, events: Vec<NewEvent>) -> Position {
    append_with_records(ledger, stream, events, Vec::new()).await
}

async fn append_with_records(
    ledger: &Ledger,
    stream: &str,
    events: Vec<NewEvent>,
    records: Vec<PersonalRecord>,
) -> Position {
    let commit = Commit::new(
        CommandId::parse(format!("c-{}", next_id())).expect("valid"),
        Actor::parse("test").expect("valid"),
        None,
        vec![StreamAppend::new(
            StreamId::parse(stream).expect("valid"),
            ExpectedVersion::Any,
            events,
        )],
    )
    .expect("valid")
    .with_records(records)
    .expect("few records");
    ledger
        .append(&log(), commit)
        .await
        .expect("append")
        .last_position
}

fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

pub fn admitted(n: u32) -> Event {
    Event::MemberAdmitted(MemberAdmitted {
        member: MemberNo::new(n).expect("non-zero"),
        person: PersonalRef {
            record: RecordId::parse(&format!("p{n}")).expect("valid"),
            commitment: person_record(n).commitment(),
        },
        kind: MemberKind::NaturalPerson,
        shares: 1,
        mandatory_shares: 1,
        admitted_on: jiff::civil::date(2026, 11, 24),
        founder: false,
        application: None,
        listed: false,
        paid_in_due: Money::ZERO,
        paid_in_due_on: jiff::civil::date(2026, 12, 24),
    })
}

pub fn issued(n: u32) -> Event {
    Event::TokenIssued(TokenIssued {
        purpose: verbund_domain::TokenPurpose::Api,
        token: TokenId::parse(&format!("t{n}")).expect("valid"),
        principal: Principal::Auditor,
        digest: TokenDigest::parse(&format!("{n:064x}")).expect("valid"),
        expires_at: Timestamp::from_second(2_000_000_000).expect("valid"),
    })
}

pub fn revoked(n: u32) -> Event {
    Event::TokenRevoked(TokenRevoked {
        token: TokenId::parse(&format!("t{n}")).expect("valid"),
    })
}

pub fn paid(n: u32, cents: i64) -> Event {
    Event::PaymentReceived(verbund_domain::PaymentReceived {
        member: MemberNo::new(n).expect("non-zero"),
        amount: Money::from_cents(cents).expect("in range"),
        received_on: jiff::civil::date(2026, 12, 1),
        reference: format!("SEPA-{n}"),
    })
}
