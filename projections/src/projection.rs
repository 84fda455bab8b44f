//! The projection trait and the live, shared state of one projection.

use std::any::Any;
use std::fmt;
use std::sync::RwLock;

use serde::Serialize;
use serde::de::DeserializeOwned;
use verbund_ledger::Position;

use crate::{Envelope, ProjectionError};

/// A read model: a pure fold of a log's events.
///
/// `apply` never fails and never looks at anything but its state and the event, so the same
/// events always give the same state: live, rebuilt, or as of a past position.
pub trait Projection:
    Default + Clone + PartialEq + fmt::Debug + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// A stable name, for snapshots and metrics.
    const NAME: &'static str;
    /// Raise it whenever `apply` or the state's layout changes meaning: snapshots taken under
    /// another version are discarded and the projection is rebuilt from the log.
    const VERSION: u32;

    /// Folds one event in.
    fn apply(&mut self, event: &Envelope);
}

/// Folds events into a state, remembering up to where.
#[derive(Clone, Debug, PartialEq)]
pub struct Folded<P> {
    /// The state.
    pub state: P,
    /// The position of the last event folded in ([`Position::ZERO`] for none).
    pub position: Position,
}

impl<P: Default> Default for Folded<P> {
    fn default() -> Self {
        Self {
            state: P::default(),
            position: Position::ZERO,
        }
    }
}

impl<P: Projection> Folded<P> {
    /// Folds `event` in unless it is at or before the position already reached.
    pub fn apply(&mut self, event: &Envelope) {
        if event.position > self.position {
            self.state.apply(event);
            self.position = event.position;
        }
    }
}

/// The live state of one projection of one log, shared between the runtime that feeds it and
/// the readers. Reads take a short read lock; the runtime takes the write lock per page of
/// events.
#[derive(Debug)]
pub struct View<P> {
    current: RwLock<Folded<P>>,
}

impl<P: Default> Default for View<P> {
    fn default() -> Self {
        Self {
            current: RwLock::new(Folded::default()),
        }
    }
}

impl<P: Projection> View<P> {
    /// Reads the state with `f`. Keep `f` short: the runtime waits for it.
    pub fn read<R>(&self, f: impl FnOnce(&P) -> R) -> R {
        let current = self
            .current
            .read()
            .expect("a projection's lock is never poisoned: apply does not panic");
        f(&current.state)
    }

    /// The position this projection has reached.
    pub fn position(&self) -> Position {
        self.current
            .read()
            .expect("a projection's lock is never poisoned: apply does not panic")
            .position
    }

    /// A copy of the state and its position.
    pub fn cloned(&self) -> Folded<P> {
        self.current
            .read()
            .expect("a projection's lock is never poisoned: apply does not panic")
            .clone()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Folded<P>> {
        self.current
            .write()
            .expect("a projection's lock is never poisoned: apply does not panic")
    }
}

/// A copy of a projection's state, taken under a short read lock and serialized later.
pub(crate) trait Frozen: Send {
    fn position(&self) -> Position;
    fn to_bytes(&self) -> Result<Vec<u8>, ProjectionError>;
}

impl<P: Projection> Frozen for Folded<P> {
    fn position(&self) -> Position {
        self.position
    }
    fn to_bytes(&self) -> Result<Vec<u8>, ProjectionError> {
        serde_json::to_vec(&self.state)
            .map_err(|e| ProjectionError::Snapshot(format!("{}: {e}", P::NAME)))
    }
}

/// A projection's state being built apart from the live one (a rebuild).
pub(crate) trait Fold: Send {
    fn apply(&mut self, event: &Envelope);
    fn position(&self) -> Position;
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
}

impl<P: Projection> Fold for Folded<P> {
    fn apply(&mut self, event: &Envelope) {
        Folded::apply(self, event);
    }
    fn position(&self) -> Position {
        self.position
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

/// What the runtime needs of a view, without knowing its type.
pub(crate) trait Feed: Send + Sync {
    fn name(&self) -> &'static str;
    fn version(&self) -> u32;
    fn position(&self) -> Position;
    /// Folds a page of events in, under one write lock.
    fn apply(&self, events: &[Envelope]);
    /// A copy of the state, to serialize apart from the lock.
    fn freeze(&self) -> Box<dyn Frozen>;
    /// Replaces the state with a snapshot's.
    fn restore(&self, position: Position, bytes: &[u8]) -> Result<(), ProjectionError>;
    /// An empty state of the same projection, for a rebuild.
    fn fresh(&self) -> Box<dyn Fold>;
    /// Installs a rebuilt state, which must have reached this view's position.
    fn install(&self, fold: Box<dyn Fold>);
}

impl<P: Projection> Feed for View<P> {
    fn name(&self) -> &'static str {
        P::NAME
    }
    fn version(&self) -> u32 {
        P::VERSION
    }
    fn position(&self) -> Position {
        View::position(self)
    }
    fn apply(&self, events: &[Envelope]) {
        let mut current = self.write();
        for event in events {
            current.apply(event);
        }
    }
    fn freeze(&self) -> Box<dyn Frozen> {
        Box::new(self.cloned())
    }
    fn restore(&self, position: Position, bytes: &[u8]) -> Result<(), ProjectionError> {
        let state: P = serde_json::from_slice(bytes)
            .map_err(|e| ProjectionError::Snapshot(format!("{}: {e}", P::NAME)))?;
        *self.write() = Folded { state, position };
        Ok(())
    }
    fn fresh(&self) -> Box<dyn Fold> {
        Box::new(Folded::<P>::default())
    }
    fn install(&self, fold: Box<dyn Fold>) {
        let folded = fold
            .into_any()
            .downcast::<Folded<P>>()
            .expect("a rebuild installs the state its own view made");
        let mut current = self.write();
        assert_eq!(
            folded.position,
            current.position,
            "a rebuilt {} is installed only at the live position",
            P::NAME
        );
        *current = *folded;
    }
}
