//! The last events this process's writer made durable, per log, so that a read of what was
//! just written — a voter's receipt right after the vote, the event a snapshot names — is
//! answered from memory instead of a round trip to the database. What is here is exactly what
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

    /// Forgets every log's events: after a failed sync nothing kept may be trusted to be on
    /// disk.
    pub(crate) fn forget_all(&self) {
        let forgotten = std::mem::take(
            &mut *self
                .logs
                .lock()
                .expect("the recent events' lock is never poisoned"),
        );
        drop(forgotten);
    }

    /// The events of `log` from `from` on, at most `limit`, up to `to` if given, if every one
    /// of them is here; `None` otherwise (the reader goes to the database). Without `to` (a
    /// store whose reads are not capped at a durable head) only `limit` events answer: fewer
    /// would claim that the log ends there, and another process may have written on.
    pub(crate) fn read(
        &self,
        log: &LogId,
        from: Position,
        to: Option<Position>,
        limit: usize,
    ) -> Option<Vec<RecordedEvent>> {
        let wanted = match to {
            Some(to) if from > to => return None,
            Some(to) => usize::try_from(to.get() - from.get())
                .unwrap_or(usize::MAX)
                .saturating_add(1)
                .min(limit),
            None => limit,
        };
        if wanted == 0 {
            return None;
        }
        let held: Vec<Arc<RecordedEvent>> = {
            let logs = self
                .logs
                .lock()
                .expect("the recent events' lock is never poisoned");
            let kept = logs.get(log)?;
            let first = kept.events.front()?.position;
            let skip = usize::try_from(from.get().checked_sub(first.get())?).ok()?;
            if kept.events.len().saturating_sub(skip) < wanted {
                return None;
            }
            kept.events.range(skip..skip + wanted).cloned().collect()
        };
        self.served.fetch_add(held.len() as u64, Ordering::Relaxed);
        // Copied outside the lock.
        Some(
            held.iter()
                .map(|event| RecordedEvent::clone(event))
                .collect(),
        )
    }

    /// Events reads took from here so far.
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

    fn positions(events: Option<Vec<RecordedEvent>>) -> Option<Vec<u64>> {
        events.map(|events| events.iter().map(|e| e.position.get()).collect())
    }

    /// What is kept has consecutive positions only (a gap starts it over) within its limits
    /// of events and bytes per log; a read is answered only when every event it asks for is
    /// kept, and nothing is kept after `forget_all` or with no room.
    #[test]
    fn recent_events_are_consecutive_bounded_and_read_only_whole() {
        let coop = log("coop");
        let recent = RecentEvents::new(RecentLimits {
            events_max: 100,
            bytes_max: usize::MAX,
        });
        recent.remember((1..=4).map(|p| at(&coop, p)).collect());
        let read = |recent: &RecentEvents, from: u64, to: u64, limit: usize| {
            positions(recent.read(&coop, Position::new(from), Some(Position::new(to)), limit))
        };
        let uncapped = |recent: &RecentEvents, from: u64, limit: usize| {
            positions(recent.read(&coop, Position::new(from), None, limit))
        };
        assert_eq!(read(&recent, 2, 4, 100), Some(vec![2, 3, 4]));
        assert_eq!(read(&recent, 2, 3, 100), Some(vec![2, 3]));
        assert_eq!(read(&recent, 1, 4, 2), Some(vec![1, 2]));
        assert_eq!(read(&recent, 4, 4, 1), Some(vec![4]));
        // Beyond what is kept, before it, or empty: to the database.
        assert_eq!(read(&recent, 3, 5, 100), None);
        assert_eq!(read(&recent, 5, 5, 1), None);
        assert_eq!(read(&recent, 3, 2, 100), None);
        assert_eq!(read(&recent, 1, 4, 0), None);
        assert!(
            recent
                .read(&log("other"), Position::FIRST, Some(Position::FIRST), 1)
                .is_none()
        );
        // Uncapped (PostgreSQL): only a read that `limit` events fill.
        assert_eq!(uncapped(&recent, 2, 3), Some(vec![2, 3, 4]));
        assert_eq!(uncapped(&recent, 2, 4), None);
        assert_eq!(recent.served(), 3 + 2 + 2 + 1 + 3);

        // 5 and 6 were written by another process: the memory starts over at 7.
        recent.remember((7..=8).map(|p| at(&coop, p)).collect());
        assert_eq!(read(&recent, 4, 4, 1), None);
        assert_eq!(read(&recent, 7, 8, 100), Some(vec![7, 8]));

        // At most 100 kept: the oldest go.
        recent.remember((9..=120).map(|p| at(&coop, p)).collect());
        assert_eq!(read(&recent, 20, 20, 1), None);
        assert_eq!(
            read(&recent, 21, 120, usize::MAX).map(|p| p.len()),
            Some(100)
        );

        recent.forget_all();
        assert_eq!(read(&recent, 120, 120, 1), None);

        // A budget of bytes keeps fewer, the newest always; no room keeps nothing.
        // The events' sizes differ by their numbers' digits; 10's is the largest.
        let one = bytes_of(&at(&coop, 10));
        let limited = |events_max, bytes_max| {
            let recent = RecentEvents::new(RecentLimits {
                events_max,
                bytes_max,
            });
            recent.remember((1..=10).map(|p| at(&coop, p)).collect());
            recent
        };
        assert_eq!(
            read(&limited(100, 3 * one), 8, 10, 100),
            Some(vec![8, 9, 10])
        );
        assert_eq!(read(&limited(100, 3 * one), 7, 10, 100), None);
        assert_eq!(read(&limited(100, 1), 10, 10, 1), Some(vec![10]));
        assert_eq!(read(&limited(100, 1), 9, 9, 1), None);
        assert_eq!(read(&limited(0, usize::MAX), 10, 10, 1), None);
    }
}
