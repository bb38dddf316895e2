//! When a prompt appears: the signals a survey waits for, and the pure
//! helpers the widget uses to turn browser events into [`Signal`]s.
//!
//! A trigger fires on ANY of its configured signals (event, page view,
//! click, exit intent, scroll depth, dwell, inactivity). `page` is not a
//! signal but a condition on the URL (`path` = `location.pathname`, `url` =
//! full `location.href`) that must hold when the signal arrives and during
//! the whole `delay_seconds` that follows (the widget re-checks it on SPA
//! navigation and cancels a pending or shown prompt when it stops holding).
//!
//! Mobile exit intent (there is no pointer to leave the window): see
//! [`ExitIntent`]. `visibilitychange` to hidden is too late to show
//! anything, so it is not a signal.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, FieldError};
use crate::rule::{Group, Regex, Value};

/// Longest `delay_seconds`, `dwell_seconds` and `inactivity_seconds`: one hour.
pub const MAX_TRIGGER_SECONDS: u32 = 3600;
/// Longest click selector, in bytes.
pub const MAX_SELECTOR_BYTES: usize = 256;
/// The keys `trigger.page` rules may use.
pub const PAGE_KEYS: [&str; 2] = ["path", "url"];

fn is_false(b: &bool) -> bool {
    !*b
}

/// What makes a survey's prompt appear. `{"event": "x"}` alone is valid
/// (the original format).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    /// A custom event name sent with `touchpoint('event', name, props)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Filters on the event's properties (only with `event`).
    #[serde(default, rename = "where", skip_serializing_if = "Group::is_empty")]
    pub where_: Group,
    /// Every page view, including SPA navigations.
    #[serde(default, skip_serializing_if = "is_false")]
    pub page_view: bool,
    /// URL conditions (keys `path`, `url`) for every signal and the delay.
    #[serde(default, skip_serializing_if = "Group::is_empty")]
    pub page: Group,
    /// A click on an element matching this CSS selector, or inside one
    /// (the widget checks `event.target.closest(selector)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub click: Option<String>,
    /// Desktop: the pointer leaves through the top of the viewport; mobile:
    /// a fast upward scroll after reading part of the page ([`ExitIntent`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub exit_intent: bool,
    /// The visitor has seen this much of the page, 1-100 ([`scroll_percent`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scroll_percent: Option<u8>,
    /// Seconds on the page (reset on SPA navigation), 1-3600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dwell_seconds: Option<u32>,
    /// Seconds without input (pointer, key, scroll, touch), 1-3600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactivity_seconds: Option<u32>,
    /// Wait this long after the signal before showing, 0-3600 s; cancelled
    /// when the visitor leaves the page or `page` stops holding.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delay_seconds: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Something that happened on the page, as the widget reports it.
#[derive(Clone, Copy)]
pub enum Signal<'a> {
    /// `touchpoint('event', name, props)`; `props` looks a property up.
    Event {
        name: &'a str,
        props: &'a dyn Fn(&str) -> Option<Value>,
    },
    PageView,
    /// A click the widget matched against [`Trigger::click`] with `closest()`.
    Click,
    ExitIntent,
    /// The deepest scroll percent reached so far on this page.
    Scroll(u8),
    /// Seconds on this page so far.
    Dwell(u32),
    /// Seconds since the last input.
    Inactivity(u32),
}

impl Trigger {
    /// A trigger on the custom event `name` (the original format).
    pub fn on_event(name: &str) -> Self {
        Trigger { event: Some(name.into()), ..Trigger::default() }
    }

    /// Whether `signal` is one this trigger waits for. `page` is not checked
    /// here (see [`Trigger::page_holds`] and `decide::eligible`).
    pub fn fires(&self, signal: Signal<'_>, re: &dyn Regex) -> bool {
        self.fires_after(signal, self.dwell_seconds, re)
    }

    /// [`Trigger::fires`] with `dwell_seconds` in place of the trigger's own
    /// (an experiment variant's retiming).
    pub fn fires_after(&self, signal: Signal<'_>, dwell_seconds: Option<u32>, re: &dyn Regex) -> bool {
        match signal {
            Signal::Event { name, props } => self.event.as_deref() == Some(name) && self.where_.eval(props, re).is_ok(),
            Signal::PageView => self.page_view,
            Signal::Click => self.click.is_some(),
            Signal::ExitIntent => self.exit_intent,
            Signal::Scroll(p) => self.scroll_percent.is_some_and(|t| p >= t),
            Signal::Dwell(s) => dwell_seconds.is_some_and(|t| s >= t),
            Signal::Inactivity(s) => self.inactivity_seconds.is_some_and(|t| s >= t),
        }
    }

    /// Whether the URL conditions hold for this page.
    pub fn page_holds(&self, path: &str, url: &str, re: &dyn Regex) -> Result<(), crate::rule::Failed<'_>> {
        self.page.eval(&|key| page_value(key, path, url), re)
    }

    /// Whether any signal is configured.
    pub fn has_signal(&self) -> bool {
        self.event.is_some()
            || self.page_view
            || self.click.is_some()
            || self.exit_intent
            || self.scroll_percent.is_some()
            || self.dwell_seconds.is_some()
            || self.inactivity_seconds.is_some()
    }

    /// Checks every field; `path` names the trigger (`surveys[0].trigger`).
    pub fn validate(&self, path: &str, errors: &mut Vec<FieldError>) {
        let err = |errors: &mut Vec<FieldError>, field: &str, message: &str| {
            errors.push(FieldError::new(ErrorCode::InvalidValue, format!("{path}.{field}"), message))
        };
        if !self.has_signal() {
            errors.push(FieldError::new(
                ErrorCode::MissingField,
                path,
                "at least one of event, page_view, click, exit_intent, scroll_percent, dwell_seconds, inactivity_seconds",
            ));
        }
        if let Some(event) = &self.event {
            crate::config::check_name(event, &format!("{path}.event"), errors);
        }
        if self.event.is_none() && !self.where_.is_empty() {
            err(errors, "where", "filters event properties, so it needs event");
        }
        self.where_.validate(&format!("{path}.where"), None, errors);
        self.page.validate(&format!("{path}.page"), Some(&PAGE_KEYS), errors);
        if let Some(sel) = &self.click {
            if sel.trim().is_empty() || sel.len() > MAX_SELECTOR_BYTES || sel.chars().any(char::is_control) {
                err(errors, "click", "a CSS selector of 1-256 bytes");
            }
        }
        if self.scroll_percent.is_some_and(|p| !(1..=100).contains(&p)) {
            err(errors, "scroll_percent", "1-100");
        }
        for (field, secs) in [("dwell_seconds", self.dwell_seconds), ("inactivity_seconds", self.inactivity_seconds)] {
            if secs.is_some_and(|s| !(1..=MAX_TRIGGER_SECONDS).contains(&s)) {
                err(errors, field, "1-3600 seconds");
            }
        }
        if self.delay_seconds > MAX_TRIGGER_SECONDS {
            err(errors, "delay_seconds", "0-3600 seconds");
        }
    }
}

/// The built-in page keys: `path` and `url`.
pub fn page_value(key: &str, path: &str, url: &str) -> Option<Value> {
    match key {
        "path" => Some(Value::Str(path.into())),
        "url" => Some(Value::Str(url.into())),
        _ => None,
    }
}

/// How much of the page the visitor has seen, 0-100: the bottom edge of the
/// viewport over the document height. A page that fits in the viewport is
/// 100. All values in CSS pixels; negative (iOS bounce) scroll counts as 0.
pub fn scroll_percent(scroll_y: f64, viewport_h: f64, doc_h: f64) -> u8 {
    if doc_h <= viewport_h || viewport_h <= 0.0 || doc_h.is_nan() || viewport_h.is_nan() {
        return 100;
    }
    let seen = (scroll_y.max(0.0) + viewport_h) / doc_h * 100.0;
    seen.clamp(0.0, 100.0) as u8
}

/// Mobile exit intent: the visitor has scrolled down at least
/// [`ExitIntent::ARM_PERCENT`] % of the scrollable distance
/// (`scroll_y / (doc_h - viewport_h)`, so a page that does not scroll never
/// arms it), then
/// scrolls up by at least [`ExitIntent::UP_VIEWPORTS_PCT`] % of a viewport
/// height within [`ExitIntent::WINDOW_MS`] (the fling towards the address bar
/// that precedes going back or switching tabs). Fires once per page; call
/// [`ExitIntent::reset`] on SPA navigation. Feed it every scroll event.
#[derive(Clone, Debug, Default)]
pub struct ExitIntent {
    armed: bool,
    fired: bool,
    /// Recent samples `(t_ms, scroll_y)`, oldest first, within the window.
    recent: Vec<(u64, f64)>,
}

impl ExitIntent {
    /// Scroll depth that arms the detector, percent.
    pub const ARM_PERCENT: u8 = 30;
    /// Upward distance that fires it, percent of the viewport height.
    pub const UP_VIEWPORTS_PCT: f64 = 25.0;
    /// Time in which that distance must be covered, ms.
    pub const WINDOW_MS: u64 = 300;
    const MAX_SAMPLES: usize = 64;

    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets the page (SPA navigation).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// One scroll sample; true exactly once, when exit intent is detected.
    pub fn observe(&mut self, t_ms: u64, scroll_y: f64, viewport_h: f64, doc_h: f64) -> bool {
        if self.fired || viewport_h <= 0.0 || viewport_h.is_nan() {
            return false;
        }
        let y = scroll_y.max(0.0);
        self.recent.retain(|(t, _)| t_ms.saturating_sub(*t) <= Self::WINDOW_MS);
        let peak = self.recent.iter().map(|(_, y)| *y).fold(f64::NEG_INFINITY, f64::max);
        if self.armed && peak - y >= viewport_h * Self::UP_VIEWPORTS_PCT / 100.0 {
            self.fired = true;
            self.recent.clear();
            return true;
        }
        if self.recent.len() == Self::MAX_SAMPLES {
            self.recent.remove(0);
        }
        self.recent.push((t_ms, y));
        let scrollable = doc_h - viewport_h;
        if scrollable > 0.0 && y > 0.0 && y * 100.0 >= scrollable * f64::from(Self::ARM_PERCENT) {
            self.armed = true;
        }
        false
    }
}
