//! Dates of the law: business years, notice periods, retention and payout deadlines.
//!
//! Periods of months end as § 188 BGB says: on the day of the last month that has the start
//! day's number, or on that month's last day if it has no such day (31 January plus one month
//! is 28 or 29 February). `jiff`'s month arithmetic clamps the same way.

use jiff::ToSpan;
use jiff::civil::Date;

use crate::DomainError;

/// The cooperative's business year (Geschäftsjahr): twelve months from the first day of the
/// statute's first month. With first month 1 it is the calendar year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BusinessYear {
    first_month: i8,
}

impl BusinessYear {
    /// The business year starting in `first_month` (1 to 12).
    pub fn starting_in(first_month: u8) -> Option<Self> {
        (1..=12).contains(&first_month).then(|| Self {
            first_month: i8::try_from(first_month).expect("1 to 12"),
        })
    }

    /// The first day of the business year that contains `day`.
    pub fn start_containing(self, day: Date) -> Date {
        let year = if day.month() >= self.first_month {
            day.year()
        } else {
            day.year() - 1
        };
        Date::new(year, self.first_month, 1).unwrap_or(Date::MIN)
    }

    /// The last day of the business year that contains `day`: the day on which a membership
    /// ends when it ends "to the end of the business year" (G65, G68, § 77 GenG).
    pub fn end_containing(self, day: Date) -> Result<Date, DomainError> {
        self.start_containing(day)
            .checked_add(1.year())
            .and_then(|next| next.checked_sub(1.day()))
            .map_err(|_| out_of_range(day))
    }

    /// G65: the day a resignation declared on `declared_on` takes effect: the end of the first
    /// business year that ends no earlier than the notice period of `notice_months`.
    pub fn resignation_effective(
        self,
        declared_on: Date,
        notice_months: u16,
    ) -> Result<Date, DomainError> {
        let notice_ends = declared_on
            .checked_add(i64::from(notice_months).months())
            .map_err(|_| out_of_range(declared_on))?;
        self.end_containing(notice_ends)
    }
}

/// D1: a fact's day lies within the cooperative's history: not before the day it begins
/// (`begins`, the founding; unknown before it), not after today. The one lower bound of every
/// date a command takes.
pub fn check_day(
    begins: Option<Date>,
    day: Date,
    today: Date,
    field: &str,
) -> Result<(), DomainError> {
    if let Some(begins) = begins
        && day < begins
    {
        return Err(DomainError::rule(
            crate::Rule::D1,
            "date-before-history",
            format!(
                "{day} lies before the cooperative's history in Verbund, which begins on {begins}; facts before it enter only through the founding or the opening state"
            ),
        )
        .at(field));
    }
    if day > today {
        return Err(DomainError::invalid(
            "date-in-future",
            field,
            format!("{day} lies in the future; record facts once they happened"),
        ));
    }
    Ok(())
}

/// G73: the settlement of an exited member is paid out within six months after the exit.
pub fn settlement_due(exit_on: Date) -> Result<Date, DomainError> {
    exit_on
        .checked_add(6.months())
        .map_err(|_| out_of_range(exit_on))
}

/// G30: the member list keeps an exited member's record for three years after the end of the
/// calendar year of the exit; this is the last day it must be kept.
pub fn record_retained_until(exit_on: Date) -> Result<Date, DomainError> {
    Date::new(exit_on.year() + 3, 12, 31).map_err(|_| out_of_range(exit_on))
}

fn out_of_range(day: Date) -> DomainError {
    DomainError::invalid(
        "date-out-of-range",
        "",
        format!("a period from {day} runs beyond the dates this system keeps"),
    )
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    fn year(first_month: u8) -> BusinessYear {
        BusinessYear::starting_in(first_month).expect("a month")
    }

    #[test]
    fn a_business_year_from_january_is_the_calendar_year() {
        assert_eq!(
            year(1).end_containing(date(2027, 5, 3)),
            Ok(date(2027, 12, 31))
        );
        assert_eq!(year(1).start_containing(date(2027, 5, 3)), date(2027, 1, 1));
    }

    #[test]
    fn a_business_year_from_july_ends_in_june() {
        assert_eq!(
            year(7).end_containing(date(2027, 5, 3)),
            Ok(date(2027, 6, 30))
        );
        assert_eq!(
            year(7).end_containing(date(2027, 7, 1)),
            Ok(date(2028, 6, 30))
        );
    }

    /// G65: 3 months' notice to the end of a calendar business year: by 30 September.
    #[test]
    fn g65_three_months_notice_reaches_the_year_end_from_the_end_of_september() {
        let y = year(1);
        assert_eq!(
            y.resignation_effective(date(2027, 9, 30), 3),
            Ok(date(2027, 12, 31))
        );
        assert_eq!(
            y.resignation_effective(date(2027, 10, 1), 3),
            Ok(date(2028, 12, 31))
        );
    }

    /// G65: a business year from March ends on the last day of February, 28 or 29; § 188 BGB
    /// clamps a notice period ending in February to its last day.
    #[test]
    fn g65_notice_across_leap_years_with_a_business_year_from_march() {
        let y = year(3);
        // 2028 is a leap year: the business year ends on 29 February 2028.
        assert_eq!(y.end_containing(date(2027, 3, 1)), Ok(date(2028, 2, 29)));
        assert_eq!(
            y.resignation_effective(date(2027, 11, 29), 3),
            Ok(date(2028, 2, 29))
        );
        // 30 November + 3 months is the last day of February.
        assert_eq!(
            y.resignation_effective(date(2027, 11, 30), 3),
            Ok(date(2028, 2, 29))
        );
        assert_eq!(
            y.resignation_effective(date(2027, 12, 1), 3),
            Ok(date(2029, 2, 28))
        );
        // Not a leap year: the business year ends on 28 February 2027.
        assert_eq!(
            y.resignation_effective(date(2026, 11, 28), 3),
            Ok(date(2027, 2, 28))
        );
        assert_eq!(
            y.resignation_effective(date(2026, 11, 30), 3),
            Ok(date(2027, 2, 28))
        );
    }

    /// G65: a two-year notice in a business year from October.
    #[test]
    fn g65_a_long_notice_period_counts_whole_business_years() {
        let y = year(10);
        assert_eq!(
            y.resignation_effective(date(2026, 6, 30), 24),
            Ok(date(2028, 9, 30))
        );
        assert_eq!(
            y.resignation_effective(date(2026, 7, 1), 24),
            Ok(date(2028, 9, 30))
        );
        assert_eq!(
            y.resignation_effective(date(2026, 7, 1), 27),
            Ok(date(2029, 9, 30))
        );
    }

    /// G73 and G30: six months to pay out; records kept until the end of the third year.
    #[test]
    fn g73_g30_payout_and_retention_deadlines() {
        assert_eq!(settlement_due(date(2027, 12, 31)), Ok(date(2028, 6, 30)));
        assert_eq!(settlement_due(date(2027, 8, 31)), Ok(date(2028, 2, 29)));
        assert_eq!(
            record_retained_until(date(2027, 12, 31)),
            Ok(date(2030, 12, 31))
        );
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (1900i16..2200, 1i8..=12, 1i8..=31).prop_map(|(y, m, d)| {
            Date::new(y, m, d).unwrap_or_else(|_| Date::new(y, m, 28).expect("28 exists"))
        })
    }

    proptest! {
        /// G65: the exit is always the last day of a business year, the notice period is kept,
        /// and it is the earliest such day.
        #[test]
        fn g65_exits_fall_on_the_earliest_business_year_end_after_the_notice(
            first_month in 1u8..=12,
            declared_on in any_date(),
            notice in 3u16..=120,
        ) {
            let y = year(first_month);
            let exit = y.resignation_effective(declared_on, notice).expect("in range");
            let next_day = exit.tomorrow().expect("in range");
            prop_assert_eq!(y.start_containing(next_day), next_day, "the day after the exit starts a business year");
            let notice_ends = declared_on.checked_add(i64::from(notice).months()).expect("in range");
            prop_assert!(exit >= notice_ends, "the notice period is kept");
            let previous_end = y.start_containing(exit).yesterday().expect("in range");
            prop_assert!(previous_end < notice_ends, "no earlier year end would do");
        }
    }
}
