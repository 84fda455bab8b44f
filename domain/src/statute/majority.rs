//! The majorities a statute may set, and the reasons a decision needs the one it needs (G16,
//! G43-2).

use super::*;

/// The majority each kind of decision needs, where the statute sets one; absent, the law's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Majorities {
    /// Ordinary resolutions, e.g. a joint investment (G43-2: simple).
    #[serde(default)]
    pub ordinary: Majority,
    /// Statute amendments the law lists no majority for (G16, § 16 (4) GenG): three quarters
    /// unless the statute sets another requirement, less or more. `None`: the law's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amendment: Option<Majority>,
    /// Amendments of the clauses § 16 (2) GenG lists (object, share amount, mandatory
    /// holding, …) and introducing recurring fees (§ 16 (3) S. 2): at least 3/4.
    #[serde(default = "three_quarters")]
    pub amendment_qualified: Majority,
    /// Introducing a duty to use the facilities or to deliver (§ 16 (3) S. 1: at least 9/10).
    #[serde(default = "nine_tenths")]
    pub duty_to_use: Majority,
    /// Dissolving the cooperative (G78: at least 3/4).
    #[serde(default = "three_quarters")]
    pub dissolution: Majority,
}

impl Default for Majorities {
    fn default() -> Self {
        Self {
            ordinary: Majority::Simple,
            amendment: None,
            amendment_qualified: three_quarters(),
            duty_to_use: nine_tenths(),
            dissolution: three_quarters(),
        }
    }
}

impl Majorities {
    /// The majority of the amendments the law lists no majority for (G16).
    pub fn other_amendment(&self) -> Majority {
        self.amendment.unwrap_or(THREE_QUARTERS)
    }
}

/// Three quarters of the votes cast.
pub const THREE_QUARTERS: Majority = Majority::AtLeast {
    numerator: 3,
    denominator: 4,
};

fn three_quarters() -> Majority {
    THREE_QUARTERS
}

fn nine_tenths() -> Majority {
    Majority::AtLeast {
        numerator: 9,
        denominator: 10,
    }
}

/// A majority of the votes cast (abstentions and invalid votes do not count, G43-2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Majority {
    /// More yes than no.
    #[default]
    Simple,
    /// Yes at least `numerator / denominator` of the votes cast, e.g. 3/4.
    AtLeast {
        /// Above.
        numerator: u8,
        /// Below; greater than the numerator.
        denominator: u8,
    },
}

impl Majority {
    /// Parses `simple` or a fraction such as `3/4`, which must be more than one half and at
    /// most the whole.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text == "simple" {
            return Ok(Majority::Simple);
        }
        let fraction = text
            .split_once('/')
            .and_then(|(n, d)| Some((n.trim().parse::<u8>().ok()?, d.trim().parse::<u8>().ok()?)));
        match fraction {
            Some((numerator, denominator))
                if denominator > 0
                    && numerator <= denominator
                    && 2 * u16::from(numerator) > u16::from(denominator) =>
            {
                Ok(Majority::AtLeast {
                    numerator,
                    denominator,
                })
            }
            _ => Err(format!(
                "{text:?} is not a majority: write \"simple\" or a fraction above one half such as \"3/4\""
            )),
        }
    }

    /// Does `yes` out of `cast` votes (or weights in one unit) reach this majority? Exact, in
    /// integers; nothing cast reaches nothing. `yes` is at most `cast`, and both stay below
    /// 2^120 (a tally's weights do).
    pub fn is_reached(self, yes: u128, cast: u128) -> bool {
        match self {
            Majority::Simple => yes > cast - yes.min(cast),
            Majority::AtLeast {
                numerator,
                denominator,
            } => cast > 0 && yes * u128::from(denominator) >= cast * u128::from(numerator),
        }
    }

    /// Is this majority at least as hard to reach as `other`, for every number of votes?
    pub fn is_at_least(self, other: Majority) -> bool {
        match (self, other) {
            (_, Majority::Simple) => true,
            (Majority::Simple, Majority::AtLeast { .. }) => false,
            (
                Majority::AtLeast {
                    numerator: a,
                    denominator: b,
                },
                Majority::AtLeast {
                    numerator: c,
                    denominator: d,
                },
            ) => u16::from(a) * u16::from(d) >= u16::from(c) * u16::from(b),
        }
    }

    /// The larger of two majorities.
    pub fn max(self, other: Majority) -> Majority {
        if self.is_at_least(other) { self } else { other }
    }
}

impl TryFrom<String> for Majority {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Majority::parse(&text)
    }
}

impl From<Majority> for String {
    fn from(majority: Majority) -> String {
        majority.to_string()
    }
}

impl std::fmt::Display for Majority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Majority::Simple => f.write_str("simple"),
            Majority::AtLeast {
                numerator,
                denominator,
            } => write!(f, "{numerator}/{denominator}"),
        }
    }
}

/// Why a decision needs the majority it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MajorityReason {
    /// The rule.
    pub rule: Rule,
    /// The case, with the law's paragraph.
    pub case: &'static str,
    /// The law itself asks at least three quarters for this case: then, outside an
    /// entrepreneurs' cooperative, each member has one vote (G43-3).
    pub law_mandates_three_quarters: bool,
}

/// The amendments whose minutes list the members present or represented with their votes
/// (G47, § 47 (3) GenG): § 16 (2) nos. 2 to 5 and 9 to 11, § 16 (3), and a change of the
/// object (the law: a substantial one; every change of the object is listed here).
const ATTENDANCE_LIST_CASES: &[&str] = &[
    "(§ 16 (2) no. 1 GenG)",
    "(§ 16 (2) no. 2 GenG)",
    "(§ 16 (2) no. 3 GenG)",
    "(§ 16 (2) no. 4 GenG)",
    "(§ 16 (2) no. 5 GenG)",
    "(§ 16 (2) no. 9 GenG)",
    "(§ 16 (2) no. 10 GenG)",
    "(§ 16 (2) no. 11 GenG)",
    "(§ 16 (3) S. 1 GenG)",
    "(§ 16 (3) S. 2 GenG)",
];

impl MajorityReason {
    /// Whether the minutes of a resolution for this reason list the members present or
    /// represented with their votes (G47).
    pub fn needs_attendance_list(&self) -> bool {
        ATTENDANCE_LIST_CASES
            .iter()
            .any(|case| self.case.ends_with(case))
    }
}

/// Whether the reasons a motion recorded (as [`MajorityReason`] displays them) make its
/// minutes list the members present or represented with their votes (G47).
pub fn reasons_need_attendance_list(reasons: &[String]) -> bool {
    reasons.iter().any(|reason| {
        ATTENDANCE_LIST_CASES
            .iter()
            .any(|case| reason.ends_with(case))
    })
}

impl std::fmt::Display for MajorityReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.rule, self.case)
    }
}

/// The majority an amendment needs (G16), and what it changes of the votes (G43-3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmendmentMajority {
    /// The majority of the votes cast.
    pub majority: Majority,
    /// Why.
    pub reasons: Vec<MajorityReason>,
    /// The amendment abolishes or restricts multiple votes: outside an entrepreneurs'
    /// cooperative each member has one vote on it (G43-3).
    pub restricts_multiple_votes: bool,
}

impl AmendmentMajority {
    /// Whether the law itself asks at least three quarters for it (G43-3).
    pub fn law_mandates_three_quarters(&self) -> bool {
        self.reasons.iter().any(|r| r.law_mandates_three_quarters)
    }
}

/// The majority a kind of decision needs under a statute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MajorityRule {
    /// The kind: `ordinary`, `amendment` (what the law lists no majority for),
    /// `amendment-qualified` (what § 16 (2) GenG lists, and recurring fees), `duty-to-use`,
    /// `dissolution`.
    pub decision: &'static str,
    /// The majority of the votes cast.
    pub majority: Majority,
    /// The rule that gives it.
    pub rule: Rule,
    /// The statute set it (else the law's default).
    pub set_by_statute: bool,
}
