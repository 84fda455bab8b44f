//! The membership commands of the application: each names the streams its decision reads and
//! hands the loaded aggregates to the domain's decision.
//!
//! The member number of an admission is the next free one as this process knows it; the new
//! member's stream is appended to as "no stream yet", so two admissions that picked the same
//! number cannot both land: the second is decided again with the next number.

use verbund_domain::{
    Admit, ApplicationId, Apply, Appoint, Change, DomainError, EraseRecord, Exclude, MemberNo,
    Office, Organ, PaySettlement, RecordDeath, RecordPayment, Reject, Resign, Rule, Stream,
    Subscribe, Transfer,
};
use verbund_ledger::{LedgerError, LogId, PersonalRecord};

use crate::app::App;
use crate::app::execute::{Command, ExecError, Request, State, execute};

/// A membership command, as the HTTP edge or the CLI parsed it.
#[derive(Clone, Debug)]
pub enum MembershipCommand {
    /// File an application; the person's data goes into `record`.
    Apply {
        /// The declaration.
        apply: Apply,
        /// The applicant's name and address, sealed.
        record: PersonalRecord,
    },
    /// Admit an application; the member number is the next free one.
    Admit {
        /// The application.
        application: ApplicationId,
        /// The organ that decided.
        by: Organ,
        /// The day the membership takes effect.
        admitted_on: jiff::civil::Date,
        /// For an investing member: the consent's resolution (G8-2).
        investing_consent: Option<String>,
        /// The day of the decision.
        today: jiff::civil::Date,
    },
    /// Reject an application and erase the applicant's data (G15).
    Reject {
        /// The application.
        application: ApplicationId,
        /// The decision.
        reject: Reject,
    },
    /// Subscribe further shares.
    Subscribe(MemberNo, Subscribe),
    /// Record a payment on the shares.
    RecordPayment(MemberNo, RecordPayment),
    /// Record a resignation, with the sealed statement of a hardship exit (G65).
    Resign(MemberNo, Resign, Option<PersonalRecord>),
    /// Exclude a member.
    Exclude(MemberNo, Exclude),
    /// Record a member's death.
    RecordDeath(MemberNo, RecordDeath),
    /// Pay out an exited member's capital.
    PaySettlement(MemberNo, PaySettlement),
    /// Transfer capital from one member to another.
    Transfer {
        /// The giver.
        from: MemberNo,
        /// The acquirer.
        to: MemberNo,
        /// The agreement.
        transfer: Transfer,
    },
    /// Erase an exited member's personal data after the retention period (G30).
    EraseRecord(MemberNo, EraseRecord),
    /// Appoint a member to an office.
    Appoint(MemberNo, Appoint, Option<PersonalRecord>),
    /// Grant a member multiple votes, or end a grant (G43-3).
    GrantVotes(MemberNo, verbund_domain::GrantVotes),
    /// End a member's office.
    Dismiss {
        /// The member.
        member: MemberNo,
        /// The office.
        office: Office,
        /// The first day without it.
        effective_on: jiff::civil::Date,
        /// Why.
        reason: String,
        /// The day of the decision.
        today: jiff::civil::Date,
    },
}

impl MembershipCommand {
    /// For a command that moves money in the books: its value date and the field.
    fn books_day(&self) -> Option<(jiff::civil::Date, &'static str)> {
        use MembershipCommand as C;
        match self {
            C::Admit { admitted_on, .. } => Some((*admitted_on, "admitted_on")),
            C::Subscribe(_, c) => Some((c.subscribed_on, "subscribed_on")),
            C::RecordPayment(_, c) => Some((c.received_on, "received_on")),
            C::PaySettlement(_, c) => Some((c.paid_on, "paid_on")),
            C::Transfer { transfer, .. } => Some((transfer.agreed_on, "agreed_on")),
            _ => None,
        }
    }
}

impl Command for MembershipCommand {
    fn reads(&self) -> Vec<Stream> {
        use MembershipCommand as C;
        let mut reads = vec![Stream::Coop];
        match self {
            C::Apply { apply, .. } => reads.push(Stream::Application(apply.application.clone())),
            C::Admit { application, .. } | C::Reject { application, .. } => {
                reads.push(Stream::Application(application.clone()));
            }
            C::Subscribe(member, _)
            | C::RecordPayment(member, _)
            | C::Resign(member, ..)
            | C::Exclude(member, _)
            | C::RecordDeath(member, _)
            | C::PaySettlement(member, _)
            | C::EraseRecord(member, _)
            | C::Appoint(member, ..)
            | C::GrantVotes(member, _) => reads.push(Stream::Member(*member)),
            C::Transfer { from, to, .. } => {
                reads.push(Stream::Member(*from));
                reads.push(Stream::Member(*to));
            }
            C::Dismiss { .. } => {}
        }
        if self.books_day().is_some() {
            // Money moves: the books must be open on its day (A1), as they stand at the commit.
            reads.push(Stream::Books);
        }
        reads
    }

    fn decide(&self, state: &State) -> Result<Vec<Change>, DomainError> {
        use MembershipCommand as C;
        let coop = &state.coop;
        if let Some((day, field)) = self.books_day() {
            state.books.check_not_sealed(day, field)?;
        }
        match self {
            C::Apply { apply, .. } => state
                .application(&apply.application)
                .file(coop, apply.clone()),
            C::Admit {
                application,
                by,
                admitted_on,
                investing_consent,
                today,
            } => {
                let member = state.next_member.ok_or_else(|| {
                    DomainError::conflict("member-number-unknown", "no member number is free")
                })?;
                state.application(application).admit(
                    coop,
                    state.members_today,
                    Admit {
                        member,
                        by: *by,
                        admitted_on: *admitted_on,
                        investing_consent: investing_consent.clone(),
                        today: *today,
                    },
                )
            }
            C::Reject {
                application,
                reject,
            } => state.application(application).reject(coop, reject.clone()),
            C::Subscribe(member, command) => state.member(*member).subscribe(coop, command.clone()),
            C::RecordPayment(member, command) => {
                state.member(*member).record_payment(coop, command.clone())
            }
            C::Resign(member, command, _) => state.member(*member).resign(coop, command.clone()),
            C::Exclude(member, command) => state.member(*member).exclude(coop, command.clone()),
            C::RecordDeath(member, command) => {
                state.member(*member).record_death(coop, command.clone())
            }
            C::PaySettlement(member, command) => {
                state.member(*member).pay_settlement(command.clone())
            }
            C::Transfer { from, to, transfer } => verbund_domain::transfer_capital(
                coop,
                state.member(*from),
                state.member(*to),
                transfer.clone(),
            ),
            C::EraseRecord(member, command) => state.member(*member).erase_record(command.clone()),
            C::Appoint(member, command, _) => {
                coop.appoint(state.member(*member), state.organ_facts(), command.clone())
            }
            C::GrantVotes(member, command) => {
                state.member(*member).grant_votes(coop, command.clone())
            }
            C::Dismiss {
                member,
                office,
                effective_on,
                reason,
                today,
            } => coop.dismiss(verbund_domain::Dismiss {
                member: *member,
                office: *office,
                effective_on: *effective_on,
                reason: reason.clone(),
                members: state.members_today,
                today: *today,
            }),
        }
    }

    fn counts_members(&self) -> bool {
        matches!(
            self,
            MembershipCommand::Admit { .. }
                | MembershipCommand::Dismiss { .. }
                | MembershipCommand::Appoint(..)
        )
    }

    fn records(&self) -> Vec<PersonalRecord> {
        match self {
            MembershipCommand::Apply { record, .. }
            | MembershipCommand::Resign(_, _, Some(record))
            | MembershipCommand::Appoint(_, _, Some(record)) => vec![record.clone()],
            _ => Vec::new(),
        }
    }
}

/// What a retention run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    /// Members whose personal data was erased.
    pub erased: Vec<MemberNo>,
    /// Members past the retention period whose settlement is still owed: kept (G73).
    pub kept_for_settlement: Vec<MemberNo>,
    /// Members whose erasure failed, with why; the others were erased all the same.
    pub failed: Vec<(MemberNo, String)>,
}

/// Erases the personal data of every exited member whose retention period (G30) ended before
/// `today`, one commit per member, each with its `MemberRecordErased` event. Safe to run
/// again: an erased member is not a candidate any more.
pub async fn erase_expired_records(
    app: &App,
    request: &Request,
    today: jiff::civil::Date,
) -> Result<Retention, ExecError> {
    let log: &LogId = &request.coop;
    let runtime = app
        .coop(log)
        .await
        .map_err(|e| ExecError::Start(format!("{e:#}")))?
        .ok_or_else(|| LedgerError::UnknownLog(log.clone()))?;
    let (candidates, owed) = runtime.views().register.read(|register| {
        let mut candidates = Vec::new();
        let mut owed = Vec::new();
        for record in register.members_after(None) {
            let m = record.membership();
            match m.erasure_on(today) {
                Ok(()) => candidates.push(m.member()),
                Err(why) if why.rule_id() == Some(Rule::G73) => owed.push(m.member()),
                Err(_) => {}
            }
        }
        (candidates, owed)
    });
    let mut retention = Retention {
        kept_for_settlement: owed,
        ..Retention::default()
    };
    for member in candidates {
        let command = MembershipCommand::EraseRecord(member, EraseRecord { today });
        let request = Request {
            digest: *blake3::hash(format!("erase-record:{member}:{today}").as_bytes()).as_bytes(),
            ..request.clone()
        };
        match execute(app, &request, &command).await {
            Ok(_) => retention.erased.push(member),
            Err(e) => retention.failed.push((member, e.to_string())),
        }
    }
    Ok(retention)
}
