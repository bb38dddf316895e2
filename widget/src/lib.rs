//! Touchpoint's widget: the WebAssembly half of the embed.
//!
//! `loader.js` (hand-written, tiny) keeps the page's command queue, loads
//! this module and hands over: [`start`] replays the queued commands and
//! [`command`] takes every later one. The data's path: page command
//! ([`api`]) or page signal ([`signals`]) -> decision ([`journey`], with
//! `touchpoint_core::decide`) -> prompt ([`app`], [`render`]) -> answer ->
//! [`outbox`] -> [`transport`]. Decisions and texts come from
//! `touchpoint-core`.

mod api;
mod app;
mod config;
mod dom;
mod journey;
mod outbox;
mod render;
mod signals;
mod style;
mod tabs;
mod transport;
mod visitor;

use wasm_bindgen::prelude::*;

// A ~1 KB free-list allocator instead of dlmalloc (~7 KB): the widget makes
// few, small allocations. Sound because this wasm has no threads.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// Boots the widget for `site`, posting to `collector` (an origin, or a path
/// prefix on the site's own domain), then runs the commands queued so far.
/// `config`: the loader's promise of the site configuration, fetched while
/// the wasm downloaded; `undefined` (an older loader): fetched now.
#[wasm_bindgen]
pub fn start(site: String, collector: String, queued: js_sys::Array, config: JsValue) {
    app::start(site, collector, config);
    for i in 0..queued.length() {
        command(queued.get(i).unchecked_into());
    }
}

/// Runs one `touchpoint(...)` call; bad calls log one console warning.
#[wasm_bindgen]
pub fn command(args: js_sys::Array) {
    match api::Command::parse(&args) {
        Ok(cmd) if app::busy() => dom::soon(Box::new(move || app::run(cmd))),
        Ok(cmd) => app::run(cmd),
        Err(why) => dom::warn(&why),
    }
}
