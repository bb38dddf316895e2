//! The public JS API: `touchpoint(name, ...args)` calls, read at the edge
//! into typed commands. Anything malformed becomes one warning, never an
//! exception thrown into the host page.

use js_sys::{Array, Function};
use touchpoint_core::rule::Value;
use wasm_bindgen::{JsCast, JsValue};

use crate::visitor::read_attrs;

/// Which prompt moments a page can subscribe to with `touchpoint('on', ...)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    Impression,
    Response,
    Dismiss,
}

/// Attributes of a visitor or properties of an event, read from a plain
/// object: strings, numbers, booleans and arrays of those.
pub type Attrs = Vec<(String, Value)>;

/// The value of attribute `key`.
pub fn attr<'a>(attrs: &'a Attrs, key: &str) -> Option<&'a Value> {
    attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// One parsed `touchpoint(...)` call.
pub enum Command {
    /// `touchpoint('event', name, props)`: a touchpoint happened.
    Event(String, Attrs),
    /// `touchpoint('show', surveyId)`: show now, bypassing triggers.
    Show(String),
    /// `touchpoint('set', attributes)`: visitor attributes (`locale`,
    /// `journey_stage`, `plan`...).
    Set(Attrs),
    /// `touchpoint('identify', userId, attributes)`: as `set`, plus
    /// `user_id`.
    Identify(String, Attrs),
    /// `touchpoint('on', 'response', callback)`.
    On(Hook, Function),
    /// `touchpoint('consent', granted)`.
    Consent(bool),
    /// `touchpoint('reset')`: a new anonymous visitor.
    Reset,
    /// `touchpoint('debug', on)`: log why each survey is or is not shown.
    Debug(bool),
}

const USAGE: &str = "known commands: event, show, set, identify, on, consent, reset, debug";

impl Command {
    #[inline(never)]
    pub fn parse(args: &Array) -> Result<Command, String> {
        let name = args.get(0).as_string().ok_or("touchpoint() needs a command name as its first argument")?;
        let arg = |i: u32| args.get(i);
        match name.as_str() {
            "event" => {
                let event = string(&arg(1), "touchpoint('event', name, props): name must be a non-empty string")?;
                let props = attributes(&arg(2), "touchpoint('event', name, props): props must be an object")?;
                Ok(Command::Event(event, props))
            }
            "show" => string(&arg(1), "touchpoint('show', surveyId): surveyId must be a string").map(Command::Show),
            "set" => {
                attributes(&arg(1), "touchpoint('set', attributes): attributes must be an object").map(Command::Set)
            }
            "identify" => {
                let user = string(&arg(1), "touchpoint('identify', userId, attributes): userId must be a string")?;
                let attrs =
                    attributes(&arg(2), "touchpoint('identify', userId, attributes): attributes must be an object")?;
                Ok(Command::Identify(user, attrs))
            }
            "on" => {
                let hook = match arg(1).as_string().as_deref() {
                    Some("impression") => Hook::Impression,
                    Some("response") => Hook::Response,
                    Some("dismiss") => Hook::Dismiss,
                    _ => return Err("touchpoint('on', what, callback): what is impression, response or dismiss".into()),
                };
                // `typeof`, which no value can make throw (`instanceof` runs a
                // Proxy's traps).
                let callback = arg(2);
                if !callback.is_function() {
                    return Err("touchpoint('on', what, callback): callback must be a function".into());
                }
                Ok(Command::On(hook, callback.unchecked_into()))
            }
            "consent" => arg(1)
                .as_bool()
                .map(Command::Consent)
                .ok_or_else(|| "touchpoint('consent', granted): granted must be true or false".into()),
            // `touchpoint('debug')` alone turns it on.
            "debug" => match arg(1) {
                on if on.is_undefined() => Ok(Command::Debug(true)),
                on => on
                    .as_bool()
                    .map(Command::Debug)
                    .ok_or_else(|| "touchpoint('debug', on): on must be true or false".into()),
            },
            "reset" => Ok(Command::Reset),
            _ => {
                let mut m = String::from("unknown command '");
                m.push_str(&name);
                m.push_str("'; ");
                m.push_str(USAGE);
                Err(m)
            }
        }
    }
}

fn string(v: &JsValue, why: &str) -> Result<String, String> {
    v.as_string().filter(|s| !s.is_empty()).ok_or_else(|| why.into())
}

/// Reads an attributes object (absent is fine: no attributes).
fn attributes(v: &JsValue, why: &str) -> Result<Attrs, String> {
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    read_attrs(v).ok_or_else(|| why.into())
}
