//! Governance over HTTP: assemblies, motions, ballots, votes, proxies, results, minutes and
//! approved investments.
//!
//! Who sees what: members and the organs read assemblies, motions and results; the running
//! count of a ballot whose results are hidden until the close is shown to nobody, and a sealed
//! vote's content never leaves the server before the count (the events carry only its
//! commitment). Who voted how is shown to the auditors and the organs for ballots that are not
//! secret, once counted where the results were hidden; a member reads their own votes and
//! proxies.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use verbund_domain::governance::{
    Assembly, AssemblyId, BallotCounted, Channel, Choice, Mark, Motion, MotionId, MotionKind,
    OpenBallot, Outcome, Presence, Stage, SurveyMode,
};
use verbund_domain::{MemberNo, Money, Statute};
use verbund_ledger::PersonalRecord;
use verbund_projections::{Aggregates, Ballot};

use crate::app::{self, App, Executed};
use crate::http::auth::{Caller, Coop};
use crate::http::commands::{Asked, member_no, members};
use crate::http::dto;
use crate::http::error::{ActionProblems, ApiError, Problem, ReadProblems, WriteProblems};
use crate::http::extract::{Body, Params};
use crate::http::kit::{
    ReadHeaders, WriteHeaders, execute, run_write, settle_write, with_position, write_request,
    written,
};

mod minutes;
mod views;

pub use minutes::*;
pub use views::*;

// ---------------------------------------------------------------------------------------------
// Bodies

/// The form of an assembly (G43b).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
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

impl From<verbund_domain::AssemblyForm> for AssemblyForm {
    fn from(form: verbund_domain::AssemblyForm) -> Self {
        match form {
            verbund_domain::AssemblyForm::InPerson => Self::InPerson,
            verbund_domain::AssemblyForm::Virtual => Self::Virtual,
            verbund_domain::AssemblyForm::Hybrid => Self::Hybrid,
            verbund_domain::AssemblyForm::TwoPhase => Self::TwoPhase,
        }
    }
}

impl From<AssemblyForm> for verbund_domain::AssemblyForm {
    fn from(form: AssemblyForm) -> Self {
        match form {
            AssemblyForm::InPerson => Self::InPerson,
            AssemblyForm::Virtual => Self::Virtual,
            AssemblyForm::Hybrid => Self::Hybrid,
            AssemblyForm::TwoPhase => Self::TwoPhase,
        }
    }
}

/// Convening an assembly (G43b, G45, G46).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConveneBody {
    /// Its form; the statute must provide it.
    pub form: AssemblyForm,
    /// The day the invitations went out (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub convened_on: Option<Date>,
    /// The day it is held: at least two weeks after the convening.
    #[schema(value_type = String, format = Date)]
    pub held_on: Date,
    /// Where: an address, or the link of a virtual assembly.
    #[schema(min_length = 1, max_length = 500)]
    pub place: String,
    /// The member who chairs it.
    #[schema(minimum = 1)]
    pub chair: u32,
    /// The agenda.
    #[schema(min_items = 1, max_items = 50)]
    pub agenda: Vec<String>,
    /// The members whose demand forced it (G45), if any.
    #[serde(default)]
    pub demanded_by: Vec<u32>,
    /// An assembly of the delegates in the members' place (G43a): the statute must provide
    /// it, the cooperative have more members than it names, and 50 delegates be in office.
    #[serde(default)]
    pub delegates: bool,
    /// How members take part in writing or electronically — the link, how to sign in, how
    /// to vote: required for a virtual, hybrid or two-phase assembly, refused for one in
    /// person (G46).
    #[schema(min_length = 1, max_length = 2000)]
    pub participation: Option<String>,
    /// The form of a two-phase assembly's discussion phase: `in-person`, `virtual` or
    /// `hybrid`; required for a two-phase assembly only (G46).
    pub discussion: Option<AssemblyForm>,
}

/// How a member attends an assembly.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PresenceDto {
    /// In the room.
    InPerson,
    /// Online (virtual, hybrid and two-phase assemblies).
    Electronic,
    /// Through their proxy (G43-5).
    Represented,
}

impl From<PresenceDto> for Presence {
    fn from(presence: PresenceDto) -> Self {
        match presence {
            PresenceDto::InPerson => Presence::InPerson,
            PresenceDto::Electronic => Presence::Electronic,
            PresenceDto::Represented => Presence::Represented,
        }
    }
}

impl From<Presence> for PresenceDto {
    fn from(presence: Presence) -> Self {
        match presence {
            Presence::InPerson => PresenceDto::InPerson,
            Presence::Electronic => PresenceDto::Electronic,
            Presence::Represented => PresenceDto::Represented,
        }
    }
}

/// A member's attendance, recorded by the board (G46, G47).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendBody {
    /// The member.
    #[schema(minimum = 1)]
    pub member: u32,
    /// How they attend.
    pub presence: PresenceDto,
    /// Their proxy, for a represented member (who must hold their proxy).
    #[schema(minimum = 1)]
    pub proxy: Option<u32>,
}

/// A member attending an assembly.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendeeView {
    /// The member.
    pub member: u32,
    /// How.
    pub presence: PresenceDto,
    /// The proxy of a represented member.
    pub proxy: Option<u32>,
}

/// An item added to an agenda.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddItemBody {
    /// The item.
    #[schema(min_length = 1, max_length = 500)]
    pub title: String,
    /// The day it was announced (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub announced_on: Option<Date>,
    /// The members whose demand forced it (G45), if any.
    #[serde(default)]
    pub demanded_by: Vec<u32>,
}

/// How a survey is answered.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SurveyModeDto {
    /// Exactly one option.
    Single,
    /// One or more options.
    Multiple,
    /// Options ranked, best first.
    Ranking,
}

/// What a motion decides. The majority is derived from it, never given.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Proposal {
    /// A joint investment.
    JointInvestment {
        /// What is bought.
        asset: String,
        /// How much, e.g. `"48000.00"`.
        #[schema(value_type = String, pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$")]
        amount: Money,
        /// How it is paid for.
        funding_plan: String,
    },
    /// A new statute, as a whole file (G16 classifies it).
    StatuteAmendment {
        /// The statute file (TOML).
        statute_text: String,
    },
    /// The assembly's consent to admitting an investing member (G8-2).
    AdmitInvestingMember {
        /// The application's id.
        application: String,
    },
    /// Excluding a member on a ground of the statute (G68).
    Exclusion {
        /// The member.
        #[schema(minimum = 1)]
        member: u32,
        /// The statute's ground, by id.
        ground: String,
    },
    /// Electing a member to an office.
    Election {
        /// The office.
        office: dto::Office,
        /// The candidate.
        #[schema(minimum = 1)]
        member: u32,
        /// The natural person who serves for a candidate firm: required for a firm, refused
        /// for a natural person (G9-24). Kept beside the log as personal data.
        #[schema(min_length = 1, max_length = 200)]
        serving: Option<String>,
    },
    /// Discharging officers for a business year (G43-6: they do not vote).
    Discharge {
        /// The officers.
        officers: Vec<u32>,
        /// The business year, by the year it ends in.
        year: i16,
    },
    /// Using the year's profit.
    UseOfProfit {
        /// The proposal.
        proposal: String,
    },
    /// Dissolving the cooperative (G78).
    Dissolution {},
    /// Who chairs the assembly: may be resolved although announced late (G46).
    ChairAssembly {
        /// The member proposed as chair.
        #[schema(minimum = 1)]
        member: u32,
    },
    /// Convening an extraordinary assembly: may be resolved although announced late (G46).
    ConveneExtraordinary {
        /// What it is to decide.
        purpose: String,
    },
    /// Any other resolution.
    General {
        /// The text.
        text: String,
    },
    /// A non-binding survey.
    Survey {
        /// The options.
        options: Vec<String>,
        /// How it is answered.
        mode: SurveyModeDto,
    },
    /// Electing the delegates of the assembly of delegates (G43a): a secret ballot of every
    /// member, one vote each, in person; each marks up to the statute's seats of candidates
    /// by their index in this list, and the most votes win (a tie: the earlier place).
    DelegateElection {
        /// The candidates, in the order of the list: members on neither the board nor the
        /// supervisory board.
        #[schema(min_items = 1, max_items = 2000)]
        candidates: Vec<u32>,
    },
}

impl Proposal {
    /// The domain's motion, with the sealed record of the person an election names (G9-24).
    pub(crate) fn into_domain(self) -> Result<(MotionKind, Option<PersonalRecord>), ApiError> {
        let mut record = None;
        let kind = match self {
            Proposal::JointInvestment {
                asset,
                amount,
                funding_plan,
            } => MotionKind::JointInvestment {
                asset,
                amount,
                funding_plan,
            },
            Proposal::StatuteAmendment { statute_text } => {
                let statute = Statute::parse_toml(&statute_text)
                    .map_err(|e| ApiError::from(e.within("proposal")))?;
                MotionKind::StatuteAmendment {
                    statute: Box::new(statute),
                    statute_text,
                }
            }
            Proposal::AdmitInvestingMember { application } => {
                MotionKind::AdmitInvestingMember { application }
            }
            Proposal::Exclusion { member, ground } => MotionKind::Exclusion {
                member: member_no(member, "proposal.member")?,
                ground,
            },
            Proposal::Election {
                office,
                member,
                serving,
            } => {
                let sealed = app::seal_serving(serving.as_deref(), "proposal.serving")?;
                let (sealed, reference) = sealed.unzip();
                record = sealed;
                MotionKind::Election {
                    office: office.into(),
                    member: member_no(member, "proposal.member")?,
                    serving: reference,
                }
            }
            Proposal::Discharge { officers, year } => MotionKind::Discharge {
                officers: members(&officers, "proposal.officers")?
                    .into_iter()
                    .collect(),
                year,
            },
            Proposal::UseOfProfit { proposal } => MotionKind::UseOfProfit { proposal },
            Proposal::Dissolution {} => MotionKind::Dissolution,
            Proposal::ChairAssembly { member } => MotionKind::ChairAssembly {
                member: member_no(member, "proposal.member")?,
            },
            Proposal::ConveneExtraordinary { purpose } => {
                MotionKind::ConveneExtraordinary { purpose }
            }
            Proposal::General { text } => MotionKind::General { text },
            Proposal::Survey { options, mode } => MotionKind::Survey {
                options,
                mode: match mode {
                    SurveyModeDto::Single => SurveyMode::Single,
                    SurveyModeDto::Multiple => SurveyMode::Multiple,
                    SurveyModeDto::Ranking => SurveyMode::Ranking,
                },
            },
            Proposal::DelegateElection { candidates } => MotionKind::DelegateElection {
                candidates: members(&candidates, "proposal.candidates")?,
                // The statute's seats, set when the motion is put.
                seats: 0,
            },
        };
        Ok((kind, record))
    }
}

/// Putting a motion.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutMotionBody {
    /// The assembly it is put to; absent for a written ballot (where the statute allows one).
    pub assembly: Option<String>,
    /// A short title.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// What it decides.
    pub proposal: Proposal,
    /// A secret ballot: who voted how is never shown.
    #[serde(default)]
    pub secret: bool,
    /// The running result stays hidden until the close (always so for a secret ballot).
    #[serde(default)]
    pub results_hidden: bool,
    /// Members may change their vote until the close.
    #[serde(default)]
    pub votes_changeable: bool,
    /// The day it was announced to the members (default: today; G46).
    #[schema(value_type = Option<String>, format = Date)]
    pub announced_on: Option<Date>,
}

/// Opening a ballot.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenBody {
    /// The end of a written ballot's voting window (RFC 3339); optional at an assembly.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closes_at: Option<jiff::Timestamp>,
}

/// Yes, no, abstain or invalid.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ChoiceDto {
    /// For.
    Yes,
    /// Against.
    No,
    /// Present, not taking a side (does not count, G43-2).
    Abstain,
    /// Spoilt (does not count, G43-2).
    Invalid,
}

/// How a vote reached the ballot.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelDto {
    /// At the assembly, in person.
    InPerson,
    /// Electronically.
    Electronic,
    /// On paper.
    Written,
}

/// A vote: `choice` for a decision, `options` for a survey.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteBody {
    /// Whose vote: the caller's own (default), or their principal's as proxy (G43-5).
    #[schema(minimum = 1)]
    pub voter: Option<u32>,
    /// The choice on a decision.
    pub choice: Option<ChoiceDto>,
    /// A survey's options by index: one, several, or ranked best first.
    pub options: Option<Vec<u16>>,
    /// How the vote is cast (default: electronic).
    pub channel: Option<ChannelDto>,
}

/// Granting a proxy (G43-5).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantProxyBody {
    /// The member who will cast the vote.
    #[schema(minimum = 1)]
    pub proxy: u32,
    /// The evidence of the written authority, e.g. "signed form of 2027-03-01, file 17".
    #[schema(min_length = 1, max_length = 500)]
    pub evidence: String,
    /// The day of the authority (default: today).
    #[schema(value_type = Option<String>, format = Date)]
    pub granted_on: Option<Date>,
}

// ---------------------------------------------------------------------------------------------
// Writes

fn created(executed: Executed, id: String) -> Response {
    let status = if executed.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    with_position(
        executed.last,
        (
            status,
            axum::Json(Created {
                id,
                position: executed.last.get(),
                replayed: executed.replayed,
            }),
        ),
    )
}

/// The id a repeated request created first, read from its first event.
async fn first_id(app: &App, coop: &Coop, executed: Executed) -> Result<String, ApiError> {
    Ok(
        match app::first_event(app, &coop.log, executed.first).await? {
            verbund_domain::Event::AssemblyConvened(e) => e.assembly.to_string(),
            verbund_domain::Event::MotionPut(e) => e.motion.to_string(),
            _ => return Err(ApiError::from(app::ExecError::KeyReused)),
        },
    )
}

/// Convenes a general assembly with its agenda (G43b form, G46 two weeks' notice, G45 a
/// minority's demand).
#[utoipa::path(post, path = "/v1/coops/{coop}/assemblies", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"), WriteHeaders),
    request_body = ConveneBody,
    responses((status = 201, body = Created),
        (status = 200, description = "A repeated request, answered with the original", body = Created), WriteProblems),
    security(("bearer" = [])))]
pub async fn convene(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Body(body): Body<ConveneBody>,
) -> Result<Response, ApiError> {
    let (id, executed) = convene_assembly(&app, &coop, &caller, &headers, &body).await?;
    Ok(created(executed, id))
}

/// Convenes an assembly as the API's route and the board's page take it: its id (the first
/// request's, for a repeated one).
pub(crate) async fn convene_assembly(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    body: &ConveneBody,
) -> Result<(String, Executed), ApiError> {
    let id = AssemblyId::parse(&app::random_hex(8))?;
    let command = app::governance::Convene::try_from(Asked::new(caller, id.clone(), body))?;
    let executed = execute(app, coop, caller, headers, "convene", body, command).await?;
    let id = if executed.replayed {
        first_id(app, coop, executed).await?
    } else {
        id.to_string()
    };
    Ok((id, executed))
}

pub(crate) fn parse_assembly(text: &str) -> Result<AssemblyId, ApiError> {
    AssemblyId::parse(text).map_err(|_| {
        ApiError::not_found(
            "assembly-not-found",
            format!("there is no assembly {text:?}"),
        )
    })
}

pub(crate) fn parse_motion(text: &str) -> Result<MotionId, ApiError> {
    MotionId::parse(text).map_err(|_| {
        ApiError::not_found("motion-not-found", format!("there is no motion {text:?}"))
    })
}

/// Adds an item to a convened assembly's agenda (G46: resolvable if announced a week ahead;
/// G45: a minority's demand).
#[utoipa::path(post, path = "/v1/coops/{coop}/assemblies/{assembly}/items", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("assembly" = String, Path, description = "The assembly's id"), WriteHeaders),
    request_body = AddItemBody,
    responses((status = 200, body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn add_item(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, assembly)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<AddItemBody>,
) -> Result<Response, ApiError> {
    let id = parse_assembly(&assembly)?;
    let command = app::governance::AddItem::try_from(Asked::new(&caller, id.clone(), &body))?;
    let route = format!("add_item:{id}");
    let executed = execute(&app, &coop, &caller, &headers, &route, &body, command).await?;
    Ok(written(executed))
}

/// Records a member's attendance at an assembly, from its day on: themself (in the room or
/// online, as the assembly's form allows) or through their proxy (G43-5). The list is the
/// minutes' (G47), and a late item is resolved only when every member attends themself (G46).
#[utoipa::path(post, path = "/v1/coops/{coop}/assemblies/{assembly}/attendance", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("assembly" = String, Path, description = "The assembly's id"), WriteHeaders),
    request_body = AttendBody,
    responses((status = 200, body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn attend(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, assembly)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<AttendBody>,
) -> Result<Response, ApiError> {
    let id = parse_assembly(&assembly)?;
    let command =
        app::governance::RecordAttendance::try_from(Asked::new(&caller, id.clone(), &body))?;
    let route = format!("attend:{id}");
    let executed = execute(&app, &coop, &caller, &headers, &route, &body, command).await?;
    Ok(written(executed))
}

/// Puts a motion to an assembly, or to a written ballot where the statute allows one. The
/// majority it needs is derived from what it decides (G16, G78, G43-2).
#[utoipa::path(post, path = "/v1/coops/{coop}/motions", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"), WriteHeaders),
    request_body = PutMotionBody,
    responses((status = 201, body = Created),
        (status = 200, description = "A repeated request, answered with the original", body = Created), WriteProblems),
    security(("bearer" = [])))]
pub async fn put_motion(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Body(body): Body<PutMotionBody>,
) -> Result<Response, ApiError> {
    let (id, executed) = put_motion_of(&app, &coop, &caller, &headers, &body).await?;
    Ok(created(executed, id))
}

/// Puts a motion as the API's route and the board's page take it: its id (the first
/// request's, for a repeated one).
pub(crate) async fn put_motion_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    body: &PutMotionBody,
) -> Result<(String, Executed), ApiError> {
    let id = MotionId::parse(&app::random_hex(8))?;
    let command = app::governance::PutMotion::try_from(Asked::new(caller, id.clone(), body))?;
    let executed = execute(app, coop, caller, headers, "put_motion", body, command).await?;
    let id = if executed.replayed {
        first_id(app, coop, executed).await?
    } else {
        id.to_string()
    };
    Ok((id, executed))
}

/// Opens a motion's ballot: the electorate is fixed now, at this position (G43-3, G43-6,
/// G8-2); at an assembly only on its day and for items announced a week ahead (G46).
#[utoipa::path(post, path = "/v1/coops/{coop}/motions/{motion}/ballot", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("motion" = String, Path, description = "The motion's id"), WriteHeaders),
    request_body = OpenBody,
    responses((status = 200, body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn open_ballot(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, motion)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<OpenBody>,
) -> Result<Response, ApiError> {
    let id = parse_motion(&motion)?;
    let executed = open_ballot_of(&app, &coop, &caller, &headers, &id, &body).await?;
    Ok(written(executed))
}

/// Opens a ballot as the API's route and the board's page take it.
pub(crate) async fn open_ballot_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    id: &MotionId,
    body: &OpenBody,
) -> Result<Executed, ApiError> {
    let open = OpenBallot::try_from(Asked::new(caller, id.clone(), body))?;
    let route = format!("open_ballot:{id}");
    run_write(coop, caller, headers, &route, body, |request| async move {
        app::open_ballot(app, &request, id, open).await
    })
    .await
}

/// Closes a ballot and counts it: the result, with the full tally and the position of the
/// close, is recorded with what an adopted motion brings about (a new statute, an approved
/// investment, an exclusion, an election).
#[utoipa::path(post, path = "/v1/coops/{coop}/motions/{motion}/ballot/close", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("motion" = String, Path, description = "The motion's id"), WriteHeaders),
    responses((status = 200, body = ClosedBallot), ActionProblems),
    security(("bearer" = [])))]
pub async fn close_ballot(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, motion)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = parse_motion(&motion)?;
    let closed = close_ballot_of(&app, &coop, &caller, &headers, &id).await?;
    Ok(with_position(
        closed.executed.last,
        axum::Json(ClosedBallot {
            position: closed.executed.last.get(),
            replayed: closed.executed.replayed,
            result: count_view(&closed.result, false),
        }),
    ))
}

/// Closes and counts a ballot as the API's route and the board's page take it.
pub(crate) async fn close_ballot_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    id: &MotionId,
) -> Result<app::governance::Closed, ApiError> {
    let route = format!("close_ballot:{id}");
    let request = write_request(coop, caller, headers, &route, b"")?;
    let closed = app::close_ballot(app, &request, id).await?;
    settle_write(coop, closed.executed.last).await;
    Ok(closed)
}

/// The answer of a ballot's close: the result, and like every write the position to pass to a
/// later read (on any server) to see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClosedBallot {
    /// The log position of the count.
    pub position: u64,
    /// True if this answers a repeated request (the ballot was counted before).
    pub replayed: bool,
    /// The result.
    #[serde(flatten)]
    pub result: CountView,
}

/// Counts a counted ballot again from its votes and compares with the recorded result: what
/// the organs and the auditor do when a resolution is doubted. A secret ballot can be
/// recounted until its key is destroyed, once the resolution can no longer be contested
/// (W1); afterwards only its recorded tally stands.
#[utoipa::path(get, path = "/v1/coops/{coop}/motions/{motion}/recount", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("motion" = String, Path, description = "The motion's id"), ReadHeaders),
    responses((status = 200, body = RecountView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn recount(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Path((_, motion)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = parse_motion(&motion)?;
    let position = coop.runtime.position();
    let recount = app::recount(&app, &coop.log, &id).await?;
    Ok(with_position(
        position,
        axum::Json(RecountView {
            matches: recount.matches(),
            recorded: count_view(&recount.recorded, false),
            recounted: count_view(&recount.recounted, false),
        }),
    ))
}

/// A recount.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecountView {
    /// True if the votes give the recorded result.
    pub matches: bool,
    /// The result as recorded.
    pub recorded: CountView,
    /// The result counted again now.
    pub recounted: CountView,
}

/// Casts a vote: the caller's own, or as proxy their principal's (G43-5). One vote per member
/// and motion (G43-3), changeable until the close where the motion allows it, only while the
/// ballot is open (G43-2), only by members of the electorate fixed at its opening.
#[utoipa::path(post, path = "/v1/coops/{coop}/motions/{motion}/votes", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("motion" = String, Path, description = "The motion's id"), WriteHeaders),
    request_body = VoteBody,
    responses((status = 200, body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn vote(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, motion)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<VoteBody>,
) -> Result<Response, ApiError> {
    let id = parse_motion(&motion)?;
    let executed = cast_vote(&app, &coop, &caller, &headers, id, &body).await?;
    Ok(written(executed))
}

/// Casts a vote as the API's route and the ballot's page take it.
pub(crate) async fn cast_vote(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    id: MotionId,
    body: &VoteBody,
) -> Result<Executed, ApiError> {
    caller.voting_member()?;
    let mark = Mark::try_from(body)?;
    // A secret or hidden ballot's mark is sealed under its key before the command is made.
    let sealed = app::seal_vote(app, &coop.log, &id, &mark).await?;
    let about = (id.clone(), mark, sealed);
    let command = app::governance::CastVote::try_from(Asked::new(caller, about, body))?;
    let route = format!("vote:{id}");
    execute(app, coop, caller, headers, &route, body, command).await
}

/// Grants a proxy (G43-5): with evidence of the written authority, to a member holding fewer
/// than two principals, never making a chain. A new grant replaces the current one.
#[utoipa::path(post, path = "/v1/coops/{coop}/members/{member}/proxy", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "The principal's member number", minimum = 1), WriteHeaders),
    request_body = GrantProxyBody,
    responses((status = 200, body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn grant_proxy(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<GrantProxyBody>,
) -> Result<Response, ApiError> {
    let principal = super::members::parse_member(&member)?;
    let command = app::governance::GrantProxy::try_from(Asked::new(&caller, principal, &body))?;
    let route = format!("grant_proxy:{principal}");
    let executed = execute(&app, &coop, &caller, &headers, &route, &body, command).await?;
    Ok(written(executed))
}

/// Revokes the member's proxy; votes the proxy cast before stand.
#[utoipa::path(delete, path = "/v1/coops/{coop}/members/{member}/proxy", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "The principal's member number", minimum = 1), WriteHeaders),
    responses((status = 200, body = dto::Written), ActionProblems),
    security(("bearer" = [])))]
pub async fn revoke_proxy(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let principal = super::members::parse_member(&member)?;
    let executed = take_vote_back(&app, &coop, &caller, &headers, principal).await?;
    Ok(written(executed))
}

/// Takes `principal`'s vote back from their proxy today, as the API's route and the proxy page
/// do it.
pub(crate) async fn take_vote_back(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    principal: MemberNo,
) -> Result<Executed, ApiError> {
    let command = app::governance::RevokeProxy {
        principal,
        on: app::today(),
    };
    let route = format!("revoke_proxy:{principal}");
    execute(app, coop, caller, headers, &route, &(), command).await
}

// ---------------------------------------------------------------------------------------------
// Reads

/// The assemblies, by the day they are held.
#[utoipa::path(get, path = "/v1/coops/{coop}/assemblies", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"), ReadHeaders),
    responses((status = 200, body = AssemblyList), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_assemblies(Extension(coop): Extension<Coop>) -> Result<Response, ApiError> {
    let position = coop.runtime.position();
    let mut assemblies = coop.runtime.views().aggregates.read(|a| {
        a.assemblies()
            .filter_map(|(id, assembly)| assembly_view(id, assembly, a))
            .collect::<Vec<_>>()
    });
    assemblies.sort_by(|a, b| (a.held_on, &a.id).cmp(&(b.held_on, &b.id)));
    Ok(with_position(
        position,
        axum::Json(AssemblyList { assemblies }),
    ))
}

/// One assembly, with its agenda and motions.
#[utoipa::path(get, path = "/v1/coops/{coop}/assemblies/{assembly}", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("assembly" = String, Path, description = "The assembly's id"), ReadHeaders),
    responses((status = 200, body = AssemblyView), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_assembly(
    Extension(coop): Extension<Coop>,
    Path((_, assembly)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = parse_assembly(&assembly)?;
    let position = coop.runtime.position();
    let view = coop
        .runtime
        .views()
        .aggregates
        .read(|a| assembly_view(&id, &a.assembly(&id).state, a));
    let view = view.ok_or_else(|| {
        ApiError::not_found("assembly-not-found", format!("there is no assembly {id}"))
    })?;
    Ok(with_position(position, axum::Json(view)))
}

/// The motions, each with its ballot: the running count only where the results are shown,
/// the result once counted.
#[utoipa::path(get, path = "/v1/coops/{coop}/motions", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"), ReadHeaders),
    responses((status = 200, body = MotionList), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_motions(Extension(coop): Extension<Coop>) -> Result<Response, ApiError> {
    let position = coop.runtime.position();
    let mut motions = coop.runtime.views().aggregates.read(|a| {
        a.motions()
            .filter_map(|(id, m)| motion_view(id, m, a.ballot(id)))
            .collect::<Vec<_>>()
    });
    motions.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(with_position(position, axum::Json(MotionList { motions })))
}

/// One motion and its ballot.
#[utoipa::path(get, path = "/v1/coops/{coop}/motions/{motion}", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("motion" = String, Path, description = "The motion's id"), ReadHeaders),
    responses((status = 200, body = MotionView), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_motion(
    Extension(coop): Extension<Coop>,
    Path((_, motion)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = parse_motion(&motion)?;
    let position = coop.runtime.position();
    let view = coop
        .runtime
        .views()
        .aggregates
        .read(|a| motion_view(&id, &a.motion(&id).state, a.ballot(&id)));
    let view = view.ok_or_else(|| {
        ApiError::not_found("motion-not-found", format!("there is no motion {id}"))
    })?;
    Ok(with_position(position, axum::Json(view)))
}

/// Who voted how on a motion, for the organs and auditors: for a ballot that is not secret,
/// and, where the results were hidden, once counted. A secret ballot shows who took part and
/// how, never the vote.
#[utoipa::path(get, path = "/v1/coops/{coop}/motions/{motion}/votes", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("motion" = String, Path, description = "The motion's id"), VotePage, ReadHeaders),
    responses((status = 200, body = VoteList), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_votes(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Path((_, motion)): Path<(String, String)>,
    Params(page): Params<VotePage>,
) -> Result<Response, ApiError> {
    let id = parse_motion(&motion)?;
    let limit = crate::http::kit::page_limit(page.limit)?;
    let after = crate::http::kit::after_member(page.after)?;
    let position = coop.runtime.position();
    let (motion, mut votes) = coop.runtime.views().aggregates.read(|a| {
        let motion = a.motion(&id).state;
        let votes: Vec<_> = match (a.ballot(&id), after) {
            (None, _) => Vec::new(),
            (Some(b), None) => b.votes().take(limit + 1).cloned().collect(),
            (Some(b), Some(after)) => b.votes_after(after).take(limit + 1).cloned().collect(),
        };
        (motion, votes)
    });
    let next_after = (votes.len() > limit).then(|| votes[limit - 1].voter.get());
    votes.truncate(limit);
    let put = motion.put().ok_or_else(|| {
        ApiError::not_found("motion-not-found", format!("there is no motion {id}"))
    })?;
    let reveal = !put.secret && motion.counted().is_some();
    let mut sealed_marks = std::collections::HashMap::new();
    if reveal {
        let refs: Vec<_> = votes.iter().filter_map(|v| v.sealed.clone()).collect();
        sealed_marks = app::unseal_marks(&app, &coop.log, &id, &motion, &refs).await?;
    }
    let votes = votes
        .iter()
        .map(|v| {
            let mark = match (&v.mark, &v.sealed) {
                (Some(mark), _) => Some(mark),
                (None, Some(r)) if reveal => sealed_marks.get(r.record.as_str()),
                _ => None,
            };
            vote_view(v, mark)
        })
        .collect();
    Ok(with_position(
        position,
        axum::Json(VoteList { votes, next_after }),
    ))
}

/// A page of a motion's votes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VotePage {
    /// Votes of the members numbered after this one.
    #[param(minimum = 1)]
    pub after: Option<u32>,
    /// At most this many (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// A member's own votes (their sealed votes stay sealed) and their proxies (G43-5: the
/// delegation history is visible to the principal).
#[utoipa::path(get, path = "/v1/coops/{coop}/members/{member}/votes", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), ReadHeaders),
    responses((status = 200, body = VoteList), ReadProblems),
    security(("bearer" = [])))]
pub async fn member_votes(
    Extension(coop): Extension<Coop>,
    Path((_, member)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let member = super::members::parse_member(&member)?;
    let position = coop.runtime.position();
    let mut votes = coop.runtime.views().aggregates.read(|a| {
        a.motions()
            .filter_map(|(id, _)| a.ballot(id).and_then(|b| b.vote(member).state))
            .map(|v| vote_view(&v, v.mark.as_ref()))
            .collect::<Vec<_>>()
    });
    votes.sort_by(|a, b| a.motion.cmp(&b.motion));
    Ok(with_position(
        position,
        axum::Json(VoteList {
            votes,
            next_after: None,
        }),
    ))
}

/// A member's proxies: their current proxy and delegation history, and whose votes they hold.
#[utoipa::path(get, path = "/v1/coops/{coop}/members/{member}/proxies", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), ReadHeaders),
    responses((status = 200, body = ProxiesView), ReadProblems),
    security(("bearer" = [])))]
pub async fn member_proxies(
    Extension(coop): Extension<Coop>,
    Path((_, member)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let member = super::members::parse_member(&member)?;
    let position = coop.runtime.position();
    let view = coop.runtime.views().aggregates.read(|a| {
        let proxies = &a.proxies().state;
        ProxiesView {
            member: member.get(),
            proxy: proxies.proxy_of(member).map(|m| m.get()),
            history: proxies
                .history(member)
                .iter()
                .map(|d| DelegationView {
                    proxy: d.proxy.get(),
                    evidence: d.evidence.clone(),
                    granted_on: d.granted_on,
                    revoked_on: d.revoked_on,
                })
                .collect(),
            principals: proxies
                .principals_of(member)
                .iter()
                .map(|m| m.get())
                .collect(),
        }
    });
    Ok(with_position(position, axum::Json(view)))
}

/// The approved joint investments, ready for funding.
#[utoipa::path(get, path = "/v1/coops/{coop}/investments", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"), ReadHeaders),
    responses((status = 200, body = InvestmentList), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_investments(Extension(coop): Extension<Coop>) -> Result<Response, ApiError> {
    let position = coop.runtime.position();
    let investments = coop.runtime.views().aggregates.read(|a| {
        a.investments()
            .map(|i| InvestmentView {
                id: i.motion.to_string(),
                asset: i.asset.clone(),
                amount: i.amount,
                funding_plan: i.funding_plan.clone(),
                approved_on: i.approved_on,
            })
            .collect::<Vec<_>>()
    });
    Ok(with_position(
        position,
        axum::Json(InvestmentList { investments }),
    ))
}

// ---------------------------------------------------------------------------------------------
// Minutes (G47)

/// The minutes of an assembly (G47), generated from its events: as JSON or a readable text.
#[utoipa::path(get, path = "/v1/coops/{coop}/assemblies/{assembly}/minutes", tag = "governance",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("assembly" = String, Path, description = "The assembly's id"), MinutesQuery, ReadHeaders),
    responses((status = 200, body = Minutes), ReadProblems),
    security(("bearer" = [])))]
pub async fn minutes(
    Extension(coop): Extension<Coop>,
    Path((_, assembly)): Path<(String, String)>,
    Params(query): Params<MinutesQuery>,
) -> Result<Response, ApiError> {
    let text = match query.format.as_deref() {
        None | Some("json") => false,
        Some("text") => true,
        Some(_) => {
            return Err(crate::http::kit::bad_param(
                "format",
                "the minutes come as json or text",
            ));
        }
    };
    let id = parse_assembly(&assembly)?;
    let minutes = minutes_of(&coop, &id)?;
    let position = verbund_ledger::Position::new(minutes.position);
    if text {
        let body = minutes_text(&minutes);
        return Ok(with_position(
            position,
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body),
        ));
    }
    Ok(with_position(position, axum::Json(minutes)))
}

/// The minutes of an assembly as the API's route and the printable page give them.
pub(crate) fn minutes_of(coop: &Coop, id: &AssemblyId) -> Result<Minutes, ApiError> {
    let position = coop.runtime.position();
    let minutes = coop.runtime.views().aggregates.read(|a| {
        let statute = a.coop().state.statute().cloned();
        let name = statute
            .as_ref()
            .map(|s| s.name().to_string())
            .unwrap_or_default();
        let assembly = a.assembly(id).state;
        let convened = assembly.convened()?;
        let view = assembly_view(id, &assembly, a)?;
        let online = !matches!(view.form, AssemblyForm::InPerson);
        let mut resolutions = Vec::new();
        let mut amendment_lists = false;
        for motion_id in &view.motions {
            let Ok(motion_id) = MotionId::parse(motion_id) else {
                continue;
            };
            let motion = a.motion(&motion_id).state;
            let Some(put) = motion.put() else { continue };
            let kind = proposal_json(&put.proposal)["kind"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            amendment_lists |= matches!(put.proposal, MotionKind::StatuteAmendment { .. })
                && motion.counted().is_some_and(|c| c.outcome == Outcome::Adopted)
                && verbund_domain::statute::reasons_need_attendance_list(&put.reasons);
            let result = motion.counted().map(|c| count_view(c, false));
            let majority = put.majority.map(majority_text);
            let participants = online.then(|| {
                a.ballot(&motion_id)
                    .iter()
                    .flat_map(|b| b.votes())
                    .map(|vote| Participant {
                        member: vote.voter.get(),
                        channel: vote_view(vote, None).channel,
                        by_proxy: (vote.cast_by != vote.voter).then_some(vote.cast_by.get()),
                    })
                    .collect()
            });
            resolutions.push(Resolution {
                motion: motion_id.to_string(),
                title: put.title.clone(),
                kind,
                declaration: result
                    .as_ref()
                    .map(|c| declaration(view.chair, &put.title, majority.as_deref(), c)),
                majority,
                majority_rule: put.proposal.majority_rule().map(|r| r.id().to_owned()),
                stage: motion
                    .stage()
                    .map(stage_text)
                    .unwrap_or_default()
                    .to_owned(),
                secret: put.secret,
                kind_of_vote: if put.secret {
                    "secret ballot"
                } else if put.results_hidden {
                    "sealed ballot"
                } else {
                    "open ballot"
                }
                .to_owned(),
                result,
                participants,
            });
        }
        // G47 (§ 47 (3) GenG): the list of those present or represented with their votes.
        let statute_lists = statute.as_ref().is_some_and(|s| {
            s.investing_consent_by().is_some() || s.multiple_votes_max() > 1
        });
        let reason = match (statute_lists, amendment_lists) {
            (true, _) => Some(
                "the statute admits investing members or grants multiple votes (§ 47 (3) GenG)",
            ),
            (false, true) => {
                Some("an amendment § 47 (3) GenG names was resolved (§ 16 (2), (3) GenG)")
            }
            (false, false) => None,
        };
        let attendance_list = reason.map(|_| {
            let regime = a.regime_on(convened.held_on);
            let most = statute.as_ref().map_or(1, |s| regime.votes_max(s));
            assembly
                .attendance()
                .map(|present| PresentMember {
                    member: present.member.get(),
                    presence: present.presence.into(),
                    proxy: present.proxy.map(MemberNo::get),
                    votes: a
                        .member(present.member)
                        .state
                        .membership()
                        .map_or(1, |m| m.votes().clamp(1, most)),
                })
                .collect()
        });
        let place = if convened.held_at_seat() {
            format!(
                "{} (the seat of the cooperative; the assembly was held online)",
                statute.as_ref().map(|s| s.seat()).unwrap_or_default()
            )
        } else {
            convened.place.clone()
        };
        Some(Minutes {
            cooperative: name,
            place,
            signatures: vec![
                format!("the chair, member {}", view.chair),
                "at least one member of the board present".to_owned(),
            ],
            convening: format!(
                "convened on {} for {} with the agenda above, in the way the statute sets; the invitations are attached",
                convened.convened_on, convened.held_on
            ),
            assembly: view,
            resolutions,
            attendance_list,
            attendance_list_reason: reason.map(str::to_owned),
            position: position.get(),
        })
    });
    minutes.ok_or_else(|| {
        ApiError::not_found("assembly-not-found", format!("there is no assembly {id}"))
    })
}
