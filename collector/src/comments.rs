//! `GET /v1/sites/{site}/comments`: the "why" behind the scores. The
//! answers that came with a comment, newest first, a page at a time,
//! narrowed by survey, period, score band and words in the comment. Site
//! or operator token required.

use serde::{Deserialize, Serialize};
use serde_json::json;
use touchpoint_core::flow::Band;
use touchpoint_core::search::fold;
use touchpoint_core::Metric;
use worker::{wasm_bindgen::JsValue, Env, Request, Response};

use crate::auth::require_site;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, site_id};
use crate::stats::{bad, cursor, page_size, params, survey_id, MAX_MS};
use crate::store::{self, db};

/// Comments per page, by default and at most.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;
/// Longest text search, in characters.
pub const MAX_SEARCH: usize = 200;

/// The query parameters.
#[derive(Debug, Default, PartialEq)]
pub struct Query {
    pub survey: Option<String>,
    /// Inclusive, ms since the epoch, on `received_at`.
    pub from: Option<u64>,
    /// Exclusive.
    pub to: Option<u64>,
    /// Only answers in one of these bands (none: any).
    pub bands: Vec<Band>,
    /// Only comments containing this text, in any letter case.
    pub search: Option<String>,
    pub limit: Option<u32>,
    /// The last comment of the previous page: `received_at` and id.
    pub before: Option<(u64, String)>,
}

impl Query {
    /// Parses `survey`, `from`, `to`, `band`, `q`, `limit`, `before`;
    /// anything else, a repeated parameter or a bad value is a 400 naming it.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> ApiResult<Query> {
        let mut q = Query::default();
        (q.from, q.to) = params(pairs, "expected survey, from, to, band, q, limit or before", |name, value| {
            match name {
                "survey" => q.survey = Some(survey_id(name, value)?),
                "band" => {
                    let bands: Option<Vec<Band>> = value.split(',').map(Band::parse).collect();
                    q.bands = bands.filter(|b| !b.is_empty()).ok_or_else(|| {
                        bad(name, "bands separated by commas: detractor, passive, promoter, low, high, easy, hard")
                    })?;
                }
                "q" => {
                    let text = value.trim();
                    if text.is_empty() || text.chars().count() > MAX_SEARCH {
                        return Err(bad(name, "text to look for in the comments, 1-200 characters"));
                    }
                    q.search = Some(text.to_owned());
                }
                "limit" => q.limit = Some(page_size(name, value, MAX_PAGE, "comments")?),
                "before" => q.before = Some(cursor(name, value, "the `next` value of the previous page")?),
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(q)
    }
}

/// One answer with its comment, as stored.
#[derive(Deserialize, Serialize)]
struct Row {
    id: String,
    survey: String,
    touchpoint: String,
    metric: String,
    scale: Option<u8>,
    score: Option<u8>,
    comment: String,
    received_at: u64,
    locale: String,
    url: String,
    country: Option<String>,
    device: Option<String>,
    experiment: Option<String>,
    variant: Option<String>,
    /// The score's band, worked out here (not stored).
    #[serde(skip_deserializing)]
    band: Option<&'static str>,
}

/// Walks the index of events with a comment (migration 0012), newest first,
/// to the page's first `limit` matches: a search found nowhere reads the
/// window's comments, not all its events. Named: events_for_stats also
/// starts with `received_at`, and in its order a page meant sorting the
/// whole window (over a minute for a million events).
const SELECT: &str = "SELECT id, survey, touchpoint, metric, scale, score, comment, received_at, locale, url, \
    country, device, experiment, variant FROM events INDEXED BY events_with_comments \
    WHERE site = ?1 AND type = 'response' AND comment IS NOT NULL AND trim(comment, ?10) <> '' \
    AND received_at >= ?2 AND received_at < ?3 \
    AND (?4 IS NULL OR received_at < ?4 OR (received_at = ?4 AND id < ?5)) \
    AND (?6 IS NULL OR survey = ?6) \
    AND (?7 IS NULL OR metric || ':' || ifnull(scale, '') || ':' || score IN (SELECT value FROM json_each(?7))) \
    AND (?8 IS NULL OR instr(ifnull(comment_fold, lower(comment)), ?8) > 0) \
    ORDER BY received_at DESC, id DESC LIMIT ?9";

/// The characters Rust's `str::trim` strips (Unicode's White_Space, all
/// below U+3001), for SQL's `trim`, which alone strips only spaces: blank
/// means the same here as in webhooks' `with_comment`.
fn white_space() -> String {
    ('\0'..='\u{3000}').filter(|c| c.is_whitespace()).collect()
}

/// The `metric:scale:score` keys of the answers in `bands` (the scale is
/// empty for NPS and CSAT, which store none), as a JSON array.
fn band_keys(bands: &[Band]) -> ApiResult<String> {
    let keys: Vec<String> = Band::answers_in(bands)
        .into_iter()
        .map(|(metric, scale, score)| {
            let scale = scale.map(|s| s.to_string()).unwrap_or_default();
            format!("{}:{scale}:{score}", metric.as_str())
        })
        .collect();
    serde_json::to_string(&keys).map_err(|_| ApiError::internal())
}

pub async fn get(req: &Request, env: &Env, site: &str) -> ApiResult<Response> {
    site_id(site)?;
    require_site(req, env, site).await?;
    store::site(env, site).await?.ok_or_else(ApiError::unknown_site)?;
    let url = req.url()?;
    let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let query = Query::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    let (before_ms, before_id) = query.before.as_ref().map_or((None, ""), |(ms, id)| (Some(*ms), id.as_str()));
    let bands = if query.bands.is_empty() { None } else { Some(band_keys(&query.bands)?) };
    let opt = |v: Option<&str>| v.map_or(JsValue::NULL, Into::into);
    let mut rows: Vec<Row> = db(env)?
        .prepare(SELECT)
        .bind(&[
            site.into(),
            (query.from.unwrap_or(0) as f64).into(),
            (query.to.unwrap_or(MAX_MS + 1) as f64).into(),
            before_ms.map_or(JsValue::NULL, |ms| (ms as f64).into()),
            before_id.into(),
            opt(query.survey.as_deref()),
            opt(bands.as_deref()),
            opt(query.search.as_deref().map(fold).as_deref()),
            limit.into(),
            white_space().into(),
        ])?
        .all()
        .await?
        .results()?;
    let next = match rows.last() {
        Some(last) if rows.len() == limit as usize => Some(format!("{}.{}", last.received_at, last.id)),
        _ => None,
    };
    for r in &mut rows {
        r.band = match (Metric::parse(&r.metric), r.score) {
            (Some(metric), Some(score)) if metric.accepts(r.scale, score.into()) => {
                Some(Band::of(metric, r.scale, score).as_str())
            }
            _ => None,
        };
    }
    Ok(json(&json!({"site": site, "comments": rows, "next": next}), 200)?)
}
