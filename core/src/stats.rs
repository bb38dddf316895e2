//! The three metrics, computed exactly as PRODUCT.md defines them, with
//! 95% confidence intervals and, for experiments, the difference between
//! two groups with its interval. Scores off their scale are counted in
//! `ignored`, never in a metric.
//!
//! The interval methods are the ones that keep their stated coverage on the
//! small samples a survey starts with; the share and NPS ones never claim a
//! zero-width interval for a handful of identical answers (a CES mean's
//! can: Student's t with no spread):
//! - a share (CSAT, "easy" CES answers, response rate): Wilson's score
//!   interval; the difference of two shares: Agresti-Caffo (one success and
//!   one failure added to each group);
//! - NPS: adjusted Wald (3 added to the answers, 3/4 to promoters and to
//!   detractors, then the variance of a difference of two proportions);
//! - a CES mean: Student's t on the answers' variance; two means: Welch.
//!
//! For planning an experiment, [`answers_needed`]: how many answers each
//! variant needs before a difference of a given size shows as clear 80% of
//! the times it is real, from the variance of one answer
//! ([`Nps::planning_variance`] and its twins).

use serde::Serialize;

use crate::metric::{Metric, DEFAULT_CES_SCALE};

/// NPS = %promoters (9-10) - %detractors (0-6), from -100 to +100.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Nps {
    pub responses: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub ignored: u64,
}

/// A 95% confidence interval, `(low, high)`, in the unit of what it bounds.
pub type Interval = (f64, f64);

/// How two groups differ (`value` = this group's figure minus the
/// baseline's, in the figure's unit) and the 95% interval of that.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Difference {
    pub value: f64,
    pub interval: Interval,
}

impl Difference {
    /// Whether the interval leaves out 0: a difference unlikely to be chance.
    pub fn is_clear(&self) -> bool {
        self.interval.0 > 0.0 || self.interval.1 < 0.0
    }
}

/// The standard normal quantile of a two-sided 95% interval.
const Z: f64 = 1.959_963_984_540_054;
/// The standard normal quantile for 80% power.
const Z_POWER: f64 = 0.841_621_233_572_914;
/// Answers below which a group's own spread is too uncertain to plan on:
/// the planning variance is then the metric's largest (NPS, CSAT) or a
/// uniform spread over the scale (CES), which asks for more answers, never
/// fewer.
pub const PLANNING_MIN_ANSWERS: u64 = 30;

/// The smallest difference between variants an experiment's plan is made
/// for, in the metric's unit: 10 NPS points, 10 CSAT points of %, half a
/// point of the CES mean.
pub fn planned_difference(metric: Metric) -> f64 {
    match metric {
        Metric::Nps | Metric::Csat => 10.0,
        Metric::Ces => 0.5,
    }
}

/// The largest difference two groups' figures can have, in the metric's
/// unit: 200 NPS points, 100 CSAT points, the CES scale's top minus 1 (a
/// `scale` of `None` is the default 5 points).
pub fn largest_difference(metric: Metric, scale: Option<u8>) -> f64 {
    match metric {
        Metric::Nps => 200.0,
        Metric::Csat => 100.0,
        Metric::Ces => f64::from(scale.unwrap_or(crate::metric::DEFAULT_CES_SCALE)) - 1.0,
    }
}

/// Answers each of two groups needs so that a true difference of
/// `difference` (in the figure's unit) gives a 95% interval that leaves out
/// 0 80% of the time, when one answer's variance is `variance` (the unit
/// squared): `2 (z.975 + z.8)^2 variance / difference^2`, rounded up.
/// `None` for a difference that is not positive, or a negative variance.
pub fn answers_needed(variance: f64, difference: f64) -> Option<u64> {
    if !(difference > 0.0 && variance >= 0.0 && variance.is_finite()) {
        return None;
    }
    let n = 2.0 * (Z + Z_POWER).powi(2) * variance / (difference * difference);
    // A hair under a whole number is that number (float error), not one more.
    Some((n - 1e-9).ceil().max(1.0) as u64)
}

impl Nps {
    pub fn from_scores(scores: impl IntoIterator<Item = i64>) -> Self {
        Self::from_counts(scores.into_iter().map(|s| (s, 1)))
    }

    /// The same from `(score, how many answers)` pairs, as a database's
    /// `GROUP BY score` returns them.
    pub fn from_counts(counts: impl IntoIterator<Item = (i64, u64)>) -> Self {
        counts.into_iter().fold(Nps::default(), |mut t, (s, n)| {
            match s {
                9..=10 => t.promoters += n,
                7..=8 => t.passives += n,
                0..=6 => t.detractors += n,
                _ => {
                    t.ignored += n;
                    return t;
                }
            }
            t.responses += n;
            t
        })
    }

    /// The score, -100.0 to 100.0; `None` without responses.
    pub fn score(&self) -> Option<f64> {
        percent(self.promoters, self.responses).zip(percent(self.detractors, self.responses)).map(|(p, d)| p - d)
    }

    /// The score's 95% interval (adjusted Wald), within -100 to 100.
    pub fn interval(&self) -> Option<Interval> {
        let (centre, variance) = self.adjusted()?;
        let half = Z * variance.sqrt();
        Some(around(100.0 * centre, 100.0 * half, (-100.0, 100.0)))
    }

    /// How this group's score differs from `baseline`'s, in NPS points.
    pub fn difference(&self, baseline: &Nps) -> Option<Difference> {
        let value = self.score()? - baseline.score()?;
        let ((a, va), (b, vb)) = (self.adjusted()?, baseline.adjusted()?);
        let half = Z * (va + vb).sqrt();
        let interval = around(100.0 * (a - b), 100.0 * half, (-200.0, 200.0));
        Some(Difference { value, interval })
    }

    /// The variance of one answer's contribution to the score (NPS points
    /// squared), for [`answers_needed`]: from this group's adjusted mix once
    /// it has [`PLANNING_MIN_ANSWERS`], else the largest an NPS answer has
    /// (half promoters, half detractors: 100^2).
    pub fn planning_variance(&self) -> f64 {
        match self.adjusted() {
            // The estimator's variance times its (adjusted) answers: one answer's.
            Some((_, variance)) if self.responses >= PLANNING_MIN_ANSWERS => {
                1e4 * variance * (self.responses as f64 + 3.0)
            }
            _ => 1e4,
        }
    }

    /// The adjusted NPS as a fraction (-1 to 1) and its estimator's variance.
    fn adjusted(&self) -> Option<(f64, f64)> {
        (self.responses > 0).then(|| {
            let n = self.responses as f64 + 3.0;
            let p = (self.promoters as f64 + 0.75) / n;
            let d = (self.detractors as f64 + 0.75) / n;
            (p - d, (p + d - (p - d) * (p - d)) / n)
        })
    }
}

/// CSAT = share of answers that are 4 (satisfied) or 5 (very satisfied), in %.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Csat {
    pub responses: u64,
    pub satisfied: u64,
    pub ignored: u64,
}

impl Csat {
    pub fn from_scores(scores: impl IntoIterator<Item = i64>) -> Self {
        Self::from_counts(scores.into_iter().map(|s| (s, 1)))
    }

    /// The same from `(score, how many answers)` pairs.
    pub fn from_counts(counts: impl IntoIterator<Item = (i64, u64)>) -> Self {
        counts.into_iter().fold(Csat::default(), |mut t, (s, n)| {
            if Metric::Csat.accepts(None, s) {
                t.responses += n;
                t.satisfied += if s >= 4 { n } else { 0 };
            } else {
                t.ignored += n;
            }
            t
        })
    }

    /// The score, 0.0 to 100.0; `None` without responses.
    pub fn score(&self) -> Option<f64> {
        percent(self.satisfied, self.responses)
    }

    /// The score's 95% interval, in %.
    pub fn interval(&self) -> Option<Interval> {
        share_interval(self.satisfied, self.responses)
    }

    /// How this group's score differs from `baseline`'s, in points of %.
    pub fn difference(&self, baseline: &Csat) -> Option<Difference> {
        share_difference((self.satisfied, self.responses), (baseline.satisfied, baseline.responses))
    }

    /// The variance of one answer (points of % squared), for
    /// [`answers_needed`]: `p (1 - p)` of this group's share once it has
    /// [`PLANNING_MIN_ANSWERS`] (one satisfied and one not added), else the
    /// largest, at p = 0.5.
    pub fn planning_variance(&self) -> f64 {
        if self.responses < PLANNING_MIN_ANSWERS {
            return 2500.0;
        }
        let p = (self.satisfied as f64 + 1.0) / (self.responses as f64 + 2.0);
        1e4 * p * (1.0 - p)
    }
}

/// CES on a 1-5 or 1-7 scale where 1 = very easy: the mean, and the share of
/// "easy" answers, those strictly below the scale's midpoint
/// (1-2 on the 5-point scale, 1-3 on the 7-point scale).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Ces {
    pub scale: u8,
    pub responses: u64,
    pub sum: u64,
    /// The sum of the squared scores (for the variance).
    pub sum_squares: u64,
    pub easy: u64,
    pub ignored: u64,
}

impl Ces {
    pub fn from_scores(scale: Option<u8>, scores: impl IntoIterator<Item = i64>) -> Self {
        Self::from_counts(scale, scores.into_iter().map(|s| (s, 1)))
    }

    /// The same from `(score, how many answers)` pairs.
    pub fn from_counts(scale: Option<u8>, counts: impl IntoIterator<Item = (i64, u64)>) -> Self {
        let scale = scale.unwrap_or(DEFAULT_CES_SCALE);
        let empty = Ces { scale, responses: 0, sum: 0, sum_squares: 0, easy: 0, ignored: 0 };
        counts.into_iter().fold(empty, |mut t, (s, n)| {
            match u64::try_from(s) {
                Ok(v) if Metric::Ces.accepts(Some(scale), s) => {
                    t.responses += n;
                    t.sum += v * n;
                    t.sum_squares += v * v * n;
                    t.easy += if 2 * v < u64::from(scale) + 1 { n } else { 0 };
                }
                _ => t.ignored += n,
            }
            t
        })
    }

    /// Mean score, 1.0 (very easy) to `scale` (very difficult).
    pub fn mean(&self) -> Option<f64> {
        (self.responses > 0).then(|| self.sum as f64 / self.responses as f64)
    }

    /// Share of easy answers, 0.0 to 100.0.
    pub fn easy_percent(&self) -> Option<f64> {
        percent(self.easy, self.responses)
    }

    /// The mean's 95% interval (Student's t), within the scale; `None`
    /// below two answers.
    pub fn mean_interval(&self) -> Option<Interval> {
        let (mean, variance) = self.moments()?;
        let half = t_quantile(self.responses - 1) * (variance / self.responses as f64).sqrt();
        let top = f64::from(self.scale);
        Some(around(mean, half, (1.0, top)))
    }

    /// The easy share's 95% interval, in %.
    pub fn easy_interval(&self) -> Option<Interval> {
        share_interval(self.easy, self.responses)
    }

    /// How this group's mean differs from `baseline`'s (Welch), when both
    /// were answered on the same scale and have two answers or more.
    pub fn difference(&self, baseline: &Ces) -> Option<Difference> {
        if self.scale != baseline.scale {
            return None;
        }
        let ((a, va), (b, vb)) = (self.moments()?, baseline.moments()?);
        let value = a - b;
        let (sa, sb) = (va / self.responses as f64, vb / baseline.responses as f64);
        let se = (sa + sb).sqrt();
        // Welch-Satterthwaite degrees of freedom; with no spread in either
        // group any df will do (the interval is the difference itself).
        let df = if se > 0.0 {
            (sa + sb).powi(2) / (sa * sa / (self.responses - 1) as f64 + sb * sb / (baseline.responses - 1) as f64)
        } else {
            1.0
        };
        let half = t_quantile(df.max(1.0) as u64) * se;
        Some(Difference { value, interval: (value - half, value + half) })
    }

    /// The variance of one answer (scale points squared), for
    /// [`answers_needed`]: this group's once it has
    /// [`PLANNING_MIN_ANSWERS`], else that of answers spread evenly over
    /// the scale, `(k^2 - 1) / 12` (2 on 5 points, 4 on 7).
    pub fn planning_variance(&self) -> f64 {
        match self.moments() {
            Some((_, variance)) if self.responses >= PLANNING_MIN_ANSWERS => variance,
            _ => (f64::from(self.scale).powi(2) - 1.0) / 12.0,
        }
    }

    /// The mean and the sample variance of the answers; `None` below two.
    fn moments(&self) -> Option<(f64, f64)> {
        (self.responses >= 2).then(|| {
            let n = self.responses as f64;
            let mean = self.sum as f64 / n;
            let variance = ((self.sum_squares as f64 - n * mean * mean) / (n - 1.0)).max(0.0);
            (mean, variance)
        })
    }
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

/// The 95% interval of the share `part` of `whole` (Wilson), in %; `None`
/// without a whole, or for a part larger than its whole.
pub fn share_interval(part: u64, whole: u64) -> Option<Interval> {
    if whole == 0 || part > whole {
        return None;
    }
    let n = whole as f64;
    let p = part as f64 / n;
    let z2 = Z * Z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    Some(around(100.0 * centre, 100.0 * half, (0.0, 100.0)))
}

/// How the share `a` (`(part, whole)`) differs from the share `baseline`,
/// in points of % (Agresti-Caffo); `None` when either is not a share.
pub fn share_difference(a: (u64, u64), baseline: (u64, u64)) -> Option<Difference> {
    let value = percent(a.0, a.1).zip(percent(baseline.0, baseline.1)).map(|(x, y)| x - y)?;
    if a.0 > a.1 || baseline.0 > baseline.1 {
        return None;
    }
    let adjusted = |(part, whole): (u64, u64)| {
        let n = whole as f64 + 2.0;
        let p = (part as f64 + 1.0) / n;
        (p, p * (1.0 - p) / n)
    };
    let ((pa, va), (pb, vb)) = (adjusted(a), adjusted(baseline));
    let half = Z * (va + vb).sqrt();
    let interval = around(100.0 * (pa - pb), 100.0 * half, (-100.0, 100.0));
    Some(Difference { value, interval })
}

/// `centre` -+ `half`, kept within `range` (what the figure can be).
fn around(centre: f64, half: f64, range: (f64, f64)) -> Interval {
    ((centre - half).clamp(range.0, range.1), (centre + half).clamp(range.0, range.1))
}

/// Student's t quantile for a two-sided 95% interval with `df` degrees of
/// freedom: the table up to 30, then the Cornish-Fisher expansion (within
/// 0.001 of the exact value from 30 on).
fn t_quantile(df: u64) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df as usize - 1],
        _ => {
            let d = df as f64;
            Z + (Z.powi(3) + Z) / (4.0 * d) + (5.0 * Z.powi(5) + 16.0 * Z.powi(3) + 3.0 * Z) / (96.0 * d * d)
        }
    }
}
