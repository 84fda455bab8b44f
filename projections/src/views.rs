//! The set of read models every cooperative has.

use std::sync::Arc;

use crate::projection::Feed;
use crate::{Aggregates, Journal, Register, Tokens, View};

/// Every read model of one cooperative, kept current by one [`crate::Runtime`].
///
/// A new projection is a new field here and an entry in `feeds`.
#[derive(Debug, Default)]
pub struct Views {
    /// Cooperative, members, offices.
    pub register: Arc<View<Register>>,
    /// API tokens.
    pub tokens: Arc<View<Tokens>>,
    /// The write side's aggregates.
    pub aggregates: Arc<View<Aggregates>>,
    /// The books.
    pub journal: Arc<View<Journal>>,
}

impl Views {
    /// The names of every projection, for `rebuild` and metrics.
    pub const NAMES: [&'static str; 4] = ["register", "tokens", "aggregates", "journal"];

    pub(crate) fn feeds(&self) -> Vec<Arc<dyn Feed>> {
        vec![
            Arc::clone(&self.register) as Arc<dyn Feed>,
            Arc::clone(&self.tokens) as Arc<dyn Feed>,
            Arc::clone(&self.aggregates) as Arc<dyn Feed>,
            Arc::clone(&self.journal) as Arc<dyn Feed>,
        ]
    }
}
