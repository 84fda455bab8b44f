//! Projections as of a past position or moment, for regulators and auditors.

use jiff::Timestamp;
use verbund_ledger::{Ledger, LogId, Position};

use crate::runtime::READ_PAGE_EVENTS;
use crate::{Envelope, Folded, Projection, ProjectionError};

/// Folds the events of `log` from position 1 up to and including `until` (or the head, if the
/// log is shorter) into a fresh `P`: the projection as it stood at `until`.
pub async fn fold_until<P: Projection>(
    ledger: &Ledger,
    log: &LogId,
    until: Position,
) -> Result<Folded<P>, ProjectionError> {
    let mut folded = Folded::<P>::default();
    while folded.position < until {
        let wanted = usize::try_from(until.get() - folded.position.get()).unwrap_or(usize::MAX);
        let page = ledger
            .read_log(log, folded.position.next(), wanted.min(READ_PAGE_EVENTS))
            .await?;
        if page.is_empty() {
            break;
        }
        for recorded in &page {
            let envelope =
                Envelope::decode(recorded).map_err(|source| ProjectionError::Decode {
                    position: recorded.position,
                    source,
                })?;
            folded.apply(&envelope);
        }
    }
    Ok(folded)
}

/// The position of the last event of `log` recorded at or before `at`; zero if none was.
/// Commit times never decrease along a log, so a binary search over positions finds it in
/// about 20 reads for a million events.
pub async fn position_at(
    ledger: &Ledger,
    log: &LogId,
    at: Timestamp,
) -> Result<Position, ProjectionError> {
    let head = ledger.head(log).await?.position.get();
    let (mut low, mut high) = (0u64, head);
    while low < high {
        let mid = low + (high - low).div_ceil(2);
        let page = ledger.read_log(log, Position::new(mid), 1).await?;
        match page.first() {
            Some(event) if event.position.get() == mid && event.metadata.recorded_at() <= at => {
                low = mid;
            }
            _ => high = mid - 1,
        }
    }
    Ok(Position::new(low))
}
