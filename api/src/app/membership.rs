//! The membership commands of the application: each names the streams its decision reads and
//! hands the loaded aggregates to the domain's decision.
//!
//! The member number of an admission is the next free one as this process knows it; the new
//! member's stream is appended to as "no stream yet", so two admissions that picked the same
//! number cannot both land: the second is decided again with the next number.

use verbund_domain::{
    Admit, ApplicationId, Apply, Appoint, Change, Dismiss, EraseRecord, Exclude, GrantVotes,
    MemberNo, Organ, PaySettlement, RecordDeath, RecordPayment, Reject, Resign, Rule, Stream,
    Subscribe, Transfer,
};
use verbund_ledger::{LedgerError, LogId, PersonalRecord};

use crate::app::App;
use crate::app::execute::{Command, ExecError, Reads, Request, State, execute};

/// What a command that moves money reads beside its own streams: the books, which must be
/// open on its value day (A1) as they stand at the commit.
fn moving_money(reads: Reads) -> Reads {
    reads.and(Stream::Books)
}

/// The books are open on `day`, given as `field`.
fn books_open_on(state: &State, day: jiff::civil::Date, field: &str) -> Result<(), ExecError> {
    Ok(state.books()?.check_not_sealed(day, field)?)
}

/// File an application; the person's data goes into `record`.
#[derive(Clone, Debug)]
pub struct FileApplication {
    /// The declaration.
    pub apply: Apply,
    /// The applicant's name and address, sealed.
    pub record: PersonalRecord,
}

impl Command for FileApplication {
    fn reads(&self) -> Reads {
        Reads::of([
            Stream::Coop,
            Stream::Application(self.apply.application.clone()),
        ])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let application = state.application(&self.apply.application)?;
        Ok(application.file(state.coop()?, self.apply.clone())?)
    }
    fn records(&self) -> Vec<PersonalRecord> {
        vec![self.record.clone()]
    }
}

/// Admit an application; the member number is the next free one.
#[derive(Clone, Debug)]
pub struct AdmitApplication {
    /// The application.
    pub application: ApplicationId,
    /// The organ that decided.
    pub by: Organ,
    /// The day the membership takes effect.
    pub admitted_on: jiff::civil::Date,
    /// For an investing member: the consent's resolution (G8-2).
    pub investing_consent: Option<String>,
    /// The day of the decision.
    pub today: jiff::civil::Date,
}

impl Command for AdmitApplication {
    fn reads(&self) -> Reads {
        moving_money(Reads::of([
            Stream::Coop,
            Stream::Application(self.application.clone()),
        ]))
        .counting()
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        books_open_on(state, self.admitted_on, "admitted_on")?;
        let admit = Admit {
            member: state.next_member()?,
            by: self.by,
            admitted_on: self.admitted_on,
            investing_consent: self.investing_consent.clone(),
            today: self.today,
        };
        let application = state.application(&self.application)?;
        Ok(application.admit(state.coop()?, state.counts()?.members, admit)?)
    }
}

/// Reject an application and erase the applicant's data (G15).
#[derive(Clone, Debug)]
pub struct RejectApplication {
    /// The application.
    pub application: ApplicationId,
    /// The decision.
    pub reject: Reject,
}

impl Command for RejectApplication {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop, Stream::Application(self.application.clone())])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let application = state.application(&self.application)?;
        Ok(application.reject(state.coop()?, self.reject.clone())?)
    }
}

/// Subscribe further shares.
#[derive(Clone, Debug)]
pub struct SubscribeShares {
    /// The member.
    pub member: MemberNo,
    /// The subscription.
    pub subscribe: Subscribe,
}

impl Command for SubscribeShares {
    fn reads(&self) -> Reads {
        moving_money(Reads::of([Stream::Coop, Stream::Member(self.member)]))
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        books_open_on(state, self.subscribe.subscribed_on, "subscribed_on")?;
        let member = state.member(self.member)?;
        Ok(member.subscribe(state.coop()?, self.subscribe.clone())?)
    }
}

/// Record a payment on the shares.
#[derive(Clone, Debug)]
pub struct RecordSharePayment {
    /// The member.
    pub member: MemberNo,
    /// The payment.
    pub payment: RecordPayment,
}

impl Command for RecordSharePayment {
    fn reads(&self) -> Reads {
        moving_money(Reads::of([Stream::Coop, Stream::Member(self.member)]))
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        books_open_on(state, self.payment.received_on, "received_on")?;
        let member = state.member(self.member)?;
        Ok(member.record_payment(state.coop()?, self.payment.clone())?)
    }
}

/// Record a resignation, with the sealed statement of a hardship exit (G65).
#[derive(Clone, Debug)]
pub struct RecordResignation {
    /// The member.
    pub member: MemberNo,
    /// The declaration.
    pub resign: Resign,
    /// The member's statement of hardship, sealed.
    pub statement: Option<PersonalRecord>,
}

impl Command for RecordResignation {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop, Stream::Member(self.member)])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let member = state.member(self.member)?;
        Ok(member.resign(state.coop()?, self.resign.clone())?)
    }
    fn records(&self) -> Vec<PersonalRecord> {
        self.statement.iter().cloned().collect()
    }
}

/// Exclude a member.
#[derive(Clone, Debug)]
pub struct ExcludeMember {
    /// The member.
    pub member: MemberNo,
    /// The decision.
    pub exclude: Exclude,
}

impl Command for ExcludeMember {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop, Stream::Member(self.member)])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let member = state.member(self.member)?;
        Ok(member.exclude(state.coop()?, self.exclude.clone())?)
    }
}

/// Record a member's death.
#[derive(Clone, Debug)]
pub struct RecordMembersDeath {
    /// The member.
    pub member: MemberNo,
    /// The day of death.
    pub death: RecordDeath,
}

impl Command for RecordMembersDeath {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop, Stream::Member(self.member)])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let member = state.member(self.member)?;
        Ok(member.record_death(state.coop()?, self.death.clone())?)
    }
}

/// Pay out an exited member's capital.
#[derive(Clone, Debug)]
pub struct PayOutSettlement {
    /// The member.
    pub member: MemberNo,
    /// The payment.
    pub settlement: PaySettlement,
}

impl Command for PayOutSettlement {
    fn reads(&self) -> Reads {
        moving_money(Reads::of([Stream::Coop, Stream::Member(self.member)]))
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        books_open_on(state, self.settlement.paid_on, "paid_on")?;
        let member = state.member(self.member)?;
        Ok(member.pay_settlement(self.settlement.clone())?)
    }
}

/// Transfer capital from one member to another (G76).
#[derive(Clone, Debug)]
pub struct TransferCapital {
    /// The giver.
    pub from: MemberNo,
    /// The acquirer.
    pub to: MemberNo,
    /// The agreement.
    pub transfer: Transfer,
}

impl Command for TransferCapital {
    fn reads(&self) -> Reads {
        moving_money(Reads::of([
            Stream::Coop,
            Stream::Member(self.from),
            Stream::Member(self.to),
        ]))
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        books_open_on(state, self.transfer.agreed_on, "agreed_on")?;
        Ok(verbund_domain::transfer_capital(
            state.coop()?,
            state.member(self.from)?,
            state.member(self.to)?,
            self.transfer.clone(),
        )?)
    }
}

/// Erase an exited member's personal data after the retention period (G30).
#[derive(Clone, Debug)]
pub struct EraseMemberRecord {
    /// The member.
    pub member: MemberNo,
    /// The erasure.
    pub erase: EraseRecord,
}

impl Command for EraseMemberRecord {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop, Stream::Member(self.member)])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        Ok(state
            .member(self.member)?
            .erase_record(self.erase.clone())?)
    }
}

/// Appoint a member to an office, with the sealed name of the person serving for a firm
/// (G9-24).
#[derive(Clone, Debug)]
pub struct AppointOfficer {
    /// The member.
    pub member: MemberNo,
    /// The appointment.
    pub appoint: Appoint,
    /// The name of the natural person serving for a firm, sealed.
    pub serving: Option<PersonalRecord>,
}

impl Command for AppointOfficer {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop, Stream::Member(self.member)]).counting()
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        Ok(state.coop()?.appoint(
            state.member(self.member)?,
            state.counts()?.organ_facts(),
            self.appoint.clone(),
        )?)
    }
    fn records(&self) -> Vec<PersonalRecord> {
        self.serving.iter().cloned().collect()
    }
}

/// Grant a member multiple votes, or end a grant (G43-3).
#[derive(Clone, Debug)]
pub struct GrantMultipleVotes {
    /// The member.
    pub member: MemberNo,
    /// The grant.
    pub grant: GrantVotes,
}

impl Command for GrantMultipleVotes {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop, Stream::Member(self.member)])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let member = state.member(self.member)?;
        Ok(member.grant_votes(state.coop()?, self.grant.clone())?)
    }
}

/// End a member's office; the organs keep the size G9-24 asks for the members today.
#[derive(Clone, Debug)]
pub struct DismissOfficer(pub Dismiss);

impl Command for DismissOfficer {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop]).counting()
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        Ok(state
            .coop()?
            .dismiss(state.counts()?.members, self.0.clone())?)
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
        let command = EraseMemberRecord {
            member,
            erase: EraseRecord { today },
        };
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

/// Authorize a person to act for a member.
#[derive(Clone, Debug)]
pub struct AuthorizeRepresentative {
    /// The member.
    pub member: MemberNo,
    /// The authorization.
    pub authorization: verbund_domain::AuthorizeRepresentative,
}

impl Command for AuthorizeRepresentative {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop, Stream::Member(self.member)])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let member = state.member(self.member)?;
        Ok(member.authorize_representative(state.coop()?, self.authorization.clone())?)
    }
}

/// End a person's authority to act for a member.
#[derive(Clone, Debug)]
pub struct WithdrawRepresentative {
    /// The member.
    pub member: MemberNo,
    /// The withdrawal.
    pub withdrawal: verbund_domain::WithdrawRepresentative,
}

impl Command for WithdrawRepresentative {
    fn reads(&self) -> Reads {
        Reads::of([Stream::Coop, Stream::Member(self.member)])
    }
    fn decide(&self, state: &State) -> Result<Vec<Change>, ExecError> {
        let member = state.member(self.member)?;
        Ok(member.withdraw_representative(state.coop()?, self.withdrawal.clone())?)
    }
}
