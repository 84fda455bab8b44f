//! Extractors whose rejections are problem+json.

use std::time::Duration;

use axum::extract::rejection::{JsonRejection, QueryRejection};
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
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(match &rejection {
                JsonRejection::MissingJsonContentType(_) => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "content-type-unsupported",
                    "send the body as application/json",
                ),
                // The whole body was read before (`read_body`); kept for a router without it.
                JsonRejection::BytesRejection(_)
                    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE =>
                {
                    ApiError::body_too_large()
                }
                _ => ApiError::bad_request("body-malformed", "body", rejection.body_text()),
            }),
        }
    }
}

/// Query parameters; malformed ones are a 400.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Params(value)),
            Err(rejection) => Err(query_error(&rejection)),
        }
    }
}

fn query_error(rejection: &QueryRejection) -> ApiError {
    ApiError::bad_request("query-malformed", "query", rejection.body_text())
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
