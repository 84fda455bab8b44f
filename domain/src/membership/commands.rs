//! The membership commands: what a decision of the membership is asked to do, with the
//! days of the facts and the day it is decided.

use super::*;

/// Grants a member multiple votes, or ends a grant with 1 (G43-3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantVotes {
    /// Votes, 1 to the statute's maximum.
    pub votes: u8,
    /// How the member especially furthers the business.
    pub reason: String,
    /// The day of the decision.
    pub granted_on: Date,
    /// Today.
    pub today: Date,
}

/// Files an application for membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Apply {
    /// A new application id.
    pub application: ApplicationId,
    /// The applicant's personal data, already stored outside the chain.
    pub person: PersonalRef,
    /// Kind of member.
    pub kind: MemberKind,
    /// Shares to subscribe.
    pub shares: u32,
    /// Declared yearly use of the facilities.
    pub declared_usage: Option<Money>,
    /// The day of the declaration.
    pub declared_on: Date,
    /// What the declaration acknowledges.
    pub acknowledged: Acknowledgements,
    /// Consent to the public listing.
    pub listed: bool,
    /// The day of the decision.
    pub today: Date,
}

/// Admits an applicant as member number `member` (the next free number).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admit {
    /// The member number the admission takes.
    pub member: MemberNo,
    /// The organ that decides (the statute names it, G15).
    pub by: Organ,
    /// The day of the admission.
    pub admitted_on: Date,
    /// The consent for an investing member (G8-2).
    pub investing_consent: Option<String>,
    /// The day of the decision.
    pub today: Date,
}

/// Rejects an application; its personal data is erased with it (G15).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reject {
    /// The organ that decides.
    pub by: Organ,
    /// Why.
    pub reason: String,
    /// The day of the rejection.
    pub rejected_on: Date,
    /// The day of the decision.
    pub today: Date,
}

/// Subscribes further shares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscribe {
    /// Further shares.
    pub shares: u32,
    /// The day.
    pub subscribed_on: Date,
    /// The day of the decision.
    pub today: Date,
}

/// Records a payment against a member's shares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordPayment {
    /// The amount.
    pub amount: Money,
    /// The day the money arrived.
    pub received_on: Date,
    /// The bank reference.
    pub reference: String,
    /// The day of the decision.
    pub today: Date,
}

/// Records a member's notice of resignation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resign {
    /// The day the notice arrived.
    pub declared_on: Date,
    /// Whether the notice came in text form (a letter, an e-mail, the member's own API call).
    pub in_text_form: bool,
    /// Whether it came in written form, signed by hand: needed where the statute asks it.
    pub in_writing: bool,
    /// An early exit in hardship (§ 65 (3) GenG): the member's sealed statement why staying
    /// to the end of the statute's notice period is unreasonable.
    pub hardship: Option<PersonalRef>,
    /// The day of the decision.
    pub today: Date,
}

/// Excludes a member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exclude {
    /// The statute's ground, by id.
    pub ground: String,
    /// The facts.
    pub reason: String,
    /// The day the notice was dispatched.
    pub dispatched_on: Date,
    /// The day of the decision.
    pub today: Date,
}

/// Records a member's death.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordDeath {
    /// The day of death.
    pub died_on: Date,
    /// The day of the decision.
    pub today: Date,
}

/// Transfers paid-in capital to another member (G76).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The amount; all of the giver's capital makes the giver leave.
    pub amount: Money,
    /// The day of the agreement.
    pub agreed_on: Date,
    /// Whether the agreement is in text form.
    pub in_text_form: bool,
    /// The day of the decision.
    pub today: Date,
}

/// Erases an exited member's personal data once the member list need no longer keep it (G30).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EraseRecord {
    /// The day of the decision.
    pub today: Date,
}

/// Records the payout of an exited member's capital.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaySettlement {
    /// The amount: the member's capital.
    pub amount: Money,
    /// The day of the payment.
    pub paid_on: Date,
    /// The day of the decision.
    pub today: Date,
}
