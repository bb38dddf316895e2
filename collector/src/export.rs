//! `GET /v1/sites/{site}/export.ndjson`: the stored events of a site, one
//! JSON object per line, oldest first, a page at a time (a Worker's memory
//! and a D1 result are bounded; a site's history is not). A full page ends
//! with a `Link: <...>; rel="next"` header naming the next one. Site or
//! operator token required.

use worker::{Env, Request, Response};

use crate::auth::require_site;
use crate::error::{ApiError, ApiResult};
use crate::http::{set_header, site_id};
use crate::stats::{cursor, page_size, params, survey_id, visitor_id, MAX_MS};
use crate::store::{self, EventFilter};

/// Events per page, by default and at most.
pub const MAX_PAGE: u32 = 5_000;

/// The export's query parameters.
#[derive(Debug, Default, PartialEq)]
pub struct Query {
    /// Only this survey's events.
    pub survey: Option<String>,
    /// Only this visitor's events (a request to see what is stored about
    /// someone).
    pub visitor: Option<String>,
    /// Inclusive, ms since the epoch, on `received_at`.
    pub from: Option<u64>,
    /// Exclusive, ms since the epoch, on `received_at`.
    pub to: Option<u64>,
    pub limit: Option<u32>,
    /// The last event of the previous page: `received_at` and id.
    pub after: Option<(u64, String)>,
}

impl Query {
    /// Parses `survey`, `visitor`, `from`, `to`, `limit`, `after`; anything
    /// else, a repeated parameter or a bad value is a 400 naming the
    /// parameter.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> ApiResult<Query> {
        let mut q = Query::default();
        (q.from, q.to) = params(pairs, "expected survey, visitor, from, to, limit or after", |name, value| {
            match name {
                "survey" => q.survey = Some(survey_id(name, value)?),
                "visitor" => q.visitor = Some(visitor_id(name, value)?),
                "limit" => q.limit = Some(page_size(name, value, MAX_PAGE, "events")?),
                "after" => q.after = Some(cursor(name, value, "the value from the previous page's Link header")?),
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(q)
    }
}

pub async fn get(req: &Request, env: &Env, site: &str) -> ApiResult<Response> {
    site_id(site)?;
    require_site(req, env, site).await?;
    // After the token check, so that only its holders learn which sites exist.
    store::site(env, site).await?.ok_or_else(ApiError::unknown_site)?;
    let mut url = req.url()?;
    let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let query = Query::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let limit = query.limit.unwrap_or(MAX_PAGE);
    let window = (query.from.unwrap_or(0), query.to.unwrap_or(MAX_MS + 1));
    let after = query.after.as_ref().map(|(t, id)| (*t, id.as_str()));
    let only = EventFilter { survey: query.survey.as_deref(), visitor: query.visitor.as_deref() };
    let events = store::events(env, site, only, window, after, limit).await?;
    let mut out = String::new();
    for event in &events {
        let line = serde_json::to_string(event).map_err(|_| ApiError::internal())?;
        out.push_str(&line);
        out.push('\n');
    }
    let next = match events.last() {
        Some(last) if events.len() == limit as usize => Some(format!("{}.{}", last.received_at, last.id)),
        _ => None,
    };
    let mut response = Response::ok(out)?;
    set_header(&mut response, "Content-Type", "application/x-ndjson; charset=utf-8");
    set_header(&mut response, "Cache-Control", "no-store");
    if let Some(next) = next {
        let kept: Vec<_> = pairs.iter().filter(|(k, _)| k != "after").collect();
        url.query_pairs_mut().clear().extend_pairs(kept).append_pair("after", &next);
        set_header(&mut response, "Link", &format!("<{url}>; rel=\"next\""));
    }
    Ok(response)
}
