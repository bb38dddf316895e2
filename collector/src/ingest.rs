//! `POST /v1/events`: validate a batch with the core crate, check the page's
//! origin, store new events once (de-duplicated by id), answer 202.

use serde_json::json;
use touchpoint_core::error::{ErrorCode, FieldError};
use touchpoint_core::limits::MAX_BODY_BYTES;
use touchpoint_core::validate;
use worker::{Date, Env, Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::http::{cors, json};
use crate::store;

pub async fn post(mut req: Request, env: &Env, origin: Option<&str>) -> ApiResult<Response> {
    let declared = req.headers().get("Content-Length").ok().flatten().and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let body = req
        .bytes()
        .await
        .map_err(|_| ApiError::new(400, "invalid_body", "the body could not be read").field("body"))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    let envelope = validate::envelope(&body)?;
    let config = store::site(env, &envelope.site)
        .await?
        .ok_or_else(|| FieldError::new(ErrorCode::UnknownSite, "site", "no site with this id"))?;
    match origin {
        None => {
            return Err(ApiError::new(
                403,
                "origin_required",
                "events are accepted from web pages only (no Origin header)",
            )
            .field("Origin"))
        }
        Some(o) if !config.allows_origin(o) => {
            return Err(
                ApiError::new(403, "origin_not_allowed", "this origin is not allowed for this site").field("Origin")
            )
        }
        Some(_) => {}
    }
    let mut events = Vec::with_capacity(envelope.events.len());
    let mut rejected = Vec::new();
    for (index, result) in validate::events(&envelope, &config).into_iter().enumerate() {
        match result {
            Ok(e) => events.push(e),
            Err(e) => rejected.push((index, e)),
        }
    }
    let list: Vec<_> = rejected
        .iter()
        .map(|(i, e)| json!({"index": i, "code": e.code.as_str(), "field": e.field, "message": e.message}))
        .collect();
    // Nothing valid: a 400 naming the first problem (and listing all).
    if events.is_empty() {
        let first = rejected.into_iter().next().map(|(_, e)| ApiError::from(e)).unwrap_or_else(ApiError::internal);
        return Err(ApiError { details: Some(json!({ "rejected": list })), ..first });
    }
    // Otherwise the valid events are stored and the bad ones listed: one
    // bad event never costs the good ones.
    let received_at = Date::now().as_millis();
    let inserted = store::insert_events(env, &envelope.site, &events, received_at).await?;
    let body = json!({"accepted": inserted, "duplicates": events.len() - inserted, "rejected": list});
    let mut response = json(&body, 202)?;
    cors(&mut response, origin, true);
    Ok(response)
}

fn too_large() -> ApiError {
    ApiError::new(413, "payload_too_large", format!("the body is over {MAX_BODY_BYTES} bytes")).field("body")
}
