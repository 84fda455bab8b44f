use super::*;
use crate::View;
use proptest::prelude::*;

verbund_tests::on_both_databases!(
    the_read_ahead_sends_whole_pages_in_order_and_stops_two_pages_before_the_head,
    the_read_ahead_ends_at_an_event_that_does_not_decode,
);

/// Opens `db` with a new log `name` of `events` events, one command each; the one at
/// position `unknown` of a type no build knows.
async fn log_of(
    db: &verbund_tests::TestDb,
    name: &str,
    events: u64,
    unknown: Option<u64>,
) -> (Ledger, LogId) {
    let ledger = Ledger::open(&db.url, verbund_ledger::LedgerOptions::default())
        .await
        .expect("open");
    let log = LogId::parse(name).expect("valid");
    ledger.create_log(&log).await.expect("create");
    for n in 1..=events {
        let event = if Some(n) == unknown {
            verbund_ledger::NewEvent::json("MemberTeleported", 1, &serde_json::json!({}))
        } else {
            verbund_ledger::NewEvent::json(
                "TokenRevoked",
                1,
                &serde_json::json!({"token": format!("t{n}")}),
            )
        }
        .expect("valid");
        let commit = verbund_ledger::Commit::new(
            verbund_ledger::CommandId::parse(format!("c{n}")).expect("valid"),
            verbund_ledger::Actor::parse("test").expect("valid"),
            None,
            vec![verbund_ledger::StreamAppend::new(
                verbund_ledger::StreamId::parse(format!("token-t{n}")).expect("valid"),
                verbund_ledger::ExpectedVersion::Any,
                vec![event],
            )],
        )
        .expect("valid");
        ledger.append(&log, commit).await.expect("append");
    }
    (ledger, log)
}

/// Runs `read_ahead` from `from` in pages of `page`; returns how it ended and the pages
/// it sent, each as (first position, last position, number of events, refused).
async fn pages_read_ahead(
    ledger: &Ledger,
    log: &LogId,
    from: u64,
    page: usize,
) -> (ReadAhead, Vec<(u64, u64, usize, bool)>) {
    let (sender, mut receiver) = mpsc::channel(1_000);
    let ended = read_ahead(ledger, log, Position::new(from), page, &sender).await;
    drop(sender);
    let mut pages = Vec::new();
    while let Some((events, error)) = receiver.recv().await {
        let first = events.first().map_or(0, |e| e.position.get());
        let last = events.last().map_or(0, |e| e.position.get());
        pages.push((first, last, events.len(), error.is_some()));
    }
    (ended, pages)
}

/// Far behind, the read-ahead sends whole pages in order, without gaps or repeats, and
/// hands over to the subscription where fewer than two whole pages are left; from
/// closer, it reads nothing.
fn the_read_ahead_sends_whole_pages_in_order_and_stops_two_pages_before_the_head(
    db: &verbund_tests::TestDb,
) {
    verbund_tests::runtime().block_on(read_ahead_in_pages(db));
}

async fn read_ahead_in_pages(db: &verbund_tests::TestDb) {
    let (ledger, log) = log_of(db, "coop", 23, None).await;
    let (ended, pages) = pages_read_ahead(&ledger, &log, 1, 5).await;
    assert_eq!(
        pages,
        [(1, 5, 5, false), (6, 10, 5, false), (11, 15, 5, false)]
    );
    assert_eq!(
        ended,
        ReadAhead::Reached(Position::new(16)),
        "8 left: live from 16"
    );
    // Exactly two pages left: the first read ahead; one event fewer: none.
    let (ended, pages) = pages_read_ahead(&ledger, &log, 14, 5).await;
    assert_eq!(pages, [(14, 18, 5, false)]);
    assert_eq!(ended, ReadAhead::Reached(Position::new(19)));
    let (ended, pages) = pages_read_ahead(&ledger, &log, 15, 5).await;
    assert_eq!(
        (ended, pages),
        (ReadAhead::Reached(Position::new(15)), vec![])
    );
    // A page of no events is read as a page of one.
    let (ended, pages) = pages_read_ahead(&ledger, &log, 18, 0).await;
    assert_eq!(
        pages,
        (18..=22).map(|p| (p, p, 1, false)).collect::<Vec<_>>()
    );
    assert_eq!(ended, ReadAhead::Reached(Position::new(23)));
    ledger.close().await;
}

/// An event that does not decode ends the read-ahead with its page, the events before it
/// in that page included, whether it lies in the first or the second page of a pair.
fn the_read_ahead_ends_at_an_event_that_does_not_decode(db: &verbund_tests::TestDb) {
    for (unknown, expected) in [
        (3, vec![(1, 2, 2, true)]),
        (8, vec![(1, 5, 5, false), (6, 7, 2, true)]),
        (
            11,
            vec![(1, 5, 5, false), (6, 10, 5, false), (0, 0, 0, true)],
        ),
    ] {
        verbund_tests::runtime().block_on(async {
            let name = format!("coop-{unknown}");
            let (ledger, log) = log_of(db, &name, 30, Some(unknown)).await;
            let (ended, pages) = pages_read_ahead(&ledger, &log, 1, 5).await;
            assert_eq!(ended, ReadAhead::Done, "unknown at {unknown}");
            assert_eq!(pages, expected, "unknown at {unknown}");
            ledger.close().await;
        });
    }
}

#[test]
fn a_failing_read_is_tried_again_after_waits_that_double_up_to_a_bound() {
    let mut retry = Retry::default();
    let waits: Vec<u128> = (0..10).map(|_| retry.next_wait().as_millis()).collect();
    assert_eq!(
        waits,
        [50, 100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000]
    );
}

/// A projection for the fold tests: the positions it folded and the threads it folded
/// them on. At position 1 it waits (up to ten seconds) until `MEETS` projections are
/// folding at once, and remembers whether they did; at position `panic_at`, it panics.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct Seen<const MEETS: usize, const PANIC_AT: u64> {
    positions: Vec<u64>,
    #[serde(skip)]
    threads: Vec<String>,
    met: bool,
}

/// How many `Seen` projections reached position 1 (one test uses `MEETS` above one).
static ARRIVED: std::sync::Mutex<usize> = std::sync::Mutex::new(0);
static ARRIVALS: std::sync::Condvar = std::sync::Condvar::new();

impl<const MEETS: usize, const PANIC_AT: u64> crate::Projection for Seen<MEETS, PANIC_AT> {
    const NAME: &'static str = "seen";
    const VERSION: u32 = 1;
    fn apply(&mut self, event: &Envelope) {
        let position = event.position.get();
        assert_ne!(position, PANIC_AT, "seen broke at {position}");
        if position == 1 && MEETS > 1 {
            let mut arrived = ARRIVED.lock().expect("not poisoned");
            *arrived += 1;
            ARRIVALS.notify_all();
            let (arrived, _) = ARRIVALS
                .wait_timeout_while(arrived, Duration::from_secs(10), |n| *n < MEETS)
                .expect("not poisoned");
            self.met = *arrived >= MEETS;
        }
        self.positions.push(position);
        let thread = format!("{:?}", std::thread::current().id());
        if self.threads.last() != Some(&thread) {
            self.threads.push(thread);
        }
    }
}

fn page(positions: std::ops::RangeInclusive<u64>) -> Vec<Envelope> {
    positions
        .map(|p| Envelope {
            position: Position::new(p),
            stream: None,
            stream_version: verbund_ledger::StreamVersion::FIRST,
            recorded_at: jiff::Timestamp::UNIX_EPOCH,
            actor: verbund_ledger::Actor::parse("test").expect("valid"),
            event: verbund_domain::Event::TokenRevoked(verbund_domain::TokenRevoked {
                token: verbund_domain::TokenId::parse("t1").expect("valid"),
            }),
        })
        .collect()
}

/// A page is folded into every projection, each in the events' order.
#[test]
fn a_page_is_folded_into_every_projection_in_order() {
    let views: Vec<Arc<View<Seen<1, 0>>>> = (0..3).map(|_| Arc::default()).collect();
    let feeds: Vec<Arc<dyn Feed>> = views.iter().map(|v| Arc::clone(v) as _).collect();
    let folding = Folding::new(feeds);
    folding.apply(&page(1..=300));
    folding.apply(&page(301..=309));
    for view in &views {
        let seen = view.cloned();
        assert_eq!(seen.state.positions, (1..=309).collect::<Vec<_>>());
        assert_eq!(seen.position, Position::new(309));
    }
}

/// A panic in the worker (here: a rebuild's state installed into another projection's
/// view) leaves the runtime failed, not running, and it still answers control messages.
#[test]
fn a_panicking_projection_leaves_the_runtime_failed_and_answering() {
    // Outside the runtime: the test database is removed when dropped, blocking.
    let db = verbund_tests::TestDb::sqlite();
    verbund_tests::runtime().block_on(async {
        let (ledger, log) = log_of(&db, "coop", 0, None).await;
        let runtime = Runtime::start(ledger.clone(), None, log, RuntimeOptions::default())
            .await
            .expect("start");
        assert_eq!(runtime.status(), Status::Running);
        let feeds = runtime.views().feeds();
        let (register, tokens) = (&feeds[0], &feeds[1]);
        assert_ne!(register.name(), tokens.name());
        let (reply, answer) = oneshot::channel();
        runtime
            .control
            .send(Control::Install {
                feed: 0,
                fold: tokens.fresh(),
                reply,
            })
            .await
            .expect("sent");
        assert!(answer.await.is_err(), "the install panicked");
        let mut status = runtime.status.clone();
        let failed = tokio::time::timeout(
            Duration::from_secs(10),
            status.wait_for(|s| matches!(s, Status::Failed(_))),
        )
        .await
        .expect("failed in time")
        .expect("the status is kept")
        .clone();
        let Status::Failed(why) = failed else {
            unreachable!()
        };
        assert!(why.contains("panicked"), "{why}");
        assert!(matches!(
            runtime.snapshot().await,
            Err(ProjectionError::Failed(_))
        ));
        runtime.stop().await;
        ledger.close().await;
    });
}

fn options() -> RuntimeOptions {
    RuntimeOptions {
        snapshot_every_events: 10_000,
        snapshot_interval_min: Duration::from_secs(30),
        snapshot_interval_cost_factor: 50,
        ..RuntimeOptions::default()
    }
}

#[test]
fn a_snapshot_is_due_after_enough_events_and_time_and_never_when_turned_off() {
    let o = options();
    let (s, ms) = (Duration::from_secs, Duration::from_millis);
    assert!(snapshot_due(&o, 10_000, s(30), ms(100)));
    assert!(
        !snapshot_due(&o, 9_999, s(3_600), ms(100)),
        "too few events"
    );
    assert!(!snapshot_due(&o, 1_000_000, s(29), ms(100)), "too soon");
    // The last one took 2 s: the next waits 100 s, so snapshots take 2% of the time.
    assert!(!snapshot_due(&o, 1_000_000, s(99), s(2)));
    assert!(snapshot_due(&o, 1_000_000, s(100), s(2)));
    let off = RuntimeOptions {
        snapshot_every_events: 0,
        ..options()
    };
    assert!(!snapshot_due(&off, u64::MAX, s(1 << 30), Duration::ZERO));
}

proptest! {
    /// Whenever a snapshot is due, the time since the last one is at least the minimum
    /// interval and `factor` times the last one's cost: snapshots never take more than
    /// 1/factor of the time.
    #[test]
    fn snapshots_take_at_most_their_share_of_the_time(
        events in 0u64..100_000,
        elapsed_ms in 0u64..1_000_000,
        cost_ms in 0u64..100_000,
        factor in 1u32..200,
    ) {
        let o = RuntimeOptions { snapshot_interval_cost_factor: factor, ..options() };
        let (elapsed, cost) = (Duration::from_millis(elapsed_ms), Duration::from_millis(cost_ms));
        if snapshot_due(&o, events, elapsed, cost) {
            prop_assert!(elapsed >= o.snapshot_interval_min);
            prop_assert!(elapsed >= cost * factor);
            prop_assert!(events >= o.snapshot_every_events);
        }
    }
}
