//! The statute (Satzung) as code: a TOML file a board can write, validated against the law when
//! it is loaded.
//!
//! ```toml
//! [cooperative]
//! name = "Dorfhandwerk Musterdorf eG"
//! seat = "Musterdorf"
//! object = "Joint purchasing, shared machines and joint marketing for the crafts of the region"
//! business_year_first_month = 1
//! entrepreneurs_cooperative = true
//!
//! [shares]
//! amount = "500.00"
//! paid_in_minimum = "100.00"
//! paid_in_due_days = 30
//! max_per_member = 20
//!
//! [membership]
//! notice_period_months = 12
//!
//! [organs]
//! board_min = 2
//! supervisory_board = true
//! ```
//!
//! The sections above are required: a statute that left them to a default would let the
//! software, not the members, decide. The optional sections and clauses — a mandatory holding,
//! exclusion grounds, investing members, voting, proxies, assembly forms — are those whose
//! absence the law itself gives a meaning (no mandatory holding, no exclusion, no investing
//! members, one member one vote with the law's majorities, proxies as the law allows, assemblies
//! in person); see `examples/statute.toml` for all of them. Unknown clauses are refused, so a
//! typo cannot silently drop a rule.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::short_text;
use crate::{DomainError, Money, Name, Rule};

/// A validated statute. Obtained from [`Statute::parse_toml`]; the events of the log carry it
/// as recorded at the time, so history reads back without being re-validated against later
/// rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statute {
    cooperative: CooperativeClauses,
    shares: ShareClauses,
    membership: MembershipClauses,
    organs: OrganClauses,
    /// Absent: investing members are not admitted (the law's default, G8-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    investing_members: Option<InvestingClauses>,
    /// Absent: the law's defaults (one member one vote, simple majorities, G16/G78).
    #[serde(default)]
    voting: VotingClauses,
    /// Absent: the law's defaults (G43-5).
    #[serde(default)]
    proxies: ProxyClauses,
    /// Absent: assemblies in person only.
    #[serde(default)]
    assembly: AssemblyClauses,
    /// Absent: a tenth of each profit to the legal reserve, profits by capital (G19), no
    /// member loans (G21b).
    #[serde(default, skip_serializing_if = "BooksClauses::is_default")]
    books: BooksClauses,
}

/// How the books treat profits, reserves and member loans.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BooksClauses {
    /// The share of each year's profit that goes to the legal reserve, in percent (G7).
    #[serde(default = "ten")]
    legal_reserve_percent: u8,
    /// The key of the members' profit shares; absent: the law's (G19, by capital).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    profit_key: Option<crate::books::ProfitKey>,
    /// The highest yearly interest of a member loan, in percent, as text ("1.50"); absent:
    /// the cooperative takes no member loans (G21b).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    member_loan_interest_max_percent: Option<String>,
}

impl Default for BooksClauses {
    fn default() -> Self {
        Self {
            legal_reserve_percent: 10,
            profit_key: None,
            member_loan_interest_max_percent: None,
        }
    }
}

impl BooksClauses {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// The highest interest cap a statute may set for member loans, in percent: anything above is
/// a typo, not a cap.
const LOAN_INTEREST_CAP_MAX_PERCENT: u32 = 20;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CooperativeClauses {
    name: Name,
    seat: String,
    object: String,
    business_year_first_month: u8,
    entrepreneurs_cooperative: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareClauses {
    amount: Money,
    paid_in_minimum: Money,
    paid_in_due_days: u16,
    max_per_member: u32,
    /// Absent: no mandatory holding, one share suffices (G7a).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mandatory: Option<MandatoryHolding>,
    /// A minimum capital (Mindestkapital, § 8a GenG) that settlements may not bring the
    /// members' capital below. Absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    minimum_capital: Option<Money>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MembershipClauses {
    /// The notice period of a resignation (G65): 3 months to 5 years.
    notice_period_months: u16,
    /// A longer notice for the entrepreneur members of an entrepreneurs' cooperative, to secure
    /// the financing of its fixed assets (G65: up to 10 years). Absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    entrepreneurs_notice: Option<EntrepreneursNotice>,
    /// The statute requires written form (Schriftform) for a resignation; absent or false:
    /// text form suffices (G65).
    #[serde(default, skip_serializing_if = "is_false")]
    resignation_in_writing: bool,
    /// Who admits and rejects applicants; the board unless the statute says otherwise (G15).
    #[serde(default = "board")]
    admission_by: Organ,
    /// Whether members owe additional contributions (Nachschüsse) in an insolvency.
    #[serde(default)]
    additional_contributions: bool,
    /// Whether members must use the cooperative's facilities or services (a duty the statute
    /// imposes; G16: nine tenths to introduce).
    #[serde(default)]
    duty_to_use: bool,
    /// Whether members must deliver goods or services to the cooperative (G16: nine tenths
    /// to introduce).
    #[serde(default, skip_serializing_if = "is_false")]
    duty_to_deliver: bool,
    /// Whether members pay recurring fees for the cooperative's services (G16: three quarters
    /// to introduce).
    #[serde(default, skip_serializing_if = "is_false")]
    recurring_fees: bool,
    /// Whether members who leave with their shares fully paid get a share of a result reserve
    /// formed for that purpose (§ 73 (3) GenG; G16: three quarters to introduce).
    #[serde(default, skip_serializing_if = "is_false")]
    result_reserve_share: bool,
    /// Whether the statute restricts the payout of a leaving member's settlement (§ 73 (2)
    /// S. 2 and (4) GenG; G16: three quarters to introduce).
    #[serde(default, skip_serializing_if = "is_false")]
    settlement_payout_restricted: bool,
    /// The grounds on which a member may be excluded, by id (G68). Absent: none, so nobody
    /// can be excluded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    exclusion_grounds: BTreeMap<String, String>,
}

fn board() -> Organ {
    Organ::Board
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The longer notice of the entrepreneur members (G65, § 65 (2) S. 3 GenG).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntrepreneursNotice {
    /// The notice period, in months: above the general one, at most 120.
    months: u16,
    /// How it secures the financing of the fixed assets: the law allows it for no other
    /// purpose.
    financing: String,
}

/// The longest notice period a statute may set (G65: five years).
pub const NOTICE_MONTHS_MAX: u16 = 60;
/// The longest notice period of entrepreneur members in an entrepreneurs' cooperative (G65:
/// ten years).
pub const ENTREPRENEURS_NOTICE_MONTHS_MAX: u16 = 120;
/// A notice period above this lets a member in hardship leave early (G65, § 65 (3) GenG), and
/// raising the notice beyond it needs three quarters (G16).
pub const HARDSHIP_NOTICE_MONTHS_ABOVE: u16 = 24;

/// An organ of the cooperative that takes decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Organ {
    /// Vorstand.
    Board,
    /// Aufsichtsrat.
    SupervisoryBoard,
    /// Generalversammlung.
    Assembly,
}

impl Organ {
    /// The organ's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Organ::Board => "board",
            Organ::SupervisoryBoard => "supervisory-board",
            Organ::Assembly => "assembly",
        }
    }
}

/// A mandatory holding (Pflichtbeteiligung, G7a): how many shares every member must hold, by
/// one formula for everyone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "kebab-case", deny_unknown_fields)]
pub enum MandatoryHolding {
    /// The same number of shares for every member.
    Equal {
        /// Shares each member holds at least.
        shares: u32,
    },
    /// One share per `per` employees (rounded up), at least `minimum`; natural persons and
    /// investing members hold `minimum`.
    Employees {
        /// Employees per share.
        per: u32,
        /// Shares every member holds at least.
        minimum: u32,
    },
    /// One share per `per` euros of the yearly use of the facilities the member declares
    /// (rounded up), at least `minimum`.
    Usage {
        /// Euros of yearly use per share.
        per: Money,
        /// Shares every member holds at least.
        minimum: u32,
    },
}

/// Investing members (G8-2), admitted only when the statute has this section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct InvestingClauses {
    /// Who consents to admitting an investing member: the assembly or the supervisory board.
    consent_by: Organ,
    /// The most their combined votes weigh in a ballot, in percent of the weight cast: below
    /// 50, so that they never outvote the others; 0 excludes their vote. A ballot needing a
    /// larger majority caps them lower still (G8-2).
    vote_share_max_percent: u8,
}

/// How the general assembly decides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VotingClauses {
    /// The most votes one member may have (G43-3): 1 (one member, one vote) to 3; in an
    /// entrepreneurs' cooperative more, each member's counting up to a tenth of the votes
    /// present.
    #[serde(default = "one")]
    multiple_votes_max: u8,
    /// The share of members that must take part for a resolution, in percent; 0: no quorum.
    #[serde(default)]
    quorum_percent: u8,
    /// The majorities per kind of decision, where the statute asks for more than the law.
    #[serde(default)]
    majorities: Majorities,
}

impl Default for VotingClauses {
    fn default() -> Self {
        Self {
            multiple_votes_max: 1,
            quorum_percent: 0,
            majorities: Majorities::default(),
        }
    }
}

fn one() -> u8 {
    1
}

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

/// Who may vote for whom (G43-5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProxyClauses {
    /// Whether members may vote through a proxy at all.
    #[serde(default = "yes")]
    allowed: bool,
    /// How many members one proxy may represent: 1 or 2.
    #[serde(default = "two")]
    principals_max: u8,
    /// Whether only members may act as proxies.
    #[serde(default)]
    members_only: bool,
}

impl Default for ProxyClauses {
    fn default() -> Self {
        Self {
            allowed: true,
            principals_max: 2,
            members_only: false,
        }
    }
}

fn yes() -> bool {
    true
}

fn two() -> u8 {
    2
}

/// The forms in which a general assembly may be held (G43b).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssemblyForm {
    /// Everybody in one room.
    InPerson,
    /// Everybody online.
    Virtual,
    /// In one room, with online participation.
    Hybrid,
    /// A discussion phase, then a separate voting phase.
    TwoPhase,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssemblyClauses {
    forms: Vec<AssemblyForm>,
    /// Resolutions may be taken outside an assembly, in writing or electronically, with a
    /// voting window.
    #[serde(default)]
    written_resolutions: bool,
    /// The share of the members whose demand forces an assembly or an item (G45): at most 10.
    #[serde(default = "ten")]
    minority_percent: u8,
    /// An assembly of delegates in place of the general assembly above a number of members
    /// (G43a).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delegates: Option<DelegateAssembly>,
}

/// The statute's assembly of delegates (Vertreterversammlung, G43a): above `above_members`
/// members it takes the general assembly's place, with `seats` delegates elected by the
/// members generally, directly, equally and secretly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelegateAssembly {
    /// The members above which delegates assemble (the law: at least 1,500).
    #[serde(default = "delegate_members_min")]
    pub above_members: u32,
    /// The delegates elected (the law: at least 50).
    pub seats: u16,
}

/// The fewest members above which a statute may provide an assembly of delegates (G43a).
pub const DELEGATE_ASSEMBLY_MEMBERS_MIN: u32 = 1_500;
/// The fewest delegates an assembly of delegates has (G43a).
pub const DELEGATES_MIN: u16 = 50;
/// The most delegates this system seats.
pub const DELEGATES_MAX: u16 = 1_000;

fn delegate_members_min() -> u32 {
    DELEGATE_ASSEMBLY_MEMBERS_MIN
}

fn ten() -> u8 {
    10
}

impl Default for AssemblyClauses {
    fn default() -> Self {
        Self {
            forms: vec![AssemblyForm::InPerson],
            written_resolutions: false,
            minority_percent: 10,
            delegates: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganClauses {
    board_min: u16,
    supervisory_board: bool,
}

/// The most votes one member may have outside an entrepreneurs' cooperative (G43-3).
pub const ORDINARY_VOTES_MAX: u8 = 3;

/// The largest share of the weight cast a statute may give investing members, in percent:
/// below one half, so that they never outvote the others (G8-2; § 8 (2) GenG sets no number).
pub const INVESTING_VOTE_SHARE_MAX_PERCENT: u8 = 49;

/// The most bytes a statute file has: it is stored in an event.
pub const STATUTE_BYTES_MAX: usize = 32 * 1024;

/// Members up to which a board of one and no supervisory board are allowed (G9-24).
pub const SMALL_COOPERATIVE_MEMBERS_MAX: usize = 20;

/// The fewest members of a supervisory board (G9-24, § 36 (1) GenG: three persons unless the
/// statute sets more).
pub const SUPERVISORY_BOARD_MIN: usize = 3;

impl Statute {
    /// Parses and validates a statute file. Errors name the clause (`shares.paid_in_minimum`)
    /// and, where the law sets the limit, the rule.
    pub fn parse_toml(text: &str) -> Result<Self, DomainError> {
        if text.len() > STATUTE_BYTES_MAX {
            return Err(DomainError::invalid(
                "statute-too-large",
                "statute",
                format!(
                    "the statute has {} bytes, at most {STATUTE_BYTES_MAX} are allowed",
                    text.len()
                ),
            ));
        }
        let mut statute: Statute = toml::from_str(text).map_err(|e| {
            // toml names the line and the key; keep its message, without the echoed source.
            let message = e.message().to_owned();
            let line = e
                .span()
                .map(|span| text[..span.start].matches('\n').count() + 1);
            let message = match line {
                Some(line) => format!("statute line {line}: {message}"),
                None => format!("statute: {message}"),
            };
            DomainError::invalid("statute-malformed", "statute", message)
        })?;
        // The texts a person reads, stored as checked: normalized (issue 23, point 9).
        let c = &mut statute.cooperative;
        c.name = Name::parse(c.name.as_str()).map_err(|e| e.within("statute.cooperative.name"))?;
        for (text, clause, max) in [
            (&mut c.seat, "cooperative.seat", 200),
            (&mut c.object, "cooperative.object", 2_000),
        ] {
            *text = short_text(text, max, clause)
                .map_err(|e| e.within(&format!("statute.{clause}")))?;
        }
        statute.validate()?;
        Ok(statute)
    }

    fn validate_books(&self) -> Result<(), DomainError> {
        let b = &self.books;
        if b.legal_reserve_percent > 100 {
            return Err(DomainError::rule(
                Rule::G7,
                "statute-legal-reserve-percent",
                "the legal reserve takes a share of the profit from 0 to 100 percent",
            )
            .at("statute.books.legal_reserve_percent"));
        }
        if let Some(cap) = &b.member_loan_interest_max_percent {
            let valid = rust_decimal::Decimal::from_str_exact(cap)
                .ok()
                .filter(|cap| {
                    !cap.is_sign_negative()
                        && cap.scale() <= 2
                        && *cap <= rust_decimal::Decimal::from(LOAN_INTEREST_CAP_MAX_PERCENT)
                });
            if valid.is_none() {
                return Err(DomainError::rule(
                    Rule::G21b,
                    "statute-loan-interest-cap",
                    format!(
                        "the interest cap of member loans is a percentage from 0 to {LOAN_INTEREST_CAP_MAX_PERCENT} with at most two decimals, e.g. \"1.50\""
                    ),
                )
                .at("statute.books.member_loan_interest_max_percent"));
            }
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), DomainError> {
        self.validate_books()?;
        let c = &self.cooperative;
        for (text, clause, max) in [
            (&c.seat, "cooperative.seat", 200),
            (&c.object, "cooperative.object", 2_000),
        ] {
            short_text(text, max, clause).map_err(|e| e.within(&format!("statute.{clause}")))?;
        }
        if !designates_cooperative(c.name.as_str()) {
            return Err(DomainError::invalid(
                "statute-name-without-eg",
                "statute.cooperative.name",
                format!(
                    "the name {:?} must carry the designation \"eingetragene Genossenschaft\" or \"eG\" (§ 3 GenG)",
                    c.name.as_str()
                ),
            ));
        }
        if !(1..=12).contains(&c.business_year_first_month) {
            return Err(DomainError::invalid(
                "statute-month-malformed",
                "statute.cooperative.business_year_first_month",
                "the business year starts in a month from 1 to 12",
            ));
        }

        let s = &self.shares;
        if !s.amount.is_positive() {
            return Err(DomainError::rule(
                Rule::G7,
                "statute-share-amount-not-positive",
                "the share amount must be above zero",
            )
            .at("statute.shares.amount"));
        }
        // G7: at least one tenth of the share amount is to be paid in. Compared in cents:
        // 10 × minimum ≥ amount, so no division and no rounding.
        let tenth_ok = s
            .paid_in_minimum
            .checked_mul(10)
            .is_some_and(|ten_times| ten_times >= s.amount);
        if !tenth_ok {
            return Err(DomainError::rule(
                Rule::G7,
                "statute-paid-in-below-tenth",
                format!(
                    "the minimum paid-in part {} is below one tenth of the share amount {}",
                    s.paid_in_minimum, s.amount
                ),
            )
            .at("statute.shares.paid_in_minimum"));
        }
        if s.paid_in_minimum > s.amount {
            return Err(DomainError::rule(
                Rule::G7,
                "statute-paid-in-above-amount",
                format!(
                    "the minimum paid-in part {} exceeds the share amount {}",
                    s.paid_in_minimum, s.amount
                ),
            )
            .at("statute.shares.paid_in_minimum"));
        }
        if s.max_per_member == 0 {
            return Err(DomainError::rule(
                Rule::G7a,
                "statute-max-shares-zero",
                "a member must be allowed at least one share",
            )
            .at("statute.shares.max_per_member"));
        }
        if s.minimum_capital.is_some_and(|m| !m.is_positive()) {
            return Err(DomainError::invalid(
                "statute-minimum-capital-not-positive",
                "statute.shares.minimum_capital",
                "a minimum capital (§ 8a GenG) is an amount above zero; leave the clause out for none",
            ));
        }

        self.validate_notice()?;
        if self.organs.board_min == 0 {
            return Err(DomainError::rule(
                Rule::G9_24,
                "statute-board-empty",
                "the board has at least one person",
            )
            .at("statute.organs.board_min"));
        }
        self.validate_mandatory_holding()?;
        self.validate_membership()?;
        self.validate_voting()?;
        Ok(())
    }

    /// G65 (§ 65 (2) GenG): a notice period of 3 months to 5 years; up to 10 years only for
    /// the entrepreneur members of an entrepreneurs' cooperative, to secure the financing of
    /// its fixed assets.
    fn validate_notice(&self) -> Result<(), DomainError> {
        let notice = self.membership.notice_period_months;
        if !(3..=NOTICE_MONTHS_MAX).contains(&notice) {
            let longer = if self.cooperative.entrepreneurs_cooperative {
                " (a longer one, up to 10 years, only for the entrepreneur members and to secure the financing of fixed assets: [membership.entrepreneurs_notice])"
            } else {
                ""
            };
            return Err(DomainError::rule(
                Rule::G65,
                "statute-notice-period-out-of-range",
                format!(
                    "a notice period of {notice} months is outside the law's range of 3 to {NOTICE_MONTHS_MAX} months{longer}"
                ),
            )
            .at("statute.membership.notice_period_months"));
        }
        let Some(longer) = &self.membership.entrepreneurs_notice else {
            return Ok(());
        };
        let field = "statute.membership.entrepreneurs_notice";
        if !self.cooperative.entrepreneurs_cooperative {
            return Err(DomainError::rule(
                Rule::G65,
                "statute-entrepreneurs-notice-without-entrepreneurs",
                "a notice period for entrepreneur members is allowed only in a cooperative of more than three quarters entrepreneurs",
            )
            .at(field));
        }
        if !(notice + 1..=ENTREPRENEURS_NOTICE_MONTHS_MAX).contains(&longer.months) {
            return Err(DomainError::rule(
                Rule::G65,
                "statute-notice-period-out-of-range",
                format!(
                    "the entrepreneur members' notice period of {} months must lie above the general {notice} months and at most at {ENTREPRENEURS_NOTICE_MONTHS_MAX} months (10 years)",
                    longer.months
                ),
            )
            .at(format!("{field}.months")));
        }
        short_text(&longer.financing, 500, "financing").map_err(|e| {
            DomainError::rule(
                Rule::G65,
                "statute-entrepreneurs-notice-purpose",
                format!(
                    "the statute names how the longer notice secures the financing of the fixed assets (the only purpose the law allows): {}",
                    e.message()
                ),
            )
            .at(format!("{field}.financing"))
        })?;
        Ok(())
    }

    fn validate_mandatory_holding(&self) -> Result<(), DomainError> {
        let field = "statute.shares.mandatory";
        let max = self.shares.max_per_member;
        let minimum = match &self.shares.mandatory {
            None => return Ok(()),
            Some(MandatoryHolding::Equal { shares }) => *shares,
            Some(MandatoryHolding::Employees { per, minimum }) => {
                if *per == 0 {
                    return Err(DomainError::invalid(
                        "statute-mandatory-per-zero",
                        format!("{field}.per"),
                        "a mandatory holding by firm size needs at least one employee per share",
                    ));
                }
                *minimum
            }
            Some(MandatoryHolding::Usage { per, minimum }) => {
                if !per.is_positive() {
                    return Err(DomainError::invalid(
                        "statute-mandatory-per-zero",
                        format!("{field}.per"),
                        "a mandatory holding by usage needs a positive amount per share",
                    ));
                }
                *minimum
            }
        };
        if minimum == 0 || minimum > max {
            return Err(DomainError::rule(
                Rule::G7a,
                "statute-mandatory-holding-out-of-range",
                format!(
                    "a mandatory holding of {minimum} shares is outside 1 to the maximum of {max} shares per member"
                ),
            )
            .at(field));
        }
        Ok(())
    }

    fn validate_membership(&self) -> Result<(), DomainError> {
        if self.membership.admission_by == Organ::SupervisoryBoard && !self.organs.supervisory_board
        {
            return Err(DomainError::invalid(
                "statute-organ-missing",
                "statute.membership.admission_by",
                "admissions by the supervisory board need a supervisory board",
            ));
        }
        for (id, text) in &self.membership.exclusion_grounds {
            let field = format!("statute.membership.exclusion_grounds.{id}");
            let id_ok = !id.is_empty()
                && id.len() <= 40
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !id_ok {
                return Err(DomainError::invalid(
                    "statute-ground-id-malformed",
                    field,
                    format!(
                        "the exclusion ground {id:?} needs an id of lowercase letters, digits and '-'"
                    ),
                ));
            }
            short_text(text, 500, "exclusion ground").map_err(|e| e.within(&field))?;
        }
        if let Some(investing) = &self.investing_members {
            let field = "statute.investing_members";
            if investing.vote_share_max_percent > INVESTING_VOTE_SHARE_MAX_PERCENT {
                return Err(DomainError::rule(
                    Rule::G8_2,
                    "statute-investing-vote-cap-too-high",
                    format!(
                        "investing members may weigh at most {INVESTING_VOTE_SHARE_MAX_PERCENT} % of the votes cast, so that they can never outvote the other members; the statute gives them {} %",
                        investing.vote_share_max_percent
                    ),
                )
                .at(format!("{field}.vote_share_max_percent")));
            }
            match investing.consent_by {
                Organ::Assembly => {}
                Organ::SupervisoryBoard if self.organs.supervisory_board => {}
                _ => {
                    return Err(DomainError::rule(
                        Rule::G8_2,
                        "statute-investing-consent-organ",
                        "investing members are admitted with the consent of the assembly or of the supervisory board",
                    )
                    .at(format!("{field}.consent_by")));
                }
            }
        }
        Ok(())
    }

    fn validate_voting(&self) -> Result<(), DomainError> {
        let v = &self.voting;
        // G43-3 (§ 43 (3) S. 3 GenG): at most 3 votes in the ordinary regime; in an
        // entrepreneurs' cooperative the law sets no maximum, each member's votes count up to
        // a tenth of the votes present instead.
        let votes_max = if self.cooperative.entrepreneurs_cooperative {
            u8::MAX
        } else {
            ORDINARY_VOTES_MAX
        };
        if !(1..=votes_max).contains(&v.multiple_votes_max) {
            return Err(DomainError::rule(
                Rule::G43_3,
                "statute-multiple-votes-out-of-range",
                format!(
                    "a member has 1 vote, and outside an entrepreneurs' cooperative the statute may grant up to {ORDINARY_VOTES_MAX}; it says {}",
                    v.multiple_votes_max
                ),
            )
            .at("statute.voting.multiple_votes_max"));
        }
        if v.quorum_percent > 100 {
            return Err(DomainError::invalid(
                "statute-quorum-out-of-range",
                "statute.voting.quorum_percent",
                "a quorum is a share of the members from 0 to 100 %",
            ));
        }
        let law = Majorities::default();
        let m = &v.majorities;
        for (majority, minimum, rule, clause) in [
            (
                m.amendment_qualified,
                law.amendment_qualified,
                Rule::G16,
                "amendment_qualified",
            ),
            (m.duty_to_use, law.duty_to_use, Rule::G16, "duty_to_use"),
            (m.dissolution, law.dissolution, Rule::G78, "dissolution"),
        ] {
            if !majority.is_at_least(minimum) {
                return Err(DomainError::rule(
                    rule,
                    "statute-majority-below-law",
                    format!(
                        "the law asks a majority of at least {minimum} of the votes cast for {}; the statute says {majority}",
                        clause.replace('_', " ")
                    ),
                )
                .at(format!("statute.voting.majorities.{clause}")));
            }
        }
        let p = &self.proxies;
        if !(1..=2).contains(&p.principals_max) {
            return Err(DomainError::rule(
                Rule::G43_5,
                "statute-proxy-principals-out-of-range",
                format!(
                    "one proxy may represent at most 2 members (the statute may say 1); it says {}",
                    p.principals_max
                ),
            )
            .at("statute.proxies.principals_max"));
        }
        let forms = &self.assembly.forms;
        let mut unique = forms.clone();
        unique.sort();
        unique.dedup();
        if forms.is_empty() || unique.len() != forms.len() {
            return Err(DomainError::invalid(
                "statute-assembly-forms",
                "statute.assembly.forms",
                "name each form of assembly at least once and at most once",
            ));
        }
        if !(1..=10).contains(&self.assembly.minority_percent) {
            return Err(DomainError::rule(
                Rule::G45,
                "statute-minority-above-law",
                "a demand of at most 10 % of the members forces an assembly (G45); the statute may ask fewer, at least 1 %",
            )
            .at("statute.assembly.minority_percent"));
        }
        if let Some(delegates) = self.assembly.delegates {
            if delegates.above_members < DELEGATE_ASSEMBLY_MEMBERS_MIN {
                return Err(DomainError::rule(
                    Rule::G43a,
                    "statute-delegates-below-law",
                    format!(
                        "delegates may replace the general assembly only above {DELEGATE_ASSEMBLY_MEMBERS_MIN} members; the statute says above {}",
                        delegates.above_members
                    ),
                )
                .at("statute.assembly.delegates.above_members"));
            }
            if !(DELEGATES_MIN..=DELEGATES_MAX).contains(&delegates.seats) {
                return Err(DomainError::rule(
                    Rule::G43a,
                    "statute-delegate-seats-out-of-range",
                    format!(
                        "an assembly of delegates has at least {DELEGATES_MIN} delegates (at most {DELEGATES_MAX} here); the statute says {}",
                        delegates.seats
                    ),
                )
                .at("statute.assembly.delegates.seats"));
            }
        }
        Ok(())
    }

    /// G9-24 with the member count: above 20 members the board has at least 2 persons and the
    /// cooperative a supervisory board. Checked when the statute is amended and before an
    /// admission takes the cooperative above 20 members.
    pub fn check_for_members(&self, members: usize) -> Result<(), DomainError> {
        if members <= SMALL_COOPERATIVE_MEMBERS_MAX {
            return Ok(());
        }
        if self.organs.board_min < 2 {
            return Err(DomainError::rule(
                Rule::G9_24,
                "statute-board-too-small-for-members",
                format!(
                    "with {members} members the board needs at least 2 persons; the statute allows {}",
                    self.organs.board_min
                ),
            )
            .at("statute.organs.board_min"));
        }
        if !self.organs.supervisory_board {
            return Err(DomainError::rule(
                Rule::G9_24,
                "supervisory-board-required",
                format!(
                    "with {members} members the cooperative needs a supervisory board, but the statute omits it"
                ),
            )
            .at("statute.organs.supervisory_board"));
        }
        Ok(())
    }

    /// G9-24: the fewest holders `office` must have with `members` members: the board the
    /// statute's number, at least 2 (§ 24 (2) GenG; 1 where the statute says so and there are
    /// at most 20 members); the supervisory board 3 where the statute has one or above 20
    /// members (§ 36 (1) GenG; the statute may do without one up to 20 members, § 9 (1));
    /// the treasurer none.
    pub fn organ_minimum(&self, office: crate::Office, members: usize) -> usize {
        let small = members <= SMALL_COOPERATIVE_MEMBERS_MAX;
        match office {
            crate::Office::Board => {
                usize::from(self.organs.board_min).max(if small { 1 } else { 2 })
            }
            crate::Office::SupervisoryBoard if self.organs.supervisory_board || !small => {
                SUPERVISORY_BOARD_MIN
            }
            crate::Office::SupervisoryBoard | crate::Office::Treasurer => 0,
        }
    }

    /// G16: the majority of votes cast an amendment from this statute to `new` needs, decided
    /// under this (the old) statute, with the reasons. The cases § 16 (2) GenG lists and new
    /// recurring fees need three quarters, a new duty to use the facilities or to deliver nine
    /// tenths — each raised where this statute asks more —, anything else three quarters
    /// unless this statute sets another majority (§ 16 (4) GenG).
    pub fn amendment_majority(&self, new: &Statute) -> AmendmentMajority {
        let m = &self.voting.majorities;
        let (old_m, new_m) = (&self.membership, &new.membership);
        let mut listed: Vec<&'static str> = Vec::new();
        if self.cooperative.object != new.cooperative.object {
            listed.push("the object of the enterprise changes (§ 16 (2) no. 1 GenG)");
        }
        if new.shares.amount > self.shares.amount {
            listed.push("the share amount rises (§ 16 (2) no. 2 GenG)");
        }
        if new.shares.mandatory.is_some()
            && new.shares.mandatory != self.shares.mandatory
            && new.shares.mandatory != Some(MandatoryHolding::Equal { shares: 1 })
        {
            listed.push(
                "a mandatory holding of several shares is introduced or changed (§ 16 (2) no. 3 GenG)",
            );
        }
        if new_m.additional_contributions && !old_m.additional_contributions {
            listed.push("additional contributions are introduced (§ 16 (2) no. 4 GenG)");
        }
        let longest = |m: &MembershipClauses| {
            m.entrepreneurs_notice
                .as_ref()
                .map_or(m.notice_period_months, |e| e.months)
        };
        let lengthened = |old: u16, new: u16| new > old && new > HARDSHIP_NOTICE_MONTHS_ABOVE;
        if lengthened(old_m.notice_period_months, new_m.notice_period_months)
            || lengthened(longest(old_m), longest(new_m))
        {
            listed.push("the notice period is lengthened beyond two years (§ 16 (2) no. 5 GenG)");
        }
        if new_m.result_reserve_share && !old_m.result_reserve_share {
            listed.push("leaving members get a share of the result reserve (§ 16 (2) no. 6 GenG)");
        }
        if new.voting.multiple_votes_max > self.voting.multiple_votes_max {
            listed.push("multiple votes are introduced or extended (§ 16 (2) no. 7 GenG)");
        }
        if new.shares.amount < self.shares.amount {
            listed.push("the shares are split into smaller ones (§ 16 (2) no. 8 GenG)");
        }
        let minimum = |s: &Statute| s.shares.minimum_capital.unwrap_or(Money::ZERO);
        if minimum(new) > minimum(self) {
            listed.push("a minimum capital is introduced or raised (§ 16 (2) no. 9 GenG)");
        }
        if new_m.settlement_payout_restricted && !old_m.settlement_payout_restricted {
            listed.push("the payout of settlements is restricted (§ 16 (2) no. 10 GenG)");
        }
        if new.investing_members.is_some() && self.investing_members.is_none() {
            listed.push("investing members may be admitted (§ 16 (2) no. 11 GenG)");
        }
        if new_m.recurring_fees && !old_m.recurring_fees {
            listed.push(
                "recurring fees for the cooperative's services are introduced (§ 16 (3) S. 2 GenG)",
            );
        }
        let mut duties: Vec<&'static str> = Vec::new();
        if new_m.duty_to_use && !old_m.duty_to_use {
            duties.push("a duty to use the facilities is introduced (§ 16 (3) S. 1 GenG)");
        }
        if new_m.duty_to_deliver && !old_m.duty_to_deliver {
            duties.push("a duty to deliver goods or services is introduced (§ 16 (3) S. 1 GenG)");
        }

        let mandatory = |case| MajorityReason {
            rule: Rule::G16,
            case,
            law_mandates_three_quarters: true,
        };
        let mut reasons: Vec<MajorityReason> = listed.iter().copied().map(mandatory).collect();
        reasons.extend(duties.iter().copied().map(mandatory));
        let mut majority = if listed.is_empty() && duties.is_empty() {
            reasons.push(MajorityReason {
                rule: Rule::G16,
                case: match m.amendment {
                    None => "other amendments need three quarters unless the statute sets otherwise (§ 16 (4) GenG)",
                    Some(_) => "other amendments need the majority the statute sets (§ 16 (4) GenG)",
                },
                law_mandates_three_quarters: false,
            });
            m.other_amendment()
        } else {
            m.other_amendment().max(m.amendment_qualified)
        };
        if !duties.is_empty() {
            majority = majority.max(m.duty_to_use);
        }
        let restricts_multiple_votes =
            new.voting.multiple_votes_max < self.voting.multiple_votes_max;
        AmendmentMajority {
            majority,
            reasons,
            restricts_multiple_votes,
        }
    }

    /// The majority each kind of decision needs under this statute, with the rule that gives
    /// it and whether the law or the statute set it.
    pub fn majority_rules(&self) -> Vec<MajorityRule> {
        let m = &self.voting.majorities;
        let law = Majorities::default();
        let rule = |decision, majority: Majority, law_majority: Majority, rule| MajorityRule {
            decision,
            majority,
            rule,
            set_by_statute: majority != law_majority,
        };
        vec![
            rule("ordinary", m.ordinary, law.ordinary, Rule::G43_2),
            MajorityRule {
                decision: "amendment",
                majority: m.other_amendment(),
                rule: Rule::G16,
                set_by_statute: m.amendment.is_some(),
            },
            rule(
                "amendment-qualified",
                m.other_amendment().max(m.amendment_qualified),
                law.amendment_qualified,
                Rule::G16,
            ),
            rule(
                "duty-to-use",
                m.other_amendment()
                    .max(m.amendment_qualified)
                    .max(m.duty_to_use),
                law.duty_to_use,
                Rule::G16,
            ),
            rule("dissolution", m.dissolution, law.dissolution, Rule::G78),
        ]
    }

    /// This statute as its text decided it. Before Verbund followed § 16 (4) GenG, a statute
    /// silent on other amendments was recorded with a simple majority for them, the wrong
    /// default; the text it was parsed from tells whether the clause was written (then it
    /// stands) or not (then the law's three quarters apply). Anything else is kept as
    /// recorded, valid or not under today's rules: history is read as it was decided.
    pub fn as_decided(mut self, text: &str) -> Statute {
        if self.voting.majorities.amendment.is_some() {
            let written = text.parse::<toml::Table>().ok().is_some_and(|table| {
                table
                    .get("voting")
                    .and_then(|v| v.get("majorities"))
                    .and_then(|m| m.get("amendment"))
                    .is_some()
            });
            if !written {
                self.voting.majorities.amendment = None;
            }
        }
        self
    }

    /// The cooperative's name as the statute gives it.
    pub fn name(&self) -> &Name {
        &self.cooperative.name
    }
    /// The nominal amount of one share.
    /// The share of each year's profit for the legal reserve, in percent (G7).
    pub fn legal_reserve_percent(&self) -> u8 {
        self.books.legal_reserve_percent
    }

    /// The key of the members' profit shares, if the statute sets one (G19).
    pub fn profit_key(&self) -> Option<crate::books::ProfitKey> {
        self.books.profit_key
    }

    /// The interest cap of member loans in percent; `None`: no member loans (G21b).
    pub fn member_loan_interest_max(&self) -> Option<rust_decimal::Decimal> {
        self.books
            .member_loan_interest_max_percent
            .as_deref()
            .and_then(|cap| rust_decimal::Decimal::from_str_exact(cap).ok())
    }

    /// The seat (Sitz) of the cooperative.
    pub fn seat(&self) -> &str {
        &self.cooperative.seat
    }

    /// The amount of one share.
    pub fn share_amount(&self) -> Money {
        self.shares.amount
    }
    /// The part of a share to be paid in at least.
    pub fn paid_in_minimum(&self) -> Money {
        self.shares.paid_in_minimum
    }
    /// The most shares one member may hold.
    pub fn max_shares_per_member(&self) -> u32 {
        self.shares.max_per_member
    }
    /// The notice period of a resignation, in months.
    pub fn notice_period_months(&self) -> u16 {
        self.membership.notice_period_months
    }
    /// The notice period of a member, in months: the entrepreneur members' longer one where
    /// the statute sets it and `entrepreneur` holds (G65).
    pub fn notice_period_months_for(&self, entrepreneur: bool) -> u16 {
        match &self.membership.entrepreneurs_notice {
            Some(longer) if entrepreneur => longer.months,
            _ => self.membership.notice_period_months,
        }
    }
    /// Whether the statute requires written form for a resignation; else text form suffices
    /// (G65).
    pub fn resignation_in_writing(&self) -> bool {
        self.membership.resignation_in_writing
    }
    /// The minimum capital (§ 8a GenG), if the statute sets one.
    pub fn minimum_capital(&self) -> Option<Money> {
        self.shares.minimum_capital
    }
    /// The smallest board the statute allows (the law's minimum applies on top, G9-24).
    pub fn board_min(&self) -> u16 {
        self.organs.board_min
    }
    /// Whether the statute provides a supervisory board.
    pub fn has_supervisory_board(&self) -> bool {
        self.organs.supervisory_board
    }
    /// The month (1–12) in which the business year starts.
    pub fn business_year_first_month(&self) -> u8 {
        self.cooperative.business_year_first_month
    }
    /// The business year.
    pub fn business_year(&self) -> crate::BusinessYear {
        crate::BusinessYear::starting_in(self.cooperative.business_year_first_month)
            .expect("validated: a month from 1 to 12")
    }
    /// Whether this is an entrepreneurs' cooperative (more than three quarters entrepreneurs).
    pub fn is_entrepreneurs_cooperative(&self) -> bool {
        self.cooperative.entrepreneurs_cooperative
    }
    /// Days after subscribing within which the minimum paid-in part of a share is due.
    pub fn paid_in_due_days(&self) -> u16 {
        self.shares.paid_in_due_days
    }
    /// The mandatory holding, if the statute has one.
    pub fn mandatory_holding(&self) -> Option<&MandatoryHolding> {
        self.shares.mandatory.as_ref()
    }
    /// G7a: the shares a member of `kind` must hold at least (1 without a mandatory holding),
    /// given the yearly use of the facilities they declared.
    pub fn mandatory_shares(&self, employees: Option<u32>, usage: Option<Money>) -> u32 {
        let Some(holding) = &self.shares.mandatory else {
            return 1;
        };
        let shares = match holding {
            MandatoryHolding::Equal { shares } => *shares,
            MandatoryHolding::Employees { per, minimum } => {
                let scaled = employees.map_or(0, |e| e.div_ceil(*per));
                scaled.max(*minimum)
            }
            MandatoryHolding::Usage { per, minimum } => {
                let scaled = usage.map_or(0, |u| u.div_ceil(*per));
                scaled.max(*minimum)
            }
        };
        shares.clamp(1, self.shares.max_per_member)
    }
    /// The organ that admits and rejects applicants (G15).
    pub fn admission_by(&self) -> Organ {
        self.membership.admission_by
    }
    /// Whether members owe additional contributions (Nachschüsse); the declaration must
    /// acknowledge it (G15a).
    pub fn has_additional_contributions(&self) -> bool {
        self.membership.additional_contributions
    }
    /// The exclusion ground with this id, if the statute names it (G68).
    pub fn exclusion_ground(&self, id: &str) -> Option<&str> {
        self.membership
            .exclusion_grounds
            .get(id)
            .map(String::as_str)
    }
    /// Whether investing members may be admitted (G8-2), and by whose consent.
    pub fn investing_consent_by(&self) -> Option<Organ> {
        self.investing_members.as_ref().map(|i| i.consent_by)
    }
    /// G8-2: the most investing members' combined votes weigh, in percent of the weight cast.
    pub fn investing_vote_share_max_percent(&self) -> u8 {
        self.investing_members
            .as_ref()
            .map_or(0, |i| i.vote_share_max_percent)
    }
    /// G43-3: the most votes one member may have under the statute (the ordinary regime caps
    /// it at 3 in a ballot).
    pub fn multiple_votes_max(&self) -> u8 {
        self.voting.multiple_votes_max
    }
    /// The attendance quorum in percent of the members; 0 for none (G43-2).
    pub fn quorum_percent(&self) -> u8 {
        self.voting.quorum_percent
    }
    /// The majorities per kind of decision.
    pub fn majorities(&self) -> &Majorities {
        &self.voting.majorities
    }
    /// G43-5: whether proxies are allowed, how many members one may represent, and whether
    /// only members may act as proxies.
    pub fn proxies(&self) -> (bool, u8, bool) {
        let p = &self.proxies;
        (p.allowed, p.principals_max, p.members_only)
    }
    /// G43b: the forms an assembly may take.
    pub fn assembly_forms(&self) -> &[AssemblyForm] {
        &self.assembly.forms
    }
    /// The share of the members whose demand forces an assembly or an item, in percent (G45).
    pub fn minority_percent(&self) -> u8 {
        self.assembly.minority_percent
    }
    /// Whether members may resolve outside an assembly, in writing or electronically.
    pub fn written_resolutions(&self) -> bool {
        self.assembly.written_resolutions
    }
    /// The assembly of delegates, if the statute provides one (G43a).
    pub fn delegate_assembly(&self) -> Option<DelegateAssembly> {
        self.assembly.delegates
    }
}

fn designates_cooperative(name: &str) -> bool {
    name.split_whitespace()
        .any(|word| word == "eG" || word == "eG.")
        || name.contains("eingetragene Genossenschaft")
}

/// A statute that passes validation; for tests and the demo.
pub const EXAMPLE_STATUTE: &str = r#"[cooperative]
name = "Dorfhandwerk Musterdorf eG"
seat = "Musterdorf"
object = "Joint purchasing, shared machines, a staff pool and joint marketing for the craft businesses of the region"
business_year_first_month = 1
entrepreneurs_cooperative = true

[shares]
amount = "500.00"
paid_in_minimum = "100.00"
paid_in_due_days = 30
max_per_member = 20

[membership]
notice_period_months = 12

[membership.exclusion_grounds]
arrears = "Does not pay what is due on the shares despite two written reminders"
harm = "Harms the cooperative's reputation or business on purpose"

[organs]
board_min = 2
supervisory_board = true

[investing_members]
consent_by = "supervisory-board"
vote_share_max_percent = 25

[assembly]
forms = ["in-person", "hybrid"]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn with(from: &str, to: &str) -> Result<Statute, DomainError> {
        assert!(EXAMPLE_STATUTE.contains(from), "the example has {from:?}");
        Statute::parse_toml(&EXAMPLE_STATUTE.replace(from, to))
    }

    #[test]
    fn the_example_statute_is_valid() {
        let statute = Statute::parse_toml(EXAMPLE_STATUTE).expect("valid");
        assert_eq!(statute.share_amount().to_string(), "500.00");
        assert_eq!(statute.notice_period_months(), 12);
    }

    /// G7: the paid-in part is at least one tenth of the share amount.
    #[test]
    fn g7_a_paid_in_part_below_one_tenth_is_refused() {
        let error = with(
            "paid_in_minimum = \"100.00\"",
            "paid_in_minimum = \"49.99\"",
        )
        .expect_err("below a tenth");
        assert_eq!(error.rule_id(), Some(Rule::G7));
        assert_eq!(error.field(), Some("statute.shares.paid_in_minimum"));
        with(
            "paid_in_minimum = \"100.00\"",
            "paid_in_minimum = \"50.00\"",
        )
        .expect("exactly a tenth is enough");
    }

    /// G65 (§ 65 (2) GenG): given a statute, a notice period of 2 months or of more than 5
    /// years is refused — also in an entrepreneurs' cooperative, where 10 years are allowed
    /// only for the entrepreneur members and to secure the financing of fixed assets, in a
    /// clause of their own; elsewhere that clause is refused.
    #[test]
    fn g65_notice_periods_outside_the_law_are_refused() {
        let error =
            with("notice_period_months = 12", "notice_period_months = 2").expect_err("too short");
        assert_eq!(error.rule_id(), Some(Rule::G65));
        with("notice_period_months = 12", "notice_period_months = 60").expect("five years");
        let error = with("notice_period_months = 12", "notice_period_months = 120")
            .expect_err("ten years for every member");
        assert_eq!(
            (error.rule_id(), error.field()),
            (
                Some(Rule::G65),
                Some("statute.membership.notice_period_months")
            )
        );
        let longer = "notice_period_months = 12\n\n[membership.entrepreneurs_notice]\nmonths = 120\nfinancing = \"Secures the loans of the shared machine hall\"\n";
        let statute =
            with("notice_period_months = 12\n", longer).expect("ten years for entrepreneurs");
        assert_eq!(statute.notice_period_months_for(true), 120);
        assert_eq!(statute.notice_period_months_for(false), 12);
        let error = with(
            "notice_period_months = 12\n",
            &longer.replace("months = 120", "months = 121"),
        )
        .expect_err("above ten years");
        assert_eq!(
            error.field(),
            Some("statute.membership.entrepreneurs_notice.months")
        );
        let error = with(
            "notice_period_months = 12\n",
            &longer.replace("\"Secures the loans of the shared machine hall\"", "\"\""),
        )
        .expect_err("no purpose");
        assert_eq!(error.code(), "statute-entrepreneurs-notice-purpose");
        let ordinary = EXAMPLE_STATUTE
            .replace(
                "entrepreneurs_cooperative = true",
                "entrepreneurs_cooperative = false",
            )
            .replace("notice_period_months = 12\n", longer);
        let error = Statute::parse_toml(&ordinary).expect_err("not an entrepreneurs' cooperative");
        assert_eq!(
            (error.rule_id(), error.code()),
            (
                Some(Rule::G65),
                "statute-entrepreneurs-notice-without-entrepreneurs"
            )
        );
    }

    /// G8-2 (§ 8 (2) S. 2 GenG): the law sets no number for investing members' weight, only
    /// that they never outvote the others: a statute may give them up to 49 %, not 50 %.
    #[test]
    fn g8_2_investing_members_stay_below_half_of_the_weight() {
        with("vote_share_max_percent = 25", "vote_share_max_percent = 49").expect("below one half");
        let error = with("vote_share_max_percent = 25", "vote_share_max_percent = 50")
            .expect_err("a tie would let them block");
        assert_eq!(error.rule_id(), Some(Rule::G8_2));
    }

    /// G16: the majorities of a statute, each with its rule and whether the statute set it.
    #[test]
    fn g16_the_majority_rules_say_where_each_majority_comes_from() {
        let rules = Statute::parse_toml(EXAMPLE_STATUTE)
            .expect("valid")
            .majority_rules();
        let amendment = rules
            .iter()
            .find(|r| r.decision == "amendment")
            .expect("listed");
        assert_eq!(
            (amendment.majority, amendment.rule, amendment.set_by_statute),
            (THREE_QUARTERS, Rule::G16, false)
        );
        let simple = with(
            "[assembly]",
            "[voting.majorities]\namendment = \"simple\"\n\n[assembly]",
        )
        .expect("the statute may set less")
        .majority_rules();
        let amendment = simple
            .iter()
            .find(|r| r.decision == "amendment")
            .expect("listed");
        assert_eq!(
            (amendment.majority, amendment.set_by_statute),
            (Majority::Simple, true)
        );
    }

    /// G16: a statute recorded before Verbund followed § 16 (4) GenG carries a simple majority
    /// for other amendments whether or not its text set one; read as its text decided it, a
    /// silent statute needs the law's three quarters, one that wrote "simple" keeps it.
    #[test]
    fn g16_a_statute_recorded_with_the_old_default_is_read_as_its_text_decided_it() {
        let mut recorded =
            serde_json::to_value(Statute::parse_toml(EXAMPLE_STATUTE).expect("valid"))
                .expect("serializes");
        recorded["voting"]["majorities"]["amendment"] = "simple".into();
        let recorded: Statute = serde_json::from_value(recorded).expect("reads");
        assert_eq!(recorded.majorities().other_amendment(), Majority::Simple);
        let silent = recorded.clone().as_decided(EXAMPLE_STATUTE);
        assert_eq!(silent.majorities().other_amendment(), THREE_QUARTERS);
        let written = EXAMPLE_STATUTE.replace(
            "[assembly]",
            "[voting.majorities]\namendment = \"simple\"\n\n[assembly]",
        );
        let kept = recorded.as_decided(&written);
        assert_eq!(kept.majorities().other_amendment(), Majority::Simple);
    }

    #[test]
    fn unknown_clauses_and_floats_are_refused_with_the_line() {
        let error = with(
            "max_per_member = 20",
            "max_per_member = 20\nmax_per_membr = 3",
        )
        .expect_err("typo");
        assert_eq!(error.code(), "statute-malformed");
        assert!(error.message().contains("line 13"), "{error}");
        assert!(error.message().contains("max_per_membr"), "{error}");
        let error = with("amount = \"500.00\"", "amount = 500.0").expect_err("a float");
        assert!(error.message().contains("as a string"), "{error}");
    }

    #[test]
    fn a_missing_clause_is_refused() {
        let error = with("seat = \"Musterdorf\"\n", "").expect_err("no seat");
        assert!(error.message().contains("seat"), "{error}");
    }

    #[test]
    fn the_name_must_say_eg() {
        let error = with("Dorfhandwerk Musterdorf eG", "Dorfhandwerk Musterdorf GmbH")
            .expect_err("not a cooperative");
        assert_eq!(error.code(), "statute-name-without-eg");
    }

    /// G8-2, G43-3, G43-5, G16, G78, G7a: each optional section is checked against the law.
    #[test]
    fn optional_sections_are_held_to_the_law() {
        let cases = [
            (
                "vote_share_max_percent = 25",
                "vote_share_max_percent = 50",
                Rule::G8_2,
                "statute.investing_members.vote_share_max_percent",
            ),
            (
                "[assembly]",
                "[voting]\nmultiple_votes_max = 0\n\n[assembly]",
                Rule::G43_3,
                "statute.voting.multiple_votes_max",
            ),
            (
                "[assembly]",
                "[proxies]\nprincipals_max = 3\n\n[assembly]",
                Rule::G43_5,
                "statute.proxies.principals_max",
            ),
            (
                "[assembly]",
                "[voting.majorities]\namendment_qualified = \"2/3\"\n\n[assembly]",
                Rule::G16,
                "statute.voting.majorities.amendment_qualified",
            ),
            (
                "[assembly]",
                "[voting.majorities]\ndissolution = \"simple\"\n\n[assembly]",
                Rule::G78,
                "statute.voting.majorities.dissolution",
            ),
            (
                "max_per_member = 20",
                "max_per_member = 20\nmandatory = { basis = \"equal\", shares = 21 }",
                Rule::G7a,
                "statute.shares.mandatory",
            ),
        ];
        for (from, to, rule, field) in cases {
            let error = with(from, to).expect_err(to);
            assert_eq!(
                (error.rule_id(), error.field()),
                (Some(rule), Some(field)),
                "{to}"
            );
        }
        with(
            "[assembly]",
            "[voting.majorities]\namendment = \"2/3\"\ndissolution = \"9/10\"\n\n[assembly]",
        )
        .expect("the statute may ask more than the law");
        let error = with(
            "[assembly]",
            "[voting.majorities]\nordinary = \"1/3\"\n\n[assembly]",
        )
        .expect_err("not a majority");
        assert_eq!(error.code(), "statute-malformed");
    }

    /// G43-2, G16: majorities count yes against the votes cast, exactly.
    #[test]
    fn majorities_are_exact_fractions_of_the_votes_cast() {
        let three_quarters = Majority::parse("3/4").expect("valid");
        assert!(three_quarters.is_reached(75, 100));
        assert!(!three_quarters.is_reached(74, 100));
        assert!(!three_quarters.is_reached(0, 0));
        assert!(Majority::Simple.is_reached(2, 3));
        assert!(!Majority::Simple.is_reached(1, 2));
        assert!(three_quarters.is_at_least(Majority::Simple));
        assert!(!Majority::Simple.is_at_least(three_quarters));
        assert_eq!(three_quarters.to_string(), "3/4");
    }

    /// G43a: an assembly of delegates only above 1,500 members, with at least 50 delegates.
    #[test]
    fn g43a_delegates_above_1500_members_at_least_50_of_them() {
        let forms = "forms = [\"in-person\", \"hybrid\"]";
        let statute = with(
            forms,
            &format!("{forms}\ndelegates = {{ above_members = 3000, seats = 80 }}"),
        )
        .expect("valid");
        assert_eq!(
            statute.delegate_assembly(),
            Some(DelegateAssembly {
                above_members: 3000,
                seats: 80
            })
        );
        let default =
            with(forms, &format!("{forms}\ndelegates = {{ seats = 50 }}")).expect("valid");
        assert_eq!(
            default.delegate_assembly().map(|d| d.above_members),
            Some(1500)
        );
        assert_eq!(
            Statute::parse_toml(EXAMPLE_STATUTE)
                .expect("valid")
                .delegate_assembly(),
            None
        );
        for (clause, code) in [
            (
                "delegates = { above_members = 1499, seats = 50 }",
                "statute-delegates-below-law",
            ),
            (
                "delegates = { seats = 49 }",
                "statute-delegate-seats-out-of-range",
            ),
        ] {
            let error = with(forms, &format!("{forms}\n{clause}")).expect_err(clause);
            assert_eq!((error.rule_id(), error.code()), (Some(Rule::G43a), code));
        }
    }
}
