//! The cooperative itself: founding, its statute and its organs.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::statute::SMALL_COOPERATIVE_MEMBERS_MAX;
use crate::{
    Change, DomainError, Event, Majority, Member, MemberAdmitted, MemberKind, MemberNo, Name,
    PersonalRef, Rule, Statute, Stream,
};

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

/// The most founders one founding names: energy and citizen cooperatives are founded by
/// hundreds; one commit records them all, with a personal-data record each.
pub const FOUNDERS_MAX: usize = 1_000;

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
    /// Members of the first board.
    pub board: Vec<Officer>,
    /// Members of the first supervisory board.
    pub supervisory_board: Vec<Officer>,
    /// The treasurer, if the founders name one.
    pub treasurer: Option<Officer>,
}

/// A member named to an office, with the natural person who serves for a member that is not
/// one (G9-24, § 9 (2) GenG: officers are natural persons; a firm's owner, managing director
/// or another person authorised to represent it serves for the firm).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Officer {
    /// The member.
    pub member: MemberNo,
    /// The natural person serving for it: required for a firm, refused for a natural person
    /// (who serves themself), optional for an investing member.
    pub serving: Option<PersonalRef>,
}

impl From<MemberNo> for Officer {
    fn from(member: MemberNo) -> Self {
        Officer {
            member,
            serving: None,
        }
    }
}

/// One founder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Founder {
    /// Name and address, stored outside the chain.
    pub person: PersonalRef,
    /// Kind of member.
    pub kind: MemberKind,
    /// Shares subscribed.
    pub shares: u32,
    /// Consent to the public listing.
    pub listed: bool,
}

/// `CooperativeFounded`: the first event of every cooperative's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CooperativeFounded {
    /// The name.
    pub name: Name,
    /// The day of the founding assembly.
    pub founded_on: Date,
    /// The statute in force from here on (version 1). Boxed, as in [`StatuteAmended`]: a
    /// statute is most of an event's size, and every other event would carry that size.
    pub statute: Box<Statute>,
    /// The statute file as signed.
    pub statute_text: String,
    /// How many founders became members (numbers 1 to this).
    pub founders: u32,
}

impl CooperativeFounded {
    /// The statute as its text decided it ([`Statute::as_decided`]).
    pub fn statute_as_decided(&self) -> Statute {
        Statute::clone(&self.statute).as_decided(&self.statute_text)
    }
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
    /// The natural person serving for a member that is not one (G9-24): a personal record
    /// beside the log. Absent in schema version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serving: Option<PersonalRef>,
}

/// `OfficerRemoved`: a member's office ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficerRemoved {
    /// The member.
    pub member: MemberNo,
    /// The office.
    pub office: Office,
    /// The first day without the office.
    pub effective_on: Date,
    /// Why: removed by the organ, resigned, excluded, died, left.
    pub reason: String,
}

/// `StatuteAmended`: the assembly amended the statute with the majority the law and the
/// statute in force asked (G16); from here on decisions are taken under the new version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatuteAmended {
    /// The new version: 2, 3, …
    pub version: u32,
    /// The statute, validated (boxed, see [`CooperativeFounded::statute`]).
    pub statute: Box<Statute>,
    /// The file as adopted.
    pub statute_text: String,
    /// The day of the resolution.
    pub resolved_on: Date,
    /// The majority it needed.
    pub majority: Majority,
    /// Yes votes.
    pub yes: u64,
    /// No votes (abstentions do not count).
    pub no: u64,
}

impl StatuteAmended {
    /// The statute as its text decided it ([`Statute::as_decided`]).
    pub fn statute_as_decided(&self) -> Statute {
        Statute::clone(&self.statute).as_decided(&self.statute_text)
    }
}

/// Records an amendment of the statute resolved by the assembly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmendStatute {
    /// The new statute, validated.
    pub statute: Statute,
    /// The file.
    pub statute_text: String,
    /// The day of the resolution.
    pub resolved_on: Date,
    /// Yes votes cast.
    pub yes: u64,
    /// No votes cast.
    pub no: u64,
    /// Members now (G9-24 applies to the new statute).
    pub members: usize,
    /// The day of the decision.
    pub today: Date,
}

/// Appoints a member to an office.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appoint {
    /// The office.
    pub office: Office,
    /// The natural person serving for a member that is not one (G9-24).
    pub serving: Option<PersonalRef>,
    /// The first day in office.
    pub effective_on: Date,
    /// The day of the decision.
    pub today: Date,
}

/// What an appointment needs to know of the organ's other holders (G8-2): a fact the
/// application passes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrganFacts {
    /// Investing members among the supervisory board's holders staying in office.
    pub investing_supervisors: usize,
}

/// Ends a member's office.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dismiss {
    /// The member.
    pub member: MemberNo,
    /// The office.
    pub office: Office,
    /// The first day without the office.
    pub effective_on: Date,
    /// Why.
    pub reason: String,
    /// The day of the decision.
    pub today: Date,
}

/// The cooperative as its own stream tells it: what decisions about it need.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cooperative {
    founded: Option<Founded>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Founded {
    name: Name,
    /// The day the cooperative's history in Verbund begins (D1): its founding.
    #[serde(default)]
    begins_on: Option<Date>,
    statute: Statute,
    statute_version: u32,
    /// Each office's holders, each with their latest term.
    offices: BTreeMap<Office, BTreeMap<MemberNo, Term>>,
    /// The delegates last elected (G43a).
    #[serde(default)]
    delegates: BTreeSet<MemberNo>,
}

/// A term of office: from its first day to the first day without it, once its end is recorded
/// (an end may lie ahead: a resigning officer's office ends with the membership).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Term {
    from: Date,
    until: Option<Date>,
    /// The natural person serving for a member that is not one (G9-24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    serving: Option<PersonalRef>,
}

impl Term {
    fn covers(&self, day: Date) -> bool {
        self.from <= day && self.until.is_none_or(|until| day < until)
    }
}

impl Cooperative {
    /// Folds one event of the `coop` stream in. Never fails: the log is the truth.
    pub fn apply(&mut self, event: &Event) {
        if let Event::CooperativeFounded(e) = event {
            self.founded = Some(Founded {
                name: e.name.clone(),
                begins_on: Some(e.founded_on),
                statute: e.statute_as_decided(),
                statute_version: 1,
                offices: BTreeMap::new(),
                delegates: BTreeSet::new(),
            });
            return;
        }
        if let Event::CooperativeMovedIn(e) = event {
            self.founded = Some(Founded {
                name: e.name.clone(),
                begins_on: Some(e.go_live_on),
                statute: Statute::clone(&e.statute).as_decided(&e.statute_text),
                statute_version: 1,
                offices: BTreeMap::new(),
                delegates: BTreeSet::new(),
            });
            return;
        }
        let Some(founded) = &mut self.founded else {
            return;
        };
        match event {
            Event::OfficerAppointed(e) => {
                founded.offices.entry(e.office).or_default().insert(
                    e.member,
                    Term {
                        from: e.effective_on,
                        until: None,
                        serving: e.serving.clone(),
                    },
                );
            }
            Event::OfficerRemoved(e) => {
                if let Some(term) = founded
                    .offices
                    .get_mut(&e.office)
                    .and_then(|holders| holders.get_mut(&e.member))
                {
                    term.until = Some(term.until.map_or(e.effective_on, |u| u.min(e.effective_on)));
                }
            }
            Event::DelegatesElected(e) => {
                founded.delegates = e.delegates.iter().copied().collect();
            }
            Event::StatuteAmended(e) => {
                founded.statute = e.statute_as_decided();
                founded.statute_version = e.version;
                founded.name = e.statute.name().clone();
            }
            _ => {}
        }
    }

    /// The first day of the cooperative's history in Verbund (D1): its founding day, or the
    /// go-live day of one that moved in. `None`
    /// before the founding (and for a state folded before it was recorded).
    pub fn history_begins(&self) -> Option<Date> {
        self.founded.as_ref().and_then(|f| f.begins_on)
    }

    /// D1: the one check of a fact's day — not before the cooperative's history begins, not
    /// after today. Every decision that takes a day from outside checks it here (the books
    /// through [`crate::books::Books::check_open`], which learns the same first day).
    pub fn check_day(&self, day: Date, today: Date, field: &str) -> Result<(), DomainError> {
        crate::calendar::check_day(self.history_begins(), day, today, field)
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

    /// The version of the statute in force: 1 at the founding, one more with each amendment.
    pub fn statute_version(&self) -> u32 {
        self.founded.as_ref().map_or(0, |f| f.statute_version)
    }

    /// The delegates last elected (G43a), whether or not they are still members.
    pub fn delegates(&self) -> &BTreeSet<MemberNo> {
        static NONE: BTreeSet<MemberNo> = BTreeSet::new();
        self.founded.as_ref().map_or(&NONE, |f| &f.delegates)
    }

    /// The members holding `office` on `day`.
    pub fn holders(&self, office: Office, day: Date) -> impl Iterator<Item = MemberNo> + '_ {
        self.terms()
            .filter(move |(o, _, term)| *o == office && term.covers(day))
            .map(|(_, member, _)| member)
    }

    /// The natural person serving for `member` in `office`, where the member is not one
    /// (G9-24): their personal record.
    pub fn serving(&self, office: Office, member: MemberNo) -> Option<&PersonalRef> {
        self.founded
            .as_ref()?
            .offices
            .get(&office)?
            .get(&member)?
            .serving
            .as_ref()
    }

    /// The members holding `office` with no end recorded: who the organ keeps (G9-24 counts
    /// them, not officers on their way out).
    pub fn staying(&self, office: Office) -> impl Iterator<Item = MemberNo> + '_ {
        self.terms()
            .filter(move |(o, _, term)| *o == office && term.until.is_none())
            .map(|(_, member, _)| member)
    }

    /// The offices `member` holds on `day`.
    pub fn offices_of(&self, member: MemberNo, day: Date) -> impl Iterator<Item = Office> + '_ {
        self.terms()
            .filter(move |(_, m, term)| *m == member && term.covers(day))
            .map(|(office, _, _)| office)
    }

    fn terms(&self) -> impl Iterator<Item = (Office, MemberNo, &Term)> + '_ {
        self.founded
            .iter()
            .flat_map(|f| f.offices.iter())
            .flat_map(|(office, holders)| {
                holders
                    .iter()
                    .map(move |(member, term)| (*office, *member, term))
            })
    }

    /// The events that end every office of `member` from `on`: a member excluded, dead or gone
    /// holds none (G9-24, G68).
    pub fn vacate(&self, member: MemberNo, on: Date, reason: &str) -> Vec<Change> {
        self.offices_of(member, on)
            .map(|office| {
                Change::new(
                    Stream::Coop,
                    OfficerRemoved {
                        member,
                        office,
                        effective_on: on,
                        reason: reason.to_owned(),
                    },
                )
            })
            .collect()
    }

    /// Decides appointing `member` to an office: officers are members with their rights
    /// (G9-24, G68) and natural persons — a natural person serves for a firm (§ 9 (2) GenG);
    /// nobody sits on the board and the supervisory board at once (§ 37 GenG); investing
    /// members hold at most a quarter of the supervisory board's seats (G8-2, § 8 (2) S. 4
    /// GenG).
    pub fn appoint(
        &self,
        member: &Member,
        facts: OrganFacts,
        command: Appoint,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = self.statute().ok_or_else(not_founded)?;
        self.check_day(command.effective_on, command.today, "effective_on")?;
        let m = member
            .membership()
            .ok_or_else(|| DomainError::not_found("member-not-found", "there is no such member"))?;
        if !m.has_rights_on(command.effective_on) {
            return Err(DomainError::rule(
                Rule::G9_24,
                "officer-not-a-member",
                format!(
                    "member {} is not a member with full rights on {}; officers must be members",
                    m.member(),
                    command.effective_on
                ),
            ));
        }
        if command.office == Office::SupervisoryBoard && !statute.has_supervisory_board() {
            return Err(DomainError::invalid(
                "supervisory-board-not-in-statute",
                "office",
                "the statute provides no supervisory board",
            ));
        }
        check_serving(m.kind(), command.serving.as_ref(), "serving")?;
        if command.office == Office::SupervisoryBoard && m.kind().is_investing() {
            let seats = self.staying(Office::SupervisoryBoard).count() + 1;
            let investing = facts.investing_supervisors + 1;
            if investing * 4 > seats {
                return Err(DomainError::rule(
                    Rule::G8_2,
                    "investing-supervisors-above-quarter",
                    format!(
                        "investing members may hold at most a quarter of the supervisory board's seats; with member {} they would hold {investing} of {seats}",
                        m.member()
                    ),
                ));
            }
        }
        let held: BTreeSet<Office> = self.offices_of(m.member(), command.effective_on).collect();
        if held.contains(&command.office) {
            return Err(DomainError::conflict(
                "office-held",
                format!("member {} holds that office already", m.member()),
            ));
        }
        let other = match command.office {
            Office::Board => Some(Office::SupervisoryBoard),
            Office::SupervisoryBoard => Some(Office::Board),
            Office::Treasurer => None,
        };
        if other.is_some_and(|o| held.contains(&o)) {
            return Err(DomainError::invalid(
                "offices-incompatible",
                "office",
                format!(
                    "member {} cannot sit on the board and the supervisory board at once",
                    m.member()
                ),
            ));
        }
        Ok(vec![Change::new(
            Stream::Coop,
            OfficerAppointed {
                member: m.member(),
                office: command.office,
                effective_on: command.effective_on,
                serving: command.serving,
            },
        )])
    }

    /// Decides ending an office. The board keeps the size the law and the statute ask for the
    /// `members` now (G9-24): appoint the successor first.
    pub fn dismiss(&self, members: usize, command: Dismiss) -> Result<Vec<Change>, DomainError> {
        let statute = self.statute().ok_or_else(not_founded)?;
        self.check_day(command.effective_on, command.today, "effective_on")?;
        if !self
            .offices_of(command.member, command.effective_on)
            .any(|o| o == command.office)
        {
            return Err(DomainError::not_found(
                "office-not-held",
                format!(
                    "member {} does not hold the office {}",
                    command.member,
                    command.office.as_str()
                ),
            ));
        }
        let reason = crate::ids::short_text(&command.reason, 500, "reason")
            .map_err(|e| e.within("reason"))?;
        let remaining = self
            .staying(command.office)
            .filter(|m| *m != command.member)
            .count();
        let minimum = statute.organ_minimum(command.office, members);
        if remaining < minimum {
            return Err(DomainError::rule(
                Rule::G9_24,
                "organ-too-small",
                format!(
                    "the {} would have {remaining} members, it needs at least {minimum}; appoint the successor first",
                    command.office.as_str().replace('-', " ")
                ),
            ));
        }
        Ok(vec![Change::new(
            Stream::Coop,
            OfficerRemoved {
                member: command.member,
                office: command.office,
                effective_on: command.effective_on,
                reason,
            },
        )])
    }

    /// Decides recording an amendment of the statute that the assembly resolved: the yes votes
    /// must reach the majority the old statute and the law ask for what changes (G16), and the
    /// new statute must fit the members now (G9-24).
    pub fn amend_statute(&self, command: AmendStatute) -> Result<Vec<Change>, DomainError> {
        let statute = self.statute().ok_or_else(not_founded)?;
        self.check_day(command.resolved_on, command.today, "resolved_on")?;
        if command.statute == *statute {
            return Err(DomainError::invalid(
                "statute-unchanged",
                "statute",
                "the amended statute is the statute in force",
            ));
        }
        command.statute.check_for_members(command.members)?;
        let needed = statute.amendment_majority(&command.statute);
        let majority = needed.majority;
        let cast = command.yes.saturating_add(command.no);
        if !majority.is_reached(u128::from(command.yes), u128::from(cast)) {
            let why: Vec<String> = needed.reasons.iter().map(ToString::to_string).collect();
            return Err(DomainError::rule(
                Rule::G16,
                "amendment-majority-missed",
                format!(
                    "this amendment needs a majority of {majority} of the votes cast ({}); {} of {cast} voted yes",
                    why.join("; "),
                    command.yes
                ),
            ));
        }
        Ok(vec![Change::new(
            Stream::Coop,
            StatuteAmended {
                version: self.statute_version() + 1,
                statute: Box::new(command.statute),
                statute_text: command.statute_text,
                resolved_on: command.resolved_on,
                majority,
                yes: command.yes,
                no: command.no,
            },
        )])
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
        if founders.len() > FOUNDERS_MAX {
            return Err(DomainError::invalid(
                "founders-too-many",
                "founders",
                format!(
                    "a founding names at most {FOUNDERS_MAX} founders, {} are named; admit the others as members once it is founded",
                    founders.len()
                ),
            ));
        }
        let member_count = u32::try_from(founders.len()).expect("at most FOUNDERS_MAX");
        let founders = founders
            .into_iter()
            .enumerate()
            .map(|(index, founder)| {
                let kind = founder
                    .kind
                    .validated()
                    .map_err(|e| e.within(&format!("founders[{index}]")))?;
                Ok(Founder { kind, ..founder })
            })
            .collect::<Result<Vec<Founder>, DomainError>>()?;
        for (index, founder) in founders.iter().enumerate() {
            let field = format!("founders[{index}]");
            if founder.kind == MemberKind::Investing {
                return Err(DomainError::rule(
                    Rule::G8_2,
                    "investing-members-not-admitted",
                    "investing members are admitted only when the statute allows it, with the assembly's consent; they cannot found the cooperative",
                )
                .at(format!("{field}.kind")));
            }
            let mandatory = crate::membership::mandatory_shares(&statute, &founder.kind, None);
            crate::membership::check_shares(&statute, founder.shares, mandatory)
                .map_err(|e| e.within(&field))?;
        }

        let is_member = |no: &MemberNo| no.get() <= member_count;
        check_officers(
            &statute,
            founders.len(),
            &board,
            &supervisory_board,
            treasurer.as_ref(),
            &is_member,
            |member| {
                usize::try_from(member.get() - 1)
                    .ok()
                    .and_then(|i| founders.get(i))
                    .map(|f| &f.kind)
            },
        )?;
        let board_officers = board;

        let mut changes = vec![Change::new(
            Stream::Coop,
            CooperativeFounded {
                name: statute.name().clone(),
                founded_on,
                statute: Box::new(statute.clone()),
                statute_text,
                founders: member_count,
            },
        )];
        let offices = board_officers
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
                    effective_on: founded_on,
                    serving: officer.serving,
                },
            ));
        }
        let mut member = MemberNo::FIRST;
        for founder in founders {
            let (paid_in_due, paid_in_due_on) =
                crate::membership::minimum_due(&statute, founder.shares, founded_on)?;
            changes.push(Change::new(
                Stream::Member(member),
                MemberAdmitted {
                    member,
                    person: founder.person,
                    mandatory_shares: crate::membership::mandatory_shares(
                        &statute,
                        &founder.kind,
                        None,
                    ),
                    kind: founder.kind,
                    shares: founder.shares,
                    admitted_on: founded_on,
                    founder: true,
                    application: None,
                    listed: founder.listed,
                    paid_in_due,
                    paid_in_due_on,
                },
            ));
            member = member.next();
        }
        Ok(changes)
    }
}

/// The officers named at a founding or a moving-in (G9-24, § 36 (1), § 37 GenG): members,
/// natural persons (a named person serves for a firm), organs of their statute's size, nobody
/// on both boards, a treasurer who is a member. `kind_of` gives a named member's kind.
pub(crate) fn check_officers<'a>(
    statute: &Statute,
    members: usize,
    board: &[Officer],
    supervisory_board: &[Officer],
    treasurer: Option<&Officer>,
    is_member: &dyn Fn(&MemberNo) -> bool,
    kind_of: impl Fn(MemberNo) -> Option<&'a MemberKind>,
) -> Result<(), DomainError> {
    let small = members <= SMALL_COOPERATIVE_MEMBERS_MAX;
    // G9-24: officers are natural persons; a natural person serves for a firm.
    let named = board
        .iter()
        .enumerate()
        .map(|(i, o)| (format!("board[{i}]"), o))
        .chain(
            supervisory_board
                .iter()
                .enumerate()
                .map(|(i, o)| (format!("supervisory_board[{i}]"), o)),
        )
        .chain(treasurer.iter().map(|o| ("treasurer".to_owned(), *o)));
    for (field, officer) in named {
        if let Some(kind) = kind_of(officer.member) {
            check_serving(kind, officer.serving.as_ref(), &format!("{field}.serving"))?;
        }
    }
    let board: Vec<MemberNo> = board.iter().map(|o| o.member).collect();
    let seats: Vec<MemberNo> = supervisory_board.iter().map(|o| o.member).collect();
    // G9-24: a board of at least 2 persons, 1 with at most 20 members; the statute may ask
    // for more.
    let board_min = statute.organ_minimum(Office::Board, members);
    check_organ(&board, "board", board_min, is_member)?;
    // A supervisory board may be omitted only with at most 20 members (G9-24).
    if statute.has_supervisory_board() || !small {
        if !statute.has_supervisory_board() {
            return Err(DomainError::rule(
                Rule::G9_24,
                "supervisory-board-required",
                format!(
                    "with {members} members the cooperative needs a supervisory board, but the statute omits it"
                ),
            )
            .at("statute.organs.supervisory_board"));
        }
        let minimum = statute.organ_minimum(Office::SupervisoryBoard, members);
        check_organ(&seats, "supervisory_board", minimum, is_member)?;
    } else if !supervisory_board.is_empty() {
        return Err(DomainError::invalid(
            "supervisory-board-not-in-statute",
            "supervisory_board",
            "the statute provides no supervisory board",
        ));
    }
    // § 37 GenG: nobody sits on the board and the supervisory board at once.
    if let Some(both) = board.iter().find(|no| seats.contains(no)) {
        return Err(DomainError::invalid(
            "offices-incompatible",
            "supervisory_board",
            format!("member {both} cannot sit on the board and the supervisory board at once"),
        ));
    }
    if let Some(treasurer) = treasurer.map(|o| o.member)
        && !is_member(&treasurer)
    {
        return Err(DomainError::rule(
            Rule::G9_24,
            "officer-not-a-member",
            format!("the treasurer {treasurer} is not a member; officers must be members"),
        )
        .at("treasurer"));
    }
    Ok(())
}

/// G9-24 (§ 9 (2) GenG): officers are natural persons. A natural person member serves
/// themself; for a firm a natural person authorised to represent it serves, and is named; an
/// investing member may name one.
fn check_serving(
    kind: &MemberKind,
    serving: Option<&PersonalRef>,
    field: &str,
) -> Result<(), DomainError> {
    match (kind, serving) {
        (MemberKind::Firm { .. }, None) => Err(DomainError::rule(
            Rule::G9_24,
            "officer-not-a-natural-person",
            "officers are natural persons: name the person who serves for the firm (its owner, managing director or another person authorised to represent it)",
        )
        .at(field)),
        (MemberKind::NaturalPerson, Some(_)) => Err(DomainError::invalid(
            "serving-person-unexpected",
            field,
            "a member who is a natural person serves in office themself",
        )),
        _ => Ok(()),
    }
}

fn not_founded() -> DomainError {
    DomainError::not_found("coop-not-found", "the cooperative has not been founded")
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
                format!("{no} is not a member; officers must be members"),
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

    fn founder(n: u32) -> Founder {
        tests_support::firm(n)
    }

    fn no(n: u32) -> MemberNo {
        MemberNo::new(n).expect("non-zero")
    }

    /// A firm's officer, with the person who serves for it (G9-24).
    fn officer(n: u32) -> Officer {
        Officer {
            member: no(n),
            serving: Some(tests_support::person(1000 + n)),
        }
    }

    /// `founders` firms; the board 1 and 2, the supervisory board 3 to 5, the treasurer 2.
    fn founding(founders: usize) -> FoundCooperative {
        FoundCooperative {
            statute: Statute::parse_toml(EXAMPLE_STATUTE).expect("valid"),
            statute_text: EXAMPLE_STATUTE.into(),
            founded_on: jiff::civil::date(2026, 11, 24),
            founders: (1..=founders)
                .map(|i| founder(u32::try_from(i).expect("few")))
                .collect(),
            board: vec![officer(1), officer(2)],
            supervisory_board: (3..=5).map(officer).collect(),
            treasurer: Some(officer(2)),
        }
    }

    fn given_nothing_when_founding(command: FoundCooperative) -> Result<Vec<Change>, DomainError> {
        Cooperative::default().found(command)
    }

    #[test]
    fn founding_admits_the_founders_and_appoints_the_officers() {
        let changes = given_nothing_when_founding(founding(5)).expect("valid founding");
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
                ("coop", "OfficerAppointed"),
                ("coop", "OfficerAppointed"),
                ("member-1", "MemberAdmitted"),
                ("member-2", "MemberAdmitted"),
                ("member-3", "MemberAdmitted"),
                ("member-4", "MemberAdmitted"),
                ("member-5", "MemberAdmitted"),
            ]
            .map(|(s, t)| (s.to_owned(), t))
        );
        let mut world = tests_support::World::default();
        world.record(changes);
        assert!(world.coop.is_founded());
        assert_eq!(
            world
                .coop
                .holders(Office::Board, jiff::civil::date(2026, 11, 24))
                .collect::<Vec<_>>(),
            [no(1), no(2)]
        );
        assert!(world.member(5).membership().is_some() && world.member(6).membership().is_none());
        assert_eq!(
            world.coop.serving(Office::Board, no(1)),
            Some(&tests_support::person(1001)),
            "G9-24: the person serving for firm 1"
        );
    }

    /// G9-24 (§ 9 (2) GenG): given firms and a citizen founding, when a firm is named to the
    /// board without the person who serves for it, or the citizen with one, then it is
    /// refused; a firm with its person and the citizen alone are accepted.
    #[test]
    fn g9_24_officers_are_natural_persons() {
        let mut command = founding(5);
        command.board[1].serving = None;
        let error = given_nothing_when_founding(command).expect_err("a firm alone");
        assert_eq!(
            (error.rule_id(), error.code(), error.field()),
            (
                Some(Rule::G9_24),
                "officer-not-a-natural-person",
                Some("board[1].serving")
            )
        );
        let mut command = founding(5);
        command.founders[0] = tests_support::citizen(1);
        let error = given_nothing_when_founding(command.clone()).expect_err("a citizen serves");
        assert_eq!(error.code(), "serving-person-unexpected");
        command.board[0].serving = None;
        given_nothing_when_founding(command).expect("the citizen serves themself");
    }

    /// G9-24 (§ 36 (1) GenG): a supervisory board has at least three members.
    #[test]
    fn g9_24_a_supervisory_board_has_at_least_three_members() {
        let mut command = founding(5);
        command.supervisory_board.pop();
        let error = given_nothing_when_founding(command).expect_err("two");
        assert_eq!(
            (error.rule_id(), error.code(), error.field()),
            (
                Some(Rule::G9_24),
                "organ-too-small",
                Some("supervisory_board")
            )
        );
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
        let mut command = founding(5);
        command.board = vec![officer(1), officer(7)];
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
        command.board = vec![officer(1)];
        let error = given_nothing_when_founding(command.clone()).expect_err("board of one");
        assert_eq!(
            (error.rule_id(), error.code()),
            (Some(Rule::G9_24), "organ-too-small")
        );

        let mut small = founding(5);
        small.statute = command.statute.clone();
        small.board = vec![officer(1)];
        given_nothing_when_founding(small).expect("a board of one with 5 members");

        let mut statute_says_two = founding(5);
        statute_says_two.board = vec![officer(1)];
        let error = given_nothing_when_founding(statute_says_two).expect_err("statute says 2");
        assert_eq!(error.code(), "organ-too-small");
    }

    /// G9-24: the supervisory board may be omitted with at most 20 members only.
    #[test]
    fn g9_24_a_large_cooperative_needs_a_supervisory_board() {
        let statute = EXAMPLE_STATUTE
            .replace("supervisory_board = true", "supervisory_board = false")
            .replace(
                "consent_by = \"supervisory-board\"",
                "consent_by = \"assembly\"",
            );
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
        let mut command = founding(5);
        command.supervisory_board = vec![officer(2), officer(3), officer(4)];
        let error = given_nothing_when_founding(command).expect_err("both boards");
        assert_eq!(error.code(), "offices-incompatible");
    }

    /// G7a: shares up to the statute's maximum.
    #[test]
    fn g7a_founders_subscribe_within_the_statutes_maximum() {
        let mut command = founding(5);
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
        let mut command = founding(5);
        command.founders[0].kind = MemberKind::Investing;
        let error = given_nothing_when_founding(command).expect_err("investing founder");
        assert_eq!(error.rule_id(), Some(Rule::G8_2));
    }

    #[test]
    fn a_cooperative_is_founded_once() {
        let mut coop = Cooperative::default();
        for change in given_nothing_when_founding(founding(5)).expect("valid") {
            if change.stream == Stream::Coop {
                coop.apply(&change.event);
            }
        }
        let error = coop.found(founding(5)).expect_err("twice");
        assert_eq!(error.code(), "coop-already-founded");
    }

    #[test]
    fn events_survive_encoding_and_decoding() {
        for change in given_nothing_when_founding(founding(5)).expect("valid") {
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
    use std::collections::BTreeMap;

    use super::*;
    use crate::statute::EXAMPLE_STATUTE;
    use crate::{Application, ApplicationId, RecordId};

    /// A reference to a personal-data record, for tests.
    pub(crate) fn person(n: u32) -> PersonalRef {
        PersonalRef {
            record: RecordId::parse(&format!("p{n}")).expect("valid"),
            commitment: "0".repeat(64),
        }
    }

    /// A founder who is a natural person, not an entrepreneur.
    pub(crate) fn citizen(n: u32) -> Founder {
        Founder {
            kind: MemberKind::NaturalPerson,
            ..firm(n)
        }
    }

    /// A firm founder.
    pub(crate) fn firm(n: u32) -> Founder {
        Founder {
            person: person(n),
            kind: MemberKind::Firm {
                trade: "Schreinerei".into(),
                region: "Musterdorf".into(),
                employees: 4,
            },
            shares: 1,
            listed: true,
        }
    }

    /// Every aggregate of one cooperative, folded from the changes decided so far: the
    /// "given" of the domain's tests.
    #[derive(Clone, Debug, Default)]
    pub(crate) struct World {
        pub coop: Cooperative,
        pub members: BTreeMap<MemberNo, Member>,
        pub applications: BTreeMap<ApplicationId, Application>,
        pub assemblies: BTreeMap<crate::governance::AssemblyId, crate::governance::Assembly>,
        pub motions: BTreeMap<crate::governance::MotionId, crate::governance::Motion>,
        pub votes: BTreeMap<(crate::governance::MotionId, MemberNo), crate::governance::VoteCast>,
        pub proxies: crate::governance::Proxies,
        pub investments: Vec<crate::governance::InvestmentApproved>,
        pub books: crate::books::Books,
    }

    impl World {
        /// Folds decided changes in, as the log would.
        pub(crate) fn record(&mut self, changes: Vec<Change>) {
            for change in changes {
                match change.stream {
                    Stream::Coop => {
                        // The books learn the first day of the history (D1).
                        if let Event::CooperativeFounded(_) | Event::CooperativeMovedIn(_) =
                            &change.event
                        {
                            self.books.apply(&change.event);
                        }
                        self.coop.apply(&change.event);
                    }
                    Stream::Member(no) => self.members.entry(no).or_default().apply(&change.event),
                    Stream::Application(id) => self
                        .applications
                        .entry(id)
                        .or_default()
                        .apply(&change.event),
                    Stream::Assembly(id) => {
                        self.assemblies.entry(id).or_default().apply(&change.event)
                    }
                    Stream::Motion(id) => self.motions.entry(id).or_default().apply(&change.event),
                    Stream::Vote(motion, member) => {
                        if let Event::VoteCast(vote) = change.event {
                            self.votes.insert((motion, member), vote);
                        }
                    }
                    Stream::Proxies => match &change.event {
                        Event::ProxyGranted(e) => self.proxies.apply_granted(e),
                        Event::ProxyRevoked(e) => self.proxies.apply_revoked(e),
                        _ => {}
                    },
                    Stream::Investment(_) => {
                        if let Event::InvestmentApproved(e) = change.event {
                            self.investments.push(e);
                        }
                    }
                    Stream::Token(_) => {}
                    Stream::Books => {
                        // A profit credited to unpaid shares is the members' capital too.
                        if let Event::ProfitDistributed(e) = &change.event {
                            for part in &e.parts {
                                self.members
                                    .entry(part.member)
                                    .or_default()
                                    .apply(&change.event);
                            }
                        }
                        self.books.apply(&change.event);
                    }
                }
            }
        }

        pub(crate) fn member(&self, n: u32) -> Member {
            self.members
                .get(&MemberNo::new(n).expect("non-zero"))
                .cloned()
                .unwrap_or_default()
        }

        pub(crate) fn application(&self, id: &str) -> Application {
            self.applications
                .get(&ApplicationId::parse(id).expect("valid"))
                .cloned()
                .unwrap_or_default()
        }

        /// Members on `day`.
        pub(crate) fn members_on(&self, day: Date) -> usize {
            self.members
                .values()
                .filter_map(Member::membership)
                .filter(|m| m.is_member_on(day))
                .count()
        }
    }

    /// A cooperative founded on 2026-11-24 under `statute` by `founders` firms, board 1 and 2,
    /// supervisory board 3.
    pub(crate) fn world_with(statute: &str, founders: u32) -> World {
        world_of(statute, founders, |_| true)
    }

    /// A cooperative of `founders` founders under `statute`: firms where `is_firm` holds,
    /// natural persons elsewhere.
    ///
    /// Members 1 and 2 are the board, 3 to 5 the supervisory board (a person serves for each
    /// firm, G9-24). With fewer than five founders there are too few members for both organs
    /// (§ 36 (1), § 37 GenG): the statute then does without a supervisory board, as a small
    /// cooperative may (§ 9 (1) GenG), and the assembly consents to investing members.
    pub(crate) fn world_of(statute: &str, founders: u32, is_firm: impl Fn(u32) -> bool) -> World {
        let officer = |n: u32| Officer {
            member: MemberNo::new(n).expect("non-zero"),
            serving: is_firm(n).then(|| person(1000 + n)),
        };
        let small = founders < 5;
        let statute = if small {
            statute
                .replace("supervisory_board = true", "supervisory_board = false")
                .replace(
                    "consent_by = \"supervisory-board\"",
                    "consent_by = \"assembly\"",
                )
        } else {
            statute.to_owned()
        };
        let command = FoundCooperative {
            statute: Statute::parse_toml(&statute).expect("valid"),
            statute_text: statute.clone(),
            founded_on: jiff::civil::date(2026, 11, 24),
            founders: (1..=founders)
                .map(|n| if is_firm(n) { firm(n) } else { citizen(n) })
                .collect(),
            board: vec![officer(1), officer(2)],
            supervisory_board: if small {
                Vec::new()
            } else {
                (3..=5).map(officer).collect()
            },
            treasurer: None,
        };
        let mut world = World::default();
        let changes = world.coop.found(command).expect("valid founding");
        world.record(changes);
        world
    }

    /// A cooperative founded under the example statute.
    pub(crate) fn world(founders: u32) -> World {
        world_with(EXAMPLE_STATUTE, founders)
    }

    /// The cooperative of [`world`].
    pub(crate) fn founded(founders: u32) -> Cooperative {
        world(founders).coop
    }
}
