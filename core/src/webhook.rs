//! Webhook deliveries: their signature and, for chat channels, their text.
//! Each delivery carries `X-Touchpoint-Timestamp`
//! (Unix seconds) and `X-Touchpoint-Signature: v1=<hex>`, where hex is the
//! HMAC-SHA256, keyed with the webhook's secret, of `"<timestamp>.<body>"`.
//! Receivers recompute it, compare in constant time, and reject timestamps
//! older than a few minutes (replays).

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::alert::{recovered, Measure, Notice, Status};
use crate::event::{Event, EventKind};
use crate::flow::Band;
use crate::metric::Metric;

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

/// How a webhook's deliveries are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `{"site", "events", "alerts"}`, for programs.
    #[default]
    Json,
    /// `{"text": "..."}`, a line per event or alert, for a chat channel's
    /// incoming webhook: Slack, and the Slack-compatible ones (Google
    /// Chat, Mattermost, Discord's `/slack` URLs).
    Slack,
}

/// Longest comment quoted in a chat line, in characters.
const CHAT_COMMENT_CHARS: usize = 300;

/// The chat message of a delivery: a line per event, then a line per
/// alert. Every text a visitor or a site wrote is escaped as Slack asks
/// (`&`, `<`, `>`), so a comment cannot mention `@channel` or hide a link.
pub fn chat_text(site: &str, events: &[Event], alerts: &[Notice]) -> String {
    let mut out = String::new();
    for e in events {
        line_start(&mut out, site);
        match (e.kind, e.score) {
            (EventKind::Response, Some(score)) => {
                let top = e.metric.top(e.scale);
                let band = Band::of(e.metric, e.scale, score).as_str();
                out.push_str(&format!("{} {score}/{top} ({band})", e.metric.as_str().to_uppercase()));
            }
            (kind, _) => out.push_str(kind.as_str()),
        }
        out.push_str(" · ");
        escape(&mut out, &e.survey);
        out.push_str(" at ");
        escape(&mut out, &e.touchpoint);
        if let Some(comment) = e.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            out.push_str(": “");
            let cut: String = comment.chars().take(CHAT_COMMENT_CHARS).collect();
            if cut.len() < comment.len() {
                escape(&mut out, cut.trim_end());
                out.push('…');
            } else {
                escape(&mut out, &cut);
            }
            out.push('”');
        }
    }
    for a in alerts {
        line_start(&mut out, site);
        let digits = if a.metric == Metric::Ces { 2 } else { 1 };
        let mut line = match (a.below, a.above) {
            (Some(b), Some(t)) => format!("below {b} or above {t}"),
            (Some(b), None) => format!("below {b}"),
            (None, Some(t)) => format!("above {t}"),
            (None, None) => String::new(),
        };
        if a.recovery > 0.0 {
            // To two decimals: 4.5 - 0.3 is not 4.2 in binary.
            let n = |x: f64| format!("{x:.2}").trim_end_matches('0').trim_end_matches('.').to_owned();
            line.push_str(&match recovered(a.below, a.above, a.recovery) {
                (Some(b), Some(t)) => format!(", resolves between {} and {}", n(b), n(t)),
                (Some(b), None) => format!(", resolves at {} or more", n(b)),
                (None, Some(t)) => format!(", resolves at {} or less", n(t)),
                (None, None) => String::new(),
            });
        }
        let (mark, status) = match a.status {
            Status::Firing => ("🚨", "firing"),
            Status::Resolved => ("✅", "resolved"),
        };
        out.push_str(&format!("{mark} Alert {} {status}: ", a.alert));
        escape(&mut out, &a.survey);
        let days = if a.days == 1 { "day".to_owned() } else { format!("{} days", a.days) };
        out.push_str(&match a.measure {
            Measure::Score => format!(
                " {} {:.digits$} over the last {days} ({} answers; fires when {line})",
                a.metric.as_str().to_uppercase(),
                a.score,
                a.responses
            ),
            Measure::ResponseRate => format!(
                " response rate {:.1}% over the last {days} ({} answers of {} impressions; fires when {line})",
                a.score, a.responses, a.impressions
            ),
            Measure::Impressions => {
                format!(" shown {} times over the last {days} (fires when {line})", a.impressions)
            }
        });
    }
    out
}

fn line_start(out: &mut String, site: &str) {
    if !out.is_empty() {
        out.push('\n');
    }
    out.push('[');
    escape(out, site);
    out.push_str("] ");
}

/// Slack's escaping of message text: `&`, `<` and `>` as entities.
fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}
