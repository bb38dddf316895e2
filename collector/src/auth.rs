//! Admin authentication: `Authorization: Bearer <token>` checked against
//! the `ADMIN_TOKEN` secret by comparing SHA-256 digests in constant time.

use sha2::{Digest, Sha256};
use worker::{Env, Request};

use crate::error::{ApiError, ApiResult};

/// Succeeds only for a request carrying the admin token.
pub fn require_admin(req: &Request, env: &Env) -> ApiResult<()> {
    let expected = env.secret("ADMIN_TOKEN").map(|s| s.to_string()).map_err(|_| {
        worker::console_error!("ADMIN_TOKEN secret is not set");
        ApiError::new(503, "not_configured", "the admin API is not configured on this collector")
    })?;
    let header = req.headers().get("Authorization").ok().flatten().ok_or_else(ApiError::unauthorized)?;
    let token = header.strip_prefix("Bearer ").ok_or_else(ApiError::unauthorized)?;
    if digest_eq(token.trim(), &expected) {
        Ok(())
    } else {
        Err(ApiError::unauthorized())
    }
}

/// Equal strings, in time independent of where they differ (and of the
/// secret's length, since only fixed-size digests are compared).
fn digest_eq(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
