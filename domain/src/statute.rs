//! The statute (Satzung) as code: a TOML file a board can write, validated against the law when
//! it is loaded.
//!
//! ```toml
//! [cooperative]
//! name = "Dorfhandwerk Musterdorf eG"
//! seat = "Musterdorf"
//! object = "Joint purchasing, shared machines and joint marketing for the crafts of the region"
//! business_year_first_month = 1
//! entrepreneurs_cooperative = true
//!
//! [shares]
//! amount = "500.00"
//! paid_in_minimum = "100.00"
//! paid_in_due_days = 30
//! max_per_member = 20
//!
//! [membership]
//! notice_period_months = 12
//!
//! [organs]
//! board_min = 2
//! supervisory_board = true
//! ```
//!
//! Every clause is required: a statute that leaves something to a default would let the
//! software, not the members, decide it. Unknown clauses are refused, so a typo cannot silently
//! drop a rule.

use serde::{Deserialize, Serialize};

use crate::ids::short_text;
use crate::{DomainError, Money, Name, Rule};

/// A validated statute. Obtained from [`Statute::parse_toml`]; the events of the log carry it
/// as recorded at the time, so history reads back without being re-validated against later
/// rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statute {
    cooperative: CooperativeClauses,
    shares: ShareClauses,
    membership: MembershipClauses,
    organs: OrganClauses,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CooperativeClauses {
    name: Name,
    seat: String,
    object: String,
    business_year_first_month: u8,
    entrepreneurs_cooperative: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareClauses {
    amount: Money,
    paid_in_minimum: Money,
    paid_in_due_days: u16,
    max_per_member: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MembershipClauses {
    notice_period_months: u16,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganClauses {
    board_min: u16,
    supervisory_board: bool,
}

/// The most bytes a statute file has: it is stored in an event.
pub const STATUTE_BYTES_MAX: usize = 32 * 1024;

/// Members up to which a board of one and no supervisory board are allowed (G9-24).
pub const SMALL_COOPERATIVE_MEMBERS_MAX: usize = 20;

impl Statute {
    /// Parses and validates a statute file. Errors name the clause (`shares.paid_in_minimum`)
    /// and, where the law sets the limit, the rule.
    pub fn parse_toml(text: &str) -> Result<Self, DomainError> {
        if text.len() > STATUTE_BYTES_MAX {
            return Err(DomainError::invalid(
                "statute-too-large",
                "statute",
                format!(
                    "the statute has {} bytes, at most {STATUTE_BYTES_MAX} are allowed",
                    text.len()
                ),
            ));
        }
        let statute: Statute = toml::from_str(text).map_err(|e| {
            // toml names the line and the key; keep its message, without the echoed source.
            let message = e.message().to_owned();
            let line = e
                .span()
                .map(|span| text[..span.start].matches('\n').count() + 1);
            let message = match line {
                Some(line) => format!("statute line {line}: {message}"),
                None => format!("statute: {message}"),
            };
            DomainError::invalid("statute-malformed", "statute", message)
        })?;
        statute.validate()?;
        Ok(statute)
    }

    fn validate(&self) -> Result<(), DomainError> {
        let c = &self.cooperative;
        for (text, clause, max) in [
            (&c.seat, "cooperative.seat", 200),
            (&c.object, "cooperative.object", 2_000),
        ] {
            short_text(text, max, clause).map_err(|e| e.within(&format!("statute.{clause}")))?;
        }
        if !designates_cooperative(c.name.as_str()) {
            return Err(DomainError::invalid(
                "statute-name-without-eg",
                "statute.cooperative.name",
                format!(
                    "the name {:?} must carry the designation \"eingetragene Genossenschaft\" or \"eG\" (§ 3 GenG)",
                    c.name.as_str()
                ),
            ));
        }
        if !(1..=12).contains(&c.business_year_first_month) {
            return Err(DomainError::invalid(
                "statute-month-malformed",
                "statute.cooperative.business_year_first_month",
                "the business year starts in a month from 1 to 12",
            ));
        }

        let s = &self.shares;
        if !s.amount.is_positive() {
            return Err(DomainError::rule(
                Rule::G7,
                "statute-share-amount-not-positive",
                "the share amount must be above zero",
            )
            .at("statute.shares.amount"));
        }
        // G7: at least one tenth of the share amount is to be paid in. Compared in cents:
        // 10 × minimum ≥ amount, so no division and no rounding.
        let tenth_ok = s
            .paid_in_minimum
            .checked_mul(10)
            .is_some_and(|ten_times| ten_times >= s.amount);
        if !tenth_ok {
            return Err(DomainError::rule(
                Rule::G7,
                "statute-paid-in-below-tenth",
                format!(
                    "the minimum paid-in part {} is below one tenth of the share amount {}",
                    s.paid_in_minimum, s.amount
                ),
            )
            .at("statute.shares.paid_in_minimum"));
        }
        if s.paid_in_minimum > s.amount {
            return Err(DomainError::rule(
                Rule::G7,
                "statute-paid-in-above-amount",
                format!(
                    "the minimum paid-in part {} exceeds the share amount {}",
                    s.paid_in_minimum, s.amount
                ),
            )
            .at("statute.shares.paid_in_minimum"));
        }
        if s.max_per_member == 0 {
            return Err(DomainError::rule(
                Rule::G7a,
                "statute-max-shares-zero",
                "a member must be allowed at least one share",
            )
            .at("statute.shares.max_per_member"));
        }

        // G65: at least 3 months; the statute may lengthen it to 5 years, 10 for entrepreneurs
        // in an entrepreneurs' cooperative.
        let notice = self.membership.notice_period_months;
        let notice_max = if c.entrepreneurs_cooperative { 120 } else { 60 };
        if !(3..=notice_max).contains(&notice) {
            return Err(DomainError::rule(
                Rule::G65,
                "statute-notice-period-out-of-range",
                format!(
                    "a notice period of {notice} months is outside the law's range of 3 to {notice_max} months"
                ),
            )
            .at("statute.membership.notice_period_months"));
        }

        if self.organs.board_min == 0 {
            return Err(DomainError::rule(
                Rule::G9_24,
                "statute-board-empty",
                "the board has at least one person",
            )
            .at("statute.organs.board_min"));
        }
        Ok(())
    }

    /// The cooperative's name as the statute gives it.
    pub fn name(&self) -> &Name {
        &self.cooperative.name
    }
    /// The nominal amount of one share.
    pub fn share_amount(&self) -> Money {
        self.shares.amount
    }
    /// The part of a share to be paid in at least.
    pub fn paid_in_minimum(&self) -> Money {
        self.shares.paid_in_minimum
    }
    /// The most shares one member may hold.
    pub fn max_shares_per_member(&self) -> u32 {
        self.shares.max_per_member
    }
    /// The notice period of a resignation, in months.
    pub fn notice_period_months(&self) -> u16 {
        self.membership.notice_period_months
    }
    /// The smallest board the statute allows (the law's minimum applies on top, G9-24).
    pub fn board_min(&self) -> u16 {
        self.organs.board_min
    }
    /// Whether the statute provides a supervisory board.
    pub fn has_supervisory_board(&self) -> bool {
        self.organs.supervisory_board
    }
    /// The month (1–12) in which the business year starts.
    pub fn business_year_first_month(&self) -> u8 {
        self.cooperative.business_year_first_month
    }
}

fn designates_cooperative(name: &str) -> bool {
    name.split_whitespace()
        .any(|word| word == "eG" || word == "eG.")
        || name.contains("eingetragene Genossenschaft")
}

/// A statute that passes validation; for tests and the demo.
pub const EXAMPLE_STATUTE: &str = r#"[cooperative]
name = "Dorfhandwerk Musterdorf eG"
seat = "Musterdorf"
object = "Joint purchasing, shared machines, a staff pool and joint marketing for the craft businesses of the region"
business_year_first_month = 1
entrepreneurs_cooperative = true

[shares]
amount = "500.00"
paid_in_minimum = "100.00"
paid_in_due_days = 30
max_per_member = 20

[membership]
notice_period_months = 12

[organs]
board_min = 2
supervisory_board = true
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn with(from: &str, to: &str) -> Result<Statute, DomainError> {
        assert!(EXAMPLE_STATUTE.contains(from), "the example has {from:?}");
        Statute::parse_toml(&EXAMPLE_STATUTE.replace(from, to))
    }

    #[test]
    fn the_example_statute_is_valid() {
        let statute = Statute::parse_toml(EXAMPLE_STATUTE).expect("valid");
        assert_eq!(statute.share_amount().to_string(), "500.00");
        assert_eq!(statute.notice_period_months(), 12);
    }

    /// G7: the paid-in part is at least one tenth of the share amount.
    #[test]
    fn g7_a_paid_in_part_below_one_tenth_is_refused() {
        let error = with(
            "paid_in_minimum = \"100.00\"",
            "paid_in_minimum = \"49.99\"",
        )
        .expect_err("below a tenth");
        assert_eq!(error.rule_id(), Some(Rule::G7));
        assert_eq!(error.field(), Some("statute.shares.paid_in_minimum"));
        with(
            "paid_in_minimum = \"100.00\"",
            "paid_in_minimum = \"50.00\"",
        )
        .expect("exactly a tenth is enough");
    }

    /// G65: notice of at least 3 months, at most 5 years (10 in an entrepreneurs' cooperative).
    #[test]
    fn g65_notice_periods_outside_the_law_are_refused() {
        let error =
            with("notice_period_months = 12", "notice_period_months = 2").expect_err("too short");
        assert_eq!(error.rule_id(), Some(Rule::G65));
        with("notice_period_months = 12", "notice_period_months = 120")
            .expect("10 years for entrepreneurs");
        let ordinary = EXAMPLE_STATUTE
            .replace(
                "entrepreneurs_cooperative = true",
                "entrepreneurs_cooperative = false",
            )
            .replace("notice_period_months = 12", "notice_period_months = 61");
        let error = Statute::parse_toml(&ordinary).expect_err("over 5 years");
        assert_eq!(error.rule_id(), Some(Rule::G65));
        assert_eq!(
            error.field(),
            Some("statute.membership.notice_period_months")
        );
    }

    #[test]
    fn unknown_clauses_and_floats_are_refused_with_the_line() {
        let error = with(
            "max_per_member = 20",
            "max_per_member = 20\nmax_per_membr = 3",
        )
        .expect_err("typo");
        assert_eq!(error.code(), "statute-malformed");
        assert!(error.message().contains("line 13"), "{error}");
        assert!(error.message().contains("max_per_membr"), "{error}");
        let error = with("amount = \"500.00\"", "amount = 500.0").expect_err("a float");
        assert!(error.message().contains("as a string"), "{error}");
    }

    #[test]
    fn a_missing_clause_is_refused() {
        let error = with("seat = \"Musterdorf\"\n", "").expect_err("no seat");
        assert!(error.message().contains("seat"), "{error}");
    }

    #[test]
    fn the_name_must_say_eg() {
        let error = with("Dorfhandwerk Musterdorf eG", "Dorfhandwerk Musterdorf GmbH")
            .expect_err("not a cooperative");
        assert_eq!(error.code(), "statute-name-without-eg");
    }
}
