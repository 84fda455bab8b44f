//! Personal data beside the log, not in it: records a commit stores and a later commit may
//! erase, so that a person's data can be deleted as the law demands while every hash of the
//! chain stays valid.
//!
//! An event refers to a record by its id and carries the record's [`PersonalRecord::commitment`],
//! a BLAKE3 hash keyed with a random salt stored beside the data. While the record is there,
//! anyone can check it against the event; once erased, data and salt are gone and the
//! commitment cannot be turned back into the data, not even by guessing. Records are written
//! and erased only within commits, in their transaction: data without its event, or an event
//! whose erasure was lost, cannot happen.

use std::fmt;

use crate::LedgerError;
use crate::limits::PERSONAL_RECORD_BYTES_MAX;

/// A personal-data record to store with a commit.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonalRecord {
    id: String,
    salt: [u8; 32],
    data: String,
}

impl fmt::Debug for PersonalRecord {
    // Personal data stays out of logs and panic messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersonalRecord")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl PersonalRecord {
    /// A record `id` (1 to 64 lowercase letters and digits, unique within the log: callers
    /// draw it at random) holding `data`, salted with `salt` (32 random bytes).
    pub fn new(id: &str, data: String, salt: [u8; 32]) -> Result<Self, LedgerError> {
        check_id(id)?;
        if data.len() > PERSONAL_RECORD_BYTES_MAX {
            return Err(LedgerError::TooLarge {
                what: "bytes of a personal-data record",
                size: data.len(),
                max: PERSONAL_RECORD_BYTES_MAX,
            });
        }
        Ok(Self {
            id: id.to_owned(),
            salt,
            data,
        })
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The commitment an event carries: BLAKE3 of the data keyed with the salt, as 64 hex
    /// digits.
    pub fn commitment(&self) -> String {
        commitment(&self.salt, &self.data)
    }

    pub(crate) fn salt(&self) -> &[u8; 32] {
        &self.salt
    }

    pub(crate) fn data(&self) -> &str {
        &self.data
    }
}

/// The commitment to `data` under `salt`.
pub fn commitment(salt: &[u8; 32], data: &str) -> String {
    blake3::keyed_hash(salt, data.as_bytes())
        .to_hex()
        .to_string()
}

/// An erasure a commit carries: the record's data and salt are deleted; the row stays with the
/// reason and the position of the commit that erased it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Erasure {
    id: String,
    reason: String,
}

impl Erasure {
    /// Erases record `id` because of `reason` (e.g. "application rejected (G15)").
    pub fn new(id: &str, reason: &str) -> Result<Self, LedgerError> {
        check_id(id)?;
        if reason.is_empty() || reason.len() > 200 {
            return Err(LedgerError::InvalidAppend(
                "an erasure needs a reason of 1 to 200 bytes".into(),
            ));
        }
        Ok(Self {
            id: id.to_owned(),
            reason: reason.to_owned(),
        })
    }

    /// The record.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Why.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// A stored record as read back.
#[derive(Clone, PartialEq, Eq)]
pub enum StoredRecord {
    /// The data is there.
    Present {
        /// The data.
        data: String,
        /// Its commitment, recomputed from data and salt on reading: compare it with the
        /// event's.
        commitment: String,
        /// The first position of the commit that stored it.
        stored_at: crate::Position,
    },
    /// Data and salt were erased.
    Erased {
        /// The first position of the commit that stored it.
        stored_at: crate::Position,
        /// The first position of the commit that erased it.
        erased_at: crate::Position,
        /// Why.
        reason: String,
    },
}

impl fmt::Debug for StoredRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoredRecord::Present { stored_at, .. } => f
                .debug_struct("Present")
                .field("stored_at", stored_at)
                .finish_non_exhaustive(),
            StoredRecord::Erased {
                stored_at,
                erased_at,
                reason,
            } => f
                .debug_struct("Erased")
                .field("stored_at", stored_at)
                .field("erased_at", erased_at)
                .field("reason", reason)
                .finish(),
        }
    }
}

pub(crate) fn check_id(id: &str) -> Result<(), LedgerError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(LedgerError::InvalidAppend(format!(
            "{:?} is not a record id: 1 to 64 lowercase letters and digits",
            id.chars().take(70).collect::<String>()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commitment_depends_on_the_salt_and_the_data() {
        let a = PersonalRecord::new("r1", "Huber".into(), [1; 32]).expect("valid");
        let b = PersonalRecord::new("r1", "Huber".into(), [2; 32]).expect("valid");
        let c = PersonalRecord::new("r1", "Hubert".into(), [1; 32]).expect("valid");
        assert_ne!(a.commitment(), b.commitment());
        assert_ne!(a.commitment(), c.commitment());
        assert_eq!(a.commitment().len(), 64);
        assert!(
            !format!("{a:?}").contains("Huber"),
            "no personal data in Debug"
        );
    }

    #[test]
    fn ids_and_reasons_are_checked() {
        assert!(PersonalRecord::new("R1", String::new(), [0; 32]).is_err());
        assert!(Erasure::new("r1", "").is_err());
        assert!(Erasure::new("r1", "application rejected").is_ok());
    }
}
