//! Property tests: whatever arrives, the validator answers with a typed
//! error naming a field, or with an event that satisfies every rule. It
//! never panics.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use touchpoint_core::limits::MAX_COMMENT_CHARS;
use touchpoint_core::{validate, EventKind, SiteConfig};

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
           "url": "https://shop.example/", "locale": "en"})
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

const FIELDS: [&str; 12] =
    ["id", "type", "survey", "touchpoint", "metric", "score", "comment", "visitor", "ts", "url", "locale", "scale"];

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
    fn arbitrary_configs_never_panic_validation(v in any_json()) {
        if let Ok(c) = serde_json::from_value::<SiteConfig>(v) {
            let _ = c.validate();
        }
    }
}
