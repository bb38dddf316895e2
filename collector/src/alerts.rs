//! Threshold alerts (`touchpoint_core::alert`). After new answers are
//! stored, and at every sweep ([`crate::sweep`]) for the windows whose old
//! answers age out, each alert of the site is judged on its window. A
//! change of state is recorded in D1 by a conditional update, so of two
//! Workers that see the same change only one tells it, and is told to the
//! site's webhooks through the forwarding queue, signed and retried like
//! every delivery. `GET /v1/sites/{site}/alerts` shows where each alert
//! stands.

use serde::Deserialize;
use serde_json::json;
use touchpoint_core::alert::{Alert, Notice, State};
use touchpoint_core::stats::{Ces, Csat, Interval, Nps};
use touchpoint_core::{Metric, SiteConfig, Survey};
use wasm_bindgen::JsValue;
use worker::{Date, Env, Request, Response};

use crate::auth::require_site;
use crate::error::{ApiError, ApiResult};
use crate::forward::{self, Delivery};
use crate::http::{json, site_id};
use crate::store::{self, db};

/// What an alert's window holds: the score, its interval and how many answers.
struct Window {
    score: Option<f64>,
    interval: Option<Interval>,
    responses: u64,
}

/// Judges the alerts of `site` on surveys in `surveys` (all when `None`),
/// with windows ending at `now` (ms since 1970), and tells the webhooks of
/// every change; returns how many changed. A failure to queue the notices
/// undoes their changes, so the next check tells them again.
pub async fn check(env: &Env, site: &str, config: &SiteConfig, surveys: Option<&[&str]>, now: u64) -> ApiResult<usize> {
    let mut notices = Vec::new();
    let watched = config.alerts.iter().filter(|a| surveys.is_none_or(|s| s.contains(&a.survey.as_str())));
    for alert in watched {
        let Some(survey) = config.survey(&alert.survey) else { continue };
        let w = window(env, site, survey, alert.window_start(now)).await?;
        let Some(state) = alert.judge(w.score, w.responses) else { continue };
        if change(env, site, alert, state, &w, now).await? {
            notices.push(Notice {
                alert: alert.id.clone(),
                survey: alert.survey.clone(),
                metric: survey.metric,
                status: state.into(),
                score: w.score.unwrap_or_default(),
                interval: w.interval,
                responses: w.responses,
                below: alert.below,
                above: alert.above,
                days: alert.days,
                at: now,
            });
        }
    }
    if notices.is_empty() {
        return Ok(0);
    }
    if let Err(e) = tell(env, site, config, &notices).await {
        for n in &notices {
            let state = if n.status == touchpoint_core::alert::Status::Firing { State::Firing } else { State::Ok };
            let _ = undo(env, site, &n.alert, state).await;
        }
        return Err(e);
    }
    Ok(notices.len())
}

/// The survey's answers received since `from`: its score (NPS, CSAT % or
/// the CES mean on the survey's scale) and how many.
async fn window(env: &Env, site: &str, survey: &Survey, from: u64) -> ApiResult<Window> {
    #[derive(Deserialize)]
    struct Count {
        score: f64,
        n: f64,
    }
    let scale = survey.answer_scale();
    let rows: Vec<Count> = db(env)?
        .prepare(
            "SELECT score, COUNT(*) AS n FROM events WHERE site = ?1 AND survey = ?2 AND metric = ?3 \
             AND type = 'response' AND score IS NOT NULL AND (?4 IS NULL OR scale = ?4) AND received_at >= ?5 \
             GROUP BY score",
        )
        .bind(&[
            site.into(),
            survey.id.as_str().into(),
            survey.metric.as_str().into(),
            scale.map_or(JsValue::NULL, |s| f64::from(s).into()),
            (from as f64).into(),
        ])?
        .all()
        .await?
        .results()?;
    let counts = rows.iter().map(|r| (r.score as i64, r.n as u64));
    Ok(match survey.metric {
        Metric::Nps => {
            let t = Nps::from_counts(counts);
            Window { score: t.score(), interval: t.interval(), responses: t.responses }
        }
        Metric::Csat => {
            let t = Csat::from_counts(counts);
            Window { score: t.score(), interval: t.interval(), responses: t.responses }
        }
        Metric::Ces => {
            let t = Ces::from_counts(scale, counts);
            Window { score: t.mean(), interval: t.mean_interval(), responses: t.responses }
        }
    })
}

/// Records the judgement; true when the alert's state changed (an alert
/// never judged before starts `ok`, so a first `ok` is no change).
async fn change(env: &Env, site: &str, alert: &Alert, state: State, w: &Window, now: u64) -> ApiResult<bool> {
    let db = db(env)?;
    let (site, id, state, now) = (JsValue::from(site), JsValue::from(alert.id.as_str()), state.as_str(), now as f64);
    let statements = vec![
        db.prepare("INSERT OR IGNORE INTO alert_states (site, alert, state, changed_at) VALUES (?1, ?2, 'ok', ?3)")
            .bind(&[site.clone(), id.clone(), now.into()])?,
        db.prepare(
            "UPDATE alert_states SET state = ?3, changed_at = ?4 WHERE site = ?1 AND alert = ?2 AND state <> ?3 \
             RETURNING state",
        )
        .bind(&[site.clone(), id.clone(), state.into(), now.into()])?,
        db.prepare(
            "UPDATE alert_states SET score = ?3, responses = ?4, checked_at = ?5 WHERE site = ?1 AND alert = ?2",
        )
        .bind(&[
            site,
            id,
            w.score.map_or(JsValue::NULL, Into::into),
            (w.responses as f64).into(),
            now.into(),
        ])?,
    ];
    let results = db.batch(statements).await?;
    let changed = results.get(1).map(|r| r.results::<serde_json::Value>()).transpose()?.is_some_and(|r| !r.is_empty());
    Ok(changed)
}

/// Puts an alert whose notice could not be queued back to where it was.
async fn undo(env: &Env, site: &str, alert: &str, told: State) -> ApiResult<()> {
    let before = if told == State::Firing { State::Ok } else { State::Firing };
    db(env)?
        .prepare("UPDATE alert_states SET state = ?3 WHERE site = ?1 AND alert = ?2 AND state = ?4")
        .bind(&[site.into(), alert.into(), before.as_str().into(), told.as_str().into()])?
        .run()
        .await?;
    Ok(())
}

/// Queues the notices to every webhook that takes them.
async fn tell(env: &Env, site: &str, config: &SiteConfig, notices: &[Notice]) -> ApiResult<()> {
    let queue = env.queue(forward::QUEUE)?;
    for hook in &config.webhooks {
        let alerts: Vec<Notice> = notices.iter().filter(|n| hook.only.admits_notice(n)).cloned().collect();
        if !alerts.is_empty() {
            let delivery = Delivery { site: site.to_owned(), url: hook.url.clone(), events: Vec::new(), alerts };
            queue.send(forward::encode(&delivery)?).await?;
        }
    }
    Ok(())
}

/// Checks after a write, never failing it: the answers are stored, and an
/// alert that could not be judged now is judged with the next answer or
/// the next sweep.
pub async fn after_write(env: &Env, site: &str, config: &SiteConfig, events: &[touchpoint_core::Event]) {
    let mut surveys: Vec<&str> = Vec::new();
    for e in events.iter().filter(|e| e.score.is_some()) {
        if !surveys.contains(&e.survey.as_str()) && config.alerts.iter().any(|a| a.survey == e.survey) {
            surveys.push(&e.survey);
        }
    }
    if surveys.is_empty() {
        return;
    }
    if let Err(e) = check(env, site, config, Some(&surveys), Date::now().as_millis()).await {
        worker::console_error!("alerts of {site} not checked: {}", e.message);
    }
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
        checked_at: Option<f64>,
    }
    let rows: Vec<Row> = db(env)?
        .prepare("SELECT alert, state, changed_at, score, responses, checked_at FROM alert_states WHERE site = ?1")
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
            json!({"id": a.id, "survey": a.survey, "below": a.below, "above": a.above, "days": a.days,
                "min_responses": a.min_responses,
                "state": judged.and_then(|r| State::parse(&r.state)).map(State::as_str),
                "since": judged.map(|r| r.changed_at as u64),
                "score": judged.and_then(|r| r.score), "responses": judged.and_then(|r| r.responses.map(|n| n as u64)),
                "checked_at": judged.and_then(|r| r.checked_at.map(|t| t as u64))})
        })
        .collect();
    Ok(json(&json!({"site": site, "alerts": list}), 200)?)
}
