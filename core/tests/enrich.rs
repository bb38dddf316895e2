//! Enrichment and redaction before storage.

use touchpoint_core::enrich::{is_bot, redact, reduce_url, Device};

#[test]
fn urls_lose_query_and_fragment() {
    assert_eq!(reduce_url("https://shop.example/checkout?email=a@b.c&t=1#step2"), "https://shop.example/checkout");
    assert_eq!(reduce_url("https://shop.example/a#x"), "https://shop.example/a");
    assert_eq!(reduce_url("http://127.0.0.1:8080/"), "http://127.0.0.1:8080/");
    // Credentials are not part of the origin; an @ in the path is kept.
    assert_eq!(reduce_url("https://ann:s3cret@shop.example/a/@b?x=1"), "https://shop.example/a/@b");
    assert_eq!(reduce_url("https://ann@shop.example"), "https://shop.example");
    assert_eq!(reduce_url("https://a:b@c@shop.example:8443/p#f"), "https://shop.example:8443/p");
}

#[test]
fn device_classes() {
    let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
    let android_phone = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
    let android_tablet = "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Chrome/120 Safari/537.36";
    let desktop = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156 Safari/537.36";
    assert_eq!(Device::from_user_agent(iphone), Device::Mobile);
    assert_eq!(Device::from_user_agent(android_phone), Device::Mobile);
    assert_eq!(Device::from_user_agent(android_tablet), Device::Tablet);
    assert_eq!(Device::from_user_agent("Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X)"), Device::Tablet);
    assert_eq!(Device::from_user_agent(desktop), Device::Desktop);
}

#[test]
fn bots_are_recognised_and_browsers_are_not() {
    assert!(is_bot("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"));
    assert!(is_bot("facebookexternalhit/1.1"));
    assert!(is_bot("Mozilla/5.0 (compatible; bingbot/2.0)"));
    assert!(!is_bot(
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0 Safari/537.36"
    ));
    assert!(!is_bot("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"));
    // A phone whose maker's name ends in "bot".
    assert!(!is_bot(
        "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
    ));
}

#[test]
fn personal_data_is_redacted_and_the_rest_kept() {
    assert_eq!(redact("Mail me at jane.doe+shop@example.co.uk."), "Mail me at [email].");
    assert_eq!(redact("card 4242 4242 4242 4242 was charged twice"), "card [card] was charged twice");
    assert_eq!(redact("call +44 (0)20 7946 0958 please"), "call [phone] please");
    assert_eq!(redact("order 12345 arrived in 3 days, 10/10"), "order 12345 arrived in 3 days, 10/10");
    assert_eq!(
        redact("ref 4242 4242 4242 4241"),
        "ref 4242 4242 4242 4241",
        "16 digits failing Luhn: an order number, kept"
    );
}

#[test]
fn redaction_keeps_non_ascii_text() {
    assert_eq!(redact("très bien, écrivez à marie@exemple.fr 😀"), "très bien, écrivez à [email] 😀");
    assert_eq!(redact("送货很快 13800138000"), "送货很快 [phone]");
}
