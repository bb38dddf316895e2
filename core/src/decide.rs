//! The decision: given the site config, the visitor's state, the page
//! context and the clock, may this survey be shown, and which one wins?
//! The widget gathers signals and applies the answer; nothing here touches
//! a browser.
//!
//! [`eligible`] checks, in this order (the first failure is the [`Reason`]):
//! privacy (consent, GPC) -> `trigger.page` URL rules -> targeting
//! (`survey.target`) -> sampling -> experiment holdout -> frequency ->
//! dismiss cool-down -> recontact wait -> another prompt on screen (any tab)
//! -> already asked on this page view. The trigger itself is the widget's
//! part ([`crate::trigger::Trigger::fires`] on the effective trigger).
//! [`choose`] then orders the eligible ones (see `fatigue`'s header).
//!
//! Targeting keys: `device` (`mobile`|`tablet`|`desktop`), `language`,
//! `path`, `url`, `visitor_type` (`new`|`returning`), `visits` (number),
//! `days_since_first_visit` (number) are built in and cannot be overridden;
//! every other key (`journey_stage`, `plan`, ...) is a custom attribute from
//! `touchpoint('set' | 'identify', ...)`.
//!
//! [`show`] (`touchpoint('show', id)`) bypasses triggers, page rules,
//! targeting, sampling, holdout, frequency, cool-down, recontact and the
//! one-per-page rule; it still needs consent and waits for no other prompt
//! to be on screen.

use crate::config::SiteConfig;
use crate::experiment::{effective_trigger, sample_bucket, sample_threshold};
use crate::fatigue::Spent;
use crate::rule::{Failed, Regex, Value};
use crate::theme::Position;
use crate::trigger::Signal;
use crate::visitor::VisitorState;
use crate::wire::uint;

/// What the page knows at the moment of a decision.
pub struct Context<'a> {
    /// The clock, ms since the Unix epoch.
    pub now_ms: u64,
    /// `mobile`, `tablet` or `desktop`.
    pub device: &'a str,
    /// The visitor's resolved language (`de-CH`).
    pub language: &'a str,
    /// `location.pathname`.
    pub path: &'a str,
    /// `location.href`.
    pub url: &'a str,
    /// Attributes from `touchpoint('set' | 'identify', ...)`.
    pub attrs: &'a dyn Fn(&str) -> Option<Value>,
    /// A prompt is on screen in this or another tab of the site.
    pub on_screen: bool,
    /// A prompt was already shown on this page view.
    pub shown_this_page: bool,
    /// `?touchpoint_variant=experiment:variant`, split at the first ':'.
    pub forced_variant: Option<(&'a str, &'a str)>,
    /// `touchpoint('consent', b)`; `None` until called.
    pub consent: Option<bool>,
    /// The browser sends Global Privacy Control or Do Not Track.
    pub gpc: bool,
}

/// What to show and how, once the trigger fires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Index into `config.surveys`.
    pub survey: usize,
    /// Index into the survey's `experiment.variants`.
    pub variant: Option<usize>,
    /// Wait this long after the trigger (the effective `delay_seconds`).
    pub delay_ms: u32,
    /// The variant's position, overriding the theme's.
    pub position: Option<Position>,
}

/// Why a survey is not shown now; [`Reason::describe`] words it for logs.
#[derive(Clone, Debug, PartialEq)]
pub enum Reason<'a> {
    /// The index names no survey.
    NoSurvey,
    /// Consent required and not given, or refused.
    NoConsent,
    /// Global Privacy Control / Do Not Track, and the site respects it.
    Gpc,
    /// For the widget's own logs: no configured signal has happened.
    TriggerNotMet,
    /// A `trigger.page` URL rule failed.
    Page(Failed<'a>),
    /// A `target` rule failed.
    Targeting(Failed<'a>),
    SampledOut {
        bucket: u32,
        threshold: u32,
    },
    Holdout {
        experiment: &'a str,
        variant: &'a str,
    },
    Frequency(Spent),
    DismissCooldown {
        until_ms: u64,
    },
    Recontact {
        until_ms: u64,
    },
    OnScreen,
    AlreadyThisPage,
    /// Eligible, but a survey that comes first in the order won.
    Outranked {
        by: &'a str,
    },
}

/// `Ok` when the site's privacy settings and the visitor's choice allow
/// storing, sending and showing anything at all.
pub fn privacy(config: &SiteConfig, consent: Option<bool>, gpc: bool) -> Result<(), Reason<'static>> {
    if config.respect_gpc && gpc {
        Err(Reason::Gpc)
    } else if consent == Some(false) || (config.require_consent && consent != Some(true)) {
        Err(Reason::NoConsent)
    } else {
        Ok(())
    }
}

/// The variant a visitor is in: a forced preview naming this experiment,
/// else the stored assignment (if that variant still exists), else the hash.
pub fn variant_of(
    config: &SiteConfig,
    survey: usize,
    state: &VisitorState,
    visitor: &str,
    forced: Option<(&str, &str)>,
) -> Option<usize> {
    let exp = config.surveys.get(survey)?.experiment.as_ref()?;
    if let Some(i) = forced.filter(|(e, _)| *e == exp.id).and_then(|(_, v)| exp.variant(v)) {
        return Some(i);
    }
    state.assignment(&exp.id).and_then(|v| exp.variant(v)).or_else(|| Some(exp.assign(visitor, None)))
}

/// A targeting value: built-ins first, then custom attributes.
pub fn attribute(state: &VisitorState, ctx: &Context<'_>, key: &str) -> Option<Value> {
    let s = |v: &str| Some(Value::Str(v.into()));
    match key {
        "device" => s(ctx.device),
        "language" => s(ctx.language),
        "path" => s(ctx.path),
        "url" => s(ctx.url),
        "visitor_type" => s(state.visitor_type()),
        "visits" => Some(Value::Num(f64::from(state.visits))),
        "days_since_first_visit" => Some(Value::Num(state.days_since_first_visit(ctx.now_ms) as f64)),
        _ => (ctx.attrs)(key),
    }
}

/// Everything but the trigger: may survey `index` be shown now, and how?
pub fn eligible<'a>(
    config: &'a SiteConfig,
    state: &VisitorState,
    visitor: &str,
    index: usize,
    ctx: &Context<'_>,
    re: &dyn Regex,
) -> Result<Plan, Reason<'a>> {
    let survey = config.surveys.get(index).ok_or(Reason::NoSurvey)?;
    privacy(config, ctx.consent, ctx.gpc)?;
    let variant_index = variant_of(config, index, state, visitor, ctx.forced_variant);
    let variant = survey.experiment.as_ref().zip(variant_index).and_then(|(e, i)| e.variants.get(i));
    let trigger = effective_trigger(survey, variant);
    trigger.trigger.page_holds(ctx.path, ctx.url, re).map_err(Reason::Page)?;
    survey.target.eval(&|key| attribute(state, ctx, key), re).map_err(Reason::Targeting)?;
    let bucket = sample_bucket(visitor, &survey.id);
    let threshold = sample_threshold(survey.sample_rate);
    if bucket >= threshold {
        return Err(Reason::SampledOut { bucket, threshold });
    }
    if let (Some(exp), Some(v)) = (&survey.experiment, variant.filter(|v| v.holdout)) {
        return Err(Reason::Holdout { experiment: &exp.id, variant: &v.id });
    }
    let history = state.survey(&survey.id);
    survey.frequency.allows(history, ctx.now_ms).map_err(Reason::Frequency)?;
    if let Some(until_ms) = history.and_then(|h| h.dismissed_ms).map(|d| config.fatigue.cooldown_until(d)) {
        if ctx.now_ms < until_ms {
            return Err(Reason::DismissCooldown { until_ms });
        }
    }
    if let Some(until_ms) = config.fatigue.recontact_until(&state.prompts, survey.priority) {
        if ctx.now_ms < until_ms {
            return Err(Reason::Recontact { until_ms });
        }
    }
    if ctx.on_screen {
        return Err(Reason::OnScreen);
    }
    if ctx.shown_this_page {
        return Err(Reason::AlreadyThisPage);
    }
    Ok(Plan {
        survey: index,
        variant: variant_index,
        delay_ms: trigger.delay_seconds.saturating_mul(1000),
        position: variant.and_then(|v| v.position),
    })
}

/// The surveys whose effective trigger (the visitor's variant applied)
/// waits for `signal`, in config order: the `candidates` for [`choose`].
pub fn triggered(
    config: &SiteConfig,
    state: &VisitorState,
    visitor: &str,
    forced: Option<(&str, &str)>,
    signal: Signal<'_>,
    re: &dyn Regex,
) -> Vec<usize> {
    let fires = |i: &usize| trigger_of(config, state, visitor, forced, *i).is_some_and(|t| t.fires(signal, re));
    (0..config.surveys.len()).filter(fires).collect()
}

/// The trigger that applies to survey `index` for this visitor: the
/// survey's own, or its experiment variant's replacement or retiming.
pub fn trigger_of<'a>(
    config: &'a SiteConfig,
    state: &VisitorState,
    visitor: &str,
    forced: Option<(&str, &str)>,
    index: usize,
) -> Option<crate::experiment::EffectiveTrigger<'a>> {
    let survey = config.surveys.get(index)?;
    let variant = plan_variant(config, index, variant_of(config, index, state, visitor, forced));
    Some(effective_trigger(survey, variant))
}

/// Of the `candidates` (survey indices whose trigger fired), the one to
/// show: highest priority, then longest overdue, then config order. Every
/// other candidate comes back with its reason (the eligible losers as
/// [`Reason::Outranked`]).
pub fn choose<'a>(
    config: &'a SiteConfig,
    state: &VisitorState,
    visitor: &str,
    candidates: &[usize],
    ctx: &Context<'_>,
    re: &dyn Regex,
) -> (Option<Plan>, Vec<(usize, Reason<'a>)>) {
    let mut rejected = Vec::new();
    let mut best: Option<(Plan, (i32, u64, usize))> = None;
    for &index in candidates {
        let plan = match eligible(config, state, visitor, index, ctx, re) {
            Ok(plan) => plan,
            Err(reason) => {
                rejected.push((index, reason));
                continue;
            }
        };
        let key = order_key(config, state, index);
        match &best {
            Some((winner, best_key)) if !better(key, *best_key) => {
                rejected.push((index, outranked_by(config, winner.survey)));
            }
            _ => {
                if let Some((old, _)) = best.replace((plan, key)) {
                    rejected.push((old.survey, outranked_by(config, index)));
                }
            }
        }
    }
    (best.map(|(plan, _)| plan), rejected)
}

fn order_key(config: &SiteConfig, state: &VisitorState, index: usize) -> (i32, u64, usize) {
    let survey = config.surveys.get(index);
    let priority = survey.map_or(0, |s| s.priority);
    let due = survey.map_or(0, |s| s.frequency.due_since(state.survey(&s.id)));
    (priority, due, index)
}

/// Higher priority, then earlier due, then earlier in the config.
fn better(a: (i32, u64, usize), b: (i32, u64, usize)) -> bool {
    (std::cmp::Reverse(a.0), a.1, a.2) < (std::cmp::Reverse(b.0), b.1, b.2)
}

/// [`Reason::Outranked`] by survey `winner`.
fn outranked_by(config: &SiteConfig, winner: usize) -> Reason<'_> {
    Reason::Outranked { by: config.surveys.get(winner).map_or("", |s| s.id.as_str()) }
}

/// `touchpoint('show', id)`: only consent and "one prompt on screen" apply.
pub fn show<'a>(
    config: &'a SiteConfig,
    state: &VisitorState,
    visitor: &str,
    index: usize,
    ctx: &Context<'_>,
) -> Result<Plan, Reason<'a>> {
    config.surveys.get(index).ok_or(Reason::NoSurvey)?;
    privacy(config, ctx.consent, ctx.gpc)?;
    if ctx.on_screen {
        return Err(Reason::OnScreen);
    }
    let variant = variant_of(config, index, state, visitor, ctx.forced_variant);
    let position = plan_variant(config, index, variant).and_then(|v| v.position);
    Ok(Plan { survey: index, variant, delay_ms: 0, position })
}

fn plan_variant(config: &SiteConfig, survey: usize, variant: Option<usize>) -> Option<&crate::experiment::Variant> {
    config.surveys.get(survey)?.experiment.as_ref()?.variants.get(variant?)
}

impl Plan {
    /// `(experiment id, variant id)` to record on every event of this prompt.
    pub fn experiment<'a>(&self, config: &'a SiteConfig) -> Option<(&'a str, &'a str)> {
        let exp = config.surveys.get(self.survey)?.experiment.as_ref()?;
        Some((exp.id.as_str(), exp.variants.get(self.variant?)?.id.as_str()))
    }
}

impl Reason<'_> {
    /// One line for debug logs, naming exactly why.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let ms = |out: &mut String, text: &str, ms: u64| {
            out.push_str(text);
            uint(out, ms);
        };
        match self {
            Reason::NoSurvey => out.push_str("no such survey"),
            Reason::NoConsent => out.push_str("no consent: touchpoint('consent', true) not called, or refused"),
            Reason::Gpc => out.push_str("Global Privacy Control / Do Not Track is on and the site respects it"),
            Reason::TriggerNotMet => out.push_str("trigger not met"),
            Reason::Page(f) => {
                out.push_str("page: ");
                out.push_str(&f.describe("trigger.page"));
            }
            Reason::Targeting(f) => {
                out.push_str("targeting: ");
                out.push_str(&f.describe("target"));
            }
            Reason::SampledOut { bucket, threshold } => {
                ms(&mut out, "sampled out: bucket ", u64::from(*bucket));
                ms(&mut out, " >= ", u64::from(*threshold));
            }
            Reason::Holdout { experiment, variant } => {
                for part in ["experiment ", experiment, ": holdout (variant ", variant, ")"] {
                    out.push_str(part);
                }
            }
            Reason::Frequency(Spent::Once { shown_ms }) => ms(&mut out, "frequency once: shown on ", *shown_ms),
            Reason::Frequency(Spent::Answered { answered_ms }) => ms(&mut out, "frequency: answered on ", *answered_ms),
            Reason::Frequency(Spent::MaxTimes { shown }) => {
                ms(&mut out, "frequency max_times: shown ", u64::from(*shown));
                out.push_str(" times");
            }
            Reason::Frequency(Spent::NotDue { until_ms }) => {
                ms(&mut out, "frequency every_days: not due until ", *until_ms)
            }
            Reason::DismissCooldown { until_ms } => ms(&mut out, "dismissed: cool-down until ", *until_ms),
            Reason::Recontact { until_ms } => ms(&mut out, "recontact wait until ", *until_ms),
            Reason::OnScreen => out.push_str("another prompt is on screen"),
            Reason::AlreadyThisPage => out.push_str("already asked this page view"),
            Reason::Outranked { by } => {
                out.push_str("outranked by ");
                out.push_str(by);
            }
        }
        out
    }
}
