//! The one place where a request's body becomes a command: each `TryFrom` takes the body with
//! what its command needs beside it ([`Asked`]: who asks, about which member, today) and
//! refuses what cannot be a command, naming the field. Handlers parse the path, call
//! `try_from`, and execute.

use verbund_domain::MemberNo;

use crate::app::{self, membership};
use crate::http::auth::Caller;
use crate::http::dto;
use crate::http::error::ApiError;

/// A request's body with what its command needs beside it.
#[derive(Clone, Copy, Debug)]
pub struct Asked<'a, B> {
    /// Who asks: some commands depend on the caller's roles ([`Caller::own_day`]).
    pub caller: &'a Caller,
    /// The member the route names.
    pub member: MemberNo,
    /// The body.
    pub body: &'a B,
    /// The day the command is decided on.
    pub today: jiff::civil::Date,
}

impl<'a, B> Asked<'a, B> {
    /// `body` about `member`, asked by `caller` today.
    pub fn new(caller: &'a Caller, member: MemberNo, body: &'a B) -> Self {
        Self {
            caller,
            member,
            body,
            today: app::today(),
        }
    }
}

impl TryFrom<Asked<'_, dto::Subscribe>> for membership::SubscribeShares {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::Subscribe>) -> Result<Self, ApiError> {
        let Asked {
            caller,
            member,
            body,
            today,
        } = asked;
        {
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
}

impl TryFrom<Asked<'_, dto::RecordPayment>> for membership::RecordSharePayment {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::RecordPayment>) -> Result<Self, ApiError> {
        let Asked {
            caller: _,
            member,
            body,
            today,
        } = asked;
        {
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
}

impl TryFrom<Asked<'_, dto::Resign>> for membership::RecordResignation {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::Resign>) -> Result<Self, ApiError> {
        let Asked {
            caller,
            member,
            body,
            today,
        } = asked;
        {
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
}

impl TryFrom<Asked<'_, dto::Exclude>> for membership::ExcludeMember {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::Exclude>) -> Result<Self, ApiError> {
        let Asked {
            caller: _,
            member,
            body,
            today,
        } = asked;
        {
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
}

impl TryFrom<Asked<'_, dto::RecordDeath>> for membership::RecordMembersDeath {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::RecordDeath>) -> Result<Self, ApiError> {
        let Asked {
            caller: _,
            member,
            body,
            today,
        } = asked;
        {
            Ok(membership::RecordMembersDeath {
                member,
                death: verbund_domain::RecordDeath {
                    died_on: body.died_on,
                    today,
                },
            })
        }
    }
}

impl TryFrom<Asked<'_, dto::Transfer>> for membership::TransferCapital {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::Transfer>) -> Result<Self, ApiError> {
        let Asked {
            caller,
            member,
            body,
            today,
        } = asked;
        {
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
}

impl TryFrom<Asked<'_, dto::PaySettlement>> for membership::PayOutSettlement {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::PaySettlement>) -> Result<Self, ApiError> {
        let Asked {
            caller: _,
            member,
            body,
            today,
        } = asked;
        {
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
}

impl TryFrom<Asked<'_, dto::Appoint>> for membership::AppointOfficer {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::Appoint>) -> Result<Self, ApiError> {
        let Asked {
            caller: _,
            member,
            body,
            today,
        } = asked;
        {
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
}

impl TryFrom<Asked<'_, dto::GrantVotes>> for membership::GrantMultipleVotes {
    type Error = ApiError;
    fn try_from(asked: Asked<'_, dto::GrantVotes>) -> Result<Self, ApiError> {
        let Asked {
            caller: _,
            member,
            body,
            today,
        } = asked;
        {
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
}
