//! The treasurer's commands: each a thin shell around a decision of the domain's `Books`,
//! with what the decision needs from the read models (members' facts, balances, the
//! assembly's resolution) gathered first.
//!
//! A levy, a closing and a profit's use read the members and the books' balances as the
//! projections hold them once they reached the head this process knows. They write the
//! `books` stream, which every other money command guards (membership payments read it for
//! A1), so a change of the books in between makes them decide again.

use std::collections::BTreeMap;

use jiff::civil::Date;
use verbund_domain::books::{self, Account, AccountRef, LoanId, MemberFacts, Sub, codes};
use verbund_domain::governance::{MotionId, MotionKind, Outcome};
use verbund_domain::{Change, DomainError, MemberKind, MemberNo, Money, Stream};
use verbund_projections::{Aggregates, Runtime};

use crate::app::execute::{Command, ExecError, Reads, State};

/// What a command of the books reads: the cooperative, the books, and the members whose
/// sub-accounts it books on, which must exist.
fn reads_booking_on(members: impl IntoIterator<Item = MemberNo>) -> Reads {
    let mut members: Vec<MemberNo> = members.into_iter().collect();
    members.sort_unstable();
    members.dedup();
    Reads::of([Stream::Coop, Stream::Books]).and_all(members.into_iter().map(Stream::Member))
}

/// The member a sub-account belongs to, if any.
fn member_of(account: &AccountRef) -> Option<MemberNo> {
    match account.sub {
        Some(Sub::Member(member)) => Some(member),
        _ => None,
    }
}

/// Each of `members` is a member.
fn members_exist(
    state: &State,
    members: impl IntoIterator<Item = MemberNo>,
) -> Result<(), ExecError> {
    for member in members {
        if state.member(member)?.membership().is_none() {
            return Err(DomainError::not_found(
                "member-unknown",
                format!("there is no member {member}"),
            )
            .into());
        }
    }
    Ok(())
}

/// The statute of a founded cooperative.
fn statute(state: &State) -> Result<&verbund_domain::Statute, ExecError> {
    state.coop()?.statute().ok_or_else(|| {
        DomainError::not_found("coop-not-founded", "the cooperative is not founded").into()
    })
}

/// Open an account.
#[derive(Clone, Debug)]
pub struct OpenAccount {
    /// The account.
    pub account: Account,
    /// Today.
    pub today: Date,
}

impl Command for OpenAccount {
    fn reads(&self) -> Reads {
        reads_booking_on([])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        Ok(state
            .books()?
            .open_account(self.account.clone(), self.today)?)
    }
}

/// Record a payment.
#[derive(Clone, Debug)]
pub struct RecordPayment(pub books::RecordPayment);

impl Command for RecordPayment {
    fn reads(&self) -> Reads {
        reads_booking_on(member_of(&self.0.account))
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        members_exist(state, member_of(&self.0.account))?;
        Ok(state.books()?.record_payment(self.0.clone())?)
    }
}

/// Charge a levy over the members, with each member's facts on its day.
#[derive(Clone, Debug)]
pub struct ChargeLevy {
    /// The levy.
    pub levy: books::ChargeLevy,
    /// The members' facts on the levy's day ([`member_facts`]).
    pub members: Vec<MemberFacts>,
}

impl Command for ChargeLevy {
    fn reads(&self) -> Reads {
        reads_booking_on([])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        Ok(state
            .books()?
            .charge_levy(self.levy.clone(), &self.members)?)
    }
}

/// Post a manual entry.
#[derive(Clone, Debug)]
pub struct PostEntry(pub books::PostEntry);

impl PostEntry {
    fn members(&self) -> impl Iterator<Item = MemberNo> + '_ {
        self.0.lines.iter().filter_map(|l| member_of(&l.account))
    }
}

impl Command for PostEntry {
    fn reads(&self) -> Reads {
        reads_booking_on(self.members())
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        members_exist(state, self.members())?;
        Ok(state.books()?.post_entry(self.0.clone())?)
    }
}

/// Reverse an entry.
#[derive(Clone, Debug)]
pub struct Reverse(pub books::Reverse);

impl Command for Reverse {
    fn reads(&self) -> Reads {
        reads_booking_on([])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        Ok(state.books()?.reverse(self.0.clone())?)
    }
}

/// Close a business year.
#[derive(Clone, Debug)]
pub struct CloseYear(pub books::CloseYear);

impl Command for CloseYear {
    fn reads(&self) -> Reads {
        reads_booking_on([])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        Ok(state.books()?.close_year(statute(state)?, self.0.clone())?)
    }
}

/// Use a closed year's profit.
#[derive(Clone, Debug)]
pub struct DistributeProfit(pub books::DistributeProfit);

impl Command for DistributeProfit {
    fn reads(&self) -> Reads {
        reads_booking_on([])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        Ok(state
            .books()?
            .distribute_profit(statute(state)?, self.0.clone())?)
    }
}

/// Take a member loan.
#[derive(Clone, Debug)]
pub struct GrantLoan(pub books::GrantLoan);

impl Command for GrantLoan {
    fn reads(&self) -> Reads {
        reads_booking_on([self.0.lender.member])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        members_exist(state, [self.0.lender.member])?;
        Ok(state.books()?.grant_loan(statute(state)?, self.0.clone())?)
    }
}

/// Repay a member loan.
#[derive(Clone, Debug)]
pub struct RepayLoan {
    /// The loan.
    pub loan: LoanId,
    /// The amount.
    pub amount: Money,
    /// The day.
    pub paid_on: Date,
    /// Today.
    pub today: Date,
}

impl Command for RepayLoan {
    fn reads(&self) -> Reads {
        reads_booking_on([])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        Ok(state
            .books()?
            .repay_loan(&self.loan, self.amount, self.paid_on, self.today)?)
    }
}

/// Every member's facts on `day`: rights, shares, size, whether a firm.
pub fn member_facts(aggregates: &Aggregates, day: Date) -> Vec<MemberFacts> {
    aggregates
        .members()
        .filter_map(|(member, state)| {
            let m = state.membership()?;
            let (employees, entrepreneur) = match m.kind() {
                MemberKind::Firm { employees, .. } => (*employees, true),
                _ => (1, false),
            };
            Some(MemberFacts {
                member,
                has_rights: m.has_rights_on(day),
                shares: m.shares(),
                employees,
                entrepreneur,
            })
        })
        .collect()
}

/// What a profit's use needs from the read models: the members, the capital at the end of
/// the previous year (none in the first year) and of the distributed year, what each still
/// owes on shares, and whether `motion` is an adopted resolution on the use of profit.
#[derive(Debug)]
pub struct ProfitFacts {
    /// The members.
    pub members: Vec<MemberFacts>,
    /// Capital at the end of the previous year, if there was one.
    pub capital_before: Option<BTreeMap<MemberNo, Money>>,
    /// Capital at the end of the year.
    pub capital_at_end: BTreeMap<MemberNo, Money>,
    /// What each owes on shares now.
    pub unpaid: BTreeMap<MemberNo, Money>,
    /// True if the motion is an adopted use of profit.
    pub motion_adopted: bool,
}

/// Gathers [`ProfitFacts`] for the year ending `last_day`.
pub fn profit_facts(
    runtime: &Runtime,
    motion: &MotionId,
    last_day: Date,
    today: Date,
) -> Result<ProfitFacts, DomainError> {
    let founded_on = runtime
        .views()
        .register
        .read(|register| register.coop().map(|c| c.founded_on));
    let (members, motion_adopted, statute) = runtime.views().aggregates.read(|a| {
        let motion = a.motion(motion).state;
        let adopted = matches!(
            motion.put().map(|p| &p.proposal),
            Some(MotionKind::UseOfProfit { .. })
        ) && motion
            .counted()
            .is_some_and(|c| c.outcome == Outcome::Adopted);
        (
            member_facts(a, today),
            adopted,
            a.coop().state.statute().cloned(),
        )
    });
    let statute = statute.ok_or_else(|| {
        DomainError::not_found("coop-not-founded", "the cooperative is not founded")
    })?;
    let year = statute.business_year();
    let first_day = year.start_containing(last_day);
    let previous_end = first_day.yesterday().map_err(|_| {
        DomainError::invalid("year-out-of-range", "year", "the year is out of range")
    })?;
    let capital = |balances: BTreeMap<verbund_domain::books::AccountRef, Money>| {
        balances
            .into_iter()
            .filter(|(account, _)| account.code == codes::CAPITAL)
            .filter_map(|(account, balance)| {
                // Capital is a credit: counted positive.
                Some((account.member_no()?, -balance))
            })
            .collect::<BTreeMap<MemberNo, Money>>()
    };
    let (before, at_end, now) = runtime.views().journal.read(|journal| {
        (
            journal.balances_on(Some(previous_end)),
            journal.balances_on(Some(last_day)),
            journal.balances_on(None),
        )
    });
    // G19: the first year is the one the cooperative was founded in.
    let first_year = founded_on.is_some_and(|founded| founded >= first_day);
    let unpaid = now
        .into_iter()
        .filter(|(account, _)| account.code == codes::UNPAID_SHARES)
        .filter_map(|(account, balance)| Some((account.member_no()?, balance)))
        .collect();
    Ok(ProfitFacts {
        members,
        capital_before: (!first_year).then(|| capital(before)),
        capital_at_end: capital(at_end),
        unpaid,
        motion_adopted,
    })
}

#[cfg(test)]
mod tests {
    use verbund_domain::books::{EntryId, LEVY_PARTS_PER_EVENT, LevyKey, codes};
    use verbund_domain::{Event, Money};
    use verbund_ledger::scratch::ScratchDatabase;

    use super::*;
    use crate::testing::BulkCoop;

    /// Issue 23, point 12: a levy over 20,000 members is charged in one commit, all or nothing:
    /// a `LevyCharged` and `LevyContinued` events of at most 1,000 parts each, whose parts sum
    /// to the levy and which the books fold as one entry. On SQLite and PostgreSQL.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a1_a_levy_over_twenty_thousand_members_is_booked_whole_in_one_commit() {
        let mut databases = vec![ScratchDatabase::sqlite().expect("a scratch file")];
        databases.extend(
            ScratchDatabase::postgres_for_test("a_levy_over_twenty_thousand_members", "app").await,
        );
        for db in databases {
            levy_over_twenty_thousand(db.url()).await;
            db.remove().await.expect("removed");
        }
    }

    async fn levy_over_twenty_thousand(url: &str) {
        const MEMBERS: u32 = 20_000;
        let coop = BulkCoop::create(url, MEMBERS).await.expect("created");
        let runtime = crate::app::caught_up(&coop.app, &coop.log)
            .await
            .expect("caught up");
        let today = crate::app::today();
        let members = runtime.views().aggregates.read(|a| member_facts(a, today));
        assert_eq!(members.len(), MEMBERS as usize);
        let total = Money::parse("123456.78").expect("an amount");
        let levy = ChargeLevy {
            levy: books::ChargeLevy {
                entry: EntryId::parse("marketing2027").expect("an id"),
                purpose: "Regional marketing".into(),
                key: LevyKey::Equal,
                total,
                account: AccountRef::whole(codes::LEVIES),
                booked_on: today,
                due_on: today,
                usage: Default::default(),
                today,
            },
            members,
        };
        let executed = crate::app::execute(&coop.app, &coop.board, &levy)
            .await
            .expect("charged");
        let events = coop
            .app
            .ledger()
            .read_log(&coop.log, executed.first, 100)
            .await
            .expect("read");
        let events: Vec<_> = events
            .into_iter()
            .filter(|e| e.position <= executed.last)
            .collect();
        let per_event = LEVY_PARTS_PER_EVENT as u32;
        assert_eq!(events.len() as u32, MEMBERS.div_ceil(per_event));
        assert!(
            events
                .iter()
                .all(|e| e.metadata.command_id == events[0].metadata.command_id),
            "one commit"
        );
        let mut cents = 0i64;
        let mut parts = 0;
        for event in &events {
            match Event::decode(
                event.event_type.as_str(),
                event.schema_version,
                event.payload.as_str(),
            )
            .expect("decodes")
            {
                Event::LevyCharged(e) => {
                    assert_eq!(e.total, total);
                    parts += e.parts.len();
                    cents += e.parts.iter().map(|p| p.amount.cents()).sum::<i64>();
                }
                Event::LevyContinued(e) => {
                    parts += e.parts.len();
                    cents += e.parts.iter().map(|p| p.amount.cents()).sum::<i64>();
                }
                other => panic!("not a levy: {other:?}"),
            }
        }
        assert_eq!(parts, MEMBERS as usize);
        assert_eq!(cents, total.cents(), "the parts sum to the levy");
        coop.app.close().await;
    }
}
