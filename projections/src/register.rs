//! The register: the cooperative, its members and its officers.

use std::collections::BTreeSet;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use verbund_domain::{
    Capacity, Cooperative, Event, Member, MemberNo, Membership, Name, Office, PersonId, Role,
    Statute, Stream,
};
use verbund_ledger::Position;

use crate::{Envelope, Projection};

/// The cooperative, its members and offices.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Register {
    coop: Option<CoopRecord>,
    /// Persistent maps: a snapshot's copy shares their structure.
    members: imbl::OrdMap<MemberNo, MemberRecord>,
    /// The cooperative's stream as its aggregate folds it: the offices and their terms.
    cooperative: Cooperative,
    /// Every member each person was ever authorized to act for; whether they still do is the
    /// member's to say ([`verbund_domain::Membership::acts_for`]).
    persons: imbl::HashMap<PersonId, imbl::OrdSet<MemberNo>>,
}

/// The cooperative as founded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoopRecord {
    /// Its name.
    pub name: Name,
    /// The day of the founding assembly.
    pub founded_on: Date,
    /// The statute in force.
    pub statute: Statute,
    /// The position of the founding event.
    pub founded_at: Position,
    /// The position of the event that put the statute in force: the founding or the latest
    /// amendment.
    pub statute_at: Position,
}

/// One member as the register shows them: the member's state and the history of changes with
/// the day each took effect (G30).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRecord {
    /// The member, folded from their stream.
    pub member: Member,
    /// The position of the admission.
    pub admitted_at: Position,
    /// Every change of the member list's entry, in log order.
    pub history: Vec<Effective>,
    /// Every movement of the member's paid-in capital, in log order: what a statement lists.
    #[serde(default)]
    pub capital: Vec<CapitalMove>,
}

/// A movement of a member's paid-in capital (Geschäftsguthaben).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapitalMove {
    /// The position of its event.
    pub position: Position,
    /// The day of the fact: received, agreed, paid, booked.
    pub on: Date,
    /// One of [`CapitalMove::KINDS`].
    pub kind: std::borrow::Cow<'static, str>,
    /// The amount: positive in, negative out.
    pub amount: verbund_domain::Money,
    /// A payment's reference.
    pub reference: Option<String>,
    /// The other member of a transfer.
    pub counterparty: Option<MemberNo>,
}

impl CapitalMove {
    /// Every kind of movement: a payment on shares, capital transferred in or out (G76), the
    /// settlement paid out (G73), a share of the profit credited (G19).
    pub const KINDS: [&'static str; 5] = [
        "payment",
        "transfer-in",
        "transfer-out",
        "settlement",
        "profit-credited",
    ];
}

/// A change of a member's entry in the member list and the day it took effect (G30).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effective {
    /// The day it took effect.
    pub effective_on: Date,
    /// The position of its event.
    pub position: Position,
    /// The event type (borrowed from the event's static name while folding: no allocation
    /// per change).
    pub change: std::borrow::Cow<'static, str>,
    /// Shares subscribed after it (in log order).
    pub shares: u32,
    /// Shares it added: the admission's, a subscription's. A change recorded late, dated
    /// before others, counts from its own day.
    pub added: u32,
}

impl MemberRecord {
    /// The membership (always there: a record starts with the admission).
    pub fn membership(&self) -> &Membership {
        self.member
            .membership()
            .expect("a member record starts with the admission")
    }

    /// The member's shares on `day` (0 before the admission): the shares each change added
    /// by that day, whatever order the changes were recorded in.
    pub fn shares_on(&self, day: Date) -> u32 {
        self.history
            .iter()
            .filter(|e| e.effective_on <= day)
            .fold(0u32, |sum, e| sum.saturating_add(e.added))
    }
}

impl Projection for Register {
    const NAME: &'static str = "register";
    const VERSION: u32 = 10;

    fn apply(&mut self, envelope: &Envelope) {
        match &envelope.event {
            Event::CooperativeFounded(e) => {
                self.cooperative.apply(&envelope.event);
                self.coop = Some(CoopRecord {
                    name: e.name.clone(),
                    founded_on: e.founded_on,
                    statute: e.statute_as_decided(),
                    founded_at: envelope.position,
                    statute_at: envelope.position,
                });
            }
            Event::CooperativeMovedIn(e) => {
                self.cooperative.apply(&envelope.event);
                self.coop = Some(CoopRecord {
                    name: e.name.clone(),
                    founded_on: e.founded_on,
                    statute: verbund_domain::Statute::clone(&e.statute).as_decided(&e.statute_text),
                    founded_at: envelope.position,
                    statute_at: envelope.position,
                });
            }
            Event::StatuteAmended(e) => {
                self.cooperative.apply(&envelope.event);
                if let Some(coop) = &mut self.coop {
                    coop.name = e.statute.name().clone();
                    coop.statute = e.statute_as_decided();
                    coop.statute_at = envelope.position;
                }
            }
            Event::OfficerAppointed(_) | Event::OfficerRemoved(_) => {
                self.cooperative.apply(&envelope.event);
            }
            // A share of profit credited to unpaid shares (G19) is the member's paid-in
            // capital; the event is the books', and names the members it credits.
            Event::ProfitDistributed(e) => {
                for part in &e.parts {
                    if let Some(record) = self.members.get_mut(&part.member) {
                        record.member.apply(&envelope.event);
                        record.capital.push(CapitalMove {
                            position: envelope.position,
                            on: e.booked_on,
                            kind: CapitalMove::KINDS[4].into(),
                            amount: part.credited,
                            reference: None,
                            counterparty: None,
                        });
                    }
                }
            }
            event => {
                let Some(Stream::Member(no)) = envelope.stream else {
                    return;
                };
                if let Event::RepresentativeAuthorized(e) = event {
                    self.persons.entry(e.person).or_default().insert(no);
                }
                // A member's entry starts with the admission: an event before it (which the
                // domain never writes, but an import could) makes no entry.
                if !self.members.contains_key(&no)
                    && !matches!(event, Event::MemberAdmitted(_) | Event::MemberMovedIn(_))
                {
                    return;
                }
                let record = self.members.entry(no).or_insert_with(|| MemberRecord {
                    member: Member::default(),
                    admitted_at: envelope.position,
                    history: Vec::new(),
                    capital: Vec::new(),
                });
                record.member.apply(event);
                let moved = |on, kind: &'static str, amount, reference, counterparty| {
                    debug_assert!(CapitalMove::KINDS.contains(&kind), "{kind}");
                    CapitalMove {
                        position: envelope.position,
                        on,
                        kind: kind.into(),
                        amount,
                        reference,
                        counterparty,
                    }
                };
                match event {
                    Event::PaymentReceived(e) => record.capital.push(moved(
                        e.received_on,
                        "payment",
                        e.amount,
                        Some(e.reference.clone()),
                        None,
                    )),
                    Event::CapitalTransferred(e) if e.to == no => record.capital.push(moved(
                        e.agreed_on,
                        "transfer-in",
                        e.amount,
                        None,
                        Some(e.from),
                    )),
                    Event::CapitalTransferred(e) => record.capital.push(moved(
                        e.agreed_on,
                        "transfer-out",
                        -e.amount,
                        None,
                        Some(e.to),
                    )),
                    Event::SettlementPaid(e) => {
                        record
                            .capital
                            .push(moved(e.paid_on, "settlement", -e.amount, None, None))
                    }
                    _ => {}
                }
                let Some(m) = record.member.membership() else {
                    return;
                };
                // The changes of the list's entry (G30): admission, shares, exit, transfer of
                // capital. Payments and the settlement are the books', not the list's.
                let (effective_on, added) = match event {
                    Event::MemberAdmitted(e) => (e.admitted_on, e.shares),
                    Event::MemberMovedIn(e) => (e.admitted_on, e.shares),
                    Event::SharesSubscribed(e) => (e.subscribed_on, e.shares),
                    Event::ResignationDeclared(e) => (e.effective_on, 0),
                    Event::MemberExcluded(e) => (e.effective_on, 0),
                    Event::MemberDied(e) => (e.effective_on, 0),
                    Event::CapitalTransferred(e) => (e.agreed_on, 0),
                    _ => return,
                };
                record.history.push(Effective {
                    effective_on,
                    position: envelope.position,
                    change: std::borrow::Cow::Borrowed(event.event_type()),
                    shares: m.shares(),
                    added,
                });
            }
        }
    }
}

impl Register {
    /// The cooperative, once founded.
    pub fn coop(&self) -> Option<&CoopRecord> {
        self.coop.as_ref()
    }

    /// One member.
    pub fn member(&self, member: MemberNo) -> Option<&MemberRecord> {
        self.members.get(&member)
    }

    /// The members in order of their number, from `after` on (exclusive).
    pub fn members_after(
        &self,
        after: Option<MemberNo>,
    ) -> impl Iterator<Item = &MemberRecord> + '_ {
        let range = match after {
            Some(after) => self.members.range(after.next()..),
            None => self.members.range::<_, MemberNo>(..),
        };
        range.map(|(_, record)| record)
    }

    /// How many members were ever admitted.
    pub fn member_count(&self) -> usize {
        self.members.len()
    }

    /// How many are members on `day`.
    pub fn members_on(&self, day: Date) -> usize {
        self.members
            .values()
            .filter(|r| r.membership().is_member_on(day))
            .count()
    }

    /// The offices a member holds on `day`.
    pub fn offices(&self, member: MemberNo, day: Date) -> BTreeSet<Office> {
        self.cooperative.offices_of(member, day).collect()
    }

    /// The natural person serving for `member` in `office` (G9-24), a personal record.
    pub fn serving(
        &self,
        office: Office,
        member: MemberNo,
    ) -> Option<&verbund_domain::PersonalRef> {
        self.cooperative.serving(office, member)
    }

    /// The members holding `office` on `day`, by number.
    pub fn holders(&self, office: Office, day: Date) -> Vec<MemberNo> {
        let mut holders: Vec<MemberNo> = self.cooperative.holders(office, day).collect();
        holders.sort_unstable();
        holders
    }

    /// The members `person` acts for, with their capacity, by member number.
    pub fn acting_for(&self, person: PersonId) -> Vec<(MemberNo, Capacity)> {
        let Some(members) = self.persons.get(&person) else {
            return Vec::new();
        };
        members
            .iter()
            .filter_map(|&no| {
                let m = self.members.get(&no)?.member.membership()?;
                Some((no, m.acts_for(person)?))
            })
            .collect()
    }

    /// The roles a member's token carries on `day`: `Member`, plus one per office held. None
    /// for someone who is not (or no longer) a member; no offices for a member who lost their
    /// rights (G68).
    pub fn roles_of(&self, member: MemberNo, day: Date) -> BTreeSet<Role> {
        let Some(record) = self.members.get(&member) else {
            return BTreeSet::new();
        };
        let m = record.membership();
        if !m.is_member_on(day) {
            return BTreeSet::new();
        }
        if !m.has_rights_on(day) {
            return BTreeSet::from([Role::Member]);
        }
        let mut roles = BTreeSet::from([Role::Member]);
        for office in self.offices(member, day) {
            roles.insert(match office {
                Office::Board => Role::Board,
                Office::SupervisoryBoard => Role::SupervisoryBoard,
                Office::Treasurer => Role::Treasurer,
            });
        }
        roles
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use verbund_domain::{
        MemberAdmitted, MemberExcluded, MemberKind, Money, OfficerAppointed, PersonalRef, RecordId,
        ResignationDeclared, SharesSubscribed,
    };
    use verbund_ledger::{Actor, StreamVersion};

    use super::*;

    fn no(n: u32) -> MemberNo {
        MemberNo::new(n).expect("non-zero")
    }

    fn fold(register: &mut Register, events: Vec<(&str, Event)>) {
        for (i, (stream, event)) in events.into_iter().enumerate() {
            register.apply(&Envelope {
                position: Position::new(i as u64 + 1),
                stream: Some(Stream::parse(stream).expect("an aggregate's stream")),
                stream_version: StreamVersion::FIRST,
                recorded_at: jiff::Timestamp::UNIX_EPOCH,
                actor: Actor::parse("test").expect("valid"),
                event,
            });
        }
    }

    fn founded() -> (&'static str, Event) {
        let statute = verbund_domain::Statute::parse_toml(verbund_domain::statute::EXAMPLE_STATUTE)
            .expect("the example statute");
        (
            "coop",
            Event::CooperativeFounded(verbund_domain::CooperativeFounded {
                name: statute.name().clone(),
                founded_on: date(2027, 1, 10),
                statute: Box::new(statute),
                statute_text: String::new(),
                founders: 1,
            }),
        )
    }

    fn admitted(n: u32, on: Date) -> Event {
        Event::MemberAdmitted(MemberAdmitted {
            member: no(n),
            person: PersonalRef {
                record: RecordId::parse(&format!("p{n}")).expect("valid"),
                commitment: "0".repeat(64),
            },
            kind: MemberKind::NaturalPerson,
            shares: 1,
            mandatory_shares: 1,
            admitted_on: on,
            founder: false,
            application: None,
            listed: false,
            paid_in_due: Money::ZERO,
            paid_in_due_on: on,
        })
    }

    /// G30: the member list as of any day, with the day each change took effect.
    #[test]
    fn g30_the_member_list_answers_for_any_day() {
        let mut register = Register::default();
        fold(
            &mut register,
            vec![
                ("member-1", admitted(1, date(2027, 1, 10))),
                ("member-2", admitted(2, date(2027, 3, 1))),
                (
                    "member-1",
                    Event::SharesSubscribed(SharesSubscribed {
                        member: no(1),
                        shares: 2,
                        total: 3,
                        subscribed_on: date(2027, 4, 1),
                        paid_in_due: Money::ZERO,
                        paid_in_due_on: date(2027, 5, 1),
                    }),
                ),
                (
                    "member-2",
                    Event::ResignationDeclared(ResignationDeclared {
                        member: no(2),
                        declared_on: date(2027, 5, 1),
                        effective_on: date(2028, 12, 31),
                        hardship: None,
                    }),
                ),
            ],
        );
        assert_eq!(register.members_on(date(2027, 1, 9)), 0);
        assert_eq!(register.members_on(date(2027, 3, 1)), 2);
        assert_eq!(register.members_on(date(2028, 12, 31)), 2);
        assert_eq!(register.members_on(date(2029, 1, 1)), 1);
        let first = register.member(no(1)).expect("member 1");
        assert_eq!(first.shares_on(date(2027, 3, 31)), 1);
        assert_eq!(first.shares_on(date(2027, 4, 1)), 3);
        let changes: Vec<_> = first.history.iter().map(|e| e.change.as_ref()).collect();
        assert_eq!(changes, ["MemberAdmitted", "SharesSubscribed"]);
        // A subscription recorded late, dated before the one above, counts from its own day.
        fold(
            &mut register,
            vec![(
                "member-1",
                Event::SharesSubscribed(SharesSubscribed {
                    member: no(1),
                    shares: 1,
                    total: 4,
                    subscribed_on: date(2027, 2, 1),
                    paid_in_due: Money::ZERO,
                    paid_in_due_on: date(2027, 3, 1),
                }),
            )],
        );
        let first = register.member(no(1)).expect("member 1");
        assert_eq!(first.shares_on(date(2027, 1, 31)), 1);
        assert_eq!(first.shares_on(date(2027, 2, 1)), 2);
        assert_eq!(first.shares_on(date(2027, 4, 1)), 4);
    }

    /// G9-24: an office recorded to end on a day is held until the day before.
    #[test]
    fn g9_24_an_office_ends_on_its_recorded_day() {
        let mut register = Register::default();
        fold(
            &mut register,
            vec![
                founded(),
                ("member-1", admitted(1, date(2027, 1, 10))),
                (
                    "coop",
                    Event::OfficerAppointed(OfficerAppointed {
                        member: no(1),
                        office: Office::Board,
                        effective_on: date(2027, 1, 10),
                        serving: None,
                    }),
                ),
                (
                    "coop",
                    Event::OfficerRemoved(verbund_domain::OfficerRemoved {
                        member: no(1),
                        office: Office::Board,
                        effective_on: date(2029, 1, 1),
                        reason: "resigned (G65)".into(),
                    }),
                ),
            ],
        );
        assert!(
            register.holders(Office::Board, date(2027, 1, 9)).is_empty(),
            "not before the appointment"
        );
        assert_eq!(register.holders(Office::Board, date(2028, 12, 31)), [no(1)]);
        assert!(register.holders(Office::Board, date(2029, 1, 1)).is_empty());
        assert!(register.offices(no(1), date(2029, 1, 1)).is_empty());
    }

    /// An event on a member stream before its admission (an import could write one) makes no
    /// entry, and reads do not trip over it.
    #[test]
    fn a_member_event_before_the_admission_makes_no_entry() {
        let mut register = Register::default();
        fold(
            &mut register,
            vec![(
                "member-9",
                Event::SharesSubscribed(SharesSubscribed {
                    member: no(9),
                    shares: 1,
                    total: 2,
                    subscribed_on: date(2027, 4, 1),
                    paid_in_due: Money::ZERO,
                    paid_in_due_on: date(2027, 5, 1),
                }),
            )],
        );
        assert_eq!(register.member_count(), 0);
        assert_eq!(register.members_on(date(2027, 4, 1)), 0);
        assert!(register.roles_of(no(9), date(2027, 4, 1)).is_empty());
    }

    /// G68: from the dispatch of the exclusion notice, a member's token carries no office.
    #[test]
    fn g68_an_excluded_member_keeps_the_member_role_but_no_office() {
        let mut register = Register::default();
        fold(
            &mut register,
            vec![
                founded(),
                ("member-1", admitted(1, date(2027, 1, 10))),
                (
                    "coop",
                    Event::OfficerAppointed(OfficerAppointed {
                        member: no(1),
                        office: Office::Board,
                        effective_on: date(2027, 1, 10),
                        serving: None,
                    }),
                ),
                (
                    "member-1",
                    Event::MemberExcluded(MemberExcluded {
                        member: no(1),
                        ground: "arrears".into(),
                        reason: "Two reminders".into(),
                        dispatched_on: date(2027, 6, 1),
                        effective_on: date(2027, 12, 31),
                    }),
                ),
            ],
        );
        assert_eq!(
            register.roles_of(no(1), date(2027, 5, 31)),
            BTreeSet::from([Role::Member, Role::Board])
        );
        assert_eq!(
            register.roles_of(no(1), date(2027, 6, 1)),
            BTreeSet::from([Role::Member])
        );
        assert!(register.roles_of(no(1), date(2028, 1, 1)).is_empty());
    }
}
