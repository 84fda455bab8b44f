//! The human-readable API page at `/docs`, rendered from the OpenAPI document and the
//! authorization table, so it cannot drift from either. Plain HTML, no scripts, works offline.

use std::fmt::Write as _;

use crate::http::auth::{Access, access_of};

/// Renders the page.
pub fn page(openapi: &utoipa::openapi::OpenApi) -> String {
    let doc = serde_json::to_value(openapi).expect("the OpenAPI document serializes");
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Verbund API</title>\
         <style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}\
         code{background:#f3f3f3;padding:0 .2em}section{border-top:1px solid #ddd;padding:.5rem 0}\
         .m{font-weight:bold;display:inline-block;min-width:4.5rem}.who{color:#555}</style></head><body>",
    );
    let _ = write!(
        html,
        "<h1>Verbund API</h1><p>{}</p>\
         <p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI 3.1). \
         Authenticate with <code>Authorization: Bearer TOKEN</code>. Errors are \
         <code>application/problem+json</code> with a stable <code>code</code>; a refusal by a rule \
         of cooperative law names it in <code>rule</code>. A write answers with the log \
         <code>position</code> of its events; send it as <code>Verbund-Min-Position</code> on a read \
         to see your own write. Send <code>Idempotency-Key</code> with a write to make retries safe.</p>",
        escape(doc["info"]["description"].as_str().unwrap_or_default())
    );
    let Some(paths) = doc["paths"].as_object() else {
        return html;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            let http_method = method.to_uppercase();
            let who = http_method
                .parse()
                .ok()
                .and_then(|m| access_of(&m, path))
                .map(describe)
                .unwrap_or_else(|| "—".into());
            let _ = write!(
                html,
                "<section><div><span class=\"m\">{http_method}</span><code>{}</code></div>\
                 <p>{}</p><p class=\"who\">Who: {who}</p>",
                escape(path),
                escape(
                    operation["summary"]
                        .as_str()
                        .or(operation["description"].as_str())
                        .unwrap_or_default()
                ),
            );
            if let Some(parameters) = operation["parameters"].as_array() {
                html.push_str("<ul>");
                for parameter in parameters {
                    let _ = write!(
                        html,
                        "<li><code>{}</code> ({}): {}</li>",
                        escape(parameter["name"].as_str().unwrap_or_default()),
                        escape(parameter["in"].as_str().unwrap_or_default()),
                        escape(parameter["description"].as_str().unwrap_or_default())
                    );
                }
                html.push_str("</ul>");
            }
            if let Some(responses) = operation["responses"].as_object() {
                let codes: Vec<&str> = responses.keys().map(String::as_str).collect();
                let _ = write!(html, "<p class=\"who\">Answers: {}</p>", codes.join(", "));
            }
            html.push_str("</section>");
        }
    }
    html.push_str("</body></html>");
    html
}

fn describe(access: Access) -> String {
    let roles = |roles: &[verbund_domain::Role]| {
        roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match access {
        Access::Public => "anyone".into(),
        Access::Authenticated => "any valid token".into(),
        Access::Roles(list) => roles(list),
        Access::MemberSelfOr(list) => format!("the member themself, {}", roles(list)),
    }
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
