//! Verification: recompute the chain of a log from position 1 and report the first place where
//! it is broken, and why. Memory stays constant however long the log is: events are read in
//! pages and only the last two hashes are kept.
//!
//! Two scans run side by side. The chain scan walks the log in position order and checks
//! positions, links, hashes, commit times and the head. The stream scan walks the unique stream
//! index in (stream, version) order and checks that every stream's versions run 1, 2, 3, … in
//! position order, which a forger who rehashed the whole tail could still get wrong.

use std::fmt;

use serde::Serialize;

use crate::hash::{ChainHash, EventFields, hash_fields};
use crate::plan::Head;
use crate::store::{IndexEntry, Pages, RawEvent, Store};
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
}

impl fmt::Display for BreakKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BreakKind::HashMismatch => "hash mismatch",
            BreakKind::Reordered => "reordered",
            BreakKind::Inserted => "inserted",
            BreakKind::Gap => "gap",
            BreakKind::Truncated => "truncated",
            BreakKind::WrongStreamVersion => "wrong stream version",
            BreakKind::HeadMismatch => "head mismatch",
            BreakKind::AnchorMismatch => "anchor mismatch",
        })
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
    progress: &mut (dyn FnMut(VerifyProgress) + Send),
) -> Result<VerifyReport, LedgerError> {
    let head = store
        .head(log)
        .await?
        .ok_or_else(|| LedgerError::UnknownLog(log.clone()))?;
    // Both scans read ahead on threads or tasks of their own, so reading, hashing and the
    // stream check overlap.
    let events = store.event_pages(log, head.position, PAGE_EVENTS);
    let index = store.index_pages(log, PAGE_EVENTS);
    let (chain, streams) = tokio::join!(
        chain_scan(events, log, head, anchor, progress),
        stream_scan(index, head)
    );
    let (events_checked, chain_break) = chain?;
    let stream_break = streams?;
    // The earlier break wins; at the same position the chain's reason is the more telling one.
    let first_break = match (chain_break, stream_break) {
        (Some(c), Some(s)) => Some(if s.position < c.position { s } else { c }),
        (c, s) => c.or(s),
    };
    Ok(VerifyReport {
        log: log.clone(),
        head,
        events_checked,
        first_break,
    })
}

async fn chain_scan(
    mut pages: Pages<RawEvent>,
    log: &LogId,
    head: Head,
    anchor: Option<Anchor>,
    progress: &mut (dyn FnMut(VerifyProgress) + Send),
) -> Result<(u64, Option<ChainBreak>), LedgerError> {
    let mut chain = ChainCheck::new(log.as_str(), anchor);
    while let Some(page) = pages.recv().await {
        for event in page? {
            if let Some(broken) = chain.check(&event) {
                // Dropping `pages` stops the reader.
                return Ok((chain.checked, Some(broken)));
            }
        }
        progress(VerifyProgress {
            events_checked: chain.checked,
            events_total: head.position.get(),
        });
    }
    Ok((chain.checked, chain.finish(head)))
}

/// The chain check, one event at a time, in constant memory.
struct ChainCheck<'a> {
    log: &'a str,
    anchor: Option<Anchor>,
    expected: u64,
    prev_hash: [u8; 32],
    prev_prev_hash: Option<[u8; 32]>,
    prev_recorded_at_us: i64,
    checked: u64,
}

impl<'a> ChainCheck<'a> {
    fn new(log: &'a str, anchor: Option<Anchor>) -> Self {
        Self {
            log,
            anchor,
            expected: 1,
            prev_hash: *ChainHash::GENESIS.as_bytes(),
            prev_prev_hash: None,
            prev_recorded_at_us: i64::MIN,
            checked: 0,
        }
    }

    fn check(&mut self, e: &RawEvent) -> Option<ChainBreak> {
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
        let stored_prev: Option<[u8; 32]> = e.prev_hash.as_slice().try_into().ok();
        let stored_hash: Option<[u8; 32]> = e.hash.as_slice().try_into().ok();
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
        let computed = hash_fields(&EventFields {
            log_id: self.log,
            position,
            stream_id: &e.stream_id,
            stream_version: e.stream_version as u64,
            event_type: &e.event_type,
            schema_version: e.schema_version as u32,
            payload: &e.payload,
            actor: &e.actor,
            command_id: &e.command_id,
            correlation_id: &e.correlation_id,
            recorded_at_us: e.recorded_at_us,
            prev_hash: &self.prev_hash,
        });
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

/// Checks stream versions in (stream, version) order; returns the lowest broken position.
async fn stream_scan(
    mut pages: Pages<IndexEntry>,
    head: Head,
) -> Result<Option<ChainBreak>, LedgerError> {
    let mut found: Option<ChainBreak> = None;
    let mut keep_earliest = |position: i64, kind: BreakKind, detail: String| {
        let position = Position::new(u64::try_from(position).unwrap_or(0));
        if found.as_ref().is_none_or(|f| position < f.position) {
            found = Some(ChainBreak {
                position,
                kind,
                detail,
            });
        }
    };
    let mut current: Option<(String, i64, i64)> = None; // stream, version, position
    while let Some(page) = pages.recv().await {
        for entry in page? {
            if u64::try_from(entry.position).unwrap_or(u64::MAX) > head.position.get() {
                // Appended after verification began; not part of what is checked.
                continue;
            }
            let expected_version = match &current {
                Some((stream, version, _)) if *stream == entry.stream_id => version + 1,
                _ => 1,
            };
            if entry.stream_version != expected_version {
                keep_earliest(
                    entry.position,
                    BreakKind::WrongStreamVersion,
                    format!(
                        "stream {} has version {} where {expected_version} was expected",
                        entry.stream_id, entry.stream_version
                    ),
                );
            } else if let Some((stream, version, position)) = &current
                && *stream == entry.stream_id
                && entry.position < *position
            {
                keep_earliest(
                    entry.position,
                    BreakKind::Reordered,
                    format!(
                        "stream {stream} has version {} before version {version}",
                        entry.stream_version
                    ),
                );
            }
            current = Some((entry.stream_id, entry.stream_version, entry.position));
        }
    }
    Ok(found)
}
