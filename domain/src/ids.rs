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

/// Read back as recorded: a name in an event or a personal record stays what was decided
/// then, even where today's rules for new names would refuse it — history is read, not
/// validated again. New names come through [`Name::parse`].
impl TryFrom<String> for Name {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        if text.is_empty() {
            return Err("a name is not empty".to_owned());
        }
        Ok(Name(text))
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

/// Characters that change how a text shows without showing themselves: zero-width spaces and
/// joiners, the soft hyphen, the bidirectional controls (a right-to-left override makes
/// "Huber GmbH" read as something else), the byte order mark, invisible operators and tags —
/// the format characters (Unicode category Cf) a name, an address or a title has no use for.
fn invisible_or_bidi(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// Validates a one-line text a person reads — a name, an address, a trade, a title, the text
/// of a motion or an entry — and returns it as stored: NFC-normalized (so one text has one
/// form, whatever keyboard typed it) and trimmed. It must not be empty, must hold a letter or
/// a digit, at most `chars_max` characters, and no control, invisible or bidirectional
/// control characters. `what` names it in the error.
pub(crate) fn short_text(text: &str, chars_max: usize, what: &str) -> Result<String, DomainError> {
    use unicode_normalization::UnicodeNormalization as _;
    let normalized: String = text.nfc().collect();
    let trimmed = normalized.trim();
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
    if trimmed.chars().any(invisible_or_bidi) {
        return Err(DomainError::invalid(
            "text-invisible-character",
            "",
            format!(
                "the {what} holds an invisible or direction-changing character (a zero-width space, a right-to-left override, …); write it as it is read"
            ),
        ));
    }
    if !trimmed.chars().any(char::is_alphanumeric) {
        return Err(DomainError::invalid(
            "text-without-letters",
            "",
            format!("the {what} needs at least one letter or digit"),
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

    /// Issue 23, point 9: a name of zero-width spaces, one with a right-to-left override or
    /// without a letter or digit is refused; a name is stored NFC-normalized.
    #[test]
    fn a_text_needs_a_letter_shows_what_it_says_and_has_one_form() {
        for (text, code) in [
            ("\u{200B}\u{200B}\u{200B}", "text-invisible-character"),
            ("Huber\u{202E}HbmG", "text-invisible-character"),
            ("Huber\u{200F} GmbH", "text-invisible-character"),
            ("Wolf\u{00AD}gang", "text-invisible-character"),
            ("---", "text-without-letters"),
            ("\u{FEFF}", "text-invisible-character"),
        ] {
            assert_eq!(Name::parse(text).expect_err(text).code(), code, "{text:?}");
        }
        // "Müller" typed with a combining diaeresis is stored as the one-character ü.
        let decomposed = "Mu\u{0308}ller";
        assert_eq!(Name::parse(decomposed).expect("valid").as_str(), "Müller");
        assert_eq!(
            Name::parse("Bäckerei 3").expect("valid").as_str(),
            "Bäckerei 3"
        );
        assert_eq!(
            Name::parse("Ørsted & Søn ApS").expect("valid").as_str(),
            "Ørsted & Søn ApS"
        );
        // A name recorded before these rules reads back as recorded.
        let recorded: Name = serde_json::from_str("\"\u{200B}old\"").expect("as recorded");
        assert_eq!(recorded.as_str(), "\u{200B}old");
    }

    #[test]
    fn member_numbers_start_at_one() {
        assert!(MemberNo::parse("0").is_err());
        assert!(MemberNo::parse("-1").is_err());
        assert_eq!(MemberNo::parse("7").expect("valid").get(), 7);
        assert_eq!(MemberNo::FIRST.next().get(), 2);
    }
}
