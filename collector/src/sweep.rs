//! The cron trigger's sweep (`[triggers]` in wrangler.toml, every 15
//! minutes), for every site that asks for one: events older than its
//! `retention_days` are deleted, then its threshold alerts are judged again
//! (a window whose old answers age out can cross a line without a new
//! answer). A sweep makes at most a budget of D1 queries (an invocation's
//! are limited) and the next one goes on where it stopped.

use touchpoint_core::SiteConfig;
use worker::Env;

use crate::alerts;
use crate::error::ApiResult;
use crate::store::{self, db};

const DAY_MS: u64 = 24 * 60 * 60 * 1000;
/// Events deleted by one statement: each stays short (a D1 statement may
/// run 30 s at most).
const PURGE_CHUNK: usize = 5_000;
/// Statements one sweep spends on a site's events; a longer backlog goes
/// on at the next sweep.
const PURGE_ROUNDS: usize = 10;
/// D1 queries one sweep may make, unless the Worker var
/// `SWEEP_QUERY_BUDGET` says otherwise: an invocation may make 50 on the
/// Workers Free plan (1000 on Paid), and a few are kept in reserve.
const DEFAULT_BUDGET: usize = 45;
/// Spent whatever happens: reading the sites, reading and writing where
/// the sweep starts.
const OVERHEAD: usize = 3;

/// The most D1 queries a site's sweep makes.
fn cost(config: &SiteConfig) -> usize {
    let retention = if config.retention_days.is_some() { PURGE_ROUNDS + 1 } else { 0 };
    retention + alerts::queries(config)
}

/// Sweeps the sites with a retention or alerts, as of `now` (ms, the
/// cron's scheduled time), in the order of their ids from where the last
/// sweep stopped, as many as the query budget allows (always one); the
/// next sweep goes on from the first one left, so every site is swept
/// however many there are. A site that fails is logged and the others go
/// on.
pub async fn run(env: &Env, now: u64) {
    let budget = env
        .var("SWEEP_QUERY_BUDGET")
        .ok()
        .and_then(|v| v.to_string().parse::<usize>().ok())
        .filter(|b| *b > 0)
        .unwrap_or(DEFAULT_BUDGET);
    let mut sites = match store::sites_to_sweep(env).await {
        Ok(s) => s,
        Err(e) => return worker::console_error!("sweep: sites not read: {}", e.message),
    };
    let start = match store::sweep_start(env).await {
        Ok(start) => start,
        Err(e) => {
            worker::console_error!("sweep: where to start not read ({}); starting with the first site", e.message);
            None
        }
    };
    // From the first site at or after where the last sweep stopped (that
    // site itself may be gone), round to the one before.
    let first = start.map_or(0, |start| sites.iter().position(|(id, _)| *id >= start).unwrap_or(0));
    sites.rotate_left(first);
    let mut spent = OVERHEAD;
    let mut next: Option<String> = None;
    for (i, (site, config)) in sites.iter().enumerate() {
        let cost = cost(config);
        if i > 0 && spent + cost > budget {
            worker::console_log!("sweep: query budget spent; {} sites left for the next sweep", sites.len() - i);
            next = Some(site.clone());
            break;
        }
        spent += cost;
        if let Some(days) = config.retention_days {
            match purge(env, site, now.saturating_sub(u64::from(days) * DAY_MS)).await {
                Ok(0) => {}
                Ok(n) => worker::console_log!("retention: {n} events of {site} older than {days} days deleted"),
                Err(e) => worker::console_error!("retention: {site} not swept: {}", e.message),
            }
        }
        if !config.alerts.is_empty() {
            if let Err(e) = alerts::check(env, site, config, None, now).await {
                worker::console_error!("sweep: alerts of {site} not checked: {}", e.message);
            }
        }
    }
    if let Err(e) = store::set_sweep_start(env, next.as_deref()).await {
        worker::console_error!("sweep: where to start next not recorded: {}", e.message);
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
