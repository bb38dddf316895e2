//! What the collector adds to or removes from an accepted event before it
//! is stored: a URL without query or fragment (they carry emails and
//! tokens), the device class, bot detection, and optional redaction of
//! personal data in free text.

/// Device class from a user agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Mobile,
    Tablet,
    Desktop,
}

impl Device {
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Mobile => "mobile",
            Device::Tablet => "tablet",
            Device::Desktop => "desktop",
        }
    }

    /// Classifies a user agent (iPadOS 13+ reports a desktop Safari UA, so
    /// it counts as desktop here; the widget-side signal is more precise).
    pub fn from_user_agent(ua: &str) -> Device {
        let has = |s: &str| crate::rule::contains(ua, s);
        if has("iPad") || has("Tablet") || (has("Android") && !has("Mobile")) {
            Device::Tablet
        } else if has("Mobi") || has("iPhone") || has("Android") {
            Device::Mobile
        } else {
            Device::Desktop
        }
    }
}

/// Known crawlers, link previewers and monitors: their events are counted,
/// not stored.
pub fn is_bot(ua: &str) -> bool {
    // CUBOT is a phone maker, not a crawler ("CUBOT_X30").
    let ua = ua.to_ascii_lowercase().replace("cubot", "");
    ["bot", "crawl", "spider", "slurp", "facebookexternalhit", "embedly", "preview", "monitor", "pingdom"]
        .iter()
        .any(|needle| ua.contains(needle))
}

/// `https://shop.example/checkout?email=a@b#x` -> `https://shop.example/checkout`:
/// origin and path. Credentials in the address (`https://user:pass@host/`)
/// are not part of the origin and go too.
pub fn reduce_url(url: &str) -> String {
    let cut = url.find(['?', '#']).unwrap_or(url.len());
    let url = &url[..cut];
    let Some(host) = url.find("://").map(|i| i + 3) else { return url.to_owned() };
    let path = url[host..].find('/').map_or(url.len(), |i| host + i);
    match url[host..path].rfind('@') {
        Some(at) => [&url[..host], &url[host + at + 1..]].concat(),
        None => url.to_owned(),
    }
}

/// Replaces emails, card-like numbers (13-19 digits passing the Luhn check)
/// and phone numbers (7-15 digits, optionally with `+`, spaces, dots,
/// dashes and brackets) with `[email]`, `[card]` and `[phone]`.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if let Some(end) = email_at(&chars, i) {
            out.push_str("[email]");
            i = end;
        } else if let Some((end, digits)) = number_at(&chars, i) {
            if (13..=19).contains(&digits.len()) && luhn(&digits) {
                out.push_str("[card]");
            } else if (7..=15).contains(&digits.len()) {
                out.push_str("[phone]");
            } else {
                out.extend(&chars[i..end]);
            }
            i = end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn is_local(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

/// An email starting at `i` (at a word start): local@domain.tld.
fn email_at(chars: &[char], i: usize) -> Option<usize> {
    if i > 0 && is_local(chars[i - 1]) {
        return None;
    }
    let mut j = i;
    while j < chars.len() && is_local(chars[j]) {
        j += 1;
    }
    if j == i || chars.get(j) != Some(&'@') {
        return None;
    }
    let domain_start = j + 1;
    let mut k = domain_start;
    while k < chars.len() && (chars[k].is_alphanumeric() || matches!(chars[k], '.' | '-')) {
        k += 1;
    }
    while k > domain_start && chars[k - 1] == '.' {
        k -= 1; // a sentence's full stop
    }
    let domain: String = chars[domain_start..k].iter().collect();
    let dot = domain.rfind('.')?;
    (dot > 0 && domain.len() - dot > 2).then_some(k)
}

/// A run of digits and separators starting at `i`: (end, digits).
fn number_at(chars: &[char], i: usize) -> Option<(usize, Vec<u8>)> {
    let starts = chars[i].is_ascii_digit() || (chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
    if !starts || (i > 0 && chars[i - 1].is_alphanumeric()) {
        return None;
    }
    let mut digits = Vec::new();
    let mut end = i;
    let mut j = i;
    while j < chars.len() && (chars[j].is_ascii_digit() || matches!(chars[j], ' ' | '-' | '.' | '(' | ')' | '+')) {
        if let Some(d) = chars[j].to_digit(10) {
            digits.push(d as u8);
            end = j + 1;
        }
        j += 1;
    }
    Some((end, digits))
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}
