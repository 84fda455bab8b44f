//! The people who act for a member. A member is a natural person or a firm; a firm acts
//! through people — its owner or managing director, an authorised signatory (Prokurist), an
//! attorney with a written power — and a person may act for more than one member. People,
//! not member numbers, sign in: a person is its own principal ([`crate::Principal::Person`]),
//! and which members they act for, in which capacity, is part of each member's stream, so
//! that who could act for a member when is audited history like everything else.
//!
//! A person has a random id and no name in the log: the member they act for is named in the
//! register, and every act records the person and the member together.

use std::fmt;

use super::*;

/// A person who acts for one or more members: 64 random bits, written as 16 lowercase hex
/// digits. Random rather than counted, so that two boards recording people at once never give
/// two people one id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonId(u64);

impl PersonId {
    /// The person with these bits (the caller draws them at random).
    pub const fn from_bits(bits: u64) -> Self {
        PersonId(bits)
    }

    /// Parses the 16 lowercase hex digits.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let digits = text.len() == 16
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        digits
            .then(|| u64::from_str_radix(text, 16).ok())
            .flatten()
            .map(PersonId)
            .ok_or_else(|| {
                DomainError::invalid(
                    "person-id-malformed",
                    "person",
                    format!("{text:?} is not a person's id (16 lowercase hex digits)"),
                )
            })
    }
}

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl fmt::Debug for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonId({self})")
    }
}

impl Serialize for PersonId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PersonId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::ids::deserialize_text(
            deserializer,
            "a person's id: 16 lowercase hex digits",
            PersonId::parse,
        )
    }
}

/// In which capacity a person acts for a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capacity {
    /// The member themself, a natural person.
    Themself,
    /// The firm's legal representative: its owner, managing director or board member.
    ManagingDirector,
    /// An authorised signatory (Prokurist) of the firm.
    AuthorisedSignatory,
    /// An attorney with the member's written power (Vollmacht).
    Attorney,
}

impl Capacity {
    /// The capacity's name on the wire, e.g. `managing-director`.
    pub fn as_str(self) -> &'static str {
        match self {
            Capacity::Themself => "themself",
            Capacity::ManagingDirector => "managing-director",
            Capacity::AuthorisedSignatory => "authorised-signatory",
            Capacity::Attorney => "attorney",
        }
    }
}

/// `RepresentativeAuthorized`: a person may act for the member from a day on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepresentativeAuthorized {
    /// The member.
    pub member: MemberNo,
    /// The person.
    pub person: PersonId,
    /// In which capacity.
    pub capacity: Capacity,
    /// The first day they act for the member.
    pub effective_on: Date,
}

/// `RepresentativeWithdrawn`: a person no longer acts for the member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepresentativeWithdrawn {
    /// The member.
    pub member: MemberNo,
    /// The person.
    pub person: PersonId,
    /// The first day they no longer act for the member.
    pub effective_on: Date,
}

/// Authorize a person to act for a member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizeRepresentative {
    /// The person.
    pub person: PersonId,
    /// In which capacity.
    pub capacity: Capacity,
    /// The first day.
    pub effective_on: Date,
    /// The day it is decided.
    pub today: Date,
}

/// End a person's authority to act for a member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WithdrawRepresentative {
    /// The person.
    pub person: PersonId,
    /// The first day without it.
    pub effective_on: Date,
    /// The day it is decided.
    pub today: Date,
}

impl Membership {
    /// The people who act for the member, with their capacity.
    pub fn representatives(&self) -> &BTreeMap<PersonId, Capacity> {
        &self.representatives
    }

    /// The capacity in which `person` acts for the member, if they do. A person keeps acting
    /// for a former member (for what is still theirs: their statement, their settlement)
    /// until the member's data is erased.
    pub fn acts_for(&self, person: PersonId) -> Option<Capacity> {
        if self.record_erased_on.is_some() {
            return None;
        }
        self.representatives.get(&person).copied()
    }
}

impl Member {
    /// Decides authorizing a person to act for the member: a member who has not left; the
    /// member themself only for a natural person, and only one person as them.
    pub fn authorize_representative(
        &self,
        coop: &Cooperative,
        command: AuthorizeRepresentative,
    ) -> Result<Vec<Change>, DomainError> {
        coop.check_day(command.effective_on, command.today, "effective_on")?;
        let m = self.admitted()?;
        if m.exit
            .as_ref()
            .is_some_and(|e| e.effective_on < command.today)
        {
            return Err(DomainError::conflict(
                "member-left",
                format!("member {} has left; nobody new acts for them", m.member),
            ));
        }
        if command.capacity == Capacity::Themself {
            if m.kind.is_entrepreneur() {
                return Err(DomainError::invalid(
                    "capacity-not-for-firm",
                    "capacity",
                    format!(
                        "member {} is a firm; a person acts for it as its managing director, authorised signatory or attorney",
                        m.member
                    ),
                ));
            }
            if m.representatives
                .iter()
                .any(|(p, c)| *c == Capacity::Themself && *p != command.person)
            {
                return Err(DomainError::conflict(
                    "member-themself-known",
                    format!("another person is member {} themself", m.member),
                ));
            }
        }
        if m.representatives.get(&command.person) == Some(&command.capacity) {
            return Err(DomainError::conflict(
                "representative-known",
                format!(
                    "person {} acts for member {} as {} already",
                    command.person,
                    m.member,
                    command.capacity.as_str()
                ),
            ));
        }
        Ok(vec![Change::new(
            Stream::Member(m.member),
            RepresentativeAuthorized {
                member: m.member,
                person: command.person,
                capacity: command.capacity,
                effective_on: command.effective_on,
            },
        )])
    }

    /// Decides ending a person's authority to act for the member.
    pub fn withdraw_representative(
        &self,
        coop: &Cooperative,
        command: WithdrawRepresentative,
    ) -> Result<Vec<Change>, DomainError> {
        coop.check_day(command.effective_on, command.today, "effective_on")?;
        let m = self.admitted()?;
        if !m.representatives.contains_key(&command.person) {
            return Err(DomainError::not_found(
                "representative-not-found",
                format!(
                    "person {} does not act for member {}",
                    command.person, m.member
                ),
            ));
        }
        Ok(vec![Change::new(
            Stream::Member(m.member),
            RepresentativeWithdrawn {
                member: m.member,
                person: command.person,
                effective_on: command.effective_on,
            },
        )])
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::coop::tests_support::world_of;

    fn person(bits: u64) -> PersonId {
        PersonId::from_bits(bits)
    }

    fn authorize(p: u64, capacity: Capacity) -> AuthorizeRepresentative {
        AuthorizeRepresentative {
            person: person(p),
            capacity,
            effective_on: date(2026, 12, 1),
            today: date(2026, 12, 1),
        }
    }

    /// Member 1 a firm, member 2 a natural person; each with what it decided applied.
    fn members() -> (Cooperative, Member, Member) {
        let world = world_of(crate::statute::EXAMPLE_STATUTE, 5, |n| n == 1);
        let firm = world.members[&MemberNo::new(1).expect("not zero")].clone();
        let citizen = world.members[&MemberNo::new(2).expect("not zero")].clone();
        (world.coop, firm, citizen)
    }

    fn applied(member: &Member, changes: Vec<Change>) -> Member {
        let mut member = member.clone();
        for change in changes {
            member.apply(&change.event);
        }
        member
    }

    /// A firm acts through its managing director or signatories, never "as itself"; a
    /// natural person acts as themself, through one person only; a capacity held already is
    /// refused; withdrawing someone who does not act for the member is refused.
    #[test]
    fn people_act_for_members_in_a_capacity_their_kind_allows() {
        let (coop, firm, citizen) = members();
        let refused = firm
            .authorize_representative(&coop, authorize(1, Capacity::Themself))
            .expect_err("a firm is no person");
        assert_eq!(refused.code(), "capacity-not-for-firm");
        let firm = applied(
            &firm,
            firm.authorize_representative(&coop, authorize(1, Capacity::ManagingDirector))
                .expect("its managing director"),
        );
        let firm = applied(
            &firm,
            firm.authorize_representative(&coop, authorize(2, Capacity::AuthorisedSignatory))
                .expect("a signatory as well"),
        );
        let again = firm
            .authorize_representative(&coop, authorize(1, Capacity::ManagingDirector))
            .expect_err("known");
        assert_eq!(again.code(), "representative-known");
        let m = firm.membership().expect("a member");
        assert_eq!(m.acts_for(person(1)), Some(Capacity::ManagingDirector));
        assert_eq!(m.acts_for(person(2)), Some(Capacity::AuthorisedSignatory));

        let citizen = applied(
            &citizen,
            citizen
                .authorize_representative(&coop, authorize(3, Capacity::Themself))
                .expect("the member themself"),
        );
        let second = citizen
            .authorize_representative(&coop, authorize(4, Capacity::Themself))
            .expect_err("one person is the member");
        assert_eq!(second.code(), "member-themself-known");
        citizen
            .authorize_representative(&coop, authorize(4, Capacity::Attorney))
            .expect("an attorney with a written power");

        let withdraw = |p: u64| WithdrawRepresentative {
            person: person(p),
            effective_on: date(2026, 12, 2),
            today: date(2026, 12, 2),
        };
        let unknown = citizen
            .withdraw_representative(&coop, withdraw(9))
            .expect_err("not theirs");
        assert_eq!(unknown.code(), "representative-not-found");
        let citizen = applied(
            &citizen,
            citizen
                .withdraw_representative(&coop, withdraw(3))
                .expect("withdrawn"),
        );
        assert_eq!(
            citizen.membership().expect("a member").acts_for(person(3)),
            None
        );
    }

    proptest::proptest! {
        /// A person's id reads back from its text and its JSON; no other text is one.
        #[test]
        fn a_person_id_reads_back_from_its_text(bits in proptest::num::u64::ANY, junk in "[0-9a-zA-Z]{0,20}") {
            let id = PersonId::from_bits(bits);
            let text = id.to_string();
            proptest::prop_assert_eq!(text.len(), 16);
            proptest::prop_assert_eq!(PersonId::parse(&text).expect("parses"), id);
            let json = serde_json::to_string(&id).expect("serializes");
            proptest::prop_assert_eq!(serde_json::from_str::<PersonId>(&json).expect("reads"), id);
            let valid = junk.len() == 16 && junk.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            proptest::prop_assert_eq!(PersonId::parse(&junk).is_ok(), valid);
        }
    }
}
