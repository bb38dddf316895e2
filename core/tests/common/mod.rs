//! Shared test helpers.

use touchpoint_core::rule::Regex;

/// A stand-in for JS `RegExp`: `^` and `$` anchors around a literal.
pub struct FakeRegex;

impl Regex for FakeRegex {
    fn is_match(&self, pattern: &str, text: &str) -> bool {
        match (pattern.strip_prefix('^'), pattern.strip_suffix('$')) {
            (Some(p), _) if p.ends_with('$') => text == &p[..p.len() - 1],
            (Some(p), _) => text.starts_with(p),
            (None, Some(p)) => text.ends_with(p),
            (None, None) => text.contains(pattern),
        }
    }
}
