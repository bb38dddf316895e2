//! `GET /v1/sites/{site}/export.ndjson`: every stored event of a site, one
//! JSON object per line, oldest first. Admin token required.

use worker::{Env, Request, Response};

use crate::auth::require_site;
use crate::error::{ApiError, ApiResult};
use crate::http::{set_header, site_id};
use crate::store;

pub async fn get(req: &Request, env: &Env, site: &str) -> ApiResult<Response> {
    site_id(site)?;
    require_site(req, env, site).await?;
    let mut out = String::new();
    for event in store::events(env, site).await? {
        let line = serde_json::to_string(&event).map_err(|_| ApiError::internal())?;
        out.push_str(&line);
        out.push('\n');
    }
    let mut response = Response::ok(out)?;
    set_header(&mut response, "Content-Type", "application/x-ndjson; charset=utf-8");
    set_header(&mut response, "Cache-Control", "no-store");
    Ok(response)
}
