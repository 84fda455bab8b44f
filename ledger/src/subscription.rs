//! Catch-up-then-live subscriptions to a log.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::watch;

use crate::decoded::Decoder;
use crate::store::into_events;
use crate::{Decoded, EventView, Ledger, LedgerError, LogId, Position, RecordedEvent};

/// Events read from the database per round trip while catching up.
const PAGE_EVENTS: usize = 1_000;

/// The most events [`Subscription::next_page_decoded`] reads in one round trip.
const PAGE_EVENTS_DECODED_MAX: usize = crate::limits::READ_EVENTS_MAX;

/// Delivers every committed event of one log from a starting position on, exactly once and in
/// position order: first the stored ones page by page, then new ones as they are committed.
///
/// Correctness does not depend on notifications: the subscription always reads the next
/// positions from the database and checks that they follow without gaps. A notification (from
/// this process's writer) or the poll interval (for writers in other processes) only says when
/// to look again. Positions are assigned under the log's write lock and become visible in
/// commit order, so reading "after the last delivered position" never skips an event.
///
/// What this process's writer made durable last is taken from its memory instead of read
/// back (a live subscription of a server: its projections follow its own writes without a
/// round trip per batch); only the next position found there is taken, so the order and the
/// absence of gaps are the same as the database's.
#[derive(Debug)]
pub struct Subscription {
    ledger: Ledger,
    log: LogId,
    next: Position,
    buffer: VecDeque<RecordedEvent>,
    head: watch::Receiver<Position>,
    poll_interval: Duration,
    /// True until a read since the last poll interval reached the database's end: until then
    /// it may hold events beyond what this process knows of (other processes' commits).
    look_for_others: bool,
}

impl Subscription {
    pub(crate) fn new(ledger: Ledger, log: LogId, from: Position, poll_interval: Duration) -> Self {
        let head = ledger.watch_head(&log);
        Self {
            ledger,
            log,
            next: from.max(Position::FIRST),
            buffer: VecDeque::new(),
            head,
            poll_interval,
            look_for_others: true,
        }
    }

    /// The position of the next event this subscription will deliver.
    pub fn next_position(&self) -> Position {
        self.next
    }

    /// Goes on from `position`: the reader has the events before it from reads of its own (a
    /// projections runtime far behind reads ahead in larger pages first). Never goes back: a
    /// position at or before the next one changes nothing, so no event is delivered twice.
    pub fn skip_to(&mut self, position: Position) {
        if position > self.next {
            self.next = position;
            self.buffer.clear();
        }
    }

    /// The next event; waits until one is committed.
    pub async fn next(&mut self) -> Result<RecordedEvent, LedgerError> {
        loop {
            if let Some(event) = self.buffer.pop_front() {
                self.next = event.position.next();
                return Ok(event);
            }
            // Marks the current head as seen *before* reading, so a commit after the read
            // below always wakes the wait.
            self.head.borrow_and_update();
            self.fill().await?;
            if self.buffer.is_empty() {
                self.wait_for_commit().await?;
            }
        }
    }

    /// The next events, at most `max` (at least one), each handed to `decode` as a view of its
    /// stored row until `decode` refuses one: waits until one is committed. The refused event
    /// is not delivered; reading on offers it again. For readers that keep their own types (a
    /// projections runtime): nothing is copied that `decode` does not keep (see
    /// [`Ledger::read_log_decoded`]).
    pub async fn next_page_decoded<T, E, F>(
        &mut self,
        max: usize,
        mut decode: F,
    ) -> Result<Decoded<T, E>, LedgerError>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: FnMut(EventView<'_>) -> Result<T, E> + Send + 'static,
    {
        let max = max.max(1);
        if !self.buffer.is_empty() {
            // Events `next` or `try_next` read ahead go first.
            let page = decode_held(self.buffer.iter().take(max), &mut self.next, &mut decode);
            self.buffer.drain(..page.events.len());
            return Ok(page);
        }
        loop {
            // As in `next`: the head is marked seen before the read.
            self.head.borrow_and_update();
            let to = self.ledger.durable_head(&self.log);
            if self.caught_up(to) {
                self.wait_for_commit().await?;
                continue;
            }
            let limit = max.min(PAGE_EVENTS_DECODED_MAX);
            let decoder = self
                .ledger
                .store()
                .read_visit(
                    &self.log,
                    self.next,
                    to,
                    limit,
                    Decoder::new(&self.log, self.next, to, limit, decode),
                )
                .await?;
            if !decoder.is_empty() {
                self.next = decoder.next();
                let page = decoder.into_parts().0;
                // A full page, or one cut short by a refused event, may have more behind it.
                self.look_for_others = page.events.len() >= limit || page.error.is_some();
                return Ok(page);
            }
            // The database has nothing beyond what this subscription delivered.
            self.look_for_others = false;
            decode = decoder.into_parts().1;
            self.wait_for_commit().await?;
        }
    }

    /// True if the database holds nothing for this subscription that a read would return
    /// now: on SQLite, whose reads end at the durable head `to`, when it delivered up to that
    /// head; on PostgreSQL, when it delivered what this process knows of and a read since the
    /// last poll interval reached the database's end (other processes' commits are looked
    /// for once per interval, and then read to their end).
    fn caught_up(&self, to: Option<Position>) -> bool {
        match to {
            Some(to) => self.next > to,
            None => {
                !self.look_for_others
                    && self
                        .ledger
                        .known_head(&self.log)
                        .is_some_and(|known| self.next > known)
            }
        }
    }

    /// Waits until this process's writer commits, or for a poll interval, after which it looks
    /// for what other processes committed.
    async fn wait_for_commit(&mut self) -> Result<(), LedgerError> {
        tokio::select! {
            changed = self.head.changed() => {
                if changed.is_err() {
                    // The ledger is gone; keep polling in case it is not our writer's.
                    tokio::time::sleep(self.poll_interval).await;
                    self.look_for_others = true;
                }
            }
            () = tokio::time::sleep(self.poll_interval) => {
                // Nothing from this process's writer: look for other writers' events.
                self.ledger.adopt_external_head(&self.log).await?;
                self.look_for_others = true;
            }
        }
        Ok(())
    }

    /// The next event if one is committed already, by this process or another, without
    /// waiting (on SQLite, once it is durable).
    pub async fn try_next(&mut self) -> Result<Option<RecordedEvent>, LedgerError> {
        if self.buffer.is_empty() {
            // Whoever committed it: the database is asked now, as after a poll interval.
            self.ledger.adopt_external_head(&self.log).await?;
            self.look_for_others = true;
            self.fill().await?;
        }
        Ok(self
            .buffer
            .pop_front()
            .inspect(|event| self.next = event.position.next()))
    }

    async fn fill(&mut self) -> Result<(), LedgerError> {
        // Never past the durable head: a subscriber must not see an event that a power loss
        // could still take back (it was not acknowledged to its writer yet either).
        let to = self.ledger.durable_head(&self.log);
        if self.caught_up(to) {
            return Ok(());
        }
        let raw = self
            .ledger
            .store()
            .read_raw(&self.log, self.next, to, PAGE_EVENTS)
            .await?;
        let events = into_events(&self.log, raw)?;
        // A full page may have more behind it; a short one reached the database's end.
        self.look_for_others = events.len() >= PAGE_EVENTS;
        // Read-side assertion of the no-gaps invariant: a gap would mean a lost event.
        let mut expected = self.next;
        for event in &events {
            if event.position != expected {
                return Err(LedgerError::Corrupt(format!(
                    "log {} skips from position {expected} to {}",
                    self.log, event.position
                )));
            }
            expected = expected.next();
        }
        self.buffer.extend(events);
        Ok(())
    }
}

/// Decodes `events`, held in memory from `next` on, until `decode` refuses one (which is not
/// delivered), moving `next` past each delivered one.
fn decode_held<'e, T, E>(
    events: impl Iterator<Item = &'e RecordedEvent>,
    next: &mut Position,
    decode: &mut impl FnMut(EventView<'_>) -> Result<T, E>,
) -> Decoded<T, E> {
    let mut page = Decoded {
        events: Vec::with_capacity(events.size_hint().0),
        error: None,
    };
    for event in events {
        debug_assert_eq!(event.position, *next);
        match decode(event.view()) {
            Ok(decoded) => page.events.push(decoded),
            Err(e) => {
                page.error = Some(e);
                break;
            }
        }
        *next = event.position.next();
    }
    page
}
