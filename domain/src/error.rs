//! The one error type of the domain: a refused command or an invalid value, with a stable code.

use std::fmt;

use serde::Serialize;

/// A rule of `shared/domain-rules.md`, by its id. A refusal that a rule causes names it, so that
/// a client (and a reader of the logs) can look the rule up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Rule {
    /// Nothing is dated before the cooperative's history in the system begins.
    D1,
    /// At least 3 founders.
    G4,
    /// Share amount and minimum paid-in part (at least one tenth) fixed by the statute.
    G7,
    /// Several shares up to a maximum; mandatory holdings by one formula.
    G7a,
    /// Board of at least 2 (1 with at most 20 members); officers are members.
    G9_24,
    /// Majorities for statute amendments.
    G16,
    /// Notice period of a resignation.
    G65,
    /// Investing members.
    G8_2,
    /// Multiple votes.
    G43_3,
    /// Proxies: written authority, at most 2 principals, no chains.
    G43_5,
    /// Membership: a declaration in text form and an admission; erasure on rejection.
    G15,
    /// What the declaration must acknowledge.
    G15a,
    /// Further shares only when the earlier ones are paid.
    G15b,
    /// The member list.
    G30,
    /// Exclusion.
    G68,
    /// Settlement after the exit.
    G73,
    /// Transfer of paid-in capital.
    G76,
    /// Dissolution.
    G78,
    /// The paid-in capital is not paid out during membership.
    G22,
    /// A simple majority of the votes cast; abstentions do not count.
    G43_2,
    /// Nobody votes on their own discharge.
    G43_6,
    /// The forms of an assembly.
    G43b,
    /// A minority may force an assembly or an item.
    G45,
    /// Convening: two weeks ahead; items announced a week ahead.
    G46,
    /// Minutes of an assembly.
    G47,
    /// Delegate assemblies above 1,500 members.
    G43a,
    /// Profit and loss by the amounts paid in, later by capital; credited to unpaid shares.
    G19,
    /// Member loans: bound to an investment, capped per lender and per project, interest capped.
    G21b,
    /// A loss above half of capital plus reserves: the board must convene an assembly.
    G33,
    /// Double entry; corrections are reversals; a closed year takes no postings.
    A1,
    /// A secret ballot's marks are readable by nobody from the database; its key is destroyed
    /// once the resolution can no longer be contested.
    W1,
}

impl Rule {
    /// Every rule the code names.
    pub const ALL: &'static [Rule] = &[
        Rule::D1,
        Rule::G4,
        Rule::G7,
        Rule::G7a,
        Rule::G9_24,
        Rule::G16,
        Rule::G65,
        Rule::G8_2,
        Rule::G43_3,
        Rule::G43_5,
        Rule::G15,
        Rule::G15a,
        Rule::G15b,
        Rule::G30,
        Rule::G68,
        Rule::G73,
        Rule::G76,
        Rule::G78,
        Rule::G22,
        Rule::G43_2,
        Rule::G43_6,
        Rule::G43b,
        Rule::G45,
        Rule::G46,
        Rule::G47,
        Rule::G43a,
        Rule::G19,
        Rule::G21b,
        Rule::G33,
        Rule::A1,
        Rule::W1,
    ];

    /// The id as `docs/rules.md` spells it, e.g. `G9-24`.
    pub fn id(self) -> &'static str {
        match self {
            Rule::D1 => "D1",
            Rule::G4 => "G4",
            Rule::G7 => "G7",
            Rule::G7a => "G7a",
            Rule::G9_24 => "G9-24",
            Rule::G16 => "G16",
            Rule::G65 => "G65",
            Rule::G8_2 => "G8-2",
            Rule::G43_3 => "G43-3",
            Rule::G43_5 => "G43-5",
            Rule::G15 => "G15",
            Rule::G15a => "G15a",
            Rule::G15b => "G15b",
            Rule::G30 => "G30",
            Rule::G68 => "G68",
            Rule::G73 => "G73",
            Rule::G76 => "G76",
            Rule::G78 => "G78",
            Rule::G22 => "G22",
            Rule::G43_2 => "G43-2",
            Rule::G43_6 => "G43-6",
            Rule::G43b => "G43b",
            Rule::G45 => "G45",
            Rule::G46 => "G46",
            Rule::G47 => "G47",
            Rule::G43a => "G43a",
            Rule::G19 => "G19",
            Rule::G21b => "G21b",
            Rule::G33 => "G33",
            Rule::A1 => "A1",
            Rule::W1 => "W1",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// What kind of refusal an error is; the HTTP edge maps each to one status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The input is malformed: a value that can never be valid (400).
    Invalid,
    /// The input is well-formed, but a rule of the law or the statute refuses it (422).
    RuleViolated,
    /// The command refers to something that does not exist (404).
    NotFound,
    /// The command does not fit the current state, e.g. founding a cooperative twice (409).
    Conflict,
}

/// A refused command or an invalid value.
///
/// `code` is stable and machine-readable (kebab-case, e.g. `founders-too-few`); clients match on
/// it. `message` is for people and may change. `field` names the offending input where there is
/// one, as a path into the command (`founders[2].name`, `shares.amount`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DomainError {
    kind: ErrorKind,
    code: &'static str,
    rule: Option<Rule>,
    field: Option<String>,
    message: String,
}

impl DomainError {
    /// Malformed input.
    pub fn invalid(
        code: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind: ErrorKind::Invalid,
            code,
            rule: None,
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// A rule of the law or the statute refuses the command.
    pub fn rule(rule: Rule, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::RuleViolated,
            code,
            rule: Some(rule),
            field: None,
            message: message.into(),
        }
    }

    /// The command refers to something that does not exist.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::NotFound,
            code,
            rule: None,
            field: None,
            message: message.into(),
        }
    }

    /// The command does not fit the current state.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Conflict,
            code,
            rule: None,
            field: None,
            message: message.into(),
        }
    }

    /// Names the offending input.
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Prefixes the field with the path of the value that contains it, e.g. `statute.` or
    /// `founders[2].`.
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = Some(match self.field.take() {
            Some(field) if field.is_empty() => prefix.to_owned(),
            Some(field) if field.starts_with('[') => format!("{prefix}{field}"),
            Some(field) => format!("{prefix}.{field}"),
            None => prefix.to_owned(),
        });
        self
    }

    /// What kind of refusal this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }
    /// The rule that refuses, if one does.
    pub fn rule_id(&self) -> Option<Rule> {
        self.rule
    }
    /// The offending input, if there is one.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }
    /// The human-readable explanation.
    pub fn message(&self) -> &str {
        &self.message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_spelled_as_in_the_rules_document() {
        assert_eq!(Rule::G9_24.id(), "G9-24");
        assert_eq!(Rule::G8_2.to_string(), "G8-2");
    }

    #[test]
    fn fields_nest_into_paths() {
        let error = DomainError::invalid("name-empty", "name", "empty").within("founders[2]");
        assert_eq!(error.field(), Some("founders[2].name"));
        let error = DomainError::rule(Rule::G4, "founders-too-few", "two").within("founders");
        assert_eq!(error.field(), Some("founders"));
    }
}
