//! Personal data, kept outside the chained log so that it can be erased (G15) without breaking
//! the chain, and the references events hold to it.
//!
//! An event that concerns a person carries a [`PersonalRef`]: the id of a record in the
//! ledger's personal-data store and a commitment to its content (a keyed BLAKE3 hash with a
//! random salt kept beside the data). While the record exists, anyone with access can check
//! that it is the data the event was written with; once it is erased, salt and data are gone
//! and the commitment reveals nothing, not even by guessing names.

use serde::{Deserialize, Serialize};

use crate::ids::{short_text, text_id};
use crate::{DomainError, Name};

text_id! {
    /// A membership application's id, chosen at random when it is filed.
    ApplicationId, "application-id-malformed", "application", 32
}

text_id! {
    /// The id of a personal-data record in the ledger's store.
    RecordId, "record-id-malformed", "record", 64
}

/// Where an event's personal data is: a record id and the commitment to its content, 64 hex
/// digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalRef {
    /// The record.
    pub record: RecordId,
    /// The commitment (keyed BLAKE3 over the record's content, as hex).
    pub commitment: String,
}

/// The personal data of a member or applicant that the member list holds (G30): name or firm
/// and address. Stored as a personal-data record, never in the chained log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Name or firm.
    pub name: Name,
    /// Postal address, one line.
    pub address: String,
}

impl Person {
    /// The most characters an address has.
    pub const ADDRESS_CHARS_MAX: usize = 300;

    /// A person known by name alone: one who serves in office for a member firm (G9-24),
    /// whose address the member list does not hold.
    pub fn named(name: &str) -> Result<Self, DomainError> {
        Ok(Self {
            name: Name::parse(name).map_err(|e| e.within("name"))?,
            address: String::new(),
        })
    }

    /// Validates a person's data.
    pub fn parse(name: &str, address: &str) -> Result<Self, DomainError> {
        Ok(Self {
            name: Name::parse(name).map_err(|e| e.within("name"))?,
            address: short_text(address, Self::ADDRESS_CHARS_MAX, "address")
                .map_err(|e| e.within("address"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lowercase_letters_and_digits() {
        assert!(ApplicationId::parse("a1b2").is_ok());
        assert!(ApplicationId::parse("A1").is_err());
        assert!(ApplicationId::parse("").is_err());
        assert!(RecordId::parse(&"a".repeat(64)).is_ok());
        assert!(RecordId::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn a_person_needs_a_name_and_an_address() {
        let error = Person::parse("Huber", " ").expect_err("no address");
        assert_eq!(error.field(), Some("address"));
        let error = Person::parse("", "Dorfstraße 1").expect_err("no name");
        assert_eq!(error.field(), Some("name"));
    }
}
