//! Forwarding: accepted events go through the `FORWARD` queue to every
//! webhook of their site, one message per webhook, signed with its secret
//! (`touchpoint_core::webhook`). A failed delivery is retried with a delay
//! that doubles with the message's age (1 s, 2 s, 4 s... at most 5 min);
//! after the queue's `max_retries` it lands in the dead-letter queue, whose
//! messages are stored in D1 for the admin API to list and replay.
//! The consumer acks or retries each message and never returns `Err`.

use serde::{Deserialize, Serialize};
use serde_json::json;
use touchpoint_core::alert::Notice;
use touchpoint_core::queue::{batches, fit};
use touchpoint_core::webhook::{chat_text, signature, Format};
use touchpoint_core::{Event, SiteConfig};
use worker::{
    Date, Env, Fetch, Headers, MessageBatch, MessageExt, Method, QueueRetryOptionsBuilder, RawMessage, Request,
    RequestInit,
};

use crate::error::{ApiError, ApiResult};
use crate::store::{self, DeadLetter};

pub const QUEUE: &str = "FORWARD";
const DEAD_LETTER_QUEUE: &str = "touchpoint-dead-letters";
/// Longest wait before a retry, in seconds.
const MAX_RETRY_DELAY_S: u64 = 300;

/// One delivery: these events (or alert notices), to this webhook of this
/// site.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Delivery {
    pub site: String,
    pub url: String,
    pub events: Vec<Event>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<Notice>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erasures: Vec<Erasure>,
}

/// A visitor whose stored events were erased: receivers delete their
/// copies too.
#[derive(Clone, Serialize, Deserialize)]
pub struct Erasure {
    pub visitor: String,
    /// When, ms since 1970.
    pub at: u64,
}

/// Tells every JSON webhook of `site` that takes events (it may hold
/// copies) that `visitor` was erased; returns how many were told. Chat
/// webhooks hold messages, not records: they are not told.
pub async fn tell_erasure(env: &Env, site: &str, config: &SiteConfig, visitor: &str) -> ApiResult<usize> {
    let erasure = Erasure { visitor: visitor.to_owned(), at: Date::now().as_millis() };
    let mut messages = Vec::new();
    for hook in config.webhooks.iter().filter(|h| h.format == Format::Json && h.only.admits_erasure()) {
        let (site, url, erasures) = (site.to_owned(), hook.url.clone(), vec![erasure.clone()]);
        messages.push(encode(&Delivery { site, url, erasures, ..Delivery::default() })?);
    }
    let told = messages.len();
    let queue = env.queue(QUEUE)?;
    for batch in batches(messages) {
        queue.send_batch(batch).await?;
    }
    Ok(told)
}

/// After a batch is stored: hands `unforwarded` (ids of the batch's events
/// not forwarded yet) to the queue, one message per webhook (more when they
/// would not fit one; none when its filter admits none of them), in as many
/// sends as the queue's limits need, then marks them.
/// Fails (so the client or the ingest queue retries) when the queue does not
/// take them; the retry then finds them still unforwarded. A failure to mark
/// after a successful send only means a later replay forwards them again,
/// which receivers absorb by event id.
pub async fn hand_off(
    env: &Env,
    site: &str,
    config: &SiteConfig,
    events: &[Event],
    unforwarded: &[String],
) -> ApiResult<()> {
    if config.webhooks.is_empty() || unforwarded.is_empty() {
        return Ok(());
    }
    // The last version of each pending event (a batch may repeat an id).
    let mut chosen: Vec<Event> = Vec::new();
    for e in events.iter().rev().filter(|e| unforwarded.contains(&e.id)) {
        if !chosen.iter().any(|c| c.id == e.id) {
            chosen.insert(0, e.clone());
        }
    }
    let mut messages = Vec::new();
    for hook in &config.webhooks {
        let wanted: Vec<Event> = chosen.iter().filter(|e| hook.only.admits(e)).cloned().collect();
        if wanted.is_empty() {
            continue;
        }
        let delivery = |events: &[Event]| {
            let events = events.to_vec();
            encode(&Delivery { site: site.to_owned(), url: hook.url.clone(), events, ..Delivery::default() })
        };
        messages.extend(fit(&wanted, &delivery)?);
    }
    let queue = env.queue(QUEUE)?;
    for batch in batches(messages) {
        queue.send_batch(batch).await?;
    }
    store::mark_forwarded(env, site, unforwarded).await
}

/// The queue handler for both the forwarding and the dead-letter queue.
pub async fn consume<T>(batch: &MessageBatch<T>, env: &Env) {
    let dead = batch.queue() == DEAD_LETTER_QUEUE;
    for message in batch.raw_iter() {
        let Some(delivery) = read(&message) else {
            worker::console_error!("unreadable delivery {}; dropped", message.id());
            message.ack();
            continue;
        };
        let result =
            if dead { store_dead_letter(env, &message.id(), &delivery).await } else { deliver(env, &delivery).await };
        match result {
            Ok(true) => message.ack(),
            Ok(false) | Err(_) => {
                let age_s = Date::now().as_millis().saturating_sub(message.timestamp().as_millis()) / 1000;
                let delay = age_s.clamp(1, MAX_RETRY_DELAY_S) as u32;
                message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(delay).build());
            }
        }
    }
}

/// Deliveries travel as JSON text: serde-wasm-bindgen would turn the events'
/// `attributes` map into a JS `Map`, which does not survive the queue.
pub(crate) fn encode(d: &Delivery) -> ApiResult<String> {
    serde_json::to_string(d).map_err(|_| ApiError::internal())
}

fn read(message: &RawMessage) -> Option<Delivery> {
    serde_json::from_str(&message.body().as_string()?).ok()
}

/// POSTs one delivery; `Ok(true)` when the receiver answered 2xx, or when
/// there is nothing left to deliver to (site or webhook removed).
async fn deliver(env: &Env, d: &Delivery) -> ApiResult<bool> {
    let Some(config) = store::site(env, &d.site).await? else { return Ok(true) };
    let Some(hook) = config.webhooks.iter().find(|h| h.url == d.url) else { return Ok(true) };
    let body = match hook.format {
        Format::Slack => json!({ "text": chat_text(&d.site, &d.events, &d.alerts) }),
        Format::Json => {
            let mut body = json!({"site": d.site, "events": d.events});
            if let Some(obj) = body.as_object_mut() {
                if !d.alerts.is_empty() {
                    obj.insert("alerts".into(), json!(d.alerts));
                }
                if !d.erasures.is_empty() {
                    obj.insert("erasures".into(), json!(d.erasures));
                }
            }
            body
        }
    }
    .to_string();
    let timestamp = Date::now().as_millis() / 1000;
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    headers.set("User-Agent", "Touchpoint-Webhook/1")?;
    headers.set("X-Touchpoint-Timestamp", &timestamp.to_string())?;
    headers.set("X-Touchpoint-Signature", &signature(&hook.secret, timestamp, &body))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
    let response = Fetch::Request(Request::new_with_init(&d.url, &init)?).send().await;
    match response {
        Ok(r) => Ok((200..300).contains(&r.status_code())),
        Err(e) => {
            worker::console_log!("webhook {} unreachable: {e}", d.url);
            Ok(false)
        }
    }
}

async fn store_dead_letter(env: &Env, id: &str, d: &Delivery) -> ApiResult<bool> {
    let events = serde_json::to_string(&d.events).map_err(|_| ApiError::internal())?;
    fn list<T: Serialize>(items: &[T]) -> ApiResult<Option<String>> {
        match items.is_empty() {
            true => Ok(None),
            false => serde_json::to_string(items).map(Some).map_err(|_| ApiError::internal()),
        }
    }
    let letter = DeadLetter {
        id: id.to_owned(),
        site: d.site.clone(),
        url: d.url.clone(),
        events,
        alerts: list(&d.alerts)?,
        erasures: list(&d.erasures)?,
        failed_at: Date::now().as_millis(),
    };
    store::add_dead_letter(env, &letter).await?;
    Ok(true)
}

/// Dead letters one replay sends again: one read, a few queue sends and one
/// delete, whatever a site has piled up (an invocation's subrequests are
/// limited); the caller repeats while some are left.
pub const REPLAY_CHUNK: u32 = 100;

/// Sends a site's oldest [`REPLAY_CHUNK`] dead letters through forwarding
/// again (they are deleted once queued); returns how many, and how many are
/// left.
pub async fn replay(env: &Env, site: &str) -> ApiResult<(usize, u64)> {
    let (letters, total) = store::dead_letters(env, site, REPLAY_CHUNK).await?;
    let mut messages = Vec::with_capacity(letters.len());
    for letter in &letters {
        fn list<T: serde::de::DeserializeOwned>(json: Option<&str>) -> ApiResult<Vec<T>> {
            json.map_or(Ok(Vec::new()), |j| serde_json::from_str(j).map_err(|_| ApiError::internal()))
        }
        let events: Vec<Event> = list(Some(&letter.events))?;
        let alerts: Vec<Notice> = list(letter.alerts.as_deref())?;
        let erasures: Vec<Erasure> = list(letter.erasures.as_deref())?;
        let (site, url) = (letter.site.clone(), letter.url.clone());
        messages.push(encode(&Delivery { site, url, events, alerts, erasures })?);
    }
    let queue = env.queue(QUEUE)?;
    for batch in batches(messages) {
        queue.send_batch(batch).await?;
    }
    let ids: Vec<&str> = letters.iter().map(|l| l.id.as_str()).collect();
    store::delete_dead_letters(env, site, &ids).await?;
    Ok((letters.len(), total.saturating_sub(letters.len() as u64)))
}
