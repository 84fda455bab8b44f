//! The cooperative itself: founding, its statute and its organs.

use std::collections::BTreeSet;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::statute::SMALL_COOPERATIVE_MEMBERS_MAX;
use crate::{Change, DomainError, Event, MemberNo, Name, Rule, Statute, Stream};

/// What kind of member someone is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum MemberKind {
    /// A natural person.
    NaturalPerson,
    /// A firm (a craft business, a small enterprise).
    Firm {
        /// The trade, e.g. "Schreinerei" (joinery).
        trade: String,
        /// The region it works in.
        region: String,
        /// People employed, the firm's size.
        employees: u32,
    },
    /// An investing member, who does not use the cooperative's services (G8-2).
    Investing,
}

/// An office in the cooperative's organs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Office {
    /// Vorstand.
    Board,
    /// Aufsichtsrat.
    SupervisoryBoard,
    /// Keeps the books; usually a member of the board.
    Treasurer,
}

impl Office {
    /// The office's name on the wire: `board`, `supervisory-board`, `treasurer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Office::Board => "board",
            Office::SupervisoryBoard => "supervisory-board",
            Office::Treasurer => "treasurer",
        }
    }
}

/// The founding of a cooperative: its first statute, its founders (who become members 1, 2, 3,
/// … in the order given) and its first officers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundCooperative {
    /// The statute, validated.
    pub statute: Statute,
    /// The statute file as the founders signed it.
    pub statute_text: String,
    /// The day of the founding assembly.
    pub founded_on: Date,
    /// The founders.
    pub founders: Vec<Founder>,
    /// Members of the first board, by their member number.
    pub board: Vec<MemberNo>,
    /// Members of the first supervisory board.
    pub supervisory_board: Vec<MemberNo>,
    /// The treasurer, if the founders name one.
    pub treasurer: Option<MemberNo>,
}

/// One founder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Founder {
    /// Name or firm.
    pub name: Name,
    /// Kind of member.
    pub kind: MemberKind,
    /// Shares subscribed.
    pub shares: u32,
}

/// `CooperativeFounded`: the first event of every cooperative's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CooperativeFounded {
    /// The name.
    pub name: Name,
    /// The day of the founding assembly.
    pub founded_on: Date,
    /// The statute in force from here on (version 1).
    pub statute: Statute,
    /// The statute file as signed.
    pub statute_text: String,
    /// How many founders became members (numbers 1 to this).
    pub founders: u32,
}

/// `MemberAdmitted`: someone became a member, with their first shares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberAdmitted {
    /// The new member's number.
    pub member: MemberNo,
    /// Name or firm.
    pub name: Name,
    /// Kind of member.
    pub kind: MemberKind,
    /// Shares subscribed.
    pub shares: u32,
    /// The day the membership took effect.
    pub admitted_on: Date,
    /// True for the founders.
    pub founder: bool,
}

/// `OfficerAppointed`: a member took an office.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficerAppointed {
    /// The member.
    pub member: MemberNo,
    /// The office.
    pub office: Office,
    /// The day the appointment took effect.
    pub effective_on: Date,
}

/// The cooperative as its own stream tells it: what decisions about it need.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cooperative {
    founded: Option<Founded>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Founded {
    name: Name,
    statute: Statute,
    members: u32,
    offices: BTreeSet<(Office, MemberNo)>,
}

impl Cooperative {
    /// Folds one event of the `coop` stream in. Never fails: the log is the truth.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::CooperativeFounded(e) => {
                self.founded = Some(Founded {
                    name: e.name.clone(),
                    statute: e.statute.clone(),
                    members: e.founders,
                    offices: BTreeSet::new(),
                });
            }
            Event::OfficerAppointed(e) => {
                if let Some(founded) = &mut self.founded {
                    founded.offices.insert((e.office, e.member));
                }
            }
            Event::MemberAdmitted(_) | Event::TokenIssued(_) | Event::TokenRevoked(_) => {}
        }
    }

    /// True once founded.
    pub fn is_founded(&self) -> bool {
        self.founded.is_some()
    }

    /// The name, once founded.
    pub fn name(&self) -> Option<&Name> {
        self.founded.as_ref().map(|f| &f.name)
    }

    /// The statute in force, once founded.
    pub fn statute(&self) -> Option<&Statute> {
        self.founded.as_ref().map(|f| &f.statute)
    }

    /// True if `member` has been admitted.
    pub fn has_member(&self, member: MemberNo) -> bool {
        self.founded
            .as_ref()
            .is_some_and(|f| member.get() <= f.members)
    }

    /// Decides a founding. The founders become members 1..=n; the events are the founding on
    /// the `coop` stream, the officers' appointments after it, and one admission per founder on
    /// the member's own stream.
    pub fn found(&self, command: FoundCooperative) -> Result<Vec<Change>, DomainError> {
        if self.is_founded() {
            return Err(DomainError::conflict(
                "coop-already-founded",
                "this cooperative has been founded already",
            ));
        }
        let FoundCooperative {
            statute,
            statute_text,
            founded_on,
            founders,
            board,
            supervisory_board,
            treasurer,
        } = command;

        // G4: a cooperative is founded by at least 3 members.
        if founders.len() < 3 {
            return Err(DomainError::rule(
                Rule::G4,
                "founders-too-few",
                format!(
                    "a cooperative is founded by at least 3 members, {} are named",
                    founders.len()
                ),
            )
            .at("founders"));
        }
        let member_count = u32::try_from(founders.len()).map_err(|_| {
            DomainError::invalid("founders-too-many", "founders", "too many founders")
        })?;
        for (index, founder) in founders.iter().enumerate() {
            let field = format!("founders[{index}]");
            if founder.shares == 0 || founder.shares > statute.max_shares_per_member() {
                return Err(DomainError::rule(
                    Rule::G7a,
                    "shares-out-of-range",
                    format!(
                        "a member subscribes 1 to {} shares under the statute, not {}",
                        statute.max_shares_per_member(),
                        founder.shares
                    ),
                )
                .at(format!("{field}.shares")));
            }
            if founder.kind == MemberKind::Investing {
                return Err(DomainError::rule(
                    Rule::G8_2,
                    "investing-members-not-admitted",
                    "investing members are admitted only when the statute allows it, with the assembly's consent; they cannot found the cooperative",
                )
                .at(format!("{field}.kind")));
            }
        }

        let is_member = |no: &MemberNo| no.get() <= member_count;
        let small = founders.len() <= SMALL_COOPERATIVE_MEMBERS_MAX;
        // G9-24: a board of at least 2 persons, 1 with at most 20 members; the statute may ask
        // for more.
        let law_min = if small { 1 } else { 2 };
        let board_min = usize::from(statute.board_min()).max(law_min);
        check_organ(&board, "board", board_min, &is_member)?;
        // A supervisory board may be omitted only with at most 20 members (G9-24).
        if statute.has_supervisory_board() || !small {
            if !statute.has_supervisory_board() {
                return Err(DomainError::rule(
                    Rule::G9_24,
                    "supervisory-board-required",
                    format!(
                        "with {} members the cooperative needs a supervisory board, but the statute omits it",
                        founders.len()
                    ),
                )
                .at("statute.organs.supervisory_board"));
            }
            check_organ(&supervisory_board, "supervisory_board", 1, &is_member)?;
        } else if !supervisory_board.is_empty() {
            return Err(DomainError::invalid(
                "supervisory-board-not-in-statute",
                "supervisory_board",
                "the statute provides no supervisory board",
            ));
        }
        // § 37 GenG: nobody sits on the board and the supervisory board at once.
        if let Some(both) = board.iter().find(|no| supervisory_board.contains(no)) {
            return Err(DomainError::invalid(
                "offices-incompatible",
                "supervisory_board",
                format!("member {both} cannot sit on the board and the supervisory board at once"),
            ));
        }
        if let Some(treasurer) = treasurer
            && !is_member(&treasurer)
        {
            return Err(DomainError::rule(
                Rule::G9_24,
                "officer-not-a-member",
                format!(
                    "the treasurer {treasurer} is not one of the founders; officers must be members"
                ),
            )
            .at("treasurer"));
        }

        let mut changes = vec![Change::new(
            Stream::Coop,
            CooperativeFounded {
                name: statute.name().clone(),
                founded_on,
                statute,
                statute_text,
                founders: member_count,
            },
        )];
        let offices = board
            .iter()
            .map(|&no| (no, Office::Board))
            .chain(
                supervisory_board
                    .iter()
                    .map(|&no| (no, Office::SupervisoryBoard)),
            )
            .chain(treasurer.map(|no| (no, Office::Treasurer)));
        for (member, office) in offices {
            changes.push(Change::new(
                Stream::Coop,
                OfficerAppointed {
                    member,
                    office,
                    effective_on: founded_on,
                },
            ));
        }
        let mut member = MemberNo::FIRST;
        for founder in founders {
            changes.push(Change::new(
                Stream::Member(member),
                MemberAdmitted {
                    member,
                    name: founder.name,
                    kind: founder.kind,
                    shares: founder.shares,
                    admitted_on: founded_on,
                    founder: true,
                },
            ));
            member = member.next();
        }
        Ok(changes)
    }
}

fn check_organ(
    seats: &[MemberNo],
    field: &str,
    min: usize,
    is_member: &dyn Fn(&MemberNo) -> bool,
) -> Result<(), DomainError> {
    if seats.len() < min {
        return Err(DomainError::rule(
            Rule::G9_24,
            "organ-too-small",
            format!(
                "the {} needs at least {min} members, {} are named",
                field.replace('_', " "),
                seats.len()
            ),
        )
        .at(field));
    }
    let mut seen = BTreeSet::new();
    for (index, no) in seats.iter().enumerate() {
        if !is_member(no) {
            return Err(DomainError::rule(
                Rule::G9_24,
                "officer-not-a-member",
                format!("{no} is not one of the founders; officers must be members"),
            )
            .at(format!("{field}[{index}]")));
        }
        if !seen.insert(no) {
            return Err(DomainError::invalid(
                "officer-named-twice",
                format!("{field}[{index}]"),
                format!("member {no} is named twice"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statute::EXAMPLE_STATUTE;

    fn founder(name: &str) -> Founder {
        Founder {
            name: Name::parse(name).expect("valid"),
            kind: MemberKind::Firm {
                trade: "Schreinerei".into(),
                region: "Musterdorf".into(),
                employees: 4,
            },
            shares: 1,
        }
    }

    fn no(n: u32) -> MemberNo {
        MemberNo::new(n).expect("non-zero")
    }

    fn founding(founders: usize) -> FoundCooperative {
        FoundCooperative {
            statute: Statute::parse_toml(EXAMPLE_STATUTE).expect("valid"),
            statute_text: EXAMPLE_STATUTE.into(),
            founded_on: jiff::civil::date(2026, 11, 24),
            founders: (1..=founders)
                .map(|i| founder(&format!("Betrieb {i}")))
                .collect(),
            board: vec![no(1), no(2)],
            supervisory_board: vec![no(3)],
            treasurer: Some(no(2)),
        }
    }

    fn given_nothing_when_founding(command: FoundCooperative) -> Result<Vec<Change>, DomainError> {
        Cooperative::default().found(command)
    }

    #[test]
    fn founding_admits_the_founders_and_appoints_the_officers() {
        let changes = given_nothing_when_founding(founding(3)).expect("valid founding");
        let types: Vec<_> = changes
            .iter()
            .map(|c| (c.stream.to_string(), c.event.event_type()))
            .collect();
        assert_eq!(
            types,
            [
                ("coop", "CooperativeFounded"),
                ("coop", "OfficerAppointed"),
                ("coop", "OfficerAppointed"),
                ("coop", "OfficerAppointed"),
                ("coop", "OfficerAppointed"),
                ("member-1", "MemberAdmitted"),
                ("member-2", "MemberAdmitted"),
                ("member-3", "MemberAdmitted"),
            ]
            .map(|(s, t)| (s.to_owned(), t))
        );
        let mut coop = Cooperative::default();
        for change in changes.iter().filter(|c| c.stream == Stream::Coop) {
            coop.apply(&change.event);
        }
        assert!(coop.is_founded() && coop.has_member(no(3)) && !coop.has_member(no(4)));
    }

    /// G4: at least 3 founders.
    #[test]
    fn g4_two_founders_cannot_found_a_cooperative() {
        let error = given_nothing_when_founding(founding(2)).expect_err("two founders");
        assert_eq!(
            (error.rule_id(), error.code()),
            (Some(Rule::G4), "founders-too-few")
        );
    }

    /// G9-24: officers must be members.
    #[test]
    fn g9_24_a_board_member_who_is_not_a_founder_is_refused() {
        let mut command = founding(3);
        command.board = vec![no(1), no(7)];
        let error = given_nothing_when_founding(command).expect_err("not a founder");
        assert_eq!(error.rule_id(), Some(Rule::G9_24));
        assert_eq!(error.field(), Some("board[1]"));
    }

    /// G9-24: a board of one is enough with at most 20 members only, and the statute may ask
    /// for more.
    #[test]
    fn g9_24_a_board_of_one_is_refused_with_25_members() {
        let statute = EXAMPLE_STATUTE.replace("board_min = 2", "board_min = 1");
        let mut command = founding(25);
        command.statute = Statute::parse_toml(&statute).expect("valid");
        command.board = vec![no(1)];
        let error = given_nothing_when_founding(command.clone()).expect_err("board of one");
        assert_eq!(
            (error.rule_id(), error.code()),
            (Some(Rule::G9_24), "organ-too-small")
        );

        let mut small = founding(5);
        small.statute = command.statute.clone();
        small.board = vec![no(1)];
        given_nothing_when_founding(small).expect("a board of one with 5 members");

        let mut statute_says_two = founding(5);
        statute_says_two.board = vec![no(1)];
        let error = given_nothing_when_founding(statute_says_two).expect_err("statute says 2");
        assert_eq!(error.code(), "organ-too-small");
    }

    /// G9-24: the supervisory board may be omitted with at most 20 members only.
    #[test]
    fn g9_24_a_large_cooperative_needs_a_supervisory_board() {
        let statute =
            EXAMPLE_STATUTE.replace("supervisory_board = true", "supervisory_board = false");
        let mut command = founding(21);
        command.statute = Statute::parse_toml(&statute).expect("valid");
        command.supervisory_board = vec![];
        let error = given_nothing_when_founding(command.clone()).expect_err("21 members");
        assert_eq!(error.code(), "supervisory-board-required");
        command.founders.truncate(20);
        given_nothing_when_founding(command).expect("20 members may omit it");
    }

    #[test]
    fn office_names_match_their_serialized_form() {
        for office in [Office::Board, Office::SupervisoryBoard, Office::Treasurer] {
            assert_eq!(
                serde_json::to_value(office).expect("serializes"),
                office.as_str()
            );
        }
    }

    #[test]
    fn nobody_sits_on_both_boards() {
        let mut command = founding(4);
        command.supervisory_board = vec![no(2)];
        let error = given_nothing_when_founding(command).expect_err("both boards");
        assert_eq!(error.code(), "offices-incompatible");
    }

    /// G7a: shares up to the statute's maximum.
    #[test]
    fn g7a_founders_subscribe_within_the_statutes_maximum() {
        let mut command = founding(3);
        command.founders[1].shares = 21;
        let error = given_nothing_when_founding(command).expect_err("21 shares");
        assert_eq!(
            (error.rule_id(), error.field()),
            (Some(Rule::G7a), Some("founders[1].shares"))
        );
    }

    /// G8-2: investing members need the statute's leave and the assembly's consent.
    #[test]
    fn g8_2_investing_members_cannot_found() {
        let mut command = founding(3);
        command.founders[0].kind = MemberKind::Investing;
        let error = given_nothing_when_founding(command).expect_err("investing founder");
        assert_eq!(error.rule_id(), Some(Rule::G8_2));
    }

    #[test]
    fn a_cooperative_is_founded_once() {
        let mut coop = Cooperative::default();
        for change in given_nothing_when_founding(founding(3)).expect("valid") {
            if change.stream == Stream::Coop {
                coop.apply(&change.event);
            }
        }
        let error = coop.found(founding(3)).expect_err("twice");
        assert_eq!(error.code(), "coop-already-founded");
    }

    #[test]
    fn events_survive_encoding_and_decoding() {
        for change in given_nothing_when_founding(founding(3)).expect("valid") {
            let json = change.event.to_json().to_string();
            let back = Event::decode(
                change.event.event_type(),
                change.event.schema_version(),
                &json,
            )
            .expect("decodes");
            assert_eq!(back, change.event);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use crate::statute::EXAMPLE_STATUTE;

    /// A cooperative founded by `founders` firms, board 1 and 2, supervisory board 3.
    pub(crate) fn founded(founders: u32) -> Cooperative {
        let no = |n| MemberNo::new(n).expect("non-zero");
        let command = FoundCooperative {
            statute: Statute::parse_toml(EXAMPLE_STATUTE).expect("valid"),
            statute_text: EXAMPLE_STATUTE.into(),
            founded_on: jiff::civil::date(2026, 11, 24),
            founders: (1..=founders)
                .map(|i| Founder {
                    name: Name::parse(&format!("Betrieb {i}")).expect("valid"),
                    kind: MemberKind::NaturalPerson,
                    shares: 1,
                })
                .collect(),
            board: vec![no(1), no(2)],
            supervisory_board: vec![no(3)],
            treasurer: None,
        };
        let mut coop = Cooperative::default();
        for change in coop.found(command).expect("valid founding") {
            if change.stream == Stream::Coop {
                coop.apply(&change.event);
            }
        }
        coop
    }
}
