//! The public JS API: `touchpoint(name, ...args)` calls, read at the edge
//! into typed commands. Anything malformed becomes one warning, never an
//! exception thrown into the host page.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// Which prompt moments a page can subscribe to with `touchpoint('on', ...)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    Impression,
    Response,
    Dismiss,
}

/// One parsed `touchpoint(...)` call.
pub enum Command {
    /// `touchpoint('event', name, props)`: a touchpoint happened.
    Event(String),
    /// `touchpoint('show', surveyId)`: show now, bypassing triggers.
    Show(String),
    /// `touchpoint('set', {locale})`: visitor attributes; `locale` is read.
    Set { locale: Option<String> },
    /// `touchpoint('identify', userId, attributes)`.
    Identify { locale: Option<String> },
    /// `touchpoint('on', 'response', callback)`.
    On(Hook, Function),
}

impl Command {
    pub fn parse(args: &Array) -> Result<Command, String> {
        let name = args.get(0).as_string().ok_or("touchpoint() needs a command name as its first argument")?;
        let arg = |i: u32| args.get(i);
        match name.as_str() {
            "event" => {
                string(&arg(1), "touchpoint('event', name): name must be a non-empty string").map(Command::Event)
            }
            "show" => string(&arg(1), "touchpoint('show', surveyId): surveyId must be a string").map(Command::Show),
            "set" => attributes(&arg(1), "touchpoint('set', attributes): attributes must be an object")
                .map(|locale| Command::Set { locale }),
            "identify" => {
                string(&arg(1), "touchpoint('identify', userId, attributes): userId must be a string")?;
                attributes(&arg(2), "touchpoint('identify', userId, attributes): attributes must be an object")
                    .map(|locale| Command::Identify { locale })
            }
            "on" => {
                let hook = match arg(1).as_string().as_deref() {
                    Some("impression") => Hook::Impression,
                    Some("response") => Hook::Response,
                    Some("dismiss") => Hook::Dismiss,
                    _ => return Err("touchpoint('on', what, callback): what is impression, response or dismiss".into()),
                };
                let callback = arg(2)
                    .dyn_into::<Function>()
                    .map_err(|_| String::from("touchpoint('on', what, callback): callback must be a function"))?;
                Ok(Command::On(hook, callback))
            }
            _ => {
                let mut m = String::from("unknown command '");
                m.push_str(&name);
                m.push_str("'; known: event, show, set, identify, on");
                Err(m)
            }
        }
    }
}

fn string(v: &JsValue, why: &str) -> Result<String, String> {
    v.as_string().filter(|s| !s.is_empty()).ok_or_else(|| why.into())
}

/// Reads the attributes object (absent is fine); returns its `locale`.
fn attributes(v: &JsValue, why: &str) -> Result<Option<String>, String> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if !v.is_object() || Array::is_array(v) {
        return Err(why.into());
    }
    Ok(Reflect::get(v, &"locale".into()).ok().and_then(|l| l.as_string()))
}
