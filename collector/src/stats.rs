//! `GET /v1/sites/{site}/stats`: the read-out per survey (impressions,
//! responses, dismisses, response rate and the survey's metric), optionally
//! for one survey, a `received_at` window and grouped by variant,
//! touchpoint, stage, day, device, country or a visitor segment attribute,
//! and compared with the period just before the window (the baseline a
//! trend is read against). Counting is SQL aggregation in D1 (one row per
//! survey, group, type and score, never one per event); the metric maths
//! is `touchpoint_core::stats`, exactly as PRODUCT.md defines it.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};
use touchpoint_core::stats::{
    answers_needed, largest_difference, planned_difference, share_difference, share_interval, Ces, Csat, Difference,
    Nps,
};
use touchpoint_core::validate::{is_id, is_random_id};
use touchpoint_core::{Metric, SiteConfig};
use worker::{Date, Env, Request, Response};

use crate::auth::require_site;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, site_id};
use crate::store;

/// Largest `from`/`to`: what a JavaScript number holds exactly.
pub(crate) const MAX_MS: u64 = (1 << 53) - 1;

/// How the read-out of each survey is split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupBy {
    /// Experiment and variant (`null` for events outside any experiment).
    Variant,
    Touchpoint,
    /// The survey's journey stage, as configured now.
    Stage,
    /// UTC day of `received_at`, `YYYY-MM-DD`.
    Day,
    Device,
    Country,
    /// A visitor segment attribute the events carry (`attributes.plan`):
    /// its value as text (`true` / `false` for booleans), `null` without it.
    Attribute(String),
}

impl GroupBy {
    fn parse(s: &str) -> Option<Self> {
        if let Some(name) = s.strip_prefix("attributes.") {
            return is_id(name).then(|| GroupBy::Attribute(name.to_owned()));
        }
        Some(match s {
            "variant" => GroupBy::Variant,
            "touchpoint" => GroupBy::Touchpoint,
            "stage" => GroupBy::Stage,
            "day" => GroupBy::Day,
            "device" => GroupBy::Device,
            "country" => GroupBy::Country,
            _ => return None,
        })
    }

    /// The name the API gives it (`group_by` and each group's key).
    fn name(&self) -> String {
        match self {
            GroupBy::Variant => "variant".into(),
            GroupBy::Touchpoint => "touchpoint".into(),
            GroupBy::Stage => "stage".into(),
            GroupBy::Day => "day".into(),
            GroupBy::Device => "device".into(),
            GroupBy::Country => "country".into(),
            GroupBy::Attribute(name) => format!("attributes.{name}"),
        }
    }

    /// The SQL for the two group columns. Only these literals reach SQL.
    /// An attribute has none: its values are ranked first (see `counts`).
    fn columns(&self) -> Option<&'static str> {
        Some(match self {
            GroupBy::Attribute(_) => return None,
            GroupBy::Variant => "experiment AS g1, variant AS g2",
            GroupBy::Touchpoint => "touchpoint AS g1, NULL AS g2",
            GroupBy::Stage => "NULL AS g1, NULL AS g2",
            // The day's number, made a date once per group (see `key`).
            GroupBy::Day => "CAST(received_at / 86400000 AS INTEGER) AS g1, NULL AS g2",
            GroupBy::Device => "device AS g1, NULL AS g2",
            GroupBy::Country => "country AS g1, NULL AS g2",
        })
    }

    /// The SQL that turns the grouped `g1` into the group's key: a day's
    /// number becomes its date, once per group instead of once per event.
    fn key(&self) -> &'static str {
        match self {
            GroupBy::Day => "date(g1 * 86400, 'unixepoch')",
            _ => "g1",
        }
    }
}

/// The read-out's query parameters.
#[derive(Debug, Default, PartialEq)]
pub struct Query {
    pub survey: Option<String>,
    /// Inclusive, ms since the epoch, on `received_at`.
    pub from: Option<u64>,
    /// Exclusive, ms since the epoch, on `received_at`.
    pub to: Option<u64>,
    pub group_by: Option<GroupBy>,
    /// `compare=previous`: each survey also against the period of the
    /// same length that ends where this one starts.
    pub compare: bool,
    /// The difference between variants to plan the experiment for, in the
    /// survey's unit (the metric's usual one when not given).
    pub difference: Option<f64>,
}

impl Query {
    /// Parses `survey`, `from`, `to`, `group_by`, `compare`; anything else,
    /// a repeated parameter or a bad value is a 400 naming the parameter.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> ApiResult<Query> {
        let mut q = Query::default();
        (q.from, q.to) = params(pairs, "expected survey, from, to, group_by, compare or difference", |name, value| {
            match name {
                "survey" => q.survey = Some(survey_id(name, value)?),
                "group_by" => {
                    let message = "one of variant, touchpoint, stage, day, device, country, or attributes.NAME \
                                   (NAME: 1-64 characters of a-z, A-Z, 0-9, '-', '_')";
                    q.group_by = Some(GroupBy::parse(value).ok_or_else(|| bad(name, message))?);
                }
                "compare" if value == "previous" => q.compare = true,
                "compare" => return Err(bad(name, "previous (the period of the same length just before)")),
                "difference" => {
                    let d = value.parse::<f64>().ok().filter(|d| d.is_finite() && *d > 0.0 && !value.starts_with('+'));
                    q.difference = Some(d.ok_or_else(|| bad(name, "a number above 0, in the survey's unit"))?);
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if q.difference.is_some() && (q.survey.is_none() || q.group_by != Some(GroupBy::Variant)) {
            return Err(bad(
                "difference",
                "needs survey and group_by=variant: it plans that survey's experiment, in its unit",
            ));
        }
        if q.compare && q.from.is_none() {
            return Err(bad(
                "compare",
                "needs from: the previous period is as long as from..to (to: now if not given)",
            ));
        }
        Ok(q)
    }

    /// The period compared with: as long as this one (which ends `now` if
    /// open-ended), ending where it starts.
    fn previous(&self, now: u64) -> Option<Query> {
        let from = self.from.filter(|_| self.compare)?;
        let length = self.to.unwrap_or(now).saturating_sub(from);
        let survey = self.survey.clone();
        // Grouped the same way, but for days: that period has other days.
        let group_by = self.group_by.clone().filter(|g| *g != GroupBy::Day);
        Some(Query { survey, from: Some(from.saturating_sub(length)), to: Some(from), group_by, ..Query::default() })
    }
}

/// Reads query parameters shared by the stats, the export and the comments: each given at
/// most once, `from` and `to` as a window on `received_at` (returned), and
/// the rest by `other`, which answers `Ok(false)` for a name it does not
/// know. A repeated, unknown or bad parameter is a 400 naming it.
pub(crate) fn params<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    expected: &'static str,
    mut other: impl FnMut(&'a str, &'a str) -> ApiResult<bool>,
) -> ApiResult<(Option<u64>, Option<u64>)> {
    let (mut from, mut to) = (None, None);
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in pairs {
        if seen.contains(&name) {
            return Err(bad(name, "given more than once"));
        }
        seen.push(name);
        match name {
            "from" => from = Some(ms(name, value)?),
            "to" => to = Some(ms(name, value)?),
            _ if other(name, value)? => {}
            _ => return Err(ApiError::new(400, "unknown_parameter", expected).field(name.to_owned())),
        }
    }
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            return Err(bad("to", "must not be before from"));
        }
    }
    Ok((from, to))
}

pub(crate) fn bad(name: &str, message: &str) -> ApiError {
    ApiError::new(400, "invalid_value", message).field(name.to_owned())
}

/// A visitor id given as a parameter or in a path.
pub(crate) fn visitor_id(name: &str, value: &str) -> ApiResult<String> {
    if is_random_id(value) {
        Ok(value.to_owned())
    } else {
        Err(bad(name, "a visitor id: 8-64 characters of a-z, A-Z, 0-9, '-', '_'"))
    }
}

/// A survey id given as a parameter.
pub(crate) fn survey_id(name: &str, value: &str) -> ApiResult<String> {
    if is_id(value) {
        Ok(value.to_owned())
    } else {
        Err(bad(name, "a survey id: 1-64 characters of a-z, A-Z, 0-9, '-', '_'"))
    }
}

/// A page size, 1 to `max`; `what` names the unit in the error.
pub(crate) fn page_size(name: &str, value: &str, max: u32, what: &str) -> ApiResult<u32> {
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=max).contains(n) && !value.starts_with('+'))
        .ok_or_else(|| bad(name, &format!("a whole number of {what}, 1 to {max}")))
}

/// Where a page starts: `received_at.id` of the previous page's last item,
/// as the previous page gave it (`from` says where to find it).
pub(crate) fn cursor(name: &str, value: &str, from: &str) -> ApiResult<(u64, String)> {
    let cursor = value.split_once('.').and_then(|(t, id)| {
        let at = t.parse::<u64>().ok().filter(|at| *at <= MAX_MS && !t.starts_with('+'))?;
        is_id(id).then(|| (at, id.to_owned()))
    });
    cursor.ok_or_else(|| bad(name, from))
}

pub(crate) fn ms(name: &str, value: &str) -> ApiResult<u64> {
    value
        .parse::<u64>()
        .ok()
        .filter(|v| *v <= MAX_MS && !value.starts_with('+'))
        .ok_or_else(|| bad(name, "milliseconds since 1970 (a whole number, 0 to 2^53-1)"))
}

pub async fn get(req: &Request, env: &Env, site: &str) -> ApiResult<Response> {
    site_id(site)?;
    require_site(req, env, site).await?;
    let url = req.url()?;
    let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let query = Query::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let config = store::site(env, site).await?.ok_or_else(ApiError::unknown_site)?;
    // A planned difference fits the survey's scale (a survey no longer
    // configured has events only: its scale is theirs).
    let survey = query.survey.as_deref().and_then(|id| config.survey(id));
    if let (Some(d), Some(s)) = (query.difference, survey) {
        let largest = largest_difference(s.metric, s.scale);
        if d > largest {
            return Err(bad("difference", &format!("at most {largest}, the largest {} difference", s.metric.as_str())));
        }
    }
    let rows = counts(env, site, &query).await?;
    let previous = match query.previous(Date::now().as_millis()) {
        Some(q) => {
            let rows = counts(env, site, &q).await?;
            Some((q, rows))
        }
        None => None,
    };
    let body = read_out(site, &query, &config, rows, previous);
    Ok(json(&body, 200)?)
}

/// One aggregated row: how many events of this survey, type, scale and
/// score fell into this group.
#[derive(Clone, Debug, Deserialize)]
pub struct Row {
    pub survey: String,
    pub metric: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub scale: Option<f64>,
    pub score: Option<f64>,
    pub g1: Option<String>,
    pub g2: Option<String>,
    pub n: f64,
    /// How many values the survey's events have of the attribute grouped
    /// by (attribute grouping only).
    #[serde(default)]
    pub k: Option<f64>,
}

/// The most values of a segment attribute listed one by one per survey
/// (those with the most events); the others are folded into one group, so
/// an attribute with a value per visitor (an id, a timestamp) still reads
/// as a table and costs a bounded answer.
pub const ATTRIBUTE_GROUPS: u32 = 20;

/// The `g2` of the group that folds an attribute's other values (an
/// attribute's own groups have no `g2`).
const FOLDED: &str = "other";

/// An attribute's value as text (`true` / `false` for booleans); its JSON
/// path is bound as `?5`.
const ATTRIBUTE: &str = "CASE json_type(attributes, ?5) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' \
                         ELSE CAST(json_extract(attributes, ?5) AS TEXT) END";

async fn counts(env: &Env, site: &str, q: &Query) -> ApiResult<Vec<Row>> {
    let filter = "site = ?1 AND (?2 IS NULL OR survey = ?2) AND received_at >= ?3 AND received_at < ?4";
    // Every count, an attribute's values too, is read from the
    // events_for_stats index alone (migration 0012), without visiting the
    // events' rows.
    let sql = match q.group_by.as_ref().map(GroupBy::columns) {
        // Grouped by value first (one JSON read per event), then each
        // survey's values ranked by events (ties by value); those past the
        // cap share the folded group, and every row carries how many values
        // the survey's events have (`k`). Events without the attribute stay
        // a group of their own.
        Some(None) => format!(
            "WITH g AS MATERIALIZED (SELECT survey, metric, type, scale, score, {ATTRIBUTE} AS v, COUNT(*) AS n \
               FROM events WHERE {filter} GROUP BY survey, metric, type, scale, score, v), \
             ranked AS (SELECT survey, v, ROW_NUMBER() OVER (PARTITION BY survey ORDER BY SUM(n) DESC, v) AS r, \
               COUNT(*) OVER (PARTITION BY survey) AS k FROM g WHERE v IS NOT NULL GROUP BY survey, v) \
             SELECT g.survey AS survey, metric, type, scale, score, \
               CASE WHEN r > {ATTRIBUTE_GROUPS} THEN NULL ELSE g.v END AS g1, \
               CASE WHEN r > {ATTRIBUTE_GROUPS} THEN '{FOLDED}' END AS g2, SUM(n) AS n, MAX(k) AS k \
             FROM g LEFT JOIN ranked ON ranked.survey = g.survey AND ranked.v = g.v \
             GROUP BY g.survey, metric, type, scale, score, g1, g2"
        ),
        columns => {
            let g1 = q.group_by.as_ref().map_or("g1", GroupBy::key);
            format!(
                "SELECT survey, metric, type, scale, score, {g1} AS g1, g2, n FROM \
                 (SELECT survey, metric, type, scale, score, {}, COUNT(*) AS n FROM events WHERE {filter} \
                 GROUP BY survey, metric, type, scale, score, g1, g2)",
                columns.flatten().unwrap_or("NULL AS g1, NULL AS g2")
            )
        }
    };
    let survey = q.survey.as_deref().map_or(wasm_bindgen::JsValue::NULL, Into::into);
    let from = q.from.unwrap_or(0) as f64;
    let to = q.to.unwrap_or(MAX_MS) as f64;
    let mut values = vec![site.into(), survey, from.into(), to.into()];
    if let Some(GroupBy::Attribute(name)) = &q.group_by {
        // A JSON path; the name is A-Z, a-z, 0-9, '-' and '_' only.
        values.push(format!("$.\"{name}\"").into());
    }
    let result = store::db(env)?.prepare(sql).bind(&values)?.all().await?;
    Ok(result.results()?)
}

/// Counts of one survey (or one group of it).
#[derive(Default)]
struct Tally {
    impressions: u64,
    dismisses: u64,
    responses: u64,
    /// `(scale, score) -> answers`.
    scores: BTreeMap<(Option<u8>, i64), u64>,
}

impl Tally {
    fn add(&mut self, row: &Row) {
        let n = row.n as u64;
        match row.kind.as_str() {
            "impression" => self.impressions += n,
            "dismiss" => self.dismisses += n,
            "response" => {
                self.responses += n;
                if let Some(score) = row.score {
                    let scale = row.scale.map(|s| s as u8);
                    *self.scores.entry((scale, score as i64)).or_default() += n;
                }
            }
            _ => {}
        }
    }

    /// `(score, answers)` of every scale.
    fn scores(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        self.scores.iter().map(|((_, s), n)| (*s, *n))
    }

    /// The CES answers given on `scale`.
    fn ces(&self, scale: Option<u8>) -> Ces {
        Ces::from_counts(scale, self.scores.iter().filter(|((s, _), _)| *s == scale).map(|((_, v), n)| (*v, *n)))
    }

    fn to_json(&self, metric: Option<Metric>) -> Value {
        let rate = (self.impressions > 0).then(|| 100.0 * self.responses as f64 / self.impressions as f64);
        let mut out = json!({"impressions": self.impressions, "responses": self.responses,
            "dismisses": self.dismisses, "response_rate": rate,
            "response_rate_interval": share_interval(self.responses, self.impressions)});
        let (name, value) = match metric {
            Some(Metric::Nps) => {
                let t = Nps::from_counts(self.scores());
                (
                    "nps",
                    json!({"score": t.score(), "interval": t.interval(), "responses": t.responses,
                    "promoters": t.promoters, "passives": t.passives, "detractors": t.detractors}),
                )
            }
            Some(Metric::Csat) => {
                let t = Csat::from_counts(self.scores());
                (
                    "csat",
                    json!({"score": t.score(), "interval": t.interval(), "responses": t.responses,
                    "satisfied": t.satisfied}),
                )
            }
            Some(Metric::Ces) => {
                let mut scales: Vec<Option<u8>> = self.scores.keys().map(|(scale, _)| *scale).collect();
                scales.dedup();
                let per_scale: Vec<Value> = scales
                    .into_iter()
                    .map(|scale| {
                        let t = self.ces(scale);
                        json!({"scale": t.scale, "responses": t.responses, "mean": t.mean(),
                            "mean_interval": t.mean_interval(), "easy": t.easy,
                            "easy_percent": t.easy_percent(), "easy_interval": t.easy_interval()})
                    })
                    .collect();
                ("ces", Value::Array(per_scale))
            }
            None => return out,
        };
        if let Some(obj) = out.as_object_mut() {
            obj.insert(name.to_owned(), value);
        }
        out
    }

    /// The experiment's plan with this group as its baseline: the answers
    /// each variant needs for a difference of the planned size (in the
    /// score's unit) to show as clear 80% of the time it is real.
    fn plan(&self, metric: Option<Metric>, scale: Option<u8>, difference: Option<f64>) -> Value {
        let Some(metric) = metric else { return Value::Null };
        let variance = match metric {
            Metric::Nps => Nps::from_counts(self.scores()).planning_variance(),
            Metric::Csat => Csat::from_counts(self.scores()).planning_variance(),
            Metric::Ces => self.ces(scale).planning_variance(),
        };
        let difference = difference.unwrap_or_else(|| planned_difference(metric));
        json!({"difference": difference, "per_variant": answers_needed(variance, difference)})
    }

    /// How this group differs from the `baseline` group: response rate and
    /// the metric's score (NPS, CSAT, or the CES mean on `scale`).
    fn difference(&self, baseline: &Tally, metric: Option<Metric>, scale: Option<u8>) -> Value {
        let rate = share_difference((self.responses, self.impressions), (baseline.responses, baseline.impressions));
        let score = match metric {
            Some(Metric::Nps) => Nps::from_counts(self.scores()).difference(&Nps::from_counts(baseline.scores())),
            Some(Metric::Csat) => Csat::from_counts(self.scores()).difference(&Csat::from_counts(baseline.scores())),
            Some(Metric::Ces) => self.ces(scale).difference(&baseline.ces(scale)),
            None => None,
        };
        let part =
            |d: Option<Difference>| d.map(|d| json!({"value": d.value, "interval": d.interval, "clear": d.is_clear()}));
        json!({"response_rate": part(rate), "score": part(score)})
    }
}

/// One survey's counts, in total and per group (`(g1, g2)`), and in the
/// period compared with.
#[derive(Default)]
struct SurveyTally {
    metric: Option<Metric>,
    total: Tally,
    groups: BTreeMap<(Option<String>, Option<String>), Tally>,
    /// How many values of the attribute grouped by its events have.
    values: u64,
    previous: Tally,
    /// The period compared with, per group (not by day).
    previous_groups: BTreeMap<(Option<String>, Option<String>), Tally>,
}

/// Folds the aggregated rows into the read-out: one entry per survey (every
/// configured one, in the configuration's order, with zeros when it has no
/// events: a prompt that never shows is worth seeing; then any survey no
/// longer configured that has events), with its groups when grouped, and
/// with `previous` (that period's query and rows) how it compares.
pub fn read_out(
    site: &str,
    q: &Query,
    config: &SiteConfig,
    rows: Vec<Row>,
    previous: Option<(Query, Vec<Row>)>,
) -> Value {
    // A survey whose metric was changed has an entry per metric: scores of
    // different metrics never fold into one number.
    let mut surveys: BTreeMap<(String, String), SurveyTally> = BTreeMap::new();
    let key = |group_by: &GroupBy, row: &Row| match group_by {
        GroupBy::Stage => (config.survey(&row.survey).and_then(|s| s.stage.clone()), None),
        _ => (row.g1.clone(), row.g2.clone()),
    };
    for row in &rows {
        let entry = surveys.entry((row.survey.clone(), row.metric.clone())).or_default();
        entry.metric = Metric::parse(&row.metric);
        entry.total.add(row);
        if let Some(group_by) = &q.group_by {
            entry.groups.entry(key(group_by, row)).or_default().add(row);
            entry.values = entry.values.max(row.k.unwrap_or(0.0) as u64);
        }
    }
    for survey in config.surveys.iter().filter(|s| q.survey.as_ref().is_none_or(|id| *id == s.id)) {
        let entry = surveys.entry((survey.id.clone(), survey.metric.as_str().to_owned())).or_default();
        entry.metric = Some(survey.metric);
    }
    // A survey answered then and not now is listed too: a drop to nothing
    // is a change worth seeing.
    // So is a group: a touchpoint or device answered then and not now.
    let grouped_before = previous.as_ref().and_then(|(p, _)| p.group_by.as_ref());
    for row in previous.iter().flat_map(|(_, rows)| rows) {
        let entry = surveys.entry((row.survey.clone(), row.metric.clone())).or_default();
        entry.metric = Metric::parse(&row.metric);
        entry.previous.add(row);
        if let Some(group_by) = grouped_before {
            let key = key(group_by, row);
            // An attribute's values are ranked in each period on its own:
            // a value folded then is not a group now.
            if key.1.as_deref() != Some(FOLDED) || !matches!(group_by, GroupBy::Attribute(_)) {
                entry.groups.entry(key.clone()).or_default();
            }
            entry.previous_groups.entry(key).or_default().add(row);
        }
    }
    // The configuration's order, the survey's current metric first.
    let order = |(id, metric): &(String, String)| {
        let at = config.surveys.iter().position(|s| &s.id == id);
        let current = at.and_then(|i| config.surveys.get(i)).is_some_and(|s| s.metric.as_str() == metric);
        (at.unwrap_or(usize::MAX), !current)
    };
    let mut keys: Vec<(String, String)> = surveys.keys().cloned().collect();
    keys.sort_by_key(order);
    let nothing = Tally::default();
    let list: Vec<Value> = keys
        .iter()
        .filter_map(|key| surveys.get(key).map(|entry| (&key.0, entry)))
        .map(|(id, SurveyTally { metric, total, groups, values, previous: before, previous_groups })| {
            let mut out = total.to_json(*metric);
            if let Some(obj) = out.as_object_mut() {
                obj.insert("survey".into(), json!(id));
                obj.insert("metric".into(), json!(metric.map(Metric::as_str)));
                // The survey as configured now, when its metric is this
                // entry's; a CES difference is on its current scale.
                let survey = config.survey(id).filter(|s| Some(s.metric) == *metric);
                let scale = survey.and_then(|s| s.scale).or(Some(touchpoint_core::metric::DEFAULT_CES_SCALE));
                if previous.is_some() {
                    obj.insert("previous".into(), before.to_json(*metric));
                    obj.insert("change".into(), total.difference(before, *metric, scale));
                }
                if let Some(group_by) = &q.group_by {
                    // Variants of the configured experiment in its order
                    // (the baseline first), then the others as sorted.
                    let experiment =
                        survey.and_then(|s| s.experiment.as_ref()).filter(|_| *group_by == GroupBy::Variant);
                    let of = |g1: &Option<String>| experiment.filter(|e| g1.as_deref() == Some(e.id.as_str()));
                    let rank = |(g1, g2): &(Option<String>, Option<String>)| {
                        of(g1)
                            .and_then(|e| e.variants.iter().position(|v| g2.as_deref() == Some(v.id.as_str())))
                            .unwrap_or(usize::MAX)
                    };
                    // An attribute's folded values last.
                    let folded = |(_, g2): &(Option<String>, Option<String>)| {
                        matches!(group_by, GroupBy::Attribute(_)) && g2.as_deref() == Some(FOLDED)
                    };
                    let mut ordered: Vec<_> = groups.iter().collect();
                    ordered.sort_by_key(|(key, _)| (folded(key), rank(key)));
                    let groups = ordered.into_iter().map(|(key @ (g1, g2), t)| {
                        let mut out = group_json(group_by, g1, g2, t.to_json(*metric));
                        if let (true, Some(obj)) = (folded(key), out.as_object_mut()) {
                            let kept = u64::from(ATTRIBUTE_GROUPS);
                            obj.insert("other_values".into(), json!(values.saturating_sub(kept)));
                        }
                        // The group in the period before (zeros when it had
                        // no events then).
                        if let (Some(_), Some(obj)) = (grouped_before, out.as_object_mut()) {
                            let then = previous_groups.get(key).unwrap_or(&nothing);
                            obj.insert("previous".into(), then.to_json(*metric));
                            obj.insert("change".into(), t.difference(then, *metric, scale));
                        }
                        // A variant is compared with its experiment's first
                        // variant, as configured now.
                        let baseline =
                            of(g1).and_then(|e| e.variants.first()).filter(|v| g2.as_deref() != Some(v.id.as_str()));
                        let against =
                            baseline.and_then(|v| groups.get(&(g1.clone(), Some(v.id.clone()))).map(|b| (v, b)));
                        if let (Some((variant, base)), Some(obj)) = (against, out.as_object_mut()) {
                            obj.insert("baseline".into(), json!(variant.id));
                            obj.insert("difference".into(), t.difference(base, *metric, scale));
                            obj.insert("answers_needed".into(), base.plan(*metric, scale, q.difference));
                        }
                        out
                    });
                    obj.insert("groups".into(), Value::Array(groups.collect()));
                }
            }
            out
        })
        .collect();
    let mut out = json!({"site": site, "survey": q.survey, "from": q.from, "to": q.to,
        "group_by": q.group_by.as_ref().map(GroupBy::name), "confidence": 0.95, "surveys": list});
    if let (Some((p, _)), Some(obj)) = (&previous, out.as_object_mut()) {
        obj.insert("previous".into(), json!({"from": p.from, "to": p.to}));
    }
    out
}

fn group_json(by: &GroupBy, g1: &Option<String>, g2: &Option<String>, mut tally: Value) -> Value {
    if let Some(obj) = tally.as_object_mut() {
        match by {
            GroupBy::Variant => {
                obj.insert("experiment".into(), json!(g1));
                obj.insert("variant".into(), json!(g2));
            }
            other => {
                obj.insert(other.name(), json!(g1));
            }
        }
    }
    tally
}
