//! The pure heart of a batch commit: given the state of the logs as loaded under the write lock
//! and the appends of one batch in arrival order, decide each append (accept, replay, reject)
//! and produce the rows to write. No IO, so both backends share it and it is tested directly.

use std::collections::{BTreeMap, HashMap};

use crate::hash::ChainHash;
use crate::personal::{Erasure, PersonalRecord};
use crate::{
    CommandId, Commit, Committed, LedgerError, LogId, Metadata, Position, RecordedEvent,
    StreamCommitted, StreamId, StreamVersion,
};

/// The end of a log's chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// The position of the last event, [`Position::ZERO`] for an empty log.
    pub position: Position,
    /// The hash of the last event, [`ChainHash::GENESIS`] for an empty log.
    pub hash: ChainHash,
    /// The commit time of the last event (microseconds since the epoch); the log's creation
    /// time for an empty log.
    pub recorded_at_us: i64,
}

/// A command id as remembered for idempotency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StoredCommand {
    pub fingerprint: ChainHash,
    pub first: Position,
    pub last: Position,
}

/// The state a batch's decisions depend on, loaded inside the write transaction.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    pub heads: HashMap<LogId, Head>,
    pub streams: HashMap<(LogId, StreamId), StreamVersion>,
    pub commands: HashMap<(LogId, CommandId), StoredCommand>,
}

/// The decision on one append of a batch.
#[derive(Debug)]
pub(crate) enum Outcome {
    Committed(Committed),
    /// The command was committed before with the same content; its result must be read back.
    Replay {
        log: LogId,
        first: Position,
        last: Position,
    },
    Rejected(LedgerError),
}

/// What a batch writes, and what it answers.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub events: Vec<RecordedEvent>,
    pub commands: Vec<(LogId, CommandId, StoredCommand)>,
    /// Personal-data records of accepted commits, with the commit's first position.
    pub records: Vec<(LogId, Position, PersonalRecord)>,
    /// Erasures of accepted commits, with the commit's first position.
    pub erasures: Vec<(LogId, Position, Erasure)>,
    pub heads: BTreeMap<LogId, Head>,
    pub outcomes: Vec<Outcome>,
}

/// Decides every append of a batch in order. Later appends see the effects of earlier accepted
/// ones (a second append expecting the same version conflicts; a repeated command id replays),
/// and a rejected append leaves no trace, so a conflict fails only its own append.
pub(crate) fn plan(requests: &[(LogId, Commit)], mut state: Snapshot, now_us: i64) -> Plan {
    let mut plan = Plan::default();
    for (log, commit) in requests {
        let outcome = decide(log, commit, &mut state, now_us, &mut plan);
        plan.outcomes.push(outcome);
    }
    plan
}

fn decide(
    log: &LogId,
    commit: &Commit,
    state: &mut Snapshot,
    now_us: i64,
    plan: &mut Plan,
) -> Outcome {
    let Some(&head) = state.heads.get(log) else {
        return Outcome::Rejected(LedgerError::UnknownLog(log.clone()));
    };
    let command_key = (log.clone(), commit.command_id().clone());
    if let Some(stored) = state.commands.get(&command_key) {
        return if stored.fingerprint == commit.fingerprint() {
            Outcome::Replay {
                log: log.clone(),
                first: stored.first,
                last: stored.last,
            }
        } else {
            Outcome::Rejected(LedgerError::IdempotencyMismatch(
                commit.command_id().clone(),
            ))
        };
    }
    let checks = commit
        .streams()
        .iter()
        .map(|append| (append.stream(), append.expected()))
        .chain(
            commit
                .guards()
                .iter()
                .map(|(stream, expected)| (stream, *expected)),
        );
    for (stream, expected) in checks {
        let actual = state.streams.get(&(log.clone(), stream.clone())).copied();
        if !expected.admits(actual) {
            return Outcome::Rejected(LedgerError::Conflict {
                stream: stream.clone(),
                expected,
                actual,
            });
        }
    }

    // Accepted. Commit times never decrease along a log, even if the clock steps back, so
    // "the log as of a date" is always a prefix of the log.
    let recorded_at_us = now_us.max(head.recorded_at_us);
    let mut tip = head;
    let mut streams = Vec::with_capacity(commit.streams().len());
    for append in commit.streams() {
        let key = (log.clone(), append.stream().clone());
        let mut version = state.streams.get(&key).copied();
        let mut first_version = None;
        for new in append.events() {
            let stream_version = version.map_or(StreamVersion::FIRST, StreamVersion::next);
            let mut event = RecordedEvent {
                log_id: log.clone(),
                position: tip.position.next(),
                stream_id: append.stream().clone(),
                stream_version,
                event_type: new.event_type().clone(),
                schema_version: new.schema_version(),
                payload: new.payload().clone(),
                metadata: Metadata {
                    actor: commit.actor().clone(),
                    command_id: commit.command_id().clone(),
                    correlation_id: commit.correlation_id().clone(),
                    recorded_at_us,
                },
                prev_hash: tip.hash,
                hash: ChainHash::GENESIS,
            };
            event.hash = event.compute_hash();
            tip = Head {
                position: event.position,
                hash: event.hash,
                recorded_at_us,
            };
            first_version.get_or_insert(stream_version);
            version = Some(stream_version);
            plan.events.push(event);
        }
        let last_version = version.expect("a stream append has at least one event");
        state.streams.insert(key, last_version);
        streams.push(StreamCommitted {
            stream: append.stream().clone(),
            first_version: first_version.expect("a stream append has at least one event"),
            last_version,
        });
    }
    let stored = StoredCommand {
        fingerprint: commit.fingerprint(),
        first: head.position.next(),
        last: tip.position,
    };
    state.commands.insert(command_key.clone(), stored);
    plan.commands.push((command_key.0, command_key.1, stored));
    for record in commit.records() {
        plan.records
            .push((log.clone(), stored.first, record.clone()));
    }
    for erasure in commit.erasures() {
        plan.erasures
            .push((log.clone(), stored.first, erasure.clone()));
    }
    state.heads.insert(log.clone(), tip);
    plan.heads.insert(log.clone(), tip);
    Outcome::Committed(Committed {
        first_position: stored.first,
        last_position: stored.last,
        streams,
        replayed: false,
    })
}

/// Rebuilds the answer to a replayed command from its stored events, which are consecutive.
pub(crate) fn replayed(
    events: &[RecordedEvent],
    first: Position,
    last: Position,
) -> Result<Committed, LedgerError> {
    let expected = usize::try_from(last.get() + 1 - first.get()).expect("an append is small");
    if events.len() != expected || events.first().map(|e| e.position) != Some(first) {
        return Err(LedgerError::Corrupt(format!(
            "the events of a committed command ({first}..={last}) are missing"
        )));
    }
    let mut streams: Vec<StreamCommitted> = Vec::new();
    for event in events {
        match streams.iter_mut().find(|s| s.stream == event.stream_id) {
            Some(s) => s.last_version = event.stream_version,
            None => streams.push(StreamCommitted {
                stream: event.stream_id.clone(),
                first_version: event.stream_version,
                last_version: event.stream_version,
            }),
        }
    }
    Ok(Committed {
        first_position: first,
        last_position: last,
        streams,
        replayed: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Actor, ExpectedVersion, NewEvent, StreamAppend};

    fn log() -> LogId {
        LogId::parse("coop").expect("valid")
    }

    fn commit(id: &str, stream: &str, expected: ExpectedVersion, n: usize) -> Commit {
        let events = (0..n)
            .map(|i| NewEvent::json("Noted", 1, &serde_json::json!({ "i": i })).expect("valid"))
            .collect();
        Commit::new(
            CommandId::parse(id).expect("valid"),
            Actor::parse("test").expect("valid"),
            None,
            vec![StreamAppend::new(
                StreamId::parse(stream).expect("valid"),
                expected,
                events,
            )],
        )
        .expect("valid")
    }

    fn empty_log() -> Snapshot {
        let mut state = Snapshot::default();
        state.heads.insert(
            log(),
            Head {
                position: Position::ZERO,
                hash: ChainHash::GENESIS,
                recorded_at_us: 0,
            },
        );
        state
    }

    #[test]
    fn a_conflict_fails_only_its_own_append_and_the_rest_of_the_batch_chains_on() {
        let requests = vec![
            (log(), commit("a", "s", ExpectedVersion::NoStream, 2)),
            (log(), commit("b", "s", ExpectedVersion::NoStream, 1)),
            (
                log(),
                commit(
                    "c",
                    "s",
                    ExpectedVersion::Exact(StreamVersion::new(2).expect("valid")),
                    1,
                ),
            ),
        ];
        let plan = plan(&requests, empty_log(), 10);
        assert!(matches!(plan.outcomes[0], Outcome::Committed(_)));
        assert!(matches!(
            plan.outcomes[1],
            Outcome::Rejected(LedgerError::Conflict { .. })
        ));
        assert!(matches!(plan.outcomes[2], Outcome::Committed(_)));
        let positions: Vec<u64> = plan.events.iter().map(|e| e.position.get()).collect();
        assert_eq!(positions, vec![1, 2, 3]);
        assert_eq!(plan.events[2].prev_hash, plan.events[1].hash);
        assert_eq!(plan.events[2].stream_version.get(), 3);
    }

    #[test]
    fn a_repeated_command_in_the_same_batch_replays_and_a_changed_one_is_refused() {
        let requests = vec![
            (log(), commit("a", "s", ExpectedVersion::Any, 1)),
            (log(), commit("a", "s", ExpectedVersion::Any, 1)),
            (log(), commit("a", "s", ExpectedVersion::Any, 2)),
        ];
        let plan = plan(&requests, empty_log(), 10);
        assert!(
            matches!(plan.outcomes[1], Outcome::Replay { first, .. } if first == Position::FIRST)
        );
        assert!(matches!(
            plan.outcomes[2],
            Outcome::Rejected(LedgerError::IdempotencyMismatch(_))
        ));
        assert_eq!(plan.events.len(), 1);
    }

    #[test]
    fn commit_times_never_decrease_even_when_the_clock_steps_back() {
        let mut state = empty_log();
        state.heads.insert(
            log(),
            Head {
                position: Position::ZERO,
                hash: ChainHash::GENESIS,
                recorded_at_us: 500,
            },
        );
        let plan = plan(
            &[(log(), commit("a", "s", ExpectedVersion::Any, 1))],
            state,
            100,
        );
        assert_eq!(plan.events[0].metadata.recorded_at_us, 500);
    }

    #[test]
    fn an_append_to_an_unknown_log_is_refused() {
        let other = LogId::parse("other").expect("valid");
        let plan = plan(
            &[(other, commit("a", "s", ExpectedVersion::Any, 1))],
            empty_log(),
            1,
        );
        assert!(matches!(
            plan.outcomes[0],
            Outcome::Rejected(LedgerError::UnknownLog(_))
        ));
        assert!(plan.events.is_empty());
    }
}
