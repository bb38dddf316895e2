//! The widget's outbox policy, pure: what is kept when storage is full,
//! what goes in the next batch, how long to wait before a retry, and what a
//! collector answer means for the events that were sent.
//!
//! Bounds: at most [`MAX_EVENTS`] events are kept. When full, the oldest
//! impression is dropped first, then the oldest dismiss; responses are never
//! dropped (the outbox may exceed the bound with responses alone). A batch
//! holds at most [`MAX_EVENTS_PER_BATCH`] events and [`MAX_BATCH_BYTES`]
//! bytes of JSON, below the collector's body limit.

use crate::event::{Event, EventKind};
use crate::limits::{MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH};
use crate::wire;

/// Events kept before the oldest impressions and dismisses are dropped.
pub const MAX_EVENTS: usize = 100;
/// Largest batch body the widget sends, in bytes.
pub const MAX_BATCH_BYTES: usize = MAX_BODY_BYTES - 4 * 1024;
/// First retry delay, in ms; doubles per attempt.
pub const BASE_DELAY_MS: u32 = 1_000;
/// Longest wait between retries, in ms.
pub const MAX_DELAY_MS: u32 = 5 * 60 * 1_000;

/// One queued event, as it will be sent: its wire JSON, with the id and
/// kind the outbox decides by. Kept as text, so a stored outbox is sent as
/// it was written, without being read back into an [`Event`].
#[derive(Clone, Debug, PartialEq)]
pub struct Queued {
    pub id: String,
    pub kind: EventKind,
    /// The event as [`wire::event`] writes it.
    pub json: String,
}

impl From<&Event> for Queued {
    fn from(e: &Event) -> Self {
        Queued { id: e.id.clone(), kind: e.kind, json: wire::event_json(e) }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outbox {
    pub events: Vec<Queued>,
}

impl Outbox {
    /// Queues an event. An event whose id is already queued replaces it (a
    /// response's comment update supersedes the score-only version).
    pub fn push(&mut self, event: Queued) {
        if let Some(old) = self.events.iter_mut().find(|e| e.id == event.id) {
            *old = event;
            return;
        }
        self.events.push(event);
        while self.events.len() > MAX_EVENTS {
            let victim = [EventKind::Impression, EventKind::Dismiss]
                .iter()
                .find_map(|kind| self.events.iter().position(|e| e.kind == *kind));
            match victim {
                Some(i) => {
                    self.events.remove(i);
                }
                None => break, // only responses left: never dropped
            }
        }
    }

    /// The next batch: the oldest events, within the batch limits.
    pub fn next_batch(&self, site: &str) -> &[Queued] {
        let mut bytes = wire::batch_of(site, []).len();
        let mut n = 0;
        for e in self.events.iter().take(MAX_EVENTS_PER_BATCH) {
            if n > 0 && bytes + e.json.len() + 1 > MAX_BATCH_BYTES {
                break;
            }
            bytes += e.json.len() + 1;
            n += 1;
        }
        &self.events[..n]
    }

    /// Forgets the events that were sent (delivered, or refused for good).
    /// An event replaced since it was sent (a newer comment) is kept.
    pub fn remove(&mut self, sent: &[Queued]) {
        self.events.retain(|e| !sent.iter().any(|s| s == e));
    }
}

/// What the collector's answer to a batch means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Stored (or already stored); `rejected` are the batch positions the
    /// collector refused for good and that must not be sent again.
    Delivered { rejected: Vec<usize> },
    /// Not stored; retry the same events after at least this many ms.
    Retry { after_ms: Option<u32> },
    /// Refused for good as a whole (unknown site, origin not allowed...).
    Refused,
}

/// Classifies a collector answer. `rejected` comes from the body's
/// `rejected[].index`; `retry_after_s` from the `Retry-After` header.
pub fn classify(status: Option<u16>, rejected: Vec<usize>, retry_after_s: Option<u32>) -> Outcome {
    match status {
        Some(200..=299) => Outcome::Delivered { rejected },
        // A batch whose every event was invalid: drop exactly those.
        Some(400) if !rejected.is_empty() => Outcome::Delivered { rejected },
        Some(408 | 425 | 429) | Some(500..=599) | None => {
            Outcome::Retry { after_ms: retry_after_s.map(|s| s.saturating_mul(1000)) }
        }
        Some(_) => Outcome::Refused,
    }
}

/// Milliseconds to wait before retry number `attempt` (0-based):
/// exponential backoff with full jitter (`jitter` in 0.0..1.0), capped at
/// [`MAX_DELAY_MS`], and never sooner than the server's `Retry-After`.
pub fn backoff_ms(attempt: u32, retry_after_ms: Option<u32>, jitter: f64) -> u32 {
    let ceiling = BASE_DELAY_MS.saturating_mul(1u32 << attempt.min(16)).min(MAX_DELAY_MS);
    let jittered = (f64::from(ceiling) * jitter.clamp(0.0, 1.0)) as u32;
    jittered.max(BASE_DELAY_MS / 2).max(retry_after_ms.unwrap_or(0))
}
