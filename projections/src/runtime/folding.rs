//! Folding a page into every projection.

use super::*;

/// Folds pages of events into every projection, one projection after the other, each in the
/// events' order. (Folding the projections of a large page on several threads at once bought
/// a rebuild 19%, below the bar a second path must clear: `docs/performance.md`.)
pub(super) struct Folding {
    pub(super) feeds: Vec<Arc<dyn Feed>>,
}

impl Folding {
    pub(super) fn new(feeds: Vec<Arc<dyn Feed>>) -> Self {
        Self { feeds }
    }

    /// Folds `events` into every feed, each feed in the events' order.
    pub(super) fn apply(&self, events: &[Envelope]) {
        for feed in &self.feeds {
            feed.apply(events);
        }
    }
}
