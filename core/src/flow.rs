//! The prompt's steps: score, then the "why?" follow-up chosen by the
//! score's band, then thanks. Pure decisions the widget renders.

use serde::{Deserialize, Serialize};

use crate::metric::{Metric, CES_SCALES, DEFAULT_CES_SCALE};

/// Which group an answer falls in; selects the follow-up question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// NPS 0-6.
    Detractor,
    /// NPS 7-8.
    Passive,
    /// NPS 9-10.
    Promoter,
    /// CSAT 1-3.
    Low,
    /// CSAT 4-5 (counted as satisfied).
    High,
    /// CES below the scale's midpoint (1-2 of 5, 1-3 of 7).
    Easy,
    /// CES at or above the midpoint.
    Hard,
}

impl Band {
    /// The band of `score` on `metric`'s scale (the score is assumed valid).
    pub fn of(metric: Metric, scale: Option<u8>, score: u8) -> Band {
        match metric {
            Metric::Nps if score >= 9 => Band::Promoter,
            Metric::Nps if score >= 7 => Band::Passive,
            Metric::Nps => Band::Detractor,
            Metric::Csat if score >= 4 => Band::High,
            Metric::Csat => Band::Low,
            Metric::Ces if 2 * u16::from(score) < u16::from(scale.unwrap_or(DEFAULT_CES_SCALE)) + 1 => Band::Easy,
            Metric::Ces => Band::Hard,
        }
    }

    /// The bands a metric's answers fall in.
    pub fn of_metric(metric: Metric) -> &'static [Band] {
        match metric {
            Metric::Nps => &[Band::Detractor, Band::Passive, Band::Promoter],
            Metric::Csat => &[Band::Low, Band::High],
            Metric::Ces => &[Band::Easy, Band::Hard],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Band::Detractor => "detractor",
            Band::Passive => "passive",
            Band::Promoter => "promoter",
            Band::Low => "low",
            Band::High => "high",
            Band::Easy => "easy",
            Band::Hard => "hard",
        }
    }

    /// Every answer that falls in one of `bands`, as stored: metric, the
    /// scale kept with it (CES only) and score. Lets a store filter by band
    /// with the one definition above.
    pub fn answers_in(bands: &[Band]) -> Vec<(Metric, Option<u8>, u8)> {
        let mut out = Vec::new();
        for metric in [Metric::Nps, Metric::Csat, Metric::Ces] {
            let scales: Vec<Option<u8>> = match metric {
                Metric::Ces => CES_SCALES.iter().copied().map(Some).collect(),
                Metric::Nps | Metric::Csat => vec![None],
            };
            for scale in scales {
                for score in metric.bottom()..=metric.top(scale) {
                    if bands.contains(&Band::of(metric, scale, score)) {
                        out.push((metric, scale, score));
                    }
                }
            }
        }
        out
    }

    pub fn parse(name: &str) -> Option<Band> {
        [Band::Detractor, Band::Passive, Band::Promoter, Band::Low, Band::High, Band::Easy, Band::Hard]
            .into_iter()
            .find(|b| b.as_str() == name)
    }
}

/// Where a prompt is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Choosing a score.
    Score,
    /// The optional "why?" question for the score's band.
    FollowUp(Band),
    /// The thank-you note, which closes itself.
    Thanks,
}
