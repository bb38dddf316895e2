//! Reads the site configuration from the `JSON.parse`d response with
//! `Reflect`, into the core crate's types. The browser's own JSON parser
//! does the parsing, so the wasm carries no JSON deserializer (measured:
//! tens of kilobytes). Unknown fields are ignored (forward compatible);
//! fields of the wrong type read as absent, and a survey missing what it
//! needs is dropped with a warning, never a crash.

use std::collections::BTreeMap;

use js_sys::{Array, Object};
use touchpoint_core::config::{Display, Texts, Trigger, Untranslated};
use touchpoint_core::flow::Band;
use touchpoint_core::theme::{Mode, Position, Theme};
use touchpoint_core::{Metric, SiteConfig, Survey};
use wasm_bindgen::{JsCast, JsValue};

use crate::dom::warn;

use crate::dom::{prop as get, prop_num, prop_str as string};

fn small(v: &JsValue, key: &str) -> Option<u8> {
    prop_num(v, key).filter(|n| n.fract() == 0.0 && (0.0..=255.0).contains(n)).map(|n| n as u8)
}

fn texts(v: &JsValue) -> Option<Texts> {
    let obj = v.dyn_ref::<Object>()?;
    let mut out = BTreeMap::new();
    for entry in Object::entries(obj).iter() {
        let pair: Array = entry.unchecked_into();
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
    let surveys = get(v, "surveys").dyn_into::<Array>().map(|a| a.iter().filter_map(|s| survey(&s)).collect());
    Some(SiteConfig {
        version: small(v, "version").map_or(1, u32::from),
        origins: Vec::new(),
        default_locale: string(v, "default_locale").unwrap_or_else(|| "en".into()),
        locale_override: string(v, "locale_override"),
        redact_pii: false,
        webhooks: Vec::new(),
        rate_limit: Default::default(),
        theme: theme(&get(v, "theme")),
        surveys: surveys.unwrap_or_default(),
    })
}

fn survey(v: &JsValue) -> Option<Survey> {
    let id = string(v, "id");
    let metric = string(v, "metric").and_then(|m| Metric::parse(&m));
    let trigger = string(&get(v, "trigger"), "event");
    let question = texts(&get(v, "question"));
    let (Some(id), Some(metric), Some(event), Some(question)) = (id, metric, trigger, question) else {
        warn("a survey in the site configuration lacks id, metric, trigger.event or question; skipped");
        return None;
    };
    let by_band = get(v, "follow_up_by_band");
    // Inserted one by one: collecting into a BTreeMap pulls in a sort.
    let mut follow_up_by_band = BTreeMap::new();
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
        stage: string(v, "stage"),
        trigger: Trigger { event },
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
    })
}

fn theme(v: &JsValue) -> Theme {
    Theme {
        brand: string(v, "brand"),
        text: string(v, "text"),
        background: string(v, "background"),
        font: string(v, "font"),
        radius: small(v, "radius"),
        position: match string(v, "position").as_deref() {
            Some("bottom-left") => Position::BottomLeft,
            Some("center") => Position::Center,
            _ => Position::BottomRight,
        },
        mode: match string(v, "mode").as_deref() {
            Some("light") => Mode::Light,
            Some("dark") => Mode::Dark,
            _ => Mode::Auto,
        },
    }
}
