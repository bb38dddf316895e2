//! The rule language: every operator, groups, debug descriptions, validation.

use serde_json::json;
use touchpoint_core::rule::{Group, Op, Rule, Value};

mod common;
use common::FakeRegex;

fn rule(v: serde_json::Value) -> Rule {
    serde_json::from_value(v).unwrap()
}

fn s(v: &str) -> Option<Value> {
    Some(Value::Str(v.into()))
}

fn n(v: f64) -> Option<Value> {
    Some(Value::Num(v))
}

#[test]
fn every_operator_against_present_and_absent_values() {
    let list = Some(Value::List(vec![Value::Str("pro".into()), Value::Str("beta".into())]));
    #[rustfmt::skip]
    let table: Vec<(serde_json::Value, Option<Value>, bool)> = vec![
        (json!({"key": "k", "op": "eq", "value": "mobile"}), s("mobile"), true),
        (json!({"key": "k", "op": "eq", "value": "mobile"}), s("Mobile"), false), // case-sensitive
        (json!({"key": "k", "op": "eq", "value": 42}), s("42"), true),            // decimal string = number
        (json!({"key": "k", "op": "eq", "value": "42"}), n(42.0), true),
        (json!({"key": "k", "op": "eq", "value": true}), Some(Value::Bool(true)), true),
        (json!({"key": "k", "op": "eq", "value": "true"}), Some(Value::Bool(true)), true),
        (json!({"key": "k", "op": "eq", "value": 1}), Some(Value::Bool(true)), false),
        (json!({"key": "k", "op": "eq", "value": "x"}), None, false),
        (json!({"key": "k", "op": "ne", "value": "mobile"}), s("desktop"), true),
        (json!({"key": "k", "op": "ne", "value": "mobile"}), s("mobile"), false),
        (json!({"key": "k", "op": "ne", "value": "mobile"}), None, false), // absent key: false
        (json!({"key": "k", "op": "gt", "value": 40}), s("42"), true),
        (json!({"key": "k", "op": "gt", "value": 40}), n(40.0), false),
        (json!({"key": "k", "op": "gt", "value": 40}), s("lots"), false),
        (json!({"key": "k", "op": "gt", "value": 40}), s("4e2"), false), // no exponents
        (json!({"key": "k", "op": "gte", "value": 40}), n(40.0), true),
        (json!({"key": "k", "op": "lt", "value": 2.5}), s("-3.25"), true),
        (json!({"key": "k", "op": "lt", "value": 2.5}), n(2.5), false),
        (json!({"key": "k", "op": "lte", "value": 2.5}), n(2.5), true),
        (json!({"key": "k", "op": "lte", "value": 2.5}), None, false),
        (json!({"key": "k", "op": "contains", "value": "help"}), s("/help/article"), true),
        (json!({"key": "k", "op": "contains", "value": "beta"}), list.clone(), true),
        (json!({"key": "k", "op": "contains", "value": "gold"}), list.clone(), false),
        (json!({"key": "k", "op": "not_contains", "value": "help"}), s("/shop"), true),
        (json!({"key": "k", "op": "not_contains", "value": "help"}), s("/help"), false),
        (json!({"key": "k", "op": "not_contains", "value": "help"}), None, false),
        (json!({"key": "k", "op": "starts_with", "value": "/checkout"}), s("/checkout/done"), true),
        (json!({"key": "k", "op": "starts_with", "value": "/checkout"}), s("/cart"), false),
        (json!({"key": "k", "op": "not_starts_with", "value": "/admin"}), s("/shop"), true),
        (json!({"key": "k", "op": "not_starts_with", "value": "/admin"}), s("/admin/x"), false),
        (json!({"key": "k", "op": "ends_with", "value": ".pdf"}), s("/a.pdf"), true),
        (json!({"key": "k", "op": "ends_with", "value": ".pdf"}), n(1.0), false),
        (json!({"key": "k", "op": "not_ends_with", "value": ".pdf"}), s("/a.html"), true),
        (json!({"key": "k", "op": "not_ends_with", "value": ".pdf"}), s("/a.pdf"), false),
        (json!({"key": "k", "op": "regex", "value": "^/order/"}), s("/order/123"), true),
        (json!({"key": "k", "op": "regex", "value": "^/order/"}), s("/orders"), false),
        (json!({"key": "k", "op": "not_regex", "value": "done$"}), s("/checkout/pay"), true),
        (json!({"key": "k", "op": "not_regex", "value": "done$"}), s("/checkout/done"), false),
        (json!({"key": "k", "op": "in", "value": ["de", "fr", 3]}), s("fr"), true),
        (json!({"key": "k", "op": "in", "value": ["de", "fr", 3]}), s("3"), true),
        (json!({"key": "k", "op": "in", "value": ["de", "fr"]}), s("en"), false),
        (json!({"key": "k", "op": "in", "value": ["gold", "pro"]}), list.clone(), true),
        (json!({"key": "k", "op": "not_in", "value": ["de", "fr"]}), s("en"), true),
        (json!({"key": "k", "op": "not_in", "value": ["de", "fr"]}), s("de"), false),
        (json!({"key": "k", "op": "not_in", "value": ["de", "fr"]}), None, false),
        (json!({"key": "k", "op": "exists"}), s(""), true),
        (json!({"key": "k", "op": "exists"}), None, false),
        (json!({"key": "k", "op": "not_exists"}), None, true),
        (json!({"key": "k", "op": "not_exists"}), n(0.0), false),
    ];
    for (i, (r, actual, want)) in table.into_iter().enumerate() {
        let r = rule(r);
        assert_eq!(r.holds(actual.as_ref(), &FakeRegex), want, "row {i}: {r:?} on {actual:?}");
    }
}

#[test]
fn operator_names_round_trip_for_the_widget_reader() {
    for name in ["eq", "ne", "gt", "gte", "lt", "lte", "contains", "not_contains", "starts_with"] {
        assert_eq!(Op::parse(name).map(Op::as_str), Some(name));
    }
    for name in ["not_starts_with", "ends_with", "not_ends_with", "regex", "not_regex", "in", "not_in"] {
        assert_eq!(Op::parse(name).map(Op::as_str), Some(name));
    }
    assert_eq!(Op::parse("exists").map(Op::as_str), Some("exists"));
    assert_eq!(Op::parse("not_exists").map(Op::as_str), Some("not_exists"));
    assert_eq!(Op::parse("equals"), None);
    let from_serde: Op = serde_json::from_value(json!("not_ends_with")).unwrap();
    assert_eq!(from_serde, Op::NotEndsWith);
}

fn attrs(key: &str) -> Option<Value> {
    match key {
        "device" => s("desktop"),
        "visits" => n(3.0),
        "path" => s("/admin/users"),
        "plan" => s("pro"),
        _ => None,
    }
}

fn group(v: serde_json::Value) -> Group {
    serde_json::from_value(v).unwrap()
}

#[test]
fn groups_combine_all_any_none_and_name_the_failing_rule() {
    let cases = [
        (json!({}), Ok(())),
        (
            json!({"all": [{"key": "visits", "op": "gte", "value": 2}, {"key": "plan", "op": "eq", "value": "pro"}]}),
            Ok(()),
        ),
        (
            json!({"all": [{"key": "visits", "op": "gte", "value": 2}, {"key": "device", "op": "eq", "value": "mobile"}]}),
            Err("target.all[1]: device eq \"mobile\" is false (device = desktop)"),
        ),
        (
            json!({"all": [{"key": "region", "op": "eq", "value": "eu"}]}),
            Err("target.all[0]: region eq \"eu\" is false (region is not set)"),
        ),
        (
            json!({"any": [{"key": "device", "op": "eq", "value": "mobile"}, {"key": "plan", "op": "eq", "value": "pro"}]}),
            Ok(()),
        ),
        (
            json!({"any": [{"key": "device", "op": "eq", "value": "mobile"}, {"key": "plan", "op": "eq", "value": "free"}]}),
            Err("target.any: none of the rules holds"),
        ),
        (
            json!({"none": [{"key": "plan", "op": "eq", "value": "free"}, {"key": "path", "op": "starts_with", "value": "/admin"}]}),
            Err("target.none[1]: path starts_with \"/admin\" holds (path = /admin/users)"),
        ),
        (
            json!({"all": [{"key": "visits", "op": "lt", "value": 2.5}]}),
            Err("target.all[0]: visits lt 2.5 is false (visits = 3)"),
        ),
    ];
    for (g, want) in cases {
        let got = group(g.clone()).eval(&attrs, &FakeRegex).map_err(|f| f.describe("target"));
        assert_eq!(got, want.map_err(String::from), "{g}");
    }
}

#[test]
fn rule_validation_names_the_field() {
    let g = group(json!({
        "all": [{"key": "", "op": "eq", "value": "x"}, {"key": "visits", "op": "gt", "value": "many"}],
        "any": [{"key": "k", "op": "exists", "value": 1}, {"key": "k", "op": "in", "value": "de"}],
        "none": [{"key": "k", "op": "eq"}, {"key": "k", "op": "regex", "value": ""}, {"key": "k", "op": "eq", "value": ["a"]}]
    }));
    let mut errors = Vec::new();
    g.validate("surveys[0].target", None, &mut errors);
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "surveys[0].target.all[0].key",
            "surveys[0].target.all[1].value",
            "surveys[0].target.any[0].value",
            "surveys[0].target.any[1].value",
            "surveys[0].target.none[0].value",
            "surveys[0].target.none[1].value",
            "surveys[0].target.none[2].value",
        ]
    );
    let mut errors = Vec::new();
    group(json!({"all": [{"key": "host", "op": "eq", "value": "x"}]})).validate(
        "t.page",
        Some(&["path", "url"]),
        &mut errors,
    );
    assert_eq!(errors[0].field, "t.page.all[0].key");
    assert_eq!(errors[0].message, "one of: path, url");
}

#[test]
fn values_are_untagged_in_json() {
    let r = rule(json!({"key": "k", "op": "in", "value": ["a", 1.5, false]}));
    assert_eq!(r.value, Some(Value::List(vec![Value::Str("a".into()), Value::Num(1.5), Value::Bool(false)])));
    assert_eq!(serde_json::to_value(&r).unwrap(), json!({"key": "k", "op": "in", "value": ["a", 1.5, false]}));
}

#[test]
fn every_regex_of_a_config_is_listed_with_its_field() {
    let config: touchpoint_core::SiteConfig = serde_json::from_value(serde_json::json!({
        "version": 1,
        "surveys": [{
            "id": "s", "metric": "nps", "touchpoint": "t", "question": {"en": "Q?"},
            "trigger": {"page_view": true, "page": {"any": [
                {"key": "path", "op": "eq", "value": "/a"},
                {"key": "url", "op": "not_regex", "value": "b+"}]}},
            "target": {"none": [{"key": "plan", "op": "regex", "value": "^pro"}]},
            "experiment": {"id": "e", "variants": [{"id": "a"}, {"id": "b", "trigger": {"event": "x",
                "where": {"all": [{"key": "sku", "op": "regex", "value": "[0-9]+"}]}}}]}
        }]
    }))
    .unwrap();
    assert_eq!(
        config.patterns(),
        vec![
            ("surveys[0].target.none[0].value".to_owned(), "^pro"),
            ("surveys[0].trigger.page.any[1].value".to_owned(), "b+"),
            ("surveys[0].experiment.variants[1].trigger.where.all[0].value".to_owned(), "[0-9]+"),
        ]
    );
}

#[test]
fn contains_agrees_with_the_standard_library() {
    use touchpoint_core::rule::contains;
    let cases = [
        ("", ""),
        ("abc", ""),
        ("", "a"),
        ("ab", "abc"),
        ("/checkout/step-2", "step-2"),
        ("/checkout/step-2", "/checkout"),
        ("/checkout/step-2", "step-3"),
        ("aaab", "aab"),
        ("größe", "öß"),
        ("日本語のページ", "ページ"),
    ];
    for (haystack, needle) in cases {
        assert_eq!(contains(haystack, needle), haystack.contains(needle), "{haystack:?} contains {needle:?}");
    }
}
