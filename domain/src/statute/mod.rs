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

mod amendment;
mod majority;
mod validation;

pub use majority::*;

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
    /// The cooperative's name as the statute gives it.
    pub fn name(&self) -> &Name {
        &self.cooperative.name
    }
    /// The object of the enterprise (Gegenstand des Unternehmens), as the statute words it.
    pub fn object(&self) -> &str {
        &self.cooperative.object
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
    /// Every exclusion ground the statute names (G68): its id and its text.
    pub fn exclusion_grounds(&self) -> impl Iterator<Item = (&str, &str)> {
        self.membership
            .exclusion_grounds
            .iter()
            .map(|(id, text)| (id.as_str(), text.as_str()))
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
mod tests;
