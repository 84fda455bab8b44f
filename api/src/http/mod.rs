//! The HTTP API (axum): versioned JSON under `/v1/coops/{coop}/…`, problem+json errors,
//! bearer tokens, one authorization table, OpenAPI 3.1 at `/openapi.json`, a readable API page
//! at `/docs`, health, readiness and Prometheus metrics.
//!
//! Architecture invariant: this is the only module that knows HTTP. Handlers translate between
//! HTTP and [`crate::app`]; the rules are the domain's.

pub mod auth;
pub mod books;
pub mod commands;
pub mod docs;
pub mod dto;
pub mod error;
pub mod exports;
pub mod extract;
pub mod governance;
pub mod kit;
pub mod members;
pub mod routes;
pub mod tls;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::App;
use crate::http::error::ApiError;
use crate::metrics::HttpLabels;

/// The largest request body.
pub const BODY_BYTES_MAX: usize = 64 * 1024;
/// The largest body of a moving-in: an opening state with a member list of a thousand and
/// more members.
pub const MOVING_IN_BODY_BYTES_MAX: usize = 2 * 1024 * 1024;
// `observe` enforces them; the extractors' own default limit (2 MiB) must not be the smaller.
const _: () = assert!(BODY_BYTES_MAX <= 2 * 1024 * 1024);
const _: () = assert!(MOVING_IN_BODY_BYTES_MAX <= 2 * 1024 * 1024);

/// The largest body a route takes: every route [`BODY_BYTES_MAX`], the moving-in more.
fn body_limit(route: &str) -> usize {
    if route == "/v1/coops/{coop}/moving-in" {
        MOVING_IN_BODY_BYTES_MAX
    } else {
        BODY_BYTES_MAX
    }
}
/// The longest a request may take until its response head.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest a client may take to send a request's body: far more than 64 KiB need on any
/// line a person uses; a client slower than that holds a connection for nothing.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Verbund API",
        description = "The system of record of cooperatives: every membership decision, vote, contribution and shared investment as an immutable event in a hash-chained log.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerScheme),
    // The problem sets (`error::ReadProblems`, …) refer to it by name.
    components(schemas(error::Problem)),
    tags(
        (name = "cooperatives", description = "Public facts of the cooperatives"),
        (name = "members", description = "The member register"),
        (name = "log", description = "The hash-chained event log, for auditors and integrations"),
        (name = "access", description = "Tokens and the caller"),
        (name = "operations", description = "Running the installation"),
    )
)]
struct ApiDoc;

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
    }
}

/// The API routes and their OpenAPI document.
pub fn api(app: &App) -> (Router<App>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = OpenApiRouter::<App>::with_openapi(ApiDoc::openapi())
        .routes(routes!(routes::list_coops))
        .routes(routes!(routes::get_coop))
        .routes(routes!(routes::check_statute))
        .routes(routes!(routes::get_statute))
        .routes(routes!(routes::me))
        .routes(routes!(members::list_members))
        .routes(routes!(members::get_member))
        .routes(routes!(members::statement))
        .routes(routes!(members::directory))
        .routes(routes!(members::list_applications, members::apply))
        .routes(routes!(members::get_application))
        .routes(routes!(members::admit))
        .routes(routes!(members::reject))
        .routes(routes!(members::subscribe))
        .routes(routes!(members::record_payment))
        .routes(routes!(members::resign))
        .routes(routes!(members::exclude))
        .routes(routes!(members::record_death))
        .routes(routes!(members::transfer))
        .routes(routes!(members::pay_settlement))
        .routes(routes!(members::appoint))
        .routes(routes!(members::grant_votes))
        .routes(routes!(members::dismiss))
        .routes(routes!(members::authorize_representative))
        .routes(routes!(governance::list_assemblies, governance::convene))
        .routes(routes!(governance::get_assembly))
        .routes(routes!(governance::add_item))
        .routes(routes!(governance::attend))
        .routes(routes!(governance::minutes))
        .routes(routes!(governance::list_motions, governance::put_motion))
        .routes(routes!(governance::get_motion))
        .routes(routes!(governance::open_ballot))
        .routes(routes!(governance::close_ballot))
        .routes(routes!(governance::recount))
        .routes(routes!(governance::list_votes, governance::vote))
        .routes(routes!(governance::member_votes))
        .routes(routes!(governance::member_proxies))
        .routes(routes!(governance::grant_proxy, governance::revoke_proxy))
        .routes(routes!(governance::list_investments))
        .routes(routes!(books::chart, books::open_account))
        .routes(routes!(books::record_payment))
        .routes(routes!(books::charge_levy))
        .routes(routes!(books::post_entry))
        .routes(routes!(books::reverse_entry))
        .routes(routes!(books::close_year))
        .routes(routes!(books::use_profit))
        .routes(routes!(books::grant_loan))
        .routes(routes!(books::repay_loan))
        .routes(routes!(books::trial_balance))
        .routes(routes!(books::balance_sheet))
        .routes(routes!(books::income_statement))
        .routes(routes!(books::account_ledger))
        .routes(routes!(books::member_accounts))
        .routes(routes!(books::open_items))
        .routes(routes!(books::export))
        .routes(routes!(routes::list_events))
        .routes(routes!(routes::stream_events))
        .routes(routes!(routes::verify))
        .routes(routes!(routes::list_tokens, routes::issue_token))
        .routes(routes!(routes::revoke_token))
        .routes(routes!(routes::member_tokens))
        .routes(routes!(routes::move_in))
        .routes(routes!(routes::rebuild))
        .split_for_parts();
    openapi.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let router = router
        .merge(crate::web::pages())
        .route_layer(middleware::from_fn_with_state(app.clone(), auth::authorize));
    (router, openapi)
}

/// The whole application: API, documents, operations endpoints and the layers around them.
pub fn router(app: App) -> Router {
    let (api, openapi) = api(&app);
    let openapi_json = openapi.to_json().expect("the OpenAPI document serializes");
    let page = docs::page(&openapi);
    api.route(
        "/openapi.json",
        get(move || async move {
            (
                [(header::CONTENT_TYPE, "application/json")],
                openapi_json.clone(),
            )
        }),
    )
    .route(
        "/docs",
        get(move || async move { axum::response::Html(page.clone()) }),
    )
    .route("/healthz", get(healthz))
    .route("/readyz", get(readyz))
    .fallback(|| async { ApiError::not_found("route-not-found", "there is no such route") })
    .method_not_allowed_fallback(|| async {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "the route does not take this method",
        )
    })
    .layer(middleware::from_fn(crate::web::error_pages))
    // No `DefaultBodyLimit` layer: `observe` reads every body whole, at most
    // `BODY_BYTES_MAX` (below the extractors' own limit), before any route sees it.
    .layer(middleware::from_fn_with_state(
        Arc::new(Observed {
            metrics: app.metrics().clone(),
            ids: SequentialIds::new(),
            time_limit: REQUEST_TIMEOUT,
            body_time_limit: BODY_TIMEOUT,
        }),
        observe,
    ))
    .with_state(app)
}

/// What [`observe`] needs: the metrics and the request ids (behind one `Arc`: the state is
/// cloned for every request).
struct Observed {
    metrics: crate::metrics::Metrics,
    ids: SequentialIds,
    /// [`REQUEST_TIMEOUT`] (shorter in tests).
    time_limit: Duration,
    /// [`BODY_TIMEOUT`] (shorter in tests).
    body_time_limit: Duration,
}

/// Everything a request passes through before its route, in one layer: a layer of its own
/// for each of these cost a measurable share of a small read when it was measured.
///
/// - Its id: the client's `x-request-id` if it sent a usable one, else a new one; returned in
///   the response's `x-request-id`, and carried by the span `http` (method, route template,
///   request id: never the raw path or headers, which may carry a token or personal data)
///   around everything logged while it is answered.
/// - Its whole body (at most [`BODY_BYTES_MAX`]) is read before anything answers: a request
///   refused before its handler read the body (401, 403, 415) would otherwise leave unread
///   bytes on the connection, and the server would close it under a client that pools
///   connections, racing that client's next request. A declared length above the limit is
///   refused at once (413), a body slower than [`BODY_TIMEOUT`] with 408: the client's doing,
///   not a server error, so neither is logged as one; both close the connection.
/// - A time limit ([`REQUEST_TIMEOUT`]) on the body's read and the handler; a panic in a
///   handler becomes a 500 that says nothing of it.
/// - Its latency, in the metrics by method, route template and status; a server error (5xx)
///   is logged with it (at `error`, in the span), every other answer at `debug`.
async fn observe(State(observed): State<Arc<Observed>>, request: Request, next: Next) -> Response {
    use futures_util::FutureExt as _;
    use tracing::Instrument as _;

    let started = Instant::now();
    let method = method_label(request.method());
    let route = route_label(request.extensions().get::<MatchedPath>());
    let id = request
        .headers()
        .get(X_REQUEST_ID)
        .filter(|id| usable_request_id(id.as_bytes()))
        .cloned()
        .unwrap_or_else(|| observed.ids.next());
    let span = tracing::info_span!(
        "http",
        method,
        route,
        request_id = id.to_str().unwrap_or("-")
    );
    // The body's read and the handler, both under the time limit: a client that sends its
    // body a byte at a time holds nothing for longer.
    let body_time_limit = observed.body_time_limit;
    let answer = async move {
        // The rest of a body refused is not read: the connection cannot be reused.
        let closing = |error: ApiError| {
            let mut response = error.into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        };
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
        let limit = body_limit(route);
        if declared.is_some_and(|length| length > limit as u64) {
            return closing(ApiError::body_too_large());
        }
        let (parts, body) = request.into_parts();
        let read = axum::body::to_bytes(body, limit);
        let bytes = match tokio::time::timeout(body_time_limit, read).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(_)) => return closing(ApiError::body_too_large()),
            Err(_) => return closing(ApiError::body_too_slow(body_time_limit)),
        };
        next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
            .await
    };
    let time_limit = observed.time_limit;
    let answered = tokio::time::timeout(
        time_limit,
        std::panic::AssertUnwindSafe(answer).catch_unwind(),
    )
    .instrument(span.clone())
    .await;
    let seconds = started.elapsed().as_secs_f64();
    let mut response = span.in_scope(|| {
        let response = match answered {
            Ok(Ok(response)) => response,
            Ok(Err(_)) => ApiError::internal("a handler panicked").into_response(),
            Err(_) => ApiError::unavailable(
                "timeout",
                format!(
                    "the request took longer than {} seconds",
                    time_limit.as_secs()
                ),
                1,
            )
            .into_response(),
        };
        let (status, micros) = (response.status().as_u16(), (seconds * 1e6) as u64);
        if response.status().is_server_error() {
            tracing::error!(status, micros, "answered with a server error");
        } else {
            tracing::debug!(status, micros, "answered");
        }
        response
    });
    let status = response.status().as_u16();
    response.headers_mut().insert(X_REQUEST_ID, id);
    observed.metrics.observe_request(
        HttpLabels {
            method,
            route,
            status,
        },
        seconds,
    );
    response
}

/// The header of request ids.
const X_REQUEST_ID: header::HeaderName = header::HeaderName::from_static("x-request-id");

/// The longest request id taken from a client; a longer one is replaced by a new one. Short:
/// an id correlates requests, it carries nothing.
const REQUEST_ID_BYTES_MAX: usize = 64;

/// A client's request id is logged and echoed, so only a short id of a safe alphabet is
/// taken — letters, digits, `-`, `_`, `.`, `:` — and anything else (a token a client put
/// there by mistake, text meant for a log injection) is replaced by a new id.
fn usable_request_id(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= REQUEST_ID_BYTES_MAX
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        // A bearer token's prefix is never an id.
        && !id.starts_with(b"vb1_")
}

/// The method as a metrics label, without allocating.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Routes outside the authorization table.
const OPERATION_ROUTES: [&str; 4] = ["/openapi.json", "/docs", "/healthz", "/readyz"];

/// The route template as a metrics label, without allocating: one of the known templates.
fn route_label(matched: Option<&MatchedPath>) -> &'static str {
    let Some(matched) = matched else {
        return "unmatched";
    };
    auth::ROUTES
        .iter()
        .map(|(_, path, _)| *path)
        .chain(OPERATION_ROUTES)
        .find(|path| *path == matched.as_str())
        .unwrap_or("other")
}

/// Request ids: a random prefix per process and a counter, unique and cheap (no system call
/// per request, as a random UUID would make). Shared through [`Observed`]'s `Arc`.
#[derive(Debug)]
struct SequentialIds {
    prefix: String,
    next: std::sync::atomic::AtomicU64,
}

impl SequentialIds {
    fn new() -> Self {
        Self {
            prefix: crate::app::random_hex(6),
            next: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The next id.
    fn next(&self) -> HeaderValue {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Without the formatting machinery: this runs for every request.
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(n);
        let mut id = String::with_capacity(self.prefix.len() + 1 + digits.len());
        id.push_str(&self.prefix);
        id.push('-');
        id.push_str(digits);
        HeaderValue::try_from(id).expect("hex digits, a dash and a number make a header value")
    }
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers and every cooperative's projections are running.
async fn readyz(State(app): State<App>) -> Response {
    let mut failures = Vec::new();
    if let Err(e) = app.ledger().logs().await {
        failures.push(format!("database: {e}"));
    }
    for (log, why) in app.failed_starts() {
        failures.push(format!("{log}: {why}"));
    }
    if !app.ledger().accepts_appends() {
        failures.push("the ledger refuses appends after a failed sync; restart the server".into());
    }
    // A broken chain is said in the answer itself: an operator's first question.
    let halted: Vec<String> = app
        .ledger()
        .halts()
        .iter()
        .map(|(log, found)| error::halted_detail(log, found))
        .collect();
    for (log, runtime) in app.coops().await {
        match runtime.status() {
            verbund_projections::Status::Running => {}
            verbund_projections::Status::Failed(why) => failures.push(format!("{log}: {why}")),
            verbund_projections::Status::Stopped => failures.push(format!("{log}: stopped")),
        }
    }
    failures.extend(halted.iter().cloned());
    if failures.is_empty() {
        (StatusCode::OK, "ready").into_response()
    } else {
        tracing::warn!("not ready: {}", failures.join("; "));
        let detail = if halted.is_empty() {
            "the server is not ready; see its log".to_owned()
        } else {
            format!("the server is not ready: {}", halted.join("; "))
        };
        ApiError::unavailable("not-ready", detail, 5).into_response()
    }
}

/// The operator's router: `/metrics` in Prometheus' text format, and nothing else. It is
/// served on a listener of its own (`verbund serve --metrics-bind`, loopback by default), never
/// beside the API: its metrics name the cooperatives, their log positions and the requests per
/// route, from which anyone could watch a ballot's turnout live.
pub fn operator_router(app: App) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .fallback(|| async { ApiError::not_found("route-not-found", "there is no such route") })
        .with_state(app)
}

/// Metrics in Prometheus' text format.
async fn metrics(State(app): State<App>) -> Response {
    for (log, runtime) in app.coops().await {
        if let Ok(head) = app.ledger().head(&log).await {
            app.metrics().set_projection(
                log.as_str(),
                head.position.get(),
                runtime.position().get(),
            );
        }
    }
    let mut response = app.metrics().encode().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
    );
    response
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use tower_service::Service as _;

    use super::*;

    /// A router of `/ok` and `/panic` behind [`observe`] with a time limit of half a second,
    /// and its metrics.
    fn observed() -> (Router, crate::metrics::Metrics) {
        let metrics = crate::metrics::Metrics::default();
        let router = Router::new()
            .route("/ok", get(|| async { "ok" }).post(|| async { "ok" }))
            .route(
                "/panic",
                get(|| async {
                    if true {
                        panic!("the secret cause");
                    }
                    "never"
                }),
            )
            .layer(middleware::from_fn_with_state(
                Arc::new(Observed {
                    metrics: metrics.clone(),
                    ids: SequentialIds::new(),
                    time_limit: Duration::from_millis(500),
                    body_time_limit: Duration::from_millis(100),
                }),
                observe,
            ));
        (router, metrics)
    }

    async fn get_with(router: &mut Router, path: &str, id: Option<&str>) -> Response {
        let mut request = Request::builder().uri(path);
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        router
            .call(request.body(Body::empty()).expect("a request"))
            .await
            .expect("the router answers")
    }

    fn request_id(response: &Response) -> String {
        response.headers()[X_REQUEST_ID]
            .to_str()
            .expect("text")
            .to_owned()
    }

    /// Every answer carries a request id: a new one for each request, or the client's own
    /// where it sent a usable one (issue 23, point 10: a blank one, one longer than 64 bytes,
    /// one outside the safe alphabet or one that looks like a token is replaced).
    #[tokio::test]
    async fn every_answer_carries_its_request_id() {
        let (mut router, _) = observed();
        let first = request_id(&get_with(&mut router, "/ok", None).await);
        let second = request_id(&get_with(&mut router, "/ok", None).await);
        assert_ne!(first, second);
        assert!(!first.is_empty());
        let own = get_with(&mut router, "/ok", Some("client-7")).await;
        assert_eq!(request_id(&own), "client-7");
        let long = "x".repeat(REQUEST_ID_BYTES_MAX + 1);
        let replaced = get_with(&mut router, "/ok", Some(&long)).await;
        assert_ne!(request_id(&replaced), long);
        assert!(!request_id(&replaced).is_empty());
        let blank = get_with(&mut router, "/ok", Some("")).await;
        assert!(!request_id(&blank).is_empty(), "a blank one is replaced");
        for unsafe_id in [
            "vb1_6f2c0a0b9e1d4c3b",
            "id with spaces",
            "id\"quoted",
            "a/b",
            "a\tb",
        ] {
            let replaced = get_with(&mut router, "/ok", Some(unsafe_id)).await;
            assert_ne!(request_id(&replaced), unsafe_id);
        }
        let fine = get_with(&mut router, "/ok", Some("req-2026.12:06_a")).await;
        assert_eq!(request_id(&fine), "req-2026.12:06_a");
    }

    /// Issue 23, point 8: a declared length above the limit is refused at once with 413, a
    /// body that stalls ends with 408 within the body's time limit — both close the connection,
    /// neither is a server error.
    #[tokio::test]
    async fn an_oversized_or_stalled_body_is_the_clients_error_at_once() {
        let (mut router, metrics) = observed();
        let huge = Request::builder()
            .method("POST")
            .uri("/ok")
            .header(header::CONTENT_LENGTH, "1000000000000")
            .body(Body::empty())
            .expect("a request");
        let response = router.call(huge).await.expect("the router answers");
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(response.headers()[header::CONNECTION], "close");
        let stalled = Request::builder()
            .method("POST")
            .uri("/ok")
            .header(header::CONTENT_LENGTH, "10")
            .body(Body::from_stream(futures_util::stream::pending::<
                Result<Vec<u8>, std::io::Error>,
            >()))
            .expect("a request");
        let response = router.call(stalled).await.expect("the router answers");
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(response.headers()[header::CONNECTION], "close");
        let exposition = metrics.encode();
        assert!(
            !exposition.contains("status=\"503\""),
            "no server error: {exposition}"
        );
    }

    /// A panicking handler is answered with a 500 problem that says nothing of the panic, and
    /// counted in the metrics as a 500.
    #[tokio::test]
    async fn a_panic_is_a_500_that_tells_nothing_and_is_counted() {
        let (mut router, metrics) = observed();
        let response = get_with(&mut router, "/panic", None).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        assert!(!request_id(&response).is_empty());
        let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
            .await
            .expect("a body");
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("secret cause"), "{text}");
        let exposition = metrics.encode();
        assert!(
            exposition.lines().any(|line| line
                .starts_with("verbund_http_request_duration_seconds_count{")
                && line.contains("status=\"500\"")
                && line.ends_with(" 1")),
            "{exposition}"
        );
    }

    /// A body that never ends is cut off by the body's time limit: a 408 for the client, not
    /// a server's 503 (issue 23, point 8).
    #[tokio::test]
    async fn a_body_sent_too_slowly_is_cut_off_by_the_bodys_time_limit() {
        use futures_util::StreamExt as _;
        let (mut router, _) = observed();
        let endless = futures_util::stream::once(async {
            Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{"))
        })
        .chain(futures_util::stream::pending());
        let request = Request::builder()
            .method("POST")
            .uri("/ok")
            .body(Body::from_stream(endless))
            .expect("a request");
        let response = tokio::time::timeout(Duration::from_secs(20), router.call(request))
            .await
            .expect("answered within the limit, not waiting for the body")
            .expect("the router answers");
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
            .await
            .expect("a body");
        let problem: serde_json::Value = serde_json::from_slice(&body).expect("a problem");
        assert_eq!(problem["type"], "/problems/body-too-slow");
    }
}
