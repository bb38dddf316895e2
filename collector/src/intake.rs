//! Queue-first durability (`INGEST_MODE = "queue"`): a validated batch is
//! sent whole to the `INGEST` queue and answered 202 once the queue has it;
//! this module's consumer writes the queued batches to D1 in one round trip
//! per consumer batch (idempotent upserts on `(site, id)`, the same comment
//! rule as the direct path), then hands new events to forwarding. Each
//! message is acked only after its events are stored and handed over, and
//! retried otherwise, so a message is never lost and a replay stores nothing
//! twice.

use std::collections::{BTreeMap, BTreeSet};

use touchpoint_core::queue::{batches, fit};
use touchpoint_core::{Event, SiteConfig};
use worker::{Date, Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder, RawMessage};

use crate::error::{ApiError, ApiResult};
use crate::forward;
use crate::store::{self, Accepted};

/// The producer binding of the ingest queue.
pub const QUEUE: &str = "INGEST";
/// Its queue name, which tells the consumer which handler a batch is for.
pub const QUEUE_NAME: &str = "touchpoint-ingest";
/// Longest wait before a retry, in seconds.
const MAX_RETRY_DELAY_S: u64 = 300;

/// Which durable step a 202 waits for: the D1 write or the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    D1,
    Queue,
}

impl Mode {
    /// The Worker var `INGEST_MODE`: `d1` (the default) or `queue`.
    pub fn of(env: &Env) -> Mode {
        match env.var("INGEST_MODE").map(|v| v.to_string()) {
            Ok(v) if v == "queue" => Mode::Queue,
            Ok(v) if v == "d1" => Mode::D1,
            Ok(v) => {
                worker::console_error!("INGEST_MODE {v:?} is neither d1 nor queue; using d1");
                Mode::D1
            }
            Err(_) => Mode::D1,
        }
    }
}

/// Hands an accepted batch to the ingest queue (as JSON text, so any u64
/// survives): one message, or several when it would be over the queue's
/// message size (comments full of quotes double when queued). A refusal is
/// a 503: the widget retries.
pub async fn send(env: &Env, accepted: &Accepted) -> ApiResult<()> {
    let encode = |events: &[Event]| {
        let part = Accepted { site: accepted.site.clone(), more: accepted.more.clone(), events: events.to_vec() };
        serde_json::to_string(&part).map_err(|_| ApiError::internal())
    };
    let queue = env.queue(QUEUE)?;
    for batch in batches(fit(&accepted.events, &encode)?) {
        queue.send_batch(batch).await?;
    }
    Ok(())
}

/// The ingest queue's consumer: every message is acked or retried.
pub async fn consume<T>(batch: &MessageBatch<T>, env: &Env) {
    let mut messages: Vec<(RawMessage, Accepted)> = Vec::new();
    for raw in batch.raw_iter() {
        match raw.body().as_string().map(|s| serde_json::from_str::<Accepted>(&s)) {
            Some(Ok(accepted)) => messages.push((raw, accepted)),
            _ => {
                // Only this Worker writes to the queue: an unreadable message
                // is a bug, and retrying it cannot help.
                worker::console_error!("unreadable ingest message {}; dropped", raw.id());
                raw.ack();
            }
        }
    }
    if messages.is_empty() {
        return;
    }
    let configs = match site_configs(env, &messages).await {
        Ok(c) => c,
        Err(_) => return retry_all(&messages),
    };
    let forwards =
        |a: &Accepted| configs.get(a.site.as_str()).and_then(Option::as_ref).is_some_and(|c| !c.webhooks.is_empty());
    let plan: Vec<(&Accepted, bool)> = messages.iter().map(|(_, a)| (a, forwards(a))).collect();
    let written = match store::write(env, &plan).await {
        Ok(w) => w,
        Err(_) => return retry_all(&messages),
    };
    // A replayed batch may sit in this consumer batch several times: each
    // copy saw the same unforwarded ids, so only the first hands them over.
    let mut handed: BTreeSet<(&str, String)> = BTreeSet::new();
    for ((raw, accepted), w) in messages.iter().zip(written) {
        let site = accepted.site.as_str();
        let pending: Vec<String> =
            w.unforwarded.into_iter().filter(|id| !handed.contains(&(site, id.clone()))).collect();
        let result = match configs.get(site).and_then(Option::as_ref) {
            Some(config) => forward::hand_off(env, site, config, &accepted.events, &pending).await,
            None => Ok(()),
        };
        match result {
            Ok(()) => {
                handed.extend(pending.into_iter().map(|id| (site, id)));
                raw.ack()
            }
            Err(_) => retry(raw),
        }
    }
    // Stored: now the alerts of the surveys that got answers are judged.
    for (site, config) in
        configs.iter().filter_map(|(s, c)| c.as_ref().filter(|c| !c.alerts.is_empty()).map(|c| (*s, c)))
    {
        let of_site = messages.iter().filter(|(_, a)| a.site == site).flat_map(|(_, a)| &a.events);
        crate::alerts::after_write(env, site, config, &crate::alerts::touched(config, of_site)).await;
    }
}

/// The configuration of each site in the batch (`None`: the site is gone,
/// its events are still stored but not forwarded).
async fn site_configs<'a>(
    env: &Env,
    messages: &'a [(RawMessage, Accepted)],
) -> ApiResult<BTreeMap<&'a str, Option<SiteConfig>>> {
    let mut configs = BTreeMap::new();
    for (_, accepted) in messages {
        if !configs.contains_key(accepted.site.as_str()) {
            configs.insert(accepted.site.as_str(), store::site(env, &accepted.site).await?);
        }
    }
    Ok(configs)
}

fn retry_all(messages: &[(RawMessage, Accepted)]) {
    for (raw, _) in messages {
        retry(raw);
    }
}

/// Retries with a delay that doubles with the message's age (1 s to 5 min).
fn retry(raw: &RawMessage) {
    let age_s = Date::now().as_millis().saturating_sub(raw.timestamp().as_millis()) / 1000;
    let delay = age_s.clamp(1, MAX_RETRY_DELAY_S) as u32;
    raw.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(delay).build());
}
