//! Threshold alerts (`touchpoint_core::alert`). After new answers are
//! stored (a busy window at most once a minute, see [`after_write`]), and
//! at every sweep ([`crate::sweep`]) for the windows whose old answers age
//! out, each alert of the site is judged on its window. A
//! change of state is recorded in D1 by a conditional update, so of two
//! Workers that see the same change only one tells it, and is told to the
//! site's webhooks through the forwarding queue, signed and retried like
//! every delivery. `GET /v1/sites/{site}/alerts` shows where each alert
//! stands.

use serde::Deserialize;
use serde_json::json;
use touchpoint_core::alert::{Alert, Figures, Measure, Notice, State};
use touchpoint_core::event::EventKind;
use touchpoint_core::stats::{Ces, Csat, Interval, Nps};
use touchpoint_core::{Event, Metric, SiteConfig, Survey};
use wasm_bindgen::JsValue;
use worker::{Date, Env, Request, Response};

use crate::auth::require_site;
use crate::error::{ApiError, ApiResult};
use crate::forward::{self, Delivery};
use crate::http::{json, site_id};
use crate::store::{self, db};

/// What an alert's window holds: the score and its interval, the answers
/// and the impressions.
struct Window {
    figures: Figures,
    interval: Option<Interval>,
}

/// Judges the alerts of `site` on surveys in `surveys` (all when `None`),
/// with windows ending at `now` (ms since 1970), and tells the webhooks of
/// every change; returns how many changed. A failure to queue the notices
/// undoes their changes, so the next check tells them again. D1 round
/// trips: one aggregate per distinct window length, then one batch, however
/// many alerts (an invocation may make only so many queries).
pub async fn check(env: &Env, site: &str, config: &SiteConfig, surveys: Option<&[&str]>, now: u64) -> ApiResult<usize> {
    let watched: Vec<(&Alert, &Survey)> = config
        .alerts
        .iter()
        .filter(|a| surveys.is_none_or(|s| s.contains(&a.survey.as_str())))
        .filter_map(|a| config.survey(&a.survey).map(|s| (a, s)))
        .collect();
    let days = lengths(watched.iter().map(|(a, _)| *a));
    // Each alert whose window can be read, with the state it calls for
    // (`None` in its recovery margin: the reading is recorded, the state
    // kept).
    let mut judged: Vec<(&Alert, &Survey, Option<State>, Window, f64)> = Vec::new();
    for d in days {
        let of_length: Vec<_> = watched.iter().filter(|(a, _)| a.days == d).collect();
        let ids: Vec<&str> = of_length.iter().map(|(_, s)| s.id.as_str()).collect();
        let rows = counts(env, site, &ids, of_length[0].0.window_start(now)).await?;
        for (alert, survey) in of_length {
            let w = window(survey, &rows);
            if let Some(reading) = alert.reading(&w.figures) {
                judged.push((alert, survey, alert.judge_reading(reading), w, reading));
            }
        }
    }
    if judged.is_empty() {
        return Ok(0);
    }
    let changed = record(env, site, &judged, now).await?;
    let notices: Vec<Notice> = judged
        .iter()
        .zip(changed)
        .filter_map(|(judgement, changed)| changed.then_some(judgement))
        .filter_map(|(alert, survey, state, w, reading)| Some((alert, survey, (*state)?, w, reading)))
        .map(|(alert, survey, state, w, reading)| Notice {
            alert: alert.id.clone(),
            survey: alert.survey.clone(),
            metric: survey.metric,
            status: state.into(),
            measure: alert.measure,
            score: *reading,
            interval: w.interval.filter(|_| alert.measure == Measure::Score),
            responses: w.figures.responses,
            impressions: w.figures.impressions,
            below: alert.below,
            above: alert.above,
            recovery: alert.recovery,
            days: alert.days,
            at: now,
        })
        .collect();
    if notices.is_empty() {
        return Ok(0);
    }
    if let Err(e) = tell(env, site, config, &notices).await {
        let _ = undo(env, site, &notices).await;
        return Err(e);
    }
    Ok(notices.len())
}

/// Answers (per survey, metric, scale and score) and impressions (per
/// survey and metric) received since `from`.
#[derive(Deserialize)]
struct Count {
    survey: String,
    metric: String,
    #[serde(rename = "type")]
    kind: String,
    scale: Option<f64>,
    score: Option<f64>,
    n: f64,
}

async fn counts(env: &Env, site: &str, surveys: &[&str], from: u64) -> ApiResult<Vec<Count>> {
    let ids = serde_json::to_string(surveys).map_err(|_| ApiError::internal())?;
    Ok(db(env)?
        .prepare(
            "SELECT survey, metric, type, CASE type WHEN 'response' THEN scale END AS scale, score, \
             COUNT(*) AS n FROM events WHERE site = ?1 \
             AND survey IN (SELECT value FROM json_each(?2)) AND received_at >= ?3 \
             AND ((type = 'response' AND score IS NOT NULL) OR type = 'impression') \
             GROUP BY survey, metric, type, 4, score",
        )
        .bind(&[site.into(), ids.into(), (from as f64).into()])?
        .all()
        .await?
        .results()?)
}

/// The survey's window in `rows`: its score (NPS, CSAT % or the CES mean)
/// over the answers given in its current metric and on its scale, and its
/// impressions in that metric.
fn window(survey: &Survey, rows: &[Count]) -> Window {
    let scale = survey.answer_scale();
    let ours = rows.iter().filter(|r| r.survey == survey.id && r.metric == survey.metric.as_str());
    let impressions = ours.clone().filter(|r| r.kind == "impression").map(|r| r.n as u64).sum();
    let counts = ours
        .filter(|r| r.kind == "response" && r.scale.map(|s| s as u8) == scale)
        .filter_map(|r| Some((r.score? as i64, r.n as u64)));
    let (score, interval, responses) = match survey.metric {
        Metric::Nps => {
            let t = Nps::from_counts(counts);
            (t.score(), t.interval(), t.responses)
        }
        Metric::Csat => {
            let t = Csat::from_counts(counts);
            (t.score(), t.interval(), t.responses)
        }
        Metric::Ces => {
            let t = Ces::from_counts(scale, counts);
            (t.mean(), t.mean_interval(), t.responses)
        }
    };
    Window { figures: Figures { score, responses, impressions }, interval }
}

/// Records every judgement in one batch; for each, whether the alert's
/// state changed (an alert never judged before starts `ok`, so a first
/// `ok` is no change; one in its recovery margin keeps its state).
async fn record(
    env: &Env,
    site: &str,
    judged: &[(&Alert, &Survey, Option<State>, Window, f64)],
    now: u64,
) -> ApiResult<Vec<bool>> {
    let db = db(env)?;
    let (site, now) = (JsValue::from(site), now as f64);
    let mut statements = Vec::with_capacity(3 * judged.len());
    // Where each judgement's state change is in the batch.
    let mut changes = Vec::with_capacity(judged.len());
    for (alert, _, state, w, reading) in judged {
        let id = JsValue::from(alert.id.as_str());
        statements.push(
            db.prepare("INSERT OR IGNORE INTO alert_states (site, alert, state, changed_at) VALUES (?1, ?2, 'ok', ?3)")
                .bind(&[site.clone(), id.clone(), now.into()])?,
        );
        changes.push(state.map(|_| statements.len()));
        if let Some(state) = state {
            statements.push(
                db.prepare(
                    "UPDATE alert_states SET state = ?3, changed_at = ?4 WHERE site = ?1 AND alert = ?2 \
                     AND state <> ?3 RETURNING state",
                )
                .bind(&[site.clone(), id.clone(), state.as_str().into(), now.into()])?,
            );
        }
        statements.push(
            db.prepare(
                "UPDATE alert_states SET score = ?3, responses = ?4, impressions = ?5, checked_at = ?6 \
                 WHERE site = ?1 AND alert = ?2",
            )
            .bind(&[
                site.clone(),
                id,
                (*reading).into(),
                (w.figures.responses as f64).into(),
                (w.figures.impressions as f64).into(),
                now.into(),
            ])?,
        );
    }
    let results = db.batch(statements).await?;
    let mut changed = Vec::with_capacity(judged.len());
    for at in changes {
        let returned = at.and_then(|i| results.get(i));
        changed.push(match returned {
            Some(r) => !r.results::<serde_json::Value>()?.is_empty(),
            None => false,
        });
    }
    Ok(changed)
}

/// Puts back the state before the changes in `notices` (they could not
/// be told), in one batch: the next judgement finds them again.
async fn undo(env: &Env, site: &str, notices: &[Notice]) -> ApiResult<()> {
    let db = db(env)?;
    let mut statements = Vec::with_capacity(notices.len());
    for n in notices {
        let told: State = n.status.into();
        let before = if told == State::Firing { State::Ok } else { State::Firing };
        statements.push(
            db.prepare("UPDATE alert_states SET state = ?3 WHERE site = ?1 AND alert = ?2 AND state = ?4").bind(&[
                site.into(),
                n.alert.as_str().into(),
                before.as_str().into(),
                told.as_str().into(),
            ])?,
        );
    }
    db.batch(statements).await?;
    Ok(())
}

/// The most D1 round trips [`check`] makes for `config`'s alerts: one
/// aggregate per distinct window length, the batch that records them, and
/// the batch that would undo them.
pub fn queries(config: &SiteConfig) -> usize {
    match lengths(&config.alerts).len() {
        0 => 0,
        n => n + 2,
    }
}

/// The distinct window lengths (days) of `alerts`, shortest first.
fn lengths<'a>(alerts: impl IntoIterator<Item = &'a Alert>) -> Vec<u32> {
    let mut days: Vec<u32> = alerts.into_iter().map(|a| a.days).collect();
    days.sort_unstable();
    days.dedup();
    days
}

/// Queues the notices to every webhook that takes them.
async fn tell(env: &Env, site: &str, config: &SiteConfig, notices: &[Notice]) -> ApiResult<()> {
    let queue = env.queue(forward::QUEUE)?;
    for hook in &config.webhooks {
        let alerts: Vec<Notice> = notices.iter().filter(|n| hook.only.admits_notice(n)).cloned().collect();
        if !alerts.is_empty() {
            let delivery = Delivery { site: site.to_owned(), url: hook.url.clone(), alerts, ..Delivery::default() };
            queue.send(forward::encode(&delivery)?).await?;
        }
    }
    Ok(())
}

/// The surveys whose alerts `events` move (an answer, or an impression for
/// a response rate or impressions): what a write gives [`after_write`] to judge.
pub fn touched<'a>(config: &SiteConfig, events: impl IntoIterator<Item = &'a Event>) -> Vec<String> {
    let mut surveys: Vec<String> = Vec::new();
    for e in events {
        // An answer moves every alert of its survey; an impression only a
        // response rate's or impressions' (a score does not see it).
        let moves = |a: &Alert| {
            a.survey == e.survey
                && (e.score.is_some() || (e.kind == EventKind::Impression && a.measure != Measure::Score))
        };
        if !surveys.contains(&e.survey) && config.alerts.iter().any(moves) {
            surveys.push(e.survey.clone());
        }
    }
    surveys
}

/// A window that held at least this many answers and impressions when last
/// judged is judged after a write at most once per [`BUSY_EVERY_MS`]:
/// counting it costs D1 time in proportion to its events (about 0.7 s for
/// a million on local D1, `scripts/bench-stats.mjs`), and one answer moves
/// its figure by a ten-thousandth at most.
const BUSY_WINDOW: f64 = 10_000.0;
const BUSY_EVERY_MS: u64 = 60_000;

/// Checks the alerts of `surveys` after a write, never failing it: the
/// answers are stored, and an alert that could not be judged now is judged
/// with the next answer or the next sweep. A survey whose alerts all have
/// busy windows judged less than a minute ago waits for the next write
/// after that minute, or the sweep.
pub async fn after_write(env: &Env, site: &str, config: &SiteConfig, surveys: &[String]) {
    if surveys.is_empty() {
        return;
    }
    let now = Date::now().as_millis();
    let recent = match recently_judged(env, site, now).await {
        Ok(recent) => recent,
        Err(e) => {
            worker::console_error!("alerts of {site} not checked: {}", e.message);
            return;
        }
    };
    let busy = |survey: &str| {
        let mut alerts = config.alerts.iter().filter(|a| a.survey == survey).peekable();
        alerts.peek().is_some() && alerts.all(|a| recent.contains(&a.id))
    };
    let surveys: Vec<&str> = surveys.iter().map(String::as_str).filter(|s| !busy(s)).collect();
    if surveys.is_empty() {
        return;
    }
    if let Err(e) = check(env, site, config, Some(&surveys), now).await {
        worker::console_error!("alerts of {site} not checked: {}", e.message);
    }
}

/// The site's alerts whose windows were busy when judged, less than
/// [`BUSY_EVERY_MS`] before `now`.
async fn recently_judged(env: &Env, site: &str, now: u64) -> ApiResult<Vec<String>> {
    #[derive(Deserialize)]
    struct Recent {
        alert: String,
    }
    let since = now.saturating_sub(BUSY_EVERY_MS) as f64;
    let rows: Vec<Recent> = db(env)?
        .prepare(
            "SELECT alert FROM alert_states WHERE site = ?1 AND checked_at > ?2 \
             AND ifnull(responses, 0) + ifnull(impressions, 0) >= ?3",
        )
        .bind(&[site.into(), since.into(), BUSY_WINDOW.into()])?
        .all()
        .await?
        .results()?;
    Ok(rows.into_iter().map(|r| r.alert).collect())
}

/// `GET /v1/sites/{site}/alerts`: each configured alert and where it
/// stands (`state` is null until its window first has enough answers).
pub async fn get(req: &Request, env: &Env, site: &str) -> ApiResult<Response> {
    site_id(site)?;
    require_site(req, env, site).await?;
    let config = store::site(env, site).await?.ok_or_else(ApiError::unknown_site)?;
    #[derive(Deserialize)]
    struct Row {
        alert: String,
        state: String,
        changed_at: f64,
        score: Option<f64>,
        responses: Option<f64>,
        impressions: Option<f64>,
        checked_at: Option<f64>,
    }
    let rows: Vec<Row> = db(env)?
        .prepare(
            "SELECT alert, state, changed_at, score, responses, impressions, checked_at FROM alert_states \
             WHERE site = ?1",
        )
        .bind(&[site.into()])?
        .all()
        .await?
        .results()?;
    let list: Vec<_> = config
        .alerts
        .iter()
        .map(|a| {
            let row = rows.iter().find(|r| r.alert == a.id);
            let judged = row.filter(|r| r.checked_at.is_some());
            json!({"id": a.id, "survey": a.survey, "measure": a.measure.as_str(), "below": a.below, "above": a.above,
                "recovery": a.recovery, "days": a.days, "min_responses": a.min_responses,
                "state": judged.and_then(|r| State::parse(&r.state)).map(State::as_str),
                "since": judged.map(|r| r.changed_at as u64),
                "score": judged.and_then(|r| r.score), "responses": judged.and_then(|r| r.responses.map(|n| n as u64)),
                "impressions": judged.and_then(|r| r.impressions.map(|n| n as u64)),
                "checked_at": judged.and_then(|r| r.checked_at.map(|t| t as u64))})
        })
        .collect();
    Ok(json(&json!({"site": site, "alerts": list}), 200)?)
}
