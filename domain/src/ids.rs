//! Identifiers and validated texts of the domain.

use std::fmt;
use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// Deserializes a value written as text with its own `parse`, straight from the borrowed text
/// (no copy); `expecting` says what the text must be, and a refusal carries `parse`'s message.
pub(crate) fn deserialize_text<'de, D, T>(
    deserializer: D,
    expecting: &'static str,
    parse: fn(&str) -> Result<T, DomainError>,
) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Text<T> {
        expecting: &'static str,
        parse: fn(&str) -> Result<T, DomainError>,
    }
    impl<T> serde::de::Visitor<'_> for Text<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
            (self.parse)(text).map_err(|e| E::custom(e.message()))
        }
    }
    deserializer.deserialize_str(Text { expecting, parse })
}

/// A member's number in the member list (Mitgliedsnummer): 1, 2, 3, … in order of admission,
/// never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MemberNo(NonZeroU32);

impl MemberNo {
    /// The first member's number.
    pub const FIRST: MemberNo = MemberNo(NonZeroU32::MIN);

    /// Wraps a number; 0 is not a member number.
    pub fn new(no: u32) -> Option<Self> {
        NonZeroU32::new(no).map(MemberNo)
    }

    /// The raw number.
    pub fn get(self) -> u32 {
        self.0.get()
    }

    /// The number after this one.
    pub fn next(self) -> MemberNo {
        MemberNo(self.0.checked_add(1).expect("fewer than 4 billion members"))
    }

    /// Parses the decimal number, as in a URL path.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        text.parse::<u32>()
            .ok()
            .and_then(MemberNo::new)
            .ok_or_else(|| {
                DomainError::invalid(
                    "member-no-malformed",
                    "member",
                    format!("{text:?} is not a member number (1, 2, 3, …)"),
                )
            })
    }
}

impl fmt::Display for MemberNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A name of a person, firm or cooperative: trimmed, not empty, at most 200 characters, no
/// control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    /// The most characters a name has.
    pub const CHARS_MAX: usize = 200;

    /// Validates a name.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Ok(Name(short_text(text, Self::CHARS_MAX, "name")?))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Name {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Name::parse(&text).map_err(|e| e.message().to_owned())
    }
}

impl From<Name> for String {
    fn from(name: Name) -> String {
        name.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An id of 1 to `$max` lowercase letters and digits: a newtype with `parse`, serde as a string
/// and `Display`.
macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, $code:literal, $what:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates the id: 1 to the maximum lowercase letters and digits.
            pub fn parse(text: &str) -> Result<Self, $crate::DomainError> {
                let ok = !text.is_empty()
                    && text.len() <= $max
                    && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
                if ok {
                    Ok(Self(text.to_owned()))
                } else {
                    Err($crate::DomainError::invalid(
                        $code,
                        $what,
                        concat!("an id of 1 to ", stringify!($max), " lowercase letters and digits"),
                    ))
                }
            }
            /// The id.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(text: String) -> Result<Self, String> {
                Self::parse(&text).map_err(|e| e.message().to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use text_id;

/// Validates a one-line text: trimmed, not empty, at most `chars_max` characters, no control
/// characters. `what` names it in the error.
pub(crate) fn short_text(text: &str, chars_max: usize, what: &str) -> Result<String, DomainError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(DomainError::invalid(
            "text-empty",
            "",
            format!("the {what} must not be empty"),
        ));
    }
    let count = trimmed.chars().count();
    if count > chars_max {
        return Err(DomainError::invalid(
            "text-too-long",
            "",
            format!("the {what} has {count} characters, at most {chars_max} are allowed"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "text-control-character",
            "",
            format!("the {what} must be one line without control characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            Name::parse("  Schreinerei Huber  ")
                .expect("valid")
                .as_str(),
            "Schreinerei Huber"
        );
        assert_eq!(Name::parse(" ").expect_err("blank").code(), "text-empty");
        assert_eq!(
            Name::parse(&"x".repeat(201)).expect_err("long").code(),
            "text-too-long"
        );
        assert_eq!(
            Name::parse("a\nb").expect_err("two lines").code(),
            "text-control-character"
        );
    }

    #[test]
    fn member_numbers_start_at_one() {
        assert!(MemberNo::parse("0").is_err());
        assert!(MemberNo::parse("-1").is_err());
        assert_eq!(MemberNo::parse("7").expect("valid").get(), 7);
        assert_eq!(MemberNo::FIRST.next().get(), 2);
    }
}
