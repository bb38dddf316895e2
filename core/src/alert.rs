//! Threshold alerts: the closed loop's "tell me when it drops". An alert
//! watches one survey over a rolling window (the last `days` days): its
//! score, its response rate or how often it was shown ([`Measure`]). Once
//! the window holds enough to judge, it is either `ok` or `firing` (the
//! figure is below `below` or above `above`). The collector keeps each
//! alert's state and tells the site's webhooks when it changes: `firing`
//! when the figure crosses the line, `resolved` when it is back. Too few
//! answers decide nothing: the state stays as it was.

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

/// What an alert watches in its survey's window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The survey's score: NPS (-100 to 100), CSAT (% 0 to 100) or the CES
    /// mean (1 to the scale's top; higher is harder). Judged from
    /// `min_responses` answers.
    #[default]
    Score,
    /// Responses per impression, in % (fewer people answering: the prompt
    /// tires them, or asks at the wrong moment). Judged from
    /// `min_responses` impressions.
    ResponseRate,
    /// How many times the prompt was shown: `below` catches a prompt that
    /// stopped showing (the embed removed, a rule gone wrong). Always
    /// judged.
    Impressions,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Score => "score",
            Measure::ResponseRate => "response_rate",
            Measure::Impressions => "impressions",
        }
    }

    fn is_score(&self) -> bool {
        *self == Measure::Score
    }
}

/// What a survey's window held.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Figures {
    /// The survey's score over its answers (`None` without any).
    pub score: Option<f64>,
    pub responses: u64,
    pub impressions: u64,
}

/// A threshold on a survey's score, response rate or impressions, as configured.
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
    /// Fewest answers in the window for the alert to judge a score
    /// (impressions, for a response rate).
    #[serde(default = "default_min_responses")]
    pub min_responses: u32,
    /// What is watched; the score when not given.
    #[serde(default, skip_serializing_if = "Measure::is_score")]
    pub measure: Measure,
    /// How far back inside the line(s) a firing alert's figure must come
    /// to resolve (in the figure's unit): a figure that wavers around the
    /// line then tells its crossing once, not at every answer. 0 (the
    /// default): it resolves on the line.
    #[serde(default, skip_serializing_if = "no_recovery")]
    pub recovery: f64,
}

fn no_recovery(r: &f64) -> bool {
    *r == 0.0
}

/// The lines `below` and `above` moved `recovery` inward: where a firing
/// alert resolves (at or above the first, at or below the second).
pub fn recovered(below: Option<f64>, above: Option<f64>, recovery: f64) -> (Option<f64>, Option<f64>) {
    (below.map(|b| b + recovery), above.map(|a| a - recovery))
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
    /// The watched figure of a window (the score, the response rate in %
    /// or the impressions), when the window holds enough to judge it.
    pub fn reading(&self, f: &Figures) -> Option<f64> {
        let enough = |n: u64| n >= u64::from(self.min_responses).max(1);
        match self.measure {
            Measure::Score => f.score.filter(|_| enough(f.responses)),
            Measure::ResponseRate => enough(f.impressions).then(|| 100.0 * f.responses as f64 / f.impressions as f64),
            Measure::Impressions => Some(f.impressions as f64),
        }
    }

    /// The state the window's figures call for: `Firing` past a line,
    /// `Ok` at least `recovery` inside every line; `None` between the two
    /// (the recovery margin) and when there are too few answers to say:
    /// the state then stays as it was.
    pub fn judge(&self, f: &Figures) -> Option<State> {
        self.judge_reading(self.reading(f)?)
    }

    /// [`Alert::judge`] of a window whose [`Alert::reading`] is `value`.
    pub fn judge_reading(&self, value: f64) -> Option<State> {
        let low = self.below.is_some_and(|b| value < b);
        let high = self.above.is_some_and(|a| value > a);
        if low || high {
            return Some(State::Firing);
        }
        let (from, to) = self.recovered();
        (from.is_none_or(|b| value >= b) && to.is_none_or(|a| value <= a)).then_some(State::Ok)
    }

    /// Where a firing alert resolves: at or above the first, at or below
    /// the second (each line moved `recovery` inward).
    pub fn recovered(&self) -> (Option<f64>, Option<f64>) {
        recovered(self.below, self.above, self.recovery)
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
                let (low, high, what) = match (self.measure, metric) {
                    (Measure::Score, Metric::Nps) => (-100.0, 100.0, "an NPS score".to_owned()),
                    (Measure::Score, Metric::Csat) => (0.0, 100.0, "a CSAT score".to_owned()),
                    (Measure::Score, Metric::Ces) => {
                        (1.0, f64::from(scale.unwrap_or(crate::metric::DEFAULT_CES_SCALE)), "a CES mean".to_owned())
                    }
                    (Measure::ResponseRate, _) => (0.0, 100.0, "a response rate in %".to_owned()),
                    (Measure::Impressions, _) => (0.0, f64::from(u32::MAX), "a number of impressions".to_owned()),
                };
                for (field, value) in [(".below", self.below), (".above", self.above)] {
                    if value.is_some_and(|v| !(low..=high).contains(&v)) {
                        bad(field, format!("{what}, {low} to {high}"));
                    }
                }
                if self.measure == Measure::Impressions && self.below.is_some_and(|b| b <= 0.0) {
                    bad(".below", "1 or more: it fires with fewer impressions than this".into());
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
        if !(self.recovery >= 0.0 && self.recovery.is_finite()) {
            bad(".recovery", "0 or more, in the watched figure's unit".into());
        } else if let (Some(b), Some(a)) = self.recovered() {
            if self.recovery > 0.0 && b > a {
                bad(
                    ".recovery",
                    "more than half the space between `below` and `above`: a firing alert could never resolve".into(),
                );
            }
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
    /// What the alert watches; the score when absent.
    #[serde(default, skip_serializing_if = "Measure::is_score")]
    pub measure: Measure,
    /// The window's watched figure: its score (NPS, CSAT % or CES mean),
    /// response rate (%) or impressions; a score's 95% interval.
    pub score: f64,
    pub interval: Option<Interval>,
    /// Answers in the window.
    pub responses: u64,
    /// Impressions in the window.
    #[serde(default)]
    pub impressions: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<f64>,
    /// The alert's recovery margin (see [`Alert::recovery`]).
    #[serde(default, skip_serializing_if = "no_recovery")]
    pub recovery: f64,
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
