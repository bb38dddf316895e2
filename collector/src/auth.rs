//! Admin authentication: `Authorization: Bearer <token>`.
//!
//! Two kinds of token: the operator's (`ADMIN_TOKEN` secret: every site,
//! creating sites) and one per site (created and rotated through the admin
//! API, stored only as a SHA-256 digest). Digests are compared in constant
//! time. No token or an unknown one: 401; a valid token of another site: 403.

use sha2::{Digest, Sha256};
use touchpoint_core::wire::hex;
use worker::{Env, Request};

use crate::error::{ApiError, ApiResult};
use crate::store;

/// Who is calling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    Operator,
    SiteOwner,
}

fn bearer(req: &Request) -> Option<String> {
    let header = req.headers().get("Authorization").ok().flatten()?;
    // The scheme's name is case-insensitive (RFC 9110, 11.1).
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// Hex SHA-256 of a token: what is stored, and what is compared.
pub fn digest(token: &str) -> String {
    let mut out = String::with_capacity(64);
    hex(&mut out, &Sha256::digest(token.as_bytes()));
    out
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `given` is `secret`, compared in constant time (as digests, so
/// not even its length shows).
fn matches(secret: &str, given: &str) -> bool {
    same(&digest(given), &digest(secret))
}

/// Whether `given` is the Worker secret `name`; false when it is not set.
pub fn is_secret(env: &Env, name: &str, given: &str) -> bool {
    env.secret(name).is_ok_and(|secret| matches(&secret.to_string(), given))
}

fn is_operator(env: &Env, token: &str) -> bool {
    match env.secret("ADMIN_TOKEN") {
        Ok(secret) => matches(&secret.to_string(), token),
        Err(_) => {
            worker::console_error!("ADMIN_TOKEN secret is not set");
            false
        }
    }
}

/// Only the operator token (a site's own token gets 403).
pub async fn require_operator(req: &Request, env: &Env) -> ApiResult<()> {
    let token = bearer(req).ok_or_else(ApiError::unauthorized)?;
    if is_operator(env, &token) {
        return Ok(());
    }
    if store::site_of_token(env, &digest(&token)).await?.is_some() {
        return Err(ApiError::new(403, "forbidden", "this needs the operator token").field("Authorization"));
    }
    Err(ApiError::unauthorized())
}

/// The operator token, or the token of `site`.
pub async fn require_site(req: &Request, env: &Env, site: &str) -> ApiResult<Caller> {
    let token = bearer(req).ok_or_else(ApiError::unauthorized)?;
    if is_operator(env, &token) {
        return Ok(Caller::Operator);
    }
    let hash = digest(&token);
    if store::token_hash(env, site).await?.is_some_and(|stored| same(&stored, &hash)) {
        return Ok(Caller::SiteOwner);
    }
    if store::site_of_token(env, &hash).await?.is_some() {
        return Err(ApiError::new(403, "forbidden", "this token belongs to another site").field("Authorization"));
    }
    Err(ApiError::unauthorized())
}

/// A new random site token: `tps_` and 32 hex digits (128 bits).
pub fn new_token() -> ApiResult<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|_| ApiError::internal())?;
    let mut token = String::from("tps_");
    hex(&mut token, &bytes);
    Ok(token)
}
