//! Webhook signatures. Each delivery carries `X-Touchpoint-Timestamp`
//! (Unix seconds) and `X-Touchpoint-Signature: v1=<hex>`, where hex is the
//! HMAC-SHA256, keyed with the webhook's secret, of `"<timestamp>.<body>"`.
//! Receivers recompute it, compare in constant time, and reject timestamps
//! older than a few minutes (replays).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The `X-Touchpoint-Signature` value for a delivery.
pub fn signature(secret: &str, timestamp: u64, body: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(crate::wire::decimal(timestamp).as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let mut out = String::from("v1=");
    crate::wire::hex(&mut out, &mac.finalize().into_bytes());
    out
}

/// Cloudflare Queues' limits, with room to spare: a message holds at most
/// 128 KB, one `sendBatch` at most 100 messages and 256 KB.
pub const MAX_MESSAGE_BYTES: usize = 112 * 1024;
pub const MAX_BATCH_BYTES: usize = 224 * 1024;
pub const MAX_BATCH_MESSAGES: usize = 100;

/// The size a queued text message counts for: workers-rs sends it as JSON,
/// so the queue counts the UTF-8 of the text as a JSON string, quoted, with
/// each `"` and `\` escaped. (Deliveries are JSON text, so they hold no raw
/// control characters, which would be escaped too.)
pub fn queued_size(text: &str) -> usize {
    text.len() + 2 + text.bytes().filter(|b| matches!(b, b'"' | b'\\')).count()
}

/// `messages` grouped, in order, into `sendBatch` calls within the queue's
/// limits ([`MAX_BATCH_MESSAGES`], [`MAX_BATCH_BYTES`] by [`queued_size`]).
pub fn batches(messages: Vec<String>) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut bytes = 0;
    for m in messages {
        let size = queued_size(&m);
        match out.last_mut() {
            Some(batch) if batch.len() < MAX_BATCH_MESSAGES && bytes + size <= MAX_BATCH_BYTES => {
                bytes += size;
                batch.push(m);
            }
            _ => {
                bytes = size;
                out.push(vec![m]);
            }
        }
    }
    out
}
