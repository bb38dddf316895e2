//! Hand-written JSON for what the widget sends, so the wasm carries no
//! generic serializer (a few hundred bytes instead of kilobytes). The output
//! is exactly the serde form of [`Batch`](crate::event::Batch); a host test
//! checks that by parsing it back. Also the small readers the widget uses
//! on its own text (decimal integers, splitting at an ASCII byte), for the
//! same reason: std's generic versions cost more of the wasm.

use crate::event::{AttrValue, Attributes, Event, EventKind};
use crate::metric::Metric;

/// `{"site":..,"events":[..]}` for `events`.
pub fn batch_json<'a>(site: &str, events: impl IntoIterator<Item = &'a Event>) -> String {
    let events: Vec<String> = events.into_iter().map(event_json).collect();
    batch_of(site, events.iter().map(String::as_str))
}

/// The same batch from events already written as JSON objects (the
/// widget's outbox keeps them that way).
pub fn batch_of<'a>(site: &str, events: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::with_capacity(512);
    out.push_str("{\"site\":");
    string(&mut out, site);
    out.push_str(",\"events\":[");
    for (i, e) in events.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(e);
    }
    out.push_str("]}");
    out
}

/// An event as it is written on the wire, borrowing its texts: the widget
/// writes one straight from its configuration and state, without copying
/// each text into an [`Event`] first (and without the code that would drop
/// those copies). Fields as in [`Event`].
#[derive(Clone, Copy, Debug)]
pub struct EventView<'a> {
    pub id: &'a str,
    pub kind: EventKind,
    pub survey: &'a str,
    pub touchpoint: &'a str,
    pub metric: Metric,
    pub scale: Option<u8>,
    pub score: Option<u8>,
    pub comment: Option<&'a str>,
    pub visitor: &'a str,
    pub ts: u64,
    pub url: &'a str,
    pub locale: &'a str,
    pub experiment: Option<&'a str>,
    pub variant: Option<&'a str>,
    /// The attributes as the JSON object [`attributes_json`] (or
    /// [`attribute`] one by one) wrote; `""` for none.
    pub attributes: &'a str,
}

impl Event {
    /// This event, borrowed for writing, with its attributes as
    /// [`attributes_json`] wrote them.
    pub fn view<'a>(&'a self, attributes: &'a str) -> EventView<'a> {
        EventView {
            id: &self.id,
            kind: self.kind,
            survey: &self.survey,
            touchpoint: &self.touchpoint,
            metric: self.metric,
            scale: self.scale,
            score: self.score,
            comment: self.comment.as_deref(),
            visitor: &self.visitor,
            ts: self.ts,
            url: &self.url,
            locale: &self.locale,
            experiment: self.experiment.as_deref(),
            variant: self.variant.as_deref(),
            attributes,
        }
    }
}

/// One event as a JSON object, in a string of its own.
pub fn event_json(e: &Event) -> String {
    let attributes = attributes_json(&e.attributes);
    view_json(&e.view(&attributes))
}

/// Attributes as a JSON object, `""` when there are none.
pub fn attributes_json(attributes: &Attributes) -> String {
    let mut out = String::new();
    for (name, value) in attributes.iter() {
        let value = match value {
            AttrValue::Bool(b) => Scalar::Bool(*b),
            AttrValue::Number(n) => Scalar::Number(*n),
            AttrValue::Text(t) => Scalar::Text(t),
        };
        attribute(&mut out, name, value);
    }
    end_attributes(&mut out);
    out
}

/// An attribute's value as [`attribute`] writes it (an [`AttrValue`],
/// borrowed).
#[derive(Clone, Copy, Debug)]
pub enum Scalar<'a> {
    Bool(bool),
    Number(i64),
    Text(&'a str),
}

/// Adds one attribute to the object [`attributes_json`] writes: `out`
/// starts empty, and [`end_attributes`] closes it. The widget writes its
/// attributes this way straight from the page's values, without a map.
pub fn attribute(out: &mut String, name: &str, value: Scalar) {
    out.push(if out.is_empty() { '{' } else { ',' });
    string(out, name);
    out.push(':');
    match value {
        Scalar::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Scalar::Number(n) => int(out, n),
        Scalar::Text(t) => string(out, t),
    }
}

/// Closes an object [`attribute`] started (nothing when none was added).
pub fn end_attributes(out: &mut String) {
    if !out.is_empty() {
        out.push('}');
    }
}

/// A borrowed event as a JSON object, in a string of its own.
pub fn view_json(e: &EventView) -> String {
    let mut out = String::new();
    event(&mut out, e);
    out
}

/// One event as a JSON object.
pub fn event(out: &mut String, e: &EventView) {
    out.push('{');
    field_str(out, "id", e.id);
    field_str(out, "type", e.kind.as_str());
    field_str(out, "survey", e.survey);
    field_str(out, "touchpoint", e.touchpoint);
    field_str(out, "metric", e.metric.as_str());
    if let Some(scale) = e.scale {
        key(out, "scale");
        uint(out, u64::from(scale));
    }
    key(out, "score");
    match e.score {
        Some(s) => uint(out, u64::from(s)),
        None => out.push_str("null"),
    }
    key(out, "comment");
    match e.comment {
        Some(c) => string(out, c),
        None => out.push_str("null"),
    }
    field_str(out, "visitor", e.visitor);
    key(out, "ts");
    uint(out, e.ts);
    field_str(out, "url", e.url);
    field_str(out, "locale", e.locale);
    if let Some(experiment) = e.experiment {
        field_str(out, "experiment", experiment);
    }
    if let Some(variant) = e.variant {
        field_str(out, "variant", variant);
    }
    if !e.attributes.is_empty() {
        key(out, "attributes");
        out.push_str(e.attributes);
        out.push(',');
    }
    out.pop(); // the last field's comma
    out.push('}');
}

fn key(out: &mut String, name: &str) {
    if !matches!(out.as_bytes().last(), Some(b'{' | b',')) {
        out.push(',');
    }
    out.push('"');
    out.push_str(name);
    out.push_str("\":");
}

fn field_str(out: &mut String, name: &str, value: &str) {
    key(out, name);
    string(out, value);
    out.push(',');
}

/// Lower-case hex digits of `bytes`, appended to `out`.
pub fn hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
}

/// Decimal digits of `n` as a new string.
pub fn decimal(n: u64) -> String {
    let mut s = String::with_capacity(4);
    uint(&mut s, n);
    s
}

/// A JSON string literal: quotes, backslashes and control characters escaped.
pub fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                out.push_str("\\u00");
                hex(out, &[c as u8]);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A signed integer in decimal.
fn int(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    uint(out, n.unsigned_abs());
}

/// The number written as decimal digits only (what [`uint`] writes):
/// no sign, no spaces, at most `u64::MAX`. One small parser for every
/// integer the widget reads back, instead of std's per-type `parse`.
pub fn parse_uint(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| {
        let digit = (b as char).to_digit(10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// [`parse_uint`] narrowed to a smaller type (`None` when it does not fit).
pub fn parse_small<T: TryFrom<u64>>(s: &str) -> Option<T> {
    parse_uint(s).and_then(|n| T::try_from(n).ok())
}

/// Decimal digits of `n` (no buffer to index, so no bounds-check panic).
pub fn uint(out: &mut String, n: u64) {
    if n >= 10 {
        uint(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// `s` around its first `sep`, an ASCII byte: `split_once` for a char
/// pattern, without the char searcher std brings for one (the widget had
/// two copies of it). ASCII never occurs inside a multi-byte character, so
/// both halves are whole characters.
pub fn cut(s: &str, sep: u8) -> Option<(&str, &str)> {
    cut_any(s, [sep, sep])
}

// An index loop: `bytes().position` kept its iterator in memory at
// opt-level z (twice the code).
fn cut_any(s: &str, seps: [u8; 2]) -> Option<(&str, &str)> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == seps[0] || bytes[i] == seps[1] {
            let (head, tail) = s.split_at_checked(i)?;
            return Some((head, tail.get(1..)?));
        }
        i += 1;
    }
    None
}

/// The pieces of `s` between `sep`s (an ASCII byte), as `s.split(sep)`
/// gives them: `"a;;b"` is `a`, ``, `b`; `""` is one empty piece.
pub fn pieces(s: &str, sep: u8) -> Pieces<'_> {
    Pieces { rest: Some(s), seps: [sep, sep] }
}

/// The subtags of a language tag, split at `-` or `_` (`zh_Hant_HK`).
pub fn subtags(tag: &str) -> Pieces<'_> {
    Pieces { rest: Some(tag), seps: [b'-', b'_'] }
}

/// See [`pieces`] and [`subtags`].
pub struct Pieces<'a> {
    rest: Option<&'a str>,
    seps: [u8; 2],
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        let (piece, rest) = cut_any(s, self.seps).map_or((s, None), |(piece, rest)| (piece, Some(rest)));
        self.rest = rest;
        Some(piece)
    }
}
