//! A site's configuration: which origins may send answers, and which
//! surveys ask what at which touchpoint. Stored by the collector, served to
//! the widget. Unknown fields are ignored so older widgets keep working.

use serde::{Deserialize, Serialize};

use crate::alert::{Alert, Notice, MAX_ALERTS};
use crate::error::{ErrorCode, FieldError};
use crate::event::{Event, EventKind};
use crate::experiment::Experiment;
use crate::fatigue::{Fatigue, Frequency};
use crate::flow::Band;
use crate::i18n::{negotiate, UiText};
use crate::limits::{MAX_ID_BYTES, MAX_NAME_BYTES, MAX_ORIGINS, MAX_SURVEYS, MAX_TEXT_CHARS};
use crate::map::VecMap;
use crate::metric::{Metric, CES_SCALES};
use crate::rule::Group;
use crate::search::fold;
use crate::theme::Theme;
use crate::validate::{is_id, is_locale};

pub use crate::trigger::Trigger;

/// The configuration schema version this build understands.
pub const CONFIG_VERSION: u32 = 1;

/// Localised texts: BCP 47 tag (`en`, `pt-BR`) -> text.
pub type Texts = VecMap<String, String>;

/// Everything the collector knows about a site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteConfig {
    /// Schema version; must be [`CONFIG_VERSION`].
    #[serde(default = "default_version")]
    pub version: u32,
    /// Origins (`https://shop.example`) whose pages may send events.
    /// Not part of the public configuration served to browsers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<String>,
    /// Language used when a survey has no text for the visitor's language.
    #[serde(default = "default_locale")]
    pub default_locale: String,
    /// A language that wins over the page's `<html lang>` and the browser's
    /// (only `touchpoint('set', {locale})` wins over it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale_override: Option<String>,
    /// Where accepted events are forwarded (never part of the public config).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<Webhook>,
    /// Thresholds on survey scores; the webhooks hear when one is crossed
    /// (collector-only, never part of the public config).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<Alert>,
    /// Days an event is kept after it is received (1 to 3650); older ones
    /// are deleted by the collector's sweep. Absent: kept until deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// Ingestion rate limit per client IP: `low` 30, `standard` 120, `high`
    /// 600 requests per minute.
    #[serde(default, skip_serializing_if = "is_default")]
    pub rate_limit: RateTier,
    /// Replace emails, phone and card numbers in comments before anything
    /// is stored or forwarded.
    #[serde(default, skip_serializing_if = "is_default")]
    pub redact_pii: bool,
    /// Colours, font, radius, position, colour scheme.
    #[serde(default, skip_serializing_if = "is_default")]
    pub theme: Theme,
    /// Recontact wait and dismiss cool-down (see `fatigue`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub fatigue: Fatigue,
    /// Nothing is stored, sent or shown until `touchpoint('consent', true)`.
    #[serde(default, skip_serializing_if = "is_default")]
    pub require_consent: bool,
    /// A browser sending Global Privacy Control (`navigator.globalPrivacyControl`)
    /// or Do Not Track (`navigator.doNotTrack == "1"`) gets no prompt and
    /// nothing stored, even after `touchpoint('consent', true)`.
    #[serde(default, skip_serializing_if = "is_default")]
    pub respect_gpc: bool,
    /// The prompts this site may show.
    #[serde(default)]
    pub surveys: Vec<Survey>,
    /// The built-in UI strings (buttons, scale end labels) of the languages
    /// the surveys are written in, besides English, which the widget
    /// carries. Filled in by [`SiteConfig::public`]; never read from a
    /// site's own configuration.
    #[serde(skip_deserializing, skip_serializing_if = "Vec::is_empty")]
    pub ui: Vec<&'static UiText>,
}

/// Rate-limit tiers (the Workers rate-limit binding has static limits, so
/// each tier is one binding).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateTier {
    Low,
    #[default]
    Standard,
    High,
}

impl RateTier {
    /// The Worker binding that enforces this tier.
    pub fn binding(self) -> &'static str {
        match self {
            RateTier::Low => "EVENTS_LIMITER_LOW",
            RateTier::Standard => "EVENTS_LIMITER",
            RateTier::High => "EVENTS_LIMITER_HIGH",
        }
    }
}

/// A receiver of accepted events, signed with its secret (see `webhook`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub url: String,
    pub secret: String,
    /// Which events it receives (all when absent).
    #[serde(default, skip_serializing_if = "is_default")]
    pub only: Only,
    /// `json` (the default) or `slack`: a chat message (`{"text"}`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub format: crate::webhook::Format,
}

/// A webhook's filter: an event is delivered when it matches every list
/// given (an absent or empty list matches everything). Routes, say, NPS
/// detractors to a help desk as they answer. Unknown keys are refused: a
/// misspelt filter must not turn into "everything".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Only {
    /// `impression`, `response`, `dismiss`, `alert`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<Topic>,
    /// Survey ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub surveys: Vec<String>,
    /// Score bands (`detractor`, `passive`, `promoter`, `low`, `high`,
    /// `easy`, `hard`): only responses with a score in one of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<Band>,
    /// `true`: only responses that carry a comment (the first answer without
    /// one is skipped; the update that adds it is delivered).
    #[serde(default, skip_serializing_if = "is_default")]
    pub with_comment: bool,
    /// Words or phrases: only responses whose comment contains one of them,
    /// in any letter case, as the comments search finds them ("refund",
    /// "broken"): a help desk hears the answers it can act on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<String>,
}

/// Most `only.words` of a webhook, and the longest, in characters.
pub const MAX_WEBHOOK_WORDS: usize = 20;
pub const MAX_WEBHOOK_WORD_CHARS: usize = 100;

/// What a webhook can hear: the three kinds of event, and alerts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Topic {
    Impression,
    Response,
    Dismiss,
    Alert,
}

impl From<EventKind> for Topic {
    fn from(kind: EventKind) -> Topic {
        match kind {
            EventKind::Impression => Topic::Impression,
            EventKind::Response => Topic::Response,
            EventKind::Dismiss => Topic::Dismiss,
        }
    }
}

impl Only {
    /// Whether `event` goes to this webhook.
    pub fn admits(&self, event: &Event) -> bool {
        let band = event.score.map(|score| Band::of(event.metric, event.scale, score));
        (self.types.is_empty() || self.types.contains(&event.kind.into()))
            && (self.surveys.is_empty() || self.surveys.contains(&event.survey))
            && (self.bands.is_empty() || band.is_some_and(|b| self.bands.contains(&b)))
            && (!self.with_comment || event.comment.as_deref().is_some_and(|c| !c.trim().is_empty()))
            && (self.words.is_empty() || event.comment.as_deref().is_some_and(|c| self.said(c)))
    }

    /// Whether `comment` contains one of `words`, in any letter case.
    fn said(&self, comment: &str) -> bool {
        let comment = fold(comment);
        self.words.iter().any(|w| comment.contains(&fold(w.trim())))
    }

    /// Whether this webhook hears of a visitor's erasure: when it takes
    /// events of some kind (it may hold copies of theirs), whatever its
    /// survey, band or comment filters.
    pub fn admits_erasure(&self) -> bool {
        self.types.is_empty() || self.types.iter().any(|t| *t != Topic::Alert)
    }

    /// Whether an alert's notice goes to this webhook: always without a
    /// filter; with one, when `types` lists `alert` (and `surveys`, if
    /// given, the alert's survey). Bands and comments are about answers.
    pub fn admits_notice(&self, notice: &Notice) -> bool {
        (*self == Only::default() || self.types.contains(&Topic::Alert))
            && (self.surveys.is_empty() || self.surveys.contains(&notice.survey))
    }
}

/// Most webhooks per site.
pub const MAX_WEBHOOKS: usize = 10;

/// The longest `retention_days`: ten years.
pub const MAX_RETENTION_DAYS: u32 = 3650;

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// How a CSAT scale is drawn (the answer is 1-5 either way).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Display {
    #[default]
    Numbers,
    Stars,
    Emoji,
}

/// What to do when a survey has no text in the visitor's language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Untranslated {
    /// Show it in the site's default language.
    #[default]
    Default,
    /// Do not show it.
    Skip,
}

/// One prompt: a metric question tied to a touchpoint of the journey.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    /// Stable id, reported on every event (`post-checkout-nps`).
    pub id: String,
    /// The question kind, and so the scale.
    pub metric: Metric,
    /// CES only: 5 or 7 points (default 7). 1 is always "very easy".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<u8>,
    /// The touchpoint this prompt measures (`checkout_completed`).
    pub touchpoint: String,
    /// Journey stage (`purchase`, `use`, ...), for reading results per stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// When the prompt appears.
    pub trigger: Trigger,
    /// The question, per language.
    pub question: Texts,
    /// The optional "why?" follow-up, per language; absent: score only;
    /// `{}`: the built-in wording in the prompt's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<Texts>,
    /// Follow-up texts for particular score bands (`detractor`, `passive`,
    /// `promoter`; `low`, `high`; `easy`, `hard`), overriding `follow_up`.
    #[serde(default, skip_serializing_if = "VecMap::is_empty")]
    pub follow_up_by_band: VecMap<Band, Texts>,
    /// Custom thank-you text, per language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thanks: Option<Texts>,
    /// CSAT only: `numbers`, `stars` or `emoji`.
    #[serde(default, skip_serializing_if = "is_default")]
    pub display: Display,
    /// No text in the visitor's language: show the default one, or skip.
    #[serde(default, skip_serializing_if = "is_default")]
    pub untranslated: Untranslated,
    /// Who may be asked (keys: see `decide`); empty: everyone.
    #[serde(default, skip_serializing_if = "Group::is_empty")]
    pub target: Group,
    /// How often the same visitor may be asked.
    #[serde(default, skip_serializing_if = "is_default")]
    pub frequency: Frequency,
    /// Higher first when several surveys are eligible (see `fatigue`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub priority: i32,
    /// Share of visitors ever asked, 0.0001-1 (sticky per visitor, see `experiment`).
    #[serde(default = "full_sample", skip_serializing_if = "is_full_sample")]
    pub sample_rate: f64,
    /// An A/B test of this survey's timing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment: Option<Experiment>,
}

fn full_sample() -> f64 {
    1.0
}

fn is_full_sample(rate: &f64) -> bool {
    *rate == 1.0
}

fn default_version() -> u32 {
    CONFIG_VERSION
}

fn default_locale() -> String {
    "en".into()
}

impl SiteConfig {
    /// The survey with this id.
    pub fn survey(&self, id: &str) -> Option<&Survey> {
        self.surveys.iter().find(|s| s.id == id)
    }

    /// Surveys whose trigger is the custom event `name`, in config order.
    pub fn surveys_for_event<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Survey> {
        self.surveys.iter().filter(move |s| s.trigger.event.as_deref() == Some(name))
    }

    /// The configuration a browser may see: what the widget needs, without
    /// the allowed origins, the webhooks (their secrets sign deliveries) and
    /// the collector-only settings. The theme's colours, font and radius
    /// travel as the rule the widget adopts (`theme.css`), not one by one,
    /// and a survey's journey stage (read per stage by the collector) not at
    /// all: every visitor downloads this.
    pub fn public(&self) -> SiteConfig {
        let theme = &self.theme;
        SiteConfig {
            origins: Vec::new(),
            webhooks: Vec::new(),
            alerts: Vec::new(),
            retention_days: None,
            rate_limit: RateTier::default(),
            redact_pii: false,
            ui: self.ui_tables(),
            theme: Theme {
                css: Some(theme.css()),
                brand: None,
                text: None,
                background: None,
                font: None,
                radius: None,
                ..theme.clone()
            },
            surveys: self.surveys.iter().map(|s| Survey { stage: None, ..s.clone() }).collect(),
            ..self.clone()
        }
    }

    /// The built-in UI tables a prompt of this site may show, but English:
    /// one per language its survey questions are written in (a prompt is
    /// always in the language of its question).
    fn ui_tables(&self) -> Vec<&'static UiText> {
        let mut out: Vec<&'static UiText> = Vec::new();
        for (tag, _) in self.surveys.iter().flat_map(|s| &s.question) {
            match negotiate(tag) {
                Some(ui) if ui.locale != "en" && !out.contains(&ui) => out.push(ui),
                _ => {}
            }
        }
        out
    }

    /// Whether a page on `origin` may send events for this site.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == origin)
    }

    /// Every regular expression in the surveys' rules, with its field.
    pub fn patterns(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        for (i, survey) in self.surveys.iter().enumerate() {
            let path = format!("surveys[{i}]");
            survey.target.patterns(&format!("{path}.target"), &mut out);
            let variants = survey.experiment.iter().flat_map(|e| e.variants.iter().enumerate());
            let triggers = std::iter::once((path.clone(), &survey.trigger)).chain(
                variants
                    .filter_map(|(j, v)| v.trigger.as_ref().map(|t| (format!("{path}.experiment.variants[{j}]"), t))),
            );
            for (at, trigger) in triggers {
                trigger.where_.patterns(&format!("{at}.trigger.where"), &mut out);
                trigger.page.patterns(&format!("{at}.trigger.page"), &mut out);
            }
        }
        out
    }

    /// Checks every field; returns all problems, each naming its field.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.version != CONFIG_VERSION {
            errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                "version",
                format!("unsupported config version; this collector reads version {CONFIG_VERSION}"),
            ));
        }
        if self.locale_override.as_deref().is_some_and(|l| !is_locale(l)) {
            errors.push(FieldError::new(ErrorCode::InvalidValue, "locale_override", "not a language tag"));
        }
        self.theme.validate(&mut errors);
        self.fatigue.validate(&mut errors);
        if self.webhooks.len() > MAX_WEBHOOKS {
            errors.push(FieldError::new(ErrorCode::TooLong, "webhooks", format!("at most {MAX_WEBHOOKS} webhooks")));
        }
        for (i, hook) in self.webhooks.iter().enumerate() {
            let http = hook.url.starts_with("https://") || hook.url.starts_with("http://");
            if !http || hook.url.len() > crate::limits::MAX_URL_BYTES || hook.url.contains(char::is_whitespace) {
                errors.push(FieldError::new(ErrorCode::InvalidValue, format!("webhooks[{i}].url"), "an http(s) URL"));
            }
            if !(16..=256).contains(&hook.secret.len()) {
                errors.push(FieldError::new(
                    ErrorCode::InvalidValue,
                    format!("webhooks[{i}].secret"),
                    "16-256 characters, random",
                ));
            }
            if hook.only.words.len() > MAX_WEBHOOK_WORDS {
                errors.push(FieldError::new(
                    ErrorCode::TooLong,
                    format!("webhooks[{i}].only.words"),
                    format!("at most {MAX_WEBHOOK_WORDS} words"),
                ));
            }
            for (j, word) in hook.only.words.iter().enumerate() {
                let chars = word.trim().chars().count();
                if !(1..=MAX_WEBHOOK_WORD_CHARS).contains(&chars) {
                    errors.push(FieldError::new(
                        ErrorCode::InvalidValue,
                        format!("webhooks[{i}].only.words[{j}]"),
                        format!("a word or phrase, 1-{MAX_WEBHOOK_WORD_CHARS} characters"),
                    ));
                }
            }
            for (j, survey) in hook.only.surveys.iter().enumerate() {
                if !is_id(survey) {
                    errors.push(FieldError::new(
                        ErrorCode::InvalidValue,
                        format!("webhooks[{i}].only.surveys[{j}]"),
                        "a survey id",
                    ));
                }
            }
        }
        if self.retention_days.is_some_and(|d| !(1..=MAX_RETENTION_DAYS).contains(&d)) {
            errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                "retention_days",
                format!("1 to {MAX_RETENTION_DAYS} days, or leave it out to keep events until deleted"),
            ));
        }
        if self.alerts.len() > MAX_ALERTS {
            errors.push(FieldError::new(ErrorCode::TooLong, "alerts", format!("at most {MAX_ALERTS} alerts")));
        }
        let surveys: Vec<_> = self.surveys.iter().map(|s| (s.id.as_str(), s.metric, s.answer_scale())).collect();
        for (i, alert) in self.alerts.iter().enumerate() {
            alert.validate(&format!("alerts[{i}]"), &surveys, &mut errors);
            if self.alerts[..i].iter().any(|a| a.id == alert.id) {
                errors.push(FieldError::new(ErrorCode::InvalidValue, format!("alerts[{i}].id"), "duplicate alert id"));
            }
        }
        if !is_locale(&self.default_locale) {
            errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                "default_locale",
                "not a language tag such as `en` or `pt-BR`",
            ));
        }
        if self.origins.len() > MAX_ORIGINS {
            errors.push(FieldError::new(ErrorCode::TooLong, "origins", format!("at most {MAX_ORIGINS} origins")));
        }
        for (i, origin) in self.origins.iter().enumerate() {
            if !is_origin(origin) {
                errors.push(FieldError::new(
                    ErrorCode::InvalidValue,
                    format!("origins[{i}]"),
                    "an origin is scheme://host[:port] with no path, such as https://shop.example",
                ));
            } else {
                // Browsers send `Origin` in this form, compared as is: any
                // other spelling would never match.
                let canonical = canonical_origin(origin);
                if canonical != *origin {
                    errors.push(FieldError::new(
                        ErrorCode::InvalidValue,
                        format!("origins[{i}]"),
                        format!("write it as browsers send it (lower case, no default port): {canonical}"),
                    ));
                }
            }
        }
        if self.surveys.len() > MAX_SURVEYS {
            errors.push(FieldError::new(ErrorCode::TooLong, "surveys", format!("at most {MAX_SURVEYS} surveys")));
        }
        for (i, survey) in self.surveys.iter().enumerate() {
            if self.surveys[..i].iter().any(|s| s.id == survey.id) {
                errors.push(FieldError::new(
                    ErrorCode::InvalidValue,
                    format!("surveys[{i}].id"),
                    "duplicate survey id",
                ));
            }
            survey.validate(&format!("surveys[{i}]"), &self.default_locale, &mut errors);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

impl Survey {
    /// The scale stored with each answer: CES only (5 or 7, default 7);
    /// `None` for NPS and CSAT, whose scales are fixed.
    pub fn answer_scale(&self) -> Option<u8> {
        (self.metric == Metric::Ces).then(|| self.metric.top(self.scale))
    }

    fn validate(&self, path: &str, default_locale: &str, errors: &mut Vec<FieldError>) {
        if !is_id(&self.id) {
            errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                format!("{path}.id"),
                format!("1-{MAX_ID_BYTES} characters of a-z, A-Z, 0-9, '-', '_'"),
            ));
        }
        match (self.metric, self.scale) {
            (_, None) => {}
            (Metric::Ces, Some(s)) if CES_SCALES.contains(&s) => {}
            (Metric::Ces, Some(_)) => {
                errors.push(FieldError::new(ErrorCode::InvalidValue, format!("{path}.scale"), "CES scale is 5 or 7"))
            }
            (_, Some(_)) => errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                format!("{path}.scale"),
                "only CES surveys choose a scale (NPS is 0-10, CSAT 1-5)",
            )),
        }
        check_name(&self.touchpoint, &format!("{path}.touchpoint"), errors);
        self.trigger.validate(&format!("{path}.trigger"), errors);
        self.target.validate(&format!("{path}.target"), None, errors);
        self.frequency.validate(&format!("{path}.frequency"), errors);
        if !(0.0001..=1.0).contains(&self.sample_rate) {
            errors.push(FieldError::new(ErrorCode::OutOfRange, format!("{path}.sample_rate"), "0.0001-1"));
        }
        if let Some(experiment) = &self.experiment {
            experiment.validate(&format!("{path}.experiment"), errors);
        }
        check_texts(&self.question, &format!("{path}.question"), default_locale, errors);
        if let Some(texts) = self.follow_up.as_ref().filter(|t| !t.is_empty()) {
            check_texts(texts, &format!("{path}.follow_up"), default_locale, errors);
        }
        for (band, texts) in &self.follow_up_by_band {
            let field = format!("{path}.follow_up_by_band.{}", band.as_str());
            if !Band::of_metric(self.metric).contains(band) {
                errors.push(FieldError::new(ErrorCode::InvalidValue, field, "not a band of this survey's metric"));
            } else {
                check_texts(texts, &field, default_locale, errors);
            }
        }
        if let Some(texts) = &self.thanks {
            check_texts(texts, &format!("{path}.thanks"), default_locale, errors);
        }
        if self.display != Display::Numbers && self.metric != Metric::Csat {
            errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                format!("{path}.display"),
                "stars and emoji are for CSAT",
            ));
        }
    }
}

pub(crate) fn check_name(name: &str, field: &str, errors: &mut Vec<FieldError>) {
    if name.is_empty() || name.len() > MAX_NAME_BYTES || name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            ErrorCode::InvalidValue,
            field,
            format!("1-{MAX_NAME_BYTES} bytes, no control characters"),
        ));
    }
}

fn check_texts(texts: &Texts, field: &str, default_locale: &str, errors: &mut Vec<FieldError>) {
    if !texts.contains_key(default_locale) {
        errors.push(FieldError::new(
            ErrorCode::MissingField,
            format!("{field}.{default_locale}"),
            "every text needs a version in the site's default_locale",
        ));
    }
    for (locale, text) in texts {
        if !is_locale(locale) {
            errors.push(FieldError::new(ErrorCode::InvalidValue, format!("{field}.{locale}"), "not a language tag"));
        } else if text.trim().is_empty() || text.chars().count() > MAX_TEXT_CHARS {
            errors.push(FieldError::new(
                ErrorCode::TooLong,
                format!("{field}.{locale}"),
                format!("1-{MAX_TEXT_CHARS} characters"),
            ));
        }
    }
}

/// `scheme://host[:port]`, lower-case scheme http or https, no path or slash.
fn is_origin(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")) else {
        return false;
    };
    !rest.is_empty()
        && rest.len() <= 253
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

/// `origin` as browsers send it: lower case, without the scheme's default
/// port.
fn canonical_origin(origin: &str) -> String {
    let lower = origin.to_ascii_lowercase();
    let (scheme, authority) = lower.split_once("://").unwrap_or(("", &lower));
    let default_port = if scheme == "https" { 443 } else { 80 };
    // The port follows the last ':', unless that one is inside an IPv6
    // address's brackets; an empty port is left out by browsers too.
    let host = match authority.rsplit_once(':') {
        Some((host, port))
            if !port.contains(']') && (port.is_empty() || port.parse::<u16>().is_ok_and(|p| p == default_port)) =>
        {
            host
        }
        _ => authority,
    };
    format!("{scheme}://{host}")
}

/// The text for `locale` and the key it was found under: exact tag
/// (case-insensitive), then the built-in regional fallback (`zh-HK` ->
/// `zh-TW`, `pt` -> `pt-BR`), then any text in the same language.
pub fn find_text<'a>(texts: &'a Texts, locale: &str) -> Option<(&'a str, &'a str)> {
    let exact = |tag: &str| texts.iter().find(|(k, _)| k.eq_ignore_ascii_case(tag));
    let language = crate::wire::subtags(locale).next().unwrap_or(locale);
    exact(locale)
        .or_else(|| crate::i18n::supported(locale).and_then(exact))
        .or_else(|| {
            texts
                .iter()
                .find(|(k, _)| crate::wire::pieces(k, b'-').next().is_some_and(|l| l.eq_ignore_ascii_case(language)))
        })
        .map(|(k, v)| (k.as_str(), v.as_str()))
}
