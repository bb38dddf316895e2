//! `POST /v1/events`: validate a batch with the core crate, check the page's
//! origin, make the new events durable (D1 directly, or the ingest queue:
//! [`intake`]), answer 202.

use serde_json::json;
use touchpoint_core::enrich::{is_bot, redact, Device};
use touchpoint_core::limits::MAX_BODY_BYTES;
use touchpoint_core::{validate, SiteConfig};
use worker::{Context, Date, Env, Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::http::{cors, json, read_body};
use crate::intake::Mode;
use crate::{intake, store};

/// Seconds a client is told to wait after hitting the rate limit (the
/// limiter's period).
const RATE_LIMIT_RETRY_S: &str = "60";

pub async fn post(mut req: Request, env: &Env, ctx: &Context, origin: Option<&str>) -> ApiResult<Response> {
    let user_agent = req.headers().get("User-Agent").ok().flatten().unwrap_or_default();
    let Client { ip: client_ip, country } = client(&req, env);
    let body = read_body(&mut req, MAX_BODY_BYTES).await?;
    let envelope = validate::envelope(&body)?;
    let config = store::site(env, &envelope.site).await?.ok_or_else(ApiError::unknown_site)?;
    check_rate(env, config.rate_limit.binding(), &envelope.site, &client_ip).await?;
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
    if is_bot(&user_agent) {
        store::count_bot_hits(env, &envelope.site, envelope.events.len(), Date::now().as_millis()).await?;
        let body = json!({"accepted": 0, "duplicates": 0, "rejected": [], "bot": envelope.events.len()});
        let mut response = json(&body, 202)?;
        cors(&mut response, origin, true);
        return Ok(response);
    }
    let mut events = Vec::with_capacity(envelope.events.len());
    let mut rejected = Vec::new();
    for (index, result) in validate::events(&envelope, &config).into_iter().enumerate() {
        match result {
            Ok(mut e) => {
                if config.redact_pii {
                    e.comment = e.comment.as_deref().map(redact);
                }
                events.push(e)
            }
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
    let accepted = store::Accepted {
        site: envelope.site,
        more: store::Enrichment {
            received_at: Date::now().as_millis(),
            country,
            device: Device::from_user_agent(&user_agent).as_str().to_owned(),
        },
        events,
    };
    let body = match Mode::of(env) {
        Mode::D1 => {
            let changed = write(env, &accepted, &config).await?;
            // Alerts are judged after the answer: the 202 does not wait.
            let surveys = crate::alerts::touched(&config, &accepted.events);
            if !surveys.is_empty() {
                let (env, site) = (env.clone(), accepted.site.clone());
                ctx.wait_until(async move { crate::alerts::after_write(&env, &site, &config, &surveys).await });
            }
            json!({"accepted": changed, "duplicates": accepted.events.len() - changed, "rejected": list})
        }
        // De-duplication happens in the consumer: every valid event counts
        // as accepted here, and `queued` says storage follows shortly.
        Mode::Queue => {
            intake::send(env, &accepted).await?;
            json!({"accepted": accepted.events.len(), "duplicates": 0, "rejected": list, "queued": true})
        }
    };
    let mut response = json(&body, 202)?;
    cors(&mut response, origin, true);
    Ok(response)
}

/// The direct path: one D1 round trip stores the batch and, for a site with
/// webhooks, reads which of its events are not forwarded yet; those are then
/// handed to forwarding before the 202. Returns how many events changed
/// storage.
async fn write(env: &Env, accepted: &store::Accepted, config: &SiteConfig) -> ApiResult<usize> {
    let forwards = !config.webhooks.is_empty();
    let written = store::write(env, &[(accepted, forwards)]).await?;
    // One batch written, one answer; none is a storage fault (retried).
    let Some(w) = written.into_iter().next() else { return Err(ApiError::unavailable()) };
    crate::forward::hand_off(env, &accepted.site, config, &accepted.events, &w.unforwarded).await?;
    Ok(w.changed)
}

/// Who sent a batch: the address the rate limit counts, and the country
/// stored with the events.
struct Client {
    ip: String,
    country: Option<String>,
}

/// Where Cloudflare saw the request come from; or, for a first-party proxy
/// that proves itself with the `PROXY_SECRET` Worker secret (header
/// `X-Touchpoint-Proxy`), the visitor it passes on: their address in
/// `X-Touchpoint-Client-IP` and country in `X-Touchpoint-Client-Country`
/// (none when it sends none: the edge saw only the proxy). Cloudflare sets
/// `CF-Connecting-IP` itself, to the proxy's address, so without this every
/// visitor behind one proxy would share one rate limit. Without the secret
/// the headers are ignored: a browser cannot choose its own limit.
fn client(req: &Request, env: &Env) -> Client {
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let edge_ip = || header("CF-Connecting-IP").unwrap_or_else(|| "unknown".into());
    if let Some(proof) = header("X-Touchpoint-Proxy") {
        if crate::auth::is_secret(env, "PROXY_SECRET", &proof) {
            let ip = header("X-Touchpoint-Client-IP").filter(|ip| is_ip(ip));
            if ip.is_none() {
                worker::console_error!(
                    "the first-party proxy sent no valid X-Touchpoint-Client-IP: its own address is limited"
                );
            }
            let country = header("X-Touchpoint-Client-Country")
                .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
            return Client { ip: ip.unwrap_or_else(edge_ip), country };
        }
        worker::console_error!("X-Touchpoint-Proxy is not the PROXY_SECRET secret (or none is set): ignored");
    }
    Client { ip: edge_ip(), country: req.cf().and_then(|cf| cf.country()) }
}

/// An IPv4 or IPv6 address as a proxy writes it (digits, hex, dots, colons).
fn is_ip(s: &str) -> bool {
    (2..=45).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':')
}

/// The rate limit per site and client IP. A limiter that cannot be reached
/// lets the request through: losing answers is worse than a burst.
async fn check_rate(env: &Env, binding: &str, site: &str, client_ip: &str) -> ApiResult<()> {
    let Ok(limiter) = env.rate_limiter(binding) else {
        return Ok(());
    };
    let mut key = String::from(site);
    key.push(':');
    key.push_str(client_ip);
    match limiter.limit(key).await {
        Ok(outcome) if !outcome.success => {
            let mut e = ApiError::new(429, "rate_limited", "too many requests from this client; retry later");
            e.retry_after = Some(RATE_LIMIT_RETRY_S);
            Err(e)
        }
        _ => Ok(()),
    }
}
