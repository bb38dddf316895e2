//! What the widget remembers about the visitor, in localStorage and never
//! in a cookie: the anonymous id, the decision state (visits, what was
//! shown, answered, dismissed and when, experiment assignments; format in
//! `touchpoint_core::visitor`), the attributes the page set, and the
//! visitor's consent choice. Nothing but the consent choice is written
//! without consent; storage that is unavailable (private mode, quota)
//! leaves the values for this page view only.

use std::cell::RefCell;

use js_sys::{Array, Object, JSON};
use touchpoint_core::rule::Value;
use touchpoint_core::visitor::VisitorState;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Storage;

use crate::dom::{entries, random_bytes, set_prop, window};

const ID_KEY: &str = "touchpoint:v1:visitor";

/// localStorage, if the browser lets this page use it.
pub fn storage() -> Option<Storage> {
    window().local_storage().ok().flatten()
}

fn site_key(what: &str, site: &str) -> String {
    let mut key = String::from("touchpoint:v1:");
    key.push_str(what);
    key.push(':');
    key.push_str(site);
    key
}

fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Whether the browser took it.
fn set(key: &str, value: &str) -> bool {
    storage().is_some_and(|s| s.set_item(key, value).is_ok())
}

fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// The stored visitor id, if there is a valid one.
pub fn stored_id() -> Option<String> {
    get(ID_KEY).filter(|id| touchpoint_core::validate::is_id(id) && id.len() >= 16)
}

/// Stores `id` as the visitor id (once consent allows it).
pub fn keep_id(id: &str) {
    set(ID_KEY, id);
}

/// Forgets the visitor on this site: id, state and attributes
/// (`touchpoint('reset')`, or consent withdrawn).
pub fn forget(site: &str) {
    UNSTORED.with(|u| u.borrow_mut().take());
    remove(ID_KEY);
    remove(&site_key("state", site));
    remove(&site_key("attrs", site));
}

thread_local! {
    /// The decision state this page could not store: no consent to store
    /// it yet, or localStorage refused it (blocked, full). Decisions use it
    /// until a store succeeds, so a page view still counts its visit and
    /// what it showed. Kept in its stored form, read back like the stored
    /// state (and no code to copy a `VisitorState`).
    static UNSTORED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The decision state: this page's own when it could not be stored, else
/// read fresh (another tab may have changed it); missing, old-format or
/// corrupt state starts over.
pub fn load_state(site: &str) -> VisitorState {
    UNSTORED
        .with(|u| u.borrow().clone())
        .or_else(|| get(&site_key("state", site)))
        .and_then(|s| VisitorState::decode(&s))
        .unwrap_or_default()
}

/// Keeps `state` for this page, in localStorage when `store` (consent
/// allows it) and the browser takes it.
pub fn save_state(site: &str, state: &VisitorState, store: bool) {
    let encoded = state.encode();
    let stored = store && set(&site_key("state", site), &encoded);
    UNSTORED.with(|u| *u.borrow_mut() = (!stored).then_some(encoded));
}

/// Where the consent choice is stored.
pub fn consent_key(site: &str) -> String {
    site_key("consent", site)
}

/// The visitor's stored consent choice: `Some(true)` granted, `Some(false)`
/// refused, `None` never given.
pub fn consent(site: &str) -> Option<bool> {
    match get(&consent_key(site)).as_deref() {
        Some("1") => Some(true),
        Some("0") => Some(false),
        _ => None,
    }
}

/// Stores the choice itself (that much is needed to honour it).
pub fn set_consent(site: &str, granted: bool) {
    set(&consent_key(site), if granted { "1" } else { "0" });
}

/// Attributes set on earlier pages, so targeting works on pages that do not
/// repeat `touchpoint('set', ...)`.
pub fn load_attrs(site: &str) -> Vec<(String, Value)> {
    let parsed = get(&site_key("attrs", site)).and_then(|s| JSON::parse(&s).ok());
    parsed.and_then(|v| read_attrs(&v)).unwrap_or_default()
}

pub fn save_attrs(site: &str, attrs: &[(String, Value)]) {
    let obj = Object::new();
    for (k, v) in attrs {
        set_prop(&obj, k, &to_js(v));
    }
    if let Ok(text) = JSON::stringify(&obj) {
        if let Some(text) = text.as_string() {
            set(&site_key("attrs", site), &text);
        }
    }
}

/// The string, number, boolean and array-of-those properties of an object
/// (anything else is skipped); `None` when `v` is not an object, is an
/// array, or cannot be read (it threw).
pub fn read_attrs(v: &JsValue) -> Option<Vec<(String, Value)>> {
    // `entries` first: once it has read `v` without throwing, `v` is no
    // revoked Proxy, and `isArray` cannot throw either.
    let pairs = entries(v).ok().filter(|_| v.is_object() && !Array::is_array(v))?;
    let mut out = Vec::new();
    for i in 0..pairs.length() {
        let pair: Array = pairs.get(i).unchecked_into();
        if let (Some(key), Some(value)) = (pair.get(0).as_string(), value(&pair.get(1))) {
            out.push((key, value));
        }
    }
    Some(out)
}

/// A JS value as a rule value: strings, finite numbers, booleans, arrays
/// of those (page attributes and properties, and the config's rule values).
/// Lists inside lists are left out: no rule reads them, and a list that
/// holds itself would recurse without end.
pub fn value(v: &JsValue) -> Option<Value> {
    scalar(v).or_else(|| {
        // An array's items through `entries` too (a Proxy of an array can
        // throw from its `length` or items): its index keys come first, in
        // order, before any other property someone gave it.
        let pairs = entries(v).ok().filter(|_| Array::is_array(v))?;
        let mut items = Vec::new();
        for i in 0..pairs.length() {
            let pair: Array = pairs.get(i).unchecked_into();
            if !pair.get(0).as_string().is_some_and(|k| k.starts_with(|c: char| c.is_ascii_digit())) {
                break;
            }
            items.extend(scalar(&pair.get(1)));
        }
        Some(Value::List(items))
    })
}

fn scalar(v: &JsValue) -> Option<Value> {
    if let Some(s) = v.as_string() {
        Some(Value::Str(s))
    } else if let Some(n) = v.as_f64().filter(|n| n.is_finite()) {
        Some(Value::Num(n))
    } else {
        v.as_bool().map(Value::Bool)
    }
}

fn to_js(v: &Value) -> JsValue {
    match v {
        Value::Str(s) => JsValue::from_str(s),
        Value::Num(n) => JsValue::from_f64(*n),
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::List(items) => items.iter().map(to_js).collect::<Array>().into(),
    }
}

/// 128 random bits as 32 hex characters, from `crypto.getRandomValues`
/// (unlike `randomUUID`, also available on plain-http pages).
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    random_bytes(&mut bytes);
    let mut out = String::with_capacity(32);
    touchpoint_core::wire::hex(&mut out, &bytes);
    out
}
