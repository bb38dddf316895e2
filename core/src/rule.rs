//! Conditions over named values: the one rule language used by targeting
//! (`survey.target`), URL rules (`trigger.page`) and event property filters
//! (`trigger.where`).
//!
//! Semantics, the same everywhere:
//! - A rule on a key that is absent is false, whatever its operator, except
//!   `exists` / `not_exists`. So a survey targeting an attribute this visitor
//!   does not have is not shown, and `ne` / `not_*` need the key present.
//! - The negated operators (`ne`, `not_contains`, `not_starts_with`,
//!   `not_ends_with`, `not_regex`, `not_in`) are "the key is present and the
//!   positive operator is false".
//! - Numbers: `gt`/`gte`/`lt`/`lte` compare numerically. A string that is a
//!   plain decimal number (`42`, `-3.5`; no exponent, no spaces) counts as
//!   that number, so the attribute `"42"` is `gt 40`, and `eq 42` matches both
//!   `42` and `"42"`. Anything else compared to a number is false.
//! - Strings compare exactly and case-sensitively (`Mobile` is not `mobile`);
//!   for other spellings list them with `in` or write a `regex` (`^[Mm]obile$`).
//! - Booleans equal booleans, and the strings `"true"`/`"false"`.
//! - A list attribute `contains` a value when one element equals it; `in`
//!   holds when the attribute (or one element of a list attribute) equals an
//!   element of the rule's list.
//! - `regex` runs through the [`Regex`] seam (the widget uses JS `RegExp`,
//!   so patterns are JavaScript regular expressions); only string values match.
//!
//! A [`Group`] holds when every `all` rule holds, at least one `any` rule
//! holds (when `any` is not empty) and no `none` rule holds. An empty group
//! always holds.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, FieldError};
use crate::limits::MAX_NAME_BYTES;

/// Most rules in each of a group's lists.
pub const MAX_RULES: usize = 20;
/// Longest string value or pattern in a rule, in bytes.
pub const MAX_RULE_VALUE_BYTES: usize = 512;

/// A value: an attribute, an event property, or a rule's operand.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Str(String),
    Num(f64),
    Bool(bool),
    List(Vec<Value>),
}

/// How a rule compares the key's value with its operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    Contains,
    NotContains,
    StartsWith,
    NotStartsWith,
    EndsWith,
    NotEndsWith,
    Regex,
    NotRegex,
    In,
    NotIn,
    Exists,
    NotExists,
}

const OPS: [(Op, &str); 18] = [
    (Op::Eq, "eq"),
    (Op::Ne, "ne"),
    (Op::Gt, "gt"),
    (Op::Gte, "gte"),
    (Op::Lt, "lt"),
    (Op::Lte, "lte"),
    (Op::Contains, "contains"),
    (Op::NotContains, "not_contains"),
    (Op::StartsWith, "starts_with"),
    (Op::NotStartsWith, "not_starts_with"),
    (Op::EndsWith, "ends_with"),
    (Op::NotEndsWith, "not_ends_with"),
    (Op::Regex, "regex"),
    (Op::NotRegex, "not_regex"),
    (Op::In, "in"),
    (Op::NotIn, "not_in"),
    (Op::Exists, "exists"),
    (Op::NotExists, "not_exists"),
];

impl Op {
    /// The JSON name (`not_starts_with`).
    pub fn as_str(self) -> &'static str {
        OPS.iter().find(|(op, _)| *op == self).map_or("", |(_, name)| name)
    }

    /// The operator named `name` (the widget reads configs without serde).
    pub fn parse(name: &str) -> Option<Op> {
        OPS.iter().find(|(_, n)| *n == name).map(|(op, _)| *op)
    }

    /// The positive operator and whether this one negates it.
    fn positive(self) -> (Op, bool) {
        match self {
            Op::Ne => (Op::Eq, true),
            Op::NotContains => (Op::Contains, true),
            Op::NotStartsWith => (Op::StartsWith, true),
            Op::NotEndsWith => (Op::EndsWith, true),
            Op::NotRegex => (Op::Regex, true),
            Op::NotIn => (Op::In, true),
            op => (op, false),
        }
    }
}

/// Regular-expression matching, provided by the caller: the widget uses
/// JS `RegExp` (no regex engine in the wasm), tests a tiny fake.
pub trait Regex {
    /// Whether `pattern` matches somewhere in `text`; an invalid pattern
    /// must return false, never panic.
    fn is_match(&self, pattern: &str, text: &str) -> bool;
}

/// One condition: `key op value`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub key: String,
    pub op: Op,
    /// The operand; absent for `exists` / `not_exists`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// Rules combined: all of `all`, at least one of `any` (if any), none of `none`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub all: Vec<Rule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any: Vec<Rule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub none: Vec<Rule>,
}

/// Why a group did not hold: which rule, and the value it saw. The rule is
/// borrowed from the group (no copy is made for a reason that nobody may
/// read: the visitors' build of the widget never words it).
#[derive(Clone, Debug, PartialEq)]
pub struct Failed<'a> {
    /// `all`, `any` or `none`.
    pub list: &'static str,
    /// The failing rule's index; `None` when no rule of `any` held.
    pub index: Option<usize>,
    /// The failing rule (absent for `any`).
    pub rule: Option<&'a Rule>,
    /// The key's value when the rule was checked (`None`: not set).
    pub actual: Option<Value>,
}

impl Value {
    /// The number this value stands for: a number, or a decimal string.
    pub fn as_num(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Str(s) => parse_decimal(s),
            _ => None,
        }
    }

    fn loosely_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Bool(b), Value::Str(s)) | (Value::Str(s), Value::Bool(b)) => s == if *b { "true" } else { "false" },
            (Value::List(a), Value::List(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.loosely_eq(y)),
            (a, b) => matches!((a.as_num(), b.as_num()), (Some(x), Some(y)) if x == y),
        }
    }
}

/// `-?[0-9]+(\.[0-9]+)?`, without a float parser (size: the widget ships this).
fn parse_decimal(s: &str) -> Option<f64> {
    let (neg, digits) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (int, frac) = crate::wire::cut(digits, b'.').unwrap_or((digits, "0"));
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let mut n = 0.0;
    for b in int.bytes() {
        n = n * 10.0 + f64::from(b - b'0');
    }
    let mut scale = 1.0;
    for b in frac.bytes() {
        scale /= 10.0;
        n += f64::from(b - b'0') * scale;
    }
    Some(if neg { -n } else { n })
}

impl Rule {
    /// Whether the rule holds for `actual` (the key's value, `None` if unset).
    pub fn holds(&self, actual: Option<&Value>, re: &dyn Regex) -> bool {
        let Some(actual) = actual else {
            return self.op == Op::NotExists;
        };
        let (op, negated) = self.op.positive();
        let positive = match (op, self.value.as_ref()) {
            (Op::Exists, _) => true,
            (Op::NotExists, _) => false,
            (_, None) => false,
            (op, Some(want)) => compare(op, actual, want, re),
        };
        positive != negated
    }
}

/// Whether `needle` occurs in `haystack`. A plain scan instead of
/// `str::contains`, whose two-way searcher costs the widget 0.7 KB of gzip;
/// rule values, URLs and user agents are short, so the quadratic worst case
/// is not.
pub fn contains(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w == n)
}

fn compare(op: Op, actual: &Value, want: &Value, re: &dyn Regex) -> bool {
    let num = |f: fn(f64, f64) -> bool| matches!((actual.as_num(), want.as_num()), (Some(a), Some(b)) if f(a, b));
    let text = |f: &dyn Fn(&str, &str) -> bool| matches!((actual, want), (Value::Str(a), Value::Str(b)) if f(a, b));
    match op {
        Op::Eq => actual.loosely_eq(want),
        Op::Gt => num(|a, b| a > b),
        Op::Gte => num(|a, b| a >= b),
        Op::Lt => num(|a, b| a < b),
        Op::Lte => num(|a, b| a <= b),
        Op::Contains => match actual {
            Value::List(items) => items.iter().any(|i| i.loosely_eq(want)),
            _ => text(&|a, b| contains(a, b)),
        },
        Op::StartsWith => text(&|a, b| a.starts_with(b)),
        Op::EndsWith => text(&|a, b| a.ends_with(b)),
        Op::Regex => text(&|a, b| re.is_match(b, a)),
        Op::In => match (actual, want) {
            (Value::List(have), Value::List(set)) => have.iter().any(|h| set.iter().any(|s| h.loosely_eq(s))),
            (a, Value::List(set)) => set.iter().any(|s| a.loosely_eq(s)),
            _ => false,
        },
        _ => false,
    }
}

impl Group {
    /// Every `regex`/`not_regex` pattern with its field (`{path}.any[1].value`),
    /// so the collector can check them with the JavaScript engine that will
    /// run them before a config is stored.
    pub fn patterns<'a>(&'a self, path: &str, out: &mut Vec<(String, &'a str)>) {
        for (list, rules) in [("all", &self.all), ("any", &self.any), ("none", &self.none)] {
            for (i, rule) in rules.iter().enumerate() {
                if let (Op::Regex | Op::NotRegex, Some(Value::Str(pattern))) = (rule.op, &rule.value) {
                    out.push((format!("{path}.{list}[{i}].value"), pattern));
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty() && self.any.is_empty() && self.none.is_empty()
    }

    /// `Ok` when the group holds for the values `lookup` returns; otherwise
    /// the first rule that decided it did not.
    pub fn eval(&self, lookup: &dyn Fn(&str) -> Option<Value>, re: &dyn Regex) -> Result<(), Failed<'_>> {
        let check = |rule: &Rule| {
            let actual = lookup(&rule.key);
            let ok = rule.holds(actual.as_ref(), re);
            (ok, actual)
        };
        let fail = |list, index, rule, actual| Failed { list, index: Some(index), rule: Some(rule), actual };
        for (i, rule) in self.all.iter().enumerate() {
            if let (false, actual) = check(rule) {
                return Err(fail("all", i, rule, actual));
            }
        }
        if !self.any.is_empty() && !self.any.iter().any(|r| check(r).0) {
            return Err(Failed { list: "any", index: None, rule: None, actual: None });
        }
        for (i, rule) in self.none.iter().enumerate() {
            if let (true, actual) = check(rule) {
                return Err(fail("none", i, rule, actual));
            }
        }
        Ok(())
    }

    /// Checks every rule; `path` names the group (`surveys[0].target`).
    /// `keys`, when given, is the closed set of keys the group may use.
    pub fn validate(&self, path: &str, keys: Option<&[&str]>, errors: &mut Vec<FieldError>) {
        for (list, rules) in [("all", &self.all), ("any", &self.any), ("none", &self.none)] {
            if rules.len() > MAX_RULES {
                errors.push(FieldError::new(ErrorCode::TooLong, format!("{path}.{list}"), "at most 20 rules"));
            }
            for (i, rule) in rules.iter().enumerate() {
                rule.validate(&format!("{path}.{list}[{i}]"), keys, errors);
            }
        }
    }
}

impl Rule {
    fn validate(&self, path: &str, keys: Option<&[&str]>, errors: &mut Vec<FieldError>) {
        let bad_key = self.key.is_empty() || self.key.len() > MAX_NAME_BYTES || self.key.chars().any(char::is_control);
        if bad_key {
            errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                format!("{path}.key"),
                "1-64 bytes, no control characters",
            ));
        } else if keys.is_some_and(|k| !k.contains(&self.key.as_str())) {
            let allowed = keys.unwrap_or_default().join(", ");
            errors.push(FieldError::new(ErrorCode::InvalidValue, format!("{path}.key"), format!("one of: {allowed}")));
        }
        let (op, _) = self.op.positive();
        let field = format!("{path}.value");
        let problem = match (op, &self.value) {
            (Op::Exists | Op::NotExists, None) => None,
            (Op::Exists | Op::NotExists, Some(_)) => Some("exists and not_exists take no value"),
            (_, None) => Some("required for this operator"),
            (Op::Gt | Op::Gte | Op::Lt | Op::Lte, Some(v)) if v.as_num().is_none() => Some("a number"),
            (Op::StartsWith | Op::EndsWith | Op::Regex, Some(v)) if !matches!(v, Value::Str(s) if !s.is_empty()) => {
                Some("a non-empty string")
            }
            (Op::In, Some(v)) if !matches!(v, Value::List(l) if !l.is_empty()) => Some("a non-empty list"),
            (Op::Eq | Op::Contains, Some(Value::List(_))) => Some("a string, number or boolean (use in for lists)"),
            _ => None,
        };
        if let Some(message) = problem {
            errors.push(FieldError::new(ErrorCode::InvalidValue, field, message));
        } else if self.value.as_ref().is_some_and(|v| too_big(v, 0)) {
            errors.push(FieldError::new(
                ErrorCode::TooLong,
                field,
                "strings up to 512 bytes, lists up to 100 flat items",
            ));
        }
    }
}

fn too_big(v: &Value, depth: u8) -> bool {
    match v {
        Value::Str(s) => s.len() > MAX_RULE_VALUE_BYTES,
        Value::List(items) => depth > 0 || items.len() > 100 || items.iter().any(|i| too_big(i, depth + 1)),
        _ => false,
    }
}

impl Failed<'_> {
    /// A sentence for debug logs, `group` naming the group:
    /// `target.all[1]: device eq "mobile" is false (device = desktop)`.
    pub fn describe(&self, group: &str) -> String {
        let mut out = String::from(group);
        out.push('.');
        out.push_str(self.list);
        let (Some(index), Some(rule)) = (self.index, &self.rule) else {
            out.push_str(": none of the rules holds");
            return out;
        };
        out.push('[');
        crate::wire::uint(&mut out, index as u64);
        out.push_str("]: ");
        out.push_str(&rule.key);
        out.push(' ');
        out.push_str(rule.op.as_str());
        if let Some(v) = &rule.value {
            out.push(' ');
            write_value(&mut out, v, true);
        }
        out.push_str(if self.list == "none" { " holds (" } else { " is false (" });
        out.push_str(&rule.key);
        match &self.actual {
            Some(v) => {
                out.push_str(" = ");
                write_value(&mut out, v, false);
            }
            None => out.push_str(" is not set"),
        }
        out.push(')');
        out
    }
}

/// A value as text for humans; strings quoted when `quote`.
pub fn write_value(out: &mut String, v: &Value, quote: bool) {
    match v {
        Value::Str(s) if quote => crate::wire::string(out, s),
        Value::Str(s) => out.push_str(s),
        Value::Num(n) => write_num(out, *n),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item, quote);
            }
            out.push(']');
        }
    }
}

/// A number with up to 3 decimals, without the float formatting machinery.
pub fn write_num(out: &mut String, n: f64) {
    if !n.is_finite() {
        out.push_str("NaN");
        return;
    }
    if n < 0.0 {
        out.push('-');
    }
    let milli = (n.abs() * 1000.0 + 0.5) as u64;
    crate::wire::uint(out, milli / 1000);
    let frac = milli % 1000;
    if frac != 0 {
        out.push('.');
        let digits = [frac / 100, frac / 10 % 10, frac % 10];
        let len = if frac.is_multiple_of(100) {
            1
        } else if frac.is_multiple_of(10) {
            2
        } else {
            3
        };
        for d in &digits[..len] {
            out.push(char::from(b'0' + *d as u8));
        }
    }
}
