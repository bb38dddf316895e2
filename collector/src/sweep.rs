//! The cron trigger's sweep (`[triggers]` in wrangler.toml, every 15
//! minutes), for every site that asks for one: events older than its
//! `retention_days` are deleted, then its threshold alerts are judged again
//! (a window whose old answers age out can cross a line without a new
//! answer).

use worker::Env;

use crate::alerts;
use crate::error::ApiResult;
use crate::store::{self, db};

const DAY_MS: u64 = 24 * 60 * 60 * 1000;
/// The cron's period (wrangler.toml).
const SWEEP_MS: u64 = 15 * 60 * 1000;
/// Events deleted by one statement: each stays short (a D1 statement may
/// run 30 s at most).
const PURGE_CHUNK: usize = 5_000;
/// Statements one sweep spends on a site's events; a longer backlog goes
/// on at the next sweep (an invocation has a bounded number of queries).
const PURGE_ROUNDS: usize = 10;

/// Sweeps every site with a retention or alerts, as of `now` (ms, the
/// cron's scheduled time). A site that fails is logged and the others go on.
pub async fn run(env: &Env, now: u64) {
    let mut sites = match store::sites_to_sweep(env).await {
        Ok(s) => s,
        Err(e) => return worker::console_error!("sweep: sites not read: {}", e.message),
    };
    // Each sweep starts with another site: when an invocation's query
    // budget runs out partway, the same sites are not always the ones left.
    if !sites.is_empty() {
        let turn = (now / SWEEP_MS) as usize % sites.len();
        sites.rotate_left(turn);
    }
    for (site, config) in sites {
        if let Some(days) = config.retention_days {
            match purge(env, &site, now.saturating_sub(u64::from(days) * DAY_MS)).await {
                Ok(0) => {}
                Ok(n) => worker::console_log!("retention: {n} events of {site} older than {days} days deleted"),
                Err(e) => worker::console_error!("retention: {site} not swept: {}", e.message),
            }
        }
        if !config.alerts.is_empty() {
            if let Err(e) = alerts::check(env, &site, &config, None, now).await {
                worker::console_error!("sweep: alerts of {site} not checked: {}", e.message);
            }
        }
    }
}

/// Deletes what `site` keeps from before `cutoff` (ms): its events, then
/// its dead letters and daily bot counts. Returns how many events.
async fn purge(env: &Env, site: &str, cutoff: u64) -> ApiResult<usize> {
    let db = db(env)?;
    let (site, cutoff) = (wasm_bindgen::JsValue::from(site), cutoff as f64);
    let mut deleted = 0;
    for _ in 0..PURGE_ROUNDS {
        let result = db
            .prepare(format!(
                "DELETE FROM events WHERE site = ?1 AND id IN \
                 (SELECT id FROM events WHERE site = ?1 AND received_at < ?2 LIMIT {PURGE_CHUNK})"
            ))
            .bind(&[site.clone(), cutoff.into()])?
            .run()
            .await?;
        let n = result.meta()?.and_then(|m| m.changes).unwrap_or(0);
        deleted += n;
        if n < PURGE_CHUNK {
            break;
        }
    }
    db.batch(vec![
        db.prepare("DELETE FROM dead_letters WHERE site = ?1 AND failed_at < ?2")
            .bind(&[site.clone(), cutoff.into()])?,
        db.prepare("DELETE FROM bot_hits WHERE site = ?1 AND day < date(?2 / 1000, 'unixepoch')")
            .bind(&[site, cutoff.into()])?,
    ])
    .await?;
    Ok(deleted)
}
