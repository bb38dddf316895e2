//! Threshold alerts: the closed loop's "tell me when it drops". An alert
//! watches one survey's score over a rolling window (the last `days` days)
//! and, once the window holds at least `min_responses` answers, is either
//! `ok` or `firing` (the score is below `below` or above `above`). The
//! collector keeps each alert's state and tells the site's webhooks when
//! it changes: `firing` when the score crosses the line, `resolved` when
//! it is back. Too few answers decide nothing: the state stays as it was.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, FieldError};
use crate::metric::Metric;
use crate::stats::Interval;
use crate::validate::is_id;

/// Most alerts per site.
pub const MAX_ALERTS: usize = 20;
/// The longest window, in days.
pub const MAX_DAYS: u32 = 90;
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// A threshold on a survey's score, as configured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    /// Unique within the site.
    pub id: String,
    /// The survey whose score is watched: NPS (-100 to 100), CSAT (% 0 to
    /// 100) or the CES mean (1 to the scale's top; higher is harder).
    pub survey: String,
    /// Fires when the score is below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
    /// Fires when the score is above this (a CES mean: "too hard").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<f64>,
    /// The rolling window, 1 to 90 days.
    #[serde(default = "default_days")]
    pub days: u32,
    /// Fewest answers in the window for the alert to judge.
    #[serde(default = "default_min_responses")]
    pub min_responses: u32,
}

fn default_days() -> u32 {
    7
}

fn default_min_responses() -> u32 {
    20
}

/// Where an alert stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Ok,
    Firing,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Firing => "firing",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        match s {
            "ok" => Some(State::Ok),
            "firing" => Some(State::Firing),
            _ => None,
        }
    }
}

impl Alert {
    /// The state the window's figures call for; `None` when there are too
    /// few answers to say (the state then stays as it was).
    pub fn judge(&self, score: Option<f64>, responses: u64) -> Option<State> {
        let score = score.filter(|_| responses >= u64::from(self.min_responses))?;
        let low = self.below.is_some_and(|b| score < b);
        let high = self.above.is_some_and(|a| score > a);
        Some(if low || high { State::Firing } else { State::Ok })
    }

    /// Where the window starts, for a read at `now_ms` (ms since 1970).
    pub fn window_start(&self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(u64::from(self.days) * DAY_MS)
    }

    /// Checks this alert of a site whose surveys are `surveys` (id, metric,
    /// scale of its answers); problems are named `{path}.field`.
    pub fn validate(&self, path: &str, surveys: &[(&str, Metric, Option<u8>)], errors: &mut Vec<FieldError>) {
        let mut bad = |field: &str, message: String| {
            errors.push(FieldError::new(ErrorCode::InvalidValue, format!("{path}{field}"), message));
        };
        if !is_id(&self.id) {
            bad(".id", "1-64 characters of a-z, A-Z, 0-9, '-', '_'".into());
        }
        match surveys.iter().find(|(id, _, _)| *id == self.survey) {
            None => bad(".survey", "no survey of this site has this id".into()),
            Some((_, metric, scale)) => {
                let (low, high) = match metric {
                    Metric::Nps => (-100.0, 100.0),
                    Metric::Csat => (0.0, 100.0),
                    Metric::Ces => (1.0, f64::from(scale.unwrap_or(crate::metric::DEFAULT_CES_SCALE))),
                };
                for (field, value) in [(".below", self.below), (".above", self.above)] {
                    if value.is_some_and(|v| !(low..=high).contains(&v)) {
                        bad(field, format!("a {} score, {low} to {high}", metric.as_str().to_uppercase()));
                    }
                }
            }
        }
        match (self.below, self.above) {
            (None, None) => bad("", "give `below`, `above` or both".into()),
            (Some(b), Some(a)) if b > a => {
                bad(".below", "above `above`: every score would fire; swap them or drop one".into())
            }
            _ => {}
        }
        if !(1..=MAX_DAYS).contains(&self.days) {
            bad(".days", format!("1 to {MAX_DAYS}"));
        }
        if !(1..=100_000).contains(&self.min_responses) {
            bad(".min_responses", "1 to 100000".into());
        }
    }
}

/// What a webhook hears when an alert changes state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// The alert's id.
    pub alert: String,
    pub survey: String,
    pub metric: Metric,
    /// `firing` or `resolved`.
    pub status: Status,
    /// The window's score (NPS, CSAT % or CES mean) and its 95% interval.
    pub score: f64,
    pub interval: Option<Interval>,
    /// Answers in the window.
    pub responses: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<f64>,
    pub days: u32,
    /// When the change was seen, ms since 1970.
    pub at: u64,
}

/// A state change as told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Firing,
    Resolved,
}

impl From<State> for Status {
    fn from(s: State) -> Status {
        match s {
            State::Firing => Status::Firing,
            State::Ok => Status::Resolved,
        }
    }
}

impl From<Status> for State {
    fn from(s: Status) -> State {
        match s {
            Status::Firing => State::Firing,
            Status::Resolved => State::Ok,
        }
    }
}
