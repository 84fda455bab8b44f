//! The one error type at the HTTP edge: every refusal becomes a problem+json body (RFC 9457)
//! with a stable `type`; a 500 is logged with its cause and answered without it.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use verbund_domain::{DomainError, ErrorKind};
use verbund_ledger::LedgerError;
use verbund_projections::ProjectionError;

use crate::app::ExecError;
use crate::app::ballot_keys::KeyError;

/// A problem report (RFC 9457). `type` is `/problems/{code}`; `code` repeats the code for
/// clients that prefer a plain field; `rule` names the rule of `shared/domain-rules.md` that
/// refused the request; `field` names the offending input.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `/problems/{code}`, a stable identifier of the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this case.
    pub detail: String,
    /// The stable, machine-readable code.
    pub code: String,
    /// The id of the rule that refused the request (e.g. `G4`), explained in the repository's
    /// `docs/rules.md`: what the rule says, its source in the law, what it refuses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The offending input, as a path into the request (e.g. `founders[2].name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error answered as problem+json. Boxed: errors travel through every `?` of every handler,
/// and the happy path should not pay for their size.
#[derive(Debug)]
pub struct ApiError(Box<Details>);

#[derive(Debug)]
struct Details {
    status: StatusCode,
    code: String,
    detail: String,
    rule: Option<&'static str>,
    field: Option<String>,
    retry_after_seconds: Option<u32>,
    /// For 500s: what to log. Never sent.
    cause: Option<String>,
}

impl ApiError {
    /// A problem with a status, a code and a detail for people.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self(Box::new(Details {
            status,
            code: code.to_owned(),
            detail: detail.into(),
            rule: None,
            field: None,
            retry_after_seconds: None,
            cause: None,
        }))
    }

    /// The stable code of the problem.
    pub fn code(&self) -> &str {
        &self.0.code
    }

    /// 400, naming the offending field.
    pub fn bad_request(code: &str, field: &str, detail: impl Into<String>) -> Self {
        let mut error = Self::new(StatusCode::BAD_REQUEST, code, detail);
        error.0.field = Some(field.to_owned());
        error
    }

    /// 404.
    pub fn not_found(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    /// 413: the body exceeds [`crate::http::BODY_BYTES_MAX`].
    pub fn body_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            format!("the body exceeds {} bytes", crate::http::BODY_BYTES_MAX),
        )
    }

    /// 408: the client did not send its body within `limit`.
    pub fn body_too_slow(limit: std::time::Duration) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "body-too-slow",
            format!(
                "the request's body did not arrive within {} seconds",
                limit.as_secs_f64()
            ),
        )
    }

    /// 500: logs `cause`, tells the client only that it happened.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed to answer this request; it has been logged",
        );
        error.0.cause = Some(cause.to_string());
        error
    }

    /// 503 with a hint when to try again.
    pub fn unavailable(code: &str, detail: impl Into<String>, retry_after_seconds: u32) -> Self {
        let mut error = Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail);
        error.0.retry_after_seconds = Some(retry_after_seconds);
        error
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The detail for people.
    pub fn detail(&self) -> &str {
        &self.0.detail
    }

    /// The rule refused by, if one was.
    pub fn rule(&self) -> Option<&'static str> {
        self.0.rule
    }

    /// The offending field, if one is named.
    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }

    /// The problem body.
    pub fn problem(&self) -> Problem {
        let d = &self.0;
        Problem {
            kind: format!("/problems/{}", d.code),
            title: d.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: d.status.as_u16(),
            detail: d.detail.clone(),
            code: d.code.clone(),
            rule: d.rule.map(str::to_owned),
            field: d.field.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(cause) = &self.0.cause {
            tracing::error!(status = self.0.status.as_u16(), "{cause}");
        }
        let problem = self.problem();
        let body = serde_json::to_vec(&problem).expect("a problem serializes");
        let mut response = (self.0.status, body).into_response();
        // The pages show a problem as a page of their own (`web::error_pages`).
        response.extensions_mut().insert(problem);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.0.retry_after_seconds {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        let status = match error.kind() {
            ErrorKind::Invalid => StatusCode::BAD_REQUEST,
            ErrorKind::RuleViolated => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
        };
        let mut api = Self::new(status, error.code(), error.message());
        api.0.rule = error.rule_id().map(|rule| rule.id());
        api.0.field = error.field().filter(|f| !f.is_empty()).map(str::to_owned);
        api
    }
}

impl From<LedgerError> for ApiError {
    fn from(error: LedgerError) -> Self {
        match &error {
            LedgerError::Conflict { .. } => {
                Self::new(StatusCode::CONFLICT, "version-conflict", error.to_string())
            }
            LedgerError::IdempotencyMismatch(_) => idempotency_key_reused(),
            LedgerError::TooLarge { .. } => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                error.to_string(),
            ),
            LedgerError::UnknownLog(log) => {
                Self::not_found("coop-not-found", format!("there is no cooperative {log}"))
            }
            LedgerError::Closed => Self::unavailable(
                "shutting-down",
                "the server is shutting down; try another or try again",
                1,
            ),
            LedgerError::Halted { log, found } => {
                Self::unavailable("log-halted", halted_detail(log, found), 60)
            }
            _ => Self::internal(error),
        }
    }
}

/// Why a halted log takes no writes, and what the operator does: for the refused write and
/// for `/readyz` alike.
pub(crate) fn halted_detail(
    log: &verbund_ledger::LogId,
    found: &verbund_ledger::ChainBreak,
) -> String {
    format!(
        "the log of {log} takes no writes: its chain is broken at position {} ({}: {}); an operator restores a backup and runs `verbund resume --log {log}`",
        found.position, found.kind, found.detail
    )
}

fn idempotency_key_reused() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency-key-reused",
        "this Idempotency-Key was used before with another request; use a new key for a new request",
    )
}

impl From<ExecError> for ApiError {
    fn from(error: ExecError) -> Self {
        match error {
            ExecError::Domain(e) => e.into(),
            ExecError::KeyReused => idempotency_key_reused(),
            ExecError::KeyMalformed => Self::bad_request(
                "idempotency-key-malformed",
                "Idempotency-Key",
                error.to_string(),
            ),
            ExecError::Contention => {
                Self::new(StatusCode::CONFLICT, "contention", error.to_string())
            }
            ExecError::Ledger(e) => e.into(),
            ExecError::Decode(e) => Self::internal(e),
            // Lagging is a 503 to try again; a failed runtime is an internal error, its cause
            // logged and not sent.
            ExecError::Projection(e) => e.into(),
            ExecError::Start(why) => Self::internal(why),
            // A defect of the command, never of the request: logged, not explained.
            ExecError::Undeclared(_) => Self::internal(error),
            // A key the operator must restore: said in the log, where the directory may be
            // named; the caller learns that the ballot waits for it.
            ExecError::BallotKey(KeyError::Unreadable { .. }) => Self::internal(error),
            ExecError::BallotKey(e) => {
                tracing::error!("{e}");
                Self::unavailable(
                    "ballot-key-unavailable",
                    "the key that seals this ballot's votes is not available to the server; its operator must restore it from the ballot keys' backup",
                    60,
                )
            }
        }
    }
}

impl From<ProjectionError> for ApiError {
    fn from(error: ProjectionError) -> Self {
        match &error {
            ProjectionError::Lagging { .. } => Self::unavailable(
                "projection-lagging",
                format!("{error}; try again shortly"),
                1,
            ),
            ProjectionError::UnknownProjection(_) => {
                Self::not_found("projection-not-found", error.to_string())
            }
            ProjectionError::Ledger(_)
            | ProjectionError::Database(_)
            | ProjectionError::Snapshot(_)
            | ProjectionError::Decode { .. }
            | ProjectionError::Failed(_)
            | ProjectionError::Stopped => Self::internal(error),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        Self::internal(format!("{error:#}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verbund_domain::Rule;

    /// A command whose projections lag answers 503 to try again; one whose projections failed
    /// answers 500, and the cause stays in the server's log.
    #[test]
    fn a_command_refused_by_its_projections_says_lagging_or_internal_without_the_cause() {
        use verbund_ledger::Position;
        let lagging = ApiError::from(ExecError::Projection(ProjectionError::Lagging {
            wanted: Position::new(9),
            reached: Position::new(3),
        }));
        assert_eq!(lagging.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(lagging.problem().kind, "/problems/projection-lagging");
        for failed in [
            ApiError::from(ExecError::Projection(ProjectionError::Failed(
                "disk I/O error at /var/lib/secret.db".into(),
            ))),
            ApiError::from(ExecError::Start(
                "disk I/O error at /var/lib/secret.db".into(),
            )),
        ] {
            assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
            let body = serde_json::to_string(&failed.problem()).expect("serializes");
            assert!(!body.contains("secret"), "{body}");
        }
    }

    #[test]
    fn a_rule_violation_is_a_422_naming_the_rule_and_the_field() {
        let refused =
            DomainError::rule(Rule::G4, "founders-too-few", "two founders").at("founders");
        let problem = ApiError::from(refused).problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.kind, "/problems/founders-too-few");
        assert_eq!(problem.rule.as_deref(), Some("G4"));
        assert_eq!(problem.field.as_deref(), Some("founders"));
    }

    #[test]
    fn each_kind_of_refusal_has_its_status() {
        let status = |error: DomainError| ApiError::from(error).status().as_u16();
        assert_eq!(status(DomainError::invalid("x", "f", "m")), 400);
        assert_eq!(status(DomainError::not_found("x", "m")), 404);
        assert_eq!(status(DomainError::conflict("x", "m")), 409);
        let conflict = LedgerError::Conflict {
            stream: verbund_ledger::StreamId::parse("coop").expect("valid"),
            expected: verbund_ledger::ExpectedVersion::NoStream,
            actual: None,
        };
        assert_eq!(ApiError::from(conflict).status().as_u16(), 409);
    }

    #[test]
    fn a_500_never_tells_its_cause() {
        let error = ApiError::internal("password=hunter2 at db.internal:5432");
        let body = serde_json::to_string(&error.problem()).expect("serializes");
        assert_eq!(error.status().as_u16(), 500);
        assert!(
            !body.contains("hunter2") && !body.contains("db.internal"),
            "{body}"
        );
        let response = error.into_response();
        assert_eq!(
            response
                .headers()
                .get(header::CONTENT_TYPE)
                .map(|v| v.as_bytes()),
            Some(&b"application/problem+json"[..])
        );
    }
}

/// The problem+json answers a route may give, for its OpenAPI description: one type per set of
/// statuses routes share, so that a handler names its set instead of repeating each status.
/// Each status says in general what its problems mean; `code` and `detail` say it per case.
fn problem_responses(
    statuses: &[u16],
) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Response>> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    statuses
        .iter()
        .map(|status| {
            let description = match status {
                400 => "The request is malformed; `field` names the input",
                401 => "No valid bearer token was presented",
                403 => "The token's principal may not do this",
                404 => "The cooperative or what the path names does not exist",
                409 => "The state does not allow it now (e.g. decided before, or changed meanwhile)",
                413 => "The body is larger than the route accepts",
                415 => "The body is not `application/json`",
                422 => "The request is well-formed but a rule refuses it; `rule` names the rule",
                503 => "The projections are not there yet (`Verbund-Min-Position` not reached); try again",
                _ => "A problem",
            };
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build();
            let response = ResponseBuilder::new()
                .description(description)
                .content("application/problem+json", content)
                .build();
            (status.to_string(), response.into())
        })
        .collect()
}

/// The problems of a read of a cooperative: 400, 401, 403, 404, 503.
#[derive(Debug)]
pub struct ReadProblems;

impl utoipa::IntoResponses for ReadProblems {
    fn responses()
    -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Response>> {
        problem_responses(&[400, 401, 403, 404, 503])
    }
}

/// The problems of a write with a JSON body: 400, 401, 403, 404, 409, 413, 415, 422.
#[derive(Debug)]
pub struct WriteProblems;

impl utoipa::IntoResponses for WriteProblems {
    fn responses()
    -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Response>> {
        problem_responses(&[400, 401, 403, 404, 409, 413, 415, 422])
    }
}

/// The problems of a write without a body: 400, 401, 403, 404, 409, 422.
#[derive(Debug)]
pub struct ActionProblems;

impl utoipa::IntoResponses for ActionProblems {
    fn responses()
    -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Response>> {
        problem_responses(&[400, 401, 403, 404, 409, 422])
    }
}

/// The problems of a public read, without a token: 400, 404, 503.
#[derive(Debug)]
pub struct PublicReadProblems;

impl utoipa::IntoResponses for PublicReadProblems {
    fn responses()
    -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Response>> {
        problem_responses(&[400, 404, 503])
    }
}
