//! The anonymous visitor id: random, in localStorage, never a cookie.

use wasm_bindgen::UnwrapThrowExt;

use crate::dom::window;

const KEY: &str = "touchpoint:v1:visitor";

/// The stored visitor id, or a fresh one (stored when storage allows).
pub fn id() -> String {
    let storage = window().local_storage().ok().flatten();
    if let Some(id) = storage.as_ref().and_then(|s| s.get_item(KEY).ok().flatten()) {
        if touchpoint_core::validate::is_id(&id) && id.len() >= 16 {
            return id;
        }
    }
    let id = random_id();
    if let Some(s) = storage {
        // Private mode or a full quota: the id then lasts this page view.
        let _ = s.set_item(KEY, &id);
    }
    id
}

/// 128 random bits as 32 hex characters, from `crypto.getRandomValues`
/// (unlike `randomUUID`, also available on plain-http pages).
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    window()
        .crypto()
        .expect_throw("crypto is available in every browser the widget supports")
        .get_random_values_with_u8_array(&mut bytes)
        .expect_throw("16 bytes is below the getRandomValues limit");
    let mut out = String::with_capacity(32);
    touchpoint_core::wire::hex(&mut out, &bytes);
    out
}
