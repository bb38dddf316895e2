//! `VecMap` behaves like the `BTreeMap` it replaced: key order, replaced
//! values, and the same JSON both ways.

use std::collections::BTreeMap;

use serde_json::json;
use touchpoint_core::event::AttrValue;
use touchpoint_core::flow::Band;
use touchpoint_core::map::VecMap;

const KEYS: [&str; 7] = ["pt-BR", "en", "zh-TW", "ar", "en-GB", "de", "b"];

#[test]
fn iterates_in_key_order_whatever_the_insert_order() {
    let mut map = VecMap::new();
    let mut reference = BTreeMap::new();
    for (i, key) in KEYS.iter().enumerate() {
        map.insert(key.to_string(), i);
        reference.insert(key.to_string(), i);
    }
    let entries: Vec<_> = map.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let expected: Vec<_> = reference.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(entries, expected);
    assert_eq!(map.len(), KEYS.len());
    assert_eq!(map.get("zh-TW"), Some(&2));
    assert!(map.contains_key("ar") && !map.contains_key("fr"));
    assert_eq!(map.get("fr"), None);
}

#[test]
fn inserting_a_key_again_replaces_its_value() {
    let mut map = VecMap::new();
    map.insert(Band::Promoter, "first");
    map.insert(Band::Detractor, "other");
    map.insert(Band::Promoter, "second");
    assert_eq!(map.len(), 2);
    assert_eq!(map.get(&Band::Promoter), Some(&"second"));
    let collected: VecMap<_, _> = [("a", 1), ("b", 2), ("a", 3)].into_iter().collect();
    assert_eq!(collected.iter().copied().collect::<Vec<_>>(), [("a", 3), ("b", 2)]);
}

#[test]
fn empty_map() {
    let map: VecMap<String, String> = VecMap::default();
    assert!(map.is_empty() && map.get("en").is_none());
    assert_eq!(map.len(), 0);
    assert_eq!(serde_json::to_string(&map).unwrap(), "{}");
    assert_eq!(serde_json::from_str::<VecMap<String, String>>("{}").unwrap(), map);
}

#[test]
fn json_is_the_same_as_btreemaps_both_ways() {
    let doc = r#"{"zh-TW":"三","en":"one","pt-BR":"dois","ar":"\"x\""}"#;
    let map: VecMap<String, String> = serde_json::from_str(doc).unwrap();
    let reference: BTreeMap<String, String> = serde_json::from_str(doc).unwrap();
    assert_eq!(serde_json::to_string(&map).unwrap(), serde_json::to_string(&reference).unwrap());
    assert_eq!(serde_json::from_str::<VecMap<String, String>>(&serde_json::to_string(&map).unwrap()).unwrap(), map);
    assert_eq!(format!("{map:?}"), format!("{reference:?}"));

    let bands: VecMap<Band, VecMap<String, String>> =
        serde_json::from_str(r#"{"promoter":{"en":"Yay"},"detractor":{"en":"Why?"}}"#).unwrap();
    assert_eq!(serde_json::to_value(&bands).unwrap(), json!({"detractor": {"en": "Why?"}, "promoter": {"en": "Yay"}}));
    let keys: Vec<Band> = bands.iter().map(|(b, _)| *b).collect();
    assert_eq!(keys, [Band::Detractor, Band::Promoter]);
}

#[test]
fn a_later_duplicate_key_in_json_wins_as_with_btreemap() {
    let doc = r#"{"plan":"free","orders":1,"plan":"pro","orders":2,"plan":true}"#;
    let map: VecMap<String, AttrValue> = serde_json::from_str(doc).unwrap();
    let reference: BTreeMap<String, AttrValue> = serde_json::from_str(doc).unwrap();
    assert_eq!(map.get("plan"), Some(&AttrValue::Bool(true)));
    assert_eq!(map.get("orders"), Some(&AttrValue::Number(2)));
    assert_eq!(serde_json::to_string(&map).unwrap(), serde_json::to_string(&reference).unwrap());
}

#[test]
fn errors_read_as_btreemaps_did() {
    for doc in [r#""en""#, "[]", r#"{"en": 1}"#, r#"{"en": "a""#] {
        let ours = serde_json::from_str::<VecMap<String, String>>(doc).unwrap_err().to_string();
        let theirs = serde_json::from_str::<BTreeMap<String, String>>(doc).unwrap_err().to_string();
        assert_eq!(ours, theirs, "{doc}");
    }
    assert!(serde_json::from_str::<VecMap<Band, String>>(r#"{"great": "x"}"#).is_err());
}
