//! The auditors' pages (Prüfungsverband, tax auditor, regulator, and the organs, who read the
//! log as the API lets them): the log as a browsable history — by page, by event type, by
//! stream —, each event with its position, its hash and the hash it links to, and the
//! chain's verification with the head to note down as an anchor.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use verbund_ledger::{Position, RecordedEvent, StreamId, StreamVersion};

use super::Lang;
use super::pages::{Chrome, private, render};
use crate::app::App;
use crate::http::auth::{Caller, Coop};
use crate::http::dto;
use crate::http::error::{ApiError, Problem};

/// Events on one page of the log.
const PAGE_EVENTS: usize = 50;
/// Events one request reads at most while it looks for those of a type.
const SCAN_EVENTS: usize = 20_000;

/// One event as the log's page lists it.
#[derive(Debug)]
struct EventLine {
    position: u64,
    event_type: String,
    stream: String,
    recorded_at: String,
    hash: String,
    prev_hash: String,
}

#[derive(Template)]
#[template(path = "log.html")]
struct LogPage {
    c: Chrome,
    types: Vec<&'static str>,
    q: LogQuery,
    events: Vec<EventLine>,
    /// Where the next page starts, if the log goes on.
    next: Option<u64>,
    /// The last position read while looking for events of a type, if the search stopped
    /// before a page was full.
    scanned_to: Option<u64>,
    problem: Option<Problem>,
}

/// The log's page: from a position, of a type, of a stream.
#[derive(Debug, Default, Deserialize)]
pub(super) struct LogQuery {
    from: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    stream: Option<String>,
}

impl LogQuery {
    /// This query's page from `from` on, as a link.
    fn link(&self, home: &str, from: u64) -> String {
        let mut link = format!("{home}/audit?from={from}");
        for (key, value) in [("type", &self.event_type), ("stream", &self.stream)] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                link.push_str(&format!("&{key}={}", urlencoding(value)));
            }
        }
        link
    }
}

/// A query value, percent-encoded.
fn urlencoding(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|pair| pair.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

fn line(c: &Chrome, event: &RecordedEvent) -> EventLine {
    EventLine {
        position: event.position.get(),
        event_type: event.event_type.to_string(),
        stream: event.stream_id.to_string(),
        recorded_at: timestamp(c.lang, event.metadata.recorded_at()),
        hash: event.hash.to_string(),
        prev_hash: event.prev_hash.to_string(),
    }
}

fn timestamp(lang: Lang, at: jiff::Timestamp) -> String {
    match lang {
        Lang::De => at.strftime("%d.%m.%Y %H:%M:%S UTC").to_string(),
        Lang::En => at.strftime("%-d %b %Y %H:%M:%S UTC").to_string(),
    }
}

/// `/c/{coop}/audit`: the log, page by page; of one event type; of one stream.
pub(super) async fn log(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<LogQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = Lang::of(&headers);
    let c = Chrome::of(
        &app,
        lang,
        &coop,
        &caller,
        &format!("/c/{}/audit", coop.log),
    )
    .await;
    let read = async {
        let from = match q.from.as_deref().map(str::trim) {
            None | Some("") => 1,
            Some(text) => text.parse::<u64>().ok().filter(|p| *p > 0).ok_or_else(|| {
                ApiError::bad_request("position-malformed", "from", "positions are 1, 2, 3, …")
            })?,
        };
        let wanted = q.event_type.as_deref().filter(|t| !t.is_empty());
        if let Some(stream) = q.stream.as_deref().filter(|s| !s.is_empty()) {
            // A stream's events in its order, from its version `from`.
            let stream = StreamId::parse(stream)
                .map_err(|e| ApiError::bad_request("stream-malformed", "stream", e.to_string()))?;
            let events = app
                .ledger()
                .read_stream(
                    &coop.log,
                    &stream,
                    StreamVersion::new(from).map_err(ApiError::from)?,
                    PAGE_EVENTS,
                )
                .await?;
            let next = (events.len() == PAGE_EVENTS).then(|| from + PAGE_EVENTS as u64);
            let events = events
                .iter()
                .filter(|e| wanted.is_none_or(|t| e.event_type.as_str() == t))
                .map(|e| line(&c, e))
                .collect();
            return Ok::<_, ApiError>((events, next, None));
        }
        let mut found = Vec::new();
        let mut at = from;
        let mut read = 0;
        loop {
            // Without a type, a page is the next events; with one, read on in batches.
            let batch_size = if wanted.is_some() { 1000 } else { PAGE_EVENTS };
            let batch = app
                .ledger()
                .read_log(&coop.log, Position::new(at), batch_size)
                .await?;
            let ended = batch.len() < batch_size;
            for event in &batch {
                at = event.position.get() + 1;
                read += 1;
                if wanted.is_none_or(|t| event.event_type.as_str() == t) {
                    found.push(line(&c, event));
                    if found.len() == PAGE_EVENTS {
                        return Ok((found, Some(at), None));
                    }
                }
            }
            if ended {
                return Ok((found, None, None));
            }
            if read >= SCAN_EVENTS {
                return Ok((found, Some(at), Some(at - 1)));
            }
        }
    };
    let (events, next, scanned_to, problem) = match read.await {
        Ok((events, next, scanned)) => (events, next, scanned, None),
        Err(e) if e.status().is_client_error() => (Vec::new(), None, None, Some(e.problem())),
        Err(e) => return Err(e),
    };
    Ok(private(render(LogPage {
        types: {
            let mut types: Vec<&'static str> = verbund_domain::Event::TYPES
                .iter()
                .map(|(t, _)| *t)
                .collect();
            types.sort_unstable();
            types
        },
        c,
        q,
        events,
        next,
        scanned_to,
        problem,
    })))
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    c: Chrome,
    e: dto::EventEnvelope,
    recorded_at: String,
    payload: String,
    previous: Option<u64>,
    next: Option<u64>,
}

/// `/c/{coop}/audit/events/{position}`: one event in full, with its envelope and hashes.
pub(super) async fn event(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    Path((_, position)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found("event-not-found", "the log has no such position");
    let position: u64 = position
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(not_found)?;
    let events = app
        .ledger()
        .read_log(&coop.log, Position::new(position), 2)
        .await?;
    let event = events
        .first()
        .filter(|e| e.position.get() == position)
        .ok_or_else(not_found)?;
    let lang = Lang::of(&headers);
    let c = Chrome::of(
        &app,
        lang,
        &coop,
        &caller,
        &format!("/c/{}/audit", coop.log),
    )
    .await;
    let e = dto::EventEnvelope::from(event);
    let payload = serde_json::to_string_pretty(&e.payload).unwrap_or_default();
    Ok(private(render(EventPage {
        recorded_at: timestamp(lang, event.metadata.recorded_at()),
        previous: (position > 1).then(|| position - 1),
        next: events.get(1).map(|e| e.position.get()),
        c,
        e,
        payload,
    })))
}

/// An anchor noted down before, to verify against.
#[derive(Debug, Default, Deserialize)]
pub(super) struct VerifyForm {
    #[serde(default)]
    anchor: String,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    c: Chrome,
    log: String,
    anchor: String,
    result: Option<dto::Verification>,
    problem: Option<Problem>,
}

/// `/c/{coop}/audit/verify`: what a verification does, and its button.
pub(super) async fn verify_form(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = Lang::of(&headers);
    let path = format!("/c/{}/audit/verify", coop.log);
    let c = Chrome::of(&app, lang, &coop, &caller, &path).await;
    Ok(private(render(VerifyPage {
        c,
        log: coop.log.to_string(),
        anchor: String::new(),
        result: None,
        problem: None,
    })))
}

/// `POST /c/{coop}/audit/verify`: recomputes the chain now, as `GET /v1/…/verify` and
/// `verbund verify` do, and shows the result with the head to note down. It writes nothing.
pub(super) async fn verify(
    State(app): State<App>,
    Extension(coop): Extension<Coop>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let typed: VerifyForm = super::pages::form(&body)?;
    let anchor = match typed.anchor.trim() {
        "" => Ok(None),
        text => crate::cmd::verify::parse_anchor(text)
            .map(Some)
            .map_err(|e| ApiError::bad_request("anchor-malformed", "anchor", format!("{e:#}"))),
    };
    let (result, problem) = match anchor {
        Ok(anchor) => (
            Some(crate::http::routes::verification_of(&app, &coop, anchor).await?),
            None,
        ),
        Err(e) => (None, Some(e.problem())),
    };
    let lang = Lang::of(&headers);
    let path = format!("/c/{}/audit/verify", coop.log);
    let c = Chrome::of(&app, lang, &coop, &caller, &path).await;
    let status = problem.as_ref().map_or(axum::http::StatusCode::OK, |p| {
        axum::http::StatusCode::from_u16(p.status).unwrap_or(axum::http::StatusCode::BAD_REQUEST)
    });
    let page = VerifyPage {
        c,
        log: coop.log.to_string(),
        anchor: typed.anchor,
        result,
        problem,
    };
    Ok(axum::response::IntoResponse::into_response((
        status,
        private(render(page)),
    )))
}
