//! The events of the membership streams: what an application and a member went through.

use super::*;

/// `MembershipApplied`: someone declared, in text form, that they want to join.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipApplied {
    /// The application.
    pub application: ApplicationId,
    /// The applicant's personal data, outside the chain.
    pub person: PersonalRef,
    /// Kind of member.
    pub kind: MemberKind,
    /// Shares subscribed.
    pub shares: u32,
    /// The yearly use of the facilities the applicant declares, where the mandatory holding
    /// depends on it.
    pub declared_usage: Option<Money>,
    /// The day of the declaration.
    pub declared_on: Date,
    /// What the declaration acknowledges.
    pub acknowledged: Acknowledgements,
    /// Whether the applicant consents to being listed publicly (name, trade, region).
    pub listed: bool,
}

/// `ApplicationAccepted`: the application led to an admission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationAccepted {
    /// The application.
    pub application: ApplicationId,
    /// The new member's number.
    pub member: MemberNo,
    /// The organ that admitted.
    pub by: Organ,
    /// The day of the admission.
    pub accepted_on: Date,
    /// For an investing member, the consent of the assembly or supervisory board (G8-2): the
    /// reference of its resolution.
    pub investing_consent: Option<String>,
}

/// `ApplicationRejected`: the application was refused; its personal data was erased with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRejected {
    /// The application.
    pub application: ApplicationId,
    /// The organ that rejected.
    pub by: Organ,
    /// Why.
    pub reason: String,
    /// The day of the rejection.
    pub rejected_on: Date,
    /// The personal records erased with the rejection (G15): the applicant's. The chain says
    /// so, and `verify` holds every erased record to an event that names it. Absent in schema
    /// version 1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erased_records: Vec<RecordId>,
}

/// `MemberAdmitted`: someone became a member, with their first shares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberAdmitted {
    /// The new member's number.
    pub member: MemberNo,
    /// Name and address, outside the chain.
    pub person: PersonalRef,
    /// Kind of member.
    pub kind: MemberKind,
    /// Shares subscribed.
    pub shares: u32,
    /// The shares the statute's mandatory holding asks of this member (G7a).
    pub mandatory_shares: u32,
    /// The day the membership took effect.
    pub admitted_on: Date,
    /// True for the founders.
    pub founder: bool,
    /// The application, for members admitted after the founding.
    pub application: Option<ApplicationId>,
    /// Whether the member consents to being listed publicly.
    pub listed: bool,
    /// The minimum paid-in part of the shares, due by `paid_in_due_on` (G7).
    pub paid_in_due: Money,
    /// The day it is due.
    pub paid_in_due_on: Date,
}

/// `SharesSubscribed`: a member took further shares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharesSubscribed {
    /// The member.
    pub member: MemberNo,
    /// The further shares.
    pub shares: u32,
    /// The member's shares afterwards.
    pub total: u32,
    /// The day.
    pub subscribed_on: Date,
    /// The minimum paid-in part of the further shares, due by `paid_in_due_on`.
    pub paid_in_due: Money,
    /// The day it is due.
    pub paid_in_due_on: Date,
}

/// `PaymentReceived`: money paid in against the member's shares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentReceived {
    /// The member.
    pub member: MemberNo,
    /// The amount, positive.
    pub amount: Money,
    /// The day the money arrived.
    pub received_on: Date,
    /// The bank reference.
    pub reference: String,
}

/// `ResignationDeclared`: a member gave notice (G65).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResignationDeclared {
    /// The member.
    pub member: MemberNo,
    /// The day the notice in text form arrived.
    pub declared_on: Date,
    /// The last day of the membership: the end of a business year.
    pub effective_on: Date,
    /// An early exit in hardship (§ 65 (3) GenG): the member's statement why staying to the
    /// end of the statute's notice is unreasonable, a personal record beside the log (it is
    /// about the member's personal or economic circumstances). Absent in schema version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardship: Option<PersonalRef>,
}

/// `MemberExcluded`: the cooperative excluded a member on a ground of its statute (G68).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberExcluded {
    /// The member.
    pub member: MemberNo,
    /// The statute's ground, by id.
    pub ground: String,
    /// The facts.
    pub reason: String,
    /// The day the notice was dispatched: from then on the member may not attend the assembly
    /// or hold office.
    pub dispatched_on: Date,
    /// The last day of the membership: the end of the business year.
    pub effective_on: Date,
}

/// `MemberDied`: a member died; the heirs continue the membership to the end of the business
/// year (§ 77 GenG).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberDied {
    /// The member.
    pub member: MemberNo,
    /// The day of death.
    pub died_on: Date,
    /// The last day of the membership.
    pub effective_on: Date,
}

/// `CapitalTransferred`: a member transferred paid-in capital to another member (G76); written
/// to both members' streams.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapitalTransferred {
    /// Who gives.
    pub from: MemberNo,
    /// Who acquires.
    pub to: MemberNo,
    /// The amount.
    pub amount: Money,
    /// The day of the agreement in text form, on which it takes effect.
    pub agreed_on: Date,
    /// True when the transfer is of all the capital: the giver leaves on that day, without a
    /// settlement.
    pub from_exits: bool,
}

/// `SettlementPaid`: an exited member's capital was paid out (G73).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettlementPaid {
    /// The former member.
    pub member: MemberNo,
    /// The amount.
    pub amount: Money,
    /// The day of the payment.
    pub paid_on: Date,
}

/// `MemberRecordErased`: the legal period for keeping an exited member's entry ended (G30) and
/// their name and address were erased; the entry stays, without them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberRecordErased {
    /// The former member.
    pub member: MemberNo,
    /// The day of the erasure.
    pub erased_on: Date,
    /// The personal records erased (G30): the member's, and the statement of a hardship exit
    /// (G65). The chain says so, and `verify` holds every erased record to an event that
    /// names it. Absent in schema version 1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erased_records: Vec<RecordId>,
}

/// `VotesGranted`: the member holds this many votes in the general assembly from now on (G43-3:
/// the statute may grant up to three to members who especially further the business); 1 ends
/// a grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VotesGranted {
    /// The member.
    pub member: MemberNo,
    /// Votes, 1 to the statute's maximum.
    pub votes: u8,
    /// How the member especially furthers the business.
    pub reason: String,
    /// The day of the decision.
    pub granted_on: Date,
}
