//! The books' rules as given/when/then, and the property that every money event books lines
//! that sum to zero (A1).

use std::collections::BTreeMap;

use jiff::civil::{Date, date};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::coop::tests_support::{World, world, world_with};
use crate::statute::EXAMPLE_STATUTE;
use crate::{
    CapitalTransferred, MemberNo, PaymentReceived, SettlementPaid, SharesSubscribed, Statute,
};

fn no(n: u32) -> MemberNo {
    MemberNo::new(n).expect("not zero")
}

fn euros(text: &str) -> Money {
    Money::parse(text).expect("valid")
}

fn account(text: &str) -> AccountRef {
    AccountRef::parse(text).expect("valid")
}

fn entry(id: &str) -> EntryId {
    EntryId::parse(id).expect("valid")
}

const TODAY: Date = date(2028, 3, 1);

fn statute(world: &World) -> &Statute {
    world.coop.statute().expect("founded")
}

/// What bookings of membership events look at, for tests: a share amount of 500 euros and what
/// each member owes.
struct Owed(BTreeMap<MemberNo, Money>);

impl Context for Owed {
    fn share_amount(&self) -> Money {
        euros("500.00")
    }
    fn unpaid_shares(&self, member: MemberNo) -> Money {
        self.0.get(&member).copied().unwrap_or(Money::ZERO)
    }
}

fn balanced(bookings: &[Booking]) -> bool {
    bookings
        .iter()
        .all(|b| b.lines.iter().map(|l| l.amount.cents()).sum::<i64>() == 0)
}

fn sum_on(bookings: &[Booking], account: &AccountRef) -> Money {
    let cents = bookings
        .iter()
        .flat_map(|b| &b.lines)
        .filter(|l| &l.account == account)
        .map(|l| l.amount.cents())
        .sum();
    Money::from_cents(cents).expect("in range")
}

fn payment(amount: &str, account_text: &str, direction: Direction, on: Date) -> RecordPayment {
    RecordPayment {
        entry: entry("p1"),
        direction,
        amount: euros(amount),
        via: AccountRef::whole(codes::BANK),
        account: account(account_text),
        booked_on: on,
        text: "Invoice".into(),
        reference: "R-1".into(),
        today: TODAY,
    }
}

/// D1: given a cooperative founded on 2026-11-24, a payment dated 1900-01-01 (or the day
/// before the founding) is refused before anything is written, and no year before the
/// founding's can be closed; the founding day itself is fine.
#[test]
fn d1_nothing_is_booked_before_the_cooperatives_history_begins() {
    let world = world(3);
    for day in [date(1900, 1, 1), date(2026, 11, 23)] {
        let error = world
            .books
            .record_payment(payment("10.00", "4000", Direction::In, day))
            .expect_err("before the founding");
        assert_eq!(
            (error.rule_id(), error.code(), error.field()),
            (Some(Rule::D1), "date-before-history", Some("booked_on"))
        );
    }
    world
        .books
        .record_payment(payment("10.00", "4000", Direction::In, date(2026, 11, 24)))
        .expect("on the founding day");
    let error = world
        .books
        .close_year(
            statute(&world),
            CloseYear {
                entry: entry("c1900"),
                last_day: date(1900, 12, 31),
                balances: BTreeMap::new(),
                today: TODAY,
            },
        )
        .expect_err("a year before the founding");
    assert_eq!(error.rule_id(), Some(Rule::D1));
}

#[test]
fn a_payment_on_shares_moves_money_into_the_members_capital_and_lowers_what_they_owe() {
    let event = Event::PaymentReceived(PaymentReceived {
        member: no(7),
        amount: euros("300.00"),
        received_on: date(2027, 1, 10),
        reference: "SEPA-7".into(),
    });
    let owed = Owed([(no(7), euros("500.00"))].into());
    let bookings = bookings(&event, &owed);
    assert!(balanced(&bookings));
    assert_eq!(sum_on(&bookings, &account("1200")), euros("300.00"));
    assert_eq!(sum_on(&bookings, &account("2000/7")), euros("-300.00"));
    assert_eq!(sum_on(&bookings, &account("1410/7")), euros("-300.00"));
    assert_eq!(bookings[0].reference, "SEPA-7");
}

/// G73: the settlement pays the whole capital out and clears what was still unpaid.
#[test]
fn g73_a_settlement_pays_out_the_capital_and_clears_the_unpaid_shares() {
    let event = Event::SettlementPaid(SettlementPaid {
        member: no(4),
        amount: euros("400.00"),
        paid_on: date(2028, 6, 30),
    });
    let bookings = bookings(&event, &Owed([(no(4), euros("100.00"))].into()));
    assert!(balanced(&bookings));
    assert_eq!(sum_on(&bookings, &account("2000/4")), euros("400.00"));
    assert_eq!(sum_on(&bookings, &account("1200")), euros("-400.00"));
    assert_eq!(sum_on(&bookings, &account("1410/4")), euros("-100.00"));
}

/// A1: a manual entry must balance, and nothing goes into a sealed year.
#[test]
fn a1_an_unbalanced_entry_and_an_entry_into_a_sealed_year_are_refused() {
    let world = world(3);
    let lines = vec![
        Line::debit(account("6855"), euros("12.50")),
        Line::credit(account("1200"), euros("12.49")),
    ];
    let post = |lines: Vec<Line>, on: Date| PostEntry {
        entry: entry("e1"),
        booked_on: on,
        text: "Bank fees".into(),
        receipt: "Statement 12".into(),
        lines,
        today: TODAY,
    };
    let error = world
        .books
        .post_entry(post(lines, date(2027, 12, 31)))
        .expect_err("unbalanced");
    assert_eq!(
        (error.code(), error.rule_id()),
        ("entry-unbalanced", Some(Rule::A1))
    );

    let mut world = world;
    let close = world
        .books
        .close_year(
            statute(&world),
            CloseYear {
                entry: entry("c2027"),
                last_day: date(2027, 12, 31),
                balances: BTreeMap::new(),
                today: TODAY,
            },
        )
        .expect("closed");
    world.record(close);
    let balanced_lines = vec![
        Line::debit(account("6855"), euros("12.50")),
        Line::credit(account("1200"), euros("12.50")),
    ];
    let error = world
        .books
        .post_entry(post(balanced_lines.clone(), date(2027, 12, 31)))
        .expect_err("sealed");
    assert_eq!(
        (error.code(), error.rule_id()),
        ("year-sealed", Some(Rule::A1))
    );
    assert!(
        world
            .books
            .post_entry(post(balanced_lines, date(2028, 1, 2)))
            .is_ok()
    );
    // A payment into the sealed year is refused the same way.
    let error = world
        .books
        .record_payment(payment("10.00", "4000", Direction::In, date(2027, 6, 1)))
        .expect_err("sealed");
    assert_eq!(error.rule_id(), Some(Rule::A1));
}

/// A1: a correction is a reversal: the reversing entry nets the original to zero, both stay,
/// and neither can be reversed again (nor is either offered for reversal).
#[test]
fn a1_a_reversal_nets_an_entry_to_zero_and_both_remain() {
    let mut world = world(3);
    let paid = world
        .books
        .record_payment(payment("119.00", "6300", Direction::Out, date(2028, 2, 1)))
        .expect("recorded");
    world.record(paid.clone());
    let reverse = |id: &str, of: &str| Reverse {
        entry: entry(id),
        reverses: entry(of),
        booked_on: date(2028, 2, 2),
        reason: "Paid twice by mistake".into(),
        today: TODAY,
    };
    assert!(world.books.is_reversible(&entry("p1")));
    let reversal = world.books.reverse(reverse("r1", "p1")).expect("reversed");
    let mut all: Vec<Booking> = paid
        .iter()
        .chain(&reversal)
        .flat_map(|c| bookings(&c.event, &Owed(BTreeMap::new())))
        .collect();
    assert_eq!(all.len(), 2, "both entries remain");
    assert!(balanced(&all));
    for code in ["1200", "6300"] {
        assert_eq!(
            sum_on(&all, &account(code)),
            Money::ZERO,
            "{code} nets to zero"
        );
    }
    world.record(reversal);
    // The ledger's page offers a reversal exactly where `reverse` would take one.
    for id in ["p1", "r1", "nope"] {
        assert!(!world.books.is_reversible(&entry(id)), "{id}");
    }
    assert_eq!(
        world
            .books
            .reverse(reverse("r2", "p1"))
            .expect_err("twice")
            .code(),
        "entry-reversed"
    );
    assert_eq!(
        world
            .books
            .reverse(reverse("r3", "r1"))
            .expect_err("of a reversal")
            .code(),
        "reversal-of-reversal"
    );
    assert_eq!(
        world
            .books
            .reverse(reverse("r4", "nope"))
            .expect_err("unknown")
            .code(),
        "entry-unknown"
    );
    all.clear();
}

/// G22: the paid-in capital is not paid out, lent or pledged during membership: the treasurer
/// cannot book it by hand.
#[test]
fn g22_members_capital_cannot_be_booked_by_hand() {
    let world = world(3);
    let error = world
        .books
        .record_payment(payment(
            "100.00",
            "2000/2",
            Direction::Out,
            date(2028, 2, 1),
        ))
        .expect_err("capital");
    assert_eq!(
        (error.code(), error.rule_id()),
        ("capital-account-managed", Some(Rule::G22))
    );
    let error = world
        .books
        .record_payment(payment("100.00", "1410/2", Direction::In, date(2028, 2, 1)))
        .expect_err("unpaid shares");
    assert_eq!(error.code(), "shares-account-managed");
}

#[test]
fn bad_amounts_accounts_and_dates_are_refused_with_their_field() {
    let world = world(3);
    let cases = [
        (
            payment("0.00", "4000", Direction::In, date(2028, 1, 5)),
            "amount-not-positive",
        ),
        (
            payment("-5.00", "4000", Direction::In, date(2028, 1, 5)),
            "amount-not-positive",
        ),
        (
            payment("5.00", "5555", Direction::In, date(2028, 1, 5)),
            "account-unknown",
        ),
        (
            payment("5.00", "2000", Direction::In, date(2028, 1, 5)),
            "account-sub-ledger",
        ),
        (
            payment("5.00", "1200", Direction::In, date(2028, 1, 5)),
            "payment-to-itself",
        ),
        (
            payment("5.00", "4000", Direction::In, date(2029, 1, 5)),
            "date-in-future",
        ),
    ];
    for (command, code) in cases {
        assert_eq!(
            world.books.record_payment(command).expect_err(code).code(),
            code
        );
    }
}

fn facts(member: u32, shares: u32, employees: u32) -> MemberFacts {
    MemberFacts {
        member: no(member),
        has_rights: true,
        shares,
        employees,
        entrepreneur: true,
    }
}

#[test]
fn a_levy_by_firm_size_splits_the_whole_to_the_cent_over_the_members_with_rights() {
    let world = world(3);
    let mut members = vec![facts(1, 1, 6), facts(2, 1, 4), facts(3, 1, 3)];
    members.push(MemberFacts {
        has_rights: false,
        ..facts(4, 1, 100)
    });
    let changes = world
        .books
        .charge_levy(
            ChargeLevy {
                entry: entry("l1"),
                purpose: "Regional marketing 2028".into(),
                key: LevyKey::FirmSize,
                total: euros("1000.00"),
                account: AccountRef::whole(codes::LEVIES),
                booked_on: date(2028, 2, 1),
                due_on: date(2028, 3, 1),
                usage: BTreeMap::new(),
                today: TODAY,
            },
            &members,
        )
        .expect("charged");
    let Event::LevyCharged(levy) = &changes[0].event else {
        panic!("a levy")
    };
    let amounts: Vec<Money> = levy.parts.iter().map(|p| p.amount).collect();
    assert_eq!(
        amounts,
        vec![euros("461.54"), euros("307.69"), euros("230.77")]
    );
    let bookings = bookings(&changes[0].event, &Owed(BTreeMap::new()));
    assert!(balanced(&bookings));
    assert_eq!(sum_on(&bookings, &account("4200")), euros("-1000.00"));
}

proptest! {
    /// A1: a levy over any number of members, up to the most one levy takes, is booked in
    /// events of at most `LEVY_PARTS_PER_EVENT` parts, the first `LevyCharged`, the rest
    /// `LevyContinued`: each event's booking balances, their parts sum to the levy, every
    /// member is charged once, and the books fold it as one entry.
    #[test]
    fn a1_a_levy_over_many_members_is_booked_in_balanced_events_of_one_entry(
        members in 1u32..3_500,
        cents in 1i64..100_000_000,
    ) {
        let mut world = world(3);
        let facts: Vec<MemberFacts> = (1..=members).map(|m| facts(m, 1, 1)).collect();
        let total = Money::from_cents(cents).expect("in range");
        let changes = world
            .books
            .charge_levy(
                ChargeLevy {
                    entry: entry("big"),
                    purpose: "Regional marketing 2028".into(),
                    key: LevyKey::Equal,
                    total,
                    account: AccountRef::whole(codes::LEVIES),
                    booked_on: date(2028, 2, 1),
                    due_on: date(2028, 3, 1),
                    usage: BTreeMap::new(),
                    today: TODAY,
                },
                &facts,
            )
            .expect("charged");
        let charged = (members as usize).min(cents as usize);
        prop_assert_eq!(changes.len(), charged.div_ceil(LEVY_PARTS_PER_EVENT));
        prop_assert!(matches!(changes[0].event, Event::LevyCharged(_)));
        let mut charged_members = std::collections::BTreeSet::new();
        let mut sum = 0i64;
        for change in &changes {
            let parts = match &change.event {
                Event::LevyCharged(e) => &e.parts,
                Event::LevyContinued(e) => &e.parts,
                other => panic!("not a levy: {other:?}"),
            };
            prop_assert!(parts.len() <= LEVY_PARTS_PER_EVENT);
            for part in parts {
                prop_assert!(charged_members.insert(part.member), "charged once");
                sum += part.amount.cents();
            }
            prop_assert!(balanced(&bookings(&change.event, &Owed(BTreeMap::new()))));
        }
        prop_assert_eq!(sum, cents);
        for change in &changes {
            world.books.apply(&change.event);
        }
        let lines: i64 = world.books.entries.get(&entry("big")).expect("one entry").lines.iter()
            .filter(|l| l.amount.cents() > 0)
            .map(|l| l.amount.cents())
            .sum();
        prop_assert_eq!(lines, cents, "one entry holds every part");
        // Its reversal undoes it whole, an event for each of the levy's, each balanced.
        let reversal = world
            .books
            .reverse(Reverse {
                entry: entry("undo"),
                reverses: entry("big"),
                booked_on: date(2028, 2, 2),
                reason: "Charged by mistake".into(),
                today: TODAY,
            })
            .expect("reversed");
        prop_assert_eq!(reversal.len(), changes.len());
        let mut undone = 0i64;
        for change in &reversal {
            let booked = bookings(&change.event, &Owed(BTreeMap::new()));
            prop_assert!(balanced(&booked));
            undone += booked.iter().flat_map(|b| &b.lines)
                .filter(|l| l.account.code == codes::LEVIES)
                .map(|l| l.amount.cents())
                .sum::<i64>();
        }
        prop_assert_eq!(undone, cents, "the income charged is taken back");
    }
}

/// Records the year's business as one manual entry on 2027-06-30: `lines` (income and
/// expenses, debit positive), balanced on the bank.
fn post_results(world: &mut World, lines: &[(&str, &str)]) {
    let mut entry_lines: Vec<Line> = lines
        .iter()
        .map(|(a, m)| Line::debit(account(a), euros(m)))
        .collect();
    let total: i64 = entry_lines.iter().map(|l| l.amount.cents()).sum();
    entry_lines.push(Line::debit(
        AccountRef::whole(codes::BANK),
        Money::from_cents(-total).expect("in range"),
    ));
    let changes = world
        .books
        .post_entry(PostEntry {
            entry: entry("r2027"),
            booked_on: date(2027, 6, 30),
            text: "The year's business".into(),
            receipt: "R-2027".into(),
            lines: entry_lines,
            today: TODAY,
        })
        .expect("posted");
    world.record(changes);
}

fn closed_world(result_lines: &[(&str, &str)]) -> World {
    let mut world = world(3);
    post_results(&mut world, result_lines);
    let balances: BTreeMap<AccountRef, Money> = result_lines
        .iter()
        .map(|(a, m)| (account(a), euros(m)))
        .collect();
    let close = world
        .books
        .close_year(
            statute(&world),
            CloseYear {
                entry: entry("c2027"),
                last_day: date(2027, 12, 31),
                balances,
                today: TODAY,
            },
        )
        .expect("closed");
    world.record(close);
    world
}

#[test]
fn closing_a_year_moves_income_and_expenses_into_its_result_and_carries_it_forward() {
    let mut world = world(3);
    post_results(&mut world, &[("4000", "-3000.00"), ("6300", "1000.00")]);
    let balances: BTreeMap<AccountRef, Money> = [
        ("1200", "5000.00"),
        ("4000", "-3000.00"),
        ("6300", "1000.00"),
        ("2000/1", "-3000.00"),
    ]
    .iter()
    .map(|(a, m)| (account(a), euros(m)))
    .collect();
    let changes = world
        .books
        .close_year(
            statute(&world),
            CloseYear {
                entry: entry("c2027"),
                last_day: date(2027, 12, 31),
                balances,
                today: TODAY,
            },
        )
        .expect("closed");
    let Event::FiscalYearClosed(closed) = &changes[0].event else {
        panic!("closed")
    };
    assert_eq!(closed.result, euros("2000.00"));
    assert_eq!(closed.first_day, date(2027, 1, 1));
    let bookings = bookings(&changes[0].event, &Owed(BTreeMap::new()));
    assert_eq!(bookings.len(), 2);
    assert!(balanced(&bookings));
    assert_eq!(sum_on(&bookings, &account("4000")), euros("3000.00"));
    assert_eq!(sum_on(&bookings, &account("6300")), euros("-1000.00"));
    assert_eq!(sum_on(&bookings, &account("2970")), Money::ZERO);
    assert_eq!(sum_on(&bookings, &account("2900")), euros("-2000.00"));
    assert_eq!(bookings[1].booked_on, date(2028, 1, 1));
    world.record(changes);
    let error = world
        .books
        .close_year(
            statute(&world),
            CloseYear {
                entry: entry("c2027b"),
                last_day: date(2027, 12, 31),
                balances: BTreeMap::new(),
                today: TODAY,
            },
        )
        .expect_err("closed twice");
    assert_eq!(error.code(), "year-closed");
    let error = world
        .books
        .close_year(
            statute(&world),
            CloseYear {
                entry: entry("c2028"),
                last_day: date(2028, 6, 30),
                balances: BTreeMap::new(),
                today: TODAY,
            },
        )
        .expect_err("not a year end");
    assert_eq!(error.code(), "not-a-year-end");
}

/// A1: years close in order: a year's closing takes the income and expenses of its own days
/// from the books' entries, and refuses while an earlier year with income or expenses is
/// open (they would be swept into the later year's result).
#[test]
fn a1_years_close_in_order_each_with_its_own_income_and_expenses() {
    let mut world = world(3);
    post_results(&mut world, &[("4000", "-800.00")]);
    let earlier = post_entry_on(&world, "e2026", date(2026, 12, 1), "6300", "300.00");
    world.record(earlier);
    let close = |world: &World, id: &str, last_day: Date| {
        world.books.close_year(
            statute(world),
            CloseYear {
                entry: entry(id),
                last_day,
                balances: BTreeMap::new(),
                today: TODAY,
            },
        )
    };
    let error = close(&world, "c2027", date(2027, 12, 31)).expect_err("2026 is open");
    assert_eq!(error.code(), "earlier-year-open");
    let closed = close(&world, "c2026", date(2026, 12, 31)).expect("2026 first");
    let Event::FiscalYearClosed(e) = &closed[0].event else {
        panic!("closed")
    };
    assert_eq!(e.result, euros("-300.00"));
    world.record(closed);
    let closed = close(&world, "c2027", date(2027, 12, 31)).expect("then 2027");
    let Event::FiscalYearClosed(e) = &closed[0].event else {
        panic!("closed")
    };
    assert_eq!(e.result, euros("800.00"), "only 2027's own income");
}

/// A manual entry of `amount` (debit positive) on `account` against the bank, on `day`.
fn post_entry_on(
    world: &World,
    id: &str,
    day: Date,
    account_code: &str,
    amount: &str,
) -> Vec<Change> {
    let amount = euros(amount);
    world
        .books
        .post_entry(PostEntry {
            entry: entry(id),
            booked_on: day,
            text: "An entry".into(),
            receipt: format!("R-{id}"),
            lines: vec![
                Line::debit(account(account_code), amount),
                Line::credit(AccountRef::whole(codes::BANK), amount),
            ],
            today: TODAY,
        })
        .expect("posted")
}

/// G33: given capital of 6,000 and reserves of 1,000, the alarm threshold is ½ × 6,000 +
/// 1,000 = 4,000 (§ 33 (3) GenG: the reserves count whole), not ½ × (6,000 + 1,000) = 3,500;
/// when a year closes with a loss of 4,000.01 the alarm is raised with the capital recorded
/// apart, and with 4,000.00 or 3,500.01 it is not.
#[test]
fn g33_a_loss_above_half_the_capital_plus_the_reserves_raises_the_alarm() {
    let close = |loss: &str| {
        let mut world = world(3);
        post_results(&mut world, &[("6300", loss)]);
        let balances: BTreeMap<AccountRef, Money> = [
            ("2000/1", "-3000.00"),
            ("2000/2", "-3000.00"),
            ("2100", "-1000.00"),
            ("6300", loss),
            ("1200", "0.00"),
        ]
        .iter()
        .map(|(a, m)| (account(a), euros(m)))
        .collect();
        world
            .books
            .close_year(
                statute(&world),
                CloseYear {
                    entry: entry("c"),
                    last_day: date(2027, 12, 31),
                    balances,
                    today: TODAY,
                },
            )
            .expect("closed")
    };
    let alarmed = close("4000.01");
    assert!(
        matches!(
            &alarmed[1].event,
            Event::LossAlarmRaised(a) if a.loss == euros("4000.01")
                && a.capital_and_reserves == euros("7000.00")
                && a.capital == Some(euros("6000.00"))
        ),
        "{alarmed:?}"
    );
    assert_eq!(
        close("4000.00").len(),
        1,
        "exactly the threshold is no alarm"
    );
    assert_eq!(
        close("3500.01").len(),
        1,
        "half of capital and reserves together is not the law's threshold"
    );
}

/// G33: the loss is the balance sheet's: a year's small loss on top of a loss carried forward
/// raises the alarm; a profit carried forward covers a loss.
#[test]
fn g33_a_loss_carried_forward_counts_with_the_years_loss() {
    let balances = |carried: &str| -> BTreeMap<AccountRef, Money> {
        [
            ("2000/1", "-3000.00"),
            ("2100", "-1000.00"),
            ("2900", carried),
        ]
        .iter()
        .map(|(a, m)| (account(a), euros(m)))
        .collect()
    };
    assert_eq!(
        loss_alarm(&balances("1500.00"), euros("-1000.01")),
        Some(LossAlarm {
            loss: euros("2500.01"),
            capital: euros("3000.00"),
            reserves: euros("1000.00"),
            capital_and_reserves: euros("4000.00"),
        }),
        "1,000.01 this year and 1,500 carried: above ½ × 3,000 + 1,000"
    );
    assert_eq!(
        loss_alarm(&balances("1500.00"), euros("-1000.00")),
        None,
        "2,500 is covered by 2,500"
    );
    assert_eq!(loss_alarm(&balances("0.00"), euros("-600.00")), None);
    assert_eq!(
        loss_alarm(&balances("-5000.00"), euros("-2500.00")),
        None,
        "a profit carried forward is no loss"
    );
}

proptest! {
    /// G33: for any capital, reserves and loss, the alarm is raised exactly when the loss
    /// exceeds half of the capital plus the reserves.
    #[test]
    fn g33_the_alarm_follows_the_laws_threshold(
        capital in 0i64..10_000_000_000,
        reserves in 0i64..10_000_000_000,
        loss in 1i64..30_000_000_000,
    ) {
        let cents = |c: i64| Money::from_cents(c).expect("in range");
        let balances: BTreeMap<AccountRef, Money> = [
            (account("2000/1"), cents(-capital)),
            (account("2100"), cents(-reserves)),
        ]
        .into_iter()
        .collect();
        let alarm = loss_alarm(&balances, cents(-loss));
        let threshold = Decimal::new(capital, 2) / Decimal::from(2) + Decimal::new(reserves, 2);
        prop_assert_eq!(alarm.is_some(), Decimal::new(loss, 2) > threshold);
    }
}

fn distribute(
    world: &World,
    adopted: bool,
    legal: &str,
    members: Vec<MemberFacts>,
) -> Result<Vec<Change>, DomainError> {
    world.books.distribute_profit(
        statute(world),
        DistributeProfit {
            entry: entry("d2027"),
            year_last_day: date(2027, 12, 31),
            motion: MotionId::parse("m1").expect("valid"),
            motion_adopted: adopted,
            legal_reserve: euros(legal),
            other_reserves: euros("100.00"),
            carried_forward: euros("0.00"),
            members,
            capital_before: Some([(no(1), euros("1000.00")), (no(2), euros("3000.00"))].into()),
            capital_at_end: [(no(1), euros("1500.00")), (no(2), euros("3000.00"))].into(),
            unpaid: [(no(1), euros("50.00"))].into(),
            booked_on: date(2028, 2, 15),
            today: TODAY,
        },
    )
}

/// G19: after the assembly's resolution, the profit goes by the previous year-end capital,
/// credited to unpaid shares first; reserves at least the statute's share; the parts sum to
/// the profit exactly.
#[test]
fn g19_a_profit_is_shared_by_last_years_capital_and_credited_to_unpaid_shares_first() {
    let world = closed_world(&[("4000", "-1100.00")]);
    let members = vec![facts(1, 2, 4), facts(2, 6, 4)];
    let error = distribute(&world, false, "110.00", members.clone()).expect_err("not decided");
    assert_eq!(error.rule_id(), Some(Rule::G19));
    let error = distribute(&world, true, "109.99", members.clone()).expect_err("reserve");
    assert_eq!(
        (error.code(), error.rule_id()),
        ("legal-reserve-too-small", Some(Rule::G7))
    );
    let changes = distribute(&world, true, "200.00", members).expect("distributed");
    let Event::ProfitDistributed(d) = &changes[0].event else {
        panic!("distributed")
    };
    // 1100 - 200 - 100 = 800, by 1000 : 3000.
    assert_eq!(d.parts[0].amount, euros("200.00"));
    assert_eq!(d.parts[1].amount, euros("600.00"));
    assert_eq!(
        (d.parts[0].credited, d.parts[0].paid_out),
        (euros("50.00"), euros("150.00"))
    );
    let bookings = bookings(&changes[0].event, &Owed(BTreeMap::new()));
    assert!(balanced(&bookings));
    assert_eq!(sum_on(&bookings, &account("2900")), euros("1100.00"));
    assert_eq!(sum_on(&bookings, &account("2000/1")), euros("-50.00"));
    assert_eq!(sum_on(&bookings, &account("3600/1")), euros("-150.00"));
    // The credited part is the member's paid-in capital.
    let mut world = world;
    let before = world.member(1).membership().expect("member").paid_in();
    world.record(changes);
    assert_eq!(
        world.member(1).membership().expect("member").paid_in(),
        before.checked_add(euros("50.00")).expect("in range")
    );
    assert_eq!(
        distribute(&world, true, "200.00", vec![facts(1, 2, 4)])
            .expect_err("twice")
            .code(),
        "profit-distributed"
    );
}

/// G19: in the first year the key is the amounts paid in (the capital at the year's end).
#[test]
fn g19_in_the_first_year_the_profit_goes_by_the_amounts_paid_in() {
    let world = closed_world(&[("4000", "-1000.00")]);
    let changes = world
        .books
        .distribute_profit(
            statute(&world),
            DistributeProfit {
                entry: entry("d"),
                year_last_day: date(2027, 12, 31),
                motion: MotionId::parse("m1").expect("valid"),
                motion_adopted: true,
                legal_reserve: euros("100.00"),
                other_reserves: Money::ZERO,
                carried_forward: Money::ZERO,
                members: vec![facts(1, 1, 1), facts(2, 1, 1), facts(3, 1, 1)],
                capital_before: None,
                capital_at_end: [
                    (no(1), euros("100.00")),
                    (no(2), euros("200.00")),
                    (no(3), euros("0.00")),
                ]
                .into(),
                unpaid: BTreeMap::new(),
                booked_on: date(2028, 1, 15),
                today: TODAY,
            },
        )
        .expect("distributed");
    let Event::ProfitDistributed(d) = &changes[0].event else {
        panic!("distributed")
    };
    let amounts: Vec<(MemberNo, Money)> = d.parts.iter().map(|p| (p.member, p.amount)).collect();
    assert_eq!(
        amounts,
        vec![(no(1), euros("300.00")), (no(2), euros("600.00"))]
    );
}

fn loan_statute() -> String {
    format!("{EXAMPLE_STATUTE}\n[books]\nmember_loan_interest_max_percent = \"2.00\"\n")
}

fn grant(
    world: &World,
    lender: MemberFacts,
    amount: &str,
    interest: &str,
    approved: bool,
) -> Result<Vec<Change>, DomainError> {
    world.books.grant_loan(
        statute(world),
        GrantLoan {
            loan: LoanId::parse(&format!("loan{}", amount.replace('.', ""))).expect("valid"),
            lender,
            project: MotionId::parse("laser").expect("valid"),
            project_approved: approved,
            asset: None,
            amount: euros(amount),
            interest_percent: Decimal::from_str_exact(interest).expect("a decimal"),
            received_on: date(2028, 2, 1),
            today: TODAY,
        },
    )
}

/// G21b: member loans need the statute's cap, an approved investment, and stay within 25,000
/// euros per lender who is not an entrepreneur.
#[test]
fn g21b_member_loans_are_capped_per_person_and_by_the_statutes_interest() {
    let person = MemberFacts {
        entrepreneur: false,
        ..facts(3, 1, 1)
    };
    let plain = world(3);
    let error = grant(&plain, person.clone(), "1000.00", "1.00", true).expect_err("no statute");
    assert_eq!(
        (error.code(), error.rule_id()),
        ("member-loans-not-in-statute", Some(Rule::G21b))
    );

    let mut world = world_with(&loan_statute(), 3);
    assert_eq!(
        grant(&world, person.clone(), "1000.00", "2.01", true)
            .expect_err("interest")
            .code(),
        "loan-interest-above-cap"
    );
    assert_eq!(
        grant(&world, person.clone(), "1000.00", "1.00", false)
            .expect_err("no project")
            .code(),
        "loan-without-investment"
    );
    assert_eq!(
        grant(&world, person.clone(), "1000.00", "-0.50", true)
            .expect_err("negative")
            .code(),
        "loan-interest-negative"
    );
    let first = grant(&world, person.clone(), "20000.00", "1.50", true).expect("granted");
    world.record(first);
    let error = grant(&world, person.clone(), "5000.01", "1.50", true).expect_err("above 25,000");
    assert_eq!(
        (error.code(), error.rule_id()),
        ("loan-above-person-cap", Some(Rule::G21b))
    );
    assert!(grant(&world, person, "5000.00", "1.50", true).is_ok());
    // A firm lends beyond 25,000.
    assert!(grant(&world, facts(1, 1, 4), "30000.00", "1.50", true).is_ok());
}

/// G21b: a repayment lowers what the lender has lent, so the cap has room again; more than
/// is outstanding, or on an unknown loan, is refused; and the loans' account is not booked by
/// hand, past the caps.
#[test]
fn g21b_a_repaid_loan_makes_room_under_the_cap_and_loans_are_not_booked_by_hand() {
    let person = MemberFacts {
        entrepreneur: false,
        ..facts(3, 1, 1)
    };
    let mut world = world_with(&loan_statute(), 3);
    let granted = grant(&world, person.clone(), "25000.00", "1.00", true).expect("granted");
    world.record(granted);
    let loan = LoanId::parse("loan2500000").expect("valid");
    assert!(
        grant(&world, person.clone(), "0.01", "1.00", true).is_err(),
        "at the cap"
    );
    let error = world
        .books
        .repay_loan(&loan, euros("25000.01"), date(2028, 3, 1), TODAY)
        .expect_err("more than lent");
    assert_eq!(error.code(), "repayment-above-loan");
    let error = world
        .books
        .repay_loan(
            &LoanId::parse("nosuch").expect("valid"),
            euros("1.00"),
            date(2028, 3, 1),
            TODAY,
        )
        .expect_err("unknown");
    assert_eq!(error.code(), "loan-unknown");
    let repaid = world
        .books
        .repay_loan(&loan, euros("5000.00"), date(2028, 3, 1), TODAY)
        .expect("repaid");
    world.record(repaid);
    grant(&world, person, "5000.00", "1.00", true).expect("room again under the cap");

    let error = world
        .books
        .record_payment(RecordPayment {
            entry: EntryId::parse("byhand").expect("valid"),
            direction: Direction::In,
            amount: euros("50000.00"),
            via: AccountRef::whole(codes::BANK),
            account: AccountRef::member(codes::MEMBER_LOANS, no(3)),
            booked_on: date(2028, 3, 1),
            text: "A loan past the caps".into(),
            reference: "R-1".into(),
            today: TODAY,
        })
        .expect_err("by hand");
    assert_eq!(
        (error.code(), error.rule_id()),
        ("member-loans-managed", Some(Rule::G21b))
    );
}

/// G21b: all member loans to one investment stay within 2.5 million euros.
#[test]
fn g21b_member_loans_to_one_project_stay_within_two_and_a_half_million() {
    let mut world = world_with(&loan_statute(), 3);
    let firm = facts(1, 1, 4);
    let granted = grant(&world, firm.clone(), "2400000.00", "1.00", true).expect("granted");
    world.record(granted);
    let error = grant(&world, facts(2, 1, 4), "100000.01", "1.00", true).expect_err("project cap");
    assert_eq!(error.code(), "loan-above-project-cap");
}

#[test]
fn the_statutes_books_section_is_validated() {
    let bad = format!("{EXAMPLE_STATUTE}\n[books]\nmember_loan_interest_max_percent = \"1.234\"\n");
    assert_eq!(
        Statute::parse_toml(&bad)
            .expect_err("three decimals")
            .rule_id(),
        Some(Rule::G21b)
    );
    let bad = format!("{EXAMPLE_STATUTE}\n[books]\nlegal_reserve_percent = 101\n");
    assert_eq!(
        Statute::parse_toml(&bad).expect_err("percent").rule_id(),
        Some(Rule::G7)
    );
    let good =
        format!("{EXAMPLE_STATUTE}\n[books]\nlegal_reserve_percent = 25\nprofit_key = \"equal\"\n");
    let statute = Statute::parse_toml(&good).expect("valid");
    assert_eq!(statute.legal_reserve_percent(), 25);
    assert_eq!(statute.profit_key(), Some(ProfitKey::Equal));
}

fn money_strategy(max_cents: i64) -> impl Strategy<Value = Money> {
    (1..=max_cents).prop_map(|c| Money::from_cents(c).expect("in range"))
}

fn any_day() -> impl Strategy<Value = Date> {
    (0i16..1000).prop_map(|d| {
        date(2026, 1, 1)
            .checked_add(jiff::Span::new().days(d))
            .expect("in range")
    })
}

/// Any money event a decision can produce, with made-up but consistent contents.
fn money_event() -> impl Strategy<Value = Event> {
    let member = (1u32..50).prop_map(no);
    let some_account = prop::sample::select(vec![
        "1200", "1000", "4000", "6300", "6855", "3300", "0400/van", "1420/3", "3100/5",
    ]);
    prop_oneof![
        (member.clone(), money_strategy(10_000_000), any_day()).prop_map(|(m, a, d)| {
            Event::PaymentReceived(PaymentReceived {
                member: m,
                amount: a,
                received_on: d,
                reference: "r".into(),
            })
        }),
        (member.clone(), 1u32..20, any_day()).prop_map(|(m, s, d)| {
            Event::SharesSubscribed(SharesSubscribed {
                member: m,
                shares: s,
                total: s + 1,
                subscribed_on: d,
                paid_in_due: Money::ZERO,
                paid_in_due_on: d,
            })
        }),
        (
            member.clone(),
            member.clone(),
            money_strategy(10_000_000),
            any::<bool>(),
            any_day()
        )
            .prop_map(|(f, t, a, exits, d)| {
                Event::CapitalTransferred(CapitalTransferred {
                    from: f,
                    to: t,
                    amount: a,
                    agreed_on: d,
                    from_exits: exits,
                })
            }),
        (member.clone(), money_strategy(10_000_000), any_day()).prop_map(|(m, a, d)| {
            Event::SettlementPaid(SettlementPaid {
                member: m,
                amount: a,
                paid_on: d,
            })
        }),
        (
            money_strategy(10_000_000),
            some_account.clone(),
            any::<bool>(),
            any_day()
        )
            .prop_map(|(a, acc, incoming, d)| {
                Event::PaymentRecorded(PaymentRecorded {
                    entry: entry("p"),
                    direction: if incoming {
                        Direction::In
                    } else {
                        Direction::Out
                    },
                    amount: a,
                    via: account("1200"),
                    account: account(acc),
                    booked_on: d,
                    text: "t".into(),
                    reference: "r".into(),
                })
            }),
        (
            money_strategy(100_000_000),
            proptest::collection::vec(0u64..1000, 1..30),
            any_day()
        )
            .prop_filter_map("weights", |(total, weights, d)| {
                let amounts = allocate(total, &weights).ok()?;
                let parts = weights
                    .iter()
                    .zip(amounts)
                    .enumerate()
                    .map(|(i, (w, a))| LevyPart {
                        member: no(i as u32 + 1),
                        weight: *w,
                        amount: a,
                    })
                    .collect();
                Some(Event::LevyCharged(LevyCharged {
                    entry: entry("l"),
                    purpose: "p".into(),
                    key: LevyKey::Usage,
                    account: account("4200"),
                    total,
                    booked_on: d,
                    due_on: d,
                    parts,
                }))
            }),
        (
            proptest::collection::vec((some_account.clone(), -1_000_000i64..1_000_000), 1..10),
            some_account,
            any_day(),
            any::<bool>()
        )
            .prop_map(|(lines, last, d, reversed)| {
                let mut lines: Vec<Line> = lines
                    .into_iter()
                    .filter(|(_, c)| *c != 0)
                    .map(|(a, c)| Line {
                        account: account(a),
                        amount: Money::from_cents(c).expect("in range"),
                    })
                    .collect();
                let sum: i64 = lines.iter().map(|l| l.amount.cents()).sum();
                lines.push(Line {
                    account: account(last),
                    amount: Money::from_cents(-sum).expect("in range"),
                });
                if reversed {
                    let lines = lines
                        .iter()
                        .map(|l| Line::credit(l.account.clone(), l.amount))
                        .collect();
                    Event::EntryReversed(EntryReversed {
                        entry: entry("r"),
                        reverses: entry("e"),
                        booked_on: d,
                        reason: "x".into(),
                        lines,
                    })
                } else {
                    Event::JournalEntryPosted(JournalEntryPosted {
                        entry: entry("e"),
                        booked_on: d,
                        text: "t".into(),
                        receipt: "r".into(),
                        lines,
                    })
                }
            }),
        (
            member.clone(),
            money_strategy(2_500_000),
            any::<bool>(),
            any_day()
        )
            .prop_map(|(m, a, repaid, d)| {
                let loan = LoanId::parse("l1").expect("valid");
                if repaid {
                    Event::MemberLoanRepaid(MemberLoanRepaid {
                        loan,
                        lender: m,
                        amount: a,
                        paid_on: d,
                    })
                } else {
                    Event::MemberLoanGranted(MemberLoanGranted {
                        loan,
                        lender: m,
                        project: MotionId::parse("m").expect("valid"),
                        asset: None,
                        amount: a,
                        interest_percent: "1.00".into(),
                        received_on: d,
                    })
                }
            }),
        (
            proptest::collection::vec((member, 0i64..1_000_000, 0i64..1_000_000), 0..20),
            0i64..1_000_000,
            0i64..1_000_000,
            any_day()
        )
            .prop_map(|(parts, legal, other, d)| {
                let parts = parts
                    .into_iter()
                    .map(|(m, credited, paid_out)| {
                        let c = Money::from_cents(credited).expect("in range");
                        let p = Money::from_cents(paid_out).expect("in range");
                        ProfitPart {
                            member: m,
                            basis: Money::ZERO,
                            amount: c.checked_add(p).expect("in range"),
                            credited: c,
                            paid_out: p,
                        }
                    })
                    .collect();
                Event::ProfitDistributed(ProfitDistributed {
                    entry: entry("d"),
                    year_last_day: d,
                    motion: MotionId::parse("m").expect("valid"),
                    booked_on: d,
                    legal_reserve: Money::from_cents(legal).expect("in range"),
                    other_reserves: Money::from_cents(other).expect("in range"),
                    carried_forward: Money::ZERO,
                    key: ProfitKey::Capital,
                    parts,
                })
            }),
    ]
}

proptest! {
    /// A1: every money event books lines that sum to zero, whatever the members still owe.
    #[test]
    fn a1_every_money_event_books_lines_that_sum_to_zero(
        event in money_event(),
        owed in proptest::collection::btree_map((1u32..50).prop_map(no), 0i64..10_000_000, 0..50),
    ) {
        let owed = Owed(owed.into_iter().map(|(m, c)| (m, Money::from_cents(c).expect("in range"))).collect());
        let bookings = bookings(&event, &owed);
        prop_assert!(balanced(&bookings), "{:?}", bookings);
        prop_assert!(bookings.iter().all(|b| b.lines.iter().all(|l| l.amount != Money::ZERO)));
    }
}
