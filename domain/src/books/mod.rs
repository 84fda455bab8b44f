//! The books: double-entry accounting from events (A1, G19, G21b, G22, G33, G73).
//!
//! Every money event of the log maps, by one pure function ([`bookings`]), to bookings whose
//! lines sum to zero; the books are a fold of them, so they balance by construction. The
//! treasurer's own records (payments, levies, manual entries, reversals, the closing of a
//! year, the use of a profit, member loans) are events of the `books` stream, decided by the
//! [`Books`] aggregate.
//!
//! # Layout
//! - `accounts`: [`AccountCode`], [`AccountRef`], [`Chart`] and its default accounts.
//! - `allocation`: [`allocate`], the largest-remainder split.
//! - `events`: the books' events, [`Line`], [`Booking`] and [`bookings`].

mod accounts;
mod allocation;
mod events;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use accounts::{
    Account, AccountCode, AccountKind, AccountRef, AssetId, Chart, Per, Sub, codes,
    default_accounts,
};
pub use allocation::allocate;
pub use events::{
    AccountOpened, BOOKS_VOLUME_MAX_CENTS, Booking, Context, Direction, EntryId, EntryReversed,
    FiscalYearClosed, JournalEntryPosted, LevyCharged, LevyContinued, LevyKey, LevyPart, Line,
    LoanId, LossAlarmRaised, MemberLoanGranted, MemberLoanRepaid, Narration, PaymentRecorded,
    ProfitDistributed, ProfitKey, ProfitPart, bookings, check_volume, debits, moves_money,
};

use crate::governance::MotionId;
use crate::ids::short_text;
use crate::{Change, DomainError, Event, MemberNo, Money, Rule, Statute, Stream};

/// The most lines of a manual entry: one event of the log holds it (a line takes up to about
/// 70 bytes of the 64 KiB an event may take).
pub const ENTRY_LINES_MAX: usize = 500;
/// The most members one levy is charged to: the largest cooperatives of the region and more.
/// Its parts go into one commit, all or nothing, [`LEVY_PARTS_PER_EVENT`] to an event.
pub const LEVY_PARTS_MAX: usize = 50_000;
/// The parts of a levy one event holds (about 50 bytes each, within the 64 KiB of an event):
/// the first go into `LevyCharged`, the rest into `LevyContinued` events of the same commit.
pub const LEVY_PARTS_PER_EVENT: usize = 1_000;
/// G21b: the most a member who is not an entrepreneur may lend.
pub const LOAN_PER_PERSON_MAX_CENTS: i64 = 2_500_000;
/// G21b: the most all member loans to one project may come to.
pub const LOAN_PER_PROJECT_MAX_CENTS: i64 = 250_000_000;

/// An entry the treasurer made, as the books keep it for a reversal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Its value date.
    pub booked_on: Date,
    /// Its lines.
    pub lines: Vec<Line>,
    /// The entry that reversed it.
    pub reversed_by: Option<EntryId>,
    /// True for a reversal (which is not reversed in turn: post the entry anew).
    pub is_reversal: bool,
    /// How many of the lines each of its events booked, where there were several (a levy
    /// over many members): each balances, and is reversed by an event of its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<usize>,
}

impl Entry {
    /// The lines in the groups its events booked: each balances.
    fn groups(&self) -> Vec<&[Line]> {
        if self.events.is_empty() {
            return vec![&self.lines];
        }
        let mut rest = self.lines.as_slice();
        let mut groups = Vec::with_capacity(self.events.len());
        for &count in &self.events {
            let (group, after) = rest.split_at(count.min(rest.len()));
            groups.push(group);
            rest = after;
        }
        groups
    }
}

/// A closed business year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedYear {
    /// Its first day.
    pub first_day: Date,
    /// Its result: a profit positive.
    pub result: Money,
    /// True once the use of its profit was booked (G19).
    pub distributed: bool,
}

/// A member loan (G21b).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loan {
    /// The lender.
    pub lender: MemberNo,
    /// The investment it is bound to.
    pub project: MotionId,
    /// The amount lent.
    pub amount: Money,
    /// The amount repaid.
    pub repaid: Money,
}

impl Books {
    /// True if the treasurer's entry `id` can be reversed: it exists, is no reversal itself,
    /// and was not reversed before (A1).
    pub fn is_reversible(&self, id: &EntryId) -> bool {
        self.entries
            .get(id)
            .is_some_and(|e| !e.is_reversal && e.reversed_by.is_none())
    }

    /// The member loans taken (G21b), each with what was lent and repaid.
    pub fn loans(&self) -> impl Iterator<Item = (&LoanId, &Loan)> {
        self.loans.iter()
    }
}

impl Loan {
    /// What is still owed.
    pub fn outstanding(&self) -> Money {
        self.amount.checked_sub(self.repaid).unwrap_or(Money::ZERO)
    }
}

/// The books' own state, folded from the `books` stream: the chart, the entries the treasurer
/// made, the closed years and the member loans.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Books {
    /// The first day of the cooperative's history (D1), from its founding: whoever folds the
    /// books hands them the founding, as they hand them nothing else of the `coop` stream.
    #[serde(default)]
    begins_on: Option<Date>,
    chart: Chart,
    entries: BTreeMap<EntryId, Entry>,
    /// By their last day.
    closed: BTreeMap<Date, ClosedYear>,
    loans: BTreeMap<LoanId, Loan>,
}

/// What a command tells the books about a member: whether they are a member on the day, and
/// their kind and size for the keys and caps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberFacts {
    /// The member.
    pub member: MemberNo,
    /// True if a member with rights on the day (a levy, a profit share).
    pub has_rights: bool,
    /// Shares held.
    pub shares: u32,
    /// People employed (a natural person or an investing member counts one).
    pub employees: u32,
    /// True for a firm (an entrepreneur, G21b).
    pub entrepreneur: bool,
}

/// Record a payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordPayment {
    /// The new entry's id.
    pub entry: EntryId,
    /// In or out.
    pub direction: Direction,
    /// The amount, positive.
    pub amount: Money,
    /// The bank (default) or the cash box.
    pub via: AccountRef,
    /// The other account.
    pub account: AccountRef,
    /// The value date.
    pub booked_on: Date,
    /// What for.
    pub text: String,
    /// The bank reference or receipt.
    pub reference: String,
    /// Today.
    pub today: Date,
}

/// Charge a levy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChargeLevy {
    /// The new entry's id.
    pub entry: EntryId,
    /// What it pays for.
    pub purpose: String,
    /// The key.
    pub key: LevyKey,
    /// The whole amount.
    pub total: Money,
    /// The income account (default 4200).
    pub account: AccountRef,
    /// The day it is charged.
    pub booked_on: Date,
    /// The day it is due.
    pub due_on: Date,
    /// Each member's usage, for the usage key.
    pub usage: BTreeMap<MemberNo, u64>,
    /// Today.
    pub today: Date,
}

/// Post a manual entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostEntry {
    /// The new entry's id.
    pub entry: EntryId,
    /// The value date.
    pub booked_on: Date,
    /// What it records.
    pub text: String,
    /// The receipt.
    pub receipt: String,
    /// The lines.
    pub lines: Vec<Line>,
    /// Today.
    pub today: Date,
}

/// Reverse an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reverse {
    /// The reversing entry's id.
    pub entry: EntryId,
    /// The entry to reverse.
    pub reverses: EntryId,
    /// The value date of the reversal.
    pub booked_on: Date,
    /// Why.
    pub reason: String,
    /// Today.
    pub today: Date,
}

/// Close a business year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseYear {
    /// The closing entry's id.
    pub entry: EntryId,
    /// The year's last day.
    pub last_day: Date,
    /// Every account's balance at the year's last day, for the G33 alarm (the members'
    /// capital and the reserves). The year's income and expenses the books take from their
    /// own entries.
    pub balances: BTreeMap<AccountRef, Money>,
    /// Today.
    pub today: Date,
}

/// Distribute a closed year's profit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistributeProfit {
    /// The entry's id.
    pub entry: EntryId,
    /// The year's last day.
    pub year_last_day: Date,
    /// The assembly's resolution.
    pub motion: MotionId,
    /// True if that resolution is an adopted use of profit.
    pub motion_adopted: bool,
    /// To the legal reserve.
    pub legal_reserve: Money,
    /// To other reserves.
    pub other_reserves: Money,
    /// Left for the next year.
    pub carried_forward: Money,
    /// The members, with their facts on the distribution day.
    pub members: Vec<MemberFacts>,
    /// Each member's capital (2000) at the end of the previous year; `None` in the first year.
    pub capital_before: Option<BTreeMap<MemberNo, Money>>,
    /// Each member's capital at the end of the distributed year.
    pub capital_at_end: BTreeMap<MemberNo, Money>,
    /// What each member still owes on their shares now (1410).
    pub unpaid: BTreeMap<MemberNo, Money>,
    /// The value date.
    pub booked_on: Date,
    /// Today.
    pub today: Date,
}

/// Grant a member loan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantLoan {
    /// The loan's id.
    pub loan: LoanId,
    /// The lender.
    pub lender: MemberFacts,
    /// The approved investment.
    pub project: MotionId,
    /// True if that investment was approved.
    pub project_approved: bool,
    /// The shared asset it finances, if it has a sub-account.
    pub asset: Option<AssetId>,
    /// The amount.
    pub amount: Money,
    /// The interest in percent.
    pub interest_percent: Decimal,
    /// The day the money arrived.
    pub received_on: Date,
    /// Today.
    pub today: Date,
}

fn positive(amount: Money, field: &str) -> Result<(), DomainError> {
    if amount.is_positive() {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "amount-not-positive",
            field,
            format!("the amount must be above zero, not {amount}"),
        ))
    }
}

fn text(value: &str, max: usize, field: &str) -> Result<String, DomainError> {
    short_text(value, max, field).map_err(|e| e.at(field))
}

impl Books {
    /// Folds one event of the `books` stream in.
    pub fn apply(&mut self, event: &Event) {
        // An entry's lines may come in several events of one commit (a levy over many
        // members): the later ones add to it.
        let keep = |entries: &mut BTreeMap<EntryId, Entry>,
                    id: &EntryId,
                    booked_on,
                    lines: &[Line],
                    is_reversal: bool| {
            entries
                .entry(id.clone())
                .and_modify(|entry| {
                    if entry.events.is_empty() {
                        entry.events.push(entry.lines.len());
                    }
                    entry.events.push(lines.len());
                    entry.lines.extend_from_slice(lines);
                })
                .or_insert_with(|| Entry {
                    booked_on,
                    lines: lines.to_vec(),
                    reversed_by: None,
                    is_reversal,
                    events: Vec::new(),
                });
        };
        match event {
            Event::CooperativeFounded(e) => self.begins_on = Some(e.founded_on),
            Event::CooperativeMovedIn(e) => self.begins_on = Some(e.go_live_on),
            Event::AccountOpened(e) => self.chart.open(e.account.clone()),
            Event::PaymentRecorded(_)
            | Event::LevyCharged(_)
            | Event::LevyContinued(_)
            | Event::JournalEntryPosted(_) => {
                struct NoContext;
                impl Context for NoContext {
                    fn share_amount(&self) -> Money {
                        Money::ZERO
                    }
                    fn unpaid_shares(&self, _: MemberNo) -> Money {
                        Money::ZERO
                    }
                }
                for booking in bookings(event, &NoContext) {
                    if let Some(id) = &booking.entry {
                        keep(
                            &mut self.entries,
                            id,
                            booking.booked_on,
                            &booking.lines,
                            false,
                        );
                    }
                }
            }
            Event::EntryReversed(e) => {
                if let Some(original) = self.entries.get_mut(&e.reverses) {
                    original.reversed_by = Some(e.entry.clone());
                }
                keep(&mut self.entries, &e.entry, e.booked_on, &e.lines, true);
            }
            Event::FiscalYearClosed(e) => {
                self.closed.insert(
                    e.last_day,
                    ClosedYear {
                        first_day: e.first_day,
                        result: e.result,
                        distributed: false,
                    },
                );
            }
            Event::ProfitDistributed(e) => {
                if let Some(year) = self.closed.get_mut(&e.year_last_day) {
                    year.distributed = true;
                }
            }
            Event::MemberLoanGranted(e) => {
                self.loans.insert(
                    e.loan.clone(),
                    Loan {
                        lender: e.lender,
                        project: e.project.clone(),
                        amount: e.amount,
                        repaid: Money::ZERO,
                    },
                );
            }
            Event::MemberLoanRepaid(e) => {
                if let Some(loan) = self.loans.get_mut(&e.loan) {
                    loan.repaid = loan.repaid.checked_add(e.amount).unwrap_or(loan.repaid);
                }
            }
            _ => {}
        }
    }

    /// The chart of accounts.
    pub fn chart(&self) -> &Chart {
        &self.chart
    }

    /// True for an income or expense account, which a year's closing empties.
    fn is_result(&self, account: &AccountRef) -> bool {
        self.chart
            .get(account.code)
            .is_some_and(|a| a.kind.is_result())
    }

    /// The last day of the latest closed year: nothing may be booked on or before it (A1).
    pub fn sealed_through(&self) -> Option<Date> {
        self.closed.keys().next_back().copied()
    }

    /// Refuses a value date before the cooperative's history (D1), after today, or in a
    /// closed year (A1).
    pub fn check_open(&self, day: Date, today: Date, field: &str) -> Result<(), DomainError> {
        crate::calendar::check_day(self.begins_on, day, today, field)?;
        self.check_not_sealed(day, field)
    }

    /// Refuses a value date in a closed and sealed year (A1).
    pub fn check_not_sealed(&self, day: Date, field: &str) -> Result<(), DomainError> {
        match self.sealed_through() {
            Some(sealed) if day <= sealed => Err(DomainError::rule(
                Rule::A1,
                "year-sealed",
                format!(
                    "the business year up to {sealed} is closed and sealed; nothing can be booked on {day} (book a correction in the open year)"
                ),
            )
            .at(field)),
            _ => Ok(()),
        }
    }

    /// Checks the lines a command writes: each account exists and fits its sub-ledger, none
    /// touches the members' capital accounts, which only membership commands move (G22:
    /// paid-in capital is not paid out, lent or pledged during membership), and none the
    /// member loans, which only their own commands move within their caps (G21b).
    fn check_lines<'a>(
        &self,
        lines: impl IntoIterator<Item = (&'a AccountRef, String)>,
    ) -> Result<(), DomainError> {
        for (account, field) in lines {
            self.chart.check(account, &field)?;
            if account.code == codes::CAPITAL {
                return Err(DomainError::rule(
                    Rule::G22,
                    "capital-account-managed",
                    "members' paid-in capital moves only through membership commands (payments on shares, transfers, the settlement): it is not paid out, lent or pledged during membership",
                )
                .at(field));
            }
            if account.code == codes::MEMBER_LOANS {
                return Err(DomainError::rule(
                    Rule::G21b,
                    "member-loans-managed",
                    "member loans are granted and repaid through their own commands, which keep them within their caps",
                )
                .at(field));
            }
            if matches!(account.code, codes::UNPAID_SHARES | codes::CAPITAL_UNPAID) {
                return Err(DomainError::invalid(
                    "shares-account-managed",
                    field,
                    format!(
                        "account {} follows the members' subscriptions and payments; it is not booked by hand",
                        account.code
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Decides opening an account.
    pub fn open_account(&self, account: Account, today: Date) -> Result<Vec<Change>, DomainError> {
        if let Some(existing) = self.chart.get(account.code) {
            return Err(DomainError::conflict(
                "account-exists",
                format!("account {} ({}) exists", existing.code, existing.name),
            ));
        }
        let name = text(&account.name, 100, "name")?;
        Ok(vec![Change::new(
            Stream::Books,
            AccountOpened {
                account: Account { name, ..account },
                opened_on: today,
            },
        )])
    }

    /// Decides recording a payment.
    pub fn record_payment(&self, c: RecordPayment) -> Result<Vec<Change>, DomainError> {
        positive(c.amount, "amount")?;
        self.check_open(c.booked_on, c.today, "booked_on")?;
        if !matches!(c.via.code, codes::BANK | codes::CASH) || c.via.sub.is_some() {
            return Err(DomainError::invalid(
                "payment-via",
                "via",
                "a payment goes through the bank (1200) or the cash box (1000)",
            ));
        }
        if c.account == c.via {
            return Err(DomainError::invalid(
                "payment-to-itself",
                "account",
                "a payment moves money between the bank or cash box and another account",
            ));
        }
        self.check_lines([(&c.account, "account".to_owned())])?;
        Ok(vec![Change::new(
            Stream::Books,
            PaymentRecorded {
                entry: c.entry,
                direction: c.direction,
                amount: c.amount,
                via: c.via,
                account: c.account,
                booked_on: c.booked_on,
                text: text(&c.text, 200, "text")?,
                reference: text(&c.reference, 100, "reference")?,
            },
        )])
    }

    /// Decides a levy over `members` (those with rights on the day are charged, by the key).
    pub fn charge_levy(
        &self,
        c: ChargeLevy,
        members: &[MemberFacts],
    ) -> Result<Vec<Change>, DomainError> {
        positive(c.total, "total")?;
        self.check_open(c.booked_on, c.today, "booked_on")?;
        if c.due_on < c.booked_on {
            return Err(DomainError::invalid(
                "due-before-charged",
                "due_on",
                "a levy falls due on or after the day it is charged",
            ));
        }
        let account = self.chart.check(&c.account, "account")?;
        if account.kind != AccountKind::Income {
            return Err(DomainError::invalid(
                "levy-account-not-income",
                "account",
                format!(
                    "a levy is income; account {} is {}",
                    account.code,
                    account.kind.as_str()
                ),
            ));
        }
        let charged: Vec<&MemberFacts> = members.iter().filter(|m| m.has_rights).collect();
        if charged.len() > LEVY_PARTS_MAX {
            return Err(DomainError::invalid(
                "levy-too-many-members",
                "members",
                format!(
                    "a levy is charged to at most {LEVY_PARTS_MAX} members at once; {} have rights on {} (charge it to groups of them by usage)",
                    charged.len(),
                    c.booked_on
                ),
            ));
        }
        if let Some(unknown) = c
            .usage
            .keys()
            .find(|m| !charged.iter().any(|f| f.member == **m))
        {
            return Err(DomainError::invalid(
                "usage-of-non-member",
                "usage",
                format!(
                    "member {unknown} is not a member with rights on {}",
                    c.booked_on
                ),
            ));
        }
        let weights: Vec<u64> = charged
            .iter()
            .map(|m| match c.key {
                LevyKey::Equal => 1,
                LevyKey::Shares => u64::from(m.shares),
                LevyKey::FirmSize => u64::from(m.employees.max(1)),
                LevyKey::Usage => c.usage.get(&m.member).copied().unwrap_or(0),
            })
            .collect();
        let amounts = allocate(c.total, &weights).map_err(|e| e.at("key"))?;
        let parts: Vec<LevyPart> = charged
            .iter()
            .zip(weights)
            .zip(amounts)
            .filter(|((_, _), amount)| *amount != Money::ZERO)
            .map(|((m, weight), amount)| LevyPart {
                member: m.member,
                weight,
                amount,
            })
            .collect();
        let purpose = text(&c.purpose, 200, "purpose")?;
        let mut chunks = parts.chunks(LEVY_PARTS_PER_EVENT);
        let mut changes = vec![Change::new(
            Stream::Books,
            LevyCharged {
                entry: c.entry.clone(),
                purpose: purpose.clone(),
                key: c.key,
                account: c.account.clone(),
                total: c.total,
                booked_on: c.booked_on,
                due_on: c.due_on,
                parts: chunks.next().unwrap_or_default().to_vec(),
            },
        )];
        changes.extend(chunks.map(|parts| {
            Change::new(
                Stream::Books,
                LevyContinued {
                    entry: c.entry.clone(),
                    purpose: purpose.clone(),
                    account: c.account.clone(),
                    booked_on: c.booked_on,
                    parts: parts.to_vec(),
                },
            )
        }));
        Ok(changes)
    }

    /// Decides a manual entry: at least two lines, none zero, summing to zero, on accounts of
    /// the chart, with its receipt (A1).
    pub fn post_entry(&self, c: PostEntry) -> Result<Vec<Change>, DomainError> {
        self.check_open(c.booked_on, c.today, "booked_on")?;
        if c.lines.len() < 2 || c.lines.len() > ENTRY_LINES_MAX {
            return Err(DomainError::invalid(
                "entry-lines",
                "lines",
                format!("an entry has 2 to {ENTRY_LINES_MAX} lines"),
            ));
        }
        if let Some(i) = c.lines.iter().position(|l| l.amount == Money::ZERO) {
            return Err(DomainError::invalid(
                "line-zero",
                format!("lines[{i}].amount"),
                "a line moves an amount: debit positive, credit negative, never zero",
            ));
        }
        let sum: i64 = c.lines.iter().map(|l| l.amount.cents()).sum();
        if sum != 0 {
            let off = Money::from_cents(sum).unwrap_or(Money::ZERO);
            return Err(DomainError::rule(
                Rule::A1,
                "entry-unbalanced",
                format!("the lines do not sum to zero: debits exceed credits by {off}"),
            )
            .at("lines"));
        }
        self.check_lines(
            c.lines
                .iter()
                .enumerate()
                .map(|(i, l)| (&l.account, format!("lines[{i}].account"))),
        )?;
        Ok(vec![Change::new(
            Stream::Books,
            JournalEntryPosted {
                entry: c.entry,
                booked_on: c.booked_on,
                text: text(&c.text, 200, "text")?,
                receipt: text(&c.receipt, 100, "receipt")?,
                lines: c.lines,
            },
        )])
    }

    /// Decides a reversal: of an entry the treasurer made, once, never of a reversal; its lines
    /// negated, into an open period (A1).
    pub fn reverse(&self, c: Reverse) -> Result<Vec<Change>, DomainError> {
        let original = self.entries.get(&c.reverses).ok_or_else(|| {
            DomainError::not_found(
                "entry-unknown",
                format!(
                    "the books have no entry {} of the treasurer's (entries from membership events are corrected by a membership command)",
                    c.reverses
                ),
            )
            .at("entry")
        })?;
        if let Some(by) = &original.reversed_by {
            return Err(DomainError::conflict(
                "entry-reversed",
                format!("entry {} was reversed by entry {by}", c.reverses),
            ));
        }
        if original.is_reversal {
            return Err(DomainError::invalid(
                "reversal-of-reversal",
                "entry",
                "a reversal is not reversed; post the entry anew",
            ));
        }
        self.check_open(c.booked_on, c.today, "booked_on")?;
        if c.booked_on < original.booked_on {
            return Err(DomainError::invalid(
                "reversal-before-entry",
                "booked_on",
                format!(
                    "the entry was booked on {}; its reversal cannot be earlier",
                    original.booked_on
                ),
            ));
        }
        let reason = text(&c.reason, 200, "reason")?;
        // One reversal event per event of the entry: each balances and fits the log.
        Ok(original
            .groups()
            .into_iter()
            .map(|group| {
                Change::new(
                    Stream::Books,
                    EntryReversed {
                        entry: c.entry.clone(),
                        reverses: c.reverses.clone(),
                        booked_on: c.booked_on,
                        reason: reason.clone(),
                        lines: group
                            .iter()
                            .map(|l| Line::credit(l.account.clone(), l.amount))
                            .collect(),
                    },
                )
            })
            .collect())
    }

    /// Decides closing the business year that ends on `c.last_day`: the earlier years closed
    /// first, the year over, its income and expense accounts closed into its result and the
    /// result carried forward; and the G33 alarm if the loss exceeds half of the members'
    /// capital plus reserves.
    pub fn close_year(&self, statute: &Statute, c: CloseYear) -> Result<Vec<Change>, DomainError> {
        let year = statute.business_year();
        let end = year.end_containing(c.last_day)?;
        if end != c.last_day {
            return Err(DomainError::invalid(
                "not-a-year-end",
                "year",
                format!("the business year containing {} ends on {end}", c.last_day),
            ));
        }
        if c.last_day >= c.today {
            return Err(DomainError::invalid(
                "year-not-over",
                "year",
                format!(
                    "the year ends on {}; it can be closed from the day after",
                    c.last_day
                ),
            ));
        }
        // D1: a year that ended before the cooperative's history began is no year of its
        // books; the first is the one the founding falls in.
        if let Some(begins) = self.begins_on
            && c.last_day < begins
        {
            return Err(DomainError::rule(
                Rule::D1,
                "date-before-history",
                format!(
                    "the year to {} ended before the cooperative's history began on {begins}",
                    c.last_day
                ),
            )
            .at("year"));
        }
        if self.closed.contains_key(&c.last_day) {
            return Err(DomainError::conflict(
                "year-closed",
                format!("the year to {} is closed", c.last_day),
            ));
        }
        let first_day = year.start_containing(c.last_day);
        if let Some(sealed) = self.sealed_through()
            && sealed > c.last_day
        {
            return Err(DomainError::conflict(
                "later-year-closed",
                format!("the year to {sealed} is closed already"),
            ));
        }
        // Income and expenses are booked by the treasurer's entries only, so the books know
        // them exactly as of the decision (never a stale copy): those of an earlier year left
        // open would be swept into this one.
        let unclosed = self.sealed_through();
        if let Some(open_day) = self
            .entries
            .values()
            .filter(|e| e.booked_on < first_day && unclosed.is_none_or(|s| e.booked_on > s))
            .filter(|e| e.lines.iter().any(|l| self.is_result(&l.account)))
            .map(|e| e.booked_on)
            .min()
        {
            return Err(DomainError::conflict(
                "earlier-year-open",
                format!(
                    "income or expenses of {open_day} are in a business year not closed yet: close the years in order"
                ),
            ));
        }
        let mut results: BTreeMap<&AccountRef, i64> = BTreeMap::new();
        for entry in self
            .entries
            .values()
            .filter(|e| (first_day..=c.last_day).contains(&e.booked_on))
        {
            for line in entry.lines.iter().filter(|l| self.is_result(&l.account)) {
                *results.entry(&line.account).or_default() += line.amount.cents();
            }
        }
        let mut closing = Vec::new();
        let mut result_cents = 0i64;
        for (account, cents) in results.into_iter().filter(|(_, cents)| *cents != 0) {
            let balance = Money::from_cents(cents).ok_or_else(|| {
                DomainError::invalid("amount-out-of-range", "year", "a balance beyond range")
            })?;
            closing.push(Line::credit(account.clone(), balance));
            result_cents -= cents;
        }
        let result = Money::from_cents(result_cents).ok_or_else(|| {
            DomainError::invalid(
                "amount-out-of-range",
                "year",
                "the year's result is beyond range",
            )
        })?;
        let year_result = AccountRef::whole(codes::YEAR_RESULT);
        let carried = AccountRef::whole(codes::CARRIED_FORWARD);
        if result != Money::ZERO {
            // The result account takes the other side: a profit is a credit.
            closing.push(Line::credit(year_result.clone(), result));
        }
        let opening = if result == Money::ZERO {
            Vec::new()
        } else {
            vec![
                Line::debit(year_result, result),
                Line::credit(carried, result),
            ]
        };
        let mut changes = vec![Change::new(
            Stream::Books,
            FiscalYearClosed {
                entry: c.entry,
                first_day,
                last_day: c.last_day,
                closed_on: c.today,
                closing,
                result,
                opening,
            },
        )];
        if let Some(alarm) = loss_alarm(&c.balances, result) {
            changes.push(Change::new(
                Stream::Books,
                LossAlarmRaised {
                    last_day: c.last_day,
                    loss: alarm.loss,
                    capital_and_reserves: alarm.capital_and_reserves,
                    capital: Some(alarm.capital),
                    raised_on: c.today,
                },
            ));
        }
        Ok(changes)
    }

    /// Decides the use of a closed year's profit (G19): after the assembly's resolution, the
    /// reserves (at least the statute's share to the legal reserve), the members' shares by
    /// the key, credited to unpaid shares first, and the rest carried forward; the parts sum
    /// exactly to the profit.
    pub fn distribute_profit(
        &self,
        statute: &Statute,
        c: DistributeProfit,
    ) -> Result<Vec<Change>, DomainError> {
        let year = self.closed.get(&c.year_last_day).ok_or_else(|| {
            DomainError::not_found(
                "year-not-closed",
                format!("no business year ending on {} is closed", c.year_last_day),
            )
            .at("year")
        })?;
        if year.distributed {
            return Err(DomainError::conflict(
                "profit-distributed",
                format!(
                    "the profit of the year to {} was distributed",
                    c.year_last_day
                ),
            ));
        }
        if !c.motion_adopted {
            return Err(DomainError::rule(
                Rule::G19,
                "use-of-profit-not-decided",
                format!("motion {} is no adopted resolution on the use of profit; the assembly decides first", c.motion),
            )
            .at("motion"));
        }
        if !year.result.is_positive() {
            return Err(DomainError::rule(
                Rule::G19,
                "no-profit",
                format!(
                    "the year to {} closed with {}; there is no profit to use",
                    c.year_last_day, year.result
                ),
            ));
        }
        self.check_open(c.booked_on, c.today, "booked_on")?;
        for (amount, field) in [
            (c.legal_reserve, "legal_reserve"),
            (c.other_reserves, "other_reserves"),
            (c.carried_forward, "carried_forward"),
        ] {
            if amount.cents() < 0 {
                return Err(DomainError::invalid(
                    "amount-negative",
                    field,
                    "the parts of a profit are not negative",
                ));
            }
        }
        let legal_min = legal_reserve_minimum(statute, year.result);
        if c.legal_reserve < legal_min {
            return Err(DomainError::rule(
                Rule::G7,
                "legal-reserve-too-small",
                format!(
                    "the statute puts at least {legal_min} of this profit to the legal reserve"
                ),
            )
            .at("legal_reserve"));
        }
        let reserved =
            c.legal_reserve.cents() + c.other_reserves.cents() + c.carried_forward.cents();
        let to_members = year.result.cents() - reserved;
        if to_members < 0 {
            return Err(DomainError::rule(
                Rule::G19,
                "profit-overused",
                format!(
                    "reserves and carry-forward come to {}, more than the profit of {}",
                    Money::from_cents(reserved).unwrap_or(Money::ZERO),
                    year.result
                ),
            ));
        }
        let key = match statute.profit_key() {
            Some(key) => key,
            None => ProfitKey::Capital,
        };
        let members: Vec<&MemberFacts> = c.members.iter().filter(|m| m.has_rights).collect();
        let basis: Vec<Money> = members
            .iter()
            .map(|m| match key {
                ProfitKey::Equal => Money::from_cents(1).unwrap_or(Money::ZERO),
                // G19: in the first year by the amounts paid in (the capital at its end),
                // later by the capital at the end of the previous year.
                ProfitKey::Capital => match &c.capital_before {
                    Some(before) => before.get(&m.member).copied().unwrap_or(Money::ZERO),
                    None => c
                        .capital_at_end
                        .get(&m.member)
                        .copied()
                        .unwrap_or(Money::ZERO),
                },
            })
            .collect();
        let to_members = Money::from_cents(to_members).ok_or_else(|| {
            DomainError::invalid(
                "amount-out-of-range",
                "members",
                "the members' part is beyond range",
            )
        })?;
        let parts = if to_members == Money::ZERO {
            Vec::new()
        } else {
            let weights: Vec<u64> = basis
                .iter()
                .map(|b| u64::try_from(b.cents()).unwrap_or(0))
                .collect();
            let amounts = allocate(to_members, &weights).map_err(|_| {
                DomainError::rule(
                    Rule::G19,
                    "no-basis",
                    "no member has a basis under the key (no capital): carry the profit forward or put it to the reserves",
                )
            })?;
            members
                .iter()
                .zip(basis)
                .zip(amounts)
                .filter(|(_, amount)| *amount != Money::ZERO)
                .map(|((m, basis), amount)| {
                    let unpaid = c.unpaid.get(&m.member).copied().unwrap_or(Money::ZERO);
                    let credited = amount.min(unpaid.max(Money::ZERO));
                    let paid_out = amount.checked_sub(credited).unwrap_or(Money::ZERO);
                    ProfitPart {
                        member: m.member,
                        basis,
                        amount,
                        credited,
                        paid_out,
                    }
                })
                .collect()
        };
        Ok(vec![Change::new(
            Stream::Books,
            ProfitDistributed {
                entry: c.entry,
                year_last_day: c.year_last_day,
                motion: c.motion,
                booked_on: c.booked_on,
                legal_reserve: c.legal_reserve,
                other_reserves: c.other_reserves,
                carried_forward: c.carried_forward,
                key,
                parts,
            },
        )])
    }

    /// Decides a member loan (G21b): the statute allows member loans and caps the interest;
    /// the loan is bound to an approved investment; at most 25,000 euros from a lender who is
    /// not an entrepreneur, and 2.5 million euros per project.
    pub fn grant_loan(&self, statute: &Statute, c: GrantLoan) -> Result<Vec<Change>, DomainError> {
        positive(c.amount, "amount")?;
        self.check_open(c.received_on, c.today, "received_on")?;
        if self.loans.contains_key(&c.loan) {
            return Err(DomainError::conflict(
                "loan-exists",
                format!("loan {} exists", c.loan),
            ));
        }
        let Some(cap) = statute.member_loan_interest_max() else {
            return Err(DomainError::rule(
                Rule::G21b,
                "member-loans-not-in-statute",
                "the statute takes no member loans: it must set their interest cap ([books] member_loan_interest_max_percent)",
            ));
        };
        if c.interest_percent < Decimal::ZERO {
            return Err(DomainError::invalid(
                "loan-interest-negative",
                "interest_percent",
                "a member loan's interest is zero or more",
            ));
        }
        if c.interest_percent > cap {
            return Err(DomainError::rule(
                Rule::G21b,
                "loan-interest-above-cap",
                format!(
                    "the interest of {}% is above the statute's cap of {cap}%",
                    c.interest_percent
                ),
            )
            .at("interest_percent"));
        }
        if !c.project_approved {
            return Err(DomainError::rule(
                Rule::G21b,
                "loan-without-investment",
                format!(
                    "a member loan is bound to one approved investment; {} is none",
                    c.project
                ),
            )
            .at("project"));
        }
        if !c.lender.has_rights {
            return Err(DomainError::rule(
                Rule::G21b,
                "lender-not-member",
                format!("member {} is not a member with rights", c.lender.member),
            )
            .at("lender"));
        }
        let outstanding = |filter: &dyn Fn(&Loan) -> bool| -> i64 {
            self.loans
                .values()
                .filter(|l| filter(l))
                .map(|l| l.outstanding().cents())
                .sum()
        };
        if !c.lender.entrepreneur {
            let lent = outstanding(&|l| l.lender == c.lender.member) + c.amount.cents();
            if lent > LOAN_PER_PERSON_MAX_CENTS {
                return Err(DomainError::rule(
                    Rule::G21b,
                    "loan-above-person-cap",
                    format!(
                        "member {} is not an entrepreneur and would lend {} in all; at most 25000.00",
                        c.lender.member,
                        Money::from_cents(lent).unwrap_or(Money::ZERO)
                    ),
                )
                .at("amount"));
            }
        }
        let project = outstanding(&|l| l.project == c.project) + c.amount.cents();
        if project > LOAN_PER_PROJECT_MAX_CENTS {
            return Err(DomainError::rule(
                Rule::G21b,
                "loan-above-project-cap",
                format!(
                    "member loans to this investment would come to {}; at most 2500000.00",
                    Money::from_cents(project).unwrap_or(Money::ZERO)
                ),
            )
            .at("amount"));
        }
        Ok(vec![Change::new(
            Stream::Books,
            MemberLoanGranted {
                loan: c.loan,
                lender: c.lender.member,
                project: c.project,
                asset: c.asset,
                amount: c.amount,
                interest_percent: c.interest_percent.to_string(),
                received_on: c.received_on,
            },
        )])
    }

    /// Decides repaying (part of) a member loan.
    pub fn repay_loan(
        &self,
        loan: &LoanId,
        amount: Money,
        paid_on: Date,
        today: Date,
    ) -> Result<Vec<Change>, DomainError> {
        positive(amount, "amount")?;
        self.check_open(paid_on, today, "paid_on")?;
        let found = self.loans.get(loan).ok_or_else(|| {
            DomainError::not_found("loan-unknown", format!("no member loan {loan}"))
        })?;
        if amount > found.outstanding() {
            return Err(DomainError::invalid(
                "repayment-above-loan",
                "amount",
                format!("loan {loan} has {} outstanding", found.outstanding()),
            ));
        }
        Ok(vec![Change::new(
            Stream::Books,
            MemberLoanRepaid {
                loan: loan.clone(),
                lender: found.lender,
                amount,
                paid_on,
            },
        )])
    }
}

/// The statute's minimum share of a profit for the legal reserve (G7), to the cent, rounded
/// up so that the reserve never gets less than the statute asks.
pub fn legal_reserve_minimum(statute: &Statute, profit: Money) -> Money {
    let percent = i64::from(statute.legal_reserve_percent());
    let cents = (profit.cents().max(0) * percent + 99) / 100;
    Money::from_cents(cents).expect("a share of at most 100 % of an amount is an amount")
}

/// What the G33 alarm weighs: the balance sheet's loss against the members' capital
/// (Geschäftsguthaben) and the reserves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LossAlarm {
    /// The loss, positive.
    pub loss: Money,
    /// The members' paid-in capital.
    pub capital: Money,
    /// The legal and other reserves.
    pub reserves: Money,
    /// Capital and reserves together.
    pub capital_and_reserves: Money,
}

/// G33 (§ 33 (3) GenG): the loss, if half of the members' capital plus the reserves do not
/// cover it — loss > ½ × capital + reserves; the reserves count whole, only the capital is
/// halved. `balances` are accounts' balances (debit positive) at the day; `result` the year's
/// result not yet carried forward (a profit positive). The loss is the balance sheet's: the
/// year's result together with the results carried forward from earlier years (a profit
/// carried forward covers part of a loss, a loss carried forward adds to it).
pub fn loss_alarm<'a>(
    balances: impl IntoIterator<Item = (&'a AccountRef, &'a Money)>,
    result: Money,
) -> Option<LossAlarm> {
    // Capital, reserves and results carried are credit balances: negated to count positive.
    // Sums in i128: the books bound each balance, not the sum of every account.
    let (mut capital, mut reserves, mut carried) = (0i128, 0i128, 0i128);
    for (account, balance) in balances {
        let cents = i128::from(balance.cents());
        match account.code {
            codes::CAPITAL => capital -= cents,
            codes::LEGAL_RESERVE | codes::OTHER_RESERVES => reserves -= cents,
            codes::CARRIED_FORWARD | codes::YEAR_RESULT => carried -= cents,
            _ => {}
        }
    }
    let loss = -(i128::from(result.cents()) + carried);
    // loss > capital / 2 + reserves, in whole cents: 2 × loss > capital + 2 × reserves.
    let alarmed = loss > 0 && 2 * loss > capital + 2 * reserves;
    let money = |cents: i128| i64::try_from(cents).ok().and_then(Money::from_cents);
    if !alarmed {
        return None;
    }
    Some(LossAlarm {
        loss: money(loss)?,
        capital: money(capital)?,
        reserves: money(reserves)?,
        capital_and_reserves: money(capital + reserves)?,
    })
}
