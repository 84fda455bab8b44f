//! The events of the books (all on the `books` stream), and the one pure function that maps
//! every money event of the log to its bookings.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::accounts::{Account, AccountRef, AssetId, codes};
use crate::governance::MotionId;
use crate::ids::text_id;
use crate::{DomainError, Event, MemberNo, Money, Rule};

text_id!(
    /// A journal entry the treasurer recorded (a payment, a levy, a manual entry, a
    /// reversal, a closing): 1 to 32 lowercase letters and digits.
    EntryId,
    "entry-id-malformed",
    "entry",
    32
);

text_id!(
    /// A member loan (G21b).
    LoanId,
    "loan-id-malformed",
    "loan",
    32
);

/// One line of a booking: an account and an amount, positive on the debit side, negative on
/// the credit side. The lines of a booking sum to zero.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    /// The account.
    pub account: AccountRef,
    /// Debit (positive) or credit (negative).
    pub amount: Money,
}

impl Line {
    /// A debit of `amount` on `account`.
    pub fn debit(account: AccountRef, amount: Money) -> Self {
        Self { account, amount }
    }

    /// A credit of `amount` on `account`.
    pub fn credit(account: AccountRef, amount: Money) -> Self {
        Self {
            account,
            amount: -amount,
        }
    }
}

/// Which way money moved through the bank or the cash box.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Money came in.
    In,
    /// Money went out.
    Out,
}

/// `AccountOpened`: the treasurer added an account to the chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountOpened {
    /// The account.
    pub account: Account,
    /// The day.
    pub opened_on: Date,
}

/// `PaymentRecorded`: money came in or went out through the bank or the cash box, against
/// another account (an invoice paid, a usage fee received, a levy paid by a member).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentRecorded {
    /// The entry.
    pub entry: EntryId,
    /// In or out.
    pub direction: Direction,
    /// The amount, positive.
    pub amount: Money,
    /// The bank or the cash box.
    pub via: AccountRef,
    /// The other account.
    pub account: AccountRef,
    /// The value date.
    pub booked_on: Date,
    /// What it was for.
    pub text: String,
    /// The bank reference or receipt.
    pub reference: String,
}

/// How a levy is split over the members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LevyKey {
    /// Equal parts.
    Equal,
    /// By shares held.
    Shares,
    /// By firm size (people employed; a natural person counts one).
    FirmSize,
    /// By use of the shared facilities, as the decision states it per member.
    Usage,
}

/// One member's part of a levy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevyPart {
    /// The member.
    pub member: MemberNo,
    /// Their weight under the key.
    pub weight: u64,
    /// What they owe.
    pub amount: Money,
}

/// `LevyCharged`: joint costs (regional marketing, say) charged to the members by a key; each
/// part is a receivable from the member until paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevyCharged {
    /// The entry.
    pub entry: EntryId,
    /// What it pays for.
    pub purpose: String,
    /// The key.
    pub key: LevyKey,
    /// The income account it is credited to.
    pub account: AccountRef,
    /// The whole amount.
    pub total: Money,
    /// The day it is charged.
    pub booked_on: Date,
    /// The day it is due.
    pub due_on: Date,
    /// The parts, summing to the whole (largest remainder).
    pub parts: Vec<LevyPart>,
}

/// `LevyContinued`: the further parts of the levy `entry`, for a levy over more members than
/// one event holds ([`super::LEVY_PARTS_PER_EVENT`]); in the same commit as its `LevyCharged`,
/// so a levy is booked whole or not at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevyContinued {
    /// The levy's entry.
    pub entry: EntryId,
    /// What it pays for, as its `LevyCharged` says.
    pub purpose: String,
    /// The income account it is credited to.
    pub account: AccountRef,
    /// The day it is charged.
    pub booked_on: Date,
    /// These parts.
    pub parts: Vec<LevyPart>,
}

/// `JournalEntryPosted`: a manual entry for what happens outside the system (bank fees, an
/// invoice, depreciation), with its receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalEntryPosted {
    /// The entry.
    pub entry: EntryId,
    /// The value date.
    pub booked_on: Date,
    /// What it records.
    pub text: String,
    /// The receipt (Beleg) it is based on.
    pub receipt: String,
    /// The lines, summing to zero.
    pub lines: Vec<Line>,
}

/// `EntryReversed`: a reversal (Storno) of an earlier entry: its lines with the signs turned.
/// Both stay in the books.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryReversed {
    /// The reversing entry.
    pub entry: EntryId,
    /// The entry it reverses.
    pub reverses: EntryId,
    /// The value date of the reversal.
    pub booked_on: Date,
    /// Why.
    pub reason: String,
    /// The reversed entry's lines, negated.
    pub lines: Vec<Line>,
}

/// `FiscalYearClosed`: a business year's income and expense accounts closed into its result,
/// the result carried into the next year, and the year sealed: no posting goes into it any
/// more (A1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiscalYearClosed {
    /// The closing entry.
    pub entry: EntryId,
    /// The first day of the year.
    pub first_day: Date,
    /// The last day of the year.
    pub last_day: Date,
    /// The day the books were closed.
    pub closed_on: Date,
    /// The closing lines, dated the last day: every income and expense account to zero
    /// against the result of the year.
    pub closing: Vec<Line>,
    /// The result: a profit positive, a loss negative.
    pub result: Money,
    /// The opening lines, dated the next day: the result carried forward until its use is
    /// decided.
    pub opening: Vec<Line>,
}

/// `LossAlarmRaised` (G33): half of the members' capital plus the reserves do not cover a
/// loss; the board must convene an assembly at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LossAlarmRaised {
    /// The last day of the year the loss is of.
    pub last_day: Date,
    /// The loss, positive.
    pub loss: Money,
    /// Members' capital and reserves at that day.
    pub capital_and_reserves: Money,
    /// The members' capital alone, so that the threshold (½ × capital + reserves) can be
    /// recomputed from the event. Absent in schema version 1, whose alarms were raised at
    /// ½ × (capital + reserves).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capital: Option<Money>,
    /// The day it was raised.
    pub raised_on: Date,
}

/// By what a profit is split (G19).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProfitKey {
    /// Each member's capital at the end of the previous year; in the first year, the
    /// amounts paid in (the law's key).
    Capital,
    /// Equal parts (where the statute says so).
    Equal,
}

/// One member's share of a distributed profit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfitPart {
    /// The member.
    pub member: MemberNo,
    /// Their basis under the key (capital, or 1 for equal parts), in cents as weight.
    pub basis: Money,
    /// Their share.
    pub amount: Money,
    /// The part credited to their capital, because their shares were not fully paid (G19).
    pub credited: Money,
    /// The part owed to them.
    pub paid_out: Money,
}

/// `ProfitDistributed` (G19): the use of a closed year's profit, as the assembly decided it:
/// reserves, the members' shares (credited to unpaid shares first), and what is carried
/// forward. The parts sum exactly to the profit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfitDistributed {
    /// The entry.
    pub entry: EntryId,
    /// The last day of the year whose profit it is.
    pub year_last_day: Date,
    /// The assembly's resolution on the use of the profit.
    pub motion: MotionId,
    /// The value date.
    pub booked_on: Date,
    /// To the legal reserve.
    pub legal_reserve: Money,
    /// To other reserves.
    pub other_reserves: Money,
    /// Left for the next year.
    pub carried_forward: Money,
    /// The key of the members' shares.
    pub key: ProfitKey,
    /// The members' shares.
    pub parts: Vec<ProfitPart>,
}

/// `MemberLoanGranted` (G21b): a member lent money for one approved investment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberLoanGranted {
    /// The loan.
    pub loan: LoanId,
    /// The lender.
    pub lender: MemberNo,
    /// The approved investment it is bound to.
    pub project: MotionId,
    /// The shared asset it finances, if it has a sub-account.
    pub asset: Option<AssetId>,
    /// The amount received.
    pub amount: Money,
    /// The yearly interest in percent, as a decimal text (e.g. "1.50").
    pub interest_percent: String,
    /// The day the money arrived.
    pub received_on: Date,
}

/// `MemberLoanRepaid`: (part of) a member loan paid back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberLoanRepaid {
    /// The loan.
    pub loan: LoanId,
    /// The lender.
    pub lender: MemberNo,
    /// The amount.
    pub amount: Money,
    /// The day.
    pub paid_on: Date,
}

/// A booking: the lines one event puts into the journal, on one value date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booking {
    /// The value date.
    pub booked_on: Date,
    /// The entry id, for entries the treasurer made.
    pub entry: Option<EntryId>,
    /// What it records.
    pub narration: Narration,
    /// A reference: bank reference, receipt.
    pub reference: String,
    /// The lines, summing to zero.
    pub lines: Vec<Line>,
}

/// What a booking records: the text a person gave it, or what the event it comes from did,
/// with the facts that name it. The words are the reader's: the pages and the exports give
/// each kind in German or English from their catalogs, so a German treasurer and a tax
/// auditor read "Mitglied 7: 2 Geschäftsanteile bei der Aufnahme gezeichnet".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Narration {
    /// The text the treasurer gave a payment or an entry.
    Given { text: String },
    /// Shares subscribed at admission.
    SharesAtAdmission { member: MemberNo, shares: u32 },
    /// Further shares subscribed.
    FurtherShares { member: MemberNo, shares: u32 },
    /// A member's payment on their shares.
    PaymentOnShares { member: MemberNo },
    /// Capital transferred from one member to another (G76).
    CapitalTransferred { from: MemberNo, to: MemberNo },
    /// A former member's capital paid out (G73).
    CapitalPaidOut { member: MemberNo },
    /// A levy, by its purpose.
    Levy { purpose: String },
    /// The opening balances at the go-live.
    OpeningBalances,
    /// The reversal of an entry, and why.
    Reversal { entry: EntryId, reason: String },
    /// The closing of a fiscal year.
    YearClosed { first_day: Date, last_day: Date },
    /// A year's result carried forward into the next.
    ResultCarriedForward { last_day: Date },
    /// The use of a year's profit as the assembly resolved (G19).
    ProfitUsed { year_last_day: Date },
    /// A member loan received (G21b).
    LoanReceived { loan: LoanId, lender: MemberNo },
    /// A member loan repaid.
    LoanRepaid { loan: LoanId, lender: MemberNo },
}

/// What the booking of a membership event depends on: the share amount in force, and what a
/// member still owes on their subscribed shares.
pub trait Context {
    /// The share amount of the statute in force.
    fn share_amount(&self) -> Money;
    /// What `member` has subscribed and not yet paid in (account 1410).
    fn unpaid_shares(&self, member: MemberNo) -> Money;
}

fn times(amount: Money, count: u32) -> Money {
    amount.checked_mul(count).unwrap_or(Money::ZERO)
}

/// True for an event that books lines (every event [`bookings`] maps): what a command must be
/// checked for against the books' range.
pub fn moves_money(event: &Event) -> bool {
    matches!(
        event,
        Event::MemberAdmitted(_)
            | Event::OpeningBalancesBooked(_)
            | Event::SharesSubscribed(_)
            | Event::PaymentReceived(_)
            | Event::CapitalTransferred(_)
            | Event::SettlementPaid(_)
            | Event::PaymentRecorded(_)
            | Event::LevyCharged(_)
            | Event::LevyContinued(_)
            | Event::JournalEntryPosted(_)
            | Event::EntryReversed(_)
            | Event::FiscalYearClosed(_)
            | Event::ProfitDistributed(_)
            | Event::MemberLoanGranted(_)
            | Event::MemberLoanRepaid(_)
    )
}

/// The debit lines of a levy's parts: each member owes their part.
fn levy_lines(parts: &[LevyPart]) -> Vec<Line> {
    parts
        .iter()
        .map(|p| {
            Line::debit(
                AccountRef::member(codes::MEMBER_RECEIVABLES, p.member),
                p.amount,
            )
        })
        .collect()
}

/// The sum of a levy's parts (an accepted log's parts sum within an amount's range).
fn parts_total(parts: &[LevyPart]) -> Money {
    let cents: i128 = parts.iter().map(|p| i128::from(p.amount.cents())).sum();
    i64::try_from(cents)
        .ok()
        .and_then(Money::from_cents)
        .unwrap_or(Money::ZERO)
}

/// The most the books ever move, in cents: the sum of every debit of every booking of the log
/// (its volume) stays at or below this — a hundred billion euros. Every balance and every sum
/// a report makes is at most twice the volume, so it stays a tenth of what an amount holds
/// ([`Money`]'s trillion) — room enough that even commands decided at the same moment cannot
/// carry a report beyond it. No cooperative comes near: a hundred years of a billion a year
/// is a tenth of it.
pub const BOOKS_VOLUME_MAX_CENTS: i128 = 10_000_000_000_000;

/// A1: may a command whose bookings debit `added` cents be booked on books that moved
/// `volume` cents so far? Refused before anything is written where the books would move more
/// than [`BOOKS_VOLUME_MAX_CENTS`] in all.
pub fn check_volume(volume: i128, added: i128) -> Result<(), DomainError> {
    if volume.saturating_add(added) > BOOKS_VOLUME_MAX_CENTS {
        return Err(DomainError::rule(
            Rule::A1,
            "books-range-exceeded",
            format!(
                "the books would move more than {} euros in all; amounts of this size are beyond what Verbund books",
                BOOKS_VOLUME_MAX_CENTS / 100
            ),
        ));
    }
    Ok(())
}

/// The sum of the debits of `bookings`, in cents: what they add to the books' volume.
pub fn debits(bookings: &[Booking]) -> i128 {
    bookings
        .iter()
        .flat_map(|b| &b.lines)
        .map(|l| i128::from(l.amount.cents().max(0)))
        .sum()
}

/// The one mapping of money events to bookings. Every booking's lines sum to zero; lines of
/// zero are left out; an event that moves no money has no booking.
///
/// Membership events are booked on the members' sub-accounts: subscribing shares makes a
/// receivable (1410) against subscribed capital not yet paid in (2050); a payment moves money
/// into the bank and the member's paid-in capital (2000) and turns as much of the receivable
/// back; a transfer moves paid-in capital between members (G76); a settlement pays the capital
/// out (G73) and clears what was still unpaid. A profit credited to unpaid shares (G19) does
/// the same as a payment, without the bank.
pub fn bookings(event: &Event, context: &dyn Context) -> Vec<Booking> {
    use codes::*;
    let member = AccountRef::member;
    let bank = AccountRef::whole(BANK);
    let mut out = Vec::new();
    let mut book = |booked_on: Date,
                    entry: Option<&EntryId>,
                    narration: Narration,
                    reference: &str,
                    lines: Vec<Line>| {
        let lines: Vec<Line> = lines
            .into_iter()
            .filter(|line| line.amount != Money::ZERO)
            .collect();
        if !lines.is_empty() {
            out.push(Booking {
                booked_on,
                entry: entry.cloned(),
                narration,
                reference: reference.to_owned(),
                lines,
            });
        }
    };
    // Turning (part of) a member's receivable on unpaid shares back.
    let settle_unpaid = |m: MemberNo, amount: Money| {
        vec![
            Line::debit(member(CAPITAL_UNPAID, m), amount),
            Line::credit(member(UNPAID_SHARES, m), amount),
        ]
    };
    match event {
        Event::MemberAdmitted(e) => {
            let subscribed = times(context.share_amount(), e.shares);
            book(
                e.admitted_on,
                None,
                Narration::SharesAtAdmission {
                    member: e.member,
                    shares: e.shares,
                },
                "",
                vec![
                    Line::debit(member(UNPAID_SHARES, e.member), subscribed),
                    Line::credit(member(CAPITAL_UNPAID, e.member), subscribed),
                ],
            );
        }
        Event::SharesSubscribed(e) => {
            let subscribed = times(context.share_amount(), e.shares);
            book(
                e.subscribed_on,
                None,
                Narration::FurtherShares {
                    member: e.member,
                    shares: e.shares,
                },
                "",
                vec![
                    Line::debit(member(UNPAID_SHARES, e.member), subscribed),
                    Line::credit(member(CAPITAL_UNPAID, e.member), subscribed),
                ],
            );
        }
        Event::PaymentReceived(e) => {
            let against = e.amount.min(context.unpaid_shares(e.member));
            let mut lines = vec![
                Line::debit(bank.clone(), e.amount),
                Line::credit(member(CAPITAL, e.member), e.amount),
            ];
            lines.extend(settle_unpaid(e.member, against));
            book(
                e.received_on,
                None,
                Narration::PaymentOnShares { member: e.member },
                &e.reference,
                lines,
            );
        }
        Event::CapitalTransferred(e) => {
            let mut lines = vec![
                Line::debit(member(CAPITAL, e.from), e.amount),
                Line::credit(member(CAPITAL, e.to), e.amount),
            ];
            lines.extend(settle_unpaid(
                e.to,
                e.amount.min(context.unpaid_shares(e.to)),
            ));
            if e.from_exits {
                lines.extend(settle_unpaid(e.from, context.unpaid_shares(e.from)));
            } else {
                lines.push(Line::debit(member(UNPAID_SHARES, e.from), e.amount));
                lines.push(Line::credit(member(CAPITAL_UNPAID, e.from), e.amount));
            }
            book(
                e.agreed_on,
                None,
                Narration::CapitalTransferred {
                    from: e.from,
                    to: e.to,
                },
                "",
                lines,
            );
        }
        Event::SettlementPaid(e) => {
            let mut lines = vec![
                Line::debit(member(CAPITAL, e.member), e.amount),
                Line::credit(bank.clone(), e.amount),
            ];
            lines.extend(settle_unpaid(e.member, context.unpaid_shares(e.member)));
            book(
                e.paid_on,
                None,
                Narration::CapitalPaidOut { member: e.member },
                "",
                lines,
            );
        }
        Event::PaymentRecorded(e) => {
            let (debit, credit) = match e.direction {
                Direction::In => (e.via.clone(), e.account.clone()),
                Direction::Out => (e.account.clone(), e.via.clone()),
            };
            book(
                e.booked_on,
                Some(&e.entry),
                Narration::Given {
                    text: e.text.clone(),
                },
                &e.reference,
                vec![Line::debit(debit, e.amount), Line::credit(credit, e.amount)],
            );
        }
        Event::LevyCharged(e) => {
            // The income is credited with this event's parts (the whole levy where one event
            // holds it): every event's booking balances on its own.
            let mut lines = levy_lines(&e.parts);
            lines.push(Line::credit(e.account.clone(), parts_total(&e.parts)));
            book(
                e.booked_on,
                Some(&e.entry),
                Narration::Levy {
                    purpose: e.purpose.clone(),
                },
                "",
                lines,
            );
        }
        Event::OpeningBalancesBooked(e) => book(
            e.booked_on,
            None,
            Narration::OpeningBalances,
            "",
            e.lines.clone(),
        ),
        Event::LevyContinued(e) => {
            let mut lines = levy_lines(&e.parts);
            lines.push(Line::credit(e.account.clone(), parts_total(&e.parts)));
            book(
                e.booked_on,
                Some(&e.entry),
                Narration::Levy {
                    purpose: e.purpose.clone(),
                },
                "",
                lines,
            );
        }
        Event::JournalEntryPosted(e) => book(
            e.booked_on,
            Some(&e.entry),
            Narration::Given {
                text: e.text.clone(),
            },
            &e.receipt,
            e.lines.clone(),
        ),
        Event::EntryReversed(e) => book(
            e.booked_on,
            Some(&e.entry),
            Narration::Reversal {
                entry: e.reverses.clone(),
                reason: e.reason.clone(),
            },
            e.reverses.as_str(),
            e.lines.clone(),
        ),
        Event::FiscalYearClosed(e) => {
            book(
                e.last_day,
                Some(&e.entry),
                Narration::YearClosed {
                    first_day: e.first_day,
                    last_day: e.last_day,
                },
                "",
                e.closing.clone(),
            );
            book(
                e.last_day.tomorrow().unwrap_or(e.last_day),
                Some(&e.entry),
                Narration::ResultCarriedForward {
                    last_day: e.last_day,
                },
                "",
                e.opening.clone(),
            );
        }
        Event::ProfitDistributed(e) => {
            let members: i64 = e.parts.iter().map(|p| p.amount.cents()).sum();
            let total = e.legal_reserve.cents() + e.other_reserves.cents() + members;
            let mut lines = vec![
                Line::debit(
                    AccountRef::whole(CARRIED_FORWARD),
                    Money::from_cents(total).unwrap_or(Money::ZERO),
                ),
                Line::credit(AccountRef::whole(LEGAL_RESERVE), e.legal_reserve),
                Line::credit(AccountRef::whole(OTHER_RESERVES), e.other_reserves),
            ];
            for part in &e.parts {
                lines.push(Line::credit(member(CAPITAL, part.member), part.credited));
                lines.push(Line::credit(
                    member(PROFIT_PAYABLE, part.member),
                    part.paid_out,
                ));
                lines.extend(settle_unpaid(part.member, part.credited));
            }
            book(
                e.booked_on,
                Some(&e.entry),
                Narration::ProfitUsed {
                    year_last_day: e.year_last_day,
                },
                e.motion.as_str(),
                lines,
            );
        }
        Event::MemberLoanGranted(e) => book(
            e.received_on,
            None,
            Narration::LoanReceived {
                loan: e.loan.clone(),
                lender: e.lender,
            },
            e.loan.as_str(),
            vec![
                Line::debit(bank.clone(), e.amount),
                Line::credit(member(MEMBER_LOANS, e.lender), e.amount),
            ],
        ),
        Event::MemberLoanRepaid(e) => book(
            e.paid_on,
            None,
            Narration::LoanRepaid {
                loan: e.loan.clone(),
                lender: e.lender,
            },
            e.loan.as_str(),
            vec![
                Line::debit(member(MEMBER_LOANS, e.lender), e.amount),
                Line::credit(bank.clone(), e.amount),
            ],
        ),
        _ => {}
    }
    out
}
