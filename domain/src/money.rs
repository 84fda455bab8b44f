//! Amounts of euros: exact decimals with at most two places, never floats.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::DomainError;

/// An amount of euros with at most two decimal places (cents), possibly negative.
///
/// Constructed only by [`Money::parse`] or from whole cents, so a value that exists has no
/// fraction of a cent. Arithmetic is checked: an overflow is an error, never a wrap or a
/// rounding. On the wire and in events it is a string with exactly two places, `"500.00"`,
/// because a JSON number would invite floats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

impl Default for Money {
    fn default() -> Self {
        Money::ZERO
    }
}

/// The largest amount a `Money` holds in either direction: a trillion euros. Far beyond any
/// cooperative, and small enough that sums of many amounts cannot overflow a `Decimal`.
const LIMIT_CENTS: i64 = 100_000_000_000_000;

impl Money {
    /// Zero euros, with two places like every amount.
    pub const ZERO: Money = Money(Decimal::from_parts(0, 0, 0, false, 2));

    /// Parses `"500"`, `"500.5"`, `"500.50"` or `"-3.20"`. More than two decimal places, an
    /// exponent, spaces, or a thousands separator are errors, not roundings.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let invalid = |why: &str| {
            DomainError::invalid(
                "money-malformed",
                "",
                format!("{text:?} is not an amount of euros: {why}"),
            )
        };
        let digits = text.strip_prefix('-').unwrap_or(text);
        let (whole, cents) = match digits.split_once('.') {
            Some((whole, cents)) => (whole, Some(cents)),
            None => (digits, None),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                "write digits with an optional '.' and at most two decimal places, e.g. \"500.00\"",
            ));
        }
        if let Some(cents) = cents {
            if cents.is_empty() || !cents.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("the decimal places must be digits"));
            }
            if cents.len() > 2 {
                return Err(invalid(
                    "it has more than two decimal places; amounts are never rounded",
                ));
            }
        }
        let value = Decimal::from_str(text).map_err(|_| invalid("it is out of range"))?;
        Self::from_decimal(value).ok_or_else(|| invalid("it is out of range"))
    }

    /// An amount of whole cents.
    pub fn from_cents(cents: i64) -> Option<Self> {
        // `unsigned_abs`: the absolute value of `i64::MIN` does not fit an `i64`.
        (cents.unsigned_abs() <= LIMIT_CENTS.unsigned_abs()).then(|| Money(Decimal::new(cents, 2)))
    }

    fn from_decimal(value: Decimal) -> Option<Self> {
        let mut value = value.normalize();
        if value.scale() > 2 {
            return None;
        }
        value.rescale(2);
        let cents = value.mantissa();
        (cents.abs() <= i128::from(LIMIT_CENTS)).then_some(Money(value))
    }

    /// The amount in cents.
    pub fn cents(self) -> i64 {
        i64::try_from(self.0.mantissa()).expect("a Money is within LIMIT_CENTS, which fits i64")
    }

    /// The amount as a decimal with two places.
    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    /// The sum, or `None` beyond the limit.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        Self::from_decimal(self.0.checked_add(other.0)?)
    }

    /// The difference, or `None` beyond the limit.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        Self::from_decimal(self.0.checked_sub(other.0)?)
    }

    /// The amount times a count, or `None` beyond the limit.
    pub fn checked_mul(self, count: u32) -> Option<Money> {
        Self::from_decimal(self.0.checked_mul(Decimal::from(count))?)
    }

    /// How many times `per` (positive) fits into this amount, rounded up; 0 for amounts of
    /// zero or less. In whole cents, so exact.
    pub fn div_ceil(self, per: Money) -> u32 {
        if !self.is_positive() || !per.is_positive() {
            return 0;
        }
        let (amount, per) = (self.cents().unsigned_abs(), per.cents().unsigned_abs());
        let times = amount.div_ceil(per);
        u32::try_from(times).unwrap_or(u32::MAX)
    }

    /// True for amounts above zero.
    pub fn is_positive(self) -> bool {
        self.0 > Decimal::ZERO
    }
}

/// The other direction of an amount: always in range, since the range is symmetric.
impl std::ops::Neg for Money {
    type Output = Money;

    fn neg(self) -> Money {
        Money(-self.0)
    }
}

/// The one written form of an amount, in events and answers alike: an optional minus, the
/// euros, a point and exactly two digits of cents — `"0.00"`, never `"0"` or `"-0.00"`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cents = self.cents();
        let sign = if cents < 0 { "-" } else { "" };
        let cents = cents.unsigned_abs();
        write!(f, "{sign}{}.{:02}", cents / 100, cents % 100)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::ids::deserialize_text(
            deserializer,
            "an amount of euros as a string, e.g. \"500.00\"",
            Money::parse,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every amount is written one way, with two places: zero too, however it was made.
    #[test]
    fn zero_is_written_with_two_places() {
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(Money::default().to_string(), "0.00");
        assert_eq!((-Money::ZERO).to_string(), "0.00");
        let sum = Money::parse("1.50")
            .expect("valid")
            .checked_sub(Money::parse("1.5").expect("valid"))
            .expect("in range");
        assert_eq!(sum.to_string(), "0.00");
        assert_eq!(
            serde_json::to_string(&Money::ZERO).expect("serializes"),
            "\"0.00\""
        );
    }

    #[test]
    fn amounts_keep_two_places() {
        assert_eq!(Money::parse("500").expect("valid").to_string(), "500.00");
        assert_eq!(Money::parse("0.5").expect("valid").to_string(), "0.50");
        assert_eq!(Money::parse("-3.20").expect("valid").cents(), -320);
    }

    /// Whole cents beyond the range are refused at both ends, the most negative `i64` too.
    #[test]
    fn cents_beyond_the_range_are_refused() {
        for cents in [LIMIT_CENTS + 1, -LIMIT_CENTS - 1, i64::MAX, i64::MIN] {
            assert_eq!(Money::from_cents(cents), None, "{cents}");
        }
        for cents in [LIMIT_CENTS, -LIMIT_CENTS, 0] {
            assert_eq!(Money::from_cents(cents).map(Money::cents), Some(cents));
        }
    }

    proptest! {
        /// Negation stays in range and is exact: the range is symmetric.
        #[test]
        fn negation_is_exact(cents in -LIMIT_CENTS..=LIMIT_CENTS) {
            let money = Money::from_cents(cents).expect("in range");
            prop_assert_eq!((-money).cents(), -cents);
            prop_assert_eq!(-(-money), money);
        }
    }

    #[test]
    fn a_third_decimal_place_is_an_error_not_a_rounding() {
        let error = Money::parse("10.005").expect_err("three places");
        assert_eq!(error.code(), "money-malformed");
        assert!(error.message().contains("never rounded"), "{error}");
    }

    #[test]
    fn exponents_separators_and_blanks_are_refused() {
        for text in [
            "1e3", "1,000.00", " 5", "5 ", "", ".5", "5.", "+5", "--5", "0x10",
        ] {
            assert!(Money::parse(text).is_err(), "{text:?} was accepted");
        }
    }

    #[test]
    fn json_numbers_are_refused_because_they_invite_floats() {
        assert!(serde_json::from_str::<Money>("12.5").is_err());
        assert_eq!(
            serde_json::from_str::<Money>("\"12.5\"").expect("string"),
            Money::from_cents(1250).expect("in range")
        );
    }

    #[test]
    fn amounts_beyond_the_limit_are_refused() {
        assert!(Money::parse("1000000000001").is_err());
        let max = Money::from_cents(LIMIT_CENTS).expect("the limit itself");
        assert_eq!(max.checked_add(Money::from_cents(1).expect("a cent")), None);
    }

    proptest! {
        /// Every amount survives printing and parsing unchanged, and arithmetic is exact.
        #[test]
        fn printing_and_parsing_round_trip(a in -LIMIT_CENTS..=LIMIT_CENTS, b in -LIMIT_CENTS..=LIMIT_CENTS) {
            let x = Money::from_cents(a).expect("in range");
            prop_assert_eq!(Money::parse(&x.to_string()).expect("printed amounts parse"), x);
            let printed = x.to_string();
            prop_assert!(
                printed.split_once('.').is_some_and(|(_, cents)| cents.len() == 2),
                "{} has two places", printed
            );
            let sum = x.checked_add(Money::from_cents(b).expect("in range"));
            let exact = a.checked_add(b).filter(|s| s.abs() <= LIMIT_CENTS);
            prop_assert_eq!(sum.map(Money::cents), exact);
        }
    }
}
