//! Folding a page into every projection, on several threads where the page is large.

use super::*;

/// A page of fewer events is folded on the runtime's task alone: handing work to another
/// thread costs some microseconds, folding an event about one.
pub(super) const PARALLEL_FOLD_EVENTS_MIN: usize = 256;

/// Folds pages of events into every projection, on several threads at once where a page is
/// large enough.
pub(super) struct Folding {
    pub(super) feeds: Vec<Arc<dyn Feed>>,
    pub(super) threads: usize,
    /// How long each feed took on the last page folded in parallel: the costliest are taken
    /// first, so that the threads end together (longest processing time first).
    pub(super) costs: Vec<Duration>,
}

/// The feeds of one page, handed out one at a time to whichever thread asks next.
pub(super) struct Shared {
    pub(super) events: Vec<Envelope>,
    /// The feeds, costliest first, each with its index in [`Folding::feeds`].
    pub(super) feeds: Vec<(usize, Arc<dyn Feed>)>,
    pub(super) next: std::sync::atomic::AtomicUsize,
}

impl Shared {
    /// Folds the page into feeds until none is left; returns how long each of those took.
    pub(super) fn work(&self) -> Vec<(usize, Duration)> {
        let mut took = Vec::new();
        while let Some((index, feed)) = self.feeds.get(self.next.fetch_add(1, Ordering::Relaxed)) {
            let started = std::time::Instant::now();
            feed.apply(&self.events);
            took.push((*index, started.elapsed()));
        }
        took
    }
}

impl Folding {
    pub(super) fn new(feeds: Vec<Arc<dyn Feed>>, threads: usize) -> Self {
        let costs = vec![Duration::ZERO; feeds.len()];
        Self {
            threads: threads.clamp(1, feeds.len().max(1)),
            feeds,
            costs,
        }
    }

    /// The feeds' indices, the costliest on the last large page first.
    pub(super) fn order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.feeds.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.costs[i]));
        order
    }

    /// Folds `events` into every feed, each feed in the events' order. A panic in a
    /// projection is resumed here, on the runtime's task, once the other threads are done.
    pub(super) async fn apply(&mut self, events: Vec<Envelope>) {
        if self.threads < 2 || events.len() < PARALLEL_FOLD_EVENTS_MIN {
            for feed in &self.feeds {
                feed.apply(&events);
            }
            return;
        }
        let shared = Arc::new(Shared {
            events,
            feeds: self
                .order()
                .into_iter()
                .map(|i| (i, Arc::clone(&self.feeds[i])))
                .collect(),
            next: std::sync::atomic::AtomicUsize::new(0),
        });
        let helpers: Vec<JoinHandle<Vec<(usize, Duration)>>> = (1..self.threads)
            .map(|_| {
                let shared = Arc::clone(&shared);
                tokio::task::spawn_blocking(move || shared.work())
            })
            .collect();
        // This task folds too, as it would alone; the page is dropped by whoever ends last.
        let own = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| shared.work()));
        drop(shared);
        let mut panic = None;
        let mut took = own.unwrap_or_else(|payload| {
            panic = Some(payload);
            Vec::new()
        });
        for helper in helpers {
            match helper.await {
                Ok(theirs) => took.extend(theirs),
                Err(e) => {
                    let payload = if e.is_panic() {
                        e.into_panic()
                    } else {
                        // Only a runtime shutting down cancels a blocking task: its feeds
                        // were not folded, so the runtime must not go on.
                        Box::new(format!("a fold was cancelled: {e}"))
                    };
                    panic.get_or_insert(payload);
                }
            }
        }
        if let Some(payload) = panic {
            std::panic::resume_unwind(payload);
        }
        for (index, duration) in took {
            self.costs[index] = duration;
        }
    }
}
