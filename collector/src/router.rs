//! Maps method + path onto the endpoint handlers, and errors onto responses.

use worker::{Context, Env, Method, Request, Response, Result};

use crate::error::{ApiError, ApiResult};
use crate::{admin, alerts, assets, comments, config, export, http, ingest, stats};

/// Answers one request. Only a failure to build a response at all is `Err`.
pub async fn handle(req: Request, env: &Env, ctx: &Context) -> Result<Response> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let origin = http::origin(req.headers());
    let method = req.method();
    let result: ApiResult<Response> = match (&method, segments.as_slice()) {
        (Method::Options, ["v1", "events"]) => return http::preflight(origin.as_deref(), "POST"),
        (Method::Options, ["v1", "sites", _, "config"]) => return http::preflight(origin.as_deref(), "GET"),
        (Method::Post, ["v1", "events"]) => ingest::post(req, env, ctx, origin.as_deref()).await,
        (Method::Get | Method::Head, ["v1", "sites", site, "config"]) => config::get(&req, env, site).await,
        (Method::Get, ["v1", "sites", site, "export.ndjson"]) => export::get(&req, env, site).await,
        (Method::Get, ["v1", "sites", site, "stats"]) => stats::get(&req, env, site).await,
        (Method::Get, ["v1", "sites", site, "alerts"]) => alerts::get(&req, env, site).await,
        (Method::Get, ["v1", "sites", site, "comments"]) => comments::get(&req, env, site).await,
        (Method::Get, ["v1", "admin", "sites", site]) => admin::get_site(&req, env, site).await,
        (Method::Put, ["v1", "admin", "sites", site]) => admin::put_site(req, env, site).await,
        (Method::Post, ["v1", "admin", "sites", site, "token"]) => admin::rotate_token(&req, env, site).await,
        (Method::Delete, ["v1", "admin", "sites", site, "visitors", visitor]) => {
            admin::erase_visitor(&req, env, site, visitor).await
        }
        (Method::Get, ["v1", "admin", "sites", site, "dead-letters"]) => admin::dead_letters(&req, env, site).await,
        (Method::Post, ["v1", "admin", "sites", site, "dead-letters", "replay"]) => {
            admin::replay_dead_letters(&req, env, site).await
        }
        (Method::Get | Method::Head, ["widget", ..]) => assets::get(req, env).await,
        (Method::Get | Method::Head, ["dashboard", ..]) => assets::dashboard(req, env).await,
        (Method::Get, ["healthz"]) => http::json(&serde_json::json!({"ok": true}), 200).map_err(ApiError::from),
        (
            _,
            ["v1", "events"]
            | ["v1", "sites", _, _]
            | ["v1", "admin", "sites", _]
            | ["v1", "admin", "sites", _, "visitors", _],
        ) => Err(ApiError::new(405, "method_not_allowed", "this endpoint does not take that method")),
        _ => Err(ApiError::not_found()),
    };
    let mut response = match result {
        Ok(r) => return Ok(r),
        Err(e) => e.into_response()?,
    };
    // Let browser callers read why they were refused.
    match segments.as_slice() {
        ["v1", "events"] => http::cors(&mut response, origin.as_deref(), true),
        ["v1", "sites", _, "config"] | ["widget", ..] => http::cors_public(&mut response),
        _ => {}
    }
    Ok(response)
}
