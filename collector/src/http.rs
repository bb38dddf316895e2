//! Request and response helpers: bounded bodies, site ids, JSON, headers, CORS.

use touchpoint_core::validate::is_id;
use worker::{Headers, Request, Response, Result};

use crate::error::{ApiError, ApiResult};

/// The request body, refused with 413 when over `limit` bytes (by its
/// declared `Content-Length` before reading, and by its real size after).
pub async fn read_body(req: &mut Request, limit: usize) -> ApiResult<Vec<u8>> {
    let too_large = || ApiError::new(413, "payload_too_large", format!("the body is over {limit} bytes")).field("body");
    let declared = req.headers().get("Content-Length").ok().flatten().and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let body = req
        .bytes()
        .await
        .map_err(|_| ApiError::new(400, "invalid_body", "the body could not be read").field("body"))?;
    if body.len() > limit {
        return Err(too_large());
    }
    Ok(body)
}

/// A site id from the path: 400 naming `site` when it is not one.
pub fn site_id(site: &str) -> ApiResult<()> {
    if is_id(site) {
        Ok(())
    } else {
        Err(ApiError::new(400, "invalid_value", "a site id is 1-64 characters of a-z, A-Z, 0-9, '-', '_'")
            .field("site"))
    }
}

/// A JSON response with `status`, never cached.
pub fn json(body: &serde_json::Value, status: u16) -> Result<Response> {
    let mut r = Response::ok(body.to_string())?.with_status(status);
    set_header(&mut r, "Content-Type", "application/json; charset=utf-8");
    set_header(&mut r, "Cache-Control", "no-store");
    Ok(r)
}

/// Sets a header; our names are literals, so the failure cannot happen.
pub fn set_header(r: &mut Response, name: &str, value: &str) {
    let _ = r.headers_mut().set(name, value);
}

/// CORS for endpoints a site's pages call: the request's Origin is echoed
/// when `allowed`, and `Vary: Origin` is always set (shared caches).
pub fn cors(r: &mut Response, origin: Option<&str>, allowed: bool) {
    set_header(r, "Vary", "Origin");
    if let (Some(origin), true) = (origin, allowed) {
        set_header(r, "Access-Control-Allow-Origin", origin);
        // Not CORS-safelisted: without this the widget cannot honour it.
        set_header(r, "Access-Control-Expose-Headers", "Retry-After");
    }
}

/// Public, credential-free resources (config, widget files) may be read
/// from any origin: `*` keeps them cacheable at the edge without `Vary`.
pub fn cors_public(r: &mut Response) {
    set_header(r, "Access-Control-Allow-Origin", "*");
}

/// Answers a CORS preflight. Which origins may post is only known once the
/// body names the site, so the preflight allows the method and headers and
/// the real request is checked against the site's origins.
pub fn preflight(origin: Option<&str>, methods: &str) -> Result<Response> {
    let mut r = Response::empty()?.with_status(204);
    set_header(&mut r, "Vary", "Origin");
    if let Some(origin) = origin {
        set_header(&mut r, "Access-Control-Allow-Origin", origin);
        set_header(&mut r, "Access-Control-Allow-Methods", methods);
        set_header(&mut r, "Access-Control-Allow-Headers", "Content-Type, Authorization");
        set_header(&mut r, "Access-Control-Max-Age", "86400");
    }
    Ok(r)
}

/// The request's `Origin`, if any (`null` counts as none).
pub fn origin(headers: &Headers) -> Option<String> {
    headers.get("Origin").ok().flatten().filter(|o| !o.is_empty() && o != "null")
}
