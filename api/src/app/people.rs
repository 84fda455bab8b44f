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
    entries: RwLock<Entries>,
}

/// By cooperative, then by record id: a lookup borrows both keys (a read looks up on every
/// request and copies no key).
#[derive(Debug, Default)]
struct Entries {
    by_log: HashMap<LogId, HashMap<String, Person>>,
}

impl Entries {
    /// Records over all cooperatives (a server follows few).
    fn len(&self) -> usize {
        self.by_log.values().map(HashMap::len).sum()
    }

    fn get(&self, log: &LogId, id: &str) -> Option<&Person> {
        self.by_log.get(log)?.get(id)
    }

    fn insert(&mut self, log: &LogId, id: String, person: Person) {
        if !self.by_log.contains_key(log) {
            self.by_log.insert(log.clone(), HashMap::new());
        }
        let records = self.by_log.get_mut(log).expect("inserted above");
        records.insert(id, person);
    }

    fn remove(&mut self, log: &LogId, id: &str) {
        if let Some(records) = self.by_log.get_mut(log) {
            records.remove(id);
        }
    }

    fn clear(&mut self) {
        self.by_log.clear();
    }
}

impl PeopleCache {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Entries> {
        self.entries
            .read()
            .expect("the people cache's lock is never poisoned")
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Entries> {
        self.entries
            .write()
            .expect("the people cache's lock is never poisoned")
    }

    /// Drops erased records.
    pub(crate) fn forget<'a>(&self, log: &LogId, ids: impl IntoIterator<Item = &'a str>) {
        let mut entries = self.write();
        for id in ids {
            entries.remove(log, id);
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
                match entries.get(log, r.record.as_str()) {
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
                entries.insert(log, id.clone(), person.clone());
                people.insert(id, person);
            }
        }
        Ok(people)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str) -> Person {
        serde_json::from_value(serde_json::json!({"name": name, "address": "Dorfstraße 1"}))
            .expect("a person")
    }

    /// Records are kept apart by cooperative, counted over all of them, and a forgotten one is
    /// gone from its cooperative only.
    #[test]
    fn the_cache_keeps_records_by_cooperative_and_counts_them() {
        let (a, b) = (
            LogId::parse("a-eg").expect("valid"),
            LogId::parse("b-eg").expect("valid"),
        );
        let cache = PeopleCache::default();
        {
            let mut entries = cache.write();
            entries.insert(&a, "r1".into(), person("Huber"));
            entries.insert(&b, "r1".into(), person("Maier"));
            entries.insert(&a, "r1".into(), person("Huber"));
            assert_eq!(entries.len(), 2);
        }
        cache.forget(&a, ["r1", "r2"]);
        let entries = cache.read();
        assert!(entries.get(&a, "r1").is_none());
        assert_eq!(
            entries.get(&b, "r1").map(|p| p.name.to_string()),
            Some("Maier".into())
        );
        assert_eq!(entries.len(), 1);
        drop(entries);
        cache.write().clear();
        assert_eq!(cache.read().len(), 0);
        assert!(cache.read().get(&b, "r1").is_none());
    }
}
