//! Webhook signatures match an independent HMAC-SHA256 computation.

use touchpoint_core::webhook::signature;

#[test]
fn signature_is_hmac_sha256_of_timestamp_dot_body() {
    // Reference: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'whsec_test_secret_0001'
    assert_eq!(
        signature("whsec_test_secret_0001", 1_700_000_000, "{\"a\":1}"),
        "v1=d72004e54ee49c45c689a8f382207df55ea68689e30b4461db3af3021b8a176e"
    );
}

#[test]
fn any_change_changes_the_signature() {
    let base = signature("secret-one-1234567", 10, "body");
    assert_ne!(base, signature("secret-two-1234567", 10, "body"));
    assert_ne!(base, signature("secret-one-1234567", 11, "body"));
    assert_ne!(base, signature("secret-one-1234567", 10, "bodY"));
}
