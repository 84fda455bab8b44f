//! The organs' pages: the board (Vorstand) and the supervisory board decide applications,
//! read the member list (G30) and a member's record, record the people who act for a member
//! and issue their sign-in links, convene assemblies (G46), put motions with the majority
//! they will need shown as they are written (G16, G78, G43-2), open, close and count their
//! ballots, and print the minutes (G47). Every form goes through the function the API's route
//! uses, and so through the same command and `decide`.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use verbund_domain::governance::{AssemblyId, MotionId};
use verbund_domain::{ApplicationId, MemberNo, Principal, TokenPurpose};

use super::Lang;
use super::pages::answer;
use super::pages::{
    Chrome, Message, amount_field, checkbox, day_field, form, majority_texts, member_field,
    member_name, private, refused_at, render, required_day, see_other,
};
use crate::app::{self, App};
use crate::http::auth::{Caller, Coop};
use crate::http::dto;
use crate::http::error::{ApiError, Problem};
use crate::http::governance::{self as gov, AssemblyForm, Proposal};
use crate::http::kit::{not_founded, settle_write, write_request};
use crate::http::members;

/// The kind of a member or applicant for people: "Betrieb · Dachdecker · Oberland".
fn kind_text(t: &super::Messages, kind: &dto::MemberKind) -> String {
    match kind {
        dto::MemberKind::NaturalPerson => t.kind_person.to_owned(),
        dto::MemberKind::Investing => t.kind_investing.to_owned(),
        dto::MemberKind::Firm { trade, region, .. } => {
            format!("{} · {trade} · {region}", t.kind_firm)
        }
    }
}

fn office_text(t: &super::Messages, office: &str) -> &'static str {
    match office {
        "board" => t.office_board,
        "supervisory-board" => t.office_supervisory_board,
        _ => t.office_treasurer,
    }
}

// ---------------------------------------------------------------------------------------------
// The board's start page

/// An assembly as the board's lists show it.
#[derive(Debug)]
struct AssemblyItem {
    id: String,
    held_on: String,
    place: String,
}

#[derive(Template)]
#[template(path = "board.html")]
struct Board {
    c: Chrome,
    applications: Vec<(dto::Application, String)>,
    /// The next page of pending applications starts after this one.
    next_after: Option<String>,
    /// This is a later page (a link leads back to the first).
    later: bool,
    assemblies: Vec<AssemblyItem>,
    may_convene: bool,
    may_run: bool,
}

/// Which page of the pending applications the board's page shows.
#[derive(Debug, Default, Deserialize)]
pub(super) struct BoardAsked {
    /// The applications after this one (as the API pages them).
    after: Option<String>,
}

/// Pending applications a page of the board's lists.
const APPLICATIONS_PER_PAGE: usize = 100;

/// `/c/{coop}/board`: the open applications, a page at a time, and the assemblies.
pub(super) async fn board(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Query(asked): Query<BoardAsked>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = Lang::of(&headers);
    let c = Chrome::of(
        &app,
        lang,
        &coop,
        &caller,
        &format!("/c/{}/board", coop.log),
    )
    .await;
    let after = asked.after.filter(|a| !a.trim().is_empty());
    let later = after.is_some();
    let query = members::ApplicationQuery {
        status: None,
        after,
        limit: Some(APPLICATIONS_PER_PAGE),
    };
    let listed = members::applications_of(&app, &coop, &query).await?;
    let next_after = listed.next_after;
    let applications = listed
        .applications
        .into_iter()
        .map(|a| {
            let kind = kind_text(c.t, &a.kind);
            let mut a = a;
            a.declared_on = c.date(&a.declared_on);
            (a, kind)
        })
        .collect();
    let mut assemblies = coop.runtime.views().aggregates.read(|a| {
        a.assemblies()
            .filter_map(|(id, assembly)| {
                let convened = assembly.convened()?;
                Some((convened.held_on, id.to_string(), convened.place.clone()))
            })
            .collect::<Vec<_>>()
    });
    assemblies.sort();
    let assemblies = assemblies
        .into_iter()
        .rev()
        .map(|(held_on, id, place)| AssemblyItem {
            id,
            held_on: c.date(held_on),
            place,
        })
        .collect();
    Ok(private(render(Board {
        may_convene: caller.may_open("/c/{coop}/board/convene"),
        may_run: caller.may_open("/c/{coop}/board/assemblies/{assembly}"),
        c,
        applications,
        next_after,
        later,
        assemblies,
    })))
}

// ---------------------------------------------------------------------------------------------
// Applications

#[derive(Template)]
#[template(path = "application.html")]
struct ApplicationPage {
    c: Chrome,
    a: dto::Application,
    /// Not decided yet.
    pending: bool,
    kind: String,
    employees: Option<u32>,
    investing: bool,
    typed: DecisionForm,
    problem: Option<Problem>,
}

impl ApplicationPage {
    fn error_at(&self, field: &str) -> bool {
        refused_at(self.problem.as_ref(), field)
    }
}

/// The decision as the forms send it.
#[derive(Debug, Default, Deserialize)]
pub(super) struct DecisionForm {
    #[serde(default)]
    admitted_on: String,
    #[serde(default)]
    investing_consent: String,
    #[serde(default)]
    reason: String,
}

async fn application_page(
    app: &App,
    lang: Lang,
    coop: &Coop,
    caller: &Caller,
    id: &ApplicationId,
    typed: DecisionForm,
    problem: Option<Problem>,
) -> Result<ApplicationPage, ApiError> {
    let mut a = members::application_of(app, coop, id).await?;
    let path = format!("/c/{}/board/applications/{id}", coop.log);
    let c = Chrome::of(app, lang, coop, caller, &path).await;
    a.declared_on = c.date(&a.declared_on);
    a.status = match a.status.as_str() {
        "pending" => c.t.status_pending,
        "admitted" => c.t.status_admitted,
        _ => c.t.status_rejected,
    }
    .to_owned();
    let pending = a.decided_on.is_none();
    Ok(ApplicationPage {
        pending,
        kind: kind_text(c.t, &a.kind),
        employees: match a.kind {
            dto::MemberKind::Firm { employees, .. } => Some(employees),
            _ => None,
        },
        investing: matches!(a.kind, dto::MemberKind::Investing),
        c,
        a,
        typed,
        problem,
    })
}

/// `/c/{coop}/board/applications/{application}`: what the applicant declared, to admit or
/// reject (G15).
pub(super) async fn application(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, application)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = ApplicationId::parse(&application)?;
    let lang = Lang::of(&headers);
    let page = application_page(
        &app,
        lang,
        &coop,
        &caller,
        &id,
        DecisionForm::default(),
        None,
    );
    Ok(private(render(page.await?)))
}

/// `POST /c/{coop}/board/applications/{application}/admit`: admits as `POST …/admission`
/// does, then shows the new member's record, where their people get sign-in links.
pub(super) async fn admit(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, application)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = ApplicationId::parse(&application)?;
    let typed: DecisionForm = form(&body)?;
    let admitted = async {
        let body = dto::Admit {
            by: None,
            admitted_on: day_field(&typed.admitted_on, "admitted_on")?,
            investing_consent: Some(typed.investing_consent.trim().to_owned())
                .filter(|t| !t.is_empty()),
        };
        let (member, executed) =
            members::admit_application(&app, &coop, &caller, &headers, &id, &body).await?;
        settle_write(&coop, executed.last).await;
        Ok(see_other(&format!("/c/{}/members/{member}", coop.log)))
    };
    let lang = Lang::of(&headers);
    answer(admitted.await, async |problem| {
        application_page(&app, lang, &coop, &caller, &id, typed, Some(problem)).await
    })
    .await
}

/// `POST /c/{coop}/board/applications/{application}/reject`: rejects as `POST …/rejection`
/// does, and says once whom to tell: the applicant's data is erased with the rejection.
pub(super) async fn reject(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, application)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = ApplicationId::parse(&application)?;
    let typed: DecisionForm = form(&body)?;
    let lang = Lang::of(&headers);
    let rejected = async {
        let body = dto::Reject {
            by: None,
            reason: typed.reason.clone(),
            rejected_on: None,
        };
        let rejected =
            members::reject_application(&app, &coop, &caller, &headers, &id, &body).await?;
        settle_write(&coop, verbund_ledger::Position::new(rejected.position)).await;
        let c = Chrome::of(&app, lang, &coop, &caller, "").await;
        let mut lines = Vec::new();
        if let Some(contact) = rejected.notify {
            lines.push(c.t.rejected_notify.to_owned());
            lines.push(format!("{}, {}", contact.name, contact.address));
        }
        lines.push(c.t.rejected_erased.to_owned());
        Ok(private(render(Message {
            title: c.t.rejected_title.to_owned(),
            c,
            lines,
            rule: Some("G15".to_owned()),
        })))
    };
    answer(rejected.await, async |problem| {
        application_page(&app, lang, &coop, &caller, &id, typed, Some(problem)).await
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The member list and a member's record

/// One line of the member list.
#[derive(Debug)]
struct MemberLine {
    member: u32,
    name: String,
    address: String,
    kind: String,
    shares: u32,
    admitted_on: String,
    exit_on: String,
    offices: String,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    c: Chrome,
    on: String,
    members: Vec<MemberLine>,
    next_after: Option<u32>,
    csv: String,
    problem: Option<Problem>,
}

/// The member list's day and page (as text: a malformed one is refused on the page).
#[derive(Debug, Default, Deserialize)]
pub(super) struct MembersQuery {
    on: Option<String>,
    after: Option<String>,
}

/// `/c/{coop}/members`: the member list (G30), now or as of a day, paged as the API pages
/// it, and as CSV.
pub(super) async fn member_list(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<MembersQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = Lang::of(&headers);
    let c = Chrome::of(
        &app,
        lang,
        &coop,
        &caller,
        &format!("/c/{}/members", coop.log),
    )
    .await;
    let typed = query.on.clone().unwrap_or_default();
    let listed = async {
        let on = day_field(&typed, "on")?;
        let after = match query.after.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(member_field(text, "after")?),
        };
        let api = members::MemberQuery {
            after,
            limit: Some(100),
            as_of_date: on,
            status: None,
            kind: None,
            format: None,
            at_position: None,
            as_of: None,
        };
        members::member_list_of(&app, &coop, &caller, &api).await
    };
    let (members, next_after, problem) = match listed.await {
        Ok((_, page)) => (page.members, page.next_after, None),
        Err(e) if e.status().is_client_error() => (Vec::new(), None, Some(e.problem())),
        Err(e) => return Err(e),
    };
    let members = members
        .iter()
        .map(|m| MemberLine {
            member: m.member,
            name: m.name.clone().unwrap_or_default(),
            address: m.address.clone().unwrap_or_default(),
            kind: kind_text(c.t, &m.kind),
            shares: m.shares,
            admitted_on: c.date(&m.admitted_on),
            exit_on: m.exit_on.as_deref().map(|d| c.date(d)).unwrap_or_default(),
            offices: m
                .offices
                .iter()
                .map(|o| office_text(c.t, o))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let day = day_field(&typed, "on").ok().flatten();
    let csv = format!(
        "/c/{}/members/export?format=csv{}",
        coop.log,
        day.map(|d| format!("&as_of_date={d}")).unwrap_or_default()
    );
    Ok(private(render(MembersPage {
        c,
        on: typed,
        members,
        next_after,
        csv,
        problem,
    })))
}

/// A person who acts for the member.
#[derive(Debug)]
struct PersonLine {
    person: String,
    capacity: &'static str,
}

#[derive(Template)]
#[template(path = "member.html")]
struct MemberPage {
    c: Chrome,
    s: dto::Statement,
    kind: String,
    offices: String,
    /// The offices held, each to end: (its value in a path, its name).
    held: Vec<(&'static str, &'static str)>,
    grounds: Vec<(String, String)>,
    people: Vec<PersonLine>,
    may_authorize: bool,
    may_offices: bool,
    may_settle: bool,
    /// The member's accounts in the books, for those who read them, as of `on`.
    accounts: Option<crate::http::books::MemberAccountsView>,
    on: String,
    capacity: String,
    /// A link just issued: (person, the link, until when).
    link: Option<(String, String, String)>,
    /// The one-time key of the people's forms.
    key: String,
    about: &'static str,
    done: bool,
    typed: MemberActionForm,
    problem: Option<Problem>,
}

impl MemberPage {
    fn error_at(&self, form: &str, field: &str) -> bool {
        self.about == form && refused_at(self.problem.as_ref(), field)
    }

    /// The refusal, shown at the form it is about (the top of the page for the rest).
    fn problem_at(&self, form: &str) -> Option<&Problem> {
        self.problem.as_ref().filter(|_| self.about == form)
    }
}

/// What a member's record shows besides the record: the capacity typed, a link just issued
/// (the person, the link, until when), a refusal.
#[derive(Debug, Default)]
struct MemberShown {
    /// The day of the member's accounts, and the page of their lines.
    on: String,
    offset: Option<usize>,
    capacity: String,
    link: Option<(String, String, String)>,
    /// The form a refusal or a confirmation is about.
    about: &'static str,
    done: bool,
    typed: MemberActionForm,
    problem: Option<Problem>,
}

async fn member_page(
    app: &App,
    lang: Lang,
    coop: &Coop,
    caller: &Caller,
    member: MemberNo,
    shown: MemberShown,
) -> Result<MemberPage, ApiError> {
    let MemberShown {
        on,
        offset,
        capacity,
        link,
        about,
        done,
        typed,
        problem,
    } = shown;
    let statement = members::statement_of(app, coop, member, None).await?;
    let c = Chrome::of(
        app,
        lang,
        coop,
        caller,
        &format!("/c/{}/members/{member}", coop.log),
    )
    .await;
    let t = c.t;
    let grounds = coop
        .runtime
        .views()
        .register
        .read(|r| {
            r.coop().map(|co| {
                co.statute
                    .exclusion_grounds()
                    .map(|(id, text)| (id.to_owned(), text.to_owned()))
                    .collect::<Vec<_>>()
            })
        })
        .unwrap_or_default();
    let (people, offices, held) = coop.runtime.views().register.read(|r| {
        let people = r
            .member(member)
            .map(|record| {
                record
                    .membership()
                    .representatives()
                    .iter()
                    .map(|(person, capacity)| PersonLine {
                        person: person.to_string(),
                        capacity: super::pages::capacity_text(t, *capacity),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let held: Vec<(&'static str, &'static str)> = r
            .offices(member, app::today())
            .iter()
            .map(|o| (o.as_str(), office_text(t, o.as_str())))
            .collect();
        let offices = held
            .iter()
            .map(|(_, name)| *name)
            .collect::<Vec<_>>()
            .join(", ");
        (people, offices, held)
    });
    use crate::http::auth::{Access, BOARD, DECIDE_MEMBERSHIP, KEEP_ACCOUNTS, READ_BOOKS};
    // The member's accounts, for those who read the books; a day that is no day shows none
    // and says why.
    let mut problem = problem;
    let accounts = if caller.may(Access::Roles(READ_BOOKS), None) {
        let read = day_field(&on, "on").and_then(|day| {
            let q = crate::http::books::MemberAccountsQuery {
                as_of_date: day,
                offset,
                limit: Some(100),
            };
            let folded = coop.runtime.views().journal.cloned();
            crate::http::books::member_accounts_of(&folded.state, member, &q, c.lang)
        });
        match read {
            Ok(view) => Some(view),
            Err(e) if e.status().is_client_error() => {
                problem = problem.or(Some(e.problem()));
                None
            }
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    Ok(MemberPage {
        kind: kind_text(t, &statement.kind),
        s: statement,
        offices,
        held,
        grounds,
        people,
        may_authorize: caller.may(Access::Roles(BOARD), None),
        may_offices: caller.may(Access::Roles(DECIDE_MEMBERSHIP), None),
        may_settle: caller.may(Access::Roles(KEEP_ACCOUNTS), None),
        accounts,
        on,
        capacity,
        link,
        key: app::random_hex(16),
        about,
        done,
        typed,
        problem,
        c,
    })
}

/// `/c/{coop}/members/{member}`: a member's record for the organs and the auditors: the
/// statement, the offices, the people who act for the member.
pub(super) async fn member(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    Query(done): Query<MemberDone>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let member = members::parse_member(&member)?;
    let lang = Lang::of(&headers);
    let about = MEMBER_ACTIONS
        .iter()
        .copied()
        .find(|a| done.done.as_deref() == Some(*a))
        .unwrap_or_default();
    let shown = MemberShown {
        on: done.on.unwrap_or_default(),
        offset: done.offset.and_then(|o| o.trim().parse().ok()),
        about,
        done: !about.is_empty(),
        ..MemberShown::default()
    };
    let page = member_page(&app, lang, &coop, &caller, member, shown);
    Ok(private(render(page.await?)))
}

/// The forms of a member's record that write (besides the people's).
const MEMBER_ACTIONS: &[&str] = &["exclusion", "death", "settlement", "offices", "dismissal"];

/// What a form of a member's record just did (`?done=…` after its redirect), and the day and
/// page of the member's accounts (a malformed page is the first).
#[derive(Debug, Default, Deserialize)]
pub(super) struct MemberDone {
    done: Option<String>,
    on: Option<String>,
    offset: Option<String>,
}

/// The forms of a member's record as they send them, named as the API's bodies name them
/// (each form uses some of the fields).
#[derive(Debug, Default, Deserialize)]
pub(super) struct MemberActionForm {
    #[serde(default)]
    ground: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    dispatched_on: String,
    #[serde(default)]
    died_on: String,
    #[serde(default)]
    paid_on: String,
    #[serde(default)]
    effective_on: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    serving: String,
}

/// A form of a member's record answered: the record with a confirmation, or with the refusal
/// at the form's field.
async fn member_action(
    app: &App,
    headers: &HeaderMap,
    coop: &Coop,
    caller: &Caller,
    member: MemberNo,
    shown: MemberShown,
    done: Result<app::Executed, ApiError>,
) -> Result<Response, ApiError> {
    let done = match done {
        Ok(executed) => {
            settle_write(coop, executed.last).await;
            return Ok(see_other(&format!(
                "/c/{}/members/{member}?done={}",
                coop.log, shown.about
            )));
        }
        Err(e) => Err(e),
    };
    let lang = Lang::of(headers);
    answer(done, async |problem| {
        let shown = MemberShown {
            problem: Some(problem),
            ..shown
        };
        member_page(app, lang, coop, caller, member, shown).await
    })
    .await
}

/// `POST /c/{coop}/members/{member}/exclusion`: excludes on a ground of the statute, as
/// `POST …/exclusion` does (G68).
pub(super) async fn exclude(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let member = members::parse_member(&member)?;
    let typed: MemberActionForm = form(&body)?;
    let done = async {
        let body = dto::Exclude {
            ground: typed.ground.clone(),
            reason: typed.reason.trim().to_owned(),
            dispatched_on: day_field(&typed.dispatched_on, "dispatched_on")?,
        };
        members::exclude_of(&app, &coop, &caller, &headers, member, &body).await
    }
    .await;
    let shown = MemberShown {
        about: "exclusion",
        typed,
        ..MemberShown::default()
    };
    member_action(&app, &headers, &coop, &caller, member, shown, done).await
}

/// `POST /c/{coop}/members/{member}/death`: records a member's death, as `POST …/death` does.
pub(super) async fn record_death(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let member = members::parse_member(&member)?;
    let typed: MemberActionForm = form(&body)?;
    let done = async {
        let died_on = required_day(&typed.died_on, "died_on")?;
        let body = dto::RecordDeath { died_on };
        members::record_death_of(&app, &coop, &caller, &headers, member, &body).await
    }
    .await;
    let shown = MemberShown {
        about: "death",
        typed,
        ..MemberShown::default()
    };
    member_action(&app, &headers, &coop, &caller, member, shown, done).await
}

/// `POST /c/{coop}/members/{member}/settlement`: pays a former member's capital out, as
/// `POST …/settlement` does (G73).
pub(super) async fn pay_settlement(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let member = members::parse_member(&member)?;
    let typed: MemberActionForm = form(&body)?;
    let done = async {
        let body = dto::PaySettlement {
            amount: amount_field(&typed.amount, "amount")?,
            paid_on: day_field(&typed.paid_on, "paid_on")?,
        };
        members::pay_settlement_of(&app, &coop, &caller, &headers, member, &body).await
    }
    .await;
    let shown = MemberShown {
        about: "settlement",
        typed,
        ..MemberShown::default()
    };
    member_action(&app, &headers, &coop, &caller, member, shown, done).await
}

fn office_of(text: &str) -> Result<dto::Office, ApiError> {
    match text {
        "board" => Ok(dto::Office::Board),
        "supervisory-board" => Ok(dto::Office::SupervisoryBoard),
        "treasurer" => Ok(dto::Office::Treasurer),
        _ => Err(ApiError::bad_request(
            "office-unknown",
            "office",
            "the offices are board, supervisory-board and treasurer",
        )),
    }
}

/// `POST /c/{coop}/members/{member}/offices`: appoints to an office, as `POST …/offices` does
/// (G9-24).
pub(super) async fn appoint(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let member = members::parse_member(&member)?;
    let typed: MemberActionForm = form(&body)?;
    let done = async {
        let body = dto::Appoint {
            office: office_of(&typed.office)?,
            serving: Some(typed.serving.trim().to_owned()).filter(|s| !s.is_empty()),
            effective_on: day_field(&typed.effective_on, "effective_on")?,
        };
        members::appoint_of(&app, &coop, &caller, &headers, member, &body).await
    }
    .await;
    member_action(
        &app,
        &headers,
        &coop,
        &caller,
        member,
        MemberShown {
            about: "offices",
            typed,
            ..MemberShown::default()
        },
        done,
    )
    .await
}

/// `POST /c/{coop}/members/{member}/dismissal`: ends an office, as `POST
/// …/offices/{office}/dismissal` does.
pub(super) async fn dismiss(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let member = members::parse_member(&member)?;
    let typed: MemberActionForm = form(&body)?;
    let done = async {
        let office = office_of(&typed.office)?;
        let body = dto::Dismiss {
            effective_on: None,
            reason: typed.reason.trim().to_owned(),
        };
        members::dismiss_of(&app, &coop, &caller, &headers, member, office, &body).await
    }
    .await;
    member_action(
        &app,
        &headers,
        &coop,
        &caller,
        member,
        MemberShown {
            about: "dismissal",
            typed,
            ..MemberShown::default()
        },
        done,
    )
    .await
}

/// The person to record, as the form sends it.
#[derive(Debug, Deserialize)]
pub(super) struct PersonForm {
    #[serde(default)]
    capacity: String,
    /// An existing person, for a new link.
    person: Option<String>,
    /// The form's one-time key.
    key: Option<String>,
}

/// `POST /c/{coop}/members/{member}/people`: records a person who acts for the member (as
/// `POST …/representatives` does) or takes one recorded, and issues their sign-in link,
/// shown on this answer only.
pub(super) async fn authorize(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    transport: Option<Extension<super::Transport>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let member = members::parse_member(&member)?;
    let typed: PersonForm = form(&body)?;
    let lang = Lang::of(&headers);
    // The form's one-time key: sending the form again (a reload) records no second person
    // and shows no second link.
    let keyed = |purpose: &str| -> Result<HeaderMap, ApiError> {
        let mut keyed = headers.clone();
        if let Some(key) = typed.key.as_deref() {
            let value = HeaderValue::from_str(&format!("{purpose}-{key}")).map_err(|_| {
                ApiError::bad_request("form-malformed", "key", "the form's key is not text")
            })?;
            keyed.insert("idempotency-key", value);
        }
        Ok(keyed)
    };
    let issued = async {
        // A member in office acts for the cooperative: the people who act for them sign in
        // with links the administrator issues, never one board member for another organ.
        let in_office = coop
            .runtime
            .views()
            .register
            .read(|r| !r.offices(member, app::today()).is_empty());
        if in_office {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "officer-link-by-admin",
                "the sign-in links of the people of a member in office are issued by the administrator",
            ));
        }
        let person = match typed.person.as_deref() {
            // A new link for a person recorded for this member.
            Some(text) => {
                let person = verbund_domain::PersonId::parse(text)?;
                let recorded = coop.runtime.views().register.read(|r| {
                    r.member(member)
                        .is_some_and(|m| m.membership().acts_for(person).is_some())
                });
                if !recorded {
                    return Err(ApiError::not_found(
                        "person-not-found",
                        format!("person {person} does not act for member {member}"),
                    ));
                }
                person
            }
            None => {
                let capacity = match typed.capacity.as_str() {
                    "themself" => dto::Capacity::Themself,
                    "managing-director" => dto::Capacity::ManagingDirector,
                    "authorised-signatory" => dto::Capacity::AuthorisedSignatory,
                    "attorney" => dto::Capacity::Attorney,
                    _ => {
                        return Err(ApiError::bad_request(
                            "capacity-missing",
                            "capacity",
                            "please choose in which capacity the person acts",
                        ));
                    }
                };
                let body = dto::AuthorizeRepresentative {
                    person: None,
                    capacity,
                    effective_on: None,
                };
                let (person, executed) = members::authorize_person(
                    &app,
                    &coop,
                    &caller,
                    &keyed("person")?,
                    member,
                    &body,
                )
                .await?;
                settle_write(&coop, executed.last).await;
                person
            }
        };
        let principal = Principal::Person { person };
        let request = write_request(
            &coop,
            &caller,
            &keyed("link")?,
            &format!("sign-in-link:{member}"),
            person.to_string().as_bytes(),
        )?;
        let link = app::issue_token(
            &app,
            &request,
            principal,
            TokenPurpose::SignInLink,
            jiff::Timestamp::now() + verbund_domain::SIGN_IN_LINK_LIFETIME,
        )
        .await?;
        settle_write(&coop, link.position).await;
        // A repeated form: the link was shown once, when it was issued.
        let secret = link.secret.ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "sign-in-link-shown",
                "this link was shown once, when it was issued; issue a new one",
            )
        })?;
        let base = page_base(transport.map(|Extension(t)| t), &headers);
        let url = super::sign_in_url(&base, &coop.log, secret.expose());
        let until = match lang {
            Lang::De => link.expires_at.strftime("%d.%m.%Y %H:%M UTC").to_string(),
            Lang::En => link.expires_at.strftime("%-d %B %Y %H:%M UTC").to_string(),
        };
        let page = member_page(
            &app,
            lang,
            &coop,
            &caller,
            member,
            MemberShown {
                link: Some((person.to_string(), url, until)),
                ..MemberShown::default()
            },
        )
        .await?;
        Ok(private(render(page)))
    };
    answer(issued.await, async |problem| {
        member_page(
            &app,
            lang,
            &coop,
            &caller,
            member,
            MemberShown {
                capacity: typed.capacity.clone(),
                problem: Some(problem),
                ..MemberShown::default()
            },
        )
        .await
    })
    .await
}

/// The address the pages are reached at, for a link to hand over: the operator's public
/// address, else the request's.
fn page_base(transport: Option<super::Transport>, headers: &HeaderMap) -> String {
    if let Some(url) = transport.and_then(|t| t.public_url) {
        return url;
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("localhost");
    let scheme = headers
        .get(axum::http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(|o| o.split_once("://").map(|(s, _)| s))
        .filter(|s| *s == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

// ---------------------------------------------------------------------------------------------
// Convening an assembly

#[derive(Template)]
#[template(path = "convene.html")]
struct ConvenePage {
    c: Chrome,
    today: String,
    earliest: String,
    earliest_iso: String,
    forms: Vec<(&'static str, &'static str)>,
    typed: ConveneForm,
    problem: Option<Problem>,
}

impl ConvenePage {
    fn error_at(&self, field: &str) -> bool {
        refused_at(self.problem.as_ref(), field)
    }

    /// True if the problem names a field under `prefix` (an agenda's item, `agenda[2]`).
    fn error_at_prefix(&self, prefix: &str) -> bool {
        self.problem
            .as_ref()
            .and_then(|p| p.field.as_deref())
            .is_some_and(|f| f.starts_with(prefix))
    }
}

/// The convening as the form sends it.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ConveneForm {
    #[serde(default)]
    form: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    chair: String,
    #[serde(default)]
    agenda: String,
    #[serde(default)]
    participation: String,
    #[serde(default)]
    discussion: String,
}

impl ConveneForm {
    fn body(&self) -> Result<gov::ConveneBody, ApiError> {
        let form = match self.form.as_str() {
            "in-person" => AssemblyForm::InPerson,
            "virtual" => AssemblyForm::Virtual,
            "hybrid" => AssemblyForm::Hybrid,
            "two-phase" => AssemblyForm::TwoPhase,
            _ => {
                return Err(ApiError::bad_request(
                    "form-missing",
                    "form",
                    "please choose the assembly's form",
                ));
            }
        };
        let held_on = required_day(&self.held_on, "held_on")?;
        Ok(gov::ConveneBody {
            form,
            convened_on: None,
            held_on,
            place: self.place.trim().to_owned(),
            chair: member_field(&self.chair, "chair")?,
            agenda: self
                .agenda
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            demanded_by: Vec::new(),
            delegates: false,
            participation: Some(self.participation.trim().to_owned()).filter(|p| !p.is_empty()),
            // Only a two-phase assembly has a discussion phase of its own (G46).
            discussion: match (form, self.discussion.as_str()) {
                (AssemblyForm::TwoPhase, "in-person") => Some(AssemblyForm::InPerson),
                (AssemblyForm::TwoPhase, "virtual") => Some(AssemblyForm::Virtual),
                (AssemblyForm::TwoPhase, "hybrid") => Some(AssemblyForm::Hybrid),
                _ => None,
            },
        })
    }
}

fn form_text(
    t: &super::Messages,
    form: verbund_domain::AssemblyForm,
) -> (&'static str, &'static str) {
    use verbund_domain::AssemblyForm as F;
    match form {
        F::InPerson => ("in-person", t.form_in_person),
        F::Virtual => ("virtual", t.form_virtual),
        F::Hybrid => ("hybrid", t.form_hybrid),
        F::TwoPhase => ("two-phase", t.form_two_phase),
    }
}

async fn convene_page(
    app: &App,
    lang: Lang,
    coop: &Coop,
    caller: &Caller,
    typed: ConveneForm,
    problem: Option<Problem>,
) -> Result<ConvenePage, ApiError> {
    let c = Chrome::of(
        app,
        lang,
        coop,
        caller,
        &format!("/c/{}/board/convene", coop.log),
    )
    .await;
    let statute_forms = coop
        .runtime
        .views()
        .register
        .read(|r| r.coop().map(|co| co.statute.assembly_forms().to_vec()))
        .ok_or_else(not_founded)?;
    let today = app::today();
    // G46: two weeks between the invitation and the assembly.
    let earliest = today
        .checked_add(jiff::Span::new().days(verbund_domain::governance::assembly::NOTICE_DAYS_MIN))
        .map_err(ApiError::internal)?;
    Ok(ConvenePage {
        today: c.date(today),
        earliest: c.date(earliest),
        earliest_iso: earliest.to_string(),
        forms: statute_forms
            .into_iter()
            .map(|f| form_text(c.t, f))
            .collect(),
        c,
        typed,
        problem,
    })
}

/// `/c/{coop}/board/convene`: convening a general assembly, with the earliest day G46 allows.
pub(super) async fn convene_form(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = Lang::of(&headers);
    let typed = ConveneForm {
        chair: caller.member().map(|m| m.to_string()).unwrap_or_default(),
        ..ConveneForm::default()
    };
    let page = convene_page(&app, lang, &coop, &caller, typed, None).await?;
    Ok(private(render(page)))
}

/// `POST /c/{coop}/board/convene`: convenes as `POST …/assemblies` does.
pub(super) async fn convene(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let typed: ConveneForm = form(&body)?;
    let convened = async {
        let body = typed.body()?;
        let (id, executed) = gov::convene_assembly(&app, &coop, &caller, &headers, &body).await?;
        settle_write(&coop, executed.last).await;
        Ok(see_other(&format!("/c/{}/board/assemblies/{id}", coop.log)))
    };
    let lang = Lang::of(&headers);
    answer(convened.await, async |problem| {
        convene_page(&app, lang, &coop, &caller, typed, Some(problem)).await
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Running an assembly

/// A motion as the assembly's page shows it to the board.
#[derive(Debug)]
struct MotionRow {
    id: String,
    title: String,
    stage: &'static str,
    majority: String,
    may_open: bool,
    may_close: bool,
    result: Option<(String, String, u64, &'static str)>,
}

#[derive(Template)]
#[template(path = "assembly.html")]
struct AssemblyPage {
    c: Chrome,
    a: gov::AssemblyView,
    form: &'static str,
    convened_on: String,
    held_on: String,
    motions: Vec<MotionRow>,
    typed: MotionForm,
    preview: Preview,
    problem: Option<Problem>,
}

impl AssemblyPage {
    fn error_at(&self, field: &str) -> bool {
        refused_at(self.problem.as_ref(), field)
    }
}

/// The majority a motion being written will need, or why it cannot be told yet.
#[derive(Debug, Default)]
struct Preview {
    majority: Option<String>,
    why: Option<&'static str>,
    reasons: Vec<String>,
    problem: Option<String>,
}

/// The fragment htmx swaps in as a motion is written.
#[derive(Template)]
#[template(path = "majority.html")]
struct MajorityFragment {
    c: Chrome,
    preview: Preview,
}

/// A motion as the form sends it.
#[derive(Debug, Default, Deserialize)]
pub(super) struct MotionForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    asset: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    funding: String,
    #[serde(default)]
    statute_text: String,
    #[serde(default)]
    announced_on: String,
    #[serde(default, deserialize_with = "checkbox")]
    secret: bool,
    #[serde(default, deserialize_with = "checkbox")]
    changeable: bool,
}

impl MotionForm {
    /// What the motion decides, as the API's body says it.
    fn proposal(&self) -> Result<Proposal, ApiError> {
        Ok(match self.kind.as_str() {
            "investment" => Proposal::JointInvestment {
                asset: self.asset.trim().to_owned(),
                amount: amount_field(&self.amount, "amount")?,
                funding_plan: self.funding.trim().to_owned(),
            },
            "amendment" => Proposal::StatuteAmendment {
                statute_text: self.statute_text.clone(),
            },
            "dissolution" => Proposal::Dissolution {},
            "profit" => Proposal::UseOfProfit {
                proposal: self.text.trim().to_owned(),
            },
            _ => Proposal::General {
                text: self.text.trim().to_owned(),
            },
        })
    }

    fn is_empty(&self) -> bool {
        self.kind.is_empty()
    }
}

/// The majority the motion typed will need, decided as putting it would decide it.
fn preview(coop: &Coop, lang: Lang, typed: &MotionForm) -> Preview {
    let t = lang.messages();
    if typed.is_empty() {
        return Preview::default();
    }
    let statute = coop
        .runtime
        .views()
        .register
        .read(|r| r.coop().map(|c| c.statute.clone()));
    let Some(statute) = statute else {
        return Preview::default();
    };
    let kind = typed.proposal().and_then(|p| p.into_domain());
    match kind {
        Ok((kind, _)) => {
            let r = verbund_domain::governance::requirement(&statute, &kind);
            let majority = r.majority.map(String::from);
            let rule = r.rule.map(|rule| rule.id().to_owned());
            let (majority, why) = majority_texts(t, majority.as_deref(), rule.as_deref());
            Preview {
                majority: Some(majority),
                why,
                reasons: r.reasons,
                problem: None,
            }
        }
        Err(e) => Preview {
            problem: Some(super::pages::problem_text(lang, &e.problem())),
            ..Preview::default()
        },
    }
}

async fn assembly_page(
    app: &App,
    lang: Lang,
    coop: &Coop,
    caller: &Caller,
    id: &AssemblyId,
    typed: MotionForm,
    problem: Option<Problem>,
) -> Result<AssemblyPage, ApiError> {
    let path = format!("/c/{}/board/assemblies/{id}", coop.log);
    let c = Chrome::of(app, lang, coop, caller, &path).await;
    let t = c.t;
    let (view, motions) = coop
        .runtime
        .views()
        .aggregates
        .read(|a| {
            let view = gov::assembly_view(id, &a.assembly(id).state, a)?;
            let motions: Vec<gov::MotionView> = view
                .motions
                .iter()
                .filter_map(|m| {
                    let motion = MotionId::parse(m).ok()?;
                    gov::motion_view(&motion, &a.motion(&motion).state, a.ballot(&motion))
                })
                .collect();
            Some((view, motions))
        })
        .ok_or_else(|| {
            ApiError::not_found("assembly-not-found", format!("there is no assembly {id}"))
        })?;
    let motions = motions
        .into_iter()
        .map(|m| {
            let (majority, _) =
                majority_texts(t, m.majority.as_deref(), m.majority_rule.as_deref());
            MotionRow {
                stage: super::pages::stage_text(t, &m.stage),
                may_open: m.stage == "put",
                may_close: m.stage == "open",
                result: m.result.as_ref().map(|r| {
                    let denominator = r.denominator.as_deref();
                    (
                        votes_of(lang, r.yes.as_deref(), denominator),
                        votes_of(lang, r.no.as_deref(), denominator),
                        r.abstentions.unwrap_or(0),
                        outcome_text(t, &r.outcome),
                    )
                }),
                id: m.id,
                title: m.title,
                majority,
            }
        })
        .collect();
    let preview = preview(coop, lang, &typed);
    Ok(AssemblyPage {
        form: form_text(t, view.form.into()).1,
        convened_on: c.date(view.convened_on),
        held_on: c.date(view.held_on),
        a: view,
        motions,
        typed,
        preview,
        problem,
        c,
    })
}

pub(super) fn outcome_text(t: &super::Messages, outcome: &str) -> &'static str {
    match outcome {
        "adopted" => t.outcome_adopted,
        "rejected" => t.outcome_rejected,
        "surveyed" => t.outcome_surveyed,
        _ => t.outcome_no_quorum,
    }
}

/// Votes counted in units of `1 / denominator` (where investing members' weight or multiple
/// votes were capped, G8-2, G43-3) as the number of votes they are: whole where they are
/// whole, else to two places, in the reader's way of writing numbers (`6`, `5,33`).
pub(super) fn votes_of(lang: Lang, units: Option<&str>, denominator: Option<&str>) -> String {
    use rust_decimal::Decimal;
    let Some(units) = units else {
        return String::new();
    };
    let parse = |text: &str| text.parse::<Decimal>().ok();
    let votes = match (parse(units), denominator.and_then(parse)) {
        (Some(units), Some(denominator)) if !denominator.is_zero() => {
            units.checked_div(denominator).map(|v| {
                v.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                    .normalize()
            })
        }
        (Some(units), None) => Some(units),
        _ => None,
    };
    let Some(votes) = votes else {
        return units.to_owned();
    };
    match lang {
        Lang::De => votes.to_string().replace('.', ","),
        Lang::En => votes.to_string(),
    }
}

/// `/c/{coop}/board/assemblies/{assembly}`: the assembly with its motions, each to open,
/// close and count; a motion to put, with the majority it will need (as a fragment for htmx
/// while it is written, or the whole page with the form's "show" button).
pub(super) async fn assembly(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, assembly)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = gov::parse_assembly(&assembly)?;
    let lang = Lang::of(&headers);
    let page = assembly_page(&app, lang, &coop, &caller, &id, MotionForm::default(), None);
    Ok(private(render(page.await?)))
}

/// `POST /c/{coop}/board/assemblies/{assembly}/majority`: the majority the motion being
/// written will need, decided as putting it would decide it; writes nothing. For htmx the
/// fragment, else the assembly's page with the form as typed (a statute amendment is a
/// whole file: too long for a query).
pub(super) async fn majority(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, assembly)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = gov::parse_assembly(&assembly)?;
    let typed: MotionForm = form(&body)?;
    let lang = Lang::of(&headers);
    if headers.contains_key("hx-request") {
        let c = Chrome::new(lang, None, "");
        let preview = preview(&coop, lang, &typed);
        return Ok(private(render(MajorityFragment { c, preview })));
    }
    let page = assembly_page(&app, lang, &coop, &caller, &id, typed, None).await?;
    Ok(private(render(page)))
}

/// `POST /c/{coop}/board/assemblies/{assembly}/motions`: puts a motion to the assembly as
/// `POST …/motions` does.
pub(super) async fn put_motion(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, assembly)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = gov::parse_assembly(&assembly)?;
    let typed: MotionForm = form(&body)?;
    let put = async {
        let body = gov::PutMotionBody {
            assembly: Some(id.to_string()),
            title: typed.title.trim().to_owned(),
            proposal: typed.proposal()?,
            secret: typed.secret,
            results_hidden: false,
            votes_changeable: typed.changeable,
            announced_on: day_field(&typed.announced_on, "announced_on")?,
        };
        let (_, executed) = gov::put_motion_of(&app, &coop, &caller, &headers, &body).await?;
        settle_write(&coop, executed.last).await;
        Ok(see_other(&format!("/c/{}/board/assemblies/{id}", coop.log)))
    };
    let lang = Lang::of(&headers);
    answer(put.await, async |problem| {
        assembly_page(&app, lang, &coop, &caller, &id, typed, Some(problem)).await
    })
    .await
}

/// The assembly a motion is put to, for the page to return to.
fn assembly_of(coop: &Coop, motion: &MotionId) -> Option<String> {
    coop.runtime.views().aggregates.read(|a| {
        a.motion(motion)
            .state
            .put()
            .and_then(|p| p.assembly.as_ref().map(ToString::to_string))
    })
}

/// `POST /c/{coop}/board/motions/{motion}/open`: opens the ballot as `POST …/ballot` does.
pub(super) async fn open_ballot(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, motion)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = gov::parse_motion(&motion)?;
    let assembly = assembly_of(&coop, &id);
    let body = gov::OpenBody { closes_at: None };
    let opened = async {
        let executed = gov::open_ballot_of(&app, &coop, &caller, &headers, &id, &body).await?;
        settle_write(&coop, executed.last).await;
        Ok(back_to_assembly(&coop, assembly.as_deref(), &id))
    }
    .await;
    motion_action(&app, &headers, &coop, &caller, assembly, opened).await
}

/// `POST /c/{coop}/board/motions/{motion}/close`: closes and counts as `POST …/ballot/close`
/// does.
pub(super) async fn close_ballot(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, motion)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = gov::parse_motion(&motion)?;
    let assembly = assembly_of(&coop, &id);
    let closed = async {
        gov::close_ballot_of(&app, &coop, &caller, &headers, &id).await?;
        Ok(back_to_assembly(&coop, assembly.as_deref(), &id))
    }
    .await;
    motion_action(&app, &headers, &coop, &caller, assembly, closed).await
}

fn back_to_assembly(coop: &Coop, assembly: Option<&str>, motion: &MotionId) -> Response {
    match assembly {
        Some(assembly) => see_other(&format!("/c/{}/board/assemblies/{assembly}", coop.log)),
        None => see_other(&format!("/c/{}/motions/{motion}", coop.log)),
    }
}

/// A ballot's action answered: the assembly's page again, with a refusal shown on it.
async fn motion_action(
    app: &App,
    headers: &HeaderMap,
    coop: &Coop,
    caller: &Caller,
    assembly: Option<String>,
    done: Result<Response, ApiError>,
) -> Result<Response, ApiError> {
    let Some(assembly) = assembly else {
        return done;
    };
    answer(done, async |problem| {
        let id = gov::parse_assembly(&assembly)?;
        let lang = Lang::of(headers);
        assembly_page(
            app,
            lang,
            coop,
            caller,
            &id,
            MotionForm::default(),
            Some(problem),
        )
        .await
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The minutes

/// A resolution as the minutes print it.
#[derive(Debug)]
struct ResolutionText {
    title: String,
    kind_of_vote: &'static str,
    majority: String,
    result: Option<(String, String, u64, u64, &'static str)>,
    participants: Vec<String>,
}

#[derive(Template)]
#[template(path = "minutes.html")]
struct MinutesPage {
    c: Chrome,
    m: gov::Minutes,
    form: &'static str,
    held_on: String,
    convened_on: String,
    chair: String,
    resolutions: Vec<ResolutionText>,
    attendance: Vec<String>,
}

/// `/c/{coop}/assemblies/{assembly}/minutes`: the minutes (G47) as a printable document, from
/// the same function as the API's minutes.
pub(super) async fn minutes(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, assembly)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = gov::parse_assembly(&assembly)?;
    let m = gov::minutes_of(&coop, &id)?;
    let lang = Lang::of(&headers);
    let path = format!("/c/{}/assemblies/{id}/minutes", coop.log);
    let c = Chrome::of(&app, lang, &coop, &caller, &path).await;
    let t = c.t;
    let chair_no = MemberNo::new(m.assembly.chair);
    let chair_name = match chair_no {
        Some(no) => member_name(&app, &coop, no).await,
        None => None,
    };
    let chair = match chair_name {
        Some(name) => format!("{} {} · {name}", t.member_no, m.assembly.chair),
        None => format!("{} {}", t.member_no, m.assembly.chair),
    };
    let presence = |p: &gov::PresenceDto, proxy: Option<u32>| match (p, proxy) {
        (gov::PresenceDto::Represented, Some(proxy)) => {
            format!("{} {} {proxy}", t.presence_represented, t.member_no)
        }
        (gov::PresenceDto::Represented, None) => t.presence_represented.to_owned(),
        (gov::PresenceDto::Electronic, _) => t.presence_electronic.to_owned(),
        (gov::PresenceDto::InPerson, _) => t.presence_in_person.to_owned(),
    };
    let resolutions = m
        .resolutions
        .iter()
        .map(|r| {
            let (majority, _) =
                majority_texts(t, r.majority.as_deref(), r.majority_rule.as_deref());
            ResolutionText {
                title: r.title.clone(),
                kind_of_vote: if r.secret {
                    t.vote_secret
                } else if r.kind_of_vote == "sealed ballot" {
                    t.vote_sealed_kind
                } else {
                    t.vote_open_kind
                },
                majority,
                result: r.result.as_ref().map(|c| {
                    let denominator = c.denominator.as_deref();
                    (
                        votes_of(lang, c.yes.as_deref(), denominator),
                        votes_of(lang, c.no.as_deref(), denominator),
                        c.abstentions.unwrap_or(0),
                        c.participants,
                        outcome_text(t, &c.outcome),
                    )
                }),
                participants: r
                    .participants
                    .iter()
                    .flatten()
                    .map(|p| {
                        let channel = match p.channel.as_str() {
                            "in-person" => t.channel_in_person,
                            "written" => t.channel_written,
                            _ => t.channel_electronic,
                        };
                        match p.by_proxy {
                            Some(proxy) => format!(
                                "{} {}: {channel}, {} {proxy}",
                                t.member_no, p.member, t.vote_as_proxy
                            ),
                            None => format!("{} {}: {channel}", t.member_no, p.member),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let attendance = m
        .attendance_list
        .iter()
        .flatten()
        .map(|p| {
            format!(
                "{} {}: {} ({} {})",
                t.member_no,
                p.member,
                presence(&p.presence, p.proxy),
                p.votes,
                t.votes_word
            )
        })
        .collect();
    Ok(private(render(MinutesPage {
        form: form_text(t, m.assembly.form.into()).1,
        held_on: c.date(m.assembly.held_on),
        convened_on: c.date(m.assembly.convened_on),
        chair,
        resolutions,
        attendance,
        c,
        m,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// G8-2, G43-3: where weights were capped, the votes are counted in units of a common
    /// denominator; the pages show them as votes, not as units.
    #[test]
    fn g8_2_g43_3_capped_votes_read_as_votes() {
        assert_eq!(votes_of(Lang::De, Some("60"), Some("10")), "6");
        assert_eq!(votes_of(Lang::De, Some("16"), Some("3")), "5,33");
        assert_eq!(votes_of(Lang::En, Some("16"), Some("3")), "5.33");
        // Half a hundredth rounds up, as people round.
        assert_eq!(votes_of(Lang::De, Some("1"), Some("8")), "0,13");
        assert_eq!(votes_of(Lang::De, Some("7"), Some("1")), "7");
        assert_eq!(votes_of(Lang::De, Some("7"), None), "7");
        assert_eq!(votes_of(Lang::De, None, Some("3")), "");
    }

    /// Every outcome has words of its own: a survey is no quorum missed.
    #[test]
    fn every_outcome_reads_as_itself() {
        let t = Lang::De.messages();
        let told: std::collections::BTreeSet<&str> =
            ["adopted", "rejected", "no-quorum", "surveyed"]
                .into_iter()
                .map(|o| outcome_text(t, o))
                .collect();
        assert_eq!(told.len(), 4);
    }

    proptest! {
        /// Any count in any units reads as the votes it is, to the hundredth.
        #[test]
        fn votes_read_back_within_a_hundredth(units in 0u64..10_000_000, denominator in 1u64..10_000) {
            use rust_decimal::Decimal;
            let shown = votes_of(Lang::De, Some(&units.to_string()), Some(&denominator.to_string()));
            let read: Decimal = shown.replace(',', ".").parse().expect("a number");
            let exact = Decimal::from(units) / Decimal::from(denominator);
            prop_assert!((read - exact).abs() <= Decimal::new(5, 3), "{shown} for {units}/{denominator}");
        }
    }
}
