//! Membership: applications, admission and rejection, shares and payments, and the ways out —
//! resignation, exclusion, death, transfer of the paid-in capital — with the settlement after
//! the exit.
//!
//! Two aggregates, each one stream: an [`Application`] (`application-ID`), from the declaration
//! to its admission or rejection, and a [`Member`] (`member-N`), from the admission to the
//! settlement. Admitting writes both at once, so an application is admitted at most once and a
//! member number is taken at most once.
//!
//! Dates are those of the facts (the day a declaration was made, a notice dispatched, a payment
//! received); a command names them, and the day it is decided (`today`), so that nothing is
//! recorded for the future. A membership lasts from the day of admission to the end of the day
//! of exit; the exit's day is fixed when the way out is recorded.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::RecordId;
use crate::ids::short_text;
use crate::{
    ApplicationId, Change, Cooperative, DomainError, Event, MemberNo, Money, Office, Organ,
    PersonalRef, Rule, Statute, Stream, record_retained_until, settlement_due,
};

/// What kind of member someone is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum MemberKind {
    /// A natural person.
    NaturalPerson,
    /// A firm (a craft business, a small enterprise).
    Firm {
        /// The trade, e.g. "Schreinerei" (joinery).
        trade: String,
        /// The region it works in.
        region: String,
        /// People employed, the firm's size.
        employees: u32,
    },
    /// An investing member, who does not use the cooperative's services (G8-2).
    Investing,
}

impl MemberKind {
    /// The kind as stored: a firm's trade and region checked as texts a person reads (one
    /// line each, at most 100 characters) and normalized.
    pub fn validated(self) -> Result<Self, DomainError> {
        Ok(match self {
            MemberKind::Firm {
                trade,
                region,
                employees,
            } => MemberKind::Firm {
                trade: short_text(&trade, 100, "trade").map_err(|e| e.within("kind.trade"))?,
                region: short_text(&region, 100, "region").map_err(|e| e.within("kind.region"))?,
                employees,
            },
            other => other,
        })
    }

    /// A firm's employees.
    pub fn employees(&self) -> Option<u32> {
        match self {
            MemberKind::Firm { employees, .. } => Some(*employees),
            _ => None,
        }
    }

    /// True for an investing member.
    pub fn is_investing(&self) -> bool {
        matches!(self, MemberKind::Investing)
    }

    /// True for an entrepreneur (§ 14 BGB): a firm, whatever its legal form. What makes a
    /// cooperative an entrepreneurs' one (G43-3, G65).
    pub fn is_entrepreneur(&self) -> bool {
        matches!(self, MemberKind::Firm { .. })
    }
}

/// What the declaration of membership acknowledges (G15a). The duty to pay for the subscribed
/// shares always; additional contributions and a notice period over one year where the statute
/// has them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgements {
    /// The duty to pay in the subscribed shares.
    pub pays_for_shares: bool,
    /// The duty to make additional contributions (Nachschüsse) in an insolvency.
    #[serde(default)]
    pub additional_contributions: bool,
    /// A notice period of more than one year.
    #[serde(default)]
    pub notice_period: bool,
}

// ---------------------------------------------------------------------------------------------
// Events

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

// ---------------------------------------------------------------------------------------------
// Commands

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

// ---------------------------------------------------------------------------------------------
// The application

/// An application as its stream tells it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    filed: Option<Filed>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Filed {
    applied: MembershipApplied,
    decided: Option<Decided>,
}

/// How an application was decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Decided {
    /// Admitted as this member.
    Admitted {
        /// The member number.
        member: MemberNo,
        /// The day.
        on: Date,
    },
    /// Rejected.
    Rejected {
        /// The day.
        on: Date,
    },
}

impl Application {
    /// Folds one event of the application's stream in.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::MembershipApplied(e) => {
                self.filed = Some(Filed {
                    applied: e.clone(),
                    decided: None,
                });
            }
            Event::ApplicationAccepted(e) => {
                if let Some(filed) = &mut self.filed {
                    filed.decided = Some(Decided::Admitted {
                        member: e.member,
                        on: e.accepted_on,
                    });
                }
            }
            Event::ApplicationRejected(e) => {
                if let Some(filed) = &mut self.filed {
                    filed.decided = Some(Decided::Rejected { on: e.rejected_on });
                }
            }
            _ => {}
        }
    }

    /// The declaration, once filed.
    pub fn applied(&self) -> Option<&MembershipApplied> {
        self.filed.as_ref().map(|f| &f.applied)
    }

    /// Where the applicant's personal data is, unless the rejection erased it (G15).
    pub fn person_present(&self) -> Option<&PersonalRef> {
        let filed = self.filed.as_ref()?;
        (!matches!(filed.decided, Some(Decided::Rejected { .. }))).then_some(&filed.applied.person)
    }

    /// The decision, once taken.
    pub fn decided(&self) -> Option<&Decided> {
        self.filed.as_ref().and_then(|f| f.decided.as_ref())
    }

    /// Decides filing the application: the declaration must acknowledge what G15a asks, and
    /// the shares must lie between the mandatory holding and the maximum (G7a).
    pub fn file(&self, coop: &Cooperative, command: Apply) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        if self.filed.is_some() {
            return Err(DomainError::conflict(
                "application-exists",
                format!("an application {} exists already", command.application),
            ));
        }
        coop.check_day(command.declared_on, command.today, "declared_on")?;
        let kind = command.kind.clone().validated()?;
        let ack = command.acknowledged;
        if !ack.pays_for_shares {
            return Err(DomainError::rule(
                Rule::G15a,
                "declaration-incomplete",
                "the declaration must acknowledge the duty to pay for the subscribed shares",
            )
            .at("acknowledged.pays_for_shares"));
        }
        if statute.has_additional_contributions() && !ack.additional_contributions {
            return Err(DomainError::rule(
                Rule::G15a,
                "declaration-incomplete",
                "the statute provides additional contributions (Nachschüsse); the declaration must acknowledge them explicitly",
            )
            .at("acknowledged.additional_contributions"));
        }
        if statute.notice_period_months() > 12 && !ack.notice_period {
            return Err(DomainError::rule(
                Rule::G15a,
                "declaration-incomplete",
                format!(
                    "the statute's notice period is {} months, more than one year; the declaration must acknowledge it explicitly",
                    statute.notice_period_months()
                ),
            )
            .at("acknowledged.notice_period"));
        }
        if kind.is_investing() && statute.investing_consent_by().is_none() {
            return Err(DomainError::rule(
                Rule::G8_2,
                "investing-members-not-admitted",
                "the statute does not admit investing members",
            )
            .at("kind"));
        }
        if matches!(
            statute.mandatory_holding(),
            Some(crate::MandatoryHolding::Usage { .. })
        ) && command.declared_usage.is_none()
        {
            return Err(DomainError::invalid(
                "declared-usage-missing",
                "declared_usage",
                "the statute scales the mandatory holding by use of the facilities: declare the expected yearly use",
            ));
        }
        check_shares(
            statute,
            command.shares,
            mandatory_shares(statute, &kind, command.declared_usage),
        )?;
        Ok(vec![Change::new(
            Stream::Application(command.application.clone()),
            MembershipApplied {
                application: command.application,
                person: command.person,
                kind,
                shares: command.shares,
                declared_usage: command.declared_usage,
                declared_on: command.declared_on,
                acknowledged: ack,
                listed: command.listed,
            },
        )])
    }

    /// Decides the admission by the organ the statute names (G15). `members` is the number of
    /// members before it: above 20, the organs must have the size G9-24 asks.
    pub fn admit(
        &self,
        coop: &Cooperative,
        members: usize,
        command: Admit,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        let applied = self.undecided()?;
        check_organ(statute, command.by)?;
        coop.check_day(command.admitted_on, command.today, "admitted_on")?;
        if command.admitted_on < applied.declared_on {
            return Err(DomainError::invalid(
                "date-before-declaration",
                "admitted_on",
                "an admission cannot precede the declaration",
            ));
        }
        if applied.kind.is_investing() {
            let Some(consent_by) = statute.investing_consent_by() else {
                return Err(DomainError::rule(
                    Rule::G8_2,
                    "investing-members-not-admitted",
                    "the statute does not admit investing members",
                ));
            };
            let consent = command.investing_consent.as_deref().unwrap_or("");
            if consent.trim().is_empty() {
                return Err(DomainError::rule(
                    Rule::G8_2,
                    "investing-consent-missing",
                    format!(
                        "an investing member is admitted only with the consent of the {}; name its resolution",
                        consent_by.as_str().replace('-', " ")
                    ),
                )
                .at("investing_consent"));
            }
        }
        let after = members.saturating_add(1);
        statute.check_for_members(after)?;
        if after > crate::statute::SMALL_COOPERATIVE_MEMBERS_MAX {
            for office in [Office::Board, Office::SupervisoryBoard] {
                let minimum = statute.organ_minimum(office, after);
                let staying = coop.staying(office).count();
                if staying < minimum {
                    return Err(DomainError::rule(
                        Rule::G9_24,
                        "organs-too-small-for-members",
                        format!(
                            "with {after} members the {} needs at least {minimum} persons and has {staying}; appoint them before admitting",
                            office.as_str().replace('-', " ")
                        ),
                    ));
                }
            }
        }
        let mandatory = mandatory_shares(statute, &applied.kind, applied.declared_usage);
        check_shares(statute, applied.shares, mandatory)?;
        let (paid_in_due, paid_in_due_on) =
            minimum_due(statute, applied.shares, command.admitted_on)?;
        let consent = command
            .investing_consent
            .filter(|_| applied.kind.is_investing())
            .map(|text| {
                short_text(&text, 500, "consent").map_err(|e| e.within("investing_consent"))
            })
            .transpose()?;
        Ok(vec![
            Change::new(
                Stream::Application(applied.application.clone()),
                ApplicationAccepted {
                    application: applied.application.clone(),
                    member: command.member,
                    by: command.by,
                    accepted_on: command.admitted_on,
                    investing_consent: consent,
                },
            ),
            Change::new(
                Stream::Member(command.member),
                MemberAdmitted {
                    member: command.member,
                    person: applied.person.clone(),
                    kind: applied.kind.clone(),
                    shares: applied.shares,
                    mandatory_shares: mandatory,
                    admitted_on: command.admitted_on,
                    founder: false,
                    application: Some(applied.application.clone()),
                    listed: applied.listed,
                    paid_in_due,
                    paid_in_due_on,
                },
            ),
        ])
    }

    /// Decides the rejection (G15). The caller erases the application's personal data in the
    /// same commit.
    pub fn reject(&self, coop: &Cooperative, command: Reject) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        let applied = self.undecided()?;
        check_organ(statute, command.by)?;
        coop.check_day(command.rejected_on, command.today, "rejected_on")?;
        let reason =
            short_text(&command.reason, 1_000, "reason").map_err(|e| e.within("reason"))?;
        Ok(vec![Change::new(
            Stream::Application(applied.application.clone()),
            ApplicationRejected {
                application: applied.application.clone(),
                by: command.by,
                reason,
                rejected_on: command.rejected_on,
                erased_records: vec![applied.person.record.clone()],
            },
        )])
    }

    fn undecided(&self) -> Result<&MembershipApplied, DomainError> {
        let Some(filed) = &self.filed else {
            return Err(DomainError::not_found(
                "application-not-found",
                "there is no such application",
            ));
        };
        match filed.decided {
            None => Ok(&filed.applied),
            Some(Decided::Admitted { member, .. }) => Err(DomainError::conflict(
                "application-decided",
                format!("the application was admitted already, as member {member}"),
            )),
            Some(Decided::Rejected { .. }) => Err(DomainError::conflict(
                "application-decided",
                "the application was rejected already",
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The member

/// A member as their stream tells it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    admitted: Option<Membership>,
}

/// A membership's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    member: MemberNo,
    person: PersonalRef,
    kind: MemberKind,
    admitted_on: Date,
    founder: bool,
    listed: bool,
    shares: u32,
    mandatory_shares: u32,
    paid_in: Money,
    dues: Vec<(Date, Money)>,
    exit: Option<Exit>,
    rights_lost_on: Option<Date>,
    settlement: Option<(Date, Money)>,
    /// The day the personal data was erased after the retention period (G30).
    #[serde(default)]
    record_erased_on: Option<Date>,
    /// Votes in the general assembly (G43-3): 1 unless granted more.
    #[serde(default = "one_vote")]
    votes: u8,
    /// The statement of a hardship exit (G65), a personal record erased with the member's.
    #[serde(default)]
    hardship_statement: Option<PersonalRef>,
}

fn one_vote() -> u8 {
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

impl Member {
    /// Folds one event of the member's stream in. Never fails: the log is the truth.
    pub fn apply(&mut self, event: &Event) {
        if let Event::MemberAdmitted(e) = event {
            self.admitted = Some(Membership {
                member: e.member,
                person: e.person.clone(),
                kind: e.kind.clone(),
                admitted_on: e.admitted_on,
                founder: e.founder,
                listed: e.listed,
                shares: e.shares,
                mandatory_shares: e.mandatory_shares,
                paid_in: Money::ZERO,
                dues: vec![(e.paid_in_due_on, e.paid_in_due)],
                exit: None,
                rights_lost_on: None,
                settlement: None,
                record_erased_on: None,
                votes: 1,
                hardship_statement: None,
            });
            return;
        }
        if let Event::MemberMovedIn(e) = event {
            self.admitted = Some(Membership {
                member: e.member,
                person: e.person.clone(),
                kind: e.kind.clone(),
                admitted_on: e.admitted_on,
                founder: false,
                listed: e.listed,
                shares: e.shares,
                mandatory_shares: e.mandatory_shares,
                paid_in: e.paid_in,
                // What was due before the go-live was settled in the books kept so far.
                dues: Vec::new(),
                exit: e.notice.map(|notice| Exit {
                    cause: ExitCause::Resignation,
                    declared_on: notice.declared_on,
                    effective_on: notice.effective_on,
                }),
                rights_lost_on: None,
                settlement: None,
                record_erased_on: None,
                votes: 1,
                hardship_statement: None,
            });
            return;
        }
        let Some(m) = &mut self.admitted else {
            return;
        };
        match event {
            Event::SharesSubscribed(e) => {
                m.shares = e.total;
                m.dues.push((e.paid_in_due_on, e.paid_in_due));
            }
            Event::PaymentReceived(e) => {
                m.paid_in = m.paid_in.checked_add(e.amount).unwrap_or(m.paid_in);
            }
            Event::VotesGranted(e) => m.votes = e.votes,
            Event::ResignationDeclared(e) => {
                m.exit = Some(Exit {
                    cause: ExitCause::Resignation,
                    declared_on: e.declared_on,
                    effective_on: e.effective_on,
                });
                if e.hardship.is_some() {
                    m.hardship_statement = e.hardship.clone();
                }
            }
            Event::MemberExcluded(e) => {
                m.exit = Some(Exit {
                    cause: ExitCause::Exclusion {
                        ground: e.ground.clone(),
                    },
                    declared_on: e.dispatched_on,
                    effective_on: e.effective_on,
                });
                m.rights_lost_on = Some(e.dispatched_on);
            }
            Event::MemberDied(e) => {
                m.exit = Some(Exit {
                    cause: ExitCause::Death,
                    declared_on: e.died_on,
                    effective_on: e.effective_on,
                });
                // An exclusion took the rights earlier: a later death does not give them back.
                m.rights_lost_on = Some(m.rights_lost_on.map_or(e.died_on, |d| d.min(e.died_on)));
            }
            Event::CapitalTransferred(e) if e.from == m.member => {
                m.paid_in = m.paid_in.checked_sub(e.amount).unwrap_or(m.paid_in);
                if e.from_exits {
                    m.exit = Some(Exit {
                        cause: ExitCause::Transfer { to: e.to },
                        declared_on: e.agreed_on,
                        effective_on: e.agreed_on,
                    });
                    // The membership ends that day: no right is exercised after it (G76).
                    m.rights_lost_on =
                        Some(m.rights_lost_on.map_or(e.agreed_on, |d| d.min(e.agreed_on)));
                }
            }
            Event::CapitalTransferred(e) if e.to == m.member => {
                m.paid_in = m.paid_in.checked_add(e.amount).unwrap_or(m.paid_in);
            }
            Event::SettlementPaid(e) => m.settlement = Some((e.paid_on, e.amount)),
            // A share of profit credited to unpaid shares (G19) is paid-in capital. (The
            // event is on the books' stream; whoever folds members hands it to each member
            // it credits.)
            Event::ProfitDistributed(e) => {
                if let Some(part) = e.parts.iter().find(|p| p.member == m.member) {
                    m.paid_in = m.paid_in.checked_add(part.credited).unwrap_or(m.paid_in);
                }
            }
            Event::MemberRecordErased(e) => m.record_erased_on = Some(e.erased_on),
            _ => {}
        }
    }

    /// The membership, once admitted.
    pub fn membership(&self) -> Option<&Membership> {
        self.admitted.as_ref()
    }

    fn admitted(&self) -> Result<&Membership, DomainError> {
        self.admitted
            .as_ref()
            .ok_or_else(|| DomainError::not_found("member-not-found", "there is no such member"))
    }

    /// A member on `day` with no exit recorded: who may subscribe, resign, be excluded.
    fn staying_on(&self, day: Date, field: &str) -> Result<&Membership, DomainError> {
        let m = self.admitted()?;
        if day < m.admitted_on {
            return Err(DomainError::invalid(
                "date-before-admission",
                field,
                format!("member {} was admitted on {}", m.member, m.admitted_on),
            ));
        }
        if let Some(exit) = &m.exit {
            return Err(DomainError::conflict(
                "member-leaving",
                format!(
                    "member {} leaves on {} ({}); nothing more can be decided about staying",
                    m.member,
                    exit.effective_on,
                    exit.cause.as_str()
                ),
            ));
        }
        Ok(m)
    }

    /// Decides subscribing further shares: at most the statute's maximum in all (G7a), and only
    /// when all earlier shares are fully paid except the newest and the mandatory ones (G15b).
    /// The money paid in counts toward the voluntary shares first.
    pub fn subscribe(
        &self,
        coop: &Cooperative,
        command: Subscribe,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        coop.check_day(command.subscribed_on, command.today, "subscribed_on")?;
        let m = self.staying_on(command.subscribed_on, "subscribed_on")?;
        if command.shares == 0 {
            return Err(DomainError::invalid(
                "shares-zero",
                "shares",
                "subscribe at least one share",
            ));
        }
        let total = m.shares.saturating_add(command.shares);
        if total > statute.max_shares_per_member() {
            return Err(DomainError::rule(
                Rule::G7a,
                "shares-above-maximum",
                format!(
                    "a member holds at most {} shares; member {} holds {} and asks for {} more",
                    statute.max_shares_per_member(),
                    m.member,
                    m.shares,
                    command.shares
                ),
            )
            .at("shares"));
        }
        let must_be_full = m
            .shares
            .saturating_sub(m.mandatory_shares)
            .saturating_sub(1);
        let required = statute
            .share_amount()
            .checked_mul(must_be_full)
            .ok_or_else(overflow)?;
        if m.paid_in < required {
            return Err(DomainError::rule(
                Rule::G15b,
                "earlier-shares-not-paid",
                format!(
                    "further shares only when the earlier ones are fully paid (but the newest and the mandatory ones): {required} are to be paid in, {} are",
                    m.paid_in
                ),
            )
            .at("shares"));
        }
        let (paid_in_due, paid_in_due_on) =
            minimum_due(statute, command.shares, command.subscribed_on)?;
        Ok(vec![Change::new(
            Stream::Member(m.member),
            SharesSubscribed {
                member: m.member,
                shares: command.shares,
                total,
                subscribed_on: command.subscribed_on,
                paid_in_due,
                paid_in_due_on,
            },
        )])
    }

    /// Decides recording a payment: positive, by a member who has not left, and never more
    /// than the subscribed shares are worth.
    pub fn record_payment(
        &self,
        coop: &Cooperative,
        command: RecordPayment,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        coop.check_day(command.received_on, command.today, "received_on")?;
        let m = self.admitted()?;
        if !m.is_member_on(command.received_on) {
            return Err(DomainError::conflict(
                "not-a-member-on-that-day",
                format!(
                    "member {} was not a member on {}",
                    m.member, command.received_on
                ),
            )
            .at("received_on"));
        }
        if !command.amount.is_positive() {
            return Err(DomainError::invalid(
                "amount-not-positive",
                "amount",
                "a payment is above zero",
            ));
        }
        let reference =
            short_text(&command.reference, 140, "reference").map_err(|e| e.within("reference"))?;
        let subscribed = statute
            .share_amount()
            .checked_mul(m.shares)
            .ok_or_else(overflow)?;
        let after = m.paid_in.checked_add(command.amount).ok_or_else(overflow)?;
        if after > subscribed {
            return Err(DomainError::conflict(
                "payment-exceeds-subscribed",
                format!(
                    "member {} subscribed {} shares worth {subscribed} and paid in {}; {} more would exceed them",
                    m.member, m.shares, m.paid_in, command.amount
                ),
            )
            .at("amount"));
        }
        Ok(vec![Change::new(
            Stream::Member(m.member),
            PaymentReceived {
                member: m.member,
                amount: command.amount,
                received_on: command.received_on,
                reference,
            },
        )])
    }

    /// Decides a resignation (G65, § 65 GenG): in text form, or in writing where the statute
    /// asks it, to the end of the first business year that the member's notice period
    /// reaches — the entrepreneur members' longer one where the statute sets it. Where that
    /// period is above two years, a member of at least one full business year may leave
    /// early in hardship, with three months' notice to the end of a business year; such a
    /// notice may come after an ordinary one and bring its exit forward.
    pub fn resign(&self, coop: &Cooperative, command: Resign) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        coop.check_day(command.declared_on, command.today, "declared_on")?;
        let m = match (
            &command.hardship,
            self.staying_on(command.declared_on, "declared_on"),
        ) {
            (_, Ok(m)) => m,
            // A hardship exit may overtake an ordinary notice still running.
            (Some(_), Err(_))
                if self.admitted().is_ok_and(|m| {
                    m.exit.as_ref().is_some_and(|exit| {
                        exit.cause == ExitCause::Resignation
                            && exit.effective_on > command.declared_on
                    }) && m.admitted_on <= command.declared_on
                }) =>
            {
                self.admitted()?
            }
            (_, Err(e)) => return Err(e),
        };
        if !command.in_text_form && !command.in_writing {
            return Err(DomainError::rule(
                Rule::G65,
                "resignation-not-in-text-form",
                "a resignation must be declared in text form (a letter, an e-mail)",
            )
            .at("in_text_form"));
        }
        if statute.resignation_in_writing() && !command.in_writing {
            return Err(DomainError::rule(
                Rule::G65,
                "resignation-not-in-writing",
                "the statute asks a resignation in written form: a letter signed by hand",
            )
            .at("in_writing"));
        }
        let year = statute.business_year();
        let notice = statute.notice_period_months_for(m.kind.is_entrepreneur());
        let effective_on = match &command.hardship {
            None => year.resignation_effective(command.declared_on, notice)?,
            Some(_) => {
                if notice <= crate::statute::HARDSHIP_NOTICE_MONTHS_ABOVE {
                    return Err(DomainError::rule(
                        Rule::G65,
                        "hardship-exit-not-available",
                        format!(
                            "an early exit in hardship is open only where the statute's notice period is above two years; member {}'s is {notice} months",
                            m.member
                        ),
                    )
                    .at("hardship"));
                }
                // At least one full business year: the one before the declaration's began on
                // or after the admission.
                let full_year_from = year
                    .start_containing(command.declared_on)
                    .checked_sub(jiff::ToSpan::year(1))
                    .map_err(|_| {
                        DomainError::invalid(
                            "date-out-of-range",
                            "declared_on",
                            "before the dates this system keeps",
                        )
                    })?;
                if m.admitted_on > full_year_from {
                    return Err(DomainError::rule(
                        Rule::G65,
                        "hardship-exit-too-early",
                        format!(
                            "an early exit in hardship needs a membership of at least one full business year; member {} was admitted on {}",
                            m.member, m.admitted_on
                        ),
                    )
                    .at("hardship"));
                }
                let early = year.resignation_effective(command.declared_on, 3)?;
                let ordinary = year.resignation_effective(command.declared_on, notice)?;
                let running = m
                    .exit
                    .as_ref()
                    .map_or(ordinary, |exit| exit.effective_on.min(ordinary));
                if early >= running {
                    return Err(DomainError::conflict(
                        "hardship-exit-not-earlier",
                        format!(
                            "member {} leaves on {running} already; an exit in hardship would not come earlier",
                            m.member
                        ),
                    ));
                }
                early
            }
        };
        let mut changes = vec![Change::new(
            Stream::Member(m.member),
            ResignationDeclared {
                member: m.member,
                declared_on: command.declared_on,
                effective_on,
                hardship: command.hardship,
            },
        )];
        // Officers are members (G9-24): the offices end with the membership.
        let first_day_out = effective_on.tomorrow().map_err(|_| {
            DomainError::invalid(
                "date-out-of-range",
                "declared_on",
                "the exit lies beyond the calendar",
            )
        })?;
        changes.extend(coop.vacate(m.member, first_day_out, "resigned (G65)"));
        Ok(changes)
    }

    /// Decides an exclusion (G68): only on a ground the statute names, to the end of the
    /// business year; the member loses their offices from the dispatch of the notice.
    pub fn exclude(
        &self,
        coop: &Cooperative,
        command: Exclude,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        coop.check_day(command.dispatched_on, command.today, "dispatched_on")?;
        let m = self.staying_on(command.dispatched_on, "dispatched_on")?;
        if statute.exclusion_ground(&command.ground).is_none() {
            return Err(DomainError::rule(
                Rule::G68,
                "exclusion-ground-not-in-statute",
                format!(
                    "the statute names no exclusion ground {:?}; a member is excluded only on a ground of the statute",
                    command.ground
                ),
            )
            .at("ground"));
        }
        let reason =
            short_text(&command.reason, 1_000, "reason").map_err(|e| e.within("reason"))?;
        let effective_on = statute
            .business_year()
            .end_containing(command.dispatched_on)?;
        let mut changes = vec![Change::new(
            Stream::Member(m.member),
            MemberExcluded {
                member: m.member,
                ground: command.ground,
                reason,
                dispatched_on: command.dispatched_on,
                effective_on,
            },
        )];
        changes.extend(coop.vacate(m.member, command.dispatched_on, "excluded (G68)"));
        Ok(changes)
    }

    /// Records a death: the heirs continue the membership to the end of the business year
    /// (§ 77 GenG); the offices end at once.
    pub fn record_death(
        &self,
        coop: &Cooperative,
        command: RecordDeath,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        coop.check_day(command.died_on, command.today, "died_on")?;
        let m = self.admitted()?;
        if !m.is_member_on(command.died_on) {
            return Err(DomainError::conflict(
                "not-a-member-on-that-day",
                format!(
                    "member {} was not a member on {}",
                    m.member, command.died_on
                ),
            )
            .at("died_on"));
        }
        if matches!(
            m.exit.as_ref().map(|e| &e.cause),
            Some(ExitCause::Death | ExitCause::Transfer { .. })
        ) {
            return Err(DomainError::conflict(
                "member-leaving",
                format!("member {} has left already", m.member),
            ));
        }
        // A death before a resignation's or exclusion's day ends the membership no later.
        let year_end = statute.business_year().end_containing(command.died_on)?;
        let effective_on = m
            .exit
            .as_ref()
            .map_or(year_end, |e| e.effective_on.min(year_end));
        let mut changes = vec![Change::new(
            Stream::Member(m.member),
            MemberDied {
                member: m.member,
                died_on: command.died_on,
                effective_on,
            },
        )];
        changes.extend(coop.vacate(m.member, command.died_on, "died"));
        Ok(changes)
    }

    /// Decides the payout of an exited member's capital (G73): after the exit, the whole
    /// capital, once. (The share of a loss the balance sheet may deduct comes with the books.)
    pub fn pay_settlement(&self, command: PaySettlement) -> Result<Vec<Change>, DomainError> {
        // After the exit, and so within the cooperative's history (D1).
        crate::calendar::check_day(None, command.paid_on, command.today, "paid_on")?;
        let m = self.admitted()?;
        let Some(exit) = &m.exit else {
            return Err(DomainError::rule(
                Rule::G22,
                "capital-locked-during-membership",
                format!(
                    "member {} has not left: the paid-in capital is not paid out during membership",
                    m.member
                ),
            ));
        };
        if command.paid_on <= exit.effective_on {
            return Err(DomainError::rule(
                Rule::G22,
                "capital-locked-during-membership",
                format!(
                    "member {} is a member until {}: the settlement is paid after the exit",
                    m.member, exit.effective_on
                ),
            )
            .at("paid_on"));
        }
        if m.settlement.is_some() {
            return Err(DomainError::conflict(
                "settlement-paid",
                format!("the settlement of member {} was paid already", m.member),
            ));
        }
        if !m.paid_in.is_positive() {
            return Err(DomainError::conflict(
                "nothing-to-settle",
                format!("member {} has no capital to pay out", m.member),
            ));
        }
        if command.amount != m.paid_in {
            return Err(DomainError::rule(
                Rule::G73,
                "settlement-amount-wrong",
                format!(
                    "the settlement of member {} is their capital of {}, not {}",
                    m.member, m.paid_in, command.amount
                ),
            )
            .at("amount"));
        }
        Ok(vec![Change::new(
            Stream::Member(m.member),
            SettlementPaid {
                member: m.member,
                amount: command.amount,
                paid_on: command.paid_on,
            },
        )])
    }
}

impl Member {
    /// Decides a grant of multiple votes (G43-3): up to the statute's maximum, to a member with
    /// their rights, for a stated reason; 1 ends a grant.
    pub fn grant_votes(
        &self,
        coop: &Cooperative,
        command: GrantVotes,
    ) -> Result<Vec<Change>, DomainError> {
        let statute = founded(coop)?;
        coop.check_day(command.granted_on, command.today, "granted_on")?;
        let m = self.admitted()?;
        if !m.has_rights_on(command.granted_on) {
            return Err(DomainError::rule(
                Rule::G43_3,
                "member-without-rights",
                format!(
                    "member {} has no rights on {} and cannot hold votes",
                    m.member, command.granted_on
                ),
            ));
        }
        let most = statute.multiple_votes_max();
        if !(1..=most).contains(&command.votes) {
            return Err(DomainError::rule(
                Rule::G43_3,
                "votes-above-statute",
                format!(
                    "the statute grants a member 1 to {most} votes; {} were asked",
                    command.votes
                ),
            )
            .at("votes"));
        }
        if command.votes == m.votes {
            return Err(DomainError::conflict(
                "votes-unchanged",
                format!("member {} holds {} votes already", m.member, m.votes),
            ));
        }
        let reason = short_text(&command.reason, 500, "reason").map_err(|e| e.at("reason"))?;
        Ok(vec![Change::new(
            Stream::Member(m.member),
            VotesGranted {
                member: m.member,
                votes: command.votes,
                reason,
                granted_on: command.granted_on,
            },
        )])
    }

    /// Decides erasing an exited member's personal data (G30): only after the end of the third
    /// year after the exit, and never while a settlement is owed to them (G73).
    pub fn erase_record(&self, command: EraseRecord) -> Result<Vec<Change>, DomainError> {
        let m = self.admitted()?;
        m.erasure_on(command.today)?;
        Ok(vec![Change::new(
            Stream::Member(m.member),
            MemberRecordErased {
                member: m.member,
                erased_on: command.today,
                erased_records: std::iter::once(m.person.record.clone())
                    .chain(m.hardship_statement.as_ref().map(|h| h.record.clone()))
                    .collect(),
            },
        )])
    }
}

/// Decides a transfer of paid-in capital from one member to another (G76): in text form, to a
/// member whose shares can take it; a partial transfer must leave the mandatory holding's
/// minimum paid in; a transfer of all the capital makes the giver leave that day.
pub fn transfer_capital(
    coop: &Cooperative,
    from: &Member,
    to: &Member,
    command: Transfer,
) -> Result<Vec<Change>, DomainError> {
    let statute = founded(coop)?;
    coop.check_day(command.agreed_on, command.today, "agreed_on")?;
    let giver = from.admitted()?;
    let acquirer = to.admitted().map_err(|e| e.at("to"))?;
    if giver.member == acquirer.member {
        return Err(DomainError::invalid(
            "transfer-to-self",
            "to",
            "a member cannot transfer capital to themselves",
        ));
    }
    if !command.in_text_form {
        return Err(DomainError::rule(
            Rule::G76,
            "transfer-not-in-text-form",
            "a transfer of capital needs an agreement in text form",
        )
        .at("in_text_form"));
    }
    if !giver.is_member_on(command.agreed_on)
        || giver
            .exit
            .as_ref()
            .is_some_and(|e| !matches!(e.cause, ExitCause::Resignation))
    {
        return Err(DomainError::conflict(
            "not-a-member-on-that-day",
            format!(
                "member {} cannot transfer capital on {}",
                giver.member, command.agreed_on
            ),
        ));
    }
    let acquirer = to
        .staying_on(command.agreed_on, "agreed_on")
        .map_err(|e| e.at("to"))?;
    if !command.amount.is_positive() || command.amount > giver.paid_in {
        return Err(DomainError::invalid(
            "transfer-amount-out-of-range",
            "amount",
            format!(
                "member {} can transfer above 0 and up to their capital of {}",
                giver.member, giver.paid_in
            ),
        ));
    }
    let room = statute
        .share_amount()
        .checked_mul(acquirer.shares)
        .and_then(|worth| worth.checked_sub(acquirer.paid_in))
        .ok_or_else(overflow)?;
    if command.amount > room {
        return Err(DomainError::rule(
            Rule::G76,
            "transfer-exceeds-acquirer-shares",
            format!(
                "member {}'s shares can take {room} more; subscribe further shares first",
                acquirer.member
            ),
        )
        .at("amount"));
    }
    let from_exits = command.amount == giver.paid_in;
    if !from_exits {
        let keep = statute
            .paid_in_minimum()
            .checked_mul(giver.mandatory_shares)
            .ok_or_else(overflow)?;
        let left = giver
            .paid_in
            .checked_sub(command.amount)
            .ok_or_else(overflow)?;
        if left < keep {
            return Err(DomainError::rule(
                Rule::G76,
                "transfer-breaks-mandatory-holding",
                format!(
                    "member {} must keep {keep} paid in for the mandatory holding; the transfer would leave {left}",
                    giver.member
                ),
            )
            .at("amount"));
        }
    }
    let event = CapitalTransferred {
        from: giver.member,
        to: acquirer.member,
        amount: command.amount,
        agreed_on: command.agreed_on,
        from_exits,
    };
    let mut changes = vec![
        Change::new(Stream::Member(giver.member), event.clone()),
        Change::new(Stream::Member(acquirer.member), event),
    ];
    if from_exits {
        changes.extend(coop.vacate(giver.member, command.agreed_on, "left by transfer (G76)"));
    }
    Ok(changes)
}

/// G7a: the mandatory holding of a member of `kind`.
pub fn mandatory_shares(statute: &Statute, kind: &MemberKind, usage: Option<Money>) -> u32 {
    statute.mandatory_shares(kind.employees(), usage)
}

pub(crate) fn check_shares(
    statute: &Statute,
    shares: u32,
    mandatory: u32,
) -> Result<(), DomainError> {
    if shares == 0 || shares > statute.max_shares_per_member() {
        return Err(DomainError::rule(
            Rule::G7a,
            "shares-out-of-range",
            format!(
                "a member subscribes 1 to {} shares under the statute, not {shares}",
                statute.max_shares_per_member()
            ),
        )
        .at("shares"));
    }
    if shares < mandatory {
        return Err(DomainError::rule(
            Rule::G7a,
            "shares-below-mandatory-holding",
            format!("the statute's mandatory holding asks {mandatory} shares of this member, not {shares}"),
        )
        .at("shares"));
    }
    Ok(())
}

/// The minimum paid-in part of `shares` new shares and the day it is due (G7).
pub(crate) fn minimum_due(
    statute: &Statute,
    shares: u32,
    from: Date,
) -> Result<(Money, Date), DomainError> {
    let due = statute
        .paid_in_minimum()
        .checked_mul(shares)
        .ok_or_else(overflow)?;
    let due_on = from
        .checked_add(i64::from(statute.paid_in_due_days()).days())
        .map_err(|_| {
            DomainError::invalid("date-out-of-range", "", "the due date is out of range")
        })?;
    Ok((due, due_on))
}

fn founded(coop: &Cooperative) -> Result<&Statute, DomainError> {
    coop.statute().ok_or_else(|| {
        DomainError::not_found("coop-not-found", "the cooperative has not been founded")
    })
}

fn check_organ(statute: &Statute, by: Organ) -> Result<(), DomainError> {
    if by == statute.admission_by() {
        Ok(())
    } else {
        Err(DomainError::rule(
            Rule::G15,
            "admission-by-wrong-organ",
            format!(
                "the statute leaves admissions to the {}, not the {}",
                statute.admission_by().as_str().replace('-', " "),
                by.as_str().replace('-', " ")
            ),
        )
        .at("by"))
    }
}

fn overflow() -> DomainError {
    DomainError::invalid("amount-out-of-range", "", "the amount is out of range")
}

#[cfg(test)]
mod tests;
