//! Prompt decisions: language, texts, bands, steps, labels.

use serde_json::json;
use touchpoint_core::config::Display;
use touchpoint_core::flow::{Band, Step};
use touchpoint_core::i18n::{is_rtl, negotiate, supported, LANGUAGES, TAGS};
use touchpoint_core::prompt::{number, visitor_locale, PromptView};
use touchpoint_core::{Metric, SiteConfig};

/// A site configuration as the widget receives it (the public view, with
/// the UI tables of its languages).
fn config() -> SiteConfig {
    stored().public()
}

fn stored() -> SiteConfig {
    serde_json::from_value(json!({
        "default_locale": "en",
        "surveys": [
            {"id": "nps", "metric": "nps", "touchpoint": "t", "trigger": {"event": "e"},
             "question": {"en": "Recommend?", "pt-BR": "Recomendaria?", "zh-TW": "推薦嗎？", "ar": "هل توصي بنا؟"},
             "follow_up": {"en": "Why?", "pt-BR": "Por quê?"},
             "follow_up_by_band": {"detractor": {"en": "What should we fix?"}},
             "thanks": {"en": "Cheers!"}},
            {"id": "csat", "metric": "csat", "display": "emoji", "touchpoint": "t", "trigger": {"event": "e"},
             "question": {"en": "Satisfied?"}, "untranslated": "skip"},
            {"id": "ces", "metric": "ces", "scale": 5, "touchpoint": "t", "trigger": {"event": "e"},
             "question": {"en": "Easy?"}, "follow_up": {}}
        ]
    }))
    .unwrap()
}

#[test]
fn bands_follow_the_metric_definitions() {
    let nps: Vec<Band> = (0..=10).map(|s| Band::of(Metric::Nps, None, s)).collect();
    assert_eq!(&nps[..7], &[Band::Detractor; 7]);
    assert_eq!(&nps[7..9], &[Band::Passive; 2]);
    assert_eq!(&nps[9..], &[Band::Promoter; 2]);
    assert_eq!(Band::of(Metric::Csat, None, 3), Band::Low);
    assert_eq!(Band::of(Metric::Csat, None, 4), Band::High);
    assert_eq!(Band::of(Metric::Ces, Some(5), 2), Band::Easy);
    assert_eq!(Band::of(Metric::Ces, Some(5), 3), Band::Hard);
    assert_eq!(Band::of(Metric::Ces, Some(7), 3), Band::Easy);
    assert_eq!(Band::of(Metric::Ces, Some(7), 4), Band::Hard);
}

#[test]
fn the_follow_up_is_chosen_by_band_then_general_then_none() {
    let c = config();
    let v = PromptView::new(&c, &c.surveys[0], "en").unwrap();
    assert_eq!(v.after_score(3), Step::FollowUp(Band::Detractor));
    assert_eq!(v.follow_up(Band::Detractor), Some("What should we fix?"));
    assert_eq!(v.follow_up(Band::Promoter), Some("Why?"));
    assert_eq!(v.thanks(), "Cheers!");
    let single = PromptView::new(&c, &c.surveys[1], "en").unwrap();
    assert_eq!(single.after_score(5), Step::Thanks, "no follow-up configured: score only");
    assert_eq!(single.thanks(), "Thank you for your feedback!");
    let builtin = PromptView::new(&c, &c.surveys[2], "en").unwrap();
    assert_eq!(builtin.follow_up(Band::Hard), Some("What is the main reason for your score?"));
}

#[test]
fn languages_fall_back_regionally_then_to_the_default() {
    let c = config();
    let s = &c.surveys[0];
    let shown = |tag: &str| PromptView::new(&c, s, tag).map(|v| (v.locale, v.question, v.ui.locale));
    assert_eq!(shown("pt"), Some(("pt-BR", "Recomendaria?", "pt-BR")));
    assert_eq!(shown("pt-PT"), Some(("pt-BR", "Recomendaria?", "pt-BR")));
    assert_eq!(shown("zh-HK"), Some(("zh-TW", "推薦嗎？", "zh-TW")));
    assert_eq!(shown("de-AT"), Some(("en", "Recommend?", "en")), "unknown -> survey default");
    assert_eq!(PromptView::new(&c, s, "pt-BR").unwrap().follow_up(Band::Promoter), Some("Por quê?"));
    // A text missing in the prompt's language comes from the default language.
    assert_eq!(PromptView::new(&c, s, "pt-BR").unwrap().follow_up(Band::Detractor), Some("What should we fix?"));
    assert!(PromptView::new(&c, &c.surveys[1], "fr").is_none(), "untranslated: skip");
}

#[test]
fn the_public_config_carries_the_ui_strings_of_its_languages_but_english() {
    let tables: Vec<&str> = config().ui.iter().map(|t| t.locale).collect();
    assert_eq!(tables, ["ar", "pt-BR", "zh-TW"]);
    let json = serde_json::to_value(config()).unwrap();
    assert_eq!(json["ui"][0]["close"], "إغلاق");
    assert_eq!(json["ui"][0]["locale"], "ar");
    // A stored configuration never holds tables, even if a site sends some.
    let mut raw = serde_json::to_value(stored()).unwrap();
    raw["ui"] = json!([{"locale": "ar", "close": "x"}]);
    assert!(serde_json::from_value::<SiteConfig>(raw).unwrap().ui.is_empty());
    // Without its table, a prompt keeps its question and falls back to
    // English buttons rather than showing nothing.
    let c = stored();
    let v = PromptView::new(&c, &c.surveys[0], "ar").unwrap();
    assert_eq!((v.question, v.ui.close), ("هل توصي بنا؟", "Close"));
}

#[test]
fn right_to_left_languages_are_marked() {
    let c = config();
    let v = PromptView::new(&c, &c.surveys[0], "ar-EG").unwrap();
    assert!(v.rtl);
    assert_eq!(v.ui.close, "إغلاق");
    assert!(is_rtl("he") && is_rtl("fa-IR") && !is_rtl("en") && !is_rtl("ja"));
}

#[test]
fn negotiation_maps_regions_and_scripts() {
    let tag = |t: &str| negotiate(t).map(|u| u.locale);
    assert_eq!(tag("zh-Hant-HK"), Some("zh-TW"));
    assert_eq!(tag("zh-MO"), Some("zh-TW"));
    assert_eq!(tag("zh"), Some("zh-CN"));
    assert_eq!(tag("zh-SG"), Some("zh-CN"));
    assert_eq!(tag("pt"), Some("pt-BR"));
    assert_eq!(tag("es-MX"), Some("es"));
    assert_eq!(tag("ja-JP"), Some("ja"));
    assert_eq!(tag("sv"), None);
    assert_eq!(supported("zh-Hant-HK"), Some("zh-TW"));
    let locales: Vec<&str> = LANGUAGES.iter().map(|t| t.locale).collect();
    assert_eq!(locales, TAGS, "TAGS lists LANGUAGES' tags in order");
}

#[test]
fn every_language_has_every_string() {
    assert!(LANGUAGES.len() >= 9);
    for ui in LANGUAGES {
        for s in [
            ui.survey,
            ui.close,
            ui.send,
            ui.skip,
            ui.thanks,
            ui.why,
            ui.nps_low,
            ui.nps_high,
            ui.csat_low,
            ui.csat_high,
            ui.ces_low,
            ui.ces_high,
        ] {
            assert!(!s.trim().is_empty(), "{} has an empty string", ui.locale);
        }
    }
}

#[test]
fn point_labels_read_number_then_end_label() {
    let c = config();
    let v = PromptView::new(&c, &c.surveys[0], "en").unwrap();
    assert_eq!(v.point_label(0), "0, not at all likely");
    assert_eq!(v.point_label(9), "9");
    assert_eq!(v.point_label(10), "10, extremely likely");
    let csat = PromptView::new(&c, &c.surveys[1], "en").unwrap();
    assert_eq!(csat.display, Display::Emoji);
    assert_eq!(csat.point_label(1), "1, very dissatisfied");
    assert_eq!(csat.point_face(5), "", "faces are drawn, not emoji glyphs");
    assert_ne!(PromptView::face_mouth(1), PromptView::face_mouth(5));
    assert_eq!((number(0), number(10), number(255)), ("0".into(), "10".into(), "255".into()));
}

#[test]
fn the_page_language_decides_else_the_browser_languages_in_order() {
    let langs = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // The first valid of set({locale}), locale_override, <html lang>.
    let ja = langs(&["ja"]);
    assert_eq!(visitor_locale(&[Some(""), Some("fr-CA"), Some("de")], &ja, "en", None), "fr-CA");
    // None valid: the first valid browser language, else the default.
    let browser = langs(&["bad tag", "sv-SE", "fr-FR", "en"]);
    assert_eq!(visitor_locale(&[Some("<x>"), None, Some(" ")], &browser, "en", None), "sv-SE");
    assert_eq!(visitor_locale(&[None], &langs(&[" "]), "en", None), "en");
}

#[test]
fn a_survey_is_asked_in_the_first_browser_language_it_has() {
    let config = config();
    let nps = &config.surveys[0]; // en, pt-BR, zh-TW, ar
    let ask = |browser: &[&str]| {
        let browser: Vec<String> = browser.iter().map(|s| s.to_string()).collect();
        visitor_locale(&[None, None, None], &browser, "en", Some(nps)).to_owned()
    };
    assert_eq!(ask(&["sv-SE", "pt-PT", "en"]), "pt-PT", "pt-PT finds pt-BR, before en");
    assert_eq!(PromptView::new(&config, nps, "pt-PT").unwrap().question, "Recomendaria?");
    assert_eq!(ask(&["sv-SE", "zh-HK"]), "zh-HK");
    assert_eq!(ask(&["sv-SE", "fi"]), "sv-SE", "none: the first, and the default's text");
    assert_eq!(PromptView::new(&config, nps, "sv-SE").unwrap().question, "Recommend?");
    // The page's language decides even when the survey lacks it.
    let browser = vec!["pt-BR".to_string()];
    assert_eq!(visitor_locale(&[None, None, Some("sv")], &browser, "en", Some(nps)), "sv");
}
