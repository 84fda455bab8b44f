//! Personal data as reads show it: looked up by record id beside the log, shown only if the
//! record is present and matches the commitment its event carries, and kept in memory once
//! verified — a record never changes, it can only be erased.
//!
//! Erasure and the cache: an erasure this process commits drops the record from the cache with
//! the commit. One another process commits (`verbund retention`) reaches this process with the
//! event; callers ask only for the personal data of subjects whose events say it exists
//! ([`verbund_domain::Membership::person_present`], a pending or admitted application), so a
//! read shows a name no later than the position it answers for.

use std::collections::HashMap;
use std::sync::RwLock;

use verbund_domain::{Person, PersonalRef};
use verbund_ledger::{LedgerError, LogId, StoredRecord};

use crate::app::App;

/// The most records kept; past it the cache starts over (a few hundred bytes each).
const PEOPLE_CACHED_MAX: usize = 200_000;

/// Verified personal data by cooperative and record id.
#[derive(Debug, Default)]
pub(crate) struct PeopleCache {
    entries: RwLock<HashMap<(LogId, String), Person>>,
}

impl PeopleCache {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<(LogId, String), Person>> {
        self.entries
            .read()
            .expect("the people cache's lock is never poisoned")
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<(LogId, String), Person>> {
        self.entries
            .write()
            .expect("the people cache's lock is never poisoned")
    }

    /// Drops erased records.
    pub(crate) fn forget<'a>(&self, log: &LogId, ids: impl IntoIterator<Item = &'a str>) {
        let mut entries = self.write();
        for id in ids {
            entries.remove(&(log.clone(), id.to_owned()));
        }
    }
}

impl App {
    /// The people behind `refs`, by record id: only records present and matching their
    /// commitment (erased or altered data shows nobody).
    pub async fn people(
        &self,
        log: &LogId,
        refs: &[PersonalRef],
    ) -> Result<HashMap<String, Person>, LedgerError> {
        let cache = self.people_cache();
        let mut people = HashMap::with_capacity(refs.len());
        let mut missing = Vec::new();
        {
            let entries = cache.read();
            for r in refs {
                match entries.get(&(log.clone(), r.record.as_str().to_owned())) {
                    Some(person) => {
                        people.insert(r.record.as_str().to_owned(), person.clone());
                    }
                    None => missing.push(r),
                }
            }
        }
        for chunk in missing.chunks(verbund_ledger::limits::READ_RECORDS_MAX) {
            let ids: Vec<&str> = chunk.iter().map(|p| p.record.as_str()).collect();
            let mut found = Vec::new();
            for (id, record) in self.ledger().personal_records(log, &ids).await? {
                let StoredRecord::Present {
                    data, commitment, ..
                } = record
                else {
                    continue;
                };
                if chunk
                    .iter()
                    .find(|p| p.record.as_str() == id)
                    .is_none_or(|p| p.commitment != commitment)
                {
                    tracing::error!(record = %id, "a personal-data record does not match its event's commitment");
                    continue;
                }
                if let Ok(person) = serde_json::from_str::<Person>(&data) {
                    found.push((id, person));
                }
            }
            let mut entries = cache.write();
            if entries.len() + found.len() > PEOPLE_CACHED_MAX {
                entries.clear();
            }
            for (id, person) in found {
                entries.insert((log.clone(), id.clone()), person.clone());
                people.insert(id, person);
            }
        }
        Ok(people)
    }
}
