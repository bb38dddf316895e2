//! Files of the static-assets binding. `GET /widget/*`: the widget files,
//! with the headers a CDN would add: CORS (the glue is an ES module and the
//! wasm is fetched, both cross-origin from the customer's page) and caching.
//! `GET /dashboard/`: the results dashboard, same-origin with the stats API
//! it reads, under a strict Content-Security-Policy.

use worker::{Env, Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::http::{cors_public, set_header};

/// The widget build this collector was built with (`scripts/build.sh` sets
/// it: a hash of the glue and the wasm). The entry points ask for those two
/// files with `?v=` this id.
const WIDGET_BUILD: Option<&str> = option_env!("TOUCHPOINT_WIDGET_BUILD");

/// The entry points' URLs are in customers' pages and bundles, so they are
/// not cached long; neither is a file asked for without this build's id
/// (an entry point of another release, still cached), so that pairing ends
/// soon after a release.
const SHORT_CACHE: &str = "public, max-age=300";
/// What this build's entry points ask for never changes under that URL.
const BUILD_CACHE: &str = "public, max-age=31536000, immutable";

pub async fn get(req: Request, env: &Env) -> ApiResult<Response> {
    let url = req.url()?;
    let asked = url.query_pairs().find(|(k, _)| k == "v").map(|(_, v)| v.into_owned());
    let entry = url.path().ends_with("/loader.js") || url.path().ends_with("/touchpoint.mjs");
    let pinned = !entry && asked.is_some() && asked.as_deref() == WIDGET_BUILD;
    let upstream = env.assets("ASSETS")?.fetch_request(req).await?;
    let status = upstream.status_code();
    if status == 404 {
        // Like every other error: JSON, and not kept by caches.
        let mut response = ApiError::new(404, "not_found", "no such widget file").into_response()?;
        cors_public(&mut response);
        return Ok(response);
    }
    let mut response = relay(upstream).await?;
    // A 304 carries the same caching as the 200 it confirms: browsers
    // replace the stored headers with it.
    let cache = if pinned && matches!(status, 200 | 304) { BUILD_CACHE } else { SHORT_CACHE };
    set_header(&mut response, "Cache-Control", cache);
    cors_public(&mut response);
    Ok(response)
}

/// The dashboard's own scripts and styles only, nothing inline, no framing:
/// it handles a token that reads a site's answers.
const DASHBOARD_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
    connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub async fn dashboard(req: Request, env: &Env) -> ApiResult<Response> {
    let upstream = env.assets("ASSETS")?.fetch_request(req).await?;
    if upstream.status_code() == 404 {
        return Err(ApiError::new(404, "not_found", "no such dashboard file"));
    }
    let mut response = relay(upstream).await?;
    set_header(&mut response, "Cache-Control", "no-cache");
    set_header(&mut response, "Content-Security-Policy", DASHBOARD_CSP);
    set_header(&mut response, "X-Content-Type-Options", "nosniff");
    set_header(&mut response, "Referrer-Policy", "no-referrer");
    Ok(response)
}

/// The binding's answer with its status, body (of a 200) and the headers
/// worth keeping (`Location`: the binding redirects `/dashboard` to
/// `/dashboard/`); the caller adds caching and the rest.
async fn relay(mut upstream: Response) -> ApiResult<Response> {
    let status = upstream.status_code();
    let mut response = if status == 200 { Response::from_bytes(upstream.bytes().await?)? } else { Response::empty()? }
        .with_status(status);
    for name in ["Content-Type", "ETag", "Location"] {
        if let Some(value) = upstream.headers().get(name).ok().flatten() {
            set_header(&mut response, name, &value);
        }
    }
    Ok(response)
}
