//! The handlers of `/v1/coops/…`. The route table's authorization has happened before any of
//! them runs (`auth::authorize`); each reads the [`Caller`] and [`Coop`] it was handed.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use verbund_domain::{PersonalRef, Principal, TokenId, TokenPurpose};
use verbund_ledger::Position;
use verbund_projections::Register;

use crate::app::{self, App};
use crate::http::auth::{Caller, Coop};
use crate::http::dto;
use crate::http::error::{
    ActionProblems, ApiError, Problem, PublicReadProblems, ReadProblems, WriteProblems,
};
use crate::http::extract::{Body, Params};
use crate::http::kit::{
    ReadHeaders, WriteHeaders, not_founded, page_limit, run_write, settle_write, with_position,
    write_request,
};

/// The cooperatives this server holds.
#[utoipa::path(get, path = "/v1/coops", tag = "cooperatives",
    responses((status = 200, body = dto::CoopList)))]
pub async fn list_coops(State(app): State<App>) -> Result<Response, ApiError> {
    app.discover().await?;
    let coops = app
        .coops()
        .await
        .into_iter()
        .map(|(log, runtime)| dto::CoopListItem {
            id: log.to_string(),
            name: runtime
                .views()
                .register
                .read(|r| r.coop().map(|c| c.name.to_string())),
        })
        .collect();
    Ok(axum::Json(dto::CoopList { coops }).into_response())
}

/// A cooperative's public facts: name, founding, members, officers.
#[utoipa::path(get, path = "/v1/coops/{coop}", tag = "cooperatives",
    params(("coop" = String, Path, description = "The cooperative's id"), ReadHeaders),
    responses((status = 200, body = dto::CoopSummary),
        (status = 401, description = "A token was sent and is unknown, expired or revoked", body = Problem, content_type = "application/problem+json"), PublicReadProblems))]
pub async fn get_coop(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
) -> Result<Response, ApiError> {
    let position = coop.runtime.position();
    let (mut summary, people, serving) = coop
        .runtime
        .views()
        .register
        .read(|register| summary(&coop, register, position))?;
    let today = app::today();
    summary.delegates = coop.runtime.views().aggregates.read(|a| {
        a.coop()
            .state
            .delegates()
            .iter()
            .filter(|no| {
                a.member(**no)
                    .state
                    .membership()
                    .is_some_and(|m| m.has_rights_on(today))
            })
            .map(|no| no.get())
            .collect()
    });
    let present: Vec<PersonalRef> = people.iter().chain(&serving).flatten().cloned().collect();
    let found = crate::http::kit::people(&app, &coop.log, &present).await?;
    let name = |reference: &Option<PersonalRef>| {
        reference
            .as_ref()
            .and_then(|r| found.get(r.record.as_str()))
            .map(|p| p.name.to_string())
    };
    for ((officer, person), serving) in summary.officers.iter_mut().zip(&people).zip(&serving) {
        officer.name = name(person);
        officer.serving = name(serving);
    }
    Ok(with_position(position, axum::Json(summary)))
}

/// The officers' personal-data references, in the order of the summary's officers.
type OfficerPeople = Vec<Option<PersonalRef>>;

/// The summary, with the officers' names to be looked up: their own personal-data references
/// and those of the persons serving for firms (G9-24), in the order of `officers`.
fn summary(
    coop: &Coop,
    register: &Register,
    position: Position,
) -> Result<(dto::CoopSummary, OfficerPeople, OfficerPeople), ApiError> {
    let record = register.coop().ok_or_else(not_founded)?;
    let today = app::today();
    let mut officers = Vec::new();
    let mut people = Vec::new();
    let mut serving = Vec::new();
    for office in [
        verbund_domain::Office::Board,
        verbund_domain::Office::SupervisoryBoard,
        verbund_domain::Office::Treasurer,
    ] {
        for member in register.holders(office, today) {
            let Some(m) = register.member(member) else {
                continue;
            };
            people.push(m.membership().person_present().cloned());
            serving.push(register.serving(office, member).cloned());
            officers.push(dto::Officer {
                member: member.get(),
                name: None,
                serving: None,
                office: office.as_str().to_owned(),
            });
        }
    }
    Ok((
        dto::CoopSummary {
            id: coop.log.to_string(),
            name: record.name.to_string(),
            founded_on: record.founded_on.to_string(),
            members: register.members_on(today) as u64,
            officers,
            delegates: Vec::new(),
            position: position.get(),
        },
        people,
        serving,
    ))
}

/// The statute in force.
#[utoipa::path(get, path = "/v1/coops/{coop}/statute", tag = "cooperatives",
    params(("coop" = String, Path, description = "The cooperative's id"), ReadHeaders),
    responses((status = 200, body = dto::StatuteDoc),
        (status = 401, description = "A token was sent and is unknown, expired or revoked", body = Problem, content_type = "application/problem+json"), PublicReadProblems))]
pub async fn get_statute(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
) -> Result<Response, ApiError> {
    let doc = statute_of(&app, &coop).await?;
    Ok(with_position(Position::new(doc.position), axum::Json(doc)))
}

/// The statute in force, with its text as adopted: what the API answers and the declaration's
/// page shows.
pub(crate) async fn statute_of(app: &App, coop: &Coop) -> Result<dto::StatuteDoc, ApiError> {
    let position = coop.runtime.position();
    let (statute, adopted_at) = coop
        .runtime
        .views()
        .register
        .read(|r| r.coop().map(|c| (c.statute.clone(), c.statute_at)))
        .ok_or_else(not_founded)?;
    // The text as adopted is in the founding or amending event; read it from the log.
    let founding = app.ledger().read_log(&coop.log, adopted_at, 1).await?;
    let text = founding
        .first()
        .and_then(|event| event.payload.to_value().ok())
        .and_then(|payload| {
            payload
                .get("statute_text")
                .and_then(|t| t.as_str().map(str::to_owned))
        })
        .unwrap_or_default();
    Ok(dto::StatuteDoc {
        text,
        clauses: serde_json::to_value(&statute).map_err(ApiError::internal)?,
        adopted_at: adopted_at.get(),
        position: position.get(),
    })
}

/// Checks a statute file against the law without recording anything: the clauses as they
/// would be in force, or the first problem, naming the clause and the rule.
#[utoipa::path(post, path = "/v1/statutes/check", tag = "cooperatives",
    request_body = dto::StatuteText,
    responses((status = 200, body = dto::StatuteChecked),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn check_statute(Body(body): Body<dto::StatuteText>) -> Result<Response, ApiError> {
    let statute = verbund_domain::Statute::parse_toml(&body.text)?;
    let clauses = serde_json::to_value(&statute).map_err(ApiError::internal)?;
    let majorities = statute
        .majority_rules()
        .into_iter()
        .map(|rule| dto::MajorityRuleView {
            decision: rule.decision.to_owned(),
            majority: rule.majority.to_string(),
            rule: rule.rule.id().to_owned(),
            source: if rule.set_by_statute {
                "statute"
            } else {
                "law"
            }
            .to_owned(),
        })
        .collect();
    Ok(axum::Json(dto::StatuteChecked {
        clauses,
        majorities,
    })
    .into_response())
}

/// The caller: principal and roles.
#[utoipa::path(get, path = "/v1/coops/{coop}/me", tag = "access",
    params(("coop" = String, Path, description = "The cooperative's id")),
    responses((status = 200, body = dto::Me),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn me(Extension(caller): Extension<Caller>) -> Result<Response, ApiError> {
    let me = dto::Me {
        principal: caller
            .principal
            .map(|p| p.to_string())
            .unwrap_or_else(|| "public".into()),
        roles: caller.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        token: caller.token.map(|t| t.to_string()),
    };
    Ok(axum::Json(me).into_response())
}

/// Paging of the log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// The first position (default 1).
    #[param(minimum = 1)]
    pub from: Option<u64>,
    /// At most this many (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// The log itself, page by page, with every envelope and hash.
#[utoipa::path(get, path = "/v1/coops/{coop}/events", tag = "log",
    params(("coop" = String, Path, description = "The cooperative's id"), EventQuery),
    responses((status = 200, body = dto::EventPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn list_events(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Params(query): Params<EventQuery>,
) -> Result<Response, ApiError> {
    let limit = page_limit(query.limit)?;
    let from = Position::new(query.from.unwrap_or(1).max(1));
    let events = app.ledger().read_log(&coop.log, from, limit).await?;
    let next = (events.len() == limit).then(|| events[limit - 1].position.get() + 1);
    let page = dto::EventPage {
        events: events.iter().map(dto::EventEnvelope::from).collect(),
        next,
    };
    Ok(axum::Json(page).into_response())
}

/// Where a feed starts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// The first position to send (default 1); `Last-Event-ID` takes precedence.
    #[param(minimum = 1)]
    pub from: Option<u64>,
}

/// The log as Server-Sent Events: every event from a position on, then live. Each SSE
/// event's id is the log position, so a client reconnects with `Last-Event-ID`.
#[utoipa::path(get, path = "/v1/coops/{coop}/events/stream", tag = "log",
    params(("coop" = String, Path, description = "The cooperative's id"), StreamQuery),
    responses((status = 200, description = "`text/event-stream`: one `event` per log event, its data the envelope as JSON", content_type = "text/event-stream", body = dto::FeedEvent), ReadProblems),
    security(("bearer" = [])))]
pub async fn stream_events(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Params(query): Params<StreamQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let resume = match headers.get("last-event-id") {
        None => None,
        Some(value) => Some(resume_after(value)?),
    };
    let from = Position::new(resume.or(query.from).unwrap_or(1).max(1));
    let permit = Arc::clone(app.streams()).try_acquire_owned().map_err(|_| {
        ApiError::unavailable(
            "too-many-streams",
            "the server feeds as many event streams as it allows; try again later",
            5,
        )
    })?;
    let subscription = app.ledger().subscribe(&coop.log, from).await?;
    let holder = TokenHolder {
        runtime: coop.runtime,
        token: caller.token,
        checked: Instant::now(),
    };
    // The request's span (its id and route) for what the stream logs after the answer began.
    let span = tracing::Span::current();
    let stopping = Box::pin(app.stopping());
    let events = futures_util::stream::unfold(
        (subscription, permit, holder, span, stopping),
        |(mut subscription, permit, mut holder, span, mut stopping)| async move {
            // A stopping server ends its streams, so that it can stop: the client resumes
            // from the last id it got (Last-Event-ID) at another server or after the restart.
            let next = tokio::select! {
                next = subscription.next() => next,
                () = &mut stopping => {
                    tracing::info!(parent: &span, "event stream ended: the server is stopping");
                    return None;
                }
            };
            match next {
                Ok(_) if !holder.still_valid() => {
                    tracing::info!(parent: &span, "event stream ended: its token was revoked or expired");
                    None
                }
                Ok(event) => {
                    let data = serde_json::to_string(&dto::EventEnvelope::from(&event))
                        .unwrap_or_default();
                    let sse = SseEvent::default()
                        .id(event.position.get().to_string())
                        .event("event")
                        .data(data);
                    Some((
                        Ok::<_, Infallible>(sse),
                        (subscription, permit, holder, span, stopping),
                    ))
                }
                Err(e) => {
                    tracing::warn!(parent: &span, "event stream ended: {e}");
                    None
                }
            }
        },
    );
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// Recomputes the log's hash chain and reports the first break, if any.
#[utoipa::path(get, path = "/v1/coops/{coop}/verify", tag = "log",
    params(("coop" = String, Path, description = "The cooperative's id")),
    responses((status = 200, body = dto::Verification),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn verify(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
) -> Result<Response, ApiError> {
    Ok(axum::Json(verification_of(&app, &coop, None).await?).into_response())
}

/// The chain recomputed now, as the API's route and the auditors' page report it.
/// With an anchor noted down before, the log must still hold exactly that event.
pub(crate) async fn verification_of(
    app: &App,
    coop: &Coop,
    anchor: Option<verbund_ledger::Anchor>,
) -> Result<dto::Verification, ApiError> {
    let report = app.ledger().verify(&coop.log, anchor, &mut |_| {}).await?;
    Ok(dto::Verification {
        intact: report.is_intact(),
        events_checked: report.events_checked,
        head_position: report.head.position.get(),
        head_hash: report.head.hash.to_hex(),
        first_break: report.first_break.map(|b| dto::ChainBreak {
            position: b.position.get(),
            kind: b.kind.to_string(),
            detail: b.detail,
        }),
    })
}

/// The tokens of the cooperative (never their secrets).
#[utoipa::path(get, path = "/v1/coops/{coop}/tokens", tag = "access",
    params(("coop" = String, Path, description = "The cooperative's id"), TokenPage, ReadHeaders),
    responses((status = 200, body = dto::TokenList), ReadProblems),
    security(("bearer" = [])))]
pub async fn list_tokens(
    Extension(coop): Extension<Coop>,
    Params(page): Params<TokenPage>,
) -> Result<Response, ApiError> {
    let limit = page_limit(page.limit)?;
    let after = page
        .after
        .as_deref()
        .map(verbund_domain::TokenId::parse)
        .transpose()
        .map_err(|e| ApiError::from(e.at("after")))?;
    let position = coop.runtime.position();
    let now = jiff::Timestamp::now();
    let mut tokens: Vec<dto::Token> = coop.runtime.views().tokens.read(|tokens| {
        let page: Box<dyn Iterator<Item = _>> = match &after {
            None => Box::new(tokens.all()),
            Some(after) => Box::new(tokens.after(after)),
        };
        page.take(limit + 1).map(|t| token_view(t, now)).collect()
    });
    let next_after = (tokens.len() > limit).then(|| tokens[limit - 1].token.clone());
    tokens.truncate(limit);
    Ok(with_position(
        position,
        axum::Json(dto::TokenList { tokens, next_after }),
    ))
}

/// Every token ever issued for a member, revoked and expired ones included, with who issued
/// it: what a member reads to see whether anyone else could act in their name. The events
/// each token caused carry its id in their actor (`member:7:3f2a…`).
#[utoipa::path(get, path = "/v1/coops/{coop}/members/{member}/tokens", tag = "access",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("member" = u32, Path, description = "Member number", minimum = 1), ReadHeaders),
    responses((status = 200, body = dto::TokenList), ReadProblems),
    security(("bearer" = [])))]
pub async fn member_tokens(
    Extension(coop): Extension<Coop>,
    Path((_, member)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let member = super::members::parse_member(&member)?;
    let position = coop.runtime.position();
    let now = jiff::Timestamp::now();
    let principal = Principal::Member { member };
    let tokens: Vec<dto::Token> = coop
        .runtime
        .views()
        .tokens
        .read(|tokens| tokens.of(principal).map(|t| token_view(t, now)).collect());
    // A member number the register never had and no token was issued for is no member.
    let known = !tokens.is_empty()
        || coop
            .runtime
            .views()
            .register
            .read(|register| register.member(member).is_some());
    if !known {
        return Err(super::members::no_member(member));
    }
    Ok(with_position(
        position,
        axum::Json(dto::TokenList {
            tokens,
            next_after: None,
        }),
    ))
}

/// A token as the API shows it.
fn token_view(t: &verbund_projections::TokenRecord, now: jiff::Timestamp) -> dto::Token {
    dto::Token {
        token: t.token.to_string(),
        principal: t.principal.to_string(),
        purpose: match t.purpose {
            TokenPurpose::Api => dto::TokenPurpose::Api,
            TokenPurpose::SignInLink => dto::TokenPurpose::SignInLink,
            TokenPurpose::Session => dto::TokenPurpose::Session,
        },
        issued_at: t.issued_at.to_string(),
        issued_by: t.issued_by.to_string(),
        expires_at: t.expires_at.to_string(),
        revoked_at: t.revoked_at.map(|r| r.to_string()),
        valid: t.is_valid_at(now),
    }
}

/// A page of the token list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenPage {
    /// Tokens whose ids sort after this one.
    pub after: Option<String>,
    /// At most this many (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// Moves an existing cooperative in (D1): records its opening state — members with their old
/// numbers, admissions, shares and paid-in capital, officers, opening balances — in one commit,
/// checked as a whole. For a cooperative prepared with `verbund coop prepare`, whose history
/// has not begun; up to 2 MiB of files.
#[utoipa::path(post, path = "/v1/coops/{coop}/moving-in", tag = "access",
    params(("coop" = String, Path, description = "The cooperative's id"), WriteHeaders),
    request_body = dto::MoveIn,
    responses((status = 201, body = dto::Written),
        (status = 200, description = "A repeated request, answered with the original result", body = dto::Written), WriteProblems),
    security(("bearer" = [])))]
pub async fn move_in(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Body(body): Body<dto::MoveIn>,
) -> Result<Response, ApiError> {
    let opening = app::OpeningFile::parse_toml(&body.opening).map_err(|e| e.at("opening"))?;
    let members = app::parse_opening_members(&body.members)?;
    let statute = body.statute.clone();
    let executed = run_write(&coop, &caller, &headers, "move-in", &body, |request| {
        let app = app.clone();
        async move { app::move_in_cooperative(&app, &request, &statute, opening, members).await }
    })
    .await?;
    let status = if executed.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(with_position(
        executed.last,
        (
            status,
            axum::Json(dto::Written {
                position: executed.last.get(),
                replayed: executed.replayed,
            }),
        ),
    ))
}

/// Issues a token for a principal. The secret is in this answer and nowhere else.
#[utoipa::path(post, path = "/v1/coops/{coop}/tokens", tag = "access",
    params(("coop" = String, Path, description = "The cooperative's id"), WriteHeaders),
    request_body = dto::IssueToken,
    responses((status = 201, body = dto::IssuedToken),
        (status = 200, description = "A repeated request, answered with the original token (without its secret)", body = dto::IssuedToken), WriteProblems),
    security(("bearer" = [])))]
pub async fn issue_token(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Body(body): Body<dto::IssueToken>,
) -> Result<Response, ApiError> {
    let principal = Principal::parse(&body.principal)?;
    let days = body.expires_in_days.unwrap_or(90);
    if !(1..=366).contains(&days) {
        return Err(ApiError::bad_request(
            "expiry-out-of-range",
            "expires_in_days",
            "a token lives 1 to 366 days",
        ));
    }
    let purpose = match body.purpose.unwrap_or(dto::TokenPurpose::Api) {
        dto::TokenPurpose::Api => TokenPurpose::Api,
        dto::TokenPurpose::SignInLink => TokenPurpose::SignInLink,
        dto::TokenPurpose::Session => {
            return Err(ApiError::bad_request(
                "session-by-link-only",
                "purpose",
                "a session starts when its person opens a sign-in link",
            ));
        }
    };
    let canonical = serde_json::json!({"principal": principal.to_string(), "expires_in_days": days, "purpose": purpose.as_str()});
    let request = write_request(
        &coop,
        &caller,
        &headers,
        "issue-token",
        canonical.to_string().as_bytes(),
    )?;
    let lifetime = match purpose {
        TokenPurpose::SignInLink => verbund_domain::SIGN_IN_LINK_LIFETIME,
        _ => jiff::SignedDuration::from_hours(i64::from(days) * 24),
    };
    let expires_at = jiff::Timestamp::now() + lifetime;
    let issued = app::issue_token(&app, &request, principal, purpose, expires_at).await?;
    settle_write(&coop, issued.position).await;
    let replayed = issued.secret.is_none();
    let status = if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let body = dto::IssuedToken {
        token: issued.token.to_string(),
        secret: issued.secret.as_ref().map(|s| s.expose().to_owned()),
        principal: issued.principal.to_string(),
        expires_at: issued.expires_at.to_string(),
        position: issued.position.get(),
        replayed,
        link: match (&issued.secret, purpose) {
            (Some(secret), TokenPurpose::SignInLink) => {
                Some(crate::web::sign_in_url("", &coop.log, secret.expose()))
            }
            _ => None,
        },
    };
    Ok(with_position(issued.position, (status, axum::Json(body))))
}

/// Revokes a token at once, in every server process.
#[utoipa::path(delete, path = "/v1/coops/{coop}/tokens/{token}", tag = "access",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("token" = String, Path, description = "The token's id"), WriteHeaders),
    responses((status = 200, body = dto::Written), ActionProblems),
    security(("bearer" = [])))]
pub async fn revoke_token(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, token)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let token = TokenId::parse(&token)?;
    let request = write_request(
        &coop,
        &caller,
        &headers,
        "revoke-token",
        token.as_str().as_bytes(),
    )?;
    let executed = app::revoke_token(&app, &request, token).await?;
    settle_write(&coop, executed.last).await;
    let body = dto::Written {
        position: executed.last.get(),
        replayed: executed.replayed,
    };
    Ok(with_position(executed.last, axum::Json(body)))
}

/// Rebuilds a projection from position 1 beside the live one and swaps it in; writes go on.
#[utoipa::path(post, path = "/v1/coops/{coop}/projections/{projection}/rebuild", tag = "operations",
    params(("coop" = String, Path, description = "The cooperative's id"),
        ("projection" = String, Path, description = "`register` or `tokens`")),
    responses((status = 200, body = dto::Written),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn rebuild(
    Extension(coop): Extension<Coop>,
    Path((_, projection)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let position = coop.runtime.rebuild(&projection).await?;
    Ok(with_position(
        position,
        axum::Json(dto::Written {
            position: position.get(),
            replayed: false,
        }),
    ))
}

/// The position after a `Last-Event-ID` (the last position a client received).
fn resume_after(value: &HeaderValue) -> Result<u64, ApiError> {
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .and_then(|last| last.checked_add(1))
        .ok_or_else(|| {
            ApiError::bad_request(
                "last-event-id-malformed",
                "Last-Event-ID",
                "Last-Event-ID must be the position of the last event received",
            )
        })
}

/// How often a running event stream checks that its token is still valid: no event goes out
/// under a token revoked or expired longer ago than this.
const STREAM_TOKEN_CHECK: Duration = Duration::from_secs(1);

/// The token an event stream was opened with, checked again as events go out.
struct TokenHolder {
    runtime: Arc<verbund_projections::Runtime>,
    token: Option<verbund_domain::TokenId>,
    checked: Instant,
}

impl TokenHolder {
    fn still_valid(&mut self) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        if self.checked.elapsed() < STREAM_TOKEN_CHECK {
            return true;
        }
        self.checked = Instant::now();
        let now = jiff::Timestamp::now();
        self.runtime
            .views()
            .tokens
            .read(|tokens| tokens.by_id(token).is_some_and(|t| t.is_valid_at(now)))
    }
}
