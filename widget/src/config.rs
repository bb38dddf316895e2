//! Reads the site configuration from the `JSON.parse`d response with
//! `Reflect`, into the core crate's types. The browser's own JSON parser
//! does the parsing, so the wasm carries no JSON deserializer (measured:
//! tens of kilobytes). Unknown fields are ignored (forward compatible);
//! fields of the wrong type read as absent, and a survey missing what it
//! needs is dropped with a warning, never a crash. A targeting or URL rule
//! that cannot be read fails closed (the survey is not shown rather than
//! shown to people a rule was meant to exclude).

use js_sys::Array;
use touchpoint_core::config::{Display, Texts, Trigger, Untranslated};
use touchpoint_core::experiment::{Experiment, Variant};
use touchpoint_core::fatigue::{Fatigue, Frequency, RecontactAfter};
use touchpoint_core::flow::Band;
use touchpoint_core::i18n::UiText;
use touchpoint_core::map::VecMap;
use touchpoint_core::rule::{Group, Op, Rule};
use touchpoint_core::theme::{Mode, Position, Theme};
use touchpoint_core::{Metric, SiteConfig, Survey};
use wasm_bindgen::{JsCast, JsValue};

use crate::dom::{entries, warn};
use crate::visitor::value;

use crate::dom::{prop as get, prop_num, prop_str as string};

fn small(v: &JsValue, key: &str) -> Option<u8> {
    prop_num(v, key).filter(|n| n.fract() == 0.0 && (0.0..=255.0).contains(n)).map(|n| n as u8)
}

fn uint(v: &JsValue, key: &str) -> Option<u32> {
    prop_num(v, key).filter(|n| n.fract() == 0.0 && (0.0..=4_294_967_295.0).contains(n)).map(|n| n as u32)
}

fn flag(v: &JsValue, key: &str) -> bool {
    get(v, key).as_bool().unwrap_or(false)
}

/// The items of array property `key` that `item` reads; absent or not an
/// array: none. A plain `fn`, not a closure, so each item type costs one
/// copy of the loop.
fn list<T>(v: &JsValue, key: &str, item: fn(&JsValue) -> Option<T>) -> Vec<T> {
    let mut out = Vec::new();
    if let Some(items) = get(v, key).dyn_ref::<Array>() {
        for i in 0..items.length() {
            if let Some(x) = item(&items.get(i)) {
                out.push(x);
            }
        }
    }
    out
}

fn texts(v: &JsValue) -> Option<Texts> {
    let entries = entries(v).ok().filter(|_| v.is_object())?;
    let mut out = Texts::new();
    for i in 0..entries.length() {
        let pair: Array = entries.get(i).unchecked_into();
        if let (Some(k), Some(t)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
            out.insert(k, t);
        }
    }
    Some(out)
}

/// The configuration in `v`; `None` when it is not an object.
pub fn read(v: &JsValue) -> Option<SiteConfig> {
    if !v.is_object() {
        return None;
    }
    Some(SiteConfig {
        // Checked by the collector before it stores a configuration; no
        // decision in the page reads it.
        version: touchpoint_core::config::CONFIG_VERSION,
        origins: Vec::new(),
        default_locale: string(v, "default_locale").unwrap_or_else(|| "en".into()),
        locale_override: string(v, "locale_override"),
        redact_pii: false,
        webhooks: Vec::new(),
        alerts: Vec::new(),
        retention_days: None,
        rate_limit: Default::default(),
        theme: theme(&get(v, "theme")),
        fatigue: fatigue(&get(v, "fatigue")),
        require_consent: flag(v, "require_consent"),
        respect_gpc: flag(v, "respect_gpc"),
        surveys: list(v, "surveys", survey),
        ui: list(v, "ui", ui_table),
    })
}

/// The UI strings the collector sent for one of the site's languages (the
/// widget carries English only). Read once per page and kept for its
/// lifetime, hence leaked to `'static` like the built-in tables. A table
/// missing a string is skipped: its language falls back to English buttons.
fn ui_table(v: &JsValue) -> Option<&'static UiText> {
    // One loop over the keys, not thirteen inlined reads (smaller wasm).
    const KEYS: [&str; 13] = [
        "locale",
        "survey",
        "close",
        "send",
        "skip",
        "thanks",
        "why",
        "nps_low",
        "nps_high",
        "csat_low",
        "csat_high",
        "ces_low",
        "ces_high",
    ];
    let mut texts = [""; 13];
    for (text, key) in texts.iter_mut().zip(KEYS) {
        *text = Box::leak(string(v, key)?.into_boxed_str());
    }
    let [locale, survey, close, send, skip, thanks, why, nps_low, nps_high, csat_low, csat_high, ces_low, ces_high] =
        texts;
    let rtl = flag(v, "rtl");
    let table = UiText {
        locale,
        rtl,
        survey,
        close,
        send,
        skip,
        thanks,
        why,
        nps_low,
        nps_high,
        csat_low,
        csat_high,
        ces_low,
        ces_high,
    };
    Some(Box::leak(Box::new(table)))
}

// Not inlined into the list loop: -136 B gzip of wasm, measured.
#[inline(never)]
fn survey(v: &JsValue) -> Option<Survey> {
    let id = string(v, "id");
    let metric = string(v, "metric").and_then(|m| Metric::parse(&m));
    let question = texts(&get(v, "question"));
    let (Some(id), Some(metric), Some(question)) = (id, metric, question) else {
        warn("a survey in the site configuration lacks id, metric or question; skipped");
        return None;
    };
    let by_band = get(v, "follow_up_by_band");
    // Inserted one by one: collecting into a VecMap pulls in a sort.
    let mut follow_up_by_band = VecMap::new();
    for band in Band::of_metric(metric) {
        if let Some(t) = texts(&get(&by_band, band.as_str())) {
            follow_up_by_band.insert(*band, t);
        }
    }
    Some(Survey {
        id,
        metric,
        scale: small(v, "scale"),
        touchpoint: string(v, "touchpoint").unwrap_or_default(),
        // The journey stage is the collector's (its segments); no decision
        // in the page reads it.
        stage: None,
        trigger: trigger(&get(v, "trigger")),
        question,
        follow_up: texts(&get(v, "follow_up")),
        follow_up_by_band,
        thanks: texts(&get(v, "thanks")),
        display: match string(v, "display").as_deref() {
            Some("stars") => Display::Stars,
            Some("emoji") => Display::Emoji,
            _ => Display::Numbers,
        },
        untranslated: match string(v, "untranslated").as_deref() {
            Some("skip") => Untranslated::Skip,
            _ => Untranslated::Default,
        },
        target: group(&get(v, "target")),
        frequency: frequency(&get(v, "frequency")),
        priority: prop_num(v, "priority")
            .filter(|n| n.fract() == 0.0 && (-2_147_483_648.0..=2_147_483_647.0).contains(n))
            .map_or(0, |n| n as i32),
        sample_rate: prop_num(v, "sample_rate").filter(|r| *r > 0.0 && *r <= 1.0).unwrap_or(1.0),
        experiment: experiment(&get(v, "experiment")),
    })
}

/// The rules in `v`; an unreadable rule fails closed: it never holds in
/// `all`/`any`, and always holds (excludes) in `none`.
fn rules(v: &JsValue, list: &str) -> Vec<Rule> {
    let closed = if list == "none" { Op::NotExists } else { Op::Exists };
    let mut out = Vec::new();
    if let Some(items) = get(v, list).dyn_ref::<Array>() {
        for i in 0..items.length() {
            let r = items.get(i);
            let read = string(&r, "key").zip(string(&r, "op").and_then(|op| Op::parse(&op)));
            let (key, op) = read.unwrap_or_else(|| (String::new(), closed));
            out.push(Rule { key, op, value: value(&get(&r, "value")) });
        }
    }
    out
}

/// A group of rules; absent or not an object: the empty group.
pub fn group(v: &JsValue) -> Group {
    Group { all: rules(v, "all"), any: rules(v, "any"), none: rules(v, "none") }
}

fn trigger(v: &JsValue) -> Trigger {
    Trigger {
        event: string(v, "event"),
        where_: group(&get(v, "where")),
        page_view: flag(v, "page_view"),
        page: group(&get(v, "page")),
        click: string(v, "click"),
        exit_intent: flag(v, "exit_intent"),
        scroll_percent: small(v, "scroll_percent"),
        dwell_seconds: uint(v, "dwell_seconds"),
        inactivity_seconds: uint(v, "inactivity_seconds"),
        delay_seconds: uint(v, "delay_seconds").unwrap_or(0),
    }
}

fn frequency(v: &JsValue) -> Frequency {
    match v.as_string().as_deref() {
        Some("once") => Frequency::Once,
        _ => match (uint(v, "max_times"), uint(v, "every_days")) {
            (Some(n), _) => Frequency::MaxTimes(n),
            (_, Some(n)) => Frequency::EveryDays(n),
            _ => Frequency::UntilAnswered,
        },
    }
}

fn fatigue(v: &JsValue) -> Fatigue {
    Fatigue {
        recontact_days: uint(v, "recontact_days").unwrap_or(0),
        recontact_after: match string(v, "recontact_after").as_deref() {
            Some("answer") => RecontactAfter::Answer,
            _ => RecontactAfter::Impression,
        },
        dismiss_cooldown_days: uint(v, "dismiss_cooldown_days").unwrap_or(0),
    }
}

fn experiment(v: &JsValue) -> Option<Experiment> {
    let id = string(v, "id")?;
    let variants = list(v, "variants", variant);
    (!variants.is_empty()).then_some(Experiment { id, variants })
}

fn variant(x: &JsValue) -> Option<Variant> {
    Some(Variant {
        id: string(x, "id")?,
        weight: uint(x, "weight").unwrap_or(1),
        holdout: flag(x, "holdout"),
        trigger: get(x, "trigger").is_object().then(|| trigger(&get(x, "trigger"))),
        delay_seconds: uint(x, "delay_seconds"),
        dwell_seconds: uint(x, "dwell_seconds"),
        position: string(x, "position").map(|p| position(&p)),
    })
}

fn position(p: &str) -> Position {
    match p {
        "bottom-left" => Position::BottomLeft,
        "center" => Position::Center,
        _ => Position::BottomRight,
    }
}

/// The served theme: its position, scheme and `css`, the collector's
/// rendering of the colours, font and radius (`Theme::css`), which the
/// widget adopts as they are.
fn theme(v: &JsValue) -> Theme {
    Theme {
        brand: None,
        text: None,
        background: None,
        font: None,
        radius: None,
        css: string(v, "css"),
        position: position(&string(v, "position").unwrap_or_default()),
        mode: match string(v, "mode").as_deref() {
            Some("light") => Mode::Light,
            Some("dark") => Mode::Dark,
            _ => Mode::Auto,
        },
    }
}
