//! The HTTP API (axum): versioned JSON under `/v1/coops/{coop}/…`, problem+json errors,
//! bearer tokens, one authorization table, OpenAPI 3.1 at `/openapi.json`, a readable API page
//! at `/docs`, health, readiness and Prometheus metrics.
//!
//! Architecture invariant: this is the only module that knows HTTP. Handlers translate between
//! HTTP and [`crate::app`]; they hold no rules.

pub mod auth;
pub mod books;
pub mod docs;
pub mod dto;
pub mod error;
pub mod exports;
pub mod extract;
pub mod governance;
pub mod members;
pub mod routes;

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::App;
use crate::http::error::ApiError;
use crate::metrics::HttpLabels;

/// The largest request body.
pub const BODY_BYTES_MAX: usize = 64 * 1024;
/// The longest a request may take until its response head.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Verbund API",
        description = "The system of record of cooperatives: every membership decision, vote, contribution and shared investment as an immutable event in a hash-chained log.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerScheme),
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
        .routes(routes!(governance::list_assemblies, governance::convene))
        .routes(routes!(governance::get_assembly))
        .routes(routes!(governance::add_item))
        .routes(routes!(governance::minutes))
        .routes(routes!(governance::list_motions, governance::put_motion))
        .routes(routes!(governance::get_motion))
        .routes(routes!(governance::open_ballot))
        .routes(routes!(governance::close_ballot))
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
        .routes(routes!(routes::rebuild))
        .split_for_parts();
    openapi.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let router = router.route_layer(middleware::from_fn_with_state(app.clone(), auth::authorize));
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
    .route("/metrics", get(metrics))
    .fallback(|| async { ApiError::not_found("route-not-found", "there is no such route") })
    .method_not_allowed_fallback(|| async {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "the route does not take this method",
        )
    })
    .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
    .layer(middleware::from_fn(read_body))
    .layer(middleware::from_fn_with_state(app.clone(), observe))
    .layer(CatchPanicLayer::custom(
        |_: Box<dyn std::any::Any + Send>| ApiError::internal("a handler panicked").into_response(),
    ))
    .layer(
        TraceLayer::new_for_http().make_span_with(|request: &Request| {
            // Borrowed, not copied: below the log level a span costs nothing. The route template,
            // never the raw path or headers: those may carry a token or personal data.
            let id = request
                .extensions()
                .get::<RequestId>()
                .and_then(|id| id.header_value().to_str().ok())
                .unwrap_or("-");
            let route = route_label(request.extensions().get::<MatchedPath>());
            tracing::info_span!(
                "http",
                method = method_label(request.method()),
                route,
                request_id = id
            )
        }),
    )
    .layer(PropagateRequestIdLayer::x_request_id())
    .layer(SetRequestIdLayer::x_request_id(SequentialIds::new()))
    .with_state(app)
}

/// Reads the whole request body (at most [`BODY_BYTES_MAX`]) before anything answers. A
/// request refused before its handler read the body (401, 403, 415) would otherwise leave
/// unread bytes on the connection, and the server would close it under a client that pools
/// connections, racing that client's next request.
async fn read_body(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, BODY_BYTES_MAX).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        Err(_) => {
            let mut response = ApiError::body_too_large().into_response();
            // The rest of the body is not read: the connection cannot be reused.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

/// Times every request (metrics) and bounds it (timeout).
async fn observe(State(app): State<App>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = route_label(request.extensions().get::<MatchedPath>());
    let response = match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::unavailable(
            "timeout",
            format!(
                "the request took longer than {} seconds",
                REQUEST_TIMEOUT.as_secs()
            ),
            1,
        )
        .into_response(),
    };
    app.metrics().observe_request(
        HttpLabels {
            method,
            route,
            status: response.status().as_u16(),
        },
        started.elapsed().as_secs_f64(),
    );
    response
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
const OPERATION_ROUTES: [&str; 5] = ["/openapi.json", "/docs", "/healthz", "/readyz", "/metrics"];

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
/// per request, as a random UUID would make).
#[derive(Clone, Debug)]
struct SequentialIds {
    prefix: std::sync::Arc<str>,
    next: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl SequentialIds {
    fn new() -> Self {
        Self {
            prefix: crate::app::random_hex(6).into(),
            next: Default::default(),
        }
    }
}

impl tower_http::request_id::MakeRequestId for SequentialIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
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
    for (log, runtime) in app.coops().await {
        match runtime.status() {
            verbund_projections::Status::Running => {}
            verbund_projections::Status::Failed(why) => failures.push(format!("{log}: {why}")),
            verbund_projections::Status::Stopped => failures.push(format!("{log}: stopped")),
        }
    }
    if failures.is_empty() {
        (StatusCode::OK, "ready").into_response()
    } else {
        tracing::warn!("not ready: {}", failures.join("; "));
        ApiError::unavailable("not-ready", "the server is not ready; see its log", 5)
            .into_response()
    }
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
