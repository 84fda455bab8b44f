//! A member as their stream tells it: the [`Membership`] from admission to settlement, and
//! how it reads (rights, shares, capital, exit).

use super::*;

/// A member as their stream tells it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub(super) admitted: Option<Membership>,
}

/// A membership's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub(super) member: MemberNo,
    pub(super) person: PersonalRef,
    pub(super) kind: MemberKind,
    pub(super) admitted_on: Date,
    pub(super) founder: bool,
    pub(super) listed: bool,
    pub(super) shares: u32,
    pub(super) mandatory_shares: u32,
    pub(super) paid_in: Money,
    pub(super) dues: Vec<(Date, Money)>,
    pub(super) exit: Option<Exit>,
    pub(super) rights_lost_on: Option<Date>,
    pub(super) settlement: Option<(Date, Money)>,
    /// The day the personal data was erased after the retention period (G30).
    #[serde(default)]
    pub(super) record_erased_on: Option<Date>,
    /// Votes in the general assembly (G43-3): 1 unless granted more.
    #[serde(default = "one_vote")]
    pub(super) votes: u8,
    /// The statement of a hardship exit (G65), a personal record erased with the member's.
    #[serde(default)]
    pub(super) hardship_statement: Option<PersonalRef>,
    /// The people who act for the member, with their capacity.
    #[serde(default)]
    pub(super) representatives: BTreeMap<PersonId, Capacity>,
}

pub(super) fn one_vote() -> u8 {
    1
}

/// How and when a membership ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exit {
    /// Why.
    pub cause: ExitCause,
    /// The day the way out was taken: notice received, dispatched, death, agreement.
    pub declared_on: Date,
    /// The last day of the membership.
    pub effective_on: Date,
}

/// Why a membership ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "kebab-case")]
pub enum ExitCause {
    /// Notice given (G65).
    Resignation,
    /// Excluded on a statute ground (G68).
    Exclusion {
        /// The ground's id.
        ground: String,
    },
    /// Death (§ 77 GenG).
    Death,
    /// All capital transferred to another member (G76).
    Transfer {
        /// The acquirer.
        to: MemberNo,
    },
}

impl ExitCause {
    /// The cause's name on the wire.
    pub fn as_str(&self) -> &'static str {
        match self {
            ExitCause::Resignation => "resignation",
            ExitCause::Exclusion { .. } => "exclusion",
            ExitCause::Death => "death",
            ExitCause::Transfer { .. } => "transfer",
        }
    }
}

impl Membership {
    /// The member number.
    pub fn member(&self) -> MemberNo {
        self.member
    }
    /// Where the personal data is.
    pub fn person(&self) -> &PersonalRef {
        &self.person
    }
    /// Where the personal data is, unless it was erased (G30).
    pub fn person_present(&self) -> Option<&PersonalRef> {
        self.record_erased_on.is_none().then_some(&self.person)
    }
    /// Kind of member.
    pub fn kind(&self) -> &MemberKind {
        &self.kind
    }
    /// The day of admission.
    pub fn admitted_on(&self) -> Date {
        self.admitted_on
    }
    /// Whether a founder.
    pub fn is_founder(&self) -> bool {
        self.founder
    }
    /// Whether listed publicly.
    pub fn is_listed(&self) -> bool {
        self.listed
    }
    /// Shares subscribed.
    pub fn shares(&self) -> u32 {
        self.shares
    }
    /// Shares the mandatory holding asks.
    pub fn mandatory_shares(&self) -> u32 {
        self.mandatory_shares
    }
    /// The paid-in capital (Geschäftsguthaben).
    pub fn paid_in(&self) -> Money {
        self.paid_in
    }
    /// The minimum paid-in parts, each with its due day: one for the admission and one for
    /// each further subscription.
    pub fn dues(&self) -> &[(Date, Money)] {
        &self.dues
    }
    /// The exit, once recorded.
    pub fn exit(&self) -> Option<&Exit> {
        self.exit.as_ref()
    }
    /// The day the rights to attend and hold office were lost (G68), if they were.
    pub fn rights_lost_on(&self) -> Option<Date> {
        self.rights_lost_on
    }
    /// The settlement's payment, if made.
    pub fn settlement(&self) -> Option<(Date, Money)> {
        self.settlement
    }
    /// A member on `day`: admitted, and not past the exit.
    pub fn is_member_on(&self, day: Date) -> bool {
        self.admitted_on <= day && self.exit.as_ref().is_none_or(|e| day <= e.effective_on)
    }
    /// The statement of a hardship exit (G65), a personal record beside the log.
    pub fn hardship_statement(&self) -> Option<&PersonalRef> {
        self.hardship_statement.as_ref()
    }
    /// Votes in the general assembly as granted (G43-3); the electorate caps them by the
    /// statute and the motion.
    pub fn votes(&self) -> u8 {
        self.votes
    }
    /// A member on `day` who may vote, grant a proxy, attend the assembly and hold office.
    /// What a member on the way out may do, in one place:
    /// - under notice (G65), or dead with the heirs continuing to the year's end: every right
    ///   until the day the rights were lost — for a resignation the exit date itself;
    /// - excluded (G68): no assembly and no office from the dispatch of the notice, though a
    ///   member to the end of the business year;
    /// - all capital transferred (G76): the membership ends that day, and with it every right
    ///   from that day on.
    pub fn has_rights_on(&self, day: Date) -> bool {
        self.is_member_on(day) && self.rights_lost_on.is_none_or(|lost| day < lost)
    }
    /// The minimum paid-in parts due by `day` and not paid: the arrears. None once the
    /// membership has ended, or all the capital went to another member (G76).
    pub fn arrears_on(&self, day: Date) -> Money {
        if self
            .exit
            .as_ref()
            .is_some_and(|e| e.effective_on < day || matches!(e.cause, ExitCause::Transfer { .. }))
        {
            return Money::ZERO;
        }
        let due = self
            .dues
            .iter()
            .filter(|(due_on, _)| *due_on <= day)
            .fold(Money::ZERO, |sum, (_, amount)| {
                sum.checked_add(*amount).unwrap_or(sum)
            });
        match due.checked_sub(self.paid_in) {
            Some(arrears) if arrears.is_positive() => arrears,
            _ => Money::ZERO,
        }
    }
    /// The settlement's deadline (G73), once the exit is recorded and there is capital to pay.
    pub fn settlement_due_on(&self) -> Option<Date> {
        let exit = self.exit.as_ref()?;
        if matches!(exit.cause, ExitCause::Transfer { .. }) || !self.paid_in.is_positive() {
            return None;
        }
        settlement_due(exit.effective_on).ok()
    }
    /// The day the personal data was erased after the retention period (G30), if it was.
    pub fn record_erased_on(&self) -> Option<Date> {
        self.record_erased_on
    }
    /// Whether the personal data may be erased on `day`: not erased yet, the retention period
    /// (G30) over, and no settlement still owed (G73: the payee must stay known). The refusal
    /// names the rule that keeps the data.
    pub fn erasure_on(&self, day: Date) -> Result<(), DomainError> {
        if self.record_erased_on.is_some() {
            return Err(DomainError::conflict(
                "record-erased",
                format!(
                    "the personal data of member {} was erased already",
                    self.member
                ),
            ));
        }
        let Some(until) = self.retained_until() else {
            return Err(DomainError::rule(
                Rule::G30,
                "record-retained",
                format!(
                    "member {} has not left: the member list keeps their entry",
                    self.member
                ),
            ));
        };
        if day <= until {
            return Err(DomainError::rule(
                Rule::G30,
                "record-retained",
                format!(
                    "the member list keeps the entry of member {} until {until}",
                    self.member
                ),
            ));
        }
        if self.settlement_due_on().is_some() && self.settlement.is_none() {
            return Err(DomainError::rule(
                Rule::G73,
                "settlement-open",
                format!(
                    "the settlement of member {} is not paid; their data stays until it is",
                    self.member
                ),
            ));
        }
        Ok(())
    }
    /// The last day the member list must keep this record (G30), once exited.
    pub fn retained_until(&self) -> Option<Date> {
        let exit = self.exit.as_ref()?;
        record_retained_until(exit.effective_on).ok()
    }
}
