//! Event batches as the collector receives them: every refusal names its field.

use serde_json::{json, Value};
use touchpoint_core::error::ErrorCode;
use touchpoint_core::{validate, EventKind, SiteConfig};

fn config() -> SiteConfig {
    serde_json::from_value(json!({
        "origins": ["https://shop.example"],
        "surveys": [
            {"id": "nps1", "metric": "nps", "touchpoint": "checkout_completed",
             "trigger": {"event": "checkout_completed"}, "question": {"en": "Recommend us?"}},
            {"id": "ces1", "metric": "ces", "scale": 5, "touchpoint": "help",
             "trigger": {"event": "help_read"}, "question": {"en": "Easy?"}}
        ]
    }))
    .unwrap()
}

fn response() -> Value {
    json!({"id": "evt-0001-abcd", "type": "response", "survey": "nps1", "touchpoint": "checkout_completed",
           "metric": "nps", "score": 9, "comment": "quick", "visitor": "visitor-1234",
           "ts": 1_764_000_000_000u64, "url": "https://shop.example/confirmation", "locale": "en"})
}

fn with(field: &str, value: Value) -> Value {
    let mut v = response();
    v[field] = value;
    v
}

fn without(field: &str) -> Value {
    let mut v = response();
    v.as_object_mut().unwrap().remove(field);
    v
}

fn refusal(event: Value) -> (ErrorCode, String) {
    let e = validate::event(3, &event, &config()).expect_err("should be refused");
    (e.code, e.field)
}

#[test]
fn a_valid_response_keeps_every_field() {
    let e = validate::event(0, &response(), &config()).unwrap();
    assert_eq!(e.kind, EventKind::Response);
    assert_eq!((e.score, e.comment.as_deref()), (Some(9), Some("quick")));
    assert_eq!(e.scale, None);
    assert_eq!(e.url, "https://shop.example/confirmation");
}

#[test]
fn an_address_keeps_its_origin_and_path_whatever_its_length() {
    let long_query = format!("https://shop.example/confirmation?utm_content={}&token=secret#top", "x".repeat(3000));
    let e = validate::event(0, &with("url", json!(long_query)), &config()).unwrap();
    assert_eq!(e.url, "https://shop.example/confirmation", "query and fragment dropped, answer kept");
    let long_path = format!("https://shop.example/{}", "é".repeat(2000));
    let e = validate::event(0, &with("url", json!(long_path)), &config()).unwrap();
    assert!(e.url.len() <= 2048 && e.url.len() > 2040, "cut to 2048 bytes: {}", e.url.len());
    assert!(long_path.starts_with(&e.url), "on a character boundary");
}

#[test]
fn impressions_and_dismisses_carry_no_score() {
    for kind in ["impression", "dismiss"] {
        let mut v = with("type", json!(kind));
        v["score"] = Value::Null;
        v["comment"] = Value::Null;
        let e = validate::event(0, &v, &config()).unwrap();
        assert_eq!(e.score, None);
    }
    let (code, field) = refusal(with("type", json!("impression")));
    assert_eq!((code, field.as_str()), (ErrorCode::InvalidValue, "events[3].score"));
}

#[test]
fn each_kind_of_bad_field_is_named() {
    let long_comment = "x".repeat(touchpoint_core::limits::MAX_COMMENT_CHARS + 1);
    let cases: Vec<(Value, ErrorCode, &str)> = vec![
        (without("id"), ErrorCode::MissingField, "id"),
        (with("id", json!("short")), ErrorCode::InvalidValue, "id"),
        (with("id", json!("has space in it")), ErrorCode::InvalidValue, "id"),
        (with("type", json!("click")), ErrorCode::InvalidValue, "type"),
        (with("survey", json!("nope")), ErrorCode::UnknownSurvey, "survey"),
        (with("metric", json!("csat")), ErrorCode::MetricMismatch, "metric"),
        (with("metric", json!("xyz")), ErrorCode::InvalidValue, "metric"),
        (with("score", json!(11)), ErrorCode::OutOfRange, "score"),
        (with("score", json!(-1)), ErrorCode::OutOfRange, "score"),
        (with("score", json!(9.5)), ErrorCode::InvalidType, "score"),
        (with("score", json!("9")), ErrorCode::InvalidType, "score"),
        (without("score"), ErrorCode::MissingField, "score"),
        (with("comment", json!(long_comment)), ErrorCode::TooLong, "comment"),
        (with("comment", json!(5)), ErrorCode::InvalidType, "comment"),
        (without("visitor"), ErrorCode::MissingField, "visitor"),
        (with("ts", json!(-5)), ErrorCode::OutOfRange, "ts"),
        (without("ts"), ErrorCode::MissingField, "ts"),
        (with("url", json!("javascript:alert(1)")), ErrorCode::InvalidValue, "url"),
        (with("locale", json!("<en>")), ErrorCode::InvalidValue, "locale"),
        (without("touchpoint"), ErrorCode::MissingField, "touchpoint"),
    ];
    for (event, code, field) in cases {
        let (got_code, got_field) = refusal(event.clone());
        assert_eq!((got_code, got_field), (code, format!("events[3].{field}")), "{event}");
    }
}

#[test]
fn comment_limit_counts_characters_not_bytes() {
    let limit = touchpoint_core::limits::MAX_COMMENT_CHARS;
    let e = validate::event(0, &with("comment", json!("é".repeat(limit))), &config()).unwrap();
    assert_eq!(e.comment.unwrap().chars().count(), limit);
}

#[test]
fn ces_scores_follow_the_scale_they_were_given_on() {
    let mut v = response();
    v["survey"] = json!("ces1");
    v["metric"] = json!("ces");
    v["score"] = json!(5);
    let e = validate::event(0, &v, &config()).unwrap();
    assert_eq!(e.scale, Some(5), "the scale is stored with each answer");
    v["score"] = json!(6);
    assert_eq!(validate::event(0, &v, &config()).unwrap_err().code, ErrorCode::OutOfRange);
    // Given on the 7-point scale before the site changed it to 5: kept, on
    // the scale it was given on.
    v["score"] = json!(6);
    v["scale"] = json!(7);
    let e = validate::event(0, &v, &config()).unwrap();
    assert_eq!((e.scale, e.score), (Some(7), Some(6)));
    v["score"] = json!(8);
    assert_eq!(validate::event(0, &v, &config()).unwrap_err().field, "events[0].score");
    v["score"] = json!(2);
    v["scale"] = json!(6);
    assert_eq!(validate::event(0, &v, &config()).unwrap_err().field, "events[0].scale");
    // NPS and CSAT have no scale to send.
    let mut n = response();
    n["scale"] = json!(11);
    assert_eq!(validate::event(0, &n, &config()).unwrap_err().field, "events[0].scale");
}

#[test]
fn envelope_errors_name_the_top_level_field() {
    let cases: Vec<(&[u8], ErrorCode, &str)> = vec![
        (b"not json", ErrorCode::InvalidJson, "body"),
        (b"[1,2]", ErrorCode::InvalidType, "body"),
        (br#"{"events":[{}]}"#, ErrorCode::MissingField, "site"),
        (br#"{"site":"a b","events":[{}]}"#, ErrorCode::InvalidValue, "site"),
        (br#"{"site":"demo"}"#, ErrorCode::MissingField, "events"),
        (br#"{"site":"demo","events":{}}"#, ErrorCode::InvalidType, "events"),
        (br#"{"site":"demo","events":[]}"#, ErrorCode::InvalidValue, "events"),
    ];
    for (body, code, field) in cases {
        let e = validate::envelope(body).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (code, field), "{}", String::from_utf8_lossy(body));
    }
    let too_many = json!({"site": "demo", "events": vec![json!({}); 51]});
    let e = validate::envelope(too_many.to_string().as_bytes()).unwrap_err();
    assert_eq!((e.code, e.field.as_str()), (ErrorCode::TooLong, "events"));
}

#[test]
fn a_batch_reports_one_result_per_event_in_order() {
    let body = json!({"site": "demo", "events": [response(), with("score", json!(42)), response()]});
    let env = validate::envelope(body.to_string().as_bytes()).unwrap();
    let results = validate::events(&env, &config());
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[2].is_ok());
    assert_eq!(results[1].as_ref().unwrap_err().field, "events[1].score");
}

#[test]
fn experiment_variant_and_attributes_are_recorded_on_every_kind() {
    let attributes = json!({"plan": "pro", "returning": true, "orders": 3, "ltv": -129});
    for (kind, score) in [("response", json!(9)), ("impression", Value::Null), ("dismiss", Value::Null)] {
        let mut v = with("experiment", json!("prompt-timing"));
        v["variant"] = json!("after_5s");
        v["attributes"] = attributes.clone();
        v["type"] = json!(kind);
        v["score"] = score;
        if kind != "response" {
            v["comment"] = Value::Null;
        }
        let e = validate::event(0, &v, &config()).unwrap();
        assert_eq!(e.experiment.as_deref(), Some("prompt-timing"));
        assert_eq!(e.variant.as_deref(), Some("after_5s"));
        assert_eq!(e.attributes.len(), 4);
        assert_eq!(serde_json::to_value(&e.attributes).unwrap(), attributes);
    }
    let plain = validate::event(0, &response(), &config()).unwrap();
    assert!(plain.experiment.is_none() && plain.variant.is_none() && plain.attributes.is_empty());
}

#[test]
fn experiment_variant_and_attribute_limits_each_name_their_field() {
    let many: serde_json::Map<String, Value> = (0..21).map(|i| (format!("k{i}"), json!(i))).collect();
    let cases = [
        (with("experiment", json!("x".repeat(65))), ErrorCode::TooLong, "events[3].experiment"),
        (with("experiment", json!("a b")), ErrorCode::InvalidValue, "events[3].experiment"),
        (with("experiment", json!(7)), ErrorCode::InvalidType, "events[3].experiment"),
        (with("variant", json!("b")), ErrorCode::MissingField, "events[3].experiment"),
        (with("attributes", json!([1])), ErrorCode::InvalidType, "events[3].attributes"),
        (with("attributes", Value::Object(many)), ErrorCode::TooLong, "events[3].attributes"),
        (with("attributes", json!({"k".repeat(65): 1})), ErrorCode::TooLong, "events[3].attributes"),
        (with("attributes", json!({"bad key": 1})), ErrorCode::InvalidValue, "events[3].attributes"),
        (with("attributes", json!({"": 1})), ErrorCode::InvalidValue, "events[3].attributes"),
        (with("attributes", json!({"plan": "p".repeat(257)})), ErrorCode::TooLong, "events[3].attributes.plan"),
        (with("attributes", json!({"plan": {"nested": 1}})), ErrorCode::InvalidType, "events[3].attributes.plan"),
        (with("attributes", json!({"plan": null})), ErrorCode::InvalidType, "events[3].attributes.plan"),
        (with("attributes", json!({"ltv": 129.5})), ErrorCode::InvalidValue, "events[3].attributes.ltv"),
        (
            with("attributes", json!({"ltv": 9_007_199_254_740_992u64})),
            ErrorCode::InvalidValue,
            "events[3].attributes.ltv",
        ),
        (with("ts", json!(9_007_199_254_740_992u64)), ErrorCode::OutOfRange, "events[3].ts"),
    ];
    for (event, code, field) in cases {
        assert_eq!(refusal(event), (code, field.to_owned()));
    }
    // Exactly at the limits is fine.
    let twenty: serde_json::Map<String, Value> = (0..20).map(|i| (format!("k{i}"), json!("v".repeat(256)))).collect();
    let mut v = with("attributes", Value::Object(twenty));
    v["experiment"] = json!("e".repeat(64));
    assert_eq!(validate::event(0, &v, &config()).unwrap().attributes.len(), 20);
}

#[test]
fn half_an_emoji_costs_one_character_not_the_batch() {
    use std::borrow::Cow;
    let fixed = |s: &str| String::from_utf8(validate::without_lone_surrogates(s.as_bytes()).into_owned()).unwrap();
    assert_eq!(fixed(r#"{"c":"great \ud83d"}"#), r#"{"c":"great \ufffd"}"#);
    assert_eq!(fixed(r#"{"c":"\ude00 and \uD83D!"}"#), r#"{"c":"\ufffd and \ufffd!"}"#);
    // Whole pairs, other escapes and an escaped backslash before "ud83d"
    // are left as they are, without a copy.
    for intact in [r#"{"c":"\ud83d\ude00 \u00e9 \n"}"#, r#"{"c":"\\ud83d"}"#, r#"{"c":"end\\"}"#] {
        assert!(matches!(validate::without_lone_surrogates(intact.as_bytes()), Cow::Borrowed(_)), "{intact}");
    }
    // In a batch: the good event and the broken one both get through.
    let mut broken = response();
    broken["id"] = json!("evt-broken-0001");
    broken["comment"] = json!("fast");
    let body = format!(r#"{{"site":"demo","events":[{},{}]}}"#, response(), broken)
        .replace(r#""comment":"fast""#, r#""comment":"fast \ud83d""#);
    let envelope = validate::envelope(body.as_bytes()).unwrap();
    assert_eq!(envelope.events.len(), 2);
    let e = validate::event(1, &envelope.events[1], &config()).unwrap();
    assert_eq!(e.comment.as_deref(), Some("fast \u{fffd}"));
}
