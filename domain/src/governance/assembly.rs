//! Convening a general assembly: its form (G43b), the notice (G46) and a minority's demand
//! (G45).

use jiff::ToSpan;
use jiff::civil::Date;

use crate::statute::AssemblyForm;
use crate::{DomainError, Rule, Statute};

/// The shortest notice of an assembly, in days (G46: two weeks).
pub const NOTICE_DAYS_MIN: i64 = 14;
/// The shortest notice of an agenda item that is to be resolved, in days (G46: one week).
pub const ITEM_NOTICE_DAYS_MIN: i64 = 7;
/// The share of the members whose demand forces an assembly or an item (G45), unless the
/// statute asks fewer.
pub const MINORITY_PERCENT: u8 = 10;

/// Checks convening an assembly of `form` on `held_on`, convened on `convened_on` (G43b, G46).
pub fn check_convening(
    statute: &Statute,
    form: AssemblyForm,
    convened_on: Date,
    held_on: Date,
) -> Result<(), DomainError> {
    if !statute.assembly_forms().contains(&form) {
        return Err(DomainError::rule(
            Rule::G43b,
            "assembly-form-not-in-statute",
            format!(
                "the statute provides no {} assembly",
                serde_json::to_value(form)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
        )
        .at("form"));
    }
    let earliest = convened_on
        .checked_add(NOTICE_DAYS_MIN.days())
        .map_err(|_| DomainError::invalid("date-out-of-range", "held_on", "beyond the calendar"))?;
    if held_on < earliest {
        return Err(DomainError::rule(
            Rule::G46,
            "notice-too-short",
            format!(
                "an assembly is convened at least two weeks ahead: convened on {convened_on}, it is held on {earliest} at the earliest"
            ),
        )
        .at("held_on"));
    }
    Ok(())
}

/// May an item announced on `announced_on` be resolved at an assembly on `held_on` (G46)?
pub fn may_resolve(announced_on: Date, held_on: Date) -> bool {
    announced_on
        .checked_add(ITEM_NOTICE_DAYS_MIN.days())
        .is_ok_and(|earliest| earliest <= held_on)
}

/// Does a demand by `demanders` of `members` members force an assembly or an item (G45)?
/// Exactly: at least the percentage, in integers.
pub fn demand_forces(demanders: usize, members: usize, percent: u8) -> bool {
    members > 0
        && demanders as u128 * 100 >= members as u128 * u128::from(percent.min(MINORITY_PERCENT))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::statute::EXAMPLE_STATUTE;

    fn statute() -> Statute {
        Statute::parse_toml(EXAMPLE_STATUTE).expect("valid")
    }

    /// G46: two weeks' notice; an item announced less than a week ahead cannot be resolved.
    #[test]
    fn g46_an_assembly_needs_two_weeks_notice_and_an_item_one_week() {
        let convened = date(2027, 3, 1);
        check_convening(
            &statute(),
            AssemblyForm::InPerson,
            convened,
            date(2027, 3, 15),
        )
        .expect("exactly two weeks");
        let error = check_convening(
            &statute(),
            AssemblyForm::InPerson,
            convened,
            date(2027, 3, 14),
        )
        .expect_err("a day short");
        assert_eq!(
            (error.rule_id(), error.code()),
            (Some(Rule::G46), "notice-too-short")
        );
        assert!(may_resolve(date(2027, 3, 8), date(2027, 3, 15)));
        assert!(!may_resolve(date(2027, 3, 9), date(2027, 3, 15)));
    }

    /// G43b: only the forms the statute provides.
    #[test]
    fn g43b_only_the_forms_the_statute_provides() {
        let error = check_convening(
            &statute(),
            AssemblyForm::Virtual,
            date(2027, 3, 1),
            date(2027, 4, 1),
        )
        .expect_err("the example provides in-person and hybrid");
        assert_eq!(error.rule_id(), Some(Rule::G43b));
    }

    /// G45: a tenth of the members force an assembly; the statute may ask fewer, never more.
    #[test]
    fn g45_a_tenth_of_the_members_force_an_assembly() {
        assert!(demand_forces(10, 100, 10));
        assert!(!demand_forces(9, 100, 10));
        assert!(demand_forces(5, 100, 5));
        assert!(!demand_forces(10, 101, 10));
        assert!(
            demand_forces(10, 100, 20),
            "a statute cannot ask more than the law"
        );
        assert!(!demand_forces(0, 0, 10));
    }
}
