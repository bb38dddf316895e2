//! Built-in UI strings: scale end labels, buttons, thank-you.

/// The widget's own words in one language.
#[derive(Debug, PartialEq, Eq)]
pub struct UiText {
    pub close: &'static str,
    pub send: &'static str,
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
    close: "Close",
    send: "Send",
    thanks: "Thank you for your feedback!",
    why: "What is the main reason for your score? (optional)",
    nps_low: "not at all likely",
    nps_high: "extremely likely",
    csat_low: "very dissatisfied",
    csat_high: "very satisfied",
    ces_low: "very easy",
    ces_high: "very difficult",
};

/// The UI strings for `locale`; English until more tables are added.
pub fn ui_text(_locale: &str) -> &'static UiText {
    &EN
}
