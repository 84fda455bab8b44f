//! An existing cooperative moves in (D1): its history in Verbund begins on a go-live day, with
//! an opening state instead of a founding — the statute in force, the members with their
//! historical admissions, shares, paid-in capital and open notices, the officers, and the
//! opening balances of the books. It is checked as a whole and recorded in one commit: the
//! opening balance sheet balances, every member's capital in the books is what the member list
//! says, every member meets the statute. From the go-live on it is a cooperative like any
//! other; nothing else is dated before it, and the go-live year is the first the books close.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::books::{AccountRef, Line, Sub, codes};
use crate::coop::{self, Officer};
use crate::{
    Change, Cooperative, DomainError, MemberKind, MemberNo, Money, Name, Office, OfficerAppointed,
    PersonalRef, Rule, Statute, Stream,
};

/// The most members one moving-in records: one commit holds them all (a stream and a
/// personal-data record each).
pub const MEMBERS_MOVING_IN_MAX: usize = 1_500;

/// `CooperativeMovedIn`: an existing cooperative's history in Verbund began on its go-live
/// day, under the statute in force then. Its first event, in place of a founding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CooperativeMovedIn {
    /// The name.
    pub name: Name,
    /// The day it was founded, long before.
    pub founded_on: Date,
    /// The day its history in Verbund begins (D1).
    pub go_live_on: Date,
    /// The statute in force on that day (counted as version 1 here).
    pub statute: Box<Statute>,
    /// The statute's text.
    pub statute_text: String,
    /// How many members moved in with it.
    pub members: u32,
}

/// `MemberMovedIn`: a member on the go-live day, as the member list kept so far records them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberMovedIn {
    /// The member's number in the list kept so far.
    pub member: MemberNo,
    /// Name and address, outside the chain.
    pub person: PersonalRef,
    /// Kind of member.
    pub kind: MemberKind,
    /// Shares held on the go-live day.
    pub shares: u32,
    /// The shares the statute's mandatory holding asks of this member (G7a).
    pub mandatory_shares: u32,
    /// The day the membership took effect, long before.
    pub admitted_on: Date,
    /// Whether the member consents to being listed publicly.
    pub listed: bool,
    /// The paid-in capital on the go-live day (Geschäftsguthaben).
    pub paid_in: Money,
    /// A notice given before the go-live whose exit lies after it (G65).
    pub notice: Option<OpenNotice>,
}

/// A notice given before the go-live, with its exit day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenNotice {
    /// The day the notice was received.
    pub declared_on: Date,
    /// The last day of the membership.
    pub effective_on: Date,
}

/// `OpeningBalancesBooked`: the books' balances on the go-live day, as the books kept so far
/// closed them: one entry, debit positive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningBalancesBooked {
    /// The go-live day.
    pub booked_on: Date,
    /// Each account's balance.
    pub lines: Vec<Line>,
}

/// A member of the opening state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpeningMember {
    /// Their number in the member list kept so far.
    pub member: MemberNo,
    /// Name and address, sealed.
    pub person: PersonalRef,
    /// Kind of member.
    pub kind: MemberKind,
    /// Listed publicly.
    pub listed: bool,
    /// Admitted on.
    pub admitted_on: Date,
    /// Shares held.
    pub shares: u32,
    /// Paid-in capital.
    pub paid_in: Money,
    /// An open notice.
    pub notice: Option<OpenNotice>,
}

/// Move an existing cooperative in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveIn {
    /// The statute in force on the go-live day.
    pub statute: Statute,
    /// Its text.
    pub statute_text: String,
    /// The founding day, long before.
    pub founded_on: Date,
    /// The go-live day: history in Verbund begins.
    pub go_live_on: Date,
    /// The members on that day.
    pub members: Vec<OpeningMember>,
    /// The board in office.
    pub board: Vec<Officer>,
    /// The supervisory board in office.
    pub supervisory_board: Vec<Officer>,
    /// The treasurer.
    pub treasurer: Option<Officer>,
    /// The opening balances, debit positive.
    pub balances: Vec<Line>,
    /// Today.
    pub today: Date,
}

impl Cooperative {
    /// Decides the moving-in of an existing cooperative: checks the opening state as a whole
    /// and records it on the go-live day.
    pub fn move_in(&self, command: MoveIn) -> Result<Vec<Change>, DomainError> {
        if self.is_founded() {
            return Err(DomainError::conflict(
                "coop-already-founded",
                "this cooperative has its history in Verbund already",
            ));
        }
        let MoveIn {
            statute,
            statute_text,
            founded_on,
            go_live_on,
            members,
            board,
            supervisory_board,
            treasurer,
            balances,
            today,
        } = command;
        if go_live_on > today {
            return Err(DomainError::rule(
                Rule::D1,
                "go-live-in-future",
                format!("the go-live day {go_live_on} lies after today, {today}"),
            )
            .at("go_live_on"));
        }
        if founded_on > go_live_on {
            return Err(DomainError::rule(
                Rule::D1,
                "go-live-before-founding",
                format!("the go-live day {go_live_on} lies before the founding on {founded_on}"),
            )
            .at("go_live_on"));
        }
        // G4: a cooperative has at least three members.
        if members.len() < 3 {
            return Err(DomainError::rule(
                Rule::G4,
                "members-too-few",
                format!(
                    "a cooperative has at least 3 members, the opening state names {}",
                    members.len()
                ),
            )
            .at("members"));
        }
        if members.len() > MEMBERS_MOVING_IN_MAX {
            return Err(DomainError::invalid(
                "members-too-many",
                "members",
                format!(
                    "a moving-in records at most {MEMBERS_MOVING_IN_MAX} members at once, the opening state names {}",
                    members.len()
                ),
            ));
        }
        let members = members
            .into_iter()
            .enumerate()
            .map(|(index, m)| {
                let kind = m
                    .kind
                    .validated()
                    .map_err(|e| e.within(&format!("members[{index}]")))?;
                Ok(OpeningMember { kind, ..m })
            })
            .collect::<Result<Vec<_>, DomainError>>()?;
        let share_amount = statute.share_amount();
        let mut kinds = BTreeMap::new();
        for (index, m) in members.iter().enumerate() {
            let field = format!("members[{index}]");
            if kinds.insert(m.member, m.kind.clone()).is_some() {
                return Err(DomainError::invalid(
                    "member-number-twice",
                    format!("{field}.member"),
                    format!("member number {} is given twice", m.member),
                ));
            }
            if m.admitted_on < founded_on || m.admitted_on > go_live_on {
                return Err(DomainError::rule(
                    Rule::D1,
                    "admitted-outside-history",
                    format!(
                        "member {} was admitted on {}: a member of the opening state was admitted between the founding ({founded_on}) and the go-live ({go_live_on})",
                        m.member, m.admitted_on
                    ),
                )
                .at(format!("{field}.admitted_on")));
            }
            if m.kind == MemberKind::Investing && statute.investing_consent_by().is_none() {
                return Err(DomainError::rule(
                    Rule::G8_2,
                    "investing-members-not-admitted",
                    "the statute admits no investing members (§ 8 (2) GenG)",
                )
                .at(format!("{field}.kind")));
            }
            let mandatory = crate::membership::mandatory_shares(&statute, &m.kind, None);
            crate::membership::check_shares(&statute, m.shares, mandatory)
                .map_err(|e| e.within(&field))?;
            let subscribed = share_amount.checked_mul(m.shares).ok_or_else(|| {
                DomainError::invalid(
                    "amount-out-of-range",
                    format!("{field}.shares"),
                    "too many shares",
                )
            })?;
            if m.paid_in < Money::ZERO || m.paid_in > subscribed {
                return Err(DomainError::invalid(
                    "paid-in-out-of-range",
                    format!("{field}.paid_in"),
                    format!(
                        "member {} has paid in {}; it is between 0.00 and the {subscribed} subscribed",
                        m.member, m.paid_in
                    ),
                ));
            }
            if let Some(notice) = m.notice
                && (notice.declared_on > go_live_on
                    || notice.declared_on < m.admitted_on
                    || notice.effective_on <= go_live_on)
            {
                return Err(DomainError::invalid(
                    "notice-out-of-range",
                    format!("{field}.notice"),
                    format!(
                        "an open notice was received between the admission and the go-live ({go_live_on}) and ends the membership after the go-live; member {}'s was received on {} and ends on {}",
                        m.member, notice.declared_on, notice.effective_on
                    ),
                ));
            }
        }
        let is_member = |no: &MemberNo| kinds.contains_key(no);
        coop::check_officers(
            &statute,
            members.len(),
            &board,
            &supervisory_board,
            treasurer.as_ref(),
            &is_member,
            |member| kinds.get(&member),
        )?;
        let balances = per_member(balances, &members, share_amount)?;
        check_balances(&balances, &members, share_amount)?;

        let mut changes = vec![Change::new(
            Stream::Coop,
            CooperativeMovedIn {
                name: statute.name().clone(),
                founded_on,
                go_live_on,
                statute: Box::new(statute.clone()),
                statute_text,
                members: u32::try_from(members.len()).expect("at most MEMBERS_MOVING_IN_MAX"),
            },
        )];
        let offices = board
            .into_iter()
            .map(|o| (o, Office::Board))
            .chain(
                supervisory_board
                    .into_iter()
                    .map(|o| (o, Office::SupervisoryBoard)),
            )
            .chain(treasurer.map(|o| (o, Office::Treasurer)));
        for (officer, office) in offices {
            changes.push(Change::new(
                Stream::Coop,
                OfficerAppointed {
                    member: officer.member,
                    office,
                    effective_on: go_live_on,
                    serving: officer.serving,
                },
            ));
        }
        for m in members {
            let mandatory_shares = crate::membership::mandatory_shares(&statute, &m.kind, None);
            changes.push(Change::new(
                Stream::Member(m.member),
                MemberMovedIn {
                    member: m.member,
                    person: m.person,
                    kind: m.kind,
                    shares: m.shares,
                    mandatory_shares,
                    admitted_on: m.admitted_on,
                    listed: m.listed,
                    paid_in: m.paid_in,
                    notice: m.notice,
                },
            ));
        }
        changes.push(Change::new(
            Stream::Books,
            OpeningBalancesBooked {
                booked_on: go_live_on,
                lines: balances,
            },
        ));
        Ok(changes)
    }
}

/// The opening balances with the members' capital kept per member, as the books keep it: a
/// total of the paid-in capital (`2000`), of the unpaid shares (`1410`) or of the capital not
/// yet paid in (`2050`), as books kept so far often hold them, must be what the member list
/// adds up to, and is split by it.
fn per_member(
    lines: Vec<Line>,
    members: &[OpeningMember],
    share_amount: Money,
) -> Result<Vec<Line>, DomainError> {
    let mut out = Vec::with_capacity(lines.len() + 2 * members.len());
    // Books kept so far that never booked the subscribed shares not yet paid: the member list
    // gives them (a receivable per member against the capital not yet paid in, 2050).
    let unbooked = !lines
        .iter()
        .any(|l| matches!(l.account.code, codes::UNPAID_SHARES | codes::CAPITAL_UNPAID));
    let lines = if unbooked {
        let mut lines = lines;
        for m in members {
            let unpaid = share_amount
                .checked_mul(m.shares)
                .and_then(|subscribed| subscribed.checked_sub(m.paid_in))
                .unwrap_or(Money::ZERO);
            if unpaid > Money::ZERO {
                lines.push(Line::debit(
                    AccountRef::member(codes::UNPAID_SHARES, m.member),
                    unpaid,
                ));
                lines.push(Line::credit(
                    AccountRef::member(codes::CAPITAL_UNPAID, m.member),
                    unpaid,
                ));
            }
        }
        lines
    } else {
        lines
    };
    for (index, line) in lines.into_iter().enumerate() {
        let code = line.account.code;
        if line.account.sub.is_some()
            || !matches!(
                code,
                codes::CAPITAL | codes::UNPAID_SHARES | codes::CAPITAL_UNPAID
            )
        {
            out.push(line);
            continue;
        }
        let of = |m: &OpeningMember| -> i128 {
            let subscribed = i128::from(share_amount.cents()) * i128::from(m.shares);
            let paid_in = i128::from(m.paid_in.cents());
            match code {
                codes::CAPITAL => -paid_in,
                codes::UNPAID_SHARES => subscribed - paid_in,
                _ => paid_in - subscribed,
            }
        };
        let listed: i128 = members.iter().map(of).sum();
        if listed != i128::from(line.amount.cents()) {
            let euros = |cents: i128| {
                Money::from_cents(i64::try_from(cents).unwrap_or(i64::MAX)).unwrap_or(Money::ZERO)
            };
            return Err(DomainError::invalid(
                "opening-capital-mismatch",
                format!("balances[{index}]"),
                format!(
                    "account {code} holds {} in the opening balances, the member list adds up to {}",
                    line.amount,
                    euros(listed)
                ),
            ));
        }
        for m in members {
            let cents = i64::try_from(of(m)).expect("a member's capital fits an amount");
            if cents != 0 {
                out.push(Line::debit(
                    AccountRef::member(code, m.member),
                    Money::from_cents(cents).expect("a member's capital fits an amount"),
                ));
            }
        }
    }
    Ok(out)
}

/// A1 and the members' capital: the opening balances balance, name only accounts of the
/// chart, hold each member's paid-in capital (2000) and unpaid shares (1410) as the member
/// list says, and the subscribed capital not yet paid (2050) as their sum. Member loans are
/// granted anew with their commands (G21b), where their caps are checked.
fn check_balances(
    lines: &[Line],
    members: &[OpeningMember],
    share_amount: Money,
) -> Result<(), DomainError> {
    let chart = crate::books::Chart::default();
    let mut balances: BTreeMap<AccountRef, i128> = BTreeMap::new();
    for (index, line) in lines.iter().enumerate() {
        let field = format!("balances[{index}]");
        chart.check(&line.account, &field)?;
        if line.account.code == codes::MEMBER_LOANS {
            return Err(DomainError::rule(
                Rule::G21b,
                "member-loans-not-moved-in",
                "member loans are not part of the opening balances: grant them after the go-live with their own commands, which keep them within their caps",
            )
            .at(field));
        }
        *balances.entry(line.account.clone()).or_default() += i128::from(line.amount.cents());
    }
    let sum: i128 = balances.values().sum();
    if sum != 0 {
        return Err(DomainError::rule(
            Rule::A1,
            "opening-unbalanced",
            format!(
                "the opening balances do not balance: debits exceed credits by {}",
                Money::from_cents(i64::try_from(sum).unwrap_or(i64::MAX)).unwrap_or(Money::ZERO)
            ),
        )
        .at("balances"));
    }
    let mismatch = |account: &AccountRef, books: i128, list: i128, whose: String| {
        let euros = |cents: i128| {
            Money::from_cents(i64::try_from(cents).unwrap_or(i64::MAX)).unwrap_or(Money::ZERO)
        };
        DomainError::invalid(
            "opening-capital-mismatch",
            "balances",
            format!(
                "account {account} holds {} in the opening balances, the member list {} for {whose}",
                euros(books),
                euros(list)
            ),
        )
    };
    let mut listed = BTreeSet::new();
    for m in members {
        listed.insert(m.member);
        let subscribed = i128::from(share_amount.cents()) * i128::from(m.shares);
        let paid_in = i128::from(m.paid_in.cents());
        let capital = AccountRef::member(codes::CAPITAL, m.member);
        let unpaid = AccountRef::member(codes::UNPAID_SHARES, m.member);
        // Capital is a credit (negative), the unpaid shares a receivable (positive).
        let in_books = balances.get(&capital).copied().unwrap_or(0);
        if in_books != -paid_in {
            return Err(mismatch(
                &capital,
                -in_books,
                paid_in,
                format!("member {}'s paid-in capital", m.member),
            ));
        }
        let in_books = balances.get(&unpaid).copied().unwrap_or(0);
        if in_books != subscribed - paid_in {
            return Err(mismatch(
                &unpaid,
                in_books,
                subscribed - paid_in,
                format!("member {}'s unpaid shares", m.member),
            ));
        }
        let not_paid_in = AccountRef::member(codes::CAPITAL_UNPAID, m.member);
        let in_books = -balances.get(&not_paid_in).copied().unwrap_or(0);
        if in_books != subscribed - paid_in {
            return Err(mismatch(
                &not_paid_in,
                in_books,
                subscribed - paid_in,
                format!("member {}'s capital not yet paid in", m.member),
            ));
        }
    }
    for account in balances.keys() {
        if let (
            codes::CAPITAL | codes::UNPAID_SHARES | codes::CAPITAL_UNPAID,
            Some(Sub::Member(no)),
        ) = (account.code, &account.sub)
            && !listed.contains(no)
        {
            return Err(DomainError::invalid(
                "opening-capital-mismatch",
                "balances",
                format!("account {account} belongs to member {no}, who is not in the member list"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;
    use crate::Event;
    use crate::coop::tests_support::{World, person};
    use crate::statute::EXAMPLE_STATUTE;

    const GO_LIVE: Date = date(2026, 7, 1);
    const TODAY: Date = date(2026, 12, 6);

    fn no(n: u32) -> MemberNo {
        MemberNo::new(n).expect("not zero")
    }

    fn euros(text: &str) -> Money {
        Money::parse(text).expect("an amount")
    }

    fn account(text: &str) -> AccountRef {
        AccountRef::parse(text).expect("an account")
    }

    fn member(n: u32, shares: u32, paid_in: &str) -> OpeningMember {
        OpeningMember {
            member: no(n),
            person: person(n),
            kind: MemberKind::NaturalPerson,
            listed: false,
            admitted_on: date(1990, 1, 1),
            shares,
            paid_in: euros(paid_in),
            notice: None,
        }
    }

    /// Five members (numbers 1, 2, 4, 7, 9: the old list's gaps kept), member 9 with 200.00 of
    /// 500.00 unpaid; the bank and the members' capital as a total.
    fn opening() -> MoveIn {
        let statute = Statute::parse_toml(EXAMPLE_STATUTE).expect("the example statute");
        let members = vec![
            member(1, 2, "1000.00"),
            member(2, 1, "500.00"),
            member(4, 1, "500.00"),
            member(7, 1, "500.00"),
            member(9, 1, "300.00"),
        ];
        MoveIn {
            statute,
            statute_text: EXAMPLE_STATUTE.to_owned(),
            founded_on: date(1987, 3, 14),
            go_live_on: GO_LIVE,
            members,
            board: vec![Officer::from(no(1)), Officer::from(no(2))],
            supervisory_board: vec![
                Officer::from(no(4)),
                Officer::from(no(7)),
                Officer::from(no(9)),
            ],
            treasurer: Some(Officer::from(no(2))),
            balances: vec![
                Line::debit(account("1200"), euros("4800.00")),
                Line::debit(account("2000"), euros("-2800.00")),
                Line::debit(account("2100"), euros("-2000.00")),
            ],
            today: TODAY,
        }
    }

    fn refused(command: MoveIn) -> DomainError {
        Cooperative::default()
            .move_in(command)
            .expect_err("refused")
    }

    /// D1: given an opening state of a cooperative founded in 1987, when it moves in on
    /// 2026-07-01, then one commit records it: its history begins on the go-live day, the
    /// members keep their numbers, admission days and paid-in capital, an open notice ends
    /// its membership, the members' capital total is split per member in the books, and
    /// nothing can be dated before the go-live.
    #[test]
    fn d1_an_existing_cooperative_moves_in_with_its_opening_state() {
        let mut command = opening();
        command.members[3].notice = Some(OpenNotice {
            declared_on: date(2025, 11, 20),
            effective_on: date(2026, 12, 31),
        });
        let changes = Cooperative::default().move_in(command).expect("moves in");
        let types: Vec<&str> = changes.iter().map(|c| c.event.event_type()).collect();
        assert_eq!(types[0], "CooperativeMovedIn");
        assert_eq!(types.iter().filter(|t| **t == "MemberMovedIn").count(), 5);
        assert_eq!(types.last(), Some(&"OpeningBalancesBooked"));
        let Event::OpeningBalancesBooked(balances) = &changes.last().expect("some").event else {
            panic!("the opening balances")
        };
        let line = |text: &str| {
            balances
                .lines
                .iter()
                .find(|l| l.account == account(text))
                .map(|l| l.amount)
        };
        assert_eq!(line("2000/1"), Some(euros("-1000.00")));
        assert_eq!(line("2000/9"), Some(euros("-300.00")));
        assert_eq!(
            line("1410/9"),
            Some(euros("200.00")),
            "the unpaid part, from the list"
        );
        assert_eq!(line("2050/9"), Some(euros("-200.00")));
        assert_eq!(line("2000"), None, "the total is split");
        let sum: i64 = balances.lines.iter().map(|l| l.amount.cents()).sum();
        assert_eq!(sum, 0);

        let mut world = World::default();
        world.record(changes);
        assert_eq!(world.coop.history_begins(), Some(GO_LIVE));
        let seven = world.members[&no(7)].membership().expect("a member");
        assert_eq!(seven.admitted_on(), date(1990, 1, 1));
        assert_eq!(
            seven.exit().map(|e| e.effective_on),
            Some(date(2026, 12, 31))
        );
        let nine = world.members[&no(9)].membership().expect("a member");
        assert_eq!(nine.paid_in(), euros("300.00"));
        let error = world
            .coop
            .check_day(date(2026, 6, 30), TODAY, "day")
            .expect_err("before the go-live");
        assert_eq!(
            (error.rule_id(), error.code()),
            (Some(Rule::D1), "date-before-history")
        );
        let error = world
            .books
            .check_open(date(2026, 6, 30), TODAY, "booked_on")
            .expect_err("the books begin at the go-live too");
        assert_eq!(error.rule_id(), Some(Rule::D1));
        assert_eq!(
            Cooperative::clone(&world.coop)
                .move_in(opening())
                .expect_err("once")
                .code(),
            "coop-already-founded"
        );
    }

    /// D1, G4, A1, G9-24, G21b: an opening state that does not hold together is refused as a
    /// whole, naming what is wrong.
    #[test]
    fn d1_an_opening_state_that_does_not_hold_together_is_refused() {
        let case = |change: &dyn Fn(&mut MoveIn), code: &str, rule: Option<Rule>| {
            let mut command = opening();
            change(&mut command);
            let error = refused(command);
            assert_eq!((error.code(), error.rule_id()), (code, rule), "{error}");
        };
        case(
            &|c| c.go_live_on = date(2027, 1, 1),
            "go-live-in-future",
            Some(Rule::D1),
        );
        case(
            &|c| c.founded_on = date(2026, 8, 1),
            "go-live-before-founding",
            Some(Rule::D1),
        );
        case(
            &|c| c.members[1].admitted_on = date(2026, 7, 2),
            "admitted-outside-history",
            Some(Rule::D1),
        );
        case(
            &|c| c.members.truncate(2),
            "members-too-few",
            Some(Rule::G4),
        );
        case(
            &|c| c.members[1].member = no(1),
            "member-number-twice",
            None,
        );
        case(
            &|c| c.members[0].paid_in = euros("1000.01"),
            "paid-in-out-of-range",
            None,
        );
        case(
            &|c| c.balances[0] = Line::debit(account("1200"), euros("4800.01")),
            "opening-unbalanced",
            Some(Rule::A1),
        );
        case(
            &|c| {
                c.balances[0] = Line::debit(account("1200"), euros("4900.00"));
                c.balances[1] = Line::debit(account("2000"), euros("-2900.00"));
            },
            "opening-capital-mismatch",
            None,
        );
        case(
            &|c| {
                c.balances[1] = Line::debit(account("2000/1"), euros("-1100.00"));
                c.balances
                    .push(Line::debit(account("2000/2"), euros("-500.00")));
                c.balances
                    .push(Line::debit(account("2000/4"), euros("-500.00")));
                c.balances
                    .push(Line::debit(account("2000/7"), euros("-500.00")));
                c.balances
                    .push(Line::debit(account("2000/9"), euros("-300.00")));
                c.balances[2] = Line::debit(account("2100"), euros("-1900.00"));
            },
            "opening-capital-mismatch",
            None,
        );
        case(
            &|c| {
                c.balances
                    .push(Line::debit(account("3100/1"), euros("-100.00")));
                c.balances[0] = Line::debit(account("1200"), euros("4900.00"));
            },
            "member-loans-not-moved-in",
            Some(Rule::G21b),
        );
        case(
            &|c| c.board[1] = Officer::from(no(3)),
            "officer-not-a-member",
            Some(Rule::G9_24),
        );
        case(
            &|c| {
                c.members[0].kind = MemberKind::Firm {
                    trade: "Schreinerei".into(),
                    region: "Musterdorf".into(),
                    employees: 4,
                }
            },
            "officer-not-a-natural-person",
            Some(Rule::G9_24),
        );
        case(
            &|c| {
                c.members[4].notice = Some(OpenNotice {
                    declared_on: date(2026, 1, 10),
                    effective_on: date(2026, 6, 30),
                })
            },
            "notice-out-of-range",
            None,
        );
    }

    proptest! {
        /// D1: for any paid-in capital of the members, an opening total of the capital equal
        /// to their sum is split into each member's own, and any other total is refused.
        #[test]
        fn d1_a_capital_total_is_split_by_the_member_list_or_refused(
            paid in proptest::collection::vec(0i64..=50_000, 5..30),
            off in -5i64..=5,
        ) {
            let mut command = opening();
            command.members = paid
                .iter()
                .enumerate()
                .map(|(i, cents)| OpeningMember {
                    paid_in: Money::from_cents(*cents).expect("an amount"),
                    ..member(u32::try_from(i).expect("small") + 1, 1, "0.00")
                })
                .collect();
            command.supervisory_board = vec![Officer::from(no(3)), Officer::from(no(4)), Officer::from(no(5))];
            command.board = vec![Officer::from(no(1)), Officer::from(no(2))];
            command.treasurer = None;
            let total: i64 = paid.iter().sum();
            command.balances = vec![
                Line::debit(account("1200"), Money::from_cents(total).expect("an amount")),
                Line::debit(account("2000"), Money::from_cents(-total - off).expect("an amount")),
                Line::debit(account("2100"), Money::from_cents(off).expect("an amount")),
            ];
            match Cooperative::default().move_in(command) {
                Ok(changes) => {
                    prop_assert_eq!(off, 0);
                    let Event::OpeningBalancesBooked(opening) = &changes.last().expect("some").event else {
                        panic!("the opening balances")
                    };
                    for (i, cents) in paid.iter().enumerate() {
                        let capital = AccountRef::member(codes::CAPITAL, no(u32::try_from(i).expect("small") + 1));
                        let booked = opening.lines.iter().find(|l| l.account == capital).map_or(0, |l| l.amount.cents());
                        prop_assert_eq!(booked, -cents);
                    }
                }
                Err(error) => {
                    prop_assert_ne!(off, 0, "{}", error);
                    prop_assert_eq!(error.code(), "opening-capital-mismatch");
                }
            }
        }
    }
}
