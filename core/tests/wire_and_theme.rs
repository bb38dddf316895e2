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
    };
    let css = t.css();
    assert_eq!(css, ":host{--tp-brand:#0f766e;--tp-on-brand:#fff;--tp-fg:#111827;--tp-font:Inter, \"Segoe UI\", sans-serif;--tp-radius:8px;}");
    let light = Theme { brand: Some("#fde047".into()), ..Theme::default() };
    assert!(light.css().contains("--tp-on-brand:#111"), "dark text on a light brand");
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
