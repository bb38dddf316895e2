//! Admin API: `PUT/GET /v1/admin/sites/{site}`, a site's full configuration.
//! A config is validated by the core crate and refused with field-level
//! errors before it can reach any visitor.

use serde_json::json;
use touchpoint_core::limits::MAX_CONFIG_BYTES;
use touchpoint_core::SiteConfig;
use worker::{Date, Env, Request, Response};

use crate::auth::{self, require_site, Caller};
use crate::config::etag;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, read_body, set_header, site_id as check_site_id};
use crate::stats::visitor_id;
use crate::{forward, store};

pub async fn put_site(mut req: Request, env: &Env, site: &str) -> ApiResult<Response> {
    check_site_id(site)?;
    // A site owner may change their site; only the operator creates sites,
    // and only the operator sets a site's rate tier (the collector's
    // capacity is the operator's to share).
    let stored = store::site_as_stored(env, site).await?;
    let caller = match &stored {
        Some(_) => require_site(&req, env, site).await?,
        None => auth::require_operator(&req, env).await.map(|()| Caller::Operator)?,
    };
    // `If-Match` (an editor's "I changed what I read"): the stored
    // configuration must still be the one with that tag; `*`: any stored one.
    let expected = match (req.headers().get("If-Match").ok().flatten(), &stored) {
        (None, _) => None,
        (Some(tags), Some((_, text))) if tag_matches(&tags, &etag(text)) => Some(text.as_str()),
        (Some(_), _) => return Err(changed_meanwhile()),
    };
    let body = read_body(&mut req, MAX_CONFIG_BYTES).await?;
    let mut config = parse(&body)?;
    if let (Caller::SiteOwner, Some((stored, _))) = (caller, &stored) {
        // Left out, it stays as the operator set it.
        let given = serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| v.get("rate_limit").is_some());
        if !given {
            config.rate_limit = stored.rate_limit;
        } else if config.rate_limit != stored.rate_limit {
            return Err(ApiError::new(403, "forbidden", "only the operator token changes a site's rate tier")
                .field("rate_limit"));
        }
    }
    if let Err(errors) = config.validate() {
        let list: Vec<_> =
            errors.iter().map(|e| json!({"code": e.code.as_str(), "field": e.field, "message": e.message})).collect();
        let first = errors.into_iter().next().map(ApiError::from).unwrap_or_else(ApiError::internal);
        return Err(ApiError { details: Some(json!({ "errors": list })), ..first });
    }
    check_patterns(&config)?;
    let text = serde_json::to_string(&config).map_err(|_| ApiError::internal())?;
    let now = Date::now().as_millis();
    match expected {
        Some(expected) if !store::replace_site_if(env, site, &text, now, expected).await? => {
            return Err(changed_meanwhile())
        }
        Some(_) => {}
        None => store::put_site(env, site, &text, now).await?,
    }
    let mut response = json(&json!({"site": site, "config": config}), 200)?;
    set_header(&mut response, "ETag", &etag(&text));
    Ok(response)
}

/// Whether an `If-Match` list names `etag` (strong comparison: a weak tag
/// never matches), or is `*`.
fn tag_matches(tags: &str, etag: &str) -> bool {
    tags.trim() == "*" || tags.split(',').any(|t| t.trim() == etag)
}

fn changed_meanwhile() -> ApiError {
    ApiError::new(
        412,
        "precondition_failed",
        "the configuration changed since it was read (or does not exist): read it again and reapply the edit",
    )
    .field("If-Match")
}

pub async fn get_site(req: &Request, env: &Env, site: &str) -> ApiResult<Response> {
    check_site_id(site)?;
    require_site(req, env, site).await?;
    let (config, text) = store::site_as_stored(env, site).await?.ok_or_else(ApiError::unknown_site)?;
    let bot_hits = store::bot_hits(env, site).await?;
    let mut response = json(&json!({"site": site, "config": config, "bot_hits": bot_hits}), 200)?;
    // The tag of the stored configuration, for a later PUT's `If-Match`.
    set_header(&mut response, "ETag", &etag(&text));
    Ok(response)
}

/// Compiles every `regex` rule with the runtime's JavaScript engine, the
/// same kind of engine that runs them in visitors' browsers, so a pattern
/// that would never match is refused here, naming its field.
fn check_patterns(config: &SiteConfig) -> ApiResult<()> {
    for (field, pattern) in config.patterns() {
        if JsRegExp::new(pattern).is_err() {
            return Err(ApiError::new(400, "invalid_value", "not a valid JavaScript regular expression").field(field));
        }
    }
    Ok(())
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = RegExp)]
    type JsRegExp;
    #[wasm_bindgen(constructor, js_class = "RegExp", catch)]
    fn new(pattern: &str) -> Result<JsRegExp, wasm_bindgen::JsValue>;
}

/// Deserialises with the path of the first bad field (`surveys[0].metric`).
fn parse(body: &[u8]) -> ApiResult<SiteConfig> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        let code = if e.inner().is_syntax() || e.inner().is_eof() { "invalid_json" } else { "invalid_value" };
        ApiError::new(400, code, e.inner().to_string()).field(field)
    })
}

/// `GET /v1/admin/sites/{site}/dead-letters`: the oldest deliveries that
/// failed every retry (a page of [`forward::REPLAY_CHUNK`]) and how many
/// there are.
pub async fn dead_letters(req: &Request, env: &Env, site: &str) -> ApiResult<Response> {
    check_site_id(site)?;
    require_site(req, env, site).await?;
    let (letters, total) = store::dead_letters(env, site, forward::REPLAY_CHUNK).await?;
    let letters: Vec<_> = letters
        .into_iter()
        .map(|l| {
            let parse = |s: &str| serde_json::from_str(s).unwrap_or(serde_json::Value::Null);
            let mut letter = json!({"id": l.id, "url": l.url, "events": parse(&l.events), "failed_at": l.failed_at});
            if let Some(obj) = letter.as_object_mut() {
                for (name, list) in [("alerts", &l.alerts), ("erasures", &l.erasures)] {
                    if let Some(list) = list {
                        obj.insert(name.into(), parse(list));
                    }
                }
            }
            letter
        })
        .collect();
    Ok(json(&json!({ "dead_letters": letters, "total": total }), 200)?)
}

/// `POST /v1/admin/sites/{site}/dead-letters/replay`: delivers the oldest
/// ones again; `left` says how many a next call would take.
pub async fn replay_dead_letters(req: &Request, env: &Env, site: &str) -> ApiResult<Response> {
    check_site_id(site)?;
    require_site(req, env, site).await?;
    let (replayed, left) = forward::replay(env, site).await?;
    Ok(json(&json!({ "replayed": replayed, "left": left }), 202)?)
}

/// `DELETE /v1/admin/sites/{site}/visitors/{visitor}`: erases what is
/// stored about one visitor (a request to be forgotten): their events and
/// their events' copies waiting in dead letters; then tells the webhooks
/// that may hold copies. A failure to tell is a 503 after the erasure:
/// calling again erases nothing more and tells again.
pub async fn erase_visitor(req: &Request, env: &Env, site: &str, visitor: &str) -> ApiResult<Response> {
    check_site_id(site)?;
    require_site(req, env, site).await?;
    let config = store::site(env, site).await?.ok_or_else(ApiError::unknown_site)?;
    let visitor = visitor_id("visitor", visitor)?;
    let (events, letters) = store::erase_visitor(env, site, &visitor).await?;
    let told = forward::tell_erasure(env, site, &config, &visitor).await.map_err(|_| {
        ApiError::new(503, "unavailable", "erased, but the webhooks could not be told yet; call again to tell them")
    })?;
    let body = json!({"site": site, "visitor": visitor, "events_deleted": events, "dead_letters_changed": letters,
        "webhooks_told": told});
    Ok(json(&body, 200)?)
}

/// `POST /v1/admin/sites/{site}/token`: a new site token, shown once; the
/// previous one stops working at once.
pub async fn rotate_token(req: &Request, env: &Env, site: &str) -> ApiResult<Response> {
    check_site_id(site)?;
    let caller = require_site(req, env, site).await?;
    let token = auth::new_token()?;
    if !store::set_token_hash(env, site, &auth::digest(&token)).await? {
        return Err(ApiError::unknown_site());
    }
    let by = if caller == Caller::Operator { "operator" } else { "site" };
    Ok(json(&json!({"site": site, "token": token, "rotated_by": by}), 201)?)
}
