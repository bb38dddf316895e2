//! Property tests: whatever arrives, the validator answers with a typed
//! error naming a field, or with an event that satisfies every rule. It
//! never panics.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use touchpoint_core::event::{AttrValue, Batch};
use touchpoint_core::limits::{
    MAX_ATTRIBUTES, MAX_ATTRIBUTE_KEY_BYTES, MAX_ATTRIBUTE_NUMBER, MAX_ATTRIBUTE_VALUE_CHARS, MAX_COMMENT_CHARS,
};
use touchpoint_core::{validate, wire, EventKind, SiteConfig};

fn config() -> SiteConfig {
    serde_json::from_value(json!({
        "surveys": [
            {"id": "nps1", "metric": "nps", "touchpoint": "t", "trigger": {"event": "e"}, "question": {"en": "Q"}},
            {"id": "ces1", "metric": "ces", "scale": 5, "touchpoint": "t", "trigger": {"event": "e"}, "question": {"en": "Q"}}
        ]
    }))
    .unwrap()
}

fn valid() -> Value {
    json!({"id": "evt-000000001", "type": "response", "survey": "nps1", "touchpoint": "t", "metric": "nps",
           "score": 9, "comment": "ok", "visitor": "visitor-0001", "ts": 1_764_000_000_000u64,
           "url": "https://shop.example/", "locale": "en", "experiment": "timing", "variant": "exit",
           "attributes": {"plan": "pro", "returning": true, "orders": 3, "ltv": -129}})
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        "\\PC{0,40}".prop_map(Value::String),
        (0u8..12).prop_map(|n| json!(n)),
        prop_oneof![Just("nps"), Just("csat"), Just("ces"), Just("response"), Just("impression"), Just("dismiss")]
            .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn attribute_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-(1i64 << 53)..(1i64 << 53)).prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        "\\PC{0,300}".prop_map(Value::String),
        Just(Value::Null),
        Just(json!([1])),
    ]
}

const FIELDS: [&str; 15] = [
    "id",
    "type",
    "survey",
    "touchpoint",
    "metric",
    "score",
    "comment",
    "visitor",
    "ts",
    "url",
    "locale",
    "scale",
    "experiment",
    "variant",
    "attributes",
];

fn check(result: Result<touchpoint_core::Event, touchpoint_core::FieldError>, index: usize) {
    match result {
        Ok(e) => {
            let config = config();
            let survey = config.survey(&e.survey).expect("a stored event names a known survey");
            assert_eq!(survey.metric, e.metric);
            match e.kind {
                EventKind::Response => {
                    let score = i64::from(e.score.expect("a response has a score"));
                    assert!(e.metric.accepts(e.scale, score));
                    assert!(e.comment.as_ref().is_none_or(|c| c.chars().count() <= MAX_COMMENT_CHARS));
                }
                _ => assert!(e.score.is_none() && e.comment.is_none()),
            }
            assert!(e.url.starts_with("http"));
            assert!(e.experiment.as_deref().is_none_or(validate::is_id));
            assert!(e.variant.as_deref().is_none_or(validate::is_id));
            assert!(e.variant.is_none() || e.experiment.is_some(), "a variant comes with its experiment");
            assert!(e.attributes.len() <= MAX_ATTRIBUTES);
            for (k, v) in &e.attributes {
                assert!(validate::is_id(k) && k.len() <= MAX_ATTRIBUTE_KEY_BYTES);
                if let AttrValue::Text(t) = v {
                    assert!(t.chars().count() <= MAX_ATTRIBUTE_VALUE_CHARS);
                }
                if let AttrValue::Number(n) = v {
                    assert!(n.abs() <= MAX_ATTRIBUTE_NUMBER);
                }
            }
            // What the collector accepts, the widget's writer reproduces.
            let json = wire::batch_json("s", [&e]);
            let back: Batch = serde_json::from_str(&json).expect("wire JSON parses");
            assert_eq!(back.events, vec![e.clone()]);
        }
        Err(err) => assert!(err.field.starts_with(&format!("events[{index}]")), "{}", err.field),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_envelope_parser(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = validate::envelope(&body);
    }

    #[test]
    fn arbitrary_json_events_yield_an_error_or_a_valid_event(v in any_json()) {
        check(validate::event(0, &v, &config()), 0);
    }

    #[test]
    fn mutated_valid_events_yield_an_error_or_a_valid_event(
        field in 0..FIELDS.len(), replacement in any_json(), remove in any::<bool>(), index in 0usize..60
    ) {
        let mut v = valid();
        if remove {
            v.as_object_mut().unwrap().remove(FIELDS[field]);
        } else {
            v[FIELDS[field]] = replacement;
        }
        check(validate::event(index, &v, &config()), index);
    }

    #[test]
    fn random_attributes_are_accepted_within_limits_or_refused_naming_the_field(
        attrs in prop::collection::btree_map("[A-Za-z0-9_-]{1,70}|\\PC{0,8}", attribute_value(), 0..25)
    ) {
        let mut v = valid();
        v["attributes"] = Value::Object(attrs.clone().into_iter().collect());
        match validate::event(0, &v, &config()) {
            Ok(e) => {
                prop_assert_eq!(e.attributes.len(), attrs.len());
                check(Ok(e), 0);
            }
            Err(err) => {
                prop_assert!(err.field.starts_with("events[0].attributes"), "{}", err.field);
                let over = attrs.len() > MAX_ATTRIBUTES
                    || attrs.keys().any(|k| !validate::is_id(k))
                    || attrs.values().any(|v| v.as_str().is_some_and(|s| s.chars().count() > MAX_ATTRIBUTE_VALUE_CHARS)
                        || v.is_array() || v.is_object() || v.is_null()
                        || (v.is_number() && v.as_i64().is_none_or(|n| n.abs() > MAX_ATTRIBUTE_NUMBER)));
                prop_assert!(over, "refused without breaking a limit: {}", err);
            }
        }
    }

    /// The widget's byte splitters (no char searcher in the wasm) agree
    /// with std's `split` and `split_once` on any text, multi-byte
    /// characters included.
    #[test]
    fn byte_splitters_agree_with_std(s in "[a-z:;,.=&_\\-]{0,12}|\\PC{0,12}", sep in prop::sample::select(b":;,.=&-".to_vec())) {
        let std: Vec<&str> = s.split(char::from(sep)).collect();
        prop_assert_eq!(wire::pieces(&s, sep).collect::<Vec<_>>(), std);
        prop_assert_eq!(wire::cut(&s, sep), s.split_once(char::from(sep)));
        let tags: Vec<&str> = s.split(['-', '_']).collect();
        prop_assert_eq!(wire::subtags(&s).collect::<Vec<_>>(), tags);
    }

    #[test]
    fn arbitrary_configs_never_panic_validation(v in any_json()) {
        if let Ok(c) = serde_json::from_value::<SiteConfig>(v) {
            let _ = c.validate();
        }
    }
}
