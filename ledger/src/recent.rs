//! The last events this process's writer made durable, per log, so that a read of one event
//! just written — a voter's receipt right after the vote, the event a snapshot names — is
//! answered from memory instead of a round trip to the database (`Ledger::read_event`). What
//! is here is exactly what the writer committed and synced; events committed by other
//! processes are not here, and a gap starts a log's memory over, so what is here never skips
//! a position. One budget of memory holds for all logs together: a server following many
//! cooperatives forgets first the logs it wrote to least recently, and a log it no longer
//! writes to is forgotten whole.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::{LogId, Position, RecordedEvent};

/// How much of a log's latest events [`RecentEvents`] keeps (see
/// `LedgerOptions::recent_events_max`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RecentLimits {
    pub events_max: usize,
    pub bytes_max: usize,
}

impl From<&crate::LedgerOptions> for RecentLimits {
    fn from(options: &crate::LedgerOptions) -> Self {
        Self {
            events_max: options.recent_events_max,
            bytes_max: options.recent_bytes_max,
        }
    }
}

impl Default for RecentLimits {
    fn default() -> Self {
        Self::from(&crate::LedgerOptions::default())
    }
}

/// Per log, its latest durable events with consecutive positions, at most
/// `limits.events_max` each, and roughly `limits.bytes_max` for all logs together.
#[derive(Debug, Default)]
pub(crate) struct RecentEvents {
    state: Mutex<State>,
    limits: RecentLimits,
    /// Events reads took from here.
    served: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    /// Only logs with an event kept.
    logs: HashMap<LogId, Kept>,
    /// Roughly the memory of every event kept.
    bytes: usize,
    /// Batches remembered so far: the clock of `Kept::written`.
    batches: u64,
}

/// The latest events of one log, roughly the memory they hold, and when it was last written.
#[derive(Debug, Default)]
struct Kept {
    events: VecDeque<Arc<RecordedEvent>>,
    bytes: usize,
    /// The batch that last wrote to it.
    written: u64,
}

impl Kept {
    /// Forgets the oldest event kept, into `forgotten`; its size.
    fn forget_oldest(&mut self, forgotten: &mut Vec<Arc<RecordedEvent>>) -> Option<usize> {
        let old = self.events.pop_front()?;
        let size = bytes_of(&old);
        self.bytes -= size;
        forgotten.push(old);
        Some(size)
    }
}

/// Roughly what `event` holds: its envelope, the `Arc` around it, and its texts.
fn bytes_of(event: &RecordedEvent) -> usize {
    let texts = [
        event.log_id.as_str(),
        event.stream_id.as_str(),
        event.event_type.as_str(),
        event.payload.as_str(),
        event.metadata.actor.as_str(),
        event.metadata.command_id.as_str(),
        event.metadata.correlation_id.as_str(),
    ];
    std::mem::size_of::<RecordedEvent>()
        + 2 * std::mem::size_of::<usize>()
        + texts.iter().map(|text| text.len()).sum::<usize>()
}

impl RecentEvents {
    /// Keeps at most `limits` of each log's latest events.
    pub(crate) fn new(limits: RecentLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// Keeps `events`, durable now, as the most recent of their logs. Called before their
    /// heads are published, so that a reader who learns of a head finds them.
    pub(crate) fn remember(&self, events: Vec<RecordedEvent>) {
        let limits = self.limits;
        if events.is_empty() || limits.events_max == 0 {
            return;
        }
        // Made, and the forgotten ones freed, outside the lock that readers take.
        let events: Vec<Arc<RecordedEvent>> = events.into_iter().map(Arc::new).collect();
        let mut forgotten = Vec::new();
        {
            let mut state = self
                .state
                .lock()
                .expect("the recent events' lock is never poisoned");
            let State {
                logs,
                bytes,
                batches,
            } = &mut *state;
            *batches += 1;
            let now = *batches;
            for event in events {
                if !logs.contains_key(&event.log_id) {
                    logs.insert(event.log_id.clone(), Kept::default());
                }
                let kept = logs.get_mut(&event.log_id).expect("inserted above");
                kept.written = now;
                if kept
                    .events
                    .back()
                    .is_some_and(|last| last.position.next() != event.position)
                {
                    // Another process wrote in between.
                    forgotten.extend(kept.events.drain(..));
                    *bytes -= kept.bytes;
                    kept.bytes = 0;
                }
                let size = bytes_of(&event);
                kept.bytes += size;
                *bytes += size;
                kept.events.push_back(event);
                while kept.events.len() > limits.events_max {
                    *bytes -= kept.forget_oldest(&mut forgotten).unwrap_or_default();
                }
            }
            // Over the budget: the log written to least recently gives way first, its oldest
            // events first, and is forgotten once empty; the logs this batch wrote to keep at
            // least their newest event.
            while *bytes > limits.bytes_max {
                let Some((log, written)) = logs
                    .iter()
                    .min_by_key(|(_, kept)| kept.written)
                    .map(|(log, kept)| (log.clone(), kept.written))
                else {
                    break;
                };
                if written == now {
                    for kept in logs.values_mut() {
                        while *bytes > limits.bytes_max && kept.events.len() > 1 {
                            *bytes -= kept.forget_oldest(&mut forgotten).unwrap_or_default();
                        }
                    }
                    break;
                }
                let kept = logs.get_mut(&log).expect("found above");
                while *bytes > limits.bytes_max
                    && let Some(size) = kept.forget_oldest(&mut forgotten)
                {
                    *bytes -= size;
                }
                if kept.events.is_empty() {
                    logs.remove(&log);
                }
            }
        }
        drop(forgotten);
    }

    /// The event of `log` at `position`, if it is here.
    pub(crate) fn get(&self, log: &LogId, position: Position) -> Option<RecordedEvent> {
        let held = {
            let state = self
                .state
                .lock()
                .expect("the recent events' lock is never poisoned");
            let kept = state.logs.get(log)?;
            let first = kept.events.front()?.position;
            let index = usize::try_from(position.get().checked_sub(first.get())?).ok()?;
            Arc::clone(kept.events.get(index)?)
        };
        self.served.fetch_add(1, Ordering::Relaxed);
        // Copied outside the lock.
        Some(RecordedEvent::clone(&held))
    }

    /// Events read from here so far.
    pub(crate) fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        Actor, ChainHash, CommandId, CorrelationId, EventType, Metadata, Payload, StreamId,
        StreamVersion,
    };

    fn log(name: &str) -> LogId {
        LogId::parse(name).expect("a valid log id")
    }

    fn at(log_id: &LogId, position: u64) -> RecordedEvent {
        RecordedEvent {
            log_id: log_id.clone(),
            position: Position::new(position),
            stream_id: StreamId::parse("member:1").expect("valid"),
            stream_version: StreamVersion::new(position).expect("valid"),
            event_type: EventType::parse("Happened").expect("valid"),
            schema_version: 1,
            payload: Payload::from_value(&serde_json::json!({ "n": position })).expect("valid"),
            metadata: Metadata {
                actor: Actor::parse("system").expect("valid"),
                command_id: CommandId::parse(format!("c{position}")).expect("valid"),
                correlation_id: CorrelationId::parse(format!("c{position}")).expect("valid"),
                recorded_at_us: 0,
            },
            prev_hash: ChainHash::GENESIS,
            hash: ChainHash::GENESIS,
        }
    }

    /// The positions `recent` answers for `log` among 1 to 200.
    fn held(recent: &RecentEvents, log: &LogId) -> Vec<u64> {
        (1..=200)
            .filter(|&p| {
                recent
                    .get(log, Position::new(p))
                    .is_some_and(|e| e.position.get() == p && e.log_id == *log)
            })
            .collect()
    }

    /// What is kept has consecutive positions only (a gap starts it over), within its limits
    /// of events per log and of bytes, the newest always; nothing with no room.
    #[test]
    fn recent_events_are_consecutive_and_bounded() {
        let coop = log("coop");
        let recent = RecentEvents::new(RecentLimits {
            events_max: 100,
            bytes_max: usize::MAX,
        });
        recent.remember((1..=4).map(|p| at(&coop, p)).collect());
        assert_eq!(held(&recent, &coop), [1, 2, 3, 4]);
        assert!(held(&recent, &log("other")).is_empty());
        let served = recent.served();
        assert_eq!(recent.get(&coop, Position::new(3)), Some(at(&coop, 3)));
        assert_eq!(recent.get(&coop, Position::new(5)), None);
        assert_eq!(recent.served() - served, 1, "only what was found counts");

        // 5 and 6 were written by another process: the memory starts over at 7.
        recent.remember((7..=8).map(|p| at(&coop, p)).collect());
        assert_eq!(held(&recent, &coop), [7, 8]);

        // At most 100 kept: the oldest go.
        recent.remember((9..=120).map(|p| at(&coop, p)).collect());
        assert_eq!(held(&recent, &coop), (21..=120).collect::<Vec<_>>());

        // A budget of bytes keeps fewer, the newest always; no room keeps nothing.
        // The events' sizes differ by their numbers' digits; 10's is the largest.
        let one = bytes_of(&at(&coop, 10));
        let limited = |events_max, bytes_max| {
            let recent = RecentEvents::new(RecentLimits {
                events_max,
                bytes_max,
            });
            recent.remember((1..=10).map(|p| at(&coop, p)).collect());
            held(&recent, &coop)
        };
        assert_eq!(limited(100, 3 * one), [8, 9, 10]);
        assert_eq!(limited(100, 1), [10]);
        assert!(limited(0, usize::MAX).is_empty());
    }

    /// One budget for all logs: a server following many cooperatives forgets first the log
    /// it wrote to least recently — whole, entry and all, once nothing of it is left — and
    /// keeps what it wrote last.
    #[test]
    fn the_log_written_least_recently_is_forgotten_first() {
        let (a, b, c) = (log("a"), log("b"), log("c"));
        let one = bytes_of(&at(&a, 10));
        let recent = RecentEvents::new(RecentLimits {
            events_max: 100,
            bytes_max: 10 * one,
        });
        recent.remember((1..=5).map(|p| at(&a, p)).collect());
        recent.remember((1..=5).map(|p| at(&b, p)).collect());
        assert_eq!(held(&recent, &a), [1, 2, 3, 4, 5]);
        recent.remember((1..=3).map(|p| at(&c, p)).collect());
        // a gave way first, its oldest events first.
        assert_eq!(held(&recent, &a), [4, 5]);
        assert_eq!(held(&recent, &b), [1, 2, 3, 4, 5]);
        recent.remember((6..=8).map(|p| at(&b, p)).collect());
        // a is gone, and with it its entry; then c, the next least recent.
        assert!(held(&recent, &a).is_empty());
        assert_eq!(held(&recent, &b), [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(held(&recent, &c), [2, 3]);
        assert_eq!(recent.logs(), 2);
    }

    /// Remembered in any batches over any logs: every event kept is the one written at its
    /// position, each log's kept positions are consecutive and end at the last it was written,
    /// the memory stays within the budget — unless the last batch alone is larger, when each
    /// of its logs keeps its newest event — and the count of bytes is the sum of its events'.
    #[test]
    fn the_memory_stays_within_its_budget_over_any_batches() {
        use proptest::prelude::*;
        let logs = ["a", "b", "c", "d"].map(log);
        let one = bytes_of(&at(&logs[0], 10));
        let batch =
            proptest::collection::vec((0..4usize, 1..6u64, proptest::bool::weighted(0.1)), 1..4);
        proptest!(|(batches in proptest::collection::vec(batch, 1..40), events_max in 1..20usize, budget in 0..30usize)| {
            let limits = RecentLimits { events_max, bytes_max: budget * one };
            let recent = RecentEvents::new(limits);
            let mut heads = [0u64; 4];
            let mut last = Vec::new();
            for batch in &batches {
                let mut events = Vec::new();
                last.clear();
                for &(which, count, gap) in batch {
                    if gap {
                        // Another process wrote one.
                        heads[which] += 1;
                    }
                    for _ in 0..count {
                        heads[which] += 1;
                        events.push(at(&logs[which], heads[which]));
                    }
                    last.push(which);
                }
                recent.remember(events);
            }
            let state = recent.state.lock().expect("not poisoned");
            let mut total = 0;
            for (which, log) in logs.iter().enumerate() {
                let Some(kept) = state.logs.get(log) else { continue };
                prop_assert!(!kept.events.is_empty(), "an entry holds an event");
                prop_assert!(kept.events.len() <= events_max);
                prop_assert_eq!(kept.events.back().map(|e| e.position.get()), Some(heads[which]));
                for (event, next) in kept.events.iter().zip(kept.events.iter().skip(1)) {
                    prop_assert_eq!(event.position.next(), next.position);
                }
                for event in &kept.events {
                    prop_assert_eq!(&**event, &at(log, event.position.get()));
                }
                prop_assert_eq!(kept.bytes, kept.events.iter().map(|e| bytes_of(e)).sum::<usize>());
                total += kept.bytes;
            }
            prop_assert_eq!(state.bytes, total);
            if state.bytes > limits.bytes_max {
                for (which, log) in logs.iter().enumerate() {
                    let kept = state.logs.get(log).map_or(0, |k| k.events.len());
                    prop_assert!(kept == usize::from(last.contains(&which)), "over the budget only the last batch's newest stay");
                }
            }
        });
    }

    impl RecentEvents {
        /// How many logs have an entry.
        fn logs(&self) -> usize {
            self.state.lock().expect("not poisoned").logs.len()
        }
    }
}
