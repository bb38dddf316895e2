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
    /// The theme as the widget adopts it, [`Theme::css`], written by the
    /// collector into the configuration it serves ([`crate::SiteConfig::public`]):
    /// the colour arithmetic (contrast, shading) runs once per configuration
    /// on the server instead of in every visitor's widget (1 KB gzip of
    /// wasm). Never read from a site's own configuration.
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub css: Option<String>,
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
        let palette = self.palette();
        if let Some(brand) = self.brand.as_deref().and_then(parse_hex) {
            // The site's accent, on each background it may be shown on:
            // the site's own, else the built-in light and dark ones.
            let on: &[(&str, f64)] = match &palette {
                Some(p) => &[("brand", p.bg_luminance)],
                None => &[("brand", LIGHT_BG.1), ("brand-dark", DARK_BG.1)],
            };
            for (name, bg) in on {
                let accent = accent_on(brand, *bg);
                var(name, &hex(accent));
                let mut on_name = String::from("on-");
                on_name.push_str(name);
                var(
                    &on_name,
                    if contrast(accent, (255, 255, 255)) >= contrast(accent, (17, 17, 17)) { "#fff" } else { "#111" },
                );
            }
        }
        if let Some(palette) = palette {
            for (name, value) in [("fg", palette.fg), ("bg", palette.bg), ("muted", palette.muted)] {
                var(name, value);
            }
            if self.brand.as_deref().and_then(parse_hex).is_none() {
                var("brand", palette.brand);
                var("on-brand", palette.on_brand);
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

/// The colours of a themed prompt: the site's text and background, and
/// what goes with them, in every colour scheme.
#[derive(Debug, PartialEq)]
pub struct Palette<'a> {
    pub fg: &'a str,
    pub bg: &'a str,
    pub bg_luminance: f64,
    /// End labels, the close button, borders: [`MIN_CONTRAST`] on `bg`.
    pub muted: &'a str,
    /// Used when the site sets no brand colour.
    pub brand: &'a str,
    pub on_brand: &'a str,
}

/// A built-in colour (the stylesheet's defaults) and its relative
/// luminance, precomputed (a test checks each against [`luminance`]).
type Known = (&'static str, f64);
const LIGHT_FG: Known = ("#1f2937", 0.021_530_180_889_268_46);
const LIGHT_BG: Known = ("#fff", 1.0);
const LIGHT_MUTED: Known = ("#4b5563", 0.088_937_073_411_370_08);
const DARK_FG: Known = ("#f9fafb", 0.954_759_859_051_348_1);
const DARK_BG: Known = ("#1f2937", 0.021_530_180_889_268_46);
const DARK_MUTED: Known = ("#d1d5db", 0.662_582_822_450_792);
const BLACK: Known = ("#000", 0.0);
const WHITE: Known = ("#fff", 1.0);

impl Theme {
    /// With a text or background colour set, the prompt keeps the site's
    /// colours in every scheme, so the built-in dark palette must not mix in
    /// (its light grey labels on the site's white would be unreadable). The
    /// colour the site left out is the built-in one that goes with the
    /// other, or black or white when that one does not reach
    /// [`MIN_CONTRAST`] (one of them always does); the muted grey is the
    /// built-in one that reads best on the background, or the text colour
    /// when neither reaches it; without a brand, the accent is the built-in
    /// one for a light or a dark background. `None`: no colours set.
    pub fn palette(&self) -> Option<Palette<'_>> {
        fn known(c: &Option<String>) -> Option<(&str, f64)> {
            let c = c.as_deref()?;
            Some((c, luminance(parse_hex(c)?)))
        }
        let partner = |other: (&str, f64), on_light: Known, on_dark: Known| {
            let built_in = if is_light(other.1) { on_light } else { on_dark };
            match ratio(built_in.1, other.1) >= MIN_CONTRAST {
                true => built_in,
                false if is_light(other.1) => BLACK,
                false => WHITE,
            }
        };
        let (fg, bg) = match (known(&self.text), known(&self.background)) {
            (Some(fg), Some(bg)) => (fg, bg),
            // Light text goes on the dark palette's background, and so on.
            (Some(fg), None) => (fg, partner(fg, DARK_BG, LIGHT_BG)),
            (None, Some(bg)) => (partner(bg, LIGHT_FG, DARK_FG), bg),
            (None, None) => return None,
        };
        let muted = if ratio(LIGHT_MUTED.1, bg.1) > ratio(DARK_MUTED.1, bg.1) { LIGHT_MUTED } else { DARK_MUTED };
        let light = is_light(bg.1);
        Some(Palette {
            fg: fg.0,
            bg: bg.0,
            bg_luminance: bg.1,
            muted: if ratio(muted.1, bg.1) >= MIN_CONTRAST { muted.0 } else { fg.0 },
            brand: if light { "#3730a3" } else { "#a5b4fc" },
            on_brand: if light { "#fff" } else { "#1e1b4b" },
        })
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
    !f.trim_ascii().is_empty()
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
    ratio(luminance(a), luminance(b))
}

/// WCAG 2.2 AA minimum contrast for a control's state and focus ring
/// against what surrounds it (1.4.11).
pub const MIN_NON_TEXT_CONTRAST: f64 = 3.0;

/// `rgb`, or else the first of it mixed a tenth at a time toward black (on
/// a light background) or white (on a dark one) that reaches
/// [`MIN_NON_TEXT_CONTRAST`] on a background of luminance `bg`: a light
/// brand's selected star or focus ring would not show on white.
fn accent_on(rgb: (u8, u8, u8), bg: f64) -> (u8, u8, u8) {
    let toward = if is_light(bg) { 0.0 } else { 255.0 };
    let mix = |c: u8, t: f64| (f64::from(c) + (toward - f64::from(c)) * t).round() as u8;
    let mut accent = rgb;
    for tenth in 1..=10 {
        if ratio(luminance(accent), bg) >= MIN_NON_TEXT_CONTRAST {
            break;
        }
        let t = f64::from(tenth) / 10.0;
        accent = (mix(rgb.0, t), mix(rgb.1, t), mix(rgb.2, t));
    }
    accent
}

/// `#rrggbb`.
pub fn hex((r, g, b): (u8, u8, u8)) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::from("#");
    for c in [r, g, b] {
        out.push(char::from(DIGITS[usize::from(c >> 4)]));
        out.push(char::from(DIGITS[usize::from(c & 15)]));
    }
    out
}

/// WCAG contrast ratio of two relative luminances.
fn ratio(a: f64, b: f64) -> f64 {
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

/// Whether black text reads better than white on this luminance.
fn is_light(l: f64) -> bool {
    ratio(l, 0.0) > ratio(l, 1.0)
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
    fn built_in_luminances_are_those_of_their_colours() {
        for (hex, l) in [LIGHT_FG, LIGHT_BG, LIGHT_MUTED, DARK_FG, DARK_BG, DARK_MUTED, BLACK, WHITE] {
            let computed = luminance(parse_hex(hex).unwrap());
            assert!((computed - l).abs() < 1e-12, "{hex}: {l} vs {computed}");
        }
    }

    #[test]
    fn pow_2_4_matches_powf_on_every_channel_value() {
        for c in 11..=255u8 {
            let x = (f64::from(c) / 255.0 + 0.055) / 1.055;
            let (ours, libm) = (pow_2_4(x), x.powf(2.4));
            assert!((ours - libm).abs() <= 1e-15 * libm, "{c}: {ours} vs {libm}");
        }
    }
}
