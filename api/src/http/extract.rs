//! Extractors whose rejections are problem+json.

use std::time::Duration;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use verbund_ledger::Position;

use crate::http::error::ApiError;

/// A JSON body; a malformed one is a 400 naming the field, an oversized one a 413.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content-type-unsupported",
                "send the body as application/json",
            ));
        }
        let bytes = match axum::body::Bytes::from_request(request, state).await {
            Ok(bytes) => bytes,
            // The whole body was read before (`http::observe`); kept for a router without it.
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::body_too_large());
            }
            Err(rejection) => {
                return Err(ApiError::bad_request(
                    "body-malformed",
                    "body",
                    rejection.body_text(),
                ));
            }
        };
        let mut json = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut json)
            .map_err(|e| malformed("body-malformed", "body", e))?;
        json.end().map_err(|e| {
            ApiError::bad_request(
                "body-malformed",
                "body",
                format!("{e}: after the JSON value"),
            )
        })?;
        Ok(Body(value))
    }
}

/// True if the request says its body is JSON (`application/json` or `application/…+json`).
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype.len() > 5 && subtype[subtype.len() - 5..].eq_ignore_ascii_case("+json"))
}

/// A 400 for input that did not deserialize: `field` is the path to the offending value
/// (`lines[2].debit`), or the missing field's name, or `whole` where neither is known.
fn malformed<E: std::fmt::Display>(
    code: &str,
    whole: &str,
    error: serde_path_to_error::Error<E>,
) -> ApiError {
    let detail = error.inner().to_string();
    let path = error.path().to_string();
    let field = if path != "." && !path.is_empty() {
        path
    } else if let Some(missing) = detail
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        missing.to_owned()
    } else {
        whole.to_owned()
    };
    ApiError::bad_request(code, &field, format!("{field}: {detail}"))
}

/// Query parameters; malformed ones are a 400 naming the parameter.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(pairs)
            .map(Params)
            .map_err(|e| malformed("query-malformed", "query", e))
    }
}

/// The header a read passes to see its own writes: the position a write answered with.
pub const MIN_POSITION_HEADER: &str = "verbund-min-position";

/// The header every read and write answers with: the log position its data reflects.
pub const POSITION_HEADER: &str = "verbund-position";

/// Parses `Verbund-Min-Position`.
pub fn min_position(headers: &axum::http::HeaderMap) -> Result<Option<Position>, ApiError> {
    let Some(value) = headers.get(MIN_POSITION_HEADER) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
        .map(|n| Some(Position::new(n)))
        .ok_or_else(|| {
            ApiError::bad_request(
                "min-position-malformed",
                MIN_POSITION_HEADER,
                "Verbund-Min-Position is a log position: a whole number",
            )
        })
}

/// How long a read waits for the projections to reach `Verbund-Min-Position`.
pub const READ_WAIT: Duration = Duration::from_secs(5);
