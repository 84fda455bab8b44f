//! Membership over HTTP: applications and their decision, shares, payments, the ways out, the
//! settlement and offices (writes); the member list (G30), one member, a member's statement,
//! the public directory of member firms (reads).
//!
//! Who sees what: the organs (board, supervisory board, treasurer) and auditors see every
//! member's full entry; a member sees their own in full and the public part of the others
//! (no address, no money); the public sees the firms that consented to be listed.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use verbund_domain::{
    ApplicationId, Decided, Event, MemberNo, Membership, Money, Organ, Person, PersonalRef,
};
use verbund_ledger::Position;
use verbund_projections::{MemberRecord, Register};

use crate::app::{self, App, Executed};
use crate::http::auth::{Caller, Coop};
use crate::http::commands::Asked;
use crate::http::dto;
use crate::http::error::{ApiError, Problem, PublicReadProblems, ReadProblems, WriteProblems};
use crate::http::extract::{Body, Params};
use crate::http::kit::{
    ReadHeaders, WriteHeaders, after_member, as_of, bad_param, execute, not_founded, page_limit,
    people, with_position, written,
};

/// The person behind one reference, if there is one and it is present.
async fn person_of(
    app: &App,
    coop: &Coop,
    person: Option<&PersonalRef>,
) -> Result<Option<Person>, ApiError> {
    let Some(person) = person else {
        return Ok(None);
    };
    Ok(people(app, &coop.log, std::slice::from_ref(person))
        .await?
        .remove(person.record.as_str()))
}

/// A member number from a path: malformed is a bad request.
pub(crate) fn parse_member(text: &str) -> Result<MemberNo, ApiError> {
    MemberNo::parse(text).map_err(ApiError::from)
}

/// The answer for a member number the register does not have.
pub(crate) fn no_member(member: MemberNo) -> ApiError {
    ApiError::not_found("member-not-found", format!("there is no member {member}"))
}

// ---------------------------------------------------------------------------------------------
// Reads

/// Which members a list holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Members on the day.
    Member,
    /// Members whose membership ended before the day (kept for the legal period, G30).
    Exited,
    /// Everyone admitted by the day.
    All,
}

/// Kinds of member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum KindFilter {
    /// Natural persons.
    NaturalPerson,
    /// Firms.
    Firm,
    /// Investing members.
    Investing,
}

/// The format of the member list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// A page of JSON.
    Json,
    /// Every matching entry as CSV (RFC 4180), paging ignored.
    Csv,
}

/// Filters and paging of the member list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// Members after this number.
    #[param(minimum = 1)]
    pub after: Option<u32>,
    /// At most this many (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// The list as it stood on this day (G30): who was a member, with the shares of that day.
    /// Without it, every entry the register keeps, as of now.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of_date: Option<Date>,
    /// `member` (default with `as_of_date`), `exited` or `all` (default without), relative to
    /// `as_of_date` or today.
    #[param(inline)]
    pub status: Option<Status>,
    /// Only members of this kind.
    #[param(inline)]
    pub kind: Option<KindFilter>,
    /// `json` (default) or `csv`.
    #[param(inline)]
    pub format: Option<Format>,
    /// What the register knew at this log position.
    #[param(minimum = 0)]
    pub at_position: Option<u64>,
    /// What the register knew at this moment (RFC 3339, e.g. `2026-11-24T12:00:00Z`).
    pub as_of: Option<String>,
}

/// The selection a member list query makes.
struct Selection {
    /// The day of the list, if it asks for one.
    as_of_date: Option<Date>,
    /// The day the status refers to.
    day: Date,
    status: Status,
    kind: Option<KindFilter>,
}

impl Selection {
    fn new(query: &MemberQuery) -> Self {
        let status = query.status.unwrap_or(match query.as_of_date {
            Some(_) => Status::Member,
            None => Status::All,
        });
        Self {
            as_of_date: query.as_of_date,
            day: query.as_of_date.unwrap_or_else(app::today),
            status,
            kind: query.kind,
        }
    }

    fn admits(&self, m: &Membership) -> bool {
        let kind = match (self.kind, m.kind()) {
            (None, _) => true,
            (Some(KindFilter::NaturalPerson), verbund_domain::MemberKind::NaturalPerson) => true,
            (Some(KindFilter::Firm), verbund_domain::MemberKind::Firm { .. }) => true,
            (Some(KindFilter::Investing), verbund_domain::MemberKind::Investing) => true,
            (Some(_), _) => false,
        };
        let status = match self.status {
            Status::Member => m.is_member_on(self.day),
            Status::Exited => m.exit().is_some_and(|e| e.effective_on < self.day),
            Status::All => self.as_of_date.is_none_or(|day| m.admitted_on() <= day),
        };
        kind && status
    }
}

/// One entry without the personal data, which the caller adds as it may see it.
fn entry(register: &Register, record: &MemberRecord, selection: Option<&Selection>) -> dto::Member {
    let m = record.membership();
    let as_of_date = selection.and_then(|s| s.as_of_date);
    // On a past day, an exit declared later was not yet there.
    let exit = m
        .exit()
        .filter(|e| as_of_date.is_none_or(|day| e.declared_on <= day));
    dto::Member {
        member: m.member().get(),
        name: None,
        address: None,
        kind: m.kind().into(),
        shares: as_of_date.map_or(m.shares(), |day| record.shares_on(day)),
        listed: m.is_listed(),
        admitted_on: m.admitted_on().to_string(),
        founder: m.is_founder(),
        exit_on: exit.map(|e| e.effective_on.to_string()),
        exit_cause: exit.map(|e| e.cause.as_str().to_owned()),
        offices: match as_of_date {
            // Offices by day are in the log; the list of a past day does not guess them.
            Some(_) => Vec::new(),
            None => register
                .offices(m.member(), app::today())
                .iter()
                .map(|o| o.as_str().to_owned())
                .collect(),
        },
        history: None,
    }
}

/// The member list (G30): paged, filtered, now or as of a day; as JSON or CSV.
#[utoipa::path(get, path = "/v1/coops/{coop}/members", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"), MemberQuery, ReadHeaders),
    responses((status = 200, body = dto::MemberPage,
            content((dto::MemberPage = "application/json"), (String = "text/csv"))), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_members(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Params(query): Params<MemberQuery>,
) -> Result<Response, ApiError> {
    let csv = query.format == Some(Format::Csv);
    let (position, page) = member_list_of(&app, &coop, &caller, &query).await?;
    if csv {
        let day = query.as_of_date.unwrap_or_else(app::today);
        return Ok(with_position(
            position,
            csv_response(&coop, day, &page.members),
        ));
    }
    Ok(with_position(position, axum::Json(page)))
}

/// The member list as the API's route and the organs' page select it: a page of it, or every
/// matching entry for CSV; the names, and the addresses where the caller sees them.
pub(crate) async fn member_list_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    query: &MemberQuery,
) -> Result<(Position, dto::MemberPage), ApiError> {
    let limit = page_limit(query.limit)?;
    let after = after_member(query.after)?;
    let csv = query.format == Some(Format::Csv);
    caller.check_member_list(csv, query.at_position.is_some() || query.as_of.is_some())?;
    let selection = Selection::new(query);
    let select = |register: &Register| {
        let matching = register
            .members_after(if csv { None } else { after })
            .filter(|record| selection.admits(record.membership()));
        let taken: Vec<&MemberRecord> = if csv {
            matching.collect()
        } else {
            matching.take(limit + 1).collect()
        };
        let next_after =
            (!csv && taken.len() > limit).then(|| taken[limit - 1].membership().member().get());
        let shown = if csv {
            taken.len()
        } else {
            taken.len().min(limit)
        };
        let refs: Vec<Option<PersonalRef>> = taken[..shown]
            .iter()
            .map(|record| record.membership().person_present().cloned())
            .collect();
        let entries: Vec<dto::Member> = taken[..shown]
            .iter()
            .map(|record| entry(register, record, Some(&selection)))
            .collect();
        (entries, refs, next_after)
    };
    let (position, (mut entries, refs, next_after)) =
        match as_of(app, coop, query.at_position, query.as_of.as_deref()).await? {
            Some(past) => {
                let folded =
                    verbund_projections::fold_until::<Register>(app.ledger(), &coop.log, past)
                        .await?;
                (folded.position, select(&folded.state))
            }
            None => {
                let position = coop.runtime.position();
                (position, coop.runtime.views().register.read(select))
            }
        };
    let present: Vec<PersonalRef> = refs.iter().flatten().cloned().collect();
    let found = people(app, &coop.log, &present).await?;
    let with_address = caller.sees_every_member();
    for (member, person) in entries.iter_mut().zip(&refs) {
        if let Some(p) = person.as_ref().and_then(|r| found.get(r.record.as_str())) {
            member.name = Some(p.name.to_string());
            if with_address {
                member.address = Some(p.address.clone());
            }
        }
    }
    let page = dto::MemberPage {
        members: entries,
        next_after,
        position: position.get(),
    };
    Ok((position, page))
}

/// The member list as CSV. A cell that a spreadsheet would take for a formula is prefixed
/// with `'`, so that an exported name cannot run as one.
pub(crate) fn csv_response(coop: &Coop, day: Date, entries: &[dto::Member]) -> Response {
    let mut out = String::from(
        "member,name,address,kind,trade,region,employees,shares,admitted_on,founder,exit_on,exit_cause,offices\r\n",
    );
    for e in entries {
        let (kind, trade, region, employees) = match &e.kind {
            dto::MemberKind::NaturalPerson => ("natural-person", "", "", String::new()),
            dto::MemberKind::Firm {
                trade,
                region,
                employees,
            } => (
                "firm",
                trade.as_str(),
                region.as_str(),
                employees.to_string(),
            ),
            dto::MemberKind::Investing => ("investing", "", "", String::new()),
        };
        let cells = [
            e.member.to_string(),
            e.name.clone().unwrap_or_default(),
            e.address.clone().unwrap_or_default(),
            kind.to_owned(),
            trade.to_owned(),
            region.to_owned(),
            employees,
            e.shares.to_string(),
            e.admitted_on.clone(),
            e.founder.to_string(),
            e.exit_on.clone().unwrap_or_default(),
            e.exit_cause.clone().unwrap_or_default(),
            e.offices.join(" "),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    let mut response = out.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"members-{}-{day}.csv\"",
        coop.log
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// One CSV cell (RFC 4180), safe to open in a spreadsheet.
pub(crate) fn csv_cell(text: &str) -> String {
    let text = match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// One member: in full (with address and the history of the entry, G30) for the member
/// themself, the organs and auditors; the public part for other members.
#[utoipa::path(get, path = "/v1/coops/{coop}/members/{member}", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), ReadHeaders),
    responses((status = 200, body = dto::Member), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_member(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let member = parse_member(&member)?;
    let full = caller.sees_entry_of(member);
    let position = coop.runtime.position();
    let found = coop.runtime.views().register.read(|register| {
        register.member(member).map(|record| {
            let mut body = entry(register, record, None);
            if full {
                body.history = Some(
                    record
                        .history
                        .iter()
                        .map(|e| dto::EntryChange {
                            effective_on: e.effective_on.to_string(),
                            change: e.change.to_string(),
                            shares: e.shares,
                            position: e.position.get(),
                        })
                        .collect(),
                );
            }
            (body, record.membership().person_present().cloned())
        })
    });
    let (mut body, person) = found.ok_or_else(|| no_member(member))?;
    if let Some(p) = person_of(&app, &coop, person.as_ref()).await? {
        body.name = Some(p.name.to_string());
        body.address = full.then_some(p.address);
    }
    Ok(with_position(position, axum::Json(body)))
}

/// The day a statement is made up to.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// The statement as the register stood at the end of this day (UTC), e.g. `2026-12-31`;
    /// default: today, as the register stands now.
    #[param(value_type = Option<String>, format = Date)]
    pub on: Option<Date>,
}

/// A member's statement: shares, capital and its movements, the minimum parts due and the
/// arrears on the day, the exit and the settlement's deadline (G73); today's, or as the
/// register stood at the end of a past day.
#[utoipa::path(get, path = "/v1/coops/{coop}/members/{member}/statement", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), StatementQuery, ReadHeaders),
    responses((status = 200, body = dto::Statement), ReadProblems),
    security(("bearer" = [])))]
pub async fn statement(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Path((_, member)): Path<(String, String)>,
    Params(query): Params<StatementQuery>,
) -> Result<Response, ApiError> {
    let member = parse_member(&member)?;
    let body = statement_of(&app, &coop, member, query.on).await?;
    Ok(with_position(
        Position::new(body.position),
        axum::Json(body),
    ))
}

/// A member's statement as of `on`: by default today, at the projections' position; for a
/// past day, from the register folded up to that day's end. What the API answers and the
/// member's page shows.
pub(crate) async fn statement_of(
    app: &App,
    coop: &Coop,
    member: MemberNo,
    on: Option<Date>,
) -> Result<dto::Statement, ApiError> {
    let now = app::today();
    let read = |register: &Register| {
        let statute = &register.coop()?.statute;
        let record = register.member(member)?;
        Some((
            record.membership().clone(),
            statute.share_amount(),
            capital_lines(&record.capital),
        ))
    };
    let (today, position, found) = match on {
        None => (
            now,
            coop.runtime.position(),
            coop.runtime.views().register.read(read),
        ),
        Some(day) if day > now => {
            return Err(bad_param(
                "on",
                "a statement is made up to today at the latest",
            ));
        }
        Some(day) => {
            let end = day
                .tomorrow()
                .ok()
                .and_then(|d| d.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok())
                .map(|z| z.timestamp())
                .ok_or_else(|| bad_param("on", "the day is out of range"))?;
            let until = verbund_projections::position_at(app.ledger(), &coop.log, end).await?;
            let folded =
                verbund_projections::fold_until::<Register>(app.ledger(), &coop.log, until).await?;
            (day, folded.position, read(&folded.state))
        }
    };
    let (m, share_amount, lines) = found.ok_or_else(|| no_member(member))?;
    let person = person_of(app, coop, m.person_present()).await?;
    let subscribed = share_amount.checked_mul(m.shares()).unwrap_or(Money::ZERO);
    // After the exit nothing is to be paid in any more.
    let exited = m.exit().is_some_and(|e| e.effective_on < today)
        || matches!(
            m.exit().map(|e| &e.cause),
            Some(verbund_domain::ExitCause::Transfer { .. })
        );
    let outstanding = match subscribed.checked_sub(m.paid_in()) {
        Some(left) if !exited && left.is_positive() => left,
        _ => Money::ZERO,
    };
    let body = dto::Statement {
        member: member.get(),
        name: person.as_ref().map(|p| p.name.to_string()),
        address: person.map(|p| p.address),
        kind: m.kind().into(),
        shares: m.shares(),
        mandatory_shares: m.mandatory_shares(),
        share_amount: dto::money(share_amount),
        subscribed: dto::money(subscribed),
        paid_in: dto::money(m.paid_in()),
        outstanding: dto::money(outstanding),
        arrears: dto::money(m.arrears_on(today)),
        dues: m
            .dues()
            .iter()
            .map(|(due_on, amount)| dto::Due {
                due_on: due_on.to_string(),
                amount: dto::money(*amount),
            })
            .collect(),
        lines,
        exit_cause: m.exit().map(|e| e.cause.as_str().to_owned()),
        exit_on: m.exit().map(|e| e.effective_on.to_string()),
        rights_lost_on: m.rights_lost_on().map(|d| d.to_string()),
        settlement_due_on: m.settlement_due_on().map(|d| d.to_string()),
        settlement_paid_on: m.settlement().map(|(d, _)| d.to_string()),
        retained_until: m.retained_until().map(|d| d.to_string()),
        as_of_date: today.to_string(),
        position: position.get(),
    };
    Ok(body)
}

/// The movements of a member's capital as the register folded them, as a statement lists them.
fn capital_lines(moves: &[verbund_projections::CapitalMove]) -> Vec<dto::StatementLine> {
    moves
        .iter()
        .map(|m| dto::StatementLine {
            position: m.position.get(),
            on: m.on.to_string(),
            kind: m.kind.to_string(),
            amount: dto::money(m.amount),
            reference: m.reference.clone(),
            counterparty: m.counterparty.map(MemberNo::get),
        })
        .collect()
}

/// Filters and paging of the directory.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Firms after this member number.
    #[param(minimum = 1)]
    pub after: Option<u32>,
    /// At most this many (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// Only firms whose name, trade or region contain every one of these words (ignoring
    /// case).
    pub q: Option<String>,
    /// Only firms of this trade (ignoring case).
    pub trade: Option<String>,
    /// Only firms of this region (ignoring case).
    pub region: Option<String>,
}

/// The public directory: member firms that consented to be listed, with name, trade and
/// region — the network's page for customers and job seekers.
#[utoipa::path(get, path = "/v1/coops/{coop}/directory", tag = "cooperatives",
    params(("coop" = String, Path, description = "The cooperative's id"), DirectoryQuery, ReadHeaders),
    responses((status = 200, body = dto::Directory),
        (status = 401, description = "A token was sent and is unknown, expired or revoked", body = Problem, content_type = "application/problem+json"), PublicReadProblems))]
pub async fn directory(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Params(query): Params<DirectoryQuery>,
) -> Result<Response, ApiError> {
    let body = directory_of(&app, &coop, &query).await?;
    Ok(with_position(
        Position::new(body.position),
        axum::Json(body),
    ))
}

/// The public directory's page: what the API answers and the landing page shows.
pub(crate) async fn directory_of(
    app: &App,
    coop: &Coop,
    query: &DirectoryQuery,
) -> Result<dto::Directory, ApiError> {
    let limit = page_limit(query.limit)?;
    let after = after_member(query.after)?;
    let today = app::today();
    let matches = |wanted: &Option<String>, value: &str| {
        wanted
            .as_deref()
            .is_none_or(|w| w.trim().to_lowercase() == value.to_lowercase())
    };
    let position = coop.runtime.position();
    // A listed firm with rights today left no earlier than this year: its name is not erased
    // (G30 erases three years after the exit), so one pass over the register fills the page.
    let candidates: Vec<(MemberNo, String, String, PersonalRef)> =
        coop.runtime.views().register.read(|register| {
            register
                .members_after(after)
                .filter_map(|record| {
                    let m = record.membership();
                    let verbund_domain::MemberKind::Firm { trade, region, .. } = m.kind() else {
                        return None;
                    };
                    let person = m.person_present()?;
                    (m.is_listed()
                        && m.has_rights_on(today)
                        && matches(&query.trade, trade)
                        && matches(&query.region, region))
                    .then(|| (m.member(), trade.clone(), region.clone(), person.clone()))
                })
                .collect()
        });
    let words: Vec<String> = query
        .q
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    // Names are personal records beside the log: a search by words looks every candidate's
    // up and fills the page from those that match; a page without words looks up its own.
    let wanted = if words.is_empty() {
        limit + 1
    } else {
        candidates.len()
    };
    let refs: Vec<PersonalRef> = candidates
        .iter()
        .take(wanted)
        .map(|c| c.3.clone())
        .collect();
    let found = people(app, &coop.log, &refs).await?;
    let mut firms: Vec<dto::ListedFirm> = candidates
        .into_iter()
        .take(wanted)
        .filter_map(|(member, trade, region, person)| {
            let name = found.get(person.record.as_str())?.name.to_string();
            let text = format!("{name} {trade} {region}").to_lowercase();
            words
                .iter()
                .all(|w| text.contains(w.as_str()))
                .then_some(dto::ListedFirm {
                    member: member.get(),
                    name,
                    trade,
                    region,
                })
        })
        .take(limit + 1)
        .collect();
    let next_after = (firms.len() > limit).then(|| firms[limit - 1].member);
    firms.truncate(limit);
    Ok(dto::Directory {
        firms,
        next_after,
        position: position.get(),
    })
}

/// Which applications a list holds.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    /// `pending` (default), `admitted`, `rejected` or `all`.
    #[param(inline)]
    pub status: Option<ApplicationStatus>,
    /// The applications after this one (by declaration day, then id).
    pub after: Option<String>,
    /// At most this many (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// The state of an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ApplicationStatus {
    /// Not decided.
    Pending,
    /// Admitted.
    Admitted,
    /// Rejected.
    Rejected,
    /// Any.
    All,
}

fn application_dto(
    id: &ApplicationId,
    application: &verbund_domain::Application,
) -> Option<dto::Application> {
    let applied = application.applied()?;
    let (status, member, decided_on) = match application.decided() {
        None => ("pending", None, None),
        Some(Decided::Admitted { member, on }) => ("admitted", Some(member.get()), Some(on)),
        Some(Decided::Rejected { on }) => ("rejected", None, Some(on)),
    };
    Some(dto::Application {
        application: id.to_string(),
        name: None,
        address: None,
        kind: (&applied.kind).into(),
        shares: applied.shares,
        declared_on: applied.declared_on.to_string(),
        listed: applied.listed,
        status: status.to_owned(),
        member,
        decided_on: decided_on.map(|d| d.to_string()),
    })
}

async fn with_people(
    app: &App,
    coop: &Coop,
    items: &mut [(dto::Application, Option<PersonalRef>)],
) -> Result<(), ApiError> {
    let refs: Vec<PersonalRef> = items.iter().filter_map(|(_, r)| r.clone()).collect();
    let found = people(app, &coop.log, &refs).await?;
    for (item, person) in items.iter_mut() {
        if let Some(p) = person.as_ref().and_then(|r| found.get(r.record.as_str())) {
            item.name = Some(p.name.to_string());
            item.address = Some(p.address.clone());
        }
    }
    Ok(())
}

/// The applications, for the organs that decide them: pending ones by default.
#[utoipa::path(get, path = "/v1/coops/{coop}/applications", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"), ApplicationQuery, ReadHeaders),
    responses((status = 200, body = dto::ApplicationList), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_applications(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Params(query): Params<ApplicationQuery>,
) -> Result<Response, ApiError> {
    let body = applications_of(&app, &coop, &query).await?;
    let position = verbund_ledger::Position::new(body.position);
    Ok(with_position(position, axum::Json(body)))
}

/// A page of the applications, as the API's route and the board's page list them.
pub(crate) async fn applications_of(
    app: &App,
    coop: &Coop,
    query: &ApplicationQuery,
) -> Result<dto::ApplicationList, ApiError> {
    let wanted = query.status.unwrap_or(ApplicationStatus::Pending);
    let limit = page_limit(query.limit)?;
    let after = query
        .after
        .as_deref()
        .map(ApplicationId::parse)
        .transpose()
        .map_err(|e| ApiError::from(e.at("after")))?;
    let position = coop.runtime.position();
    let (mut items, cursor): (Vec<(dto::Application, Option<PersonalRef>)>, _) =
        coop.runtime.views().aggregates.read(|aggregates| {
            // Where `after` stands in the order, whatever its status now.
            let cursor = after.as_ref().map(|id| {
                application_dto(id, &aggregates.application(id).state)
                    .map(|a| (a.declared_on, a.application))
            });
            let items = aggregates
                .applications()
                .filter_map(|(id, application)| {
                    let item = application_dto(id, application)?;
                    let keep = match wanted {
                        ApplicationStatus::All => true,
                        ApplicationStatus::Pending => item.status == "pending",
                        ApplicationStatus::Admitted => item.status == "admitted",
                        ApplicationStatus::Rejected => item.status == "rejected",
                    };
                    keep.then_some((item, application.person_present().cloned()))
                })
                .collect();
            (items, cursor)
        });
    items.sort_by(|a, b| {
        (a.0.declared_on.as_str(), a.0.application.as_str())
            .cmp(&(b.0.declared_on.as_str(), b.0.application.as_str()))
    });
    let start = match cursor {
        None => 0,
        Some(None) => {
            return Err(ApiError::bad_request(
                "query-malformed",
                "after",
                "after names no application",
            ));
        }
        Some(Some((day, id))) => items.partition_point(|(item, _)| {
            (item.declared_on.as_str(), item.application.as_str()) <= (day.as_str(), id.as_str())
        }),
    };
    let mut page: Vec<_> = items.into_iter().skip(start).take(limit + 1).collect();
    let next_after = (page.len() > limit).then(|| page[limit - 1].0.application.clone());
    page.truncate(limit);
    with_people(app, coop, &mut page).await?;
    Ok(dto::ApplicationList {
        applications: page.into_iter().map(|(item, _)| item).collect(),
        position: position.get(),
        next_after,
    })
}

/// One application.
#[utoipa::path(get, path = "/v1/coops/{coop}/applications/{application}", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("application" = String, Path, description = "The application's id"), ReadHeaders),
    responses((status = 200, body = dto::Application), ReadProblems),
    security(("bearer" = [])))]
pub async fn get_application(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Path((_, application)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = ApplicationId::parse(&application)?;
    let position = coop.runtime.position();
    let body = application_of(&app, &coop, &id).await?;
    Ok(with_position(position, axum::Json(body)))
}

/// One application with the applicant's name and address, as the API's route and the
/// board's page show it.
pub(crate) async fn application_of(
    app: &App,
    coop: &Coop,
    id: &ApplicationId,
) -> Result<dto::Application, ApiError> {
    let found = coop.runtime.views().aggregates.read(|aggregates| {
        let application = aggregates.application(id).state;
        let item = application_dto(id, &application)?;
        Some((item, application.person_present().cloned()))
    });
    let item = found.ok_or_else(|| {
        ApiError::not_found(
            "application-not-found",
            format!("there is no application {id}"),
        )
    })?;
    let mut items = [item];
    with_people(app, coop, &mut items).await?;
    let [(body, _)] = items;
    Ok(body)
}

// ---------------------------------------------------------------------------------------------
// Writes

fn created(executed: Executed, body: impl Serialize) -> Response {
    let status = if executed.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    with_position(executed.last, (status, axum::Json(body)))
}

/// The organ the statute names to decide applications (G15). A body may name the organ;
/// the domain refuses any other than this one.
fn deciding_organ(coop: &Coop) -> Result<Organ, ApiError> {
    coop.runtime
        .views()
        .register
        .read(|register| register.coop().map(|c| c.statute.admission_by()))
        .ok_or_else(not_founded)
}

/// Files a declaration of membership (G15, G15a). The applicant's name and address are kept
/// outside the chained log, so that they can be erased on rejection.
#[utoipa::path(post, path = "/v1/coops/{coop}/applications", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"), WriteHeaders),
    request_body = dto::Apply,
    responses((status = 201, body = dto::Applied),
        (status = 200, description = "A repeated request, answered with the original application", body = dto::Applied),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent and is unknown, expired or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn apply(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Body(body): Body<dto::Apply>,
) -> Result<Response, ApiError> {
    let (application, executed) = file_application(&app, &coop, &caller, &headers, &body).await?;
    Ok(created(
        executed,
        dto::Applied {
            application: application.to_string(),
            position: executed.last.get(),
            replayed: executed.replayed,
        },
    ))
}

/// Files a declaration of membership as the API's route and the page's form take it; a
/// repeated request is answered with the application the first one filed.
pub(crate) async fn file_application(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    body: &dto::Apply,
) -> Result<(ApplicationId, Executed), ApiError> {
    let application = ApplicationId::parse(&app::random_hex(16))?;
    let about = application.clone();
    let command = app::membership::FileApplication::try_from(Asked::new(caller, about, body))?;
    let executed = execute(app, coop, caller, headers, "apply", body, command).await?;
    if !executed.replayed {
        return Ok((application, executed));
    }
    let Event::MembershipApplied(applied) =
        app::first_event(app, &coop.log, executed.first).await?
    else {
        return Err(ApiError::from(app::ExecError::KeyReused));
    };
    Ok((applied.application, executed))
}

/// Admits an application (G15): the applicant becomes the member with the next number.
#[utoipa::path(post, path = "/v1/coops/{coop}/applications/{application}/admission", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("application" = String, Path, description = "The application's id"), WriteHeaders),
    request_body = dto::Admit,
    responses((status = 201, body = dto::Admitted),
        (status = 200, description = "A repeated request, answered with the original admission", body = dto::Admitted), WriteProblems),
    security(("bearer" = [])))]
pub async fn admit(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, application)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Body<dto::Admit>, ApiError>,
) -> Result<Response, ApiError> {
    // Who may decide comes before what the body says.
    caller.check_records_for(deciding_organ(&coop)?)?;
    let Body(body) = body?;
    let application = ApplicationId::parse(&application)?;
    let (member, executed) =
        admit_application(&app, &coop, &caller, &headers, &application, &body).await?;
    Ok(created(
        executed,
        dto::Admitted {
            member: member.get(),
            position: executed.last.get(),
            replayed: executed.replayed,
        },
    ))
}

/// Admits an application as the API's route and the board's page take it: the new member's
/// number (the first admission's, for a repeated request).
pub(crate) async fn admit_application(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    application: &ApplicationId,
    body: &dto::Admit,
) -> Result<(MemberNo, Executed), ApiError> {
    let statutes = deciding_organ(coop)?;
    caller.check_records_for(statutes)?;
    let about = (application.clone(), statutes);
    let command = app::membership::AdmitApplication::try_from(Asked::new(caller, about, body))?;
    let route = format!("admit:{application}");
    let executed = execute(app, coop, caller, headers, &route, body, command).await?;
    let Event::ApplicationAccepted(accepted) =
        app::first_event(app, &coop.log, executed.first).await?
    else {
        return Err(ApiError::from(app::ExecError::KeyReused));
    };
    Ok((accepted.member, executed))
}

/// Rejects an application (G15) and erases the applicant's personal data with it.
#[utoipa::path(post, path = "/v1/coops/{coop}/applications/{application}/rejection", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("application" = String, Path, description = "The application's id"), WriteHeaders),
    request_body = dto::Reject,
    responses((status = 200, body = dto::Rejected), WriteProblems),
    security(("bearer" = [])))]
pub async fn reject(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, application)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Body<dto::Reject>, ApiError>,
) -> Result<Response, ApiError> {
    // Who may decide comes before what the body says.
    caller.check_records_for(deciding_organ(&coop)?)?;
    let Body(body) = body?;
    let application = ApplicationId::parse(&application)?;
    let body = reject_application(&app, &coop, &caller, &headers, &application, &body).await?;
    Ok(with_position(
        verbund_ledger::Position::new(body.position),
        axum::Json(body),
    ))
}

/// Rejects an application as the API's route and the board's page take it: the answer
/// names whom to tell (G15), once.
pub(crate) async fn reject_application(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    application: &ApplicationId,
    body: &dto::Reject,
) -> Result<dto::Rejected, ApiError> {
    let statutes = deciding_organ(coop)?;
    caller.check_records_for(statutes)?;
    let about = (application.clone(), statutes);
    let command = app::membership::RejectApplication::try_from(Asked::new(caller, about, body))?;
    // The applicant is told (G15); their data goes with the rejection, so read it first.
    let person = coop.runtime.views().aggregates.read(|aggregates| {
        aggregates
            .application(application)
            .state
            .person_present()
            .cloned()
    });
    let contact = person_of(app, coop, person.as_ref()).await?;
    let route = format!("reject:{application}");
    let executed = execute(app, coop, caller, headers, &route, body, command).await?;
    Ok(dto::Rejected {
        position: executed.last.get(),
        replayed: executed.replayed,
        notify: contact
            .filter(|_| !executed.replayed)
            .map(|p| dto::Contact {
                name: p.name.to_string(),
                address: p.address,
            }),
    })
}

/// Subscribes further shares (G7a, G15b).
#[utoipa::path(post, path = "/v1/coops/{coop}/members/{member}/subscriptions", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), WriteHeaders),
    request_body = dto::Subscribe,
    responses((status = 200, body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn subscribe(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<dto::Subscribe>,
) -> Result<Response, ApiError> {
    let member = parse_member(&member)?;
    let command = app::membership::SubscribeShares::try_from(Asked::new(&caller, member, &body))?;
    let route = format!("subscribe:{member}");
    let executed = execute(&app, &coop, &caller, &headers, &route, &body, command).await?;
    Ok(written(executed))
}

/// Records a payment on the shares; never more than the subscribed shares are worth.
#[utoipa::path(post, path = "/v1/coops/{coop}/members/{member}/payments", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), WriteHeaders),
    request_body = dto::RecordPayment,
    responses((status = 200, body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn record_payment(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<dto::RecordPayment>,
) -> Result<Response, ApiError> {
    let member = parse_member(&member)?;
    let command =
        app::membership::RecordSharePayment::try_from(Asked::new(&caller, member, &body))?;
    let route = format!("record_payment:{member}");
    let executed = execute(&app, &coop, &caller, &headers, &route, &body, command).await?;
    Ok(written(executed))
}

/// Records a resignation in text form, or in writing where the statute asks it (G65): it
/// takes effect at the end of the first business year the member's notice period
/// reaches; in hardship, where that period is above two years, at the end of the
/// business year three months on.
#[utoipa::path(post, path = "/v1/coops/{coop}/members/{member}/resignation", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), WriteHeaders),
    request_body = dto::Resign,
    responses((status = 200, body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn resign(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<dto::Resign>,
) -> Result<Response, ApiError> {
    let member = parse_member(&member)?;
    let command = app::membership::RecordResignation::try_from(Asked::new(&caller, member, &body))?;
    let route = format!("resign:{member}");
    let executed = execute(&app, &coop, &caller, &headers, &route, &body, command).await?;
    Ok(written(executed))
}

/// Excludes a member on a ground of the statute (G68): the rights and offices end at the
/// dispatch of the notice, the membership at the end of the business year.
#[utoipa::path(post, path = "/v1/coops/{coop}/members/{member}/exclusion", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), WriteHeaders),
    request_body = dto::Exclude,
    responses((status = 200, body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn exclude(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<dto::Exclude>,
) -> Result<Response, ApiError> {
    let member = parse_member(&member)?;
    let executed = exclude_of(&app, &coop, &caller, &headers, member, &body).await?;
    Ok(written(executed))
}

/// Excludes a member on a ground of the statute (G68), as the API's route and the member's record page take it.
pub(crate) async fn exclude_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    member: MemberNo,
    body: &dto::Exclude,
) -> Result<Executed, ApiError> {
    let command = app::membership::ExcludeMember::try_from(Asked::new(caller, member, body))?;
    let route = format!("exclude:{member}");
    execute(app, coop, caller, headers, &route, body, command).await
}

/// Records a member's death: the heirs continue the membership to the end of the business
/// year; the offices end at once.
#[utoipa::path(post, path = "/v1/coops/{coop}/members/{member}/death", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), WriteHeaders),
    request_body = dto::RecordDeath,
    responses((status = 200, body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn record_death(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<dto::RecordDeath>,
) -> Result<Response, ApiError> {
    let member = parse_member(&member)?;
    let executed = record_death_of(&app, &coop, &caller, &headers, member, &body).await?;
    Ok(written(executed))
}

/// Records a member's death, as the API's route and the member's record page take it.
pub(crate) async fn record_death_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    member: MemberNo,
    body: &dto::RecordDeath,
) -> Result<Executed, ApiError> {
    let command = app::membership::RecordMembersDeath::try_from(Asked::new(caller, member, body))?;
    let route = format!("record_death:{member}");
    execute(app, coop, caller, headers, &route, body, command).await
}

/// Transfers paid-in capital to another member (G76); all of it makes the giver leave
/// that day.
#[utoipa::path(post, path = "/v1/coops/{coop}/members/{member}/transfers", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), WriteHeaders),
    request_body = dto::Transfer,
    responses((status = 200, body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn transfer(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<dto::Transfer>,
) -> Result<Response, ApiError> {
    let member = parse_member(&member)?;
    let command = app::membership::TransferCapital::try_from(Asked::new(&caller, member, &body))?;
    let route = format!("transfer:{member}");
    let executed = execute(&app, &coop, &caller, &headers, &route, &body, command).await?;
    Ok(written(executed))
}

/// Pays out an exited member's capital (G22, G73), within six months of the exit.
#[utoipa::path(post, path = "/v1/coops/{coop}/members/{member}/settlement", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), WriteHeaders),
    request_body = dto::PaySettlement,
    responses((status = 200, body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn pay_settlement(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<dto::PaySettlement>,
) -> Result<Response, ApiError> {
    let member = parse_member(&member)?;
    let executed = pay_settlement_of(&app, &coop, &caller, &headers, member, &body).await?;
    Ok(written(executed))
}

/// Pays a former member's capital out (G73), as the API's route and the member's record page take it.
pub(crate) async fn pay_settlement_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    member: MemberNo,
    body: &dto::PaySettlement,
) -> Result<Executed, ApiError> {
    let command = app::membership::PayOutSettlement::try_from(Asked::new(caller, member, body))?;
    let route = format!("pay_settlement:{member}");
    execute(app, coop, caller, headers, &route, body, command).await
}

/// Appoints a member to an office (G9-24: officers are members and natural persons; for a
/// firm, the person who serves for it is named; G8-2: investing members hold at most a
/// quarter of the supervisory board).
#[utoipa::path(post, path = "/v1/coops/{coop}/members/{member}/offices", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), WriteHeaders),
    request_body = dto::Appoint,
    responses((status = 200, body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn appoint(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<dto::Appoint>,
) -> Result<Response, ApiError> {
    let member = parse_member(&member)?;
    let executed = appoint_of(&app, &coop, &caller, &headers, member, &body).await?;
    Ok(written(executed))
}

/// Appoints a member to an office (G9-24), as the API's route and the member's record page take it.
pub(crate) async fn appoint_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    member: MemberNo,
    body: &dto::Appoint,
) -> Result<Executed, ApiError> {
    let command = app::membership::AppointOfficer::try_from(Asked::new(caller, member, body))?;
    let route = format!("appoint:{member}");
    execute(app, coop, caller, headers, &route, body, command).await
}

/// Grants a member multiple votes in the general assembly, up to the statute's maximum, or
/// ends a grant with 1 (G43-3).
#[utoipa::path(post, path = "/v1/coops/{coop}/members/{member}/voting-rights", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), WriteHeaders),
    request_body = dto::GrantVotes,
    responses((status = 200, body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn grant_votes(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<dto::GrantVotes>,
) -> Result<Response, ApiError> {
    let member = parse_member(&member)?;
    let command =
        app::membership::GrantMultipleVotes::try_from(Asked::new(&caller, member, &body))?;
    let route = format!("grant_votes:{member}");
    let executed = execute(&app, &coop, &caller, &headers, &route, &body, command).await?;
    Ok(written(executed))
}

/// Authorizes a person to act for a member: the member themself, the firm's managing
/// director, an authorised signatory or an attorney. A person new to the cooperative gets an
/// id, for which a sign-in link is then issued (`POST /tokens` with `person:ID`).
#[utoipa::path(post, path = "/v1/coops/{coop}/members/{member}/representatives", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), WriteHeaders),
    request_body = dto::AuthorizeRepresentative,
    responses((status = 200, body = dto::RepresentativeAuthorized), WriteProblems),
    security(("bearer" = [])))]
pub async fn authorize_representative(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<dto::AuthorizeRepresentative>,
) -> Result<Response, ApiError> {
    let member = parse_member(&member)?;
    let (person, executed) =
        authorize_person(&app, &coop, &caller, &headers, member, &body).await?;
    Ok(with_position(
        executed.last,
        axum::Json(dto::RepresentativeAuthorized {
            person: person.to_string(),
            position: executed.last.get(),
            replayed: executed.replayed,
        }),
    ))
}

/// Authorizes a person to act for `member`, as the API's route and the board's page take it:
/// the person (the first request's, for a repeated one).
pub(crate) async fn authorize_person(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    member: MemberNo,
    body: &dto::AuthorizeRepresentative,
) -> Result<(verbund_domain::PersonId, Executed), ApiError> {
    let person = match &body.person {
        Some(text) => verbund_domain::PersonId::parse(text)?,
        None => app::new_person(),
    };
    let command = app::membership::AuthorizeRepresentative::try_from(Asked::new(
        caller,
        (member, person),
        body,
    ))?;
    let route = format!("representative:{member}");
    let executed = execute(app, coop, caller, headers, &route, body, command).await?;
    // A repeated request names the person the first one authorized.
    let person = match app::first_event(app, &coop.log, executed.first).await? {
        verbund_domain::Event::RepresentativeAuthorized(e) => e.person,
        _ => person,
    };
    Ok((person, executed))
}

/// Ends a member's office; the organs keep the size the law and the statute ask (G9-24).
#[utoipa::path(post, path = "/v1/coops/{coop}/members/{member}/offices/{office}/dismissal", tag = "members",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1),
        ("office" = dto::Office, Path, description = "The office"), WriteHeaders),
    request_body = dto::Dismiss,
    responses((status = 200, body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn dismiss(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, member, office)): Path<(String, String, String)>,
    headers: HeaderMap,
    Body(body): Body<dto::Dismiss>,
) -> Result<Response, ApiError> {
    let member = parse_member(&member)?;
    let office: dto::Office =
        serde_json::from_value(serde_json::Value::String(office)).map_err(|_| {
            ApiError::bad_request(
                "office-unknown",
                "office",
                "the offices are board, supervisory-board and treasurer",
            )
        })?;
    let executed = dismiss_of(&app, &coop, &caller, &headers, member, office, &body).await?;
    Ok(written(executed))
}

/// Ends a member's office, as the API's route and the member's record page take it.
pub(crate) async fn dismiss_of(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    member: MemberNo,
    office: dto::Office,
    body: &dto::Dismiss,
) -> Result<Executed, ApiError> {
    let command =
        app::membership::DismissOfficer::try_from(Asked::new(caller, (member, office), body))?;
    let route = format!(
        "dismiss:{member}:{}",
        verbund_domain::Office::from(office).as_str()
    );
    execute(app, coop, caller, headers, &route, body, command).await
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    /// A cell a spreadsheet would run as a formula is quoted with `'`; separators and quotes
    /// are escaped as RFC 4180 says.
    #[test]
    fn csv_cells_are_escaped_and_never_formulas() {
        assert_eq!(csv_cell("Huber GmbH"), "Huber GmbH");
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(csv_cell("+49 123"), "'+49 123");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("Weg 1, Dorf"), "\"Weg 1, Dorf\"");
        assert_eq!(csv_cell("a \"b\""), "\"a \"\"b\"\"\"");
    }
}
