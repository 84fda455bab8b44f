//! Verification: recompute the chain of a log from position 1 and report the first place where
//! it is broken, and why. Memory stays constant however long the log is: events are read in
//! pages and only the last two hashes are kept.
//!
//! Two scans run side by side, each on threads or a task of their own. The chain scan walks
//! the log in position order and checks positions, links, hashes, commit times and the head;
//! on SQLite it cuts the log into one range of positions per core, scans them at once and
//! stitches them (see [`sqlite_chain_scan`]), finding what one scan from position 1 would.
//! The stream scan walks the unique stream index in (stream, version) order and checks that
//! every stream's versions run 1, 2, 3, … in position order, which a forger who rehashed the
//! whole tail could still get wrong.
//!
//! On SQLite the stream index is a table of its own, filled by the writer in bulk (its latest
//! events, the tail, are read from the events themselves), so it must also be shown to say
//! what the events say: both scans fold every (position, stream, version) they see into an
//! order-independent digest under a key drawn for this verification, and where the two digests
//! differ a third pass looks up each side in the other to find the first disagreement.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::hash::{ChainHash, EventFields, hash_fields_with};
use crate::plan::Head;
use std::ops::ControlFlow;

use tokio::sync::mpsc;

use crate::store::{EventRef, Store};
use crate::{LedgerError, LogId, Position};

/// Events per page of the chain scan.
const PAGE_EVENTS: usize = 8_192;

/// Why a chain is broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// The stored hash is not the hash of the stored fields: a field was changed.
    HashMismatch,
    /// The event does not link to the event before it (its previous hash differs), or it was
    /// committed before its predecessor: events were swapped, moved or replaced.
    Reordered,
    /// The event is not linked to by its successor, which links to the event before it: the
    /// event was inserted.
    Inserted,
    /// Positions are missing: events were deleted.
    Gap,
    /// The log ends before its recorded head (or before an expected anchor): its tail was cut.
    Truncated,
    /// A stream's versions do not run 1, 2, 3, … (skipped, repeated, or not starting at 1).
    WrongStreamVersion,
    /// The recorded head does not match the last event.
    HeadMismatch,
    /// The event at the position of an expected anchor has another hash: the log was rewritten
    /// since the anchor was taken.
    AnchorMismatch,
    /// A personal-data record is not what the event that stored it committed to: changed, or
    /// blanked without being erased (see `docs/ledger-format.md`).
    PersonalRecordAltered,
    /// A personal-data record an event refers to is gone.
    PersonalRecordMissing,
    /// A personal-data record was erased, but no event of the log says so.
    PersonalRecordErasedUnannounced,
}

impl BreakKind {
    const ALL: [BreakKind; 11] = [
        BreakKind::HashMismatch,
        BreakKind::Reordered,
        BreakKind::Inserted,
        BreakKind::Gap,
        BreakKind::Truncated,
        BreakKind::WrongStreamVersion,
        BreakKind::HeadMismatch,
        BreakKind::AnchorMismatch,
        BreakKind::PersonalRecordAltered,
        BreakKind::PersonalRecordMissing,
        BreakKind::PersonalRecordErasedUnannounced,
    ];

    /// The kind's name, as serialized (`hash_mismatch`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            BreakKind::HashMismatch => "hash_mismatch",
            BreakKind::Reordered => "reordered",
            BreakKind::Inserted => "inserted",
            BreakKind::Gap => "gap",
            BreakKind::Truncated => "truncated",
            BreakKind::WrongStreamVersion => "wrong_stream_version",
            BreakKind::HeadMismatch => "head_mismatch",
            BreakKind::AnchorMismatch => "anchor_mismatch",
            BreakKind::PersonalRecordAltered => "personal_record_altered",
            BreakKind::PersonalRecordMissing => "personal_record_missing",
            BreakKind::PersonalRecordErasedUnannounced => "personal_record_erased_unannounced",
        }
    }

    /// The kind named `name` ([`BreakKind::as_str`]).
    pub fn parse(name: &str) -> Option<BreakKind> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for BreakKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

/// The first place where a chain is broken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    /// The first position that is not what was written.
    pub position: Position,
    /// Why.
    pub kind: BreakKind,
    /// The details, for a person.
    pub detail: String,
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "position {}: {}: {}",
            self.position, self.kind, self.detail
        )
    }
}

/// A hash known from outside the database (a printed report, an auditor's notes): the event at
/// `position` must have `hash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// The position.
    pub position: Position,
    /// The hash the event there had.
    pub hash: ChainHash,
}

/// The result of verifying one log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// The log.
    pub log: LogId,
    /// The head recorded for the log when verification began; later appends are not checked.
    pub head: Head,
    /// How many events were hashed.
    pub events_checked: u64,
    /// The first break, if any.
    pub first_break: Option<ChainBreak>,
}

impl VerifyReport {
    /// True if the log is intact.
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

/// Progress of a running verification, for progress bars.
#[derive(Clone, Copy, Debug)]
pub struct VerifyProgress {
    /// Events hashed so far.
    pub events_checked: u64,
    /// Events to hash in all.
    pub events_total: u64,
}

pub(crate) async fn verify(
    store: &Store,
    log: &LogId,
    anchor: Option<Anchor>,
    ranges: Ranges,
    progress: &mut (dyn FnMut(VerifyProgress) + Send),
) -> Result<VerifyReport, LedgerError> {
    let head = store
        .head(log)
        .await?
        .ok_or_else(|| LedgerError::UnknownLog(log.clone()))?;
    // The scans add what they checked to `done` and signal; a slow listener misses signals,
    // never counts.
    let done = Arc::new(AtomicU64::new(0));
    let (progress_tx, mut progress_rx) = mpsc::channel::<()>(16);
    // Digests only where the index is kept apart from the events.
    let digest = store.is_sqlite().then(Digest::new);
    let chain = spawn_chain_scan(
        store,
        log,
        head,
        anchor,
        ranges,
        Progress {
            done: Arc::clone(&done),
            signal: progress_tx,
        },
        digest.clone(),
    );
    let streams = spawn_stream_scan(store, log, head, digest);
    while progress_rx.recv().await.is_some() {
        progress(VerifyProgress {
            events_checked: done.load(Ordering::Relaxed),
            events_total: head.position.get(),
        });
    }
    let (events_checked, chain_break, chain_digest, refs) = joined(chain.await)?;
    let records_break = check_records(store, log, refs).await?;
    let (stream_break, stream_digest) = joined(streams.await)?;
    let index_break = match store {
        Store::Sqlite(sqlite) if chain_digest != stream_digest => {
            let (path, name) = (sqlite.path().to_owned(), log.as_str().to_owned());
            let to = crate::ids::to_db(head.position.get());
            let found = tokio::task::spawn_blocking(move || {
                crate::store::sqlite::locate_index_disagreement(&path, &name, to)
            })
            .await;
            // The digests cover what either scan saw up to the head, in any snapshot: they
            // differ only where the index and the events disagree. Should the lookup not name
            // the place, the disagreement stands, at the head.
            let (position, detail) = joined(found)?.unwrap_or_else(|| {
                (
                    to,
                    "the stream index and the events disagree, at no single entry found".into(),
                )
            });
            Some(ChainBreak {
                position: Position::new(crate::ids::from_db(position, "position")?),
                kind: BreakKind::WrongStreamVersion,
                detail,
            })
        }
        _ => None,
    };
    // The earliest break wins; at the same position the chain's reason is the most telling
    // one, then a disagreement of the index with the events, then the stream check's.
    let first_break = [chain_break, index_break, stream_break, records_break]
        .into_iter()
        .flatten()
        .reduce(|earlier, b| {
            if b.position < earlier.position {
                b
            } else {
                earlier
            }
        });
    Ok(VerifyReport {
        log: log.clone(),
        head,
        events_checked,
        first_break,
    })
}

/// Verifies the last `events` events of `log` and their link to the recorded head: the check a
/// server makes at start, cheap whatever the log's length (the first event's link is taken on
/// trust; a full `verify` checks it).
pub(crate) async fn verify_tail(
    store: &Store,
    log: &LogId,
    events: u64,
) -> Result<Option<ChainBreak>, LedgerError> {
    let head = store
        .head(log)
        .await?
        .ok_or_else(|| LedgerError::UnknownLog(log.clone()))?;
    let to = head.position.get();
    let mut chain = ChainCheck::new(log.as_str(), None, None);
    let from = to.saturating_sub(events.max(1)).saturating_add(1).max(1);
    if from > 1 {
        chain.start_on_trust(from);
    }
    let mut next = Position::new(from);
    while next.get() <= to {
        let page = store
            .read_raw(log, next, Some(Position::new(to)), PAGE_EVENTS)
            .await?;
        for event in &page {
            if let Some(broken) = chain.check(&event.as_ref()) {
                return Ok(Some(broken));
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE_EVENTS => {
                next = Position::new(u64::try_from(last.position).unwrap_or(u64::MAX) + 1);
            }
            _ => break,
        }
    }
    Ok(chain.finish(head))
}

fn joined<T>(
    result: Result<Result<T, LedgerError>, tokio::task::JoinError>,
) -> Result<T, LedgerError> {
    result.map_err(|e| LedgerError::Internal(format!("a verification task failed: {e}")))?
}

type ChainOutcome = Result<(u64, Option<ChainBreak>, Option<Digest>, RecordRefs), LedgerError>;

/// Where the chain scan reports its progress.
struct Progress {
    done: Arc<AtomicU64>,
    signal: mpsc::Sender<()>,
}

impl Progress {
    fn add(&self, events: u64) {
        self.done.fetch_add(events, Ordering::Relaxed);
        let _ = self.signal.try_send(());
    }
}

/// How the chain scan on SQLite cuts the log into ranges.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ranges {
    /// At most this many ranges (threads); zero: one per core.
    pub threads_max: usize,
    /// The fewest positions per range.
    pub events_min: u64,
}

impl Ranges {
    /// The ranges `[from, to]` of a log whose head is at `head`, in order.
    fn of(self, head: u64) -> Vec<(u64, u64)> {
        let threads = match self.threads_max {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let count = u64::try_from(threads)
            .unwrap_or(1)
            .min(head / self.events_min.max(1))
            .max(1);
        let per_range = head.div_ceil(count).max(1);
        (0..count)
            .map(|i| (i * per_range + 1, ((i + 1) * per_range).min(head)))
            .filter(|(from, last)| from <= last)
            .collect()
    }
}

/// The chain scan: on SQLite blocking threads reading rows in place, one per range of
/// positions; on PostgreSQL a task reading pages.
fn spawn_chain_scan(
    store: &Store,
    log: &LogId,
    head: Head,
    anchor: Option<Anchor>,
    ranges: Ranges,
    progress: Progress,
    digest: Option<Digest>,
) -> tokio::task::JoinHandle<ChainOutcome> {
    let to = head.position.get();
    match store.sqlite_path() {
        Some(path) => {
            let log = log.clone();
            tokio::task::spawn_blocking(move || {
                let outcome =
                    sqlite_chain_scan(&path, &log, head, anchor, ranges, &progress, digest);
                // The last signal is never dropped, so a short log reports its progress too.
                let _ = progress.signal.blocking_send(());
                outcome
            })
        }
        None => {
            let mut chain = ChainCheck::new(log.as_str(), anchor, digest);
            let mut refs = RecordRefs::default();
            let (store, log) = (store.clone(), log.clone());
            tokio::spawn(async move {
                let mut from = Position::FIRST;
                loop {
                    let page = store
                        .read_raw(&log, from, Some(Position::new(to)), PAGE_EVENTS)
                        .await?;
                    let before = chain.checked;
                    for event in &page {
                        let event = event.as_ref();
                        if let Some(broken) = chain.check(&event) {
                            progress.add(chain.checked - before);
                            return Ok((chain.checked, Some(broken), chain.digest, refs));
                        }
                        refs.scan(&event);
                    }
                    progress.add(chain.checked - before);
                    match page.last() {
                        Some(last) if page.len() == PAGE_EVENTS => {
                            from = Position::new(
                                u64::try_from(last.position)
                                    .unwrap_or(u64::MAX)
                                    .saturating_add(1),
                            );
                        }
                        _ => {
                            let _ = progress.signal.send(()).await;
                            let found = chain.finish(head);
                            return Ok((chain.checked, found, chain.digest, refs));
                        }
                    }
                }
            })
        }
    }
}

/// The chain scan on SQLite, the log cut into ranges of positions (one per core), each scanned
/// on a thread of its own. A range after the first takes its first event's link on trust;
/// the ranges are then stitched in order: the state at the end of one range checks the first
/// event of the next (link, gap, commit time), so the first break found, the events counted
/// before it and the state the head is checked against are exactly those of one scan from
/// position 1. The digests of the ranges are combined.
fn sqlite_chain_scan(
    path: &std::path::Path,
    log: &LogId,
    head: Head,
    anchor: Option<Anchor>,
    ranges: Ranges,
    progress: &Progress,
    digest: Option<Digest>,
) -> ChainOutcome {
    let to = head.position.get();
    let bounds = ranges.of(to);
    let scan = |i: usize, (from, last): (u64, u64)| -> Result<RangeOutcome, LedgerError> {
        let mut chain = ChainCheck::new(log.as_str(), anchor, digest.clone());
        if i > 0 {
            chain.start_on_trust(from);
        }
        let mut found = None;
        let mut reported = 0;
        let mut refs = RecordRefs::default();
        crate::store::sqlite::scan_events(
            path,
            log.as_str(),
            crate::ids::to_db(from),
            crate::ids::to_db(last),
            &mut |event| {
                if let Some(broken) = chain.check(event) {
                    found = Some(broken);
                    return ControlFlow::Break(());
                }
                refs.scan(event);
                if chain.checked - reported >= PAGE_EVENTS as u64 {
                    progress.add(chain.checked - reported);
                    reported = chain.checked;
                }
                ControlFlow::Continue(())
            },
        )?;
        progress.add(chain.checked - reported);
        Ok(RangeOutcome {
            chain,
            found,
            from,
            refs,
        })
    };
    let outcomes: Vec<Result<RangeOutcome, LedgerError>> = std::thread::scope(|threads| {
        let handles: Vec<_> = bounds
            .iter()
            .enumerate()
            .map(|(i, &range)| threads.spawn(move || scan(i, range)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(LedgerError::Internal(
                        "a verification thread panicked".into(),
                    ))
                })
            })
            .collect()
    });
    // Stitch: `state` is the chain as one scan would have left it after the ranges so far.
    let mut state: Option<ChainCheck> = None;
    let mut checked = 0;
    let mut combined = digest;
    let mut refs = RecordRefs::default();
    for outcome in outcomes {
        let range = outcome?;
        if let Some(before) = &state {
            if range.chain.checked == 0 && range.found.is_none() {
                // No events in the range: the next range's first event is checked against
                // the state before it, which reports the gap.
                continue;
            }
            let mut joint = before.clone();
            joint.digest = None;
            let mut broken = None;
            crate::store::sqlite::scan_events(
                path,
                log.as_str(),
                crate::ids::to_db(range.from),
                crate::ids::to_db(to),
                &mut |event| {
                    broken = joint.check(event);
                    ControlFlow::Break(())
                },
            )?;
            if broken.is_some() {
                return Ok((checked, broken, combined, refs));
            }
        }
        checked += range.chain.checked;
        if let (Some(all), Some(part)) = (&mut combined, &range.chain.digest) {
            all.merge(part);
        }
        refs.merge(range.refs);
        if range.found.is_some() {
            return Ok((checked, range.found, combined, refs));
        }
        state = Some(range.chain);
    }
    // An empty log has no range: the head tells whether it should be empty.
    let state = state.unwrap_or_else(|| ChainCheck::new(log.as_str(), anchor, None));
    Ok((checked, state.finish(head), combined, refs))
}

/// One range of the chain scan on SQLite.
struct RangeOutcome {
    /// The chain's state after the range (or before its first break).
    chain: ChainCheck,
    /// The first break within the range, its first link taken on trust.
    found: Option<ChainBreak>,
    /// The range's first position.
    from: u64,
    /// What its events say of personal records.
    refs: RecordRefs,
}

/// What the events of a log say of personal records (`docs/ledger-format.md`): each reference
/// — an object of exactly `"commitment"` (64 hex digits) and `"record"` (its id) — with the
/// first position that makes it, and each record an event names erased
/// (`"erased_records": [id, …]`). Kept while the chain is scanned (a payload without either
/// key is passed over at the cost of a substring search), then held against the stored
/// records: memory grows with the records, never with the events.
#[derive(Debug, Default)]
pub(crate) struct RecordRefs {
    refs: std::collections::HashMap<String, (u64, String)>,
    erased: std::collections::HashSet<String>,
    conflict: Option<ChainBreak>,
}

impl RecordRefs {
    fn scan(&mut self, event: &EventRef<'_>) {
        let payload = event.payload;
        if memchr::memmem::find(payload, b"\"commitment\":\"").is_none()
            && memchr::memmem::find(payload, b"\"erased_records\":").is_none()
        {
            return;
        }
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(payload) else {
            return;
        };
        let position = u64::try_from(event.position).unwrap_or(0);
        self.walk(&value, position);
    }

    fn walk(&mut self, value: &serde_json::Value, position: u64) {
        use serde_json::Value;
        match value {
            Value::Object(map) => {
                if map.len() == 2
                    && let (Some(Value::String(id)), Some(Value::String(commitment))) =
                        (map.get("record"), map.get("commitment"))
                {
                    self.add(id.clone(), position, commitment.clone());
                    return;
                }
                if let Some(Value::Array(ids)) = map.get("erased_records") {
                    self.erased
                        .extend(ids.iter().filter_map(|id| id.as_str().map(str::to_owned)));
                }
                for inner in map.values() {
                    self.walk(inner, position);
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.walk(item, position);
                }
            }
            _ => {}
        }
    }

    fn add(&mut self, id: String, position: u64, commitment: String) {
        use std::collections::hash_map::Entry;
        match self.refs.entry(id) {
            Entry::Vacant(vacant) => {
                vacant.insert((position, commitment));
            }
            Entry::Occupied(mut known) => {
                let (first, committed) = known.get().clone();
                if committed != commitment {
                    let later = first.max(position);
                    let found = ChainBreak {
                        position: Position::new(later),
                        kind: BreakKind::PersonalRecordAltered,
                        detail: format!(
                            "record {} is referred to with two commitments",
                            known.key()
                        ),
                    };
                    if self
                        .conflict
                        .as_ref()
                        .is_none_or(|c| found.position < c.position)
                    {
                        self.conflict = Some(found);
                    }
                }
                if position < first {
                    known.insert((position, committed));
                }
            }
        }
    }

    fn merge(&mut self, other: RecordRefs) {
        for (id, (position, commitment)) in other.refs {
            self.add(id, position, commitment);
        }
        self.erased.extend(other.erased);
        if let Some(found) = other.conflict
            && self
                .conflict
                .as_ref()
                .is_none_or(|c| found.position < c.position)
        {
            self.conflict = Some(found);
        }
    }
}

/// The stored records held against what the events say (`refs`): a record whose data is not
/// what its event committed to, one that is missing, and one erased without an event saying
/// so are breaks, at the position of the event that refers to it — checked offline, with no
/// key: the commitment is recomputed from the stored data and salt.
async fn check_records(
    store: &Store,
    log: &LogId,
    mut refs: RecordRefs,
) -> Result<Option<ChainBreak>, LedgerError> {
    let mut found = refs.conflict.take();
    let mut keep = |position: u64, kind, detail: String| {
        if found.as_ref().is_none_or(|f| position < f.position.get()) {
            found = Some(ChainBreak {
                position: Position::new(position),
                kind,
                detail,
            });
        }
    };
    const PAGE: usize = 1_000;
    let mut after: Option<String> = None;
    loop {
        let page = store.records_page(log, after.as_deref(), PAGE).await?;
        for row in &page {
            let Some((position, commitment)) = refs.refs.remove(&row.record_id) else {
                continue;
            };
            let id = &row.record_id;
            let salt: Option<[u8; 32]> = row.salt.as_deref().and_then(|s| s.try_into().ok());
            match (salt, &row.data, row.erased_at) {
                (Some(salt), Some(data), None) => {
                    if crate::commitment(&salt, data) != commitment {
                        keep(
                            position,
                            BreakKind::PersonalRecordAltered,
                            format!("record {id} is not the data its event committed to"),
                        );
                    }
                }
                (None, None, Some(_)) if refs.erased.contains(id) => {}
                (None, None, Some(_)) => keep(
                    position,
                    BreakKind::PersonalRecordErasedUnannounced,
                    format!("record {id} was erased, but no event of the log says so"),
                ),
                _ => keep(
                    position,
                    BreakKind::PersonalRecordAltered,
                    format!("record {id} is neither whole nor erased"),
                ),
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE => after = Some(last.record_id.clone()),
            _ => break,
        }
    }
    for (id, (position, _)) in refs.refs {
        keep(
            position,
            BreakKind::PersonalRecordMissing,
            format!("record {id} that the event refers to is missing"),
        );
    }
    Ok(found)
}

type StreamOutcome = Result<(Option<ChainBreak>, Option<Digest>), LedgerError>;

/// The stream scan, on SQLite in place (the index table and the tail), on PostgreSQL in keyset
/// pages.
fn spawn_stream_scan(
    store: &Store,
    log: &LogId,
    head: Head,
    digest: Option<Digest>,
) -> tokio::task::JoinHandle<StreamOutcome> {
    let mut streams = StreamCheck::new(head, digest);
    match store {
        Store::Sqlite(sqlite) => {
            let (path, log) = (sqlite.path().to_owned(), log.clone());
            tokio::task::spawn_blocking(move || {
                crate::store::sqlite::scan_index(
                    &path,
                    log.as_str(),
                    &mut |stream, version, position| {
                        streams.check(stream, version, position);
                        ControlFlow::Continue(())
                    },
                )?;
                Ok((streams.found, streams.digest))
            })
        }
        Store::Postgres(postgres) => {
            let (postgres, log) = (postgres.clone(), log.clone());
            tokio::spawn(async move {
                let mut after: Option<(String, i64)> = None;
                let page_events = i64::try_from(PAGE_EVENTS).expect("a small page");
                loop {
                    let page = postgres
                        .stream_index(
                            &log,
                            after.as_ref().map(|(s, v)| (s.as_str(), *v)),
                            page_events,
                        )
                        .await?;
                    for entry in &page {
                        streams.check(
                            entry.stream_id.as_bytes(),
                            entry.stream_version,
                            entry.position,
                        );
                    }
                    match page.last() {
                        Some(last) if page.len() == PAGE_EVENTS => {
                            after = Some((last.stream_id.clone(), last.stream_version))
                        }
                        _ => return Ok((streams.found, streams.digest)),
                    }
                }
            })
        }
    }
}

/// The chain check, one event at a time, in constant memory.
#[derive(Clone)]
struct ChainCheck {
    log: String,
    anchor: Option<Anchor>,
    expected: u64,
    prev_hash: [u8; 32],
    prev_prev_hash: Option<[u8; 32]>,
    prev_recorded_at_us: i64,
    checked: u64,
    buffer: Vec<u8>,
    digest: Option<Digest>,
    /// The next event's previous hash is taken as the link (the first event of a range).
    link_on_trust: bool,
}

impl ChainCheck {
    fn new(log: &str, anchor: Option<Anchor>, digest: Option<Digest>) -> Self {
        Self {
            log: log.to_owned(),
            anchor,
            expected: 1,
            prev_hash: *ChainHash::GENESIS.as_bytes(),
            prev_prev_hash: None,
            prev_recorded_at_us: i64::MIN,
            checked: 0,
            buffer: Vec::with_capacity(1024),
            digest,
            link_on_trust: false,
        }
    }

    /// Starts the check at `position`, taking the link of the event there on trust: the
    /// check of the range before ends by checking that link.
    fn start_on_trust(&mut self, position: u64) {
        self.expected = position;
        self.link_on_trust = true;
    }

    fn check(&mut self, e: &EventRef<'_>) -> Option<ChainBreak> {
        let at = |position: u64, kind, detail: String| {
            Some(ChainBreak {
                position: Position::new(position),
                kind,
                detail,
            })
        };
        let position = u64::try_from(e.position).unwrap_or(0);
        if position != self.expected {
            return at(
                self.expected,
                BreakKind::Gap,
                format!(
                    "expected position {}, the next stored event is at {}",
                    self.expected, e.position
                ),
            );
        }
        let stored_prev: Option<[u8; 32]> = e.prev_hash.try_into().ok();
        let stored_hash: Option<[u8; 32]> = e.hash.try_into().ok();
        if std::mem::take(&mut self.link_on_trust)
            && let Some(link) = stored_prev
        {
            self.prev_hash = link;
        }
        if stored_prev != Some(self.prev_hash) {
            if position > 1 && stored_prev.is_some() && stored_prev == self.prev_prev_hash {
                return at(
                    position - 1,
                    BreakKind::Inserted,
                    format!(
                        "the event at {position} links to the event at {}",
                        position - 1
                    ),
                );
            }
            return at(
                position,
                BreakKind::Reordered,
                "its previous hash is not the hash of the event before it".into(),
            );
        }
        // Out-of-range stored numbers are hashed as the bits they are: they cannot match.
        let fields = EventFields {
            log_id: self.log.as_bytes(),
            position,
            stream_id: e.stream_id,
            stream_version: e.stream_version as u64,
            event_type: e.event_type,
            schema_version: e.schema_version as u32,
            payload: e.payload,
            actor: e.actor,
            command_id: e.command_id,
            correlation_id: e.correlation_id,
            recorded_at_us: e.recorded_at_us,
            prev_hash: &self.prev_hash,
        };
        let computed = hash_fields_with(&fields, &mut self.buffer);
        if stored_hash != Some(*computed.as_bytes()) {
            return at(
                position,
                BreakKind::HashMismatch,
                format!("the stored fields hash to {computed}"),
            );
        }
        if e.recorded_at_us < self.prev_recorded_at_us {
            return at(
                position,
                BreakKind::Reordered,
                "it was recorded before the event before it".into(),
            );
        }
        if let Some(anchor) = self.anchor
            && anchor.position.get() == position
            && anchor.hash != computed
        {
            return at(
                position,
                BreakKind::AnchorMismatch,
                format!("expected hash {}, found {computed}", anchor.hash),
            );
        }
        if let Some(digest) = &mut self.digest {
            digest.add(e.position, e.stream_id, e.stream_version);
        }
        self.prev_prev_hash = Some(self.prev_hash);
        self.prev_hash = *computed.as_bytes();
        self.prev_recorded_at_us = e.recorded_at_us;
        self.expected += 1;
        self.checked += 1;
        None
    }

    /// Checks the end of the chain against the recorded head and the anchor.
    fn finish(&self, head: Head) -> Option<ChainBreak> {
        let last = self.expected - 1;
        let at = |position: u64, kind, detail: String| {
            Some(ChainBreak {
                position: Position::new(position),
                kind,
                detail,
            })
        };
        if last < head.position.get() {
            return at(
                self.expected,
                BreakKind::Truncated,
                format!(
                    "the head records position {} but the log ends at {last}",
                    head.position
                ),
            );
        }
        if head.hash.as_bytes() != &self.prev_hash {
            return at(
                last,
                BreakKind::HeadMismatch,
                format!("the head records hash {}", head.hash),
            );
        }
        if let Some(anchor) = self.anchor
            && anchor.position.get() > last
        {
            return at(
                self.expected,
                BreakKind::Truncated,
                format!(
                    "the anchor is at position {} but the log ends at {last}",
                    anchor.position
                ),
            );
        }
        None
    }
}

/// The stream-version check over the index in (stream, version) order, in constant memory
/// (the current stream's id is kept in one reused buffer); keeps the lowest broken position.
struct StreamCheck {
    head: u64,
    stream: Vec<u8>,
    version: i64,
    position: i64,
    found: Option<ChainBreak>,
    digest: Option<Digest>,
}

impl StreamCheck {
    fn new(head: Head, digest: Option<Digest>) -> Self {
        Self {
            head: head.position.get(),
            stream: Vec::new(),
            version: 0,
            position: 0,
            found: None,
            digest,
        }
    }

    fn check(&mut self, stream: &[u8], version: i64, position: i64) {
        if u64::try_from(position).unwrap_or(u64::MAX) > self.head {
            // Appended after verification began; not part of what is checked.
            return;
        }
        if let Some(digest) = &mut self.digest {
            digest.add(position, stream, version);
        }
        let same_stream = self.stream == stream;
        let expected_version = if same_stream { self.version + 1 } else { 1 };
        let name = || String::from_utf8_lossy(stream).into_owned();
        if version != expected_version {
            let detail = format!(
                "stream {} has version {version} where {expected_version} was expected",
                name()
            );
            self.keep_earliest(position, BreakKind::WrongStreamVersion, detail);
        } else if same_stream && position < self.position {
            let detail = format!(
                "stream {} has version {version} before version {}",
                name(),
                self.version
            );
            self.keep_earliest(position, BreakKind::Reordered, detail);
        }
        if !same_stream {
            self.stream.clear();
            self.stream.extend_from_slice(stream);
        }
        self.version = version;
        self.position = position;
    }

    fn keep_earliest(&mut self, position: i64, kind: BreakKind, detail: String) {
        let position = Position::new(u64::try_from(position).unwrap_or(0));
        if self.found.as_ref().is_none_or(|f| position < f.position) {
            self.found = Some(ChainBreak {
                position,
                kind,
                detail,
            });
        }
    }
}

/// An order-independent digest of (position, stream, version) triples: the XOR of their BLAKE3
/// hashes keyed with a key drawn for one verification (so that nobody can prepare a changed
/// index whose digest matches the events'), and their count. Two scans that see the same
/// triples in different orders end with the same digest.
#[derive(Clone)]
struct Digest {
    key: [u8; 32],
    xor: [u8; 32],
    count: u64,
    buffer: Vec<u8>,
}

impl Digest {
    fn new() -> Self {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the operating system's random generator works");
        Self {
            key,
            xor: [0; 32],
            count: 0,
            buffer: Vec::with_capacity(256),
        }
    }

    fn add(&mut self, position: i64, stream: &[u8], version: i64) {
        self.buffer.clear();
        self.buffer.extend_from_slice(&position.to_le_bytes());
        self.buffer.extend_from_slice(&version.to_le_bytes());
        self.buffer.extend_from_slice(stream);
        let hash = blake3::keyed_hash(&self.key, &self.buffer);
        for (acc, byte) in self.xor.iter_mut().zip(hash.as_bytes()) {
            *acc ^= byte;
        }
        self.count += 1;
    }

    /// Adds the triples another digest under the same key folded.
    fn merge(&mut self, other: &Digest) {
        debug_assert_eq!(self.key, other.key, "digests under one key");
        for (acc, byte) in self.xor.iter_mut().zip(&other.xor) {
            *acc ^= byte;
        }
        self.count += other.count;
    }
}

/// Equal if they folded the same triples under the same key (the scratch buffer aside).
impl PartialEq for Digest {
    fn eq(&self, other: &Self) -> bool {
        (self.key, self.xor, self.count) == (other.key, other.xor, other.count)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({} triples)", self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::Ranges;
    use proptest::prelude::*;

    proptest! {
        /// The ranges of the chain scan cover positions 1 to the head once each, in order,
        /// no more of them than allowed, none but the last shorter than the minimum.
        #[test]
        fn ranges_cover_the_log_once_in_order(
            head in prop_oneof![0u64..100, 0u64..1_000_000],
            threads_max in 1usize..9,
            events_min in prop_oneof![1u64..10, 1u64..70_000],
        ) {
            let ranges = Ranges { threads_max, events_min }.of(head);
            prop_assert!(ranges.len() <= threads_max);
            let mut next = 1;
            for (i, &(from, last)) in ranges.iter().enumerate() {
                prop_assert_eq!(from, next);
                prop_assert!(from <= last);
                if i + 1 < ranges.len() {
                    prop_assert!(last - from + 1 >= events_min);
                }
                next = last + 1;
            }
            prop_assert_eq!(next, head + 1);
        }
    }
}
