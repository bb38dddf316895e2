//! `GET /v1/sites/{site}/config`: the public configuration a widget reads,
//! cacheable at the edge and revalidated with `ETag`.

use sha2::{Digest, Sha256};
use touchpoint_core::validate::is_id;
use touchpoint_core::wire::hex;
use worker::{Env, Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::http::{cors_public, set_header};
use crate::store;

/// Browsers and edges may reuse a config for 60 s, and serve a stale one for
/// 10 min while revalidating: edits reach visitors within about a minute.
const CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=600";

pub async fn get(req: &Request, env: &Env, site: &str) -> ApiResult<Response> {
    let config = match is_id(site) {
        true => store::site(env, site).await?,
        false => None,
    };
    let config = config.ok_or_else(ApiError::unknown_site)?;
    let body = serde_json::to_string(&config.public()).map_err(|_| ApiError::internal())?;
    let etag = etag(&body);
    // Weak comparison (RFC 9110, 13.1.2): an edge that compresses the
    // response sends the tag back as `W/"..."`.
    let fresh =
        req.headers().get("If-None-Match").ok().flatten().is_some_and(|v| {
            v.split(',').map(str::trim).any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
        });
    let mut response = if fresh { Response::empty()?.with_status(304) } else { Response::ok(body)? };
    set_header(&mut response, "Content-Type", "application/json; charset=utf-8");
    set_header(&mut response, "Cache-Control", CACHE_CONTROL);
    set_header(&mut response, "ETag", &etag);
    cors_public(&mut response);
    Ok(response)
}

/// A strong validator: the first 128 bits of the body's SHA-256.
pub(crate) fn etag(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let mut tag = String::from("\"");
    hex(&mut tag, digest.get(..16).unwrap_or_default());
    tag.push('"');
    tag
}
