//! Cloudflare Queues' message and batch limits, and how the collector's
//! messages are measured and grouped to stay within them.

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

/// `items` encoded as messages within [`MAX_MESSAGE_BYTES`]: one message
/// when it fits, else the items split in halves until each part fits (a
/// single item is sent as it is).
pub fn fit<T, E>(items: &[T], encode: &dyn Fn(&[T]) -> Result<String, E>) -> Result<Vec<String>, E> {
    let text = encode(items)?;
    if queued_size(&text) <= MAX_MESSAGE_BYTES || items.len() < 2 {
        return Ok(vec![text]);
    }
    let (a, b) = items.split_at(items.len() / 2);
    let mut out = fit(a, encode)?;
    out.extend(fit(b, encode)?);
    Ok(out)
}
