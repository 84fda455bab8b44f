//! The last events this process's writer made durable, per log, so that a read of one event
//! just written — a voter's receipt right after the vote, the event a snapshot names — is
//! answered from memory instead of a round trip to the database (`Ledger::read_event`). What is here is exactly what
//! the writer committed and synced; events committed by other processes are not here, and a
//! gap starts a log's memory over, so what is here never skips a position.

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

/// Per log, its latest durable events with consecutive positions; one entry per log this
/// process writes to (a server's cooperatives), each within the limits.
#[derive(Debug, Default)]
pub(crate) struct RecentEvents {
    logs: Mutex<HashMap<LogId, Kept>>,
    limits: RecentLimits,
    /// Events reads took from here.
    served: AtomicU64,
}

/// The latest events of one log and roughly the memory they hold.
#[derive(Debug, Default)]
struct Kept {
    events: VecDeque<Arc<RecordedEvent>>,
    bytes: usize,
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
            let mut logs = self
                .logs
                .lock()
                .expect("the recent events' lock is never poisoned");
            for event in events {
                if !logs.contains_key(&event.log_id) {
                    logs.insert(event.log_id.clone(), Kept::default());
                }
                let kept = logs.get_mut(&event.log_id).expect("inserted above");
                if kept
                    .events
                    .back()
                    .is_some_and(|last| last.position.next() != event.position)
                {
                    // Another process wrote in between.
                    forgotten.extend(kept.events.drain(..));
                    kept.bytes = 0;
                }
                kept.bytes += bytes_of(&event);
                kept.events.push_back(event);
                while kept.events.len() > limits.events_max
                    || (kept.bytes > limits.bytes_max && kept.events.len() > 1)
                {
                    let Some(old) = kept.events.pop_front() else {
                        break;
                    };
                    kept.bytes -= bytes_of(&old);
                    forgotten.push(old);
                }
            }
        }
        drop(forgotten);
    }

    /// The event of `log` at `position`, if it is here.
    pub(crate) fn get(&self, log: &LogId, position: Position) -> Option<RecordedEvent> {
        let held = {
            let logs = self
                .logs
                .lock()
                .expect("the recent events' lock is never poisoned");
            let kept = logs.get(log)?;
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
    /// of events and bytes per log, the newest always; nothing with no room.
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
}
