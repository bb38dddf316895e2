//! The three CX metrics and their exact answer scales (see PRODUCT.md).

use serde::{Deserialize, Serialize};

/// Which question a survey asks, and so which scale its scores live on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Net Promoter Score: 0-10, promoters 9-10, detractors 0-6.
    Nps,
    /// Customer Satisfaction: 1-5, satisfied = 4 or 5.
    Csat,
    /// Customer Effort Score: 1-5 or 1-7, 1 = very easy.
    Ces,
}

/// The CES scales a survey may use.
pub const CES_SCALES: [u8; 2] = [5, 7];
/// CES scale used when a survey does not name one.
pub const DEFAULT_CES_SCALE: u8 = 7;

impl Metric {
    /// The wire name: `nps`, `csat` or `ces`.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Nps => "nps",
            Metric::Csat => "csat",
            Metric::Ces => "ces",
        }
    }

    /// Parses a wire name; `None` for anything else (case-sensitive).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "nps" => Some(Metric::Nps),
            "csat" => Some(Metric::Csat),
            "ces" => Some(Metric::Ces),
            _ => None,
        }
    }

    /// The number of points at the top of the scale for a given configured
    /// scale (only CES has a choice; other metrics ignore `scale`).
    pub fn top(self, scale: Option<u8>) -> u8 {
        match self {
            Metric::Nps => 10,
            Metric::Csat => 5,
            Metric::Ces => scale.unwrap_or(DEFAULT_CES_SCALE),
        }
    }

    /// The lowest score on the scale: 0 for NPS, 1 otherwise.
    pub fn bottom(self) -> u8 {
        match self {
            Metric::Nps => 0,
            Metric::Csat | Metric::Ces => 1,
        }
    }

    /// Whether `score` is a valid answer on this metric's scale.
    pub fn accepts(self, scale: Option<u8>, score: i64) -> bool {
        (i64::from(self.bottom())..=i64::from(self.top(scale))).contains(&score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_are_exactly_the_product_definitions() {
        assert!(Metric::Nps.accepts(None, 0) && Metric::Nps.accepts(None, 10));
        assert!(!Metric::Nps.accepts(None, -1) && !Metric::Nps.accepts(None, 11));
        assert!(!Metric::Csat.accepts(None, 0) && Metric::Csat.accepts(None, 5));
        assert!(!Metric::Csat.accepts(None, 6));
        assert!(Metric::Ces.accepts(Some(7), 7) && !Metric::Ces.accepts(Some(5), 6));
        assert!(Metric::Ces.accepts(None, 7), "CES defaults to the 7-point scale");
    }

    #[test]
    fn wire_names_round_trip() {
        for m in [Metric::Nps, Metric::Csat, Metric::Ces] {
            assert_eq!(Metric::parse(m.as_str()), Some(m));
        }
        assert_eq!(Metric::parse("NPS"), None);
    }
}
