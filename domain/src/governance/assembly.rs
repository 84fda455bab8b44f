//! Convening a general assembly: its form (G43b), the notice (G46), a minority's demand
//! (G45), and whether the delegates assemble in the members' place (G43a).

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::ids::{short_text, text_id};
use crate::statute::AssemblyForm;
use crate::{Change, DomainError, MemberNo, Rule, Statute, Stream};

text_id! {
    /// An assembly's id, chosen at random when it is convened.
    AssemblyId, "assembly-id-malformed", "assembly", 32
}

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
    /// Members today (for G45, G43a).
    pub members: usize,
    /// Delegates with their rights today (for G43a).
    pub delegates_in_office: usize,
    /// Today.
    pub today: Date,
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
    /// Members today (for G45).
    pub members: usize,
    /// Today.
    pub today: Date,
}

/// An assembly, as its events tell it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assembly {
    convened: Option<AssemblyConvened>,
    items: Vec<AgendaItemAdded>,
}

impl Assembly {
    /// Folds an event of the assembly's stream in.
    pub fn apply(&mut self, event: &crate::Event) {
        match event {
            crate::Event::AssemblyConvened(e) => self.convened = Some(e.clone()),
            crate::Event::AgendaItemAdded(e) => self.items.push(e.clone()),
            _ => {}
        }
    }

    /// The convening, if it happened.
    pub fn convened(&self) -> Option<&AssemblyConvened> {
        self.convened.as_ref()
    }

    /// Items announced after the convening.
    pub fn added_items(&self) -> &[AgendaItemAdded] {
        &self.items
    }

    /// Decides convening (G43b form, G46 notice, G45 a minority's demand).
    pub fn convene(&self, statute: &Statute, command: Convene) -> Result<Vec<Change>, DomainError> {
        if self.convened.is_some() {
            return Err(DomainError::conflict(
                "assembly-exists",
                format!("assembly {} was convened already", command.assembly),
            ));
        }
        crate::membership::not_after_today(command.convened_on, command.today, "convened_on")?;
        check_convening(statute, command.form, command.convened_on, command.held_on)?;
        check_demand(&command.demanded_by, command.members, statute)?;
        if command.delegates {
            crate::governance::delegates::check_convening(
                statute,
                command.members,
                command.delegates_in_office,
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
            },
        )])
    }

    /// Decides adding an item (G45, G46: one announced less than a week ahead is on the agenda
    /// but cannot be resolved).
    pub fn add_item(
        &self,
        statute: &Statute,
        command: AddItem,
    ) -> Result<Vec<Change>, DomainError> {
        let convened = self.convened.as_ref().ok_or_else(|| {
            DomainError::not_found("assembly-not-found", "no such assembly was convened")
        })?;
        crate::membership::not_after_today(command.announced_on, command.today, "announced_on")?;
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
        check_demand(&command.demanded_by, command.members, statute)?;
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

/// May an item announced on `announced_on` be resolved at an assembly on `held_on` (G46)?
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
