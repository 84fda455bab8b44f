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
use verbund_domain::books::{
    Account, AccountRef, ChargeLevy, CloseYear, DistributeProfit, GrantLoan, LoanId, MemberFacts,
    PostEntry, RecordPayment, Reverse, Sub, codes,
};
use verbund_domain::governance::{MotionId, MotionKind, Outcome};
use verbund_domain::{Change, DomainError, MemberKind, MemberNo, Money, Stream};
use verbund_projections::{Aggregates, Runtime};

use crate::app::App;
use crate::app::execute::{Command, ExecError, Executed, Request, State, execute};

/// A command of the books.
#[derive(Clone, Debug)]
pub enum BooksCommand {
    /// Open an account.
    OpenAccount(Account, Date),
    /// Record a payment.
    RecordPayment(RecordPayment),
    /// Charge a levy over the members.
    ChargeLevy(ChargeLevy, Vec<MemberFacts>),
    /// Post a manual entry.
    PostEntry(PostEntry),
    /// Reverse an entry.
    Reverse(Reverse),
    /// Close a business year.
    CloseYear(CloseYear),
    /// Use a closed year's profit.
    DistributeProfit(DistributeProfit),
    /// Take a member loan.
    GrantLoan(GrantLoan),
    /// Repay a member loan.
    RepayLoan {
        /// The loan.
        loan: LoanId,
        /// The amount.
        amount: Money,
        /// The day.
        paid_on: Date,
        /// Today.
        today: Date,
    },
}

impl BooksCommand {
    /// The members whose sub-accounts the command books on: they must exist.
    fn members(&self) -> Vec<MemberNo> {
        let of = |account: &AccountRef| match account.sub {
            Some(Sub::Member(member)) => Some(member),
            _ => None,
        };
        match self {
            BooksCommand::RecordPayment(c) => of(&c.account).into_iter().collect(),
            BooksCommand::PostEntry(c) => c.lines.iter().filter_map(|l| of(&l.account)).collect(),
            BooksCommand::GrantLoan(c) => vec![c.lender.member],
            _ => Vec::new(),
        }
    }
}

impl Command for BooksCommand {
    fn reads(&self) -> Vec<Stream> {
        let mut reads = vec![Stream::Coop, Stream::Books];
        let mut members = self.members();
        members.sort_unstable();
        members.dedup();
        reads.extend(members.into_iter().map(Stream::Member));
        reads
    }

    fn decide(&self, state: &State) -> Result<Vec<Change>, DomainError> {
        for member in self.members() {
            if state.member(member).membership().is_none() {
                return Err(DomainError::not_found(
                    "member-unknown",
                    format!("there is no member {member}"),
                ));
            }
        }
        let books = &state.books;
        let statute = || {
            state.coop.statute().ok_or_else(|| {
                DomainError::not_found("coop-not-founded", "the cooperative is not founded")
            })
        };
        match self {
            BooksCommand::OpenAccount(account, today) => {
                books.open_account(account.clone(), *today)
            }
            BooksCommand::RecordPayment(c) => books.record_payment(c.clone()),
            BooksCommand::ChargeLevy(c, members) => books.charge_levy(c.clone(), members),
            BooksCommand::PostEntry(c) => books.post_entry(c.clone()),
            BooksCommand::Reverse(c) => books.reverse(c.clone()),
            BooksCommand::CloseYear(c) => books.close_year(statute()?, c.clone()),
            BooksCommand::DistributeProfit(c) => books.distribute_profit(statute()?, c.clone()),
            BooksCommand::GrantLoan(c) => books.grant_loan(statute()?, c.clone()),
            BooksCommand::RepayLoan {
                loan,
                amount,
                paid_on,
                today,
            } => books.repay_loan(loan, *amount, *paid_on, *today),
        }
    }
}

/// Executes a books command.
pub async fn run(
    app: &App,
    request: &Request,
    command: BooksCommand,
) -> Result<Executed, ExecError> {
    execute(app, request, &command).await
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
    use verbund_domain::books::{ChargeLevy, EntryId, LEVY_PARTS_PER_EVENT, LevyKey, codes};
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
        let levy = BooksCommand::ChargeLevy(
            ChargeLevy {
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
        );
        let executed = run(&coop.app, &coop.board, levy).await.expect("charged");
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
