//! The hand-written wire JSON equals serde's, and themes only emit safe CSS.

use touchpoint_core::event::{AttrValue, Batch, Event, EventKind};
use touchpoint_core::theme::{contrast, parse_hex, Mode, Position, Theme};
use touchpoint_core::wire::batch_json;
use touchpoint_core::Metric;

fn event(comment: Option<&str>, scale: Option<u8>) -> Event {
    Event {
        id: "abcdef0123456789".into(),
        kind: EventKind::Response,
        survey: "s1".into(),
        touchpoint: "checkout_completed".into(),
        metric: if scale.is_some() { Metric::Ces } else { Metric::Nps },
        scale,
        score: Some(3),
        comment: comment.map(Into::into),
        visitor: "visitor-0001".into(),
        ts: 1_764_000_000_123,
        url: "https://shop.example/a?b=\"c\"".into(),
        locale: "pt-BR".into(),
        experiment: None,
        variant: None,
        attributes: Default::default(),
    }
}

fn in_experiment(e: Event) -> Event {
    let attributes = [
        ("plan", AttrValue::Text("pro \"annual\" \n 😀".into())),
        ("returning", AttrValue::Bool(true)),
        ("new", AttrValue::Bool(false)),
        ("orders", AttrValue::Number(3)),
        ("balance", AttrValue::Number(-12)),
        ("zero", AttrValue::Number(0)),
        ("max", AttrValue::Number((1 << 53) - 1)),
        ("min", AttrValue::Number(-((1 << 53) - 1))),
    ];
    Event {
        experiment: Some("prompt-timing".into()),
        variant: Some("after_5s".into()),
        attributes: attributes.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        ..e
    }
}

#[test]
fn batch_json_parses_back_to_the_same_batch() {
    let tricky = "quote \" backslash \\ newline \n tab \t bell \u{7} emoji 😀 rtl مرحبا </script>";
    let events = vec![event(Some(tricky), None), event(None, Some(7)), in_experiment(event(None, None))];
    let json = batch_json("demo", &events);
    let parsed: Batch = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(parsed, Batch { site: "demo".into(), events });
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(value["events"][1]["comment"].is_null(), "absent comment is null, not missing");
    assert!(value["events"][1].get("attributes").is_none(), "no attributes: the field is left out, as serde does");
    assert_eq!(value["events"][2]["attributes"]["orders"], serde_json::json!(3));
    assert_eq!(value["events"][2]["variant"], "after_5s");
}

#[test]
fn theme_css_carries_only_validated_values() {
    let t = Theme {
        brand: Some("#0f766e".into()),
        text: Some("#111827".into()),
        background: Some("}body{display:none".into()),
        font: Some("Inter, \"Segoe UI\", sans-serif".into()),
        radius: Some(8),
        position: Position::BottomLeft,
        mode: Mode::Dark,
        css: None,
    };
    let css = t.css();
    assert_eq!(
        css,
        ":host{--tp-brand:#0f766e;--tp-on-brand:#fff;--tp-fg:#111827;--tp-bg:#fff;--tp-muted:#4b5563;\
         --tp-font:Inter, \"Segoe UI\", sans-serif;--tp-radius:8px;}"
    );
    let dark = Theme { brand: Some("#1e3a8a".into()), ..Theme::default() };
    assert!(dark.css().contains("--tp-brand:#1e3a8a;--tp-on-brand:#fff;"), "white text on a dark brand");
}

#[test]
fn a_brand_that_would_not_show_on_the_background_is_shaded_until_it_does() {
    let var = |css: &str, name: &str| {
        let start = css.find(&format!("--tp-{name}:")).unwrap_or_else(|| panic!("{name} in {css}")) + name.len() + 6;
        css[start..start + css[start..].find(';').unwrap()].to_owned()
    };
    let on = |css: &str, name: &str, bg: &str| contrast(parse_hex(&var(css, name)).unwrap(), parse_hex(bg).unwrap());
    // Built-in backgrounds: white, and #1f2937 in dark mode.
    for brand in ["#fde047", "#a3e635", "#f9a8d4", "#0f766e", "#1e3a8a", "#3730a3", "#ffffff", "#000000", "#777"] {
        let css = Theme { brand: Some(brand.into()), ..Theme::default() }.css();
        assert!(on(&css, "brand", "#ffffff") >= 3.0, "{brand} on white: {css}");
        assert!(on(&css, "brand-dark", "#1f2937") >= 3.0, "{brand} on dark: {css}");
        // The text on the accent is whichever of near-black and white reads better.
        let accent = parse_hex(&var(&css, "brand")).unwrap();
        let best = contrast(accent, (255, 255, 255)).max(contrast(accent, (17, 17, 17)));
        assert!(on(&css, "on-brand", &var(&css, "brand")) >= best - 1e-9);
    }
    // A brand that already stands out is the site's own colour.
    let teal = Theme { brand: Some("#0f766e".into()), ..Theme::default() }.css();
    assert_eq!(var(&teal, "brand"), "#0f766e");
    assert_ne!(var(&teal, "brand-dark"), "#0f766e", "too dark on the dark background: lightened");
    let yellow = Theme { brand: Some("#fde047".into()), ..Theme::default() }.css();
    assert_eq!(var(&yellow, "brand-dark"), "#fde047");
    // With the site's own background, one accent for it, in every scheme.
    let site = Theme { brand: Some("#fde047".into()), background: Some("#fffbeb".into()), ..Theme::default() }.css();
    assert!(on(&site, "brand", "#fffbeb") >= 3.0);
    assert!(!site.contains("brand-dark"));
}

#[test]
fn a_themed_text_or_background_gets_a_whole_palette_readable_in_every_scheme() {
    let theme = |text: Option<&str>, background: Option<&str>| Theme {
        text: text.map(Into::into),
        background: background.map(Into::into),
        ..Theme::default()
    };
    assert_eq!(Theme::default().palette(), None, "no colours set: the built-in light and dark palettes apply");
    assert_eq!(theme(Some("red"), None).palette(), None, "an invalid colour is no colour");
    // The README's example: the site's colours in both schemes, grey labels
    // that read on its white.
    let t = theme(Some("#111827"), Some("#ffffff"));
    let p = t.palette().unwrap();
    assert_eq!((p.fg, p.bg, p.muted, p.brand, p.on_brand), ("#111827", "#ffffff", "#4b5563", "#3730a3", "#fff"));
    // Only one colour: the other is the built-in one that goes with it.
    let t = theme(Some("#f9fafb"), None);
    let p = t.palette().unwrap();
    assert_eq!((p.fg, p.bg, p.muted, p.brand), ("#f9fafb", "#1f2937", "#d1d5db", "#a5b4fc"));
    let t = theme(Some("#111827"), None);
    let p = t.palette().unwrap();
    assert_eq!((p.fg, p.bg), ("#111827", "#fff"));
    let t = theme(None, Some("#000"));
    let p = t.palette().unwrap();
    assert_eq!((p.fg, p.bg, p.muted), ("#f9fafb", "#000", "#d1d5db"));
    // A mid grey where neither grey reads: labels take the text colour.
    let t = theme(Some("#000"), Some("#808080"));
    let p = t.palette().unwrap();
    assert_eq!(p.muted, "#000");
    let t = theme(Some("#777"), None);
    let p = t.palette().unwrap();
    assert_eq!(p.bg, "#000", "no built-in background reads under mid grey text: black does");
    // Whatever the site's colours, text and labels stay readable.
    for bg in ["#fff", "#000", "#808080", "#1e3a8a", "#fde047", "#0f766e", "#f3f4f6", "#374151"] {
        let t = theme(None, Some(bg));
        let p = t.palette().unwrap();
        let on_bg = |c: &str| contrast(parse_hex(c).unwrap(), parse_hex(bg).unwrap());
        assert!(on_bg(p.fg) >= 4.5, "text on {bg}: {}", on_bg(p.fg));
        assert!(on_bg(p.muted) >= 4.5 || p.muted == p.fg, "labels on {bg}: {}", on_bg(p.muted));
    }
}

#[test]
fn contrast_matches_wcag_reference_values() {
    let black = parse_hex("#000").unwrap();
    let white = parse_hex("#ffffff").unwrap();
    assert!((contrast(black, white) - 21.0).abs() < 0.01);
    assert!((contrast(parse_hex("#777").unwrap(), white) - 4.48).abs() < 0.01);
    assert_eq!(parse_hex("#12345"), None);
    assert_eq!(parse_hex("red"), None);
}

#[test]
fn integers_read_back_exactly_what_uint_writes() {
    use touchpoint_core::wire::{parse_small, parse_uint, uint};
    for n in [0, 7, 10, 1_750_000_000_000, u64::MAX] {
        let mut s = String::new();
        uint(&mut s, n);
        assert_eq!(parse_uint(&s), Some(n), "{s}");
    }
    for bad in ["", "+1", "-1", " 1", "1 ", "12a", "1.5", "18446744073709551616"] {
        assert_eq!(parse_uint(bad), None, "{bad:?}");
    }
    assert_eq!(parse_small::<u8>("255"), Some(255));
    assert_eq!(parse_small::<u8>("256"), None);
    assert_eq!(parse_small::<u32>("4294967296"), None);
}
