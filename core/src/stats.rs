//! The three metrics, computed exactly as PRODUCT.md defines them.
//! Scores off their scale are counted in `ignored`, never in a metric.

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
}

/// CES on a 1-5 or 1-7 scale where 1 = very easy: the mean, and the share of
/// "easy" answers, those strictly below the scale's midpoint
/// (1-2 on the 5-point scale, 1-3 on the 7-point scale).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Ces {
    pub scale: u8,
    pub responses: u64,
    pub sum: u64,
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
        let empty = Ces { scale, responses: 0, sum: 0, easy: 0, ignored: 0 };
        counts.into_iter().fold(empty, |mut t, (s, n)| {
            match u64::try_from(s) {
                Ok(v) if Metric::Ces.accepts(Some(scale), s) => {
                    t.responses += n;
                    t.sum += v * n;
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
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}
