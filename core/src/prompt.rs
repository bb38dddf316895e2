//! What a prompt shows, decided without a browser: the language, the
//! texts, the scale and its labels, and which step follows a score.

use crate::config::{find_text, Display, SiteConfig, Survey, Texts, Untranslated};
use crate::flow::{Band, Step};
use crate::i18n::{is_rtl, ui_in, UiText};
use crate::metric::Metric;
use crate::validate::is_locale;

/// Everything the widget needs to render one survey's prompt.
#[derive(Clone, Debug, PartialEq)]
pub struct PromptView<'a> {
    pub survey: &'a Survey,
    /// Language the prompt is shown in (and reported on its events).
    pub locale: &'a str,
    /// Right-to-left: render with `dir="rtl"`.
    pub rtl: bool,
    pub ui: &'static UiText,
    pub question: &'a str,
    /// Lowest and highest score, inclusive.
    pub bottom: u8,
    pub top: u8,
    /// Labels of the two ends of the scale.
    pub low_label: &'static str,
    pub high_label: &'static str,
    pub display: Display,
    default_locale: &'a str,
}

impl<'a> PromptView<'a> {
    /// The prompt of `survey` for a visitor whose language is `locale`;
    /// `None` when the survey lacks that language and is set to skip.
    pub fn new(config: &'a SiteConfig, survey: &'a Survey, locale: &str) -> Option<Self> {
        let (locale, question) = match find_text(&survey.question, locale) {
            Some(found) => found,
            None if survey.untranslated == Untranslated::Skip => return None,
            None => find_text(&survey.question, &config.default_locale)?,
        };
        let ui = ui_in(&config.ui, locale);
        let (low_label, high_label) = match survey.metric {
            Metric::Nps => (ui.nps_low, ui.nps_high),
            Metric::Csat => (ui.csat_low, ui.csat_high),
            Metric::Ces => (ui.ces_low, ui.ces_high),
        };
        Some(PromptView {
            survey,
            locale,
            rtl: is_rtl(locale),
            ui,
            question,
            bottom: survey.metric.bottom(),
            top: survey.metric.top(survey.scale),
            low_label,
            high_label,
            display: if survey.metric == Metric::Csat { survey.display } else { Display::Numbers },
            default_locale: &config.default_locale,
        })
    }

    /// The accessible name of one point: "0, not at all likely", "5".
    pub fn point_label(&self, score: u8) -> String {
        let mut label = number(score);
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

    /// The text a point shows: its number, a star, or nothing for faces
    /// (drawn from [`PromptView::face_mouth`], so no emoji font is needed).
    pub fn point_face(&self, score: u8) -> String {
        match self.display {
            Display::Numbers => number(score),
            Display::Stars => "\u{2605}".into(),
            Display::Emoji => String::new(),
        }
    }

    /// The SVG path of a face's mouth for a CSAT score in a 24x24 box: from
    /// a deep frown (1) through a flat line (3) to a broad smile (5).
    pub fn face_mouth(score: u8) -> &'static str {
        match score {
            0 | 1 => "M7 17Q12 11 17 17",
            2 => "M7 16Q12 13 17 16",
            3 => "M7 15H17",
            4 => "M7 14Q12 18 17 14",
            _ => "M6 13Q12 21 18 13",
        }
    }

    /// The step after `score` was submitted.
    pub fn after_score(&self, score: u8) -> Step {
        let band = Band::of(self.survey.metric, self.survey.scale, score);
        match self.follow_up(band) {
            Some(_) => Step::FollowUp(band),
            None => Step::Thanks,
        }
    }

    /// The follow-up question for a band, in the prompt's language.
    pub fn follow_up(&self, band: Band) -> Option<&'a str> {
        let texts = self.survey.follow_up_by_band.get(&band).or(self.survey.follow_up.as_ref())?;
        if texts.is_empty() {
            return Some(self.ui.why);
        }
        self.text(texts)
    }

    /// The thank-you note.
    pub fn thanks(&self) -> &'a str {
        self.survey.thanks.as_ref().and_then(|t| self.text(t)).unwrap_or(self.ui.thanks)
    }

    fn text(&self, texts: &'a Texts) -> Option<&'a str> {
        find_text(texts, self.locale).or_else(|| find_text(texts, self.default_locale)).map(|(_, t)| t)
    }
}

/// Decimal digits of a small number, without the formatting machinery.
pub fn number(n: u8) -> String {
    crate::wire::decimal(u64::from(n))
}

/// The visitor's language: the first valid tag of `fixed` (an explicit
/// `touchpoint('set', {locale})`, the config's `locale_override`, `<html
/// lang>`) when there is one, since the page's own language decides; else,
/// of the browser's `preferred` languages (`navigator.languages`, in its
/// order), the first valid one, or for `survey` the first it has a question
/// in (a browser preferring Swedish, then French, gets a French survey);
/// else the site's default.
pub fn visitor_locale<'a>(
    fixed: &[Option<&'a str>],
    preferred: &'a [String],
    default: &'a str,
    survey: Option<&Survey>,
) -> &'a str {
    let valid = |c: &'a str| Some(c.trim_ascii()).filter(|c| is_locale(c));
    if let Some(first) = fixed.iter().flatten().find_map(|c| valid(c)) {
        return first;
    }
    let mut preferred = preferred.iter().filter_map(|p| valid(p));
    let first = preferred.clone().next().unwrap_or(default);
    survey.and_then(|s| preferred.find(|l| find_text(&s.question, l).is_some())).unwrap_or(first)
}
