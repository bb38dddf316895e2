//! Events on the wire: what the widget sends to `POST /v1/events`.

use serde::{Deserialize, Serialize};

use crate::map::VecMap;
use crate::metric::Metric;

/// What happened to a prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// The prompt was shown.
    Impression,
    /// The visitor answered (score, optional comment).
    Response,
    /// The visitor closed the prompt without answering.
    Dismiss,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Impression => "impression",
            EventKind::Response => "response",
            EventKind::Dismiss => "dismiss",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "impression" => Some(EventKind::Impression),
            "response" => Some(EventKind::Response),
            "dismiss" => Some(EventKind::Dismiss),
            _ => None,
        }
    }
}

/// One validated event. Every field is always present on the wire
/// (`score`/`comment` are `null` when they do not apply).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Client-generated unique id, kept across retries: the de-duplication key.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub survey: String,
    pub touchpoint: String,
    pub metric: Metric,
    /// CES only: the scale the question was asked on (5 or 7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<u8>,
    /// The answer; responses only.
    pub score: Option<u8>,
    /// The "why?" text; responses only.
    pub comment: Option<String>,
    /// Anonymous visitor id (random, kept in localStorage).
    pub visitor: String,
    /// Client clock, milliseconds since the Unix epoch.
    pub ts: u64,
    /// Page the prompt was shown on.
    pub url: String,
    /// Language the prompt was shown in.
    pub locale: String,
    /// The experiment the visitor is in (an id like a survey's), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment: Option<String>,
    /// The experiment's variant shown to the visitor (needs `experiment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Visitor segment attributes (`plan`, `returning`, `orders`...), flat.
    #[serde(default, skip_serializing_if = "VecMap::is_empty")]
    pub attributes: Attributes,
}

/// Segment attributes of a visitor: at most
/// [`MAX_ATTRIBUTES`](crate::limits::MAX_ATTRIBUTES) keys of 1-64 bytes of
/// `A-Za-z0-9_-`, each a string, a number or a boolean.
pub type Attributes = VecMap<String, AttrValue>;

/// One attribute value. Numbers are whole numbers within +-(2^53 - 1)
/// (what JavaScript holds exactly): writing fractions in the widget would
/// need float formatting, about 10 KB gzip of wasm (measured); send decimals
/// as strings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttrValue {
    Bool(bool),
    Number(i64),
    Text(String),
}

/// A batch as posted by the widget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub site: String,
    pub events: Vec<Event>,
}
