//! The persistent outbox: every event is written to localStorage before it
//! is sent, sent in batches, retried with backoff (honouring `Retry-After`),
//! resent from the next page of the site after a reload or navigation, and
//! beaconed when the page is hidden or left. Event ids never change, so the
//! collector's de-duplication turns at-least-once delivery into
//! exactly-once storage. The policy (bounds, batches, timing, what an answer
//! means) is `touchpoint_core::outbox`; this module is the browser edge.

use std::cell::RefCell;

use gloo::events::EventListener;
use gloo::timers::callback::Timeout;
use js_sys::{Array, JSON};
use touchpoint_core::event::EventKind;
use touchpoint_core::outbox::{backoff_ms, classify, Outbox, Outcome, Queued};
use touchpoint_core::wire;
use wasm_bindgen::JsCast;

use crate::dom::{after, document, prop_str, soon, warn, window};
use crate::transport;
use crate::visitor::storage;

struct Sender {
    site: String,
    url: String,
    key: String,
    /// Used when localStorage is unavailable (private mode, quota).
    memory: Outbox,
    attempt: u32,
    in_flight: bool,
    timer: Option<Timeout>,
    _listeners: [EventListener; 2],
}

thread_local! {
    static SENDER: RefCell<Option<Sender>> = const { RefCell::new(None) };
}

/// Starts the outbox for a site and sends whatever earlier pages left.
pub fn init(site: &str, collector: &str) {
    let mut url = String::from(collector);
    url.push_str("/v1/events");
    let mut key = String::from("touchpoint:v1:outbox:");
    key.push_str(site);
    let listeners = [
        EventListener::new(&window(), "pagehide", |_| beacon()),
        EventListener::new(&document(), "visibilitychange", |_| {
            if prop_str(&document(), "visibilityState").as_deref() == Some("hidden") {
                beacon();
            }
        }),
    ];
    SENDER.with(|s| {
        *s.borrow_mut() = Some(Sender {
            site: site.to_owned(),
            url,
            key,
            memory: Outbox::default(),
            attempt: 0,
            in_flight: false,
            timer: None,
            _listeners: listeners,
        })
    });
    flush();
}

/// Queues one event (its wire JSON) durably, then tries to send.
pub fn enqueue(queued: Queued) {
    update(|o| o.push(queued));
    flush();
}

/// Drops every queued event, stored and in memory (consent withdrawn).
pub fn clear() {
    SENDER.with(|s| {
        if let Some(sender) = s.borrow_mut().as_mut() {
            sender.memory = Outbox::default();
            sender.timer = None;
            if let Some(storage) = storage() {
                let _ = storage.remove_item(&sender.key);
            }
        }
    });
}

/// The stored outbox, read fresh (another tab may have written it), with
/// what could not be written to it (quota full, writes refused) on top: a
/// storage that can be read but not written must not hide those events.
fn load(sender: &mut Sender) -> Outbox {
    let stored = storage().and_then(|st| st.get_item(&sender.key).ok()).flatten();
    let mut outbox = read(stored.as_deref());
    for queued in sender.memory.events.iter().cloned() {
        outbox.push(queued);
    }
    outbox
}

/// The next batch to send, read without writing anything back.
fn next_batch() -> Option<(String, String, Vec<Queued>)> {
    SENDER.with(|s| {
        let mut guard = s.borrow_mut();
        let sender = guard.as_mut()?;
        let batch = load(sender).next_batch(&sender.site).to_vec();
        Some((sender.site.clone(), sender.url.clone(), batch))
    })
}

/// The request body for a batch.
fn body(site: &str, batch: &[Queued]) -> String {
    wire::batch_of(site, batch.iter().map(|e| e.json.as_str()))
}

/// Applies `f` to the stored outbox: read fresh, change, write back, all
/// within one task. An empty outbox is removed, not written: nothing stays
/// in the visitor's storage once everything is delivered, and a batch that
/// was in flight when consent was withdrawn cannot write the key back.
fn update<R>(f: impl FnOnce(&mut Outbox) -> R) -> Option<R> {
    SENDER.with(|s| {
        let mut guard = s.borrow_mut();
        let sender = guard.as_mut()?;
        let storage = storage();
        let mut outbox = load(sender);
        let result = f(&mut outbox);
        let saved = storage.is_some_and(|st| match outbox.events.is_empty() {
            true => st.remove_item(&sender.key).is_ok(),
            false => st.set_item(&sender.key, &write(&outbox)).is_ok(),
        });
        // Storage holds the truth whenever it works; the in-memory copy is
        // only for when it does not (so it cannot resurface stale events).
        sender.memory = if saved { Outbox::default() } else { outbox };
        Some(result)
    })
}

fn flush() {
    let idle = SENDER.with(|s| s.borrow().as_ref().is_some_and(|s| !s.in_flight && s.timer.is_none()));
    let Some((site, url, batch)) = next_batch().filter(|_| idle) else {
        return;
    };
    SENDER.with(|s| s.borrow_mut().as_mut().map(|s| s.in_flight = true));
    if batch.is_empty() {
        SENDER.with(|s| s.borrow_mut().as_mut().map(|s| s.in_flight = false));
        return;
    }
    transport::post(
        &url,
        &body(&site, &batch),
        Box::new(move |answer| {
            let outcome = classify(answer.status, answer.rejected, answer.retry_after_s);
            settle(outcome, &batch, answer.error.as_deref());
        }),
    );
}

fn settle(outcome: Outcome, batch: &[Queued], error: Option<&str>) {
    let retry = match outcome {
        Outcome::Delivered { rejected } => {
            for i in rejected {
                if let Some(e) = batch.get(i) {
                    let mut m = String::from("the collector refused an event and it was dropped: ");
                    m.push_str(error.unwrap_or(e.id.as_str()));
                    warn(&m);
                }
            }
            update(|o| o.remove(batch));
            None
        }
        Outcome::Refused => {
            let mut m = String::from("the collector refused a batch of events for good; they were dropped: ");
            m.push_str(error.unwrap_or(""));
            warn(&m);
            update(|o| o.remove(batch));
            None
        }
        Outcome::Retry { after_ms } => Some(after_ms),
    };
    let again = SENDER.with(|s| {
        let mut guard = s.borrow_mut();
        let sender = guard.as_mut()?;
        sender.in_flight = false;
        match retry {
            None => {
                sender.attempt = 0;
                Some(true)
            }
            Some(after_ms) => {
                let delay = backoff_ms(sender.attempt, after_ms, js_sys::Math::random());
                sender.attempt = sender.attempt.saturating_add(1);
                sender.timer = Some(after(
                    delay,
                    Box::new(|| {
                        // Not from inside the callback: clearing `timer` drops this
                        // very Timeout, so do it once the callback has returned.
                        soon(Box::new(|| {
                            SENDER.with(|s| s.borrow_mut().as_mut().map(|s| s.timer = None));
                            flush();
                        }));
                    }),
                ));
                Some(false)
            }
        }
    });
    if again == Some(true) {
        flush();
    }
}

/// The page is going away: hand the next batch to `sendBeacon`, which the
/// browser delivers after the page is gone. The events stay in the outbox
/// until a later fetch confirms them; a duplicate is harmless.
fn beacon() {
    let Some((site, url, batch)) = next_batch() else {
        return;
    };
    if !batch.is_empty() {
        let _ = window().navigator().send_beacon_with_opt_str(&url, Some(&body(&site, &batch)));
    }
}

fn write(outbox: &Outbox) -> String {
    let mut out = String::from("[");
    for (i, e) in outbox.events.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&e.json);
    }
    out.push(']');
    out
}

/// The stored outbox; an entry without a string id or a known type (old
/// format, corruption) is dropped rather than failing the whole page. The
/// rest is sent as stored: the collector validates every event, and answers
/// for one it refuses by its position in the batch.
fn read(stored: Option<&str>) -> Outbox {
    let mut events = Vec::new();
    if let Some(a) = stored.and_then(|s| JSON::parse(s).ok()).and_then(|v| v.dyn_into::<Array>().ok()) {
        for i in 0..a.length() {
            let item = a.get(i);
            let id = prop_str(&item, "id");
            let kind = prop_str(&item, "type").and_then(|t| EventKind::parse(&t));
            let json = JSON::stringify(&item).ok().and_then(|j| j.as_string());
            if let (Some(id), Some(kind), Some(json)) = (id, kind, json) {
                events.push(Queued { id, kind, json });
            }
        }
    }
    Outbox { events }
}
