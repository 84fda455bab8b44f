//! The register: the cooperative, its members and its officers.

use std::collections::BTreeSet;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use verbund_domain::{Event, MemberKind, MemberNo, Name, Office, Role, Statute};
use verbund_ledger::Position;

use crate::{Envelope, Projection};

/// The cooperative, its members and offices.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Register {
    coop: Option<CoopRecord>,
    /// Persistent maps: a snapshot's copy shares their structure.
    members: imbl::OrdMap<MemberNo, MemberRecord>,
    offices: imbl::OrdMap<MemberNo, BTreeSet<Office>>,
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
}

/// One member as the register shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRecord {
    /// Member number.
    pub member: MemberNo,
    /// Name or firm.
    pub name: Name,
    /// Kind of member.
    pub kind: MemberKind,
    /// Shares subscribed.
    pub shares: u32,
    /// The day the membership took effect.
    pub admitted_on: Date,
    /// True for founders.
    pub founder: bool,
    /// The position of the admission.
    pub admitted_at: Position,
}

impl Projection for Register {
    const NAME: &'static str = "register";
    const VERSION: u32 = 1;

    fn apply(&mut self, envelope: &Envelope) {
        match &envelope.event {
            Event::CooperativeFounded(e) => {
                self.coop = Some(CoopRecord {
                    name: e.name.clone(),
                    founded_on: e.founded_on,
                    statute: e.statute.clone(),
                    founded_at: envelope.position,
                });
            }
            Event::MemberAdmitted(e) => {
                self.members.insert(
                    e.member,
                    MemberRecord {
                        member: e.member,
                        name: e.name.clone(),
                        kind: e.kind.clone(),
                        shares: e.shares,
                        admitted_on: e.admitted_on,
                        founder: e.founder,
                        admitted_at: envelope.position,
                    },
                );
            }
            Event::OfficerAppointed(e) => {
                self.offices.entry(e.member).or_default().insert(e.office);
            }
            Event::TokenIssued(_) | Event::TokenRevoked(_) => {}
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

    /// The members in order of their number, from `after` on (exclusive), at most `limit`.
    pub fn members(&self, after: Option<MemberNo>, limit: usize) -> Vec<&MemberRecord> {
        let range = match after {
            Some(after) => self.members.range(after.next()..),
            None => self.members.range::<_, MemberNo>(..),
        };
        range.map(|(_, record)| record).take(limit).collect()
    }

    /// How many members there are.
    pub fn member_count(&self) -> usize {
        self.members.len()
    }

    /// The offices a member holds.
    pub fn offices(&self, member: MemberNo) -> BTreeSet<Office> {
        self.offices.get(&member).cloned().unwrap_or_default()
    }

    /// The members holding `office`.
    pub fn holders(&self, office: Office) -> Vec<MemberNo> {
        self.offices
            .iter()
            .filter(|(_, offices)| offices.contains(&office))
            .map(|(member, _)| *member)
            .collect()
    }

    /// The roles a member's token carries: `Member`, plus one per office held. None for
    /// someone who is not (or no longer) a member.
    pub fn roles_of(&self, member: MemberNo) -> BTreeSet<Role> {
        if !self.members.contains_key(&member) {
            return BTreeSet::new();
        }
        let mut roles = BTreeSet::from([Role::Member]);
        for office in self.offices(member) {
            roles.insert(match office {
                Office::Board => Role::Board,
                Office::SupervisoryBoard => Role::SupervisoryBoard,
                Office::Treasurer => Role::Treasurer,
            });
        }
        roles
    }
}
