//! The pages: server-rendered HTML (askama templates in `api/templates`) for the people a
//! cooperative serves, on the same commands and projections as the JSON API. Every action is a
//! real link or form that works without JavaScript; htmx, embedded, only makes some smoother.
//!
//! - Routes are entries of the one authorization table ([`crate::http::auth::ROUTES`]) and
//!   pass the same middleware as the API; a page's session is a token of purpose `session`
//!   carried in a cookie ([`SESSION_COOKIE`]), started by a sign-in link, stored as a digest.
//! - A form post from another site is refused before any handler runs ([`check_same_origin`]);
//!   the session cookie is `SameSite=Strict` and `HttpOnly` too.
//! - Every page carries a Content-Security-Policy that allows no inline script or style.
//! - Texts come from one catalog per language ([`i18n`]); errors a page's handler does not
//!   handle itself are shown as a page in the reader's language ([`error_pages`]).

mod audit;
mod board;
mod books;
pub mod i18n;
mod pages;

use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use verbund_ledger::LogId;

use crate::app::App;
use crate::http::error::{ApiError, Problem};
pub use i18n::{Lang, Messages};

/// The cookie that carries a person's session.
pub const SESSION_COOKIE: &str = "verbund_session";
/// The cookie naming the member a person acts for on the pages.
pub const ACTING_COOKIE: &str = "verbund_for";
/// The cookie of the language switch.
pub const LANG_COOKIE: &str = "verbund_lang";

/// How the pages are served: over TLS or not (the cookies are `Secure` over TLS), and the
/// address people reach them at, if the operator gave it. Absent, as in tests, it is plain
/// HTTP at the address each request names.
#[derive(Clone, Debug, Default)]
pub struct Transport {
    /// Over TLS.
    pub tls: bool,
    /// The address people reach the pages at (`https://verbund.example.org`), for the links
    /// handed over to them; checked by [`public_url`]. Without it, a link is built from the
    /// request's `Host`, which a proxy in front may have replaced with its own.
    pub public_url: Option<String>,
}

impl Transport {
    /// Served over TLS (`tls`: this server speaks it, or a proxy in front ends it) or not, and
    /// reached at `public_url` if given; reached at an `https` address, the pages are behind
    /// TLS whatever this server speaks.
    pub fn new(tls: bool, public_url: Option<String>) -> Self {
        let tls = tls
            || public_url
                .as_ref()
                .is_some_and(|u| u.starts_with("https://"));
        Self { tls, public_url }
    }
}

/// Checks the address people reach the pages at: `http` or `https`, a host (and port), no
/// path, query or fragment (the pages live at the root). Returned without a trailing `/`.
pub fn public_url(text: &str) -> Result<String, String> {
    let text = text.trim().trim_end_matches('/');
    let refused = |why: &str| {
        Err(format!(
            "{text:?} is not an address the pages are reached at: {why} (e.g. https://verbund.example.org)"
        ))
    };
    let Some((scheme, authority)) = text.split_once("://") else {
        return refused("it names no scheme");
    };
    if scheme != "https" && scheme != "http" {
        return refused("the scheme is http or https");
    }
    if authority.is_empty() {
        return refused("it names no host");
    }
    if authority
        .bytes()
        .any(|b| !b.is_ascii_graphic() || matches!(b, b'/' | b'?' | b'#' | b'@' | b'\\'))
    {
        return refused("only a host and a port follow the scheme");
    }
    Ok(text.to_owned())
}

/// The page that opens a sign-in link, under `base` (e.g. `http://127.0.0.1:8080`).
pub fn sign_in_url(base: &str, log: &LogId, secret: &str) -> String {
    format!("{}/c/{log}/sign-in/{secret}", base.trim_end_matches('/'))
}

/// True for a route of the pages (everything that is not the API, its documents or the
/// operations endpoints).
pub fn is_page(route: &str) -> bool {
    route == "/"
        || route.starts_with("/c/")
        || route.starts_with("/assets/")
        || route.starts_with("/lang/")
        || route.starts_with("/rules/")
}

/// True for a request path of the pages, before any route matched it.
fn is_page_path(path: &str) -> bool {
    path == "/"
        || ["/c/", "/assets/", "/lang/", "/rules/"]
            .iter()
            .any(|p| path.starts_with(p))
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then_some(value)
        })
}

/// A cookie to set: path `/`, `SameSite=Strict`, `HttpOnly` unless it is the language's, and
/// `Secure` when the pages are served over TLS.
pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    max_age_seconds: Option<i64>,
    secure: bool,
) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; SameSite=Strict; HttpOnly");
    if let Some(seconds) = max_age_seconds {
        text.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).expect("cookie names and values are visible ASCII")
}

/// A form may be posted only from the pages themselves. Browsers say where a request comes
/// from in `Sec-Fetch-Site`, and in `Origin` on every POST; a request that says neither is
/// refused too (a page's forms always come from a browser).
pub fn check_same_origin(method: &Method, headers: &HeaderMap) -> Result<(), ApiError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let refused = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "cross-site-request",
            "a form of these pages may be sent only from these pages",
        )
    };
    if let Some(site) = headers.get("sec-fetch-site") {
        return match site.as_bytes() {
            b"same-origin" => Ok(()),
            _ => Err(refused()),
        };
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin, host) {
        (Some(origin), Some(host))
            if origin
                .split_once("://")
                .is_some_and(|(_, authority)| authority == host) =>
        {
            Ok(())
        }
        _ => Err(refused()),
    }
}

/// What every page answer carries: a policy that allows scripts, styles, images and forms of
/// this origin only (no inline script, no framing), and no sniffing.
fn harden(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// The pages' routes (the middleware of [`crate::http`] authorizes them).
pub fn pages() -> Router<App> {
    Router::new()
        .route("/", get(pages::home))
        .route("/assets/{file}", get(asset))
        .route("/lang/{lang}", get(pages::switch_language))
        .route("/rules/{rule}", get(pages::rule))
        .route("/c/{coop}", get(pages::landing))
        .route("/c/{coop}/apply", get(pages::apply_form).post(pages::apply))
        .route("/c/{coop}/applied/{application}", get(pages::applied))
        .route(
            "/c/{coop}/sign-in/{secret}",
            get(pages::sign_in_form).post(pages::sign_in),
        )
        .route("/c/{coop}/sign-out", post(pages::sign_out))
        .route("/c/{coop}/me", get(pages::overview))
        .route("/c/{coop}/me/acting-for", post(pages::act_for))
        .route(
            "/c/{coop}/me/notice",
            get(pages::notice_form).post(pages::give_notice),
        )
        .route(
            "/c/{coop}/me/proxy",
            get(pages::proxy).post(pages::grant_proxy),
        )
        .route("/c/{coop}/me/proxy/revoke", post(pages::revoke_proxy))
        .route(
            "/c/{coop}/me/transfer",
            get(pages::transfer_form).post(pages::transfer),
        )
        .route("/c/{coop}/me/sessions", get(pages::sessions))
        .route(
            "/c/{coop}/me/sessions/{token}/end",
            post(pages::end_session),
        )
        .route("/c/{coop}/assemblies", get(pages::assemblies))
        .route("/c/{coop}/motions/{motion}", get(pages::ballot))
        .route("/c/{coop}/motions/{motion}/vote", post(pages::vote))
        .route("/c/{coop}/receipts/{position}", get(pages::receipt))
        .route(
            "/c/{coop}/assemblies/{assembly}/minutes",
            get(board::minutes),
        )
        // The organs'
        .route("/c/{coop}/board", get(board::board))
        .route(
            "/c/{coop}/board/applications/{application}",
            get(board::application),
        )
        .route(
            "/c/{coop}/board/applications/{application}/admit",
            post(board::admit),
        )
        .route(
            "/c/{coop}/board/applications/{application}/reject",
            post(board::reject),
        )
        .route(
            "/c/{coop}/board/convene",
            get(board::convene_form).post(board::convene),
        )
        .route(
            "/c/{coop}/board/assemblies/{assembly}",
            get(board::assembly),
        )
        .route(
            "/c/{coop}/board/assemblies/{assembly}/motions",
            post(board::put_motion),
        )
        .route(
            "/c/{coop}/board/assemblies/{assembly}/majority",
            post(board::majority),
        )
        .route(
            "/c/{coop}/board/motions/{motion}/open",
            post(board::open_ballot),
        )
        .route(
            "/c/{coop}/board/motions/{motion}/close",
            post(board::close_ballot),
        )
        .route("/c/{coop}/members", get(board::member_list))
        // The CSV download is the API's member list itself, under the pages' session.
        .route(
            "/c/{coop}/members/export",
            get(crate::http::members::list_members),
        )
        .route("/c/{coop}/members/{member}", get(board::member))
        .route("/c/{coop}/members/{member}/people", post(board::authorize))
        .route("/c/{coop}/members/{member}/exclusion", post(board::exclude))
        .route(
            "/c/{coop}/members/{member}/death",
            post(board::record_death),
        )
        .route(
            "/c/{coop}/members/{member}/settlement",
            post(board::pay_settlement),
        )
        .route("/c/{coop}/members/{member}/offices", post(board::appoint))
        .route("/c/{coop}/members/{member}/dismissal", post(board::dismiss))
        // The treasurer's
        .route("/c/{coop}/books", get(books::books))
        .route("/c/{coop}/books/payments", post(books::record_payment))
        .route("/c/{coop}/books/levies", post(books::charge_levy))
        .route("/c/{coop}/books/closing", post(books::close_year))
        .route("/c/{coop}/books/entries", post(books::post_entry))
        .route("/c/{coop}/books/profit-use", post(books::use_profit))
        .route("/c/{coop}/books/loans", post(books::grant_loan))
        .route(
            "/c/{coop}/books/loans/{loan}/repayments",
            post(books::repay_loan),
        )
        .route(
            "/c/{coop}/books/entries/{entry}/reversal",
            post(books::reverse_entry),
        )
        .route("/c/{coop}/books/ledger", get(books::ledger))
        // The exports are the API's own, under the pages' session.
        .route("/c/{coop}/books/export", get(crate::http::books::export))
        // The auditors'
        .route("/c/{coop}/audit", get(audit::log))
        .route("/c/{coop}/audit/events/{position}", get(audit::event))
        .route(
            "/c/{coop}/audit/verify",
            get(audit::verify_form).post(audit::verify),
        )
}

/// Answers of the pages' paths that are problems (a handler's `ApiError`, the authorization's
/// refusal, a path no route has) become a page in the reader's language; every page answer
/// is hardened. A layer around the whole router: the authorization's refusals pass it too.
pub async fn error_pages(request: Request, next: Next) -> Response {
    if !is_page_path(request.uri().path()) {
        return next.run(request).await;
    }
    let lang = Lang::of(request.headers());
    let mut response = next.run(request).await;
    if let Some(problem) = response.extensions_mut().remove::<Problem>() {
        response = pages::problem_page(lang, &problem);
    }
    harden(response.headers_mut());
    response
}

/// An embedded asset: the stylesheet, htmx, the pages' own script.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// Every asset, embedded in the binary: no CDN, nothing downloaded at build time.
const ASSETS: &[Asset] = &[
    Asset {
        name: "verbund.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/verbund.css"),
    },
    Asset {
        name: "htmx-2.0.11.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/htmx-2.0.11.min.js"),
    },
    Asset {
        name: "verbund.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/verbund.js"),
    },
];

/// The URL of an asset, with its content's digest as version: cached for a year, and a new
/// build with other content has another URL.
pub(crate) fn asset_url(name: &str) -> &'static str {
    static URLS: std::sync::LazyLock<Vec<(&'static str, String)>> =
        std::sync::LazyLock::new(|| {
            ASSETS
                .iter()
                .map(|a| {
                    let digest = blake3::hash(a.bytes).to_hex();
                    (a.name, format!("/assets/{}?v={}", a.name, &digest[..12]))
                })
                .collect()
        });
    URLS.iter()
        .find(|(n, _)| *n == name)
        .map(|(_, url)| url.as_str())
        .expect("the asset exists")
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            a.bytes,
        )
            .into_response(),
        None => ApiError::not_found("asset-not-found", "there is no such file").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The operator's public address: a scheme and a host (and port), nothing after it; an
    /// `https` address puts the pages behind TLS (their cookies `Secure`).
    #[test]
    fn the_public_address_is_a_scheme_and_a_host_and_https_means_tls() {
        for (given, kept) in [
            ("https://verbund.example.org", "https://verbund.example.org"),
            (
                "https://verbund.example.org/",
                "https://verbund.example.org",
            ),
            (" http://127.0.0.1:8080 ", "http://127.0.0.1:8080"),
            ("https://[::1]:8443", "https://[::1]:8443"),
        ] {
            assert_eq!(public_url(given).as_deref(), Ok(kept), "{given}");
        }
        for refused in [
            "",
            "verbund.example.org",
            "ftp://verbund.example.org",
            "https://",
            "https://verbund.example.org/eg",
            "https://verbund.example.org?x=1",
            "https://user@verbund.example.org",
            "https://verbund example.org",
        ] {
            let error = public_url(refused).expect_err(refused);
            assert!(error.contains("e.g. https://"), "{error}");
        }
        assert!(Transport::new(false, Some("https://verbund.example.org".into())).tls);
        assert!(!Transport::new(false, Some("http://127.0.0.1:8080".into())).tls);
        assert!(!Transport::new(false, None).tls);
        assert!(Transport::new(true, None).tls);
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_str(value).expect("valid"));
        }
        headers
    }

    #[test]
    fn a_form_is_taken_only_from_the_pages_themselves() {
        let post = Method::POST;
        let same = headers(&[("sec-fetch-site", "same-origin")]);
        assert!(check_same_origin(&post, &same).is_ok());
        for site in ["cross-site", "same-site", "none"] {
            let other = headers(&[("sec-fetch-site", site)]);
            assert_eq!(
                check_same_origin(&post, &other).expect_err(site).code(),
                "cross-site-request"
            );
        }
        let origin = headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080"),
        ]);
        assert!(check_same_origin(&post, &origin).is_ok());
        let foreign = headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:8080"),
        ]);
        assert!(check_same_origin(&post, &foreign).is_err());
        assert!(check_same_origin(&post, &HeaderMap::new()).is_err());
        assert!(check_same_origin(&Method::GET, &HeaderMap::new()).is_ok());
    }

    /// The pages' entries of the authorization table are the pages' routes: each is served by
    /// `pages()` (a route outside the table is refused by `authorize` before its handler).
    #[tokio::test]
    async fn every_page_in_the_authorization_table_is_a_route_of_the_pages() {
        use tower_service::Service as _;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite:{}", dir.path().join("pages.db").display());
        let app = crate::app::App::open(crate::app::Config::new(&url))
            .await
            .expect("an app");
        let mut router = pages().with_state(app.clone());
        let mut pages_seen = 0;
        for (method, route, _) in crate::http::auth::ROUTES {
            if !is_page(route) {
                continue;
            }
            pages_seen += 1;
            // Each `{param}` filled in; the handler then fails without the middleware's
            // extensions, which is not the router's "no such route" or "no such method".
            let path: String = route
                .split('/')
                .map(|part| if part.starts_with('{') { "x" } else { part })
                .collect::<Vec<_>>()
                .join("/");
            let request = axum::http::Request::builder()
                .method(method.clone())
                .uri(if path.is_empty() {
                    "/".to_owned()
                } else {
                    path
                })
                .body(axum::body::Body::empty())
                .expect("a request");
            let response = router.call(request).await.expect("an answer");
            let status = response.status();
            // The router's own "no such route" has no body; a handler's 404 says why.
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("a body");
            let unrouted = status == StatusCode::METHOD_NOT_ALLOWED
                || (status == StatusCode::NOT_FOUND && body.is_empty());
            assert!(
                !unrouted,
                "{method} {route} is in the table but not a route of the pages: {status}"
            );
        }
        assert!(pages_seen > 20, "{pages_seen} pages");
        app.close().await;
    }

    /// The session's cookie: for this site's paths, never to scripts, never sent along from
    /// another site, and only over TLS where the pages are reached over TLS.
    #[test]
    fn a_cookie_is_http_only_strict_and_secure_over_tls() {
        let plain = set_cookie(SESSION_COOKIE, "vb1_x", Some(60), false);
        assert_eq!(
            plain.to_str().expect("text"),
            "verbund_session=vb1_x; Path=/; SameSite=Strict; HttpOnly; Max-Age=60"
        );
        let tls = set_cookie(SESSION_COOKIE, "vb1_x", None, true);
        assert!(tls.to_str().expect("text").ends_with("; Secure"));
    }

    #[test]
    fn a_cookie_is_found_among_several() {
        let h = headers(&[("cookie", "a=1; verbund_session=vb1_x; verbund_lang=en")]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("vb1_x"));
        assert_eq!(cookie(&h, LANG_COOKIE), Some("en"));
        assert_eq!(cookie(&h, ACTING_COOKIE), None);
    }
}
