//! Triggers: every signal, URL conditions, scroll depth, mobile exit intent, validation.

use serde_json::json;
use touchpoint_core::rule::Value;
use touchpoint_core::trigger::{scroll_percent, ExitIntent, Signal, Trigger};

mod common;
use common::FakeRegex;

fn trigger(v: serde_json::Value) -> Trigger {
    serde_json::from_value(v).unwrap()
}

fn props(key: &str) -> Option<Value> {
    match key {
        "value" => Some(Value::Num(42.0)),
        "currency" => Some(Value::Str("EUR".into())),
        _ => None,
    }
}

fn no_props(_: &str) -> Option<Value> {
    None
}

#[test]
fn the_original_event_format_still_reads_and_writes_the_same() {
    let t = trigger(json!({"event": "checkout_completed"}));
    assert_eq!(t, Trigger::on_event("checkout_completed"));
    assert_eq!(serde_json::to_value(&t).unwrap(), json!({"event": "checkout_completed"}));
}

#[test]
fn each_signal_fires_only_the_triggers_that_wait_for_it() {
    let event = trigger(json!({"event": "order", "where": {"all": [{"key": "value", "op": "gte", "value": 40}]}}));
    let big = Signal::Event { name: "order", props: &props };
    let bare = Signal::Event { name: "order", props: &no_props };
    let other = Signal::Event { name: "signup", props: &props };
    let all_signals = [
        trigger(json!({"page_view": true})),
        trigger(json!({"click": "#buy"})),
        trigger(json!({"exit_intent": true})),
        trigger(json!({"scroll_percent": 50})),
        trigger(json!({"dwell_seconds": 10})),
        trigger(json!({"inactivity_seconds": 30})),
    ];
    let signals = [
        Signal::PageView,
        Signal::Click,
        Signal::ExitIntent,
        Signal::Scroll(50),
        Signal::Dwell(10),
        Signal::Inactivity(30),
    ];
    assert!(event.fires(big, &FakeRegex));
    assert!(!event.fires(bare, &FakeRegex), "where rule on an absent property is false");
    assert!(!event.fires(other, &FakeRegex));
    for (i, t) in all_signals.iter().enumerate() {
        for (j, s) in signals.iter().enumerate() {
            assert_eq!(t.fires(*s, &FakeRegex), i == j, "trigger {i} on signal {j}");
        }
        assert!(!t.fires(big, &FakeRegex));
        assert!(!event.fires(signals[i], &FakeRegex));
    }
    let thresholds = trigger(json!({"scroll_percent": 50, "dwell_seconds": 10, "inactivity_seconds": 30}));
    assert!(!thresholds.fires(Signal::Scroll(49), &FakeRegex));
    assert!(thresholds.fires(Signal::Scroll(100), &FakeRegex));
    assert!(!thresholds.fires(Signal::Dwell(9), &FakeRegex));
    assert!(!thresholds.fires(Signal::Inactivity(29), &FakeRegex));
    assert!(thresholds.fires(Signal::Inactivity(31), &FakeRegex));
}

#[test]
fn page_rules_use_path_and_url() {
    let t = trigger(json!({"page_view": true, "page": {
        "any": [{"key": "path", "op": "starts_with", "value": "/help"}, {"key": "url", "op": "contains", "value": "?faq"}],
        "none": [{"key": "path", "op": "regex", "value": "/internal$"}]
    }}));
    assert_eq!(t.page_holds("/help/returns", "https://s.example/help/returns", &FakeRegex), Ok(()));
    assert_eq!(t.page_holds("/", "https://s.example/?faq=1", &FakeRegex), Ok(()));
    let off = t.page_holds("/cart", "https://s.example/cart", &FakeRegex).unwrap_err();
    assert_eq!(off.describe("trigger.page"), "trigger.page.any: none of the rules holds");
    let excluded = t.page_holds("/help/internal", "https://s.example/help/internal", &FakeRegex).unwrap_err();
    assert_eq!(
        excluded.describe("trigger.page"),
        "trigger.page.none[0]: path regex \"/internal$\" holds (path = /help/internal)"
    );
}

#[test]
fn scroll_percent_measures_the_bottom_edge_of_the_viewport() {
    let cases = [
        ((0.0, 800.0, 4000.0), 20),
        ((1200.0, 800.0, 4000.0), 50),
        ((3200.0, 800.0, 4000.0), 100),
        ((5000.0, 800.0, 4000.0), 100), // overscroll
        ((-60.0, 800.0, 4000.0), 20),   // iOS bounce
        ((0.0, 800.0, 600.0), 100),     // fits in the viewport
        ((0.0, 0.0, 600.0), 100),
        ((f64::NAN, 800.0, 4000.0), 20),
    ];
    for ((y, vh, dh), want) in cases {
        assert_eq!(scroll_percent(y, vh, dh), want, "{y} {vh} {dh}");
    }
}

/// Feeds `(t_ms, scroll_y)` samples on a 800 px viewport over a 4000 px page.
fn run(samples: &[(u64, f64)]) -> Vec<bool> {
    let mut d = ExitIntent::new();
    samples.iter().map(|(t, y)| d.observe(*t, *y, 800.0, 4000.0)).collect()
}

#[test]
fn mobile_exit_intent_is_a_fast_upward_scroll_after_reading() {
    // Scrollable distance 3200 px: armed at 960 px; fires on >= 200 px up within 300 ms.
    let read_then_fling = [(0, 0.0), (1000, 600.0), (2000, 1200.0), (5000, 1200.0), (5100, 1100.0), (5250, 990.0)];
    assert_eq!(run(&read_then_fling), [false, false, false, false, false, true]);
    // Same fling without having read 30 % first: nothing.
    assert!(!run(&[(0, 0.0), (1000, 900.0), (1100, 650.0)]).contains(&true));
    // Slow upward scroll (200 px over 600 ms): not a fling.
    let slow = [(0, 1500.0), (200, 1430.0), (400, 1370.0), (600, 1300.0)];
    assert!(!run(&slow).contains(&true));
    // 190 px up fast: below a quarter viewport.
    assert!(!run(&[(0, 1500.0), (100, 1310.0)]).contains(&true));
    // Fires once per page, again after reset (SPA navigation).
    let mut d = ExitIntent::new();
    assert!(!d.observe(0, 1500.0, 800.0, 4000.0));
    assert!(d.observe(100, 1200.0, 800.0, 4000.0));
    assert!(!d.observe(1000, 1500.0, 800.0, 4000.0));
    assert!(!d.observe(1100, 1000.0, 800.0, 4000.0));
    d.reset();
    assert!(!d.observe(2000, 1500.0, 800.0, 4000.0));
    assert!(d.observe(2100, 1000.0, 800.0, 4000.0));
    // A page that does not scroll never arms it.
    let mut short = ExitIntent::new();
    assert!(!short.observe(0, 0.0, 800.0, 700.0));
    assert!(!short.observe(100, 0.0, 800.0, 700.0));
}

fn fields(t: serde_json::Value) -> Vec<String> {
    let mut errors = Vec::new();
    trigger(t).validate("surveys[0].trigger", &mut errors);
    errors.into_iter().map(|e| e.field).collect()
}

#[test]
fn validation_names_each_bad_field() {
    assert_eq!(fields(json!({"event": "x", "delay_seconds": 3600})), Vec::<String>::new());
    assert_eq!(fields(json!({"delay_seconds": 5})), ["surveys[0].trigger"]);
    assert_eq!(
        fields(json!({
            "event": "",
            "page_view": true,
            "page": {"all": [{"key": "host", "op": "eq", "value": "x"}]},
            "click": " ",
            "scroll_percent": 0,
            "dwell_seconds": 0,
            "inactivity_seconds": 3601,
            "delay_seconds": 3601
        })),
        [
            "surveys[0].trigger.event",
            "surveys[0].trigger.page.all[0].key",
            "surveys[0].trigger.click",
            "surveys[0].trigger.scroll_percent",
            "surveys[0].trigger.dwell_seconds",
            "surveys[0].trigger.inactivity_seconds",
            "surveys[0].trigger.delay_seconds"
        ]
    );
    assert_eq!(
        fields(json!({"page_view": true, "where": {"all": [{"key": "v", "op": "exists"}]}})),
        ["surveys[0].trigger.where"]
    );
    assert_eq!(fields(json!({"scroll_percent": 101})), ["surveys[0].trigger.scroll_percent"]);
}
