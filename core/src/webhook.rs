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
