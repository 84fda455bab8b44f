//! Pages of events decoded by the reader's own function where the rows are read.

use std::ops::ControlFlow;

use crate::store::{EventRef, RowVisitor};
use crate::{EventView, LedgerError, LogId, Position};

/// A page of events, each decoded by the reader's function: those before the first that it
/// refused, and its refusal. Nothing after a refusal is read.
#[derive(Debug)]
pub struct Decoded<T, E> {
    /// The decoded events, in position order, without gaps.
    pub events: Vec<T>,
    /// Why the event after the last one could not be decoded.
    pub error: Option<E>,
}

/// Walks rows in place, checks that their positions follow each other from `next` on, and
/// decodes each with `decode` until it fails.
pub(crate) struct Decoder<T, E, F> {
    log: LogId,
    decode: F,
    next: Position,
    page: Decoded<T, E>,
}

impl<T, E, F> Decoder<T, E, F>
where
    F: FnMut(EventView<'_>) -> Result<T, E>,
{
    /// A decoder of a page from `from` on, of at most `limit` events and, where the reader
    /// knows it (SQLite's durable head), none after `to`: the page is sized for the events
    /// between them at once, never grown and copied while the rows are walked. Without `to` it
    /// starts empty and grows: a live page is mostly an event or a few.
    pub(crate) fn new(
        log: &LogId,
        from: Position,
        to: Option<Position>,
        limit: usize,
        decode: F,
    ) -> Self {
        let expected = to.map_or(0, |to| {
            usize::try_from((to.get() + 1).saturating_sub(from.get()))
                .unwrap_or(usize::MAX)
                .min(limit)
        });
        Self {
            log: log.clone(),
            decode,
            next: from,
            page: Decoded {
                events: Vec::with_capacity(expected),
                error: None,
            },
        }
    }

    /// Whether the page is still empty: nothing decoded, nothing refused.
    pub(crate) fn is_empty(&self) -> bool {
        self.page.events.is_empty() && self.page.error.is_none()
    }

    /// The position after the last event decoded.
    pub(crate) fn next(&self) -> Position {
        self.next
    }

    pub(crate) fn into_parts(self) -> (Decoded<T, E>, F) {
        (self.page, self.decode)
    }
}

impl<T, E, F> RowVisitor for Decoder<T, E, F>
where
    T: Send + 'static,
    E: Send + 'static,
    F: FnMut(EventView<'_>) -> Result<T, E> + Send + 'static,
{
    // A view has no chain fields.
    const CHAIN_FIELDS: bool = false;

    fn visit(&mut self, row: &EventRef<'_>) -> Result<ControlFlow<()>, LedgerError> {
        let view = row.view(&self.log)?;
        // Read-side assertion of the no-gaps invariant: a gap would mean a lost event.
        if view.position() != self.next {
            return Err(LedgerError::Corrupt(format!(
                "log {} skips from position {} to {}",
                self.log,
                self.next,
                view.position()
            )));
        }
        match (self.decode)(view) {
            Ok(event) => {
                self.page.events.push(event);
                self.next = self.next.next();
                Ok(ControlFlow::Continue(()))
            }
            Err(e) => {
                self.page.error = Some(e);
                Ok(ControlFlow::Break(()))
            }
        }
    }
}
