//! What the handlers share, apart from the handlers: the write path (`WriteHeaders`,
//! `write_request`, `run_write`, `settle_write`, `with_position`), reads as of a position
//! (`ReadHeaders`, `as_of`), paging (`page_limit`, `after_member`) and the answers every
//! handler may give (`not_founded`, `bad_param`).

use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use verbund_domain::{MemberNo, Person, PersonalRef};
use verbund_ledger::Position;

use crate::app::{self, App, Request};
use crate::http::auth::{Caller, Coop};
use crate::http::error::ApiError;
use crate::http::extract::{POSITION_HEADER, READ_WAIT};

/// The most items of one page.
pub const PAGE_ITEMS_MAX: usize = 1_000;

/// Items of a page when the client does not say.
const PAGE_ITEMS_DEFAULT: usize = 100;

pub(crate) fn with_position(position: Position, body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(POSITION_HEADER, HeaderValue::from(position.get()));
    response
}

/// Lets a write take effect in this process before it is answered, so that a token works (or
/// stops working) here as soon as the client has the answer. Bounded: if the projections lag,
/// the write stands all the same and the answer goes out.
pub(crate) async fn settle_write(coop: &Coop, position: Position) {
    if let Err(e) = coop.runtime.wait_for(position, READ_WAIT).await {
        tracing::warn!("answering a write before the projections reflect it: {e}");
    }
}

/// The people behind personal-data references, by record id (see [`App::people`]).
pub(crate) async fn people(
    app: &App,
    log: &verbund_ledger::LogId,
    refs: &[PersonalRef],
) -> Result<std::collections::HashMap<String, Person>, ApiError> {
    Ok(app.people(log, refs).await?)
}

pub(crate) fn not_founded() -> ApiError {
    ApiError::not_found(
        "coop-not-founded",
        "the cooperative's founding is not recorded yet",
    )
}

/// Headers of a read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct ReadHeaders {
    /// Answer only once the projections reached this log position (the `position` a write
    /// answered with), waiting at most 5 seconds (then 503). A position beyond the log's
    /// head is refused (400).
    #[param(rename = "Verbund-Min-Position", minimum = 0, required = false)]
    pub min_position: u64,
}

/// The position a read "as of" asks for, if it does.
pub(crate) async fn as_of(
    app: &App,
    coop: &Coop,
    at_position: Option<u64>,
    as_of: Option<&str>,
) -> Result<Option<Position>, ApiError> {
    match (at_position, as_of) {
        (Some(_), Some(_)) => Err(bad_param("as_of", "give at_position or as_of, not both")),
        (Some(position), None) => Ok(Some(Position::new(position))),
        (None, Some(text)) => {
            let at: jiff::Timestamp = text.parse().map_err(|_| {
                bad_param(
                    "as_of",
                    "as_of is an RFC 3339 moment, e.g. 2026-11-24T12:00:00Z",
                )
            })?;
            Ok(Some(
                verbund_projections::position_at(app.ledger(), &coop.log, at).await?,
            ))
        }
        (None, None) => Ok(None),
    }
}

pub(crate) fn bad_param(field: &str, detail: &str) -> ApiError {
    ApiError::bad_request("query-malformed", field, detail)
}

/// The `after` of a page by member number.
pub(crate) fn after_member(after: Option<u32>) -> Result<Option<MemberNo>, ApiError> {
    after
        .map(|n| MemberNo::new(n).ok_or_else(|| bad_param("after", "member numbers start at 1")))
        .transpose()
}

pub(crate) fn page_limit(limit: Option<usize>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(PAGE_ITEMS_DEFAULT),
        Some(n) if (1..=PAGE_ITEMS_MAX).contains(&n) => Ok(n),
        Some(_) => Err(bad_param("limit", "limit is 1 to 1000")),
    }
}

/// Headers of a write.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct WriteHeaders {
    /// Makes a retry safe: the same key with the same request answers the original result;
    /// with another request it is refused (422). 1 to 64 letters, digits, `-_.:`.
    #[param(
        rename = "Idempotency-Key",
        max_length = 64,
        min_length = 1,
        pattern = "^[A-Za-z0-9._:-]{1,64}$"
    )]
    pub idempotency_key: Option<String>,
}

/// Runs a command for a write request: the request identified by `route` and the canonical
/// form of `body` (for idempotency), the command through `execute`, and the answer once this
/// process's projections reflect it (read-your-writes).
pub(crate) async fn run_write<F, Fut>(
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    route: &str,
    body: &impl serde::Serialize,
    execute: F,
) -> Result<app::Executed, ApiError>
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Result<app::Executed, app::ExecError>>,
{
    let canonical = serde_json::to_vec(body).map_err(ApiError::internal)?;
    let request = write_request(coop, caller, headers, route, &canonical)?;
    let executed = execute(request).await?;
    settle_write(coop, executed.last).await;
    Ok(executed)
}

pub(crate) fn write_request(
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    route: &str,
    body: &[u8],
) -> Result<Request, ApiError> {
    let key = headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str().map(str::to_owned).map_err(|_| {
                ApiError::bad_request(
                    "idempotency-key-malformed",
                    "Idempotency-Key",
                    "the key is not text",
                )
            })
        })
        .transpose()?;
    let mut hasher = blake3::Hasher::new();
    hasher.update(route.as_bytes()).update(&[0]).update(body);
    Ok(Request {
        coop: coop.log.clone(),
        actor: caller.actor(),
        key,
        digest: *hasher.finalize().as_bytes(),
    })
}

/// Executes `command` for a write request whose canonical form is `route` and `body`
/// ([`run_write`]).
pub(crate) async fn execute(
    app: &App,
    coop: &Coop,
    caller: &Caller,
    headers: &HeaderMap,
    route: &str,
    body: &impl serde::Serialize,
    command: impl app::Command,
) -> Result<app::Executed, ApiError> {
    run_write(coop, caller, headers, route, body, |request| async move {
        app::execute(app, &request, &command).await
    })
    .await
}

/// The answer of a write that made nothing to name: its position, and whether it repeated an
/// earlier request.
pub(crate) fn written(executed: app::Executed) -> Response {
    with_position(
        executed.last,
        axum::Json(crate::http::dto::Written {
            position: executed.last.get(),
            replayed: executed.replayed,
        }),
    )
}
