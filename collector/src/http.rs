//! Response helpers: JSON bodies, headers, CORS.

use worker::{Headers, Response, Result};

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
