//! The books as a read model: every booking of every money event (`verbund_domain::books::
//! bookings`), each line linked to its event, and the reports over them as of any day: trial
//! balance, balance sheet, income statement, an account's ledger, a member's statement, open
//! items.
//!
//! Lines are kept flat and compact (an account index, cents, a day number), so a report over a
//! million lines is a pass over a vector. Persistent vectors: a snapshot's copy shares them.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use verbund_domain::books::{
    Account, AccountKind, AccountRef, Booking, Chart, Context, EntryId, LossAlarmRaised, Narration,
    Per, bookings, codes,
};
use verbund_domain::{Event, MemberNo, Money};
use verbund_ledger::{Actor, Position};

use crate::{Envelope, Projection};

/// One booking in the journal: what it records, and the event it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Its number in the journal: 1, 2, 3, … in the order the log recorded them.
    pub number: u32,
    /// The position of the event.
    pub position: Position,
    /// The event's type.
    pub event_type: String,
    /// Who caused it.
    pub actor: Actor,
    /// When the log recorded it.
    pub recorded_at: Timestamp,
    /// The entry id, for entries the treasurer made.
    pub entry: Option<EntryId>,
    /// The value date.
    pub booked_on: Date,
    /// What it records.
    pub narration: Narration,
    /// Bank reference or receipt.
    pub reference: String,
    /// True for the closing of a year (left out of income statements).
    pub closing: bool,
    /// Its lines: `lines[first..first + count]`.
    first_line: u32,
    line_count: u32,
}

/// A line as stored: compact, for passes over millions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct StoredLine {
    account: u32,
    cents: i64,
    /// Days since 1970-01-01.
    day: i32,
    entry: u32,
}

/// A line of a report: an account's total debits, credits and balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountTotal {
    /// The account.
    pub account: AccountRef,
    /// Its name in the chart.
    pub name: String,
    /// Its kind.
    pub kind: AccountKind,
    /// The sum of its debits.
    pub debit: Money,
    /// The sum of its credits (positive).
    pub credit: Money,
    /// Debits minus credits.
    pub balance: Money,
}

/// A balance sheet: assets against liabilities and equity, which includes the result of the
/// open year until it is closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BalanceSheet {
    /// The day.
    pub as_of: Option<Date>,
    /// Asset accounts (debit balances positive).
    pub assets: Vec<AccountTotal>,
    /// Liability accounts (credit balances positive in `amount`).
    pub liabilities: Vec<AccountTotal>,
    /// Equity accounts.
    pub equity: Vec<AccountTotal>,
    /// Income minus expenses not yet closed into a result.
    pub open_result: Money,
    /// The total of assets.
    pub total_assets: Money,
    /// The total of liabilities, equity and the open result: always the total of assets.
    pub total_liabilities_and_equity: Money,
    /// G33: a loss (closed or open) that half of the members' capital plus the reserves do
    /// not cover.
    pub loss_alarm: bool,
}

/// An income statement for a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IncomeStatement {
    /// The first day.
    pub from: Date,
    /// The last day.
    pub to: Date,
    /// Income accounts, with their amounts positive.
    pub income: Vec<AccountTotal>,
    /// Expense accounts.
    pub expenses: Vec<AccountTotal>,
    /// Income minus expenses: a profit positive.
    pub result: Money,
}

/// A line of an account's ledger, with the entry it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerLine {
    /// The entry.
    pub entry: JournalEntry,
    /// The account.
    pub account: AccountRef,
    /// Debit positive, credit negative.
    pub amount: Money,
    /// The account's balance after it.
    pub balance: Money,
}

/// The books of a cooperative.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    chart: Chart,
    share_amount: Money,
    accounts: imbl::Vector<AccountRef>,
    index: imbl::HashMap<AccountRef, u32>,
    entries: imbl::Vector<JournalEntry>,
    lines: imbl::Vector<StoredLine>,
    /// Current balances, by account index.
    balances: imbl::Vector<i64>,
    alarms: imbl::Vector<LossAlarmRaised>,
    /// The sum of every debit booked so far, in cents: the books' volume (A1), which every
    /// command that books is checked against before it is written.
    #[serde(default)]
    volume: i128,
}

struct Owes<'a>(&'a Journal);

impl Context for Owes<'_> {
    fn share_amount(&self) -> Money {
        self.0.share_amount
    }
    fn unpaid_shares(&self, member: MemberNo) -> Money {
        let account = AccountRef::member(codes::UNPAID_SHARES, member);
        self.0.balance(&account)
    }
}

fn day_number(day: Date) -> i32 {
    // Days since the epoch; `Date` spans years -9999..=9999, well within i32.
    let span = day
        .since(jiff::civil::date(1970, 1, 1))
        .expect("dates subtract");
    span.get_days()
}

/// A sum of the books as an amount. Commands are refused before they would carry the books'
/// volume past [`verbund_domain::books::BOOKS_VOLUME_MAX_CENTS`], so every sum of a log Verbund
/// wrote is far within the range; a log written around its decisions (an import gone wrong)
/// shows a sum beyond it at the range's end rather than stopping the fold: a fold never
/// panics.
fn money(cents: i64) -> Money {
    Money::from_cents(cents).unwrap_or_else(|| {
        let limit = Money::parse("1000000000000.00").expect("the range's end is an amount");
        if cents < 0 { -limit } else { limit }
    })
}

impl Projection for Journal {
    const NAME: &'static str = "journal";
    const VERSION: u32 = 3;

    fn apply(&mut self, envelope: &Envelope) {
        match &envelope.event {
            Event::CooperativeFounded(e) => self.share_amount = e.statute.share_amount(),
            Event::CooperativeMovedIn(e) => self.share_amount = e.statute.share_amount(),
            Event::StatuteAmended(e) => self.share_amount = e.statute.share_amount(),
            Event::AccountOpened(e) => self.chart.open(e.account.clone()),
            Event::LossAlarmRaised(e) => self.alarms.push_back(e.clone()),
            _ => {}
        }
        if envelope.stream.is_none() {
            return;
        }
        let closing = matches!(envelope.event, Event::FiscalYearClosed(_));
        let booked = bookings(&envelope.event, &Owes(self));
        for (i, booking) in booked.into_iter().enumerate() {
            // A closing event books the closing (first) and the opening (second).
            self.record(envelope, booking, closing && i == 0);
        }
    }
}

impl Journal {
    fn record(&mut self, envelope: &Envelope, booking: Booking, closing: bool) {
        let number = u32::try_from(self.entries.len() + 1).expect("fewer than 4 billion entries");
        let first_line = u32::try_from(self.lines.len()).expect("fewer than 4 billion lines");
        let day = day_number(booking.booked_on);
        for line in &booking.lines {
            let account = self.intern(&line.account);
            self.lines.push_back(StoredLine {
                account,
                cents: line.amount.cents(),
                day,
                entry: number - 1,
            });
            if let Some(balance) = self.balances.get_mut(account as usize) {
                *balance = balance.saturating_add(line.amount.cents());
            }
            self.volume += i128::from(line.amount.cents().max(0));
        }
        self.entries.push_back(JournalEntry {
            number,
            position: envelope.position,
            event_type: envelope.event.event_type().to_owned(),
            actor: envelope.actor.clone(),
            recorded_at: envelope.recorded_at,
            entry: booking.entry,
            booked_on: booking.booked_on,
            narration: booking.narration,
            reference: booking.reference,
            closing,
            first_line,
            line_count: u32::try_from(booking.lines.len()).expect("few lines"),
        });
    }

    fn intern(&mut self, account: &AccountRef) -> u32 {
        if let Some(&i) = self.index.get(account) {
            return i;
        }
        let i = u32::try_from(self.accounts.len()).expect("fewer than 4 billion accounts");
        self.accounts.push_back(account.clone());
        self.index.insert(account.clone(), i);
        self.balances.push_back(0);
        i
    }

    /// The chart of accounts.
    pub fn chart(&self) -> &Chart {
        &self.chart
    }

    /// The number of lines.
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// The books' volume: every debit booked so far, in cents (A1).
    pub fn volume(&self) -> i128 {
        self.volume
    }

    /// What `events` would add to the books' volume, booked as the journal books them.
    pub fn debits_of<'a>(&self, events: impl IntoIterator<Item = &'a Event>) -> i128 {
        events
            .into_iter()
            .map(|event| verbund_domain::books::debits(&bookings(event, &Owes(self))))
            .sum()
    }

    /// The G33 alarms raised at closings.
    pub fn alarms(&self) -> impl Iterator<Item = &LossAlarmRaised> {
        self.alarms.iter()
    }

    /// An account's current balance (debits minus credits).
    pub fn balance(&self, account: &AccountRef) -> Money {
        self.index
            .get(account)
            .and_then(|&i| self.balances.get(i as usize))
            .map_or(Money::ZERO, |&cents| money(cents))
    }

    fn name_of(&self, account: &AccountRef) -> (String, AccountKind) {
        match self.chart.get(account.code) {
            Some(found) => (found.name.clone(), found.kind),
            None => (String::new(), AccountKind::Asset),
        }
    }

    /// Debits, credits and balance of every account that has lines on or before `as_of`
    /// (every line without a day), ordered by account.
    pub fn trial_balance(&self, as_of: Option<Date>) -> Vec<AccountTotal> {
        let until = as_of.map_or(i32::MAX, day_number);
        let mut debit = vec![0i64; self.accounts.len()];
        let mut credit = vec![0i64; self.accounts.len()];
        let mut seen = vec![false; self.accounts.len()];
        for line in self.lines.iter().filter(|l| l.day <= until) {
            let i = line.account as usize;
            seen[i] = true;
            if line.cents > 0 {
                debit[i] = debit[i].saturating_add(line.cents);
            } else {
                credit[i] = credit[i].saturating_sub(line.cents);
            }
        }
        let mut totals: Vec<AccountTotal> = self
            .accounts
            .iter()
            .enumerate()
            .filter(|(i, _)| seen[*i])
            .map(|(i, account)| {
                let (name, kind) = self.name_of(account);
                AccountTotal {
                    account: account.clone(),
                    name,
                    kind,
                    debit: money(debit[i]),
                    credit: money(credit[i]),
                    balance: money(debit[i] - credit[i]),
                }
            })
            .collect();
        totals.sort_by(|a, b| a.account.cmp(&b.account));
        totals
    }

    /// Every account's balance on `as_of` (accounts with lines only).
    pub fn balances_on(&self, as_of: Option<Date>) -> BTreeMap<AccountRef, Money> {
        self.trial_balance(as_of)
            .into_iter()
            .map(|t| (t.account, t.balance))
            .collect()
    }

    /// The balance sheet on `as_of`.
    pub fn balance_sheet(&self, as_of: Option<Date>) -> BalanceSheet {
        let totals = self.trial_balance(as_of);
        let (mut assets, mut liabilities, mut equity) = (Vec::new(), Vec::new(), Vec::new());
        let (mut total_assets, mut total_other, mut open_result) = (0i64, 0i64, 0i64);
        for total in totals {
            match total.kind {
                AccountKind::Asset => {
                    total_assets = total_assets.saturating_add(total.balance.cents());
                    assets.push(total);
                }
                AccountKind::Liability => {
                    total_other = total_other.saturating_sub(total.balance.cents());
                    liabilities.push(total);
                }
                AccountKind::Equity => {
                    total_other = total_other.saturating_sub(total.balance.cents());
                    equity.push(total);
                }
                AccountKind::Income | AccountKind::Expense => {
                    open_result = open_result.saturating_sub(total.balance.cents());
                }
            }
        }
        let loss_alarm = verbund_domain::books::loss_alarm(
            equity.iter().map(|t| (&t.account, &t.balance)),
            money(open_result),
        )
        .is_some();
        BalanceSheet {
            as_of,
            assets,
            liabilities,
            equity,
            open_result: money(open_result),
            total_assets: money(total_assets),
            total_liabilities_and_equity: money(total_other + open_result),
            loss_alarm,
        }
    }

    /// The income statement of `from` to `to`, without closing entries.
    pub fn income_statement(&self, from: Date, to: Date) -> IncomeStatement {
        let (first, last) = (day_number(from), day_number(to));
        let mut sums: BTreeMap<u32, i64> = BTreeMap::new();
        for line in self
            .lines
            .iter()
            .filter(|l| l.day >= first && l.day <= last)
        {
            let entry = &self.entries[line.entry as usize];
            let kind = self.name_of(&self.accounts[line.account as usize]).1;
            if !entry.closing && kind.is_result() {
                let sum = sums.entry(line.account).or_default();
                *sum = sum.saturating_add(line.cents);
            }
        }
        let (mut income, mut expenses, mut result) = (Vec::new(), Vec::new(), 0i64);
        let mut totals: Vec<(AccountRef, i64)> = sums
            .into_iter()
            .map(|(i, cents)| (self.accounts[i as usize].clone(), cents))
            .collect();
        totals.sort();
        for (account, cents) in totals {
            let (name, kind) = self.name_of(&account);
            result = result.saturating_sub(cents);
            let total = AccountTotal {
                account,
                name,
                kind,
                debit: money(cents.max(0)),
                credit: money((-cents).max(0)),
                balance: money(cents),
            };
            if kind == AccountKind::Income {
                income.push(total);
            } else {
                expenses.push(total);
            }
        }
        IncomeStatement {
            from,
            to,
            income,
            expenses,
            result: money(result),
        }
    }

    /// The lines of the accounts `matches` selects, on or before `as_of`, each with its entry
    /// and the account's running balance.
    pub fn ledger(
        &self,
        matches: impl Fn(&AccountRef) -> bool,
        as_of: Option<Date>,
    ) -> Vec<LedgerLine> {
        let until = as_of.map_or(i32::MAX, day_number);
        let selected: Vec<bool> = self.accounts.iter().map(&matches).collect();
        let mut running: BTreeMap<u32, i64> = BTreeMap::new();
        let mut out = Vec::new();
        for line in self
            .lines
            .iter()
            .filter(|l| selected[l.account as usize] && l.day <= until)
        {
            let balance = running.entry(line.account).or_default();
            *balance = balance.saturating_add(line.cents);
            out.push(LedgerLine {
                entry: self.entries[line.entry as usize].clone(),
                account: self.accounts[line.account as usize].clone(),
                amount: money(line.cents),
                balance: money(*balance),
            });
        }
        out
    }

    /// A member's sub-accounts (capital, unpaid shares, receivables, profit owed, loans) with
    /// their balances on `as_of`.
    pub fn member_accounts(&self, member: MemberNo, as_of: Option<Date>) -> Vec<AccountTotal> {
        self.trial_balance(as_of)
            .into_iter()
            .filter(|t| t.account.member_no() == Some(member))
            .collect()
    }

    /// The members who owe something on `as_of` (unpaid shares, levies, fees), with what.
    pub fn open_items(&self, as_of: Option<Date>) -> BTreeMap<MemberNo, Vec<AccountTotal>> {
        let mut open: BTreeMap<MemberNo, Vec<AccountTotal>> = BTreeMap::new();
        for total in self.trial_balance(as_of) {
            let receivable = matches!(
                total.account.code,
                codes::UNPAID_SHARES | codes::MEMBER_RECEIVABLES
            );
            if let (true, Some(member)) = (receivable, total.account.member_no())
                && total.balance.is_positive()
            {
                open.entry(member).or_default().push(total);
            }
        }
        open
    }

    /// Every entry with its lines, in journal order, for exports: `(entry, [(account, amount)])`.
    pub fn entries(&self) -> impl Iterator<Item = (&JournalEntry, Vec<(&AccountRef, Money)>)> {
        self.entries.iter().map(|entry| {
            let first = entry.first_line as usize;
            let lines = (first..first + entry.line_count as usize)
                .map(|i| {
                    let line = &self.lines[i];
                    (&self.accounts[line.account as usize], money(line.cents))
                })
                .collect();
            (entry, lines)
        })
    }

    /// Every account that has lines, with its chart entry.
    pub fn used_accounts(&self) -> Vec<(AccountRef, Account)> {
        let mut used: Vec<(AccountRef, Account)> = self
            .accounts
            .iter()
            .map(|account| {
                let found = self.chart.get(account.code).cloned().unwrap_or(Account {
                    code: account.code,
                    name: String::new(),
                    kind: AccountKind::Asset,
                    per: Per::Whole,
                });
                (account.clone(), found)
            })
            .collect();
        used.sort_by(|a, b| a.0.cmp(&b.0));
        used
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use jiff::civil::date;
    use proptest::prelude::*;
    use verbund_domain::books::{
        Direction, EntryId, JournalEntryPosted, Line, PaymentRecorded, codes,
    };
    use verbund_domain::{
        CapitalTransferred, Event, MemberAdmitted, MemberKind, MemberNo, Money, PaymentReceived,
        PersonalRef, RecordId, SettlementPaid,
    };
    use verbund_ledger::{Actor, Position, StreamVersion};

    use super::*;

    fn no(n: u32) -> MemberNo {
        MemberNo::new(n).expect("not zero")
    }

    fn cents(c: i64) -> Money {
        Money::from_cents(c).expect("in range")
    }

    fn envelope(position: u64, stream: &str, event: Event) -> Envelope {
        Envelope {
            position: Position::new(position),
            stream: Some(verbund_domain::Stream::parse(stream).expect("an aggregate's stream")),
            stream_version: StreamVersion::FIRST,
            recorded_at: Timestamp::UNIX_EPOCH,
            actor: Actor::parse("test").expect("valid"),
            event,
        }
    }

    #[derive(Clone, Debug)]
    enum Step {
        Admit(u32, u32),
        Pay(u32, i64),
        Transfer(u32, u32, i64),
        Settle(u32, i64),
        Fee(bool, i64, u8),
        Manual(Vec<(u8, i64)>),
    }

    const FREE: [&str; 6] = ["4000", "6300", "6855", "3300", "1000", "0400/van"];

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (1u32..8, 1u32..5).prop_map(|(m, s)| Step::Admit(m, s)),
            (1u32..8, 1i64..200_000).prop_map(|(m, c)| Step::Pay(m, c)),
            (1u32..8, 1u32..8, 1i64..50_000).prop_map(|(f, t, c)| Step::Transfer(f, t, c)),
            (1u32..8, 1i64..100_000).prop_map(|(m, c)| Step::Settle(m, c)),
            (any::<bool>(), 1i64..100_000, 0u8..6).prop_map(|(i, c, a)| Step::Fee(i, c, a)),
            proptest::collection::vec((0u8..6, -100_000i64..100_000), 1..5).prop_map(Step::Manual),
        ]
    }

    /// The model: what each step does to each account, written out by hand per kind of event
    /// (a share is 500 euros; what a member owes on shares is tracked here on its own).
    struct Model {
        balances: BTreeMap<String, i64>,
        owed: BTreeMap<u32, i64>,
    }

    impl Model {
        fn post(&mut self, account: String, c: i64) {
            *self.balances.entry(account).or_default() += c;
        }

        fn take(&mut self, step: &Step) {
            match step {
                Step::Admit(m, shares) => {
                    let c = 50_000 * i64::from(*shares);
                    self.post(format!("1410/{m}"), c);
                    self.post(format!("2050/{m}"), -c);
                    *self.owed.entry(*m).or_default() += c;
                }
                Step::Pay(m, c) => {
                    self.post("1200".into(), *c);
                    self.post(format!("2000/{m}"), -c);
                    let against = (*c).min(self.owed.get(m).copied().unwrap_or(0));
                    self.post(format!("2050/{m}"), against);
                    self.post(format!("1410/{m}"), -against);
                    *self.owed.entry(*m).or_default() -= against;
                }
                Step::Transfer(f, t, c) => {
                    self.post(format!("2000/{f}"), *c);
                    self.post(format!("2000/{t}"), -c);
                    let against = (*c).min(self.owed.get(t).copied().unwrap_or(0));
                    self.post(format!("2050/{t}"), against);
                    self.post(format!("1410/{t}"), -against);
                    *self.owed.entry(*t).or_default() -= against;
                    // The giver keeps their shares: what they owe grows by the amount.
                    self.post(format!("1410/{f}"), *c);
                    self.post(format!("2050/{f}"), -c);
                    *self.owed.entry(*f).or_default() += c;
                }
                Step::Settle(m, c) => {
                    self.post(format!("2000/{m}"), *c);
                    self.post("1200".into(), -c);
                    let owed = self.owed.insert(*m, 0).unwrap_or(0);
                    self.post(format!("2050/{m}"), owed);
                    self.post(format!("1410/{m}"), -owed);
                }
                Step::Fee(incoming, c, a) => {
                    let other = FREE[*a as usize].to_owned();
                    let sign = if *incoming { 1 } else { -1 };
                    self.post("1200".into(), sign * c);
                    self.post(other, -sign * c);
                }
                Step::Manual(lines) => {
                    let mut sum = 0;
                    for (a, c) in lines.iter().filter(|(_, c)| *c != 0) {
                        self.post(FREE[*a as usize].to_owned(), *c);
                        sum += c;
                    }
                    self.post("1000".into(), -sum);
                }
            }
        }
    }

    fn event(step: &Step, n: usize) -> (String, Event) {
        let entry = EntryId::parse(&format!("e{n}")).expect("valid");
        let day = date(2027, 3, 1);
        match step {
            Step::Admit(m, shares) => (
                format!("member-{m}"),
                Event::MemberAdmitted(MemberAdmitted {
                    member: no(*m),
                    person: PersonalRef {
                        record: RecordId::parse(&format!("p{m}")).expect("valid"),
                        commitment: "0".repeat(64),
                    },
                    kind: MemberKind::NaturalPerson,
                    shares: *shares,
                    mandatory_shares: 1,
                    admitted_on: day,
                    founder: false,
                    application: None,
                    listed: false,
                    paid_in_due: Money::ZERO,
                    paid_in_due_on: day,
                }),
            ),
            Step::Pay(m, c) => (
                format!("member-{m}"),
                Event::PaymentReceived(PaymentReceived {
                    member: no(*m),
                    amount: cents(*c),
                    received_on: day,
                    reference: "r".into(),
                }),
            ),
            Step::Transfer(f, t, c) => (
                format!("member-{f}"),
                Event::CapitalTransferred(CapitalTransferred {
                    from: no(*f),
                    to: no(*t),
                    amount: cents(*c),
                    agreed_on: day,
                    from_exits: false,
                }),
            ),
            Step::Settle(m, c) => (
                format!("member-{m}"),
                Event::SettlementPaid(SettlementPaid {
                    member: no(*m),
                    amount: cents(*c),
                    paid_on: day,
                }),
            ),
            Step::Fee(incoming, c, a) => (
                "books".into(),
                Event::PaymentRecorded(PaymentRecorded {
                    entry,
                    direction: if *incoming {
                        Direction::In
                    } else {
                        Direction::Out
                    },
                    amount: cents(*c),
                    via: AccountRef::whole(codes::BANK),
                    account: AccountRef::parse(FREE[*a as usize]).expect("valid"),
                    booked_on: day,
                    text: "t".into(),
                    reference: "r".into(),
                }),
            ),
            Step::Manual(lines) => {
                let mut lines: Vec<Line> = lines
                    .iter()
                    .filter(|(_, c)| *c != 0)
                    .map(|(a, c)| Line {
                        account: AccountRef::parse(FREE[*a as usize]).expect("valid"),
                        amount: cents(*c),
                    })
                    .collect();
                let sum: i64 = lines.iter().map(|l| l.amount.cents()).sum();
                lines.push(Line {
                    account: AccountRef::whole(codes::CASH),
                    amount: cents(-sum),
                });
                (
                    "books".into(),
                    Event::JournalEntryPosted(JournalEntryPosted {
                        entry,
                        booked_on: day,
                        text: "t".into(),
                        receipt: "r".into(),
                        lines,
                    }),
                )
            }
        }
    }

    fn founded() -> Event {
        let statute = verbund_domain::Statute::parse_toml(verbund_domain::statute::EXAMPLE_STATUTE)
            .expect("valid");
        Event::CooperativeFounded(verbund_domain::CooperativeFounded {
            name: statute.name().clone(),
            founded_on: date(2026, 1, 1),
            statute: Box::new(statute),
            statute_text: String::new(),
            founders: 0,
        })
    }

    proptest! {
        /// For any sequence of money events, the trial balance sums to zero, every account's
        /// balance equals the hand-written model's, and the balance sheet balances.
        #[test]
        fn the_trial_balance_sums_to_zero_and_each_account_equals_a_recomputation(
            steps in proptest::collection::vec(step(), 1..80),
        ) {
            let mut journal = Journal::default();
            journal.apply(&envelope(1, "coop", founded()));
            let mut model = Model { balances: BTreeMap::new(), owed: BTreeMap::new() };
            for (i, step) in steps.iter().enumerate() {
                let (stream, event) = event(step, i);
                journal.apply(&envelope(i as u64 + 2, &stream, event));
                model.take(step);
            }
            let totals = journal.trial_balance(None);
            prop_assert_eq!(totals.iter().map(|t| t.balance.cents()).sum::<i64>(), 0);
            prop_assert_eq!(
                totals.iter().map(|t| t.debit.cents()).sum::<i64>(),
                totals.iter().map(|t| t.credit.cents()).sum::<i64>()
            );
            for total in &totals {
                let expected = model.balances.get(&total.account.to_string()).copied().unwrap_or(0);
                prop_assert_eq!(total.balance.cents(), expected, "account {}", total.account);
            }
            for (account, cents) in &model.balances {
                let account = AccountRef::parse(account).expect("valid");
                prop_assert_eq!(journal.balance(&account).cents(), *cents);
            }
            let sheet = journal.balance_sheet(None);
            prop_assert_eq!(sheet.total_assets, sheet.total_liabilities_and_equity);
        }

        /// Issue 23, point 1 (A1): given a stream of payments of up to 999,999,999,999.99 euros
        /// each (every one a valid amount), when each is checked against the books' volume
        /// before it is booked — as every command is — then every balance and every sum of the
        /// trial balance and the balance sheet stays exact (equal to the sum in 128 bits, never
        /// capped at the range's end), and folding never panics; the refused ones are refused
        /// with A1 and a code.
        #[test]
        fn a1_large_bookings_never_carry_a_sum_of_the_books_out_of_range(
            amounts in proptest::collection::vec(
                (1i64..=99_999_999_999_999, any::<bool>(), 0u8..4),
                1..40,
            ),
        ) {
            let mut journal = Journal::default();
            journal.apply(&envelope(1, "coop", founded()));
            let mut expected: BTreeMap<String, i128> = BTreeMap::new();
            for (i, (amount, incoming, account)) in amounts.iter().enumerate() {
                let step = Step::Fee(*incoming, *amount, *account);
                let (stream, event) = event(&step, i);
                let added = journal.debits_of([&event]);
                match verbund_domain::books::check_volume(journal.volume(), added) {
                    Ok(()) => {
                        journal.apply(&envelope(i as u64 + 2, &stream, event));
                        let sign = if *incoming { 1 } else { -1 };
                        *expected.entry("1200".into()).or_default() += sign * i128::from(*amount);
                        *expected
                            .entry(FREE[*account as usize].into())
                            .or_default() -= sign * i128::from(*amount);
                    }
                    Err(error) => {
                        prop_assert_eq!(
                            (error.rule_id(), error.code()),
                            (Some(verbund_domain::Rule::A1), "books-range-exceeded")
                        );
                    }
                }
            }
            prop_assert!(journal.volume() <= verbund_domain::books::BOOKS_VOLUME_MAX_CENTS);
            let totals = journal.trial_balance(None);
            for total in &totals {
                let exact = expected.get(&total.account.to_string()).copied().unwrap_or(0);
                prop_assert_eq!(i128::from(total.balance.cents()), exact, "account {}", total.account);
            }
            let debits: i128 = totals.iter().map(|t| i128::from(t.debit.cents())).sum();
            prop_assert!(debits <= 2 * verbund_domain::books::BOOKS_VOLUME_MAX_CENTS);
            let sheet = journal.balance_sheet(None);
            prop_assert_eq!(sheet.total_assets, sheet.total_liabilities_and_equity);
        }
    }
}
