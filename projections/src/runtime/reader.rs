//! The reader: the log read and decoded ahead of the worker, with retries.

use super::*;

/// A page read and decoded ahead of the runtime: the events that decoded, in order, and the
/// error of the first that did not (or of the read), after which nothing more comes.
pub(super) type Prefetched = (Vec<Envelope>, Option<ProjectionError>);

/// A read of the log that failed in the database (a dropped connection, a busy file) is
/// tried again, after waits that double from the first to the last, for as long as it takes:
/// the projections pause, and reads that wait for a position time out with a clear error.
pub(super) const READ_RETRY_FIRST: Duration = Duration::from_millis(50);
pub(super) const READ_RETRY_MAX: Duration = Duration::from_secs(5);

/// Reads and decodes the log up to `pages_ahead` pages ahead of the runtime
/// ([`RuntimeOptions::read_ahead_pages`]), on a task of its own: reading, decoding and
/// folding overlap on the machine's cores.
pub(super) fn spawn_reader(
    ledger: Ledger,
    mut subscription: Subscription,
    page_max: usize,
    pages_ahead: usize,
    log: LogId,
) -> (mpsc::Receiver<Prefetched>, JoinHandle<()>) {
    let (pages, receiver) = mpsc::channel(pages_ahead.max(1));
    let task = tokio::spawn(async move {
        match read_ahead(
            &ledger,
            &log,
            subscription.next_position(),
            page_max,
            &pages,
        )
        .await
        {
            ReadAhead::Done => return,
            ReadAhead::Reached(next) => subscription.skip_to(next),
        }
        let mut retry = Retry::default();
        loop {
            let prefetched = match subscription.next_page_decoded(page_max, decode).await {
                Ok(page) => {
                    retry = Retry::default();
                    (page.events, page.error)
                }
                Err(e) if e.is_database_failure() => {
                    let wait = retry.next_wait();
                    tracing::warn!(log = %log, error = %e, retry_in_ms = wait.as_millis(), "reading the log failed; trying again");
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Err(e) => (Vec::new(), Some(e.into())),
            };
            let last = prefetched.1.is_some();
            if pages.send(prefetched).await.is_err() || last {
                return;
            }
        }
    });
    (receiver, task)
}

/// How a read-ahead ended.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ReadAhead {
    /// Nothing more is to be read: an event did not decode (its error was sent), or the
    /// runtime is gone.
    Done,
    /// Within two pages of the head, or a read failed: the subscription goes on from here
    /// (`Subscription::skip_to`).
    Reached(Position),
}

/// Pages the read-ahead reads at once, each on a connection of its own.
pub(super) const READS_IN_FLIGHT: usize = 2;

/// Catches up from far behind (a start without snapshots, a rebuild): pages are read and
/// decoded two at once on two of the database's connections, the next started as soon as one
/// is done, so that reading, which costs about as much per event as folding, keeps the cores
/// busy while the runtime folds. Sends the pages in order; stops where fewer than two whole
/// pages are left after those read (as the head stands then), where a page comes back short
/// (the reads after it are dropped and read again live), or where a read fails (the
/// subscription reads it again, with its retries).
pub(super) async fn read_ahead(
    ledger: &Ledger,
    log: &LogId,
    mut next: Position,
    page_max: usize,
    pages: &mpsc::Sender<Prefetched>,
) -> ReadAhead {
    // A read returns at most this many: a larger page would never come back whole.
    let page_max = page_max.clamp(1, verbund_ledger::limits::READ_EVENTS_MAX);
    let page = u64::try_from(page_max).unwrap_or(u64::MAX);
    // Far enough from `head` to read a page from `from` ahead.
    let far = |head: Position, from: Position| {
        (head.get() + 1).saturating_sub(from.get()) >= page.saturating_mul(2)
    };
    // Each read on a task of its own, so that it goes on while this one waits to send a page;
    // one no longer wanted is stopped when dropped.
    let mut reads = std::collections::VecDeque::new();
    // The first position no read covers yet, and the head as last asked.
    let mut unread = next;
    let mut head = Position::ZERO;
    loop {
        while reads.len() < READS_IN_FLIGHT {
            if !far(head, unread) {
                match ledger.head(log).await {
                    Ok(now) if far(now.position, unread) => head = now.position,
                    Ok(_) | Err(_) => break,
                }
            }
            let (ledger, log) = (ledger.clone(), log.clone());
            reads.push_back(Stopped(tokio::spawn(async move {
                ledger
                    .read_log_decoded(&log, unread, page_max, decode)
                    .await
            })));
            unread = Position::new(unread.get() + page);
        }
        let Some(mut first) = reads.pop_front() else {
            return ReadAhead::Reached(next);
        };
        let Ok(Ok(read)) = (&mut first.0).await else {
            return ReadAhead::Reached(next);
        };
        let whole = read.events.len() == page_max;
        if let Some(last) = read.events.last() {
            next = last.position.next();
        }
        let refused = read.error.is_some();
        if pages.send((read.events, read.error)).await.is_err() || refused {
            return ReadAhead::Done;
        }
        if !whole {
            return ReadAhead::Reached(next);
        }
    }
}

/// A task stopped when dropped: a read-ahead's read no longer wanted.
pub(super) struct Stopped<T>(JoinHandle<T>);

impl<T> Drop for Stopped<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The waits between attempts of a failing read.
#[derive(Debug, Default)]
pub(super) struct Retry {
    pub(super) last: Option<Duration>,
}

impl Retry {
    pub(super) fn next_wait(&mut self) -> Duration {
        let wait = self
            .last
            .map_or(READ_RETRY_FIRST, |last| (last * 2).min(READ_RETRY_MAX));
        self.last = Some(wait);
        wait
    }
}
