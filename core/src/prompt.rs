//! What a prompt shows, decided without a browser: the texts for the
//! visitor's language, the scale, and the accessible label of each point.

use crate::config::{pick_text, SiteConfig, Survey};
use crate::i18n::{ui_text, UiText};
use crate::metric::Metric;
use crate::validate::is_locale;

/// Everything the widget needs to render one survey's prompt.
#[derive(Clone, Debug, PartialEq)]
pub struct PromptView<'a> {
    pub survey: &'a Survey,
    /// Language the prompt is shown in (and reported on its events).
    pub locale: String,
    pub question: &'a str,
    /// The "why?" question; `None` makes a single-step prompt.
    pub follow_up: Option<&'a str>,
    pub ui: &'static UiText,
    /// Lowest and highest score, inclusive.
    pub bottom: u8,
    pub top: u8,
    /// Labels of the two ends of the scale.
    pub low_label: &'static str,
    pub high_label: &'static str,
}

impl<'a> PromptView<'a> {
    /// The prompt of `survey` for a visitor who prefers `locale`.
    pub fn new(config: &'a SiteConfig, survey: &'a Survey, locale: &str) -> Self {
        let default = config.default_locale.as_str();
        let ui = ui_text(locale);
        let (low_label, high_label) = match survey.metric {
            Metric::Nps => (ui.nps_low, ui.nps_high),
            Metric::Csat => (ui.csat_low, ui.csat_high),
            Metric::Ces => (ui.ces_low, ui.ces_high),
        };
        PromptView {
            survey,
            locale: locale.to_owned(),
            question: pick_text(&survey.question, locale, default).unwrap_or(""),
            follow_up: survey.follow_up.as_ref().and_then(|t| pick_text(t, locale, default)),
            ui,
            bottom: survey.metric.bottom(),
            top: survey.metric.top(survey.scale),
            low_label,
            high_label,
        }
    }

    /// The accessible name of one point: "0, not at all likely", "5".
    pub fn point_label(&self, score: u8) -> String {
        let mut label = score.to_string();
        let end = if score == self.bottom {
            Some(self.low_label)
        } else if score == self.top {
            Some(self.high_label)
        } else {
            None
        };
        if let Some(end) = end {
            label.push_str(", ");
            label.push_str(end);
        }
        label
    }
}

/// The visitor's language: the first valid tag of, in order, an explicit
/// `touchpoint('set', {locale})`, `<html lang>`, `navigator.languages`;
/// else the site's default.
pub fn resolve_locale<'a>(candidates: impl IntoIterator<Item = &'a str>, default: &'a str) -> &'a str {
    candidates.into_iter().map(str::trim).find(|c| is_locale(c)).unwrap_or(default)
}
