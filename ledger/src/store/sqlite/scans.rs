//! The scans of verification: the whole log and the stream index read in order, on a reader
//! of their own.

use super::*;

/// Calls `visit` with every event of `log` from position `from` to `to`, in position order, until it
/// returns `Break`. Blocking; straight on SQLite's C API, borrowing each row's bytes: sqlx hands
/// every row across threads and allocates for each field, which caps a full scan at about
/// 150,000 rows per second. The scan is one read transaction, so it sees one consistent state.
pub(crate) fn scan_events(
    path: &std::path::Path,
    log: &str,
    from: i64,
    to: i64,
    visit: &mut dyn FnMut(&EventRef<'_>) -> ControlFlow<()>,
) -> Result<(), LedgerError> {
    let conn = open_reader(path)?;
    let mut statement = conn.prepare(concat!(
        "SELECT ",
        event_columns!(),
        " FROM ledger_events WHERE log_id = ?1 AND position >= ?2 AND position <= ?3 ORDER BY position"
    ))?;
    let mut rows = statement.query(rusqlite::params![log, from, to])?;
    while let Some(row) = rows.next()? {
        if visit(&event_ref(row, true)?).is_break() {
            break;
        }
    }
    Ok(())
}

/// The first position up to `to` where the stream index and the events disagree: an event
/// whose stream and version the index does not hold at its position, or an index entry whose
/// position holds no such event. Blocking, one read transaction, a lookup per row: `verify`
/// runs it only when the digests of both sides differ (the log was tampered with).
pub(crate) fn locate_index_disagreement(
    path: &std::path::Path,
    log: &str,
    to: i64,
) -> Result<Option<(i64, String)>, LedgerError> {
    let mut conn = open_reader(path)?;
    let tx = conn.transaction()?;
    let recorded = indexed_position(&tx, log)?;
    let indexed = recorded.min(to);
    let mut found: Option<(i64, String)> = None;
    let mut keep = |position: i64, detail: String| {
        if found.as_ref().is_none_or(|(p, _)| position < *p) {
            found = Some((position, detail));
        }
    };
    {
        let mut events = tx.prepare(
            "SELECT position, stream_id, stream_version FROM ledger_events
              WHERE log_id = ?1 AND position <= ?2 ORDER BY position",
        )?;
        let mut entry = tx.prepare(
            "SELECT position FROM ledger_stream_index WHERE log_id = ?1 AND stream_id = ?2 AND stream_version = ?3",
        )?;
        let mut rows = events.query(rusqlite::params![log, indexed])?;
        while let Some(row) = rows.next()? {
            let (position, stream, version) = (integer(row, 0)?, bytes(row, 1)?, integer(row, 2)?);
            // Bound as text, as stored (a blob never equals a text in SQLite).
            let text = String::from_utf8_lossy(stream);
            let mut at = entry.query(rusqlite::params![log, text.as_ref(), version])?;
            let indexed_at = match at.next()? {
                Some(hit) => Some(integer(hit, 0)?),
                None => None,
            };
            if indexed_at != Some(position) {
                keep(
                    position,
                    format!(
                        "the stream index does not hold stream {} version {version} at this position",
                        String::from_utf8_lossy(stream)
                    ),
                );
                break;
            }
        }
    }
    {
        let mut entries = tx.prepare(
            "SELECT position, stream_id, stream_version FROM ledger_stream_index WHERE log_id = ?1",
        )?;
        let mut event = tx.prepare(
            "SELECT stream_id, stream_version FROM ledger_events WHERE log_id = ?1 AND position = ?2",
        )?;
        let mut rows = entries.query(rusqlite::params![log])?;
        while let Some(row) = rows.next()? {
            let (position, stream, version) = (integer(row, 0)?, bytes(row, 1)?, integer(row, 2)?);
            if position > to {
                // Taken into the index after the verification began.
                continue;
            }
            if position > recorded {
                keep(
                    position,
                    format!(
                        "the stream index holds stream {} version {version} at a position it has not reached",
                        String::from_utf8_lossy(stream)
                    ),
                );
                continue;
            }
            let mut at = event.query(rusqlite::params![log, position])?;
            let agrees = match at.next()? {
                Some(hit) => bytes(hit, 0)? == stream && integer(hit, 1)? == version,
                None => false,
            };
            if !agrees {
                keep(
                    position,
                    format!(
                        "the stream index has stream {} version {version} here, the event at this position does not",
                        String::from_utf8_lossy(stream)
                    ),
                );
            }
        }
    }
    Ok(found)
}

/// The position up to which a log's events are in the stream index.
fn indexed_position(conn: &rusqlite::Connection, log: &str) -> Result<i64, LedgerError> {
    let indexed: Option<i64> = conn
        .query_row(
            "SELECT indexed_position FROM ledger_logs WHERE log_id = ?1",
            rusqlite::params![log],
            |row| row.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    Ok(indexed.unwrap_or(0))
}

/// What [`scan_index`] calls with each entry: `(stream, version, position)`.
pub(crate) type IndexVisitor<'v> = dyn FnMut(&[u8], i64, i64) -> ControlFlow<()> + 'v;

/// Calls `visit(stream, version, position)` for every event of `log` in (stream, version)
/// order: the stream index, merged with the unindexed tail sorted by SQLite (a few thousand
/// events at most, held here while the index is walked). One read transaction.
pub(crate) fn scan_index(
    path: &std::path::Path,
    log: &str,
    visit: &mut IndexVisitor<'_>,
) -> Result<(), LedgerError> {
    let mut conn = open_reader(path)?;
    let tx = conn.transaction()?;
    let indexed = indexed_position(&tx, log)?;
    let mut tail_statement = tx.prepare(
        "SELECT stream_id, stream_version, position FROM ledger_events
          WHERE log_id = ?1 AND position > ?2 ORDER BY stream_id, stream_version",
    )?;
    let mut tail: Vec<(Vec<u8>, i64, i64)> = Vec::new();
    let mut rows = tail_statement.query(rusqlite::params![log, indexed])?;
    while let Some(row) = rows.next()? {
        tail.push((bytes(row, 0)?.to_vec(), integer(row, 1)?, integer(row, 2)?));
    }
    let mut tail = tail.into_iter().peekable();
    let mut statement = tx.prepare(
        "SELECT stream_id, stream_version, position FROM ledger_stream_index
          WHERE log_id = ?1 ORDER BY stream_id, stream_version",
    )?;
    let mut rows = statement.query(rusqlite::params![log])?;
    while let Some(row) = rows.next()? {
        let (stream, version, position) = (bytes(row, 0)?, integer(row, 1)?, integer(row, 2)?);
        while let Some((s, v, p)) = tail.next_if(|(s, v, _)| (s.as_slice(), *v) < (stream, version))
        {
            if visit(&s, v, p).is_break() {
                return Ok(());
            }
        }
        if visit(stream, version, position).is_break() {
            return Ok(());
        }
    }
    for (s, v, p) in tail {
        if visit(&s, v, p).is_break() {
            break;
        }
    }
    Ok(())
}
