//! Convening a general assembly: its form (G43b), the notice and what the invitation states
//! (G46), a minority's demand (G45), and whether the delegates assemble in the members' place
//! (G43a); who attended (G46, G47) and who chairs it.

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::governance::ids::AssemblyId;
use crate::ids::short_text;
use crate::statute::AssemblyForm;
use crate::{Change, Cooperative, DomainError, MemberNo, Rule, Statute, Stream};

/// The most items an agenda has.
pub const AGENDA_ITEMS_MAX: usize = 50;

/// `AssemblyConvened`: the board convened a general assembly with its agenda.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssemblyConvened {
    /// The assembly.
    pub assembly: AssemblyId,
    /// In person, virtual, hybrid or two-phase (G43b).
    pub form: AssemblyForm,
    /// The day the invitations went out.
    pub convened_on: Date,
    /// The day it is held (for two phases: the voting phase).
    pub held_on: Date,
    /// Where: an address, or the link of a virtual assembly.
    pub place: String,
    /// Who chairs it (G47).
    pub chair: MemberNo,
    /// The agenda, in order.
    pub agenda: Vec<String>,
    /// The members whose demand forced it (G45); empty if the board convened on its own.
    pub demanded_by: Vec<MemberNo>,
    /// An assembly of the delegates in place of the general assembly (G43a); absent in
    /// schema version 1.
    #[serde(default)]
    pub delegates: bool,
    /// How members take part by written or electronic communication: for virtual, hybrid
    /// and two-phase assemblies the invitation says it (G46, § 46 (1) S. 2 no. 4 GenG).
    /// Absent before schema version 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participation: Option<String>,
    /// For a two-phase assembly, the form of its discussion phase (G46, § 46 (1) S. 2 no. 3
    /// GenG): in person, virtual or hybrid. Absent before schema version 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discussion: Option<AssemblyForm>,
}

impl AssemblyConvened {
    /// Whether the minutes give the cooperative's seat as the place (G47, § 47 (1) S. 3
    /// GenG): a virtual assembly, or a two-phase one whose discussion is virtual.
    pub fn held_at_seat(&self) -> bool {
        self.form == AssemblyForm::Virtual
            || (self.form == AssemblyForm::TwoPhase
                && self.discussion == Some(AssemblyForm::Virtual))
    }
}

/// How a member attended an assembly (G46, G47).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Presence {
    /// In the room.
    InPerson,
    /// Online, at a virtual, hybrid or two-phase assembly.
    Electronic,
    /// Through their proxy (G43-5).
    Represented,
}

/// `AttendanceRecorded`: a member attended an assembly, themself or through their proxy; the
/// attendance list of the minutes (G47) and the test of "all members present" (G46).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttendanceRecorded {
    /// The assembly.
    pub assembly: AssemblyId,
    /// The member.
    pub member: MemberNo,
    /// How.
    pub presence: Presence,
    /// The proxy who represents them, if represented.
    pub proxy: Option<MemberNo>,
    /// The day it was recorded.
    pub recorded_on: Date,
}

/// `ChairChosen`: the assembly chose who chairs it (a resolution on chairing the assembly,
/// which needs no notice, G46).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChairChosen {
    /// The assembly.
    pub assembly: AssemblyId,
    /// The new chair.
    pub chair: MemberNo,
    /// The motion that chose them.
    pub motion: crate::governance::MotionId,
}

/// `AgendaItemAdded`: an item was announced after the convening (G46), perhaps on a
/// minority's demand (G45).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgendaItemAdded {
    /// The assembly.
    pub assembly: AssemblyId,
    /// The item.
    pub title: String,
    /// The day it was announced.
    pub announced_on: Date,
    /// The members whose demand forced it (G45).
    pub demanded_by: Vec<MemberNo>,
}

/// Convene an assembly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Convene {
    /// The new assembly's id.
    pub assembly: AssemblyId,
    /// Its form.
    pub form: AssemblyForm,
    /// The day the invitations went out.
    pub convened_on: Date,
    /// The day it is held.
    pub held_on: Date,
    /// Where.
    pub place: String,
    /// The chair.
    pub chair: MemberNo,
    /// The agenda.
    pub agenda: Vec<String>,
    /// The demanding members, if a minority forced it (G45).
    pub demanded_by: Vec<MemberNo>,
    /// An assembly of delegates (G43a).
    pub delegates: bool,
    /// How members take part in writing or electronically (virtual, hybrid, two-phase).
    pub participation: Option<String>,
    /// The form of a two-phase assembly's discussion phase.
    pub discussion: Option<AssemblyForm>,
    /// Today.
    pub today: Date,
}

/// What convening an assembly or adding an item needs to know of the members today (G45,
/// G43a): facts the application counts and passes beside the command.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemberCounts {
    /// Members with their rights today.
    pub members: usize,
    /// Delegates with their rights today.
    pub delegates_in_office: usize,
}

/// Record a member's attendance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordAttendance {
    /// The member.
    pub member: MemberNo,
    /// How they attend.
    pub presence: Presence,
    /// Their proxy, if represented.
    pub proxy: Option<MemberNo>,
    /// Today.
    pub today: Date,
}

/// What attendance needs to know of the member, as facts (G68, G43-5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttendanceFacts {
    /// The member has their rights on the assembly's day (an excluded one lost them, G68).
    pub has_rights: bool,
    /// The member's proxy on the assembly's day, if any.
    pub proxy: Option<MemberNo>,
}

/// Add an item to a convened assembly's agenda.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddItem {
    /// The item.
    pub title: String,
    /// The day it was announced.
    pub announced_on: Date,
    /// The demanding members, if a minority forced it (G45).
    pub demanded_by: Vec<MemberNo>,
    /// Today.
    pub today: Date,
}

/// An assembly, as its events tell it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assembly {
    convened: Option<AssemblyConvened>,
    items: Vec<AgendaItemAdded>,
    #[serde(default)]
    attendance: BTreeMap<MemberNo, AttendanceRecorded>,
    #[serde(default)]
    chair: Option<ChairChosen>,
}

impl Assembly {
    /// Folds an event of the assembly's stream in.
    pub fn apply(&mut self, event: &crate::Event) {
        match event {
            crate::Event::AssemblyConvened(e) => self.convened = Some(e.clone()),
            crate::Event::AgendaItemAdded(e) => self.items.push(e.clone()),
            crate::Event::AttendanceRecorded(e) => {
                self.attendance.insert(e.member, e.clone());
            }
            crate::Event::ChairChosen(e) => self.chair = Some(e.clone()),
            _ => {}
        }
    }

    /// The chair: the one the assembly chose, else the one it was convened with (G47).
    pub fn chair(&self) -> Option<MemberNo> {
        self.chair
            .as_ref()
            .map(|c| c.chair)
            .or_else(|| self.convened.as_ref().map(|c| c.chair))
    }

    /// The members recorded as attending, by member number (G47).
    pub fn attendance(&self) -> impl Iterator<Item = &AttendanceRecorded> {
        self.attendance.values()
    }

    /// G46: were all members present themselves — every member in `with_rights` (those with
    /// their rights on the assembly's day) recorded in person or electronically? A member
    /// represented by a proxy has not appeared (§ 46 (2) S. 2 GenG: "sämtliche Mitglieder
    /// erschienen").
    pub fn all_present(&self, with_rights: impl IntoIterator<Item = MemberNo>) -> bool {
        let mut any = false;
        let all = with_rights.into_iter().all(|member| {
            any = true;
            self.attendance
                .get(&member)
                .is_some_and(|a| a.presence != Presence::Represented)
        });
        any && all
    }

    /// Decides recording a member's attendance: once per member, on or after the assembly's
    /// day, only a member with their rights (G68), in a way its form allows (G43b), and
    /// represented only by their proxy (G43-5).
    pub fn record_attendance(
        &self,
        facts: AttendanceFacts,
        command: RecordAttendance,
    ) -> Result<Vec<Change>, DomainError> {
        let convened = self.convened.as_ref().ok_or_else(|| {
            DomainError::not_found("assembly-not-found", "no such assembly was convened")
        })?;
        if command.today < convened.held_on {
            return Err(DomainError::invalid(
                "assembly-not-yet-held",
                "member",
                format!(
                    "the assembly is held on {}; attendance is recorded from then on",
                    convened.held_on
                ),
            ));
        }
        if self.attendance.contains_key(&command.member) {
            return Err(DomainError::conflict(
                "attendance-recorded",
                format!("member {} is recorded as attending already", command.member),
            ));
        }
        if !facts.has_rights {
            return Err(DomainError::rule(
                Rule::G68,
                "member-without-rights",
                format!(
                    "member {} has no rights as a member on {} and cannot attend",
                    command.member, convened.held_on
                ),
            )
            .at("member"));
        }
        let allowed = match (command.presence, convened.form) {
            (Presence::Represented, _) => true,
            (Presence::InPerson, AssemblyForm::Virtual) => false,
            (Presence::InPerson, _) => true,
            (Presence::Electronic, AssemblyForm::InPerson) => false,
            (Presence::Electronic, _) => true,
        };
        if !allowed {
            return Err(DomainError::rule(
                Rule::G43b,
                "presence-not-in-form",
                "a virtual assembly is attended online, an assembly in person in the room",
            )
            .at("presence"));
        }
        match (command.presence, command.proxy) {
            (Presence::Represented, Some(proxy)) if facts.proxy == Some(proxy) => {}
            (Presence::Represented, Some(proxy)) => {
                return Err(DomainError::rule(
                    Rule::G43_5,
                    "not-the-proxy",
                    format!("member {proxy} holds no proxy of member {}", command.member),
                )
                .at("proxy"));
            }
            (Presence::Represented, None) => {
                return Err(DomainError::invalid(
                    "proxy-missing",
                    "proxy",
                    "a represented member is represented by their proxy: name them",
                ));
            }
            (_, Some(_)) => {
                return Err(DomainError::invalid(
                    "proxy-unexpected",
                    "proxy",
                    "only a represented member has a proxy",
                ));
            }
            (_, None) => {}
        }
        Ok(vec![Change::new(
            Stream::Assembly(convened.assembly.clone()),
            AttendanceRecorded {
                assembly: convened.assembly.clone(),
                member: command.member,
                presence: command.presence,
                proxy: command.proxy,
                recorded_on: command.today,
            },
        )])
    }

    /// The convening, if it happened.
    pub fn convened(&self) -> Option<&AssemblyConvened> {
        self.convened.as_ref()
    }

    /// Items announced after the convening.
    pub fn added_items(&self) -> &[AgendaItemAdded] {
        &self.items
    }

    /// Decides convening (G43b form, G46 notice, G45 a minority's demand; D1 not before the
    /// cooperative's history).
    pub fn convene(
        &self,
        coop: &Cooperative,
        counts: MemberCounts,
        command: Convene,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = founded_statute(coop)?;
        if self.convened.is_some() {
            return Err(DomainError::conflict(
                "assembly-exists",
                format!("assembly {} was convened already", command.assembly),
            ));
        }
        coop.check_day(command.convened_on, command.today, "convened_on")?;
        check_convening(statute, command.form, command.convened_on, command.held_on)?;
        check_demand(&command.demanded_by, counts.members, statute)?;
        if command.delegates {
            crate::governance::delegates::check_convening(
                statute,
                counts.members,
                counts.delegates_in_office,
            )?;
        }
        if command.agenda.is_empty() || command.agenda.len() > AGENDA_ITEMS_MAX {
            return Err(DomainError::invalid(
                "agenda-size",
                "agenda",
                format!("an agenda has 1 to {AGENDA_ITEMS_MAX} items (G46)"),
            ));
        }
        let agenda = command
            .agenda
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let field = format!("agenda[{i}]");
                short_text(item, 500, "agenda item").map_err(|e| e.at(field))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let place = short_text(&command.place, 500, "place").map_err(|e| e.at("place"))?;
        let (participation, discussion) =
            check_invitation(command.form, command.participation, command.discussion)?;
        Ok(vec![Change::new(
            Stream::Assembly(command.assembly.clone()),
            AssemblyConvened {
                assembly: command.assembly,
                form: command.form,
                convened_on: command.convened_on,
                held_on: command.held_on,
                place,
                chair: command.chair,
                agenda,
                demanded_by: command.demanded_by,
                delegates: command.delegates,
                participation,
                discussion,
            },
        )])
    }

    /// Decides adding an item (G45, G46: one announced less than a week ahead is on the agenda
    /// but cannot be resolved).
    pub fn add_item(
        &self,
        coop: &Cooperative,
        counts: MemberCounts,
        command: AddItem,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = founded_statute(coop)?;
        let convened = self.convened.as_ref().ok_or_else(|| {
            DomainError::not_found("assembly-not-found", "no such assembly was convened")
        })?;
        coop.check_day(command.announced_on, command.today, "announced_on")?;
        if command.announced_on > convened.held_on {
            return Err(DomainError::invalid(
                "announced-after-assembly",
                "announced_on",
                format!("the assembly was held on {}", convened.held_on),
            ));
        }
        if convened.agenda.len() + self.items.len() >= AGENDA_ITEMS_MAX {
            return Err(DomainError::invalid(
                "agenda-size",
                "title",
                format!("an agenda has at most {AGENDA_ITEMS_MAX} items"),
            ));
        }
        check_demand(&command.demanded_by, counts.members, statute)?;
        let title = short_text(&command.title, 500, "agenda item").map_err(|e| e.at("title"))?;
        Ok(vec![Change::new(
            Stream::Assembly(convened.assembly.clone()),
            AgendaItemAdded {
                assembly: convened.assembly.clone(),
                title,
                announced_on: command.announced_on,
                demanded_by: command.demanded_by,
            },
        )])
    }
}

fn founded_statute(coop: &Cooperative) -> Result<&Statute, DomainError> {
    coop.statute()
        .ok_or_else(|| DomainError::not_found("coop-not-founded", "the cooperative is not founded"))
}

/// A demand names distinct members, enough of them to force the assembly or item (G45).
fn check_demand(
    demanded_by: &[MemberNo],
    members: usize,
    statute: &Statute,
) -> Result<(), DomainError> {
    if demanded_by.is_empty() {
        return Ok(());
    }
    let distinct: std::collections::BTreeSet<_> = demanded_by.iter().collect();
    if distinct.len() != demanded_by.len() {
        return Err(DomainError::invalid(
            "demand-repeats-member",
            "demanded_by",
            "a member is named twice in the demand",
        ));
    }
    let percent = statute.minority_percent();
    if !demand_forces(distinct.len(), members, percent) {
        return Err(DomainError::rule(
            Rule::G45,
            "demand-too-small",
            format!(
                "{} of {members} members demanded it; a demand forces an assembly or item with {percent} % of the members",
                distinct.len()
            ),
        )
        .at("demanded_by"));
    }
    Ok(())
}

/// G46 (§ 46 (1) S. 2 GenG): the invitation to a virtual, hybrid or two-phase assembly says
/// how to take part in writing or electronically, and a two-phase one the form of its
/// discussion phase; an assembly in person needs neither.
fn check_invitation(
    form: AssemblyForm,
    participation: Option<String>,
    discussion: Option<AssemblyForm>,
) -> Result<(Option<String>, Option<AssemblyForm>), DomainError> {
    let participation = match (form, participation) {
        (AssemblyForm::InPerson, None) => None,
        (AssemblyForm::InPerson, Some(_)) => {
            return Err(DomainError::invalid(
                "participation-unexpected",
                "participation",
                "an assembly in person is attended in the room: there is no online participation to describe",
            ));
        }
        (_, None) => {
            return Err(DomainError::rule(
                Rule::G46,
                "participation-missing",
                "the invitation to a virtual, hybrid or two-phase assembly says how members take part in writing or electronically (the link, how to sign in, how to vote)",
            )
            .at("participation"));
        }
        (_, Some(text)) => {
            Some(short_text(&text, 2_000, "participation").map_err(|e| e.at("participation"))?)
        }
    };
    let discussion = match (form, discussion) {
        (AssemblyForm::TwoPhase, Some(AssemblyForm::TwoPhase)) => {
            return Err(DomainError::invalid(
                "discussion-form",
                "discussion",
                "the discussion phase is held in person, virtually or hybrid",
            ));
        }
        (AssemblyForm::TwoPhase, Some(phase)) => Some(phase),
        (AssemblyForm::TwoPhase, None) => {
            return Err(DomainError::rule(
                Rule::G46,
                "discussion-form-missing",
                "the invitation to a two-phase assembly states the form of its discussion phase",
            )
            .at("discussion"));
        }
        (_, None) => None,
        (_, Some(_)) => {
            return Err(DomainError::invalid(
                "discussion-form",
                "discussion",
                "only a two-phase assembly has a discussion phase of its own",
            ));
        }
    };
    Ok((participation, discussion))
}

/// The shortest notice of an assembly, in days (G46: two weeks).
pub const NOTICE_DAYS_MIN: i64 = 14;
/// The shortest notice of an agenda item that is to be resolved, in days (G46: one week).
pub const ITEM_NOTICE_DAYS_MIN: i64 = 7;
/// The share of the members whose demand forces an assembly or an item (G45), unless the
/// statute asks fewer.
pub const MINORITY_PERCENT: u8 = 10;

/// Checks convening an assembly of `form` on `held_on`, convened on `convened_on` (G43b, G46).
pub fn check_convening(
    statute: &Statute,
    form: AssemblyForm,
    convened_on: Date,
    held_on: Date,
) -> Result<(), DomainError> {
    if !statute.assembly_forms().contains(&form) {
        return Err(DomainError::rule(
            Rule::G43b,
            "assembly-form-not-in-statute",
            format!(
                "the statute provides no {} assembly",
                serde_json::to_value(form)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
        )
        .at("form"));
    }
    let earliest = convened_on
        .checked_add(NOTICE_DAYS_MIN.days())
        .map_err(|_| DomainError::invalid("date-out-of-range", "held_on", "beyond the calendar"))?;
    if held_on < earliest {
        return Err(DomainError::rule(
            Rule::G46,
            "notice-too-short",
            format!(
                "an assembly is convened at least two weeks ahead: convened on {convened_on}, it is held on {earliest} at the earliest"
            ),
        )
        .at("held_on"));
    }
    Ok(())
}

/// Was an item announced on `announced_on` announced a week ahead of an assembly on
/// `held_on`, as an item to be resolved there must be unless an exception applies (G46)?
pub fn may_resolve(announced_on: Date, held_on: Date) -> bool {
    announced_on
        .checked_add(ITEM_NOTICE_DAYS_MIN.days())
        .is_ok_and(|earliest| earliest <= held_on)
}

/// Does a demand by `demanders` of `members` members force an assembly or an item (G45)?
/// Exactly: at least the percentage, in integers.
pub fn demand_forces(demanders: usize, members: usize, percent: u8) -> bool {
    members > 0
        && demanders as u128 * 100 >= members as u128 * u128::from(percent.min(MINORITY_PERCENT))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::statute::EXAMPLE_STATUTE;

    fn statute() -> Statute {
        Statute::parse_toml(EXAMPLE_STATUTE).expect("valid")
    }

    /// G46: two weeks' notice; an item announced less than a week ahead cannot be resolved.
    #[test]
    fn g46_an_assembly_needs_two_weeks_notice_and_an_item_one_week() {
        let convened = date(2027, 3, 1);
        check_convening(
            &statute(),
            AssemblyForm::InPerson,
            convened,
            date(2027, 3, 15),
        )
        .expect("exactly two weeks");
        let error = check_convening(
            &statute(),
            AssemblyForm::InPerson,
            convened,
            date(2027, 3, 14),
        )
        .expect_err("a day short");
        assert_eq!(
            (error.rule_id(), error.code()),
            (Some(Rule::G46), "notice-too-short")
        );
        assert!(may_resolve(date(2027, 3, 8), date(2027, 3, 15)));
        assert!(!may_resolve(date(2027, 3, 9), date(2027, 3, 15)));
    }

    /// G43b: only the forms the statute provides.
    #[test]
    fn g43b_only_the_forms_the_statute_provides() {
        let error = check_convening(
            &statute(),
            AssemblyForm::Virtual,
            date(2027, 3, 1),
            date(2027, 4, 1),
        )
        .expect_err("the example provides in-person and hybrid");
        assert_eq!(error.rule_id(), Some(Rule::G43b));
    }

    /// G45: a tenth of the members force an assembly; the statute may ask fewer, never more.
    #[test]
    fn g45_a_tenth_of_the_members_force_an_assembly() {
        assert!(demand_forces(10, 100, 10));
        assert!(!demand_forces(9, 100, 10));
        assert!(demand_forces(5, 100, 5));
        assert!(!demand_forces(10, 101, 10));
        assert!(
            demand_forces(10, 100, 20),
            "a statute cannot ask more than the law"
        );
        assert!(!demand_forces(0, 0, 10));
    }
}
