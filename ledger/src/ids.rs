//! Identifiers and counters of the log. Each is a newtype whose constructor validates, so a value
//! that exists is a valid value.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::LedgerError;

/// Checks `value` against a character rule and a length range; the one place where all textual
/// identifiers are validated, so the rules in `docs/ledger-format.md` hold for every one of them.
fn check(
    kind: &'static str,
    value: &str,
    len_max: usize,
    // Generic rather than `fn` pointers, so that each identifier's rule is inlined into its
    // check: every row read checks several identifiers.
    first_ok: impl Fn(char) -> bool,
    rest_ok: impl Fn(char) -> bool,
    rule: &'static str,
) -> Result<(), LedgerError> {
    let malformed = |reason: String| LedgerError::MalformedId {
        kind,
        // Echo at most a short prefix so that an absurd input does not end up whole in an error.
        value: value.chars().take(64).collect(),
        reason,
    };
    let mut chars = value.chars();
    match chars.next() {
        None => return Err(malformed("must not be empty".into())),
        Some(c) if !first_ok(c) => return Err(malformed(format!("must {rule}"))),
        Some(_) => {}
    }
    if value.len() > len_max {
        return Err(malformed(format!(
            "is {} bytes long, at most {len_max} are allowed",
            value.len()
        )));
    }
    if chars.any(|c| !rest_ok(c)) {
        return Err(malformed(format!("must {rule}")));
    }
    Ok(())
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $len_max:expr, $first:expr, $rest:expr, $rule:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The longest accepted value, in bytes.
            pub const LEN_MAX: usize = $len_max;

            /// Validates and wraps `value`.
            pub fn parse(value: impl Into<String>) -> Result<Self, LedgerError> {
                let value = value.into();
                Self::validate(&value)?;
                Ok(Self(value))
            }

            /// Checks `value` without taking it: for text borrowed from a row, so that only
            /// what a reader keeps is copied (see [`Self::from_validated`]).
            #[allow(dead_code, reason = "not every identifier is read in place")]
            pub(crate) fn validate(value: &str) -> Result<(), LedgerError> {
                check($kind, value, $len_max, $first, $rest, $rule)
            }

            /// Wraps `value` that [`Self::validate`] accepted.
            #[allow(dead_code, reason = "not every identifier is read in place")]
            pub(crate) fn from_validated(value: &str) -> Self {
                debug_assert!(Self::validate(value).is_ok());
                Self(value.to_owned())
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = LedgerError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

fn lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}
fn slug_char(c: char) -> bool {
    lower_alnum(c) || c == '-'
}
fn alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}
fn stream_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/' | '@')
}
fn type_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.')
}
fn token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')
}
fn actor_char(c: char) -> bool {
    c.is_ascii_graphic()
}

text_id!(
    /// Names one log (one cooperative) in a database: lowercase letters, digits and `-`, starting
    /// with a letter or digit, at most 64 bytes. Example: `dorfhandwerk-eg`.
    LogId, "log id", 64, lower_alnum, slug_char,
    "consist of lowercase ASCII letters, digits and '-' and start with a letter or digit"
);
text_id!(
    /// Names one stream (one aggregate) within a log: ASCII letters, digits and `-_.:/@`,
    /// starting with a letter or digit, at most 128 bytes. Example: `member:4711`.
    StreamId, "stream id", 128, alnum, stream_char,
    "consist of ASCII letters, digits and '-_.:/@' and start with a letter or digit"
);
text_id!(
    /// The stable name of an event's type, in the past tense: ASCII letters, digits, `_` and `.`,
    /// starting with a letter, at most 128 bytes. Example: `MemberAdmitted`.
    EventType, "event type", 128, |c| c.is_ascii_alphabetic(), type_char,
    "consist of ASCII letters, digits, '_' and '.' and start with a letter"
);
text_id!(
    /// The idempotency key of one command: ASCII letters, digits and `-_.:`, at most 128 bytes.
    /// A UUID is a good choice.
    CommandId, "command id", 128, alnum, token_char,
    "consist of ASCII letters, digits and '-_.:' and start with a letter or digit"
);
text_id!(
    /// Ties the events of one business transaction together across commands: same alphabet as a
    /// [`CommandId`]. Defaults to the command id.
    CorrelationId, "correlation id", 128, alnum, token_char,
    "consist of ASCII letters, digits and '-_.:' and start with a letter or digit"
);
text_id!(
    /// Who caused an event: a principal id such as `member:4711` or `cli:admin`. Printable ASCII
    /// without spaces, at most 128 bytes. Never a name or other personal data: the log is
    /// immutable, personal data must stay erasable.
    Actor, "actor", 128, actor_char, actor_char,
    "consist of printable ASCII characters without spaces"
);

/// The place of an event in its log. Positions start at 1 and have no gaps; 0 stands for "before
/// the first event" (the position of an empty log's head).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Position(u64);

impl Position {
    /// The head position of an empty log.
    pub const ZERO: Position = Position(0);
    /// The position of the first event of every log.
    pub const FIRST: Position = Position(1);

    /// Wraps a raw position.
    pub const fn new(value: u64) -> Self {
        Self(value)
    }
    /// The raw position.
    pub const fn get(self) -> u64 {
        self.0
    }
    /// The position after this one.
    pub fn next(self) -> Self {
        Self(
            self.0
                .checked_add(1)
                .expect("a log never holds 2^64 events"),
        )
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The version of a stream: the number of events in it. The first event of a stream has
/// version 1; a stream that does not exist has no version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StreamVersion(u64);

impl StreamVersion {
    /// The version of a stream's first event.
    pub const FIRST: StreamVersion = StreamVersion(1);

    /// Wraps a raw version; 0 is not a version (a stream without events does not exist).
    pub fn new(value: u64) -> Result<Self, LedgerError> {
        if value == 0 {
            return Err(LedgerError::InvalidAppend(
                "stream versions start at 1; expect `NoStream` for a stream that does not exist"
                    .into(),
            ));
        }
        Ok(Self(value))
    }
    /// The raw version.
    pub const fn get(self) -> u64 {
        self.0
    }
    /// The version after this one.
    pub fn next(self) -> Self {
        Self(
            self.0
                .checked_add(1)
                .expect("a stream never holds 2^64 events"),
        )
    }
}

impl fmt::Display for StreamVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Converts a count stored in a signed database column; a negative one means the row was not
/// written by us.
pub(crate) fn from_db(value: i64, what: &'static str) -> Result<u64, LedgerError> {
    u64::try_from(value).map_err(|_| LedgerError::Corrupt(format!("negative {what}: {value}")))
}

/// Converts a count for a signed database column.
///
/// Positions and versions written never come near 2^63; a larger one can only be a bound asked
/// for by a reader ("from position 2^63"), and the largest column value is the same bound.
pub(crate) fn to_db(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_accept_their_alphabet_and_reject_everything_else() {
        assert!(LogId::parse("dorfhandwerk-eg").is_ok());
        assert!(LogId::parse("Dorf").is_err());
        assert!(LogId::parse("-x").is_err());
        assert!(LogId::parse("").is_err());
        assert!(LogId::parse("a".repeat(65)).is_err());
        assert!(StreamId::parse("member:4711").is_ok());
        assert!(StreamId::parse("member 4711").is_err());
        assert!(StreamId::parse("mitglied-ä").is_err());
        assert!(EventType::parse("MemberAdmitted").is_ok());
        assert!(EventType::parse("1Member").is_err());
        assert!(CommandId::parse("0b6f5e9c-4a57-4d3e-9a41-5c7b2f3a1e00").is_ok());
        assert!(CommandId::parse("a/b").is_err());
        assert!(Actor::parse("member:4711").is_ok());
        assert!(Actor::parse("Max Mustermann").is_err());
    }

    #[test]
    fn a_malformed_id_names_its_kind_and_reason() {
        let err = StreamId::parse("no spaces").expect_err("spaces are not allowed");
        let message = err.to_string();
        assert!(message.contains("stream id"), "{message}");
        assert!(message.contains("'-_.:/@'"), "{message}");
    }

    #[test]
    fn stream_version_zero_is_not_a_version() {
        assert!(StreamVersion::new(0).is_err());
        assert_eq!(StreamVersion::new(1).map(StreamVersion::get).ok(), Some(1));
    }
}
