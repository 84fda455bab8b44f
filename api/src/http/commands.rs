//! The one place where a request's body becomes a command: each `TryFrom` takes the body with
//! what its command needs beside it ([`Asked`]: who asks, what the path names, today) and
//! refuses what cannot be a command, naming the field. Handlers parse the path, call
//! `try_from`, and execute.

use verbund_domain::governance::{self as g, AssemblyId, MotionId};
use verbund_domain::{ApplicationId, MemberNo, Organ, Person, PersonalRef};
use verbund_ledger::PersonalRecord;

use verbund_domain::books::{self as b, EntryId};

use crate::app::{self, books, governance, membership};
use crate::http::auth::Caller;
use crate::http::books as bk;
use crate::http::dto;
use crate::http::error::ApiError;
use crate::http::governance as gov;

/// A request's body with what its command needs beside it.
#[derive(Clone, Copy, Debug)]
pub struct Asked<'a, B, P = MemberNo> {
    /// Who asks: some commands depend on the caller's roles ([`Caller::own_day`]).
    pub caller: &'a Caller,
    /// What the route names (a member, an assembly, a motion), or the id a new one takes.
    pub about: P,
    /// The body.
    pub body: &'a B,
    /// The day the command is decided on.
    pub today: jiff::civil::Date,
}

impl<'a, B, P> Asked<'a, B, P> {
    /// `body` about `about`, asked by `caller` today.
    pub fn new(caller: &'a Caller, about: P, body: &'a B) -> Self {
        Self {
            caller,
            about,
            body,
            today: app::today(),
        }
    }
}

/// A member number of the body, at `field`.
pub(crate) fn member_no(n: u32, field: &str) -> Result<MemberNo, ApiError> {
    MemberNo::new(n).ok_or_else(|| {
        ApiError::bad_request("member-malformed", field, "member numbers start at 1")
    })
}

/// Member numbers of the body, at `field`.
pub(crate) fn members(list: &[u32], field: &str) -> Result<Vec<MemberNo>, ApiError> {
    list.iter().map(|n| member_no(*n, field)).collect()
}

impl TryFrom<Asked<'_, dto::Subscribe>> for membership::SubscribeShares {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::Subscribe>) -> Result<Self, ApiError> {
        let Asked {
            caller,
            about: member,
            body,
            today,
        } = asked;
        Ok(membership::SubscribeShares {
            member,
            subscribe: verbund_domain::Subscribe {
                shares: body.shares,
                subscribed_on: caller.own_day(
                    member,
                    body.subscribed_on,
                    "subscribed_on",
                    today,
                )?,
                today,
            },
        })
    }
}

impl TryFrom<Asked<'_, dto::RecordPayment>> for membership::RecordSharePayment {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::RecordPayment>) -> Result<Self, ApiError> {
        let Asked {
            about: member,
            body,
            today,
            ..
        } = asked;
        Ok(membership::RecordSharePayment {
            member,
            payment: verbund_domain::RecordPayment {
                amount: body.amount,
                received_on: body.received_on.unwrap_or(today),
                reference: body.reference.clone(),
                today,
            },
        })
    }
}

impl TryFrom<Asked<'_, dto::Resign>> for membership::RecordResignation {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::Resign>) -> Result<Self, ApiError> {
        let Asked {
            caller,
            about: member,
            body,
            today,
        } = asked;
        let hardship = body
            .hardship
            .as_deref()
            .map(|statement| {
                let chars = statement.trim().chars().count();
                if !(1..=2000).contains(&chars) {
                    return Err(ApiError::bad_request(
                        "hardship-malformed",
                        "hardship",
                        "the statement of hardship has 1 to 2,000 characters",
                    ));
                }
                Ok(app::seal_json(&statement.trim())?)
            })
            .transpose()?;
        let (record, reference) = hardship.unzip();
        Ok(membership::RecordResignation {
            member,
            resign: verbund_domain::Resign {
                declared_on: caller.own_day(member, body.declared_on, "declared_on", today)?,
                in_text_form: body.in_text_form,
                in_writing: body.in_writing,
                hardship: reference,
                today,
            },
            statement: record,
        })
    }
}

impl TryFrom<Asked<'_, dto::Exclude>> for membership::ExcludeMember {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::Exclude>) -> Result<Self, ApiError> {
        let Asked {
            about: member,
            body,
            today,
            ..
        } = asked;
        Ok(membership::ExcludeMember {
            member,
            exclude: verbund_domain::Exclude {
                ground: body.ground.clone(),
                reason: body.reason.clone(),
                dispatched_on: body.dispatched_on.unwrap_or(today),
                today,
            },
        })
    }
}

impl TryFrom<Asked<'_, dto::RecordDeath>> for membership::RecordMembersDeath {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::RecordDeath>) -> Result<Self, ApiError> {
        let Asked {
            about: member,
            body,
            today,
            ..
        } = asked;
        Ok(membership::RecordMembersDeath {
            member,
            death: verbund_domain::RecordDeath {
                died_on: body.died_on,
                today,
            },
        })
    }
}

impl TryFrom<Asked<'_, dto::Transfer>> for membership::TransferCapital {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::Transfer>) -> Result<Self, ApiError> {
        let Asked {
            caller,
            about: member,
            body,
            today,
        } = asked;
        Ok(membership::TransferCapital {
            from: member,
            to: MemberNo::new(body.to).ok_or_else(|| {
                ApiError::bad_request("member-malformed", "to", "member numbers start at 1")
            })?,
            transfer: verbund_domain::Transfer {
                amount: body.amount,
                agreed_on: caller.own_day(member, body.agreed_on, "agreed_on", today)?,
                in_text_form: body.in_text_form,
                today,
            },
        })
    }
}

impl TryFrom<Asked<'_, dto::PaySettlement>> for membership::PayOutSettlement {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::PaySettlement>) -> Result<Self, ApiError> {
        let Asked {
            about: member,
            body,
            today,
            ..
        } = asked;
        Ok(membership::PayOutSettlement {
            member,
            settlement: verbund_domain::PaySettlement {
                amount: body.amount,
                paid_on: body.paid_on.unwrap_or(today),
                today,
            },
        })
    }
}

impl TryFrom<Asked<'_, dto::Appoint>> for membership::AppointOfficer {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::Appoint>) -> Result<Self, ApiError> {
        let Asked {
            about: member,
            body,
            today,
            ..
        } = asked;
        let serving = app::seal_serving(body.serving.as_deref(), "serving")?;
        let (record, reference) = serving.unzip();
        Ok(membership::AppointOfficer {
            member,
            appoint: verbund_domain::Appoint {
                office: body.office.into(),
                serving: reference,
                effective_on: body.effective_on.unwrap_or(today),
                today,
            },
            serving: record,
        })
    }
}

impl TryFrom<Asked<'_, dto::GrantVotes>> for membership::GrantMultipleVotes {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::GrantVotes>) -> Result<Self, ApiError> {
        let Asked {
            about: member,
            body,
            today,
            ..
        } = asked;
        Ok(membership::GrantMultipleVotes {
            member,
            grant: verbund_domain::GrantVotes {
                votes: body.votes,
                reason: body.reason.clone(),
                granted_on: body.granted_on.unwrap_or(today),
                today,
            },
        })
    }
}

impl TryFrom<Asked<'_, dto::AuthorizeRepresentative, (MemberNo, verbund_domain::PersonId)>>
    for membership::AuthorizeRepresentative
{
    type Error = ApiError;
    fn try_from(
        asked: Asked<'_, dto::AuthorizeRepresentative, (MemberNo, verbund_domain::PersonId)>,
    ) -> Result<Self, ApiError> {
        let Asked {
            about: (member, person),
            body,
            today,
            ..
        } = asked;
        Ok(membership::AuthorizeRepresentative {
            member,
            authorization: verbund_domain::AuthorizeRepresentative {
                person,
                capacity: body.capacity.into(),
                effective_on: body.effective_on.unwrap_or(today),
                today,
            },
        })
    }
}

impl TryFrom<Asked<'_, gov::ConveneBody, AssemblyId>> for governance::Convene {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, gov::ConveneBody, AssemblyId>) -> Result<Self, ApiError> {
        let Asked {
            about, body, today, ..
        } = asked;
        Ok(governance::Convene(g::Convene {
            assembly: about,
            form: body.form.into(),
            convened_on: body.convened_on.unwrap_or(today),
            held_on: body.held_on,
            place: body.place.clone(),
            chair: member_no(body.chair, "chair")?,
            agenda: body.agenda.clone(),
            demanded_by: members(&body.demanded_by, "demanded_by")?,
            delegates: body.delegates,
            participation: body.participation.clone(),
            discussion: body.discussion.map(Into::into),
            today,
        }))
    }
}

impl TryFrom<Asked<'_, gov::AddItemBody, AssemblyId>> for governance::AddItem {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, gov::AddItemBody, AssemblyId>) -> Result<Self, ApiError> {
        let Asked {
            about, body, today, ..
        } = asked;
        Ok(governance::AddItem {
            assembly: about,
            item: g::AddItem {
                title: body.title.clone(),
                announced_on: body.announced_on.unwrap_or(today),
                demanded_by: members(&body.demanded_by, "demanded_by")?,
                today,
            },
        })
    }
}

impl TryFrom<Asked<'_, gov::AttendBody, AssemblyId>> for governance::RecordAttendance {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, gov::AttendBody, AssemblyId>) -> Result<Self, ApiError> {
        let Asked {
            about, body, today, ..
        } = asked;
        Ok(governance::RecordAttendance {
            assembly: about,
            attendance: g::RecordAttendance {
                member: member_no(body.member, "member")?,
                presence: body.presence.into(),
                proxy: body.proxy.map(|p| member_no(p, "proxy")).transpose()?,
                today,
            },
        })
    }
}

impl TryFrom<Asked<'_, gov::PutMotionBody, MotionId>> for governance::PutMotion {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, gov::PutMotionBody, MotionId>) -> Result<Self, ApiError> {
        let Asked {
            about, body, today, ..
        } = asked;
        let assembly = body
            .assembly
            .as_deref()
            .map(gov::parse_assembly)
            .transpose()?;
        let (proposal, serving) = body.proposal.clone().into_domain()?;
        Ok(governance::PutMotion {
            put: g::PutMotion {
                motion: about,
                assembly,
                title: body.title.clone(),
                proposal,
                secret: body.secret,
                results_hidden: body.results_hidden,
                votes_changeable: body.votes_changeable,
                announced_on: body.announced_on.unwrap_or(today),
                today,
            },
            serving,
        })
    }
}

impl TryFrom<Asked<'_, gov::OpenBody, MotionId>> for g::OpenBallot {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, gov::OpenBody, MotionId>) -> Result<Self, ApiError> {
        let Asked { body, today, .. } = asked;
        Ok(g::OpenBallot {
            now: jiff::Timestamp::now(),
            today,
            closes_at: body.closes_at,
            // A secret or hidden ballot's key is drawn by the application (W1).
            key: None,
        })
    }
}

impl TryFrom<Asked<'_, gov::GrantProxyBody>> for governance::GrantProxy {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, gov::GrantProxyBody>) -> Result<Self, ApiError> {
        let Asked {
            about, body, today, ..
        } = asked;
        let granted_on = body.granted_on.unwrap_or(today);
        if granted_on > today {
            return Err(ApiError::bad_request(
                "date-in-future",
                "granted_on",
                "an authority is recorded once it is given",
            ));
        }
        Ok(governance::GrantProxy(g::GrantProxy {
            principal: about,
            proxy: member_no(body.proxy, "proxy")?,
            evidence: body.evidence.clone(),
            granted_on,
        }))
    }
}

impl TryFrom<Asked<'_, bk::PaymentBody, EntryId>> for books::RecordPayment {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, bk::PaymentBody, EntryId>) -> Result<Self, ApiError> {
        let Asked {
            about, body, today, ..
        } = asked;
        Ok(books::RecordPayment(b::RecordPayment {
            entry: about,
            direction: match body.direction {
                bk::DirectionDto::In => b::Direction::In,
                bk::DirectionDto::Out => b::Direction::Out,
            },
            amount: body.amount,
            via: body
                .via
                .clone()
                .unwrap_or(b::AccountRef::whole(b::codes::BANK)),
            account: body.account.clone(),
            booked_on: body.booked_on.unwrap_or(today),
            text: body.text.clone(),
            reference: body.reference.clone(),
            today,
        }))
    }
}

impl TryFrom<Asked<'_, bk::EntryBody, EntryId>> for books::PostEntry {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, bk::EntryBody, EntryId>) -> Result<Self, ApiError> {
        let Asked {
            about, body, today, ..
        } = asked;
        let lines = body
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| match (line.debit, line.credit) {
                (Some(debit), None) => Ok(b::Line::debit(line.account.clone(), debit)),
                (None, Some(credit)) => Ok(b::Line::credit(line.account.clone(), credit)),
                _ => Err(ApiError::bad_request(
                    "line-debit-or-credit",
                    &format!("lines[{i}]"),
                    "a line has either a debit or a credit",
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(i) = lines.iter().position(|l| l.amount.cents() == 0) {
            return Err(ApiError::bad_request(
                "line-zero",
                &format!("lines[{i}]"),
                "a line moves an amount above zero",
            ));
        }
        if let Some(i) = body.lines.iter().position(|l| {
            l.debit.is_some_and(|m| m.cents() < 0) || l.credit.is_some_and(|m| m.cents() < 0)
        }) {
            return Err(ApiError::bad_request(
                "line-negative",
                &format!("lines[{i}]"),
                "debits and credits are written as positive amounts",
            ));
        }
        Ok(books::PostEntry(b::PostEntry {
            entry: about,
            booked_on: body.booked_on.unwrap_or(today),
            text: body.text.clone(),
            receipt: body.receipt.clone(),
            lines,
            today,
        }))
    }
}

impl TryFrom<Asked<'_, bk::ReversalBody, (EntryId, EntryId)>> for books::Reverse {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, bk::ReversalBody, (EntryId, EntryId)>) -> Result<Self, ApiError> {
        let Asked {
            about: (entry, reverses),
            body,
            today,
            ..
        } = asked;
        Ok(books::Reverse(b::Reverse {
            entry,
            reverses,
            booked_on: body.booked_on.unwrap_or(today),
            reason: body.reason.clone(),
            today,
        }))
    }
}

impl TryFrom<Asked<'_, bk::AccountBody, ()>> for books::OpenAccount {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, bk::AccountBody, ()>) -> Result<Self, ApiError> {
        let Asked { body, today, .. } = asked;
        Ok(books::OpenAccount {
            account: b::Account {
                code: body.code,
                name: body.name.clone(),
                kind: body.kind,
                per: body.per,
            },
            today,
        })
    }
}

impl TryFrom<Asked<'_, bk::RepaymentBody, b::LoanId>> for books::RepayLoan {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, bk::RepaymentBody, b::LoanId>) -> Result<Self, ApiError> {
        let Asked {
            about, body, today, ..
        } = asked;
        Ok(books::RepayLoan {
            loan: about,
            amount: body.amount,
            paid_on: body.paid_on.unwrap_or(today),
            today,
        })
    }
}

impl TryFrom<Asked<'_, dto::Apply, ApplicationId>> for membership::FileApplication {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::Apply, ApplicationId>) -> Result<Self, ApiError> {
        let Asked {
            about, body, today, ..
        } = asked;
        let person = Person::parse(&body.name, &body.address)?;
        let (record, reference) = app::seal(&person)?;
        Ok(membership::FileApplication {
            apply: verbund_domain::Apply {
                application: about,
                person: reference,
                kind: body.kind.clone().into(),
                shares: body.shares,
                declared_usage: body.declared_usage,
                declared_on: body.declared_on.unwrap_or(today),
                acknowledged: verbund_domain::Acknowledgements {
                    pays_for_shares: body.acknowledged.pays_for_shares,
                    additional_contributions: body.acknowledged.additional_contributions,
                    notice_period: body.acknowledged.notice_period,
                },
                listed: body.listed,
                today,
            },
            record,
        })
    }
}

/// An application and the organ the statute names to decide it (G15): a body may name the
/// organ; the domain refuses any other.
type Deciding = (ApplicationId, Organ);

impl TryFrom<Asked<'_, dto::Admit, Deciding>> for membership::AdmitApplication {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::Admit, Deciding>) -> Result<Self, ApiError> {
        let Asked {
            about: (application, statutes),
            body,
            today,
            ..
        } = asked;
        Ok(membership::AdmitApplication {
            application,
            by: body.by.map_or(statutes, Organ::from),
            admitted_on: body.admitted_on.unwrap_or(today),
            investing_consent: body.investing_consent.clone(),
            today,
        })
    }
}

impl TryFrom<Asked<'_, dto::Reject, Deciding>> for membership::RejectApplication {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::Reject, Deciding>) -> Result<Self, ApiError> {
        let Asked {
            about: (application, statutes),
            body,
            today,
            ..
        } = asked;
        Ok(membership::RejectApplication {
            application,
            reject: verbund_domain::Reject {
                by: body.by.map_or(statutes, Organ::from),
                reason: body.reason.clone(),
                rejected_on: body.rejected_on.unwrap_or(today),
                today,
            },
        })
    }
}

impl TryFrom<Asked<'_, dto::Dismiss, (MemberNo, dto::Office)>> for membership::DismissOfficer {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::Dismiss, (MemberNo, dto::Office)>) -> Result<Self, ApiError> {
        let Asked {
            about: (member, office),
            body,
            today,
            ..
        } = asked;
        Ok(membership::DismissOfficer(verbund_domain::Dismiss {
            member,
            office: office.into(),
            effective_on: body.effective_on.unwrap_or(today),
            reason: body.reason.clone(),
            today,
        }))
    }
}

impl TryFrom<&gov::VoteBody> for g::Mark {
    type Error = ApiError;
    fn try_from(body: &gov::VoteBody) -> Result<Self, ApiError> {
        match (&body.choice, &body.options) {
            (Some(choice), None) => Ok(g::Mark::Choice(match choice {
                gov::ChoiceDto::Yes => g::Choice::Yes,
                gov::ChoiceDto::No => g::Choice::No,
                gov::ChoiceDto::Abstain => g::Choice::Abstain,
                gov::ChoiceDto::Invalid => g::Choice::Invalid,
            })),
            (None, Some(options)) => Ok(g::Mark::Options(options.clone())),
            _ => Err(ApiError::bad_request(
                "vote-malformed",
                "choice",
                "a vote has either a choice (a decision) or options (a survey)",
            )),
        }
    }
}

/// A vote's motion, its mark, and the mark sealed for a secret or hidden ballot.
type Marked = (MotionId, g::Mark, Option<(PersonalRecord, PersonalRef)>);

impl TryFrom<Asked<'_, gov::VoteBody, Marked>> for governance::CastVote {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, gov::VoteBody, Marked>) -> Result<Self, ApiError> {
        let Asked {
            caller,
            about: (motion, mark, sealed),
            body,
            ..
        } = asked;
        let cast_by = caller.voting_member()?;
        let voter = match body.voter {
            Some(n) => member_no(n, "voter")?,
            None => cast_by,
        };
        let (record, reference) = sealed.unzip();
        Ok(governance::CastVote {
            motion,
            vote: g::CastVote {
                voter,
                cast_by,
                mark,
                sealed: reference,
                channel: match body.channel.unwrap_or(gov::ChannelDto::Electronic) {
                    gov::ChannelDto::InPerson => g::Channel::InPerson,
                    gov::ChannelDto::Electronic => g::Channel::Electronic,
                    gov::ChannelDto::Written => g::Channel::Written,
                },
                now: jiff::Timestamp::now(),
            },
            sealed: record,
        })
    }
}

impl TryFrom<Asked<'_, bk::LevyBody, (EntryId, Vec<b::MemberFacts>)>> for books::ChargeLevy {
    type Error = ApiError;
    fn try_from(
        asked: Asked<'_, bk::LevyBody, (EntryId, Vec<b::MemberFacts>)>,
    ) -> Result<Self, ApiError> {
        let Asked {
            about: (entry, members),
            body,
            today,
            ..
        } = asked;
        let usage = body
            .usage
            .iter()
            .map(|(m, w)| Ok((member_no(*m, "usage")?, *w)))
            .collect::<Result<std::collections::BTreeMap<MemberNo, u64>, ApiError>>()?;
        Ok(books::ChargeLevy {
            levy: b::ChargeLevy {
                entry,
                purpose: body.purpose.clone(),
                key: match body.key {
                    bk::LevyKeyDto::Equal => b::LevyKey::Equal,
                    bk::LevyKeyDto::Shares => b::LevyKey::Shares,
                    bk::LevyKeyDto::FirmSize => b::LevyKey::FirmSize,
                    bk::LevyKeyDto::Usage => b::LevyKey::Usage,
                },
                total: body.total,
                account: body
                    .account
                    .clone()
                    .unwrap_or(b::AccountRef::whole(b::codes::LEVIES)),
                booked_on: body.booked_on.unwrap_or(today),
                due_on: body.due_on,
                usage,
                today,
            },
            members,
        })
    }
}

/// A closing's entry, the year's last day, and every account's balance on it.
type Closing = (
    EntryId,
    jiff::civil::Date,
    std::collections::BTreeMap<b::AccountRef, verbund_domain::Money>,
);

impl TryFrom<Asked<'_, bk::ClosingBody, Closing>> for books::CloseYear {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, bk::ClosingBody, Closing>) -> Result<Self, ApiError> {
        let Asked {
            about: (entry, last_day, balances),
            today,
            ..
        } = asked;
        Ok(books::CloseYear(b::CloseYear {
            entry,
            last_day,
            balances,
            today,
        }))
    }
}

/// A profit's use: its entry, the year's last day, the motion that decided it, and the facts
/// of the members and the books it is split by.
type ProfitUse = (EntryId, jiff::civil::Date, MotionId, app::ProfitFacts);

impl TryFrom<Asked<'_, bk::ProfitUseBody, ProfitUse>> for books::DistributeProfit {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, bk::ProfitUseBody, ProfitUse>) -> Result<Self, ApiError> {
        let Asked {
            about: (entry, last_day, motion, facts),
            body,
            today,
            ..
        } = asked;
        Ok(books::DistributeProfit(b::DistributeProfit {
            entry,
            year_last_day: last_day,
            motion,
            motion_adopted: facts.motion_adopted,
            legal_reserve: body.legal_reserve,
            other_reserves: body.other_reserves,
            carried_forward: body.carried_forward,
            members: facts.members,
            capital_before: facts.capital_before,
            capital_at_end: facts.capital_at_end,
            unpaid: facts.unpaid,
            booked_on: body.booked_on.unwrap_or(today),
            today,
        }))
    }
}

/// A loan: its id, the lender's facts, the investment it finances and whether it was approved.
type Lending = (b::LoanId, b::MemberFacts, MotionId, bool);

impl TryFrom<Asked<'_, bk::LoanBody, Lending>> for books::GrantLoan {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, bk::LoanBody, Lending>) -> Result<Self, ApiError> {
        let Asked {
            about: (loan, lender, project, approved),
            body,
            today,
            ..
        } = asked;
        let interest = rust_decimal::Decimal::from_str_exact(&body.interest_percent)
            .ok()
            .filter(|d| d.scale() <= 4)
            .ok_or_else(|| {
                ApiError::bad_request(
                    "interest-malformed",
                    "interest_percent",
                    "the interest is a decimal percentage, e.g. \"1.50\"",
                )
            })?;
        Ok(books::GrantLoan(b::GrantLoan {
            loan,
            lender,
            project,
            project_approved: approved,
            asset: body.asset.clone(),
            amount: body.amount,
            interest_percent: interest,
            received_on: body.received_on.unwrap_or(today),
            today,
        }))
    }
}
