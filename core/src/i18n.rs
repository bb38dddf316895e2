//! Built-in UI strings (scale end labels, buttons, thank-you) in every
//! supported language, and language negotiation with regional fallbacks.
//!
//! The widget itself carries English only: the collector sends the tables a
//! site's surveys need with its public configuration (`SiteConfig::ui`), so
//! no visitor downloads eight languages to read one. Negotiation works on
//! the tags ([`TAGS`]) and needs none of the tables.

use serde::Serialize;

/// The widget's own words in one language. End labels are lower-case so
/// they read naturally in "9, extremely likely"; the widget capitalises
/// them for display with CSS.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct UiText {
    /// BCP 47 tag of this table.
    pub locale: &'static str,
    /// Right-to-left script.
    pub rtl: bool,
    pub survey: &'static str,
    pub close: &'static str,
    pub send: &'static str,
    pub skip: &'static str,
    pub thanks: &'static str,
    pub why: &'static str,
    pub nps_low: &'static str,
    pub nps_high: &'static str,
    pub csat_low: &'static str,
    pub csat_high: &'static str,
    pub ces_low: &'static str,
    pub ces_high: &'static str,
}

pub const EN: UiText = UiText {
    locale: "en",
    rtl: false,
    survey: "Feedback survey",
    close: "Close",
    send: "Send",
    skip: "Skip",
    thanks: "Thank you for your feedback!",
    why: "What is the main reason for your score?",
    nps_low: "not at all likely",
    nps_high: "extremely likely",
    csat_low: "very dissatisfied",
    csat_high: "very satisfied",
    ces_low: "very easy",
    ces_high: "very difficult",
};

const ZH_CN: UiText = UiText {
    locale: "zh-CN",
    rtl: false,
    survey: "反馈调查",
    close: "关闭",
    send: "提交",
    skip: "跳过",
    thanks: "感谢您的反馈！",
    why: "您给出这个评分的主要原因是什么？",
    nps_low: "完全不可能",
    nps_high: "非常可能",
    csat_low: "非常不满意",
    csat_high: "非常满意",
    ces_low: "非常容易",
    ces_high: "非常困难",
};

const ZH_TW: UiText = UiText {
    locale: "zh-TW",
    rtl: false,
    survey: "意見調查",
    close: "關閉",
    send: "送出",
    skip: "略過",
    thanks: "感謝您的回饋！",
    why: "您給出這個評分的主要原因是什麼？",
    nps_low: "完全不可能",
    nps_high: "非常可能",
    csat_low: "非常不滿意",
    csat_high: "非常滿意",
    ces_low: "非常容易",
    ces_high: "非常困難",
};

const ES: UiText = UiText {
    locale: "es",
    rtl: false,
    survey: "Encuesta de opinión",
    close: "Cerrar",
    send: "Enviar",
    skip: "Omitir",
    thanks: "¡Gracias por tu opinión!",
    why: "¿Cuál es el motivo principal de tu puntuación?",
    nps_low: "nada probable",
    nps_high: "muy probable",
    csat_low: "muy insatisfecho",
    csat_high: "muy satisfecho",
    ces_low: "muy fácil",
    ces_high: "muy difícil",
};

const FR: UiText = UiText {
    locale: "fr",
    rtl: false,
    survey: "Enquête de satisfaction",
    close: "Fermer",
    send: "Envoyer",
    skip: "Passer",
    thanks: "Merci pour votre avis !",
    why: "Quelle est la raison principale de votre note ?",
    nps_low: "pas du tout probable",
    nps_high: "très probable",
    csat_low: "très insatisfait",
    csat_high: "très satisfait",
    ces_low: "très facile",
    ces_high: "très difficile",
};

const DE: UiText = UiText {
    locale: "de",
    rtl: false,
    survey: "Feedback-Umfrage",
    close: "Schließen",
    send: "Senden",
    skip: "Überspringen",
    thanks: "Vielen Dank für Ihr Feedback!",
    why: "Was ist der Hauptgrund für Ihre Bewertung?",
    nps_low: "überhaupt nicht wahrscheinlich",
    nps_high: "äußerst wahrscheinlich",
    csat_low: "sehr unzufrieden",
    csat_high: "sehr zufrieden",
    ces_low: "sehr einfach",
    ces_high: "sehr schwierig",
};

const JA: UiText = UiText {
    locale: "ja",
    rtl: false,
    survey: "フィードバックアンケート",
    close: "閉じる",
    send: "送信",
    skip: "スキップ",
    thanks: "ご意見ありがとうございました！",
    why: "このスコアを付けた主な理由は何ですか？",
    nps_low: "まったく可能性がない",
    nps_high: "非常に可能性が高い",
    csat_low: "非常に不満",
    csat_high: "非常に満足",
    ces_low: "とても簡単",
    ces_high: "とても難しい",
};

const PT_BR: UiText = UiText {
    locale: "pt-BR",
    rtl: false,
    survey: "Pesquisa de opinião",
    close: "Fechar",
    send: "Enviar",
    skip: "Pular",
    thanks: "Obrigado pelo seu feedback!",
    why: "Qual é o principal motivo da sua nota?",
    nps_low: "nada provável",
    nps_high: "muito provável",
    csat_low: "muito insatisfeito",
    csat_high: "muito satisfeito",
    ces_low: "muito fácil",
    ces_high: "muito difícil",
};

const AR: UiText = UiText {
    locale: "ar",
    rtl: true,
    survey: "استطلاع رأي",
    close: "إغلاق",
    send: "إرسال",
    skip: "تخطي",
    thanks: "شكرًا لملاحظاتك!",
    why: "ما السبب الرئيسي لتقييمك؟",
    nps_low: "غير محتمل على الإطلاق",
    nps_high: "محتمل للغاية",
    csat_low: "غير راضٍ جدًا",
    csat_high: "راضٍ جدًا",
    ces_low: "سهل جدًا",
    ces_high: "صعب جدًا",
};

/// Every built-in language.
pub const LANGUAGES: [&UiText; 9] = [&EN, &ZH_CN, &ZH_TW, &ES, &FR, &DE, &JA, &PT_BR, &AR];

/// The tag of every built-in language, in [`LANGUAGES`] order.
pub const TAGS: [&str; 9] = ["en", "zh-CN", "zh-TW", "es", "fr", "de", "ja", "pt-BR", "ar"];

/// The built-in language for `tag`: exact tag (case-insensitive), then
/// regional and script fallbacks (`zh-HK`, `zh-Hant` -> zh-TW; `zh`,
/// `zh-SG` -> zh-CN; `pt`, `pt-PT` -> pt-BR), then the bare language
/// (`fr-CA` -> fr).
pub fn supported(tag: &str) -> Option<&'static str> {
    if let Some(t) = TAGS.iter().find(|t| t.eq_ignore_ascii_case(tag)) {
        return Some(t);
    }
    let mut parts = crate::wire::subtags(tag);
    let language = parts.next().unwrap_or("");
    if language.eq_ignore_ascii_case("zh") {
        let traditional = parts.any(|p| ["hant", "tw", "hk", "mo"].iter().any(|t| p.eq_ignore_ascii_case(t)));
        return Some(if traditional { "zh-TW" } else { "zh-CN" });
    }
    TAGS.iter().copied().find(|t| crate::wire::pieces(t, b'-').next().is_some_and(|l| l.eq_ignore_ascii_case(language)))
}

/// The built-in table for `tag`, if the language is supported (see
/// [`supported`]).
pub fn negotiate(tag: &str) -> Option<&'static UiText> {
    let tag = supported(tag)?;
    LANGUAGES.iter().copied().find(|t| t.locale == tag)
}

/// The strings for `tag` among `tables`, English when none fits.
pub fn ui_in(tables: &[&'static UiText], tag: &str) -> &'static UiText {
    let tag = supported(tag).unwrap_or("en");
    tables.iter().copied().find(|t| t.locale == tag).unwrap_or(&EN)
}

/// Whether a language is written right to left (also beyond the built-in
/// tables: a site may configure its own texts in Hebrew, Persian, Urdu).
pub fn is_rtl(tag: &str) -> bool {
    let language = crate::wire::subtags(tag).next().unwrap_or("");
    ["ar", "he", "iw", "fa", "ur", "ps", "yi", "dv", "ckb"].iter().any(|l| language.eq_ignore_ascii_case(l))
}
