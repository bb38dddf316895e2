//! A site's look: colours, font, corner radius, position and colour scheme.
//! Values are validated here, and only validated values ever reach the
//! widget's stylesheet, so a config cannot inject CSS.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, FieldError};

/// Where the prompt sits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Position {
    #[default]
    BottomRight,
    BottomLeft,
    /// A centred modal dialog: focus moves in, is trapped, and returns.
    Center,
}

/// Colour scheme.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Light,
    Dark,
    /// Follows `prefers-color-scheme`.
    #[default]
    Auto,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Theme {
    /// Accent colour, `#rgb` or `#rrggbb`: selected answer, buttons, focus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Text colour (both schemes when set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Background colour (both schemes when set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
    /// CSS font family list; default: the system UI font.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font: Option<String>,
    /// Corner radius in CSS px, 0-32.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius: Option<u8>,
    #[serde(default)]
    pub position: Position,
    #[serde(default)]
    pub mode: Mode,
}

/// WCAG 2.2 AA minimum contrast for normal text.
pub const MIN_CONTRAST: f64 = 4.5;

impl Theme {
    /// Checks every value; problems name their field (`theme.brand`).
    pub fn validate(&self, errors: &mut Vec<FieldError>) {
        for (name, value) in [("brand", &self.brand), ("text", &self.text), ("background", &self.background)] {
            if value.as_deref().is_some_and(|v| parse_hex(v).is_none()) {
                errors.push(FieldError::new(ErrorCode::InvalidValue, field(name), "a colour is #rgb or #rrggbb"));
            }
        }
        if self.font.as_deref().is_some_and(|f| !is_font_list(f)) {
            errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                "theme.font",
                "a font family list: letters, digits, spaces, commas, quotes and '-' (at most 100)",
            ));
        }
        if self.radius.is_some_and(|r| r > 32) {
            errors.push(FieldError::new(ErrorCode::OutOfRange, "theme.radius", "0-32 (CSS px)"));
        }
        let text = self.text.as_deref().and_then(parse_hex);
        let background = self.background.as_deref().and_then(parse_hex);
        if let (Some(t), Some(b)) = (text, background) {
            if contrast(t, b) < MIN_CONTRAST {
                errors.push(FieldError::new(
                    ErrorCode::InvalidValue,
                    "theme.text",
                    "text on background is below the WCAG AA contrast of 4.5:1",
                ));
            }
        }
    }

    /// A `:host { --tp-*: ... }` rule with the site's valid values (invalid
    /// ones are left out, so the built-in defaults apply).
    pub fn css(&self) -> String {
        let mut css = String::from(":host{");
        let mut var = |name: &str, value: &str| {
            css.push_str("--tp-");
            css.push_str(name);
            css.push(':');
            css.push_str(value);
            css.push(';');
        };
        if let Some((brand, rgb)) = self.brand.as_deref().and_then(|b| parse_hex(b).map(|rgb| (b, rgb))) {
            var("brand", brand);
            var(
                "on-brand",
                if contrast(rgb, (255, 255, 255)) >= contrast(rgb, (17, 17, 17)) { "#fff" } else { "#111" },
            );
        }
        for (name, value) in [("fg", &self.text), ("bg", &self.background)] {
            if let Some(v) = value.as_deref().filter(|v| parse_hex(v).is_some()) {
                var(name, v);
            }
        }
        if let Some(font) = self.font.as_deref().filter(|f| is_css_font_list(f)) {
            var("font", font);
        }
        if let Some(r) = self.radius.filter(|r| *r <= 32) {
            let mut px = crate::prompt::number(r);
            px.push_str("px");
            var("radius", &px);
        }
        css.push('}');
        css
    }
}

fn field(name: &str) -> String {
    let mut f = String::from("theme.");
    f.push_str(name);
    f
}

/// A valid `font`: a family list of letters and digits (any script),
/// spaces, commas, quotes and '-', at most 100 bytes.
fn is_font_list(f: &str) -> bool {
    is_css_font_list(f) && f.chars().all(|c| c.is_ascii() || c.is_alphanumeric())
}

/// What the stylesheet needs of a `font`: [`is_font_list`] without the
/// Unicode letter check, so the widget carries no Unicode tables (about
/// 2 KB). Safe for CSS, since no non-ASCII character can end a value, a
/// declaration or a rule; and a validated config passes both the same.
fn is_css_font_list(f: &str) -> bool {
    !f.trim().is_empty()
        && f.len() <= 100
        && f.chars().all(|c| !c.is_ascii() || c.is_ascii_alphanumeric() || matches!(c, ' ' | ',' | '-' | '"' | '\''))
}

/// `#rgb` / `#rrggbb` -> (r, g, b).
pub fn parse_hex(s: &str) -> Option<(u8, u8, u8)> {
    let hex = s.strip_prefix('#')?.as_bytes();
    let digit = |i: usize| char::from(*hex.get(i)?).to_digit(16).map(|d| d as u8);
    match hex.len() {
        3 => Some((digit(0)? * 17, digit(1)? * 17, digit(2)? * 17)),
        6 => Some((digit(0)? * 16 + digit(1)?, digit(2)? * 16 + digit(3)?, digit(4)? * 16 + digit(5)?)),
        _ => None,
    }
}

/// WCAG contrast ratio of two colours, 1.0 to 21.0.
pub fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            pow_2_4((c + 0.055) / 1.055)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// `x^2.4` for `x` in (0.09, 1], within a few ulps of `powf`, without libm's
/// `pow` (2 KB of wasm): `x^2 * x^0.4`, where `x^0.4` is the fifth root of
/// `x^2` by Newton's method (from 1, monotonic; 12 steps reach full precision).
fn pow_2_4(x: f64) -> f64 {
    let square = x * x;
    let mut root = 1.0;
    for _ in 0..12 {
        root = (4.0 * root + square / (root * root * root * root)) / 5.0;
    }
    square * root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pow_2_4_matches_powf_on_every_channel_value() {
        for c in 11..=255u8 {
            let x = (f64::from(c) / 255.0 + 0.055) / 1.055;
            let (ours, libm) = (pow_2_4(x), x.powf(2.4));
            assert!((ours - libm).abs() <= 1e-15 * libm, "{c}: {ours} vs {libm}");
        }
    }
}
