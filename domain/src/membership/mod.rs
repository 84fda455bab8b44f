//! Membership: applications, admission and rejection, shares and payments, and the ways out —
//! resignation, exclusion, death, transfer of the paid-in capital — with the settlement after
//! the exit.
//!
//! Two aggregates, each one stream: an [`Application`] (`application-ID`), from the declaration
//! to its admission or rejection, and a [`Member`] (`member-N`), from the admission to the
//! settlement. Admitting writes both at once, so an application is admitted at most once and a
//! member number is taken at most once.
//!
//! Dates are those of the facts (the day a declaration was made, a notice dispatched, a payment
//! received); a command names them, and the day it is decided (`today`), so that nothing is
//! recorded for the future. A membership lasts from the day of admission to the end of the day
//! of exit; the exit's day is fixed when the way out is recorded.

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::RecordId;
use crate::ids::short_text;
use crate::{
    ApplicationId, Change, Cooperative, DomainError, Event, MemberNo, Money, Office, Organ,
    PersonalRef, Rule, Statute, Stream, record_retained_until, settlement_due,
};

/// What kind of member someone is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum MemberKind {
    /// A natural person.
    NaturalPerson,
    /// A firm (a craft business, a small enterprise).
    Firm {
        /// The trade, e.g. "Schreinerei" (joinery).
        trade: String,
        /// The region it works in.
        region: String,
        /// People employed, the firm's size.
        employees: u32,
    },
    /// An investing member, who does not use the cooperative's services (G8-2).
    Investing,
}

impl MemberKind {
    /// The kind as stored: a firm's trade and region checked as texts a person reads (one
    /// line each, at most 100 characters) and normalized.
    pub fn validated(self) -> Result<Self, DomainError> {
        Ok(match self {
            MemberKind::Firm {
                trade,
                region,
                employees,
            } => MemberKind::Firm {
                trade: short_text(&trade, 100, "trade").map_err(|e| e.within("kind.trade"))?,
                region: short_text(&region, 100, "region").map_err(|e| e.within("kind.region"))?,
                employees,
            },
            other => other,
        })
    }

    /// A firm's employees.
    pub fn employees(&self) -> Option<u32> {
        match self {
            MemberKind::Firm { employees, .. } => Some(*employees),
            _ => None,
        }
    }

    /// True for an investing member.
    pub fn is_investing(&self) -> bool {
        matches!(self, MemberKind::Investing)
    }

    /// True for an entrepreneur (§ 14 BGB): a firm, whatever its legal form. What makes a
    /// cooperative an entrepreneurs' one (G43-3, G65).
    pub fn is_entrepreneur(&self) -> bool {
        matches!(self, MemberKind::Firm { .. })
    }
}

/// What the declaration of membership acknowledges (G15a). The duty to pay for the subscribed
/// shares always; additional contributions and a notice period over one year where the statute
/// has them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgements {
    /// The duty to pay in the subscribed shares.
    pub pays_for_shares: bool,
    /// The duty to make additional contributions (Nachschüsse) in an insolvency.
    #[serde(default)]
    pub additional_contributions: bool,
    /// A notice period of more than one year.
    #[serde(default)]
    pub notice_period: bool,
}

mod application;
mod commands;
mod decisions;
mod events;
mod member;
mod representation;

pub use application::*;
pub use commands::*;
pub use decisions::*;
pub use events::*;
pub use member::*;
pub use representation::*;

/// G7a: the mandatory holding of a member of `kind`.
pub fn mandatory_shares(statute: &Statute, kind: &MemberKind, usage: Option<Money>) -> u32 {
    statute.mandatory_shares(kind.employees(), usage)
}

pub(crate) fn check_shares(
    statute: &Statute,
    shares: u32,
    mandatory: u32,
) -> Result<(), DomainError> {
    if shares == 0 || shares > statute.max_shares_per_member() {
        return Err(DomainError::rule(
            Rule::G7a,
            "shares-out-of-range",
            format!(
                "a member subscribes 1 to {} shares under the statute, not {shares}",
                statute.max_shares_per_member()
            ),
        )
        .at("shares"));
    }
    if shares < mandatory {
        return Err(DomainError::rule(
            Rule::G7a,
            "shares-below-mandatory-holding",
            format!("the statute's mandatory holding asks {mandatory} shares of this member, not {shares}"),
        )
        .at("shares"));
    }
    Ok(())
}

/// The minimum paid-in part of `shares` new shares and the day it is due (G7).
pub(crate) fn minimum_due(
    statute: &Statute,
    shares: u32,
    from: Date,
) -> Result<(Money, Date), DomainError> {
    let due = statute
        .paid_in_minimum()
        .checked_mul(shares)
        .ok_or_else(overflow)?;
    let due_on = from
        .checked_add(i64::from(statute.paid_in_due_days()).days())
        .map_err(|_| {
            DomainError::invalid("date-out-of-range", "", "the due date is out of range")
        })?;
    Ok((due, due_on))
}

fn founded(coop: &Cooperative) -> Result<&Statute, DomainError> {
    coop.statute().ok_or_else(|| {
        DomainError::not_found("coop-not-found", "the cooperative has not been founded")
    })
}

fn check_organ(statute: &Statute, by: Organ) -> Result<(), DomainError> {
    if by == statute.admission_by() {
        Ok(())
    } else {
        Err(DomainError::rule(
            Rule::G15,
            "admission-by-wrong-organ",
            format!(
                "the statute leaves admissions to the {}, not the {}",
                statute.admission_by().as_str().replace('-', " "),
                by.as_str().replace('-', " ")
            ),
        )
        .at("by"))
    }
}

fn overflow() -> DomainError {
    DomainError::invalid("amount-out-of-range", "", "the amount is out of range")
}

#[cfg(test)]
mod tests;
