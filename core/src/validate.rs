//! Validation of untrusted event batches, field by field, so that every
//! refusal names the field (`events[2].score`). Works on `serde_json::Value`
//! rather than derived deserialisation for exactly that reason.

use serde_json::{Map, Value};

use crate::config::SiteConfig;
use crate::error::{ErrorCode, FieldError, Result};
use crate::event::{AttrValue, Attributes, Event, EventKind};
use crate::limits::{
    MAX_ATTRIBUTES, MAX_ATTRIBUTE_KEY_BYTES, MAX_ATTRIBUTE_NUMBER, MAX_ATTRIBUTE_VALUE_CHARS, MAX_BODY_BYTES,
    MAX_COMMENT_CHARS, MAX_EVENTS_PER_BATCH, MAX_ID_BYTES, MAX_LOCALE_BYTES, MAX_NAME_BYTES, MAX_URL_BYTES,
    MIN_RANDOM_ID_BYTES,
};
use crate::metric::Metric;

/// `body` with every `\uXXXX` escape of half a UTF-16 surrogate pair
/// replaced by `\ufffd` (the replacement character). `JSON.stringify` writes
/// them for a string cut inside an emoji; serde_json refuses them, which
/// would cost the whole batch for one broken character.
pub fn without_lone_surrogates(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let code = |at: usize| -> Option<u16> {
        let escape = body.get(at..at + 6)?;
        let digits = std::str::from_utf8(escape.strip_prefix(b"\\u")?).ok()?;
        u16::from_str_radix(digits, 16).ok()
    };
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            i += 1;
            continue;
        }
        // Pairs and lone halves; any other escape is skipped whole, so an
        // escaped backslash followed by `u` is never read as an escape.
        let Some(unit) = code(i) else {
            i += 2;
            continue;
        };
        let high = (0xd800..0xdc00).contains(&unit);
        let low = (0xdc00..0xe000).contains(&unit);
        if high && code(i + 6).is_some_and(|next| (0xdc00..0xe000).contains(&next)) {
            i += 12;
        } else if high || low {
            let out = out.get_or_insert_with(|| body.to_vec());
            out[i + 2..i + 6].copy_from_slice(b"fffd");
            i += 6;
        } else {
            i += 6;
        }
    }
    match out {
        Some(fixed) => std::borrow::Cow::Owned(fixed),
        None => std::borrow::Cow::Borrowed(body),
    }
}

/// A batch whose envelope is valid; its events are still unchecked.
#[derive(Debug)]
pub struct Envelope {
    pub site: String,
    pub events: Vec<Value>,
}

/// Parses a request body into its envelope: JSON object with a valid `site`
/// id and a non-empty `events` array of at most [`MAX_EVENTS_PER_BATCH`].
pub fn envelope(body: &[u8]) -> Result<Envelope> {
    let body = without_lone_surrogates(body);
    let value: Value = serde_json::from_slice(&body)
        .map_err(|_| FieldError::new(ErrorCode::InvalidJson, "body", "the request body is not valid JSON"))?;
    let Value::Object(mut obj) = value else {
        return Err(FieldError::new(ErrorCode::InvalidType, "body", "expected a JSON object"));
    };
    let site = match obj.remove("site") {
        None | Some(Value::Null) => return Err(missing("site")),
        Some(Value::String(s)) if is_id(&s) => s,
        Some(Value::String(_)) => return Err(FieldError::new(ErrorCode::InvalidValue, "site", "not a site id")),
        Some(_) => return Err(wrong_type("site", "a string")),
    };
    let events = match obj.remove("events") {
        None | Some(Value::Null) => return Err(missing("events")),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(wrong_type("events", "an array")),
    };
    if events.is_empty() {
        return Err(FieldError::new(ErrorCode::InvalidValue, "events", "the batch has no events"));
    }
    if events.len() > MAX_EVENTS_PER_BATCH {
        return Err(FieldError::new(
            ErrorCode::TooLong,
            "events",
            format!("at most {MAX_EVENTS_PER_BATCH} events per batch"),
        ));
    }
    Ok(Envelope { site, events })
}

/// Validates event number `index` of a batch against the site's config.
pub fn event(index: usize, value: &Value, config: &SiteConfig) -> Result<Event> {
    let path = format!("events[{index}]");
    let Value::Object(obj) = value else {
        return Err(wrong_type(&path, "an object"));
    };
    let f = Fields { obj, path: &path };

    let id = f.random_id("id")?;
    let kind_name = f.string("type", MAX_NAME_BYTES)?;
    let kind = EventKind::parse(kind_name)
        .ok_or_else(|| f.error(ErrorCode::InvalidValue, "type", "expected impression, response or dismiss"))?;
    let survey_id = f.string("survey", MAX_ID_BYTES)?;
    let survey = config
        .survey(survey_id)
        .ok_or_else(|| f.error(ErrorCode::UnknownSurvey, "survey", "this site has no survey with that id"))?;
    let touchpoint = f.string("touchpoint", MAX_NAME_BYTES)?;
    let metric_name = f.string("metric", 8)?;
    let metric = Metric::parse(metric_name)
        .ok_or_else(|| f.error(ErrorCode::InvalidValue, "metric", "expected nps, csat or ces"))?;
    if metric != survey.metric {
        return Err(f.error(
            ErrorCode::MetricMismatch,
            "metric",
            format!("survey {} asks {}", survey.id, survey.metric.as_str()),
        ));
    }
    // A CES answer keeps the scale it was given on: the site may have
    // changed the survey's scale since the visitor's page read the config.
    let scale = match (survey.answer_scale(), f.optional_int("scale")?) {
        (current, None) => current,
        (Some(_), Some(sent @ (5 | 7))) => u8::try_from(sent).ok(),
        (Some(_), Some(_)) => return Err(f.error(ErrorCode::InvalidValue, "scale", "a CES scale is 5 or 7")),
        (None, Some(_)) => {
            return Err(f.error(ErrorCode::InvalidValue, "scale", "only CES answers have a scale (5 or 7)"))
        }
    };
    let score = f.optional_int("score")?;
    let comment = f.optional_string("comment")?;
    let (score, comment) = match kind {
        EventKind::Response => {
            let score = score.ok_or_else(|| f.error(ErrorCode::MissingField, "score", "a response needs a score"))?;
            if !metric.accepts(scale, score) {
                return Err(f.error(
                    ErrorCode::OutOfRange,
                    "score",
                    format!("{} scores are {}-{}", metric.as_str(), metric.bottom(), metric.top(scale)),
                ));
            }
            if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
                return Err(f.error(ErrorCode::TooLong, "comment", format!("at most {MAX_COMMENT_CHARS} characters")));
            }
            // `accepts` bounded the score to 0..=10, so it fits a u8.
            (u8::try_from(score).ok(), comment.map(str::to_owned))
        }
        EventKind::Impression | EventKind::Dismiss => {
            if score.is_some() || comment.is_some() {
                return Err(f.error(ErrorCode::InvalidValue, "score", "only responses carry a score or comment"));
            }
            (None, None)
        }
    };
    let visitor = f.random_id("visitor")?;
    let ts = f.int("ts")?;
    let ts = u64::try_from(ts)
        .ok()
        .filter(|t| *t <= MAX_SAFE_INTEGER)
        .ok_or_else(|| f.error(ErrorCode::OutOfRange, "ts", "milliseconds since 1970, at most 2^53-1"))?;
    // Any length the body allows: only the origin and path are kept (a
    // query can hold tokens), cut to MAX_URL_BYTES, since a long address
    // is no reason to lose an answer.
    let url = f.string("url", MAX_BODY_BYTES)?;
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(f.error(ErrorCode::InvalidValue, "url", "expected an http(s) URL"));
    }
    let mut url = crate::enrich::reduce_url(url);
    if url.len() > MAX_URL_BYTES {
        let cut = (0..=MAX_URL_BYTES).rev().find(|i| url.is_char_boundary(*i)).unwrap_or(0);
        url.truncate(cut);
    }
    let locale = f.string("locale", MAX_LOCALE_BYTES)?;
    if !is_locale(locale) {
        return Err(f.error(ErrorCode::InvalidValue, "locale", "not a language tag such as `en` or `pt-BR`"));
    }
    let experiment = f.optional_id("experiment")?;
    let variant = f.optional_id("variant")?;
    if variant.is_some() && experiment.is_none() {
        return Err(f.error(ErrorCode::MissingField, "experiment", "a variant needs its experiment"));
    }
    let attributes = f.attributes()?;
    Ok(Event {
        id: id.to_owned(),
        kind,
        survey: survey.id.clone(),
        touchpoint: touchpoint.to_owned(),
        metric,
        scale,
        score,
        comment,
        visitor: visitor.to_owned(),
        ts,
        url,
        locale: locale.to_owned(),
        experiment: experiment.map(str::to_owned),
        variant: variant.map(str::to_owned),
        attributes,
    })
}

/// The largest integer a JavaScript number holds exactly (2^53 - 1): client
/// timestamps above it could not travel through JS unchanged.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Validates every event of an envelope; one result per event, in order.
pub fn events(envelope: &Envelope, config: &SiteConfig) -> Vec<Result<Event>> {
    envelope.events.iter().enumerate().map(|(i, v)| event(i, v, config)).collect()
}

/// A client-generated id (an event's, a visitor's): 8-64 bytes of
/// `[A-Za-z0-9_-]`.
pub fn is_random_id(s: &str) -> bool {
    s.len() >= MIN_RANDOM_ID_BYTES && is_id(s)
}

/// Site, survey and other ids: 1-64 bytes of `[A-Za-z0-9_-]`.
pub fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_ID_BYTES && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A BCP 47-shaped tag: letters, digits and '-', starting with a letter.
pub fn is_locale(s: &str) -> bool {
    s.len() <= MAX_LOCALE_BYTES
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn missing(field: &str) -> FieldError {
    FieldError::new(ErrorCode::MissingField, field, "required")
}

fn wrong_type(field: &str, expected: &str) -> FieldError {
    FieldError::new(ErrorCode::InvalidType, field, format!("expected {expected}"))
}

/// Typed access to one event object's fields, with errors naming the path.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    path: &'a str,
}

impl<'a> Fields<'a> {
    fn error(&self, code: ErrorCode, name: &str, message: impl Into<String>) -> FieldError {
        FieldError::new(code, format!("{}.{name}", self.path), message)
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.obj.get(name).filter(|v| !v.is_null())
    }

    fn string(&self, name: &str, max_bytes: usize) -> Result<&'a str> {
        let s = self.optional_string(name)?.ok_or_else(|| self.error(ErrorCode::MissingField, name, "required"))?;
        if s.is_empty() {
            return Err(self.error(ErrorCode::MissingField, name, "must not be empty"));
        }
        if s.len() > max_bytes {
            return Err(self.error(ErrorCode::TooLong, name, format!("at most {max_bytes} bytes")));
        }
        Ok(s)
    }

    fn optional_string(&self, name: &str) -> Result<Option<&'a str>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.error(ErrorCode::InvalidType, name, "expected a string")),
        }
    }

    fn random_id(&self, name: &str) -> Result<&'a str> {
        let s = self.string(name, MAX_ID_BYTES)?;
        if !is_random_id(s) {
            return Err(self.error(
                ErrorCode::InvalidValue,
                name,
                format!("{MIN_RANDOM_ID_BYTES}-{MAX_ID_BYTES} characters of a-z, A-Z, 0-9, '-', '_'"),
            ));
        }
        Ok(s)
    }

    /// An optional id (experiment, variant): 1-64 bytes of `A-Za-z0-9_-`.
    fn optional_id(&self, name: &str) -> Result<Option<&'a str>> {
        let Some(s) = self.optional_string(name)? else { return Ok(None) };
        if s.len() > MAX_ID_BYTES {
            return Err(self.error(ErrorCode::TooLong, name, format!("at most {MAX_ID_BYTES} bytes")));
        }
        if !is_id(s) {
            return Err(self.error(ErrorCode::InvalidValue, name, "1-64 characters of a-z, A-Z, 0-9, '-', '_'"));
        }
        Ok(Some(s))
    }

    /// The optional flat `attributes` object, within its documented limits.
    fn attributes(&self) -> Result<Attributes> {
        let obj = match self.get("attributes") {
            None => return Ok(Attributes::new()),
            Some(Value::Object(obj)) => obj,
            Some(_) => return Err(self.error(ErrorCode::InvalidType, "attributes", "expected an object")),
        };
        if obj.len() > MAX_ATTRIBUTES {
            return Err(self.error(ErrorCode::TooLong, "attributes", format!("at most {MAX_ATTRIBUTES} attributes")));
        }
        let mut out = Attributes::new();
        for (key, value) in obj {
            if key.len() > MAX_ATTRIBUTE_KEY_BYTES {
                let message = format!("attribute names are at most {MAX_ATTRIBUTE_KEY_BYTES} bytes");
                return Err(self.error(ErrorCode::TooLong, "attributes", message));
            }
            if !is_id(key) {
                let message = "attribute names are 1-64 characters of a-z, A-Z, 0-9, '-', '_'";
                return Err(self.error(ErrorCode::InvalidValue, "attributes", message));
            }
            let name = format!("attributes.{key}");
            let value = match value {
                Value::Bool(b) => AttrValue::Bool(*b),
                Value::Number(n) => {
                    AttrValue::Number(n.as_i64().filter(|v| v.abs() <= MAX_ATTRIBUTE_NUMBER).ok_or_else(|| {
                        self.error(
                            ErrorCode::InvalidValue,
                            &name,
                            "numbers are whole, within +-(2^53-1); send decimals as strings",
                        )
                    })?)
                }
                Value::String(s) if s.chars().count() > MAX_ATTRIBUTE_VALUE_CHARS => {
                    let message = format!("at most {MAX_ATTRIBUTE_VALUE_CHARS} characters");
                    return Err(self.error(ErrorCode::TooLong, &name, message));
                }
                Value::String(s) => AttrValue::Text(s.clone()),
                _ => return Err(self.error(ErrorCode::InvalidType, &name, "expected a string, number or boolean")),
            };
            out.insert(key.clone(), value);
        }
        Ok(out)
    }

    fn int(&self, name: &str) -> Result<i64> {
        self.optional_int(name)?.ok_or_else(|| self.error(ErrorCode::MissingField, name, "required"))
    }

    fn optional_int(&self, name: &str) -> Result<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => {
                n.as_i64().map(Some).ok_or_else(|| self.error(ErrorCode::InvalidType, name, "expected an integer"))
            }
            Some(_) => Err(self.error(ErrorCode::InvalidType, name, "expected an integer")),
        }
    }
}
