//! Sticky sampling and A/B tests of prompt timing, by a specified hash so
//! the collector (or a data team, in any language) can recompute them.
//!
//! ## The hash and the buckets (stable; changing it reshuffles every visitor)
//! 1. `h = fnv1a64(bytes)`: offset basis `0xcbf29ce484222325`, for each byte
//!    `h ^= byte; h = h.wrapping_mul(0x100000001b3)`.
//! 2. `h = fmix64(h)` (MurmurHash3's finaliser): `h ^= h >> 33;
//!    h *= 0xff51afd7ed558ccd; h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53;
//!    h ^= h >> 33` (wrapping multiplications).
//! 3. `bucket = h % 1_000_000`, in `[0, 1_000_000)`.
//!
//! The bytes are UTF-8, salted by purpose so the two draws are independent:
//! - sampling: `"sample:" + visitor_id + ":" + survey_id`; the visitor is in
//!   the sample when `bucket < round(sample_rate * 1_000_000)`;
//! - experiments: `"experiment:" + visitor_id + ":" + experiment_id`; with
//!   `total` = the sum of the variants' weights, `point = bucket * total /
//!   1_000_000` (integer, 64-bit), and the variant is the first whose
//!   running sum of weights exceeds `point` (config order).
//!
//! Example: `bucket(&["sample:", "v1", ":", "s1"])` is the bucket of the
//! string `sample:v1:s1` (a host test pins known values).

use serde::{Deserialize, Serialize};

use crate::config::Survey;
use crate::error::{ErrorCode, FieldError};
use crate::rule::Regex;
use crate::theme::Position;
use crate::trigger::{Signal, Trigger, MAX_TRIGGER_SECONDS};
use crate::validate::is_id;

/// Buckets per draw: sampling rates resolve to 0.0001 %.
pub const BUCKETS: u32 = 1_000_000;
/// Most variants in one experiment.
pub const MAX_VARIANTS: usize = 10;

/// An A/B test of one survey's timing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    /// Reported on events and hashed for assignment (`nps-timing`).
    pub id: String,
    pub variants: Vec<Variant>,
}

/// One arm of an experiment. Unset overrides keep the survey's own timing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub id: String,
    /// Relative weight (default 1); 0 keeps the variant for forced previews only.
    #[serde(default = "one")]
    pub weight: u32,
    /// Visitors in a holdout are never shown this survey (the control group).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub holdout: bool,
    /// Replaces the survey's trigger entirely.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    /// Replaces the (possibly replaced) trigger's `delay_seconds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_seconds: Option<u32>,
    /// Sets the trigger's `dwell_seconds` (other signals are kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dwell_seconds: Option<u32>,
    /// Replaces the theme's position for this prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
}

fn one() -> u32 {
    1
}

/// `fmix64(fnv1a64(concatenation of parts))`: see the module header.
pub fn hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parts.iter().flat_map(|p| p.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The bucket in `[0, 1_000_000)` of the concatenation of `parts`.
pub fn bucket(parts: &[&str]) -> u32 {
    (hash(parts) % u64::from(BUCKETS)) as u32
}

/// The visitor's sampling bucket for a survey.
pub fn sample_bucket(visitor_id: &str, survey_id: &str) -> u32 {
    bucket(&["sample:", visitor_id, ":", survey_id])
}

/// Buckets below this are sampled in (`rate` 0.25 -> 250000).
pub fn sample_threshold(rate: f64) -> u32 {
    (rate.clamp(0.0, 1.0) * f64::from(BUCKETS) + 0.5) as u32
}

impl Experiment {
    /// The variant index for a visitor: `forced` (`(experiment, variant)`,
    /// from `?touchpoint_variant=experiment:variant`) when it names this
    /// experiment and one of its variants, else the weighted hash draw.
    pub fn assign(&self, visitor_id: &str, forced: Option<(&str, &str)>) -> usize {
        if let Some((exp, var)) = forced {
            if let Some(i) = self.variants.iter().position(|v| exp == self.id && v.id == var) {
                return i;
            }
        }
        let total: u64 = self.variants.iter().map(|v| u64::from(v.weight)).sum();
        let point = u64::from(bucket(&["experiment:", visitor_id, ":", &self.id])) * total / u64::from(BUCKETS);
        let mut sum = 0;
        for (i, v) in self.variants.iter().enumerate() {
            sum += u64::from(v.weight);
            if point < sum {
                return i;
            }
        }
        0
    }

    /// The index of the variant called `id`.
    pub fn variant(&self, id: &str) -> Option<usize> {
        self.variants.iter().position(|v| v.id == id)
    }

    /// Checks every field; `path` names the experiment.
    pub fn validate(&self, path: &str, errors: &mut Vec<FieldError>) {
        let err = |errors: &mut Vec<FieldError>, field: String, message: &str| {
            errors.push(FieldError::new(ErrorCode::InvalidValue, field, message))
        };
        if !is_id(&self.id) {
            err(errors, format!("{path}.id"), "1-64 characters of a-z, A-Z, 0-9, '-', '_'");
        }
        if self.variants.is_empty() || self.variants.len() > MAX_VARIANTS {
            err(errors, format!("{path}.variants"), "1-10 variants");
        } else if self.variants.iter().all(|v| v.holdout || v.weight == 0) {
            err(errors, format!("{path}.variants"), "at least one variant that is not a holdout and has a weight");
        }
        for (i, v) in self.variants.iter().enumerate() {
            let vpath = format!("{path}.variants[{i}]");
            if !is_id(&v.id) {
                err(errors, format!("{vpath}.id"), "1-64 characters of a-z, A-Z, 0-9, '-', '_'");
            } else if self.variants[..i].iter().any(|o| o.id == v.id) {
                err(errors, format!("{vpath}.id"), "duplicate variant id");
            }
            if v.weight > BUCKETS {
                err(errors, format!("{vpath}.weight"), "0-1000000");
            }
            if let Some(t) = &v.trigger {
                t.validate(&format!("{vpath}.trigger"), errors);
            }
            if v.delay_seconds.is_some_and(|s| s > MAX_TRIGGER_SECONDS) {
                err(errors, format!("{vpath}.delay_seconds"), "0-3600 seconds");
            }
            if v.dwell_seconds.is_some_and(|s| !(1..=MAX_TRIGGER_SECONDS).contains(&s)) {
                err(errors, format!("{vpath}.dwell_seconds"), "1-3600 seconds");
            }
        }
    }
}

/// [`Experiment::assign`] as a free function.
pub fn assign(exp: &Experiment, visitor_id: &str, forced: Option<(&str, &str)>) -> usize {
    exp.assign(visitor_id, forced)
}

/// The trigger a visitor in a variant waits for: the variant's trigger or
/// the survey's, with the variant's `delay_seconds` / `dwell_seconds`
/// applied. The trigger is borrowed, its timing carried beside it (no copy
/// of its rules: the widget ships this).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EffectiveTrigger<'a> {
    pub trigger: &'a Trigger,
    pub delay_seconds: u32,
    pub dwell_seconds: Option<u32>,
}

impl EffectiveTrigger<'_> {
    /// [`Trigger::fires`], with this dwell time.
    pub fn fires(&self, signal: Signal<'_>, re: &dyn Regex) -> bool {
        self.trigger.fires_after(signal, self.dwell_seconds, re)
    }
}

/// The [`EffectiveTrigger`] of `survey` for a visitor in `variant`.
pub fn effective_trigger<'a>(survey: &'a Survey, variant: Option<&'a Variant>) -> EffectiveTrigger<'a> {
    let trigger = variant.and_then(|v| v.trigger.as_ref()).unwrap_or(&survey.trigger);
    EffectiveTrigger {
        trigger,
        delay_seconds: variant.and_then(|v| v.delay_seconds).unwrap_or(trigger.delay_seconds),
        dwell_seconds: variant.and_then(|v| v.dwell_seconds).or(trigger.dwell_seconds),
    }
}
