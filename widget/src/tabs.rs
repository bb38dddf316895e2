//! One prompt on screen at a time across every tab of the site: the tab
//! showing a prompt holds a short lease in localStorage
//! (`touchpoint:v1:screen:SITE` = `TAB:EXPIRES_MS`), renewed while the
//! prompt is up and released when it goes or the page is left; a tab that
//! crashes without releasing it frees it within [`LEASE_MS`].

use gloo::events::EventListener;
use gloo::timers::callback::Interval;

use crate::dom::{now_ms, window};
use crate::visitor::storage;

/// How long a lease lasts without renewal, in ms.
const LEASE_MS: u64 = 15_000;
/// How often the holder renews it, in ms.
const RENEW_MS: u32 = 5_000;

fn key(site: &str) -> String {
    let mut key = String::from("touchpoint:v1:screen:");
    key.push_str(site);
    key
}

/// Whether another tab of this site has a prompt on screen.
pub fn busy_elsewhere(site: &str, tab: &str) -> bool {
    held_by(&key(site), tab) == Some(false)
}

/// Whether `tab` holds the lease stored under `key`; `None` when no tab
/// does (none stored, or expired).
fn held_by(key: &str, tab: &str) -> Option<bool> {
    let value = storage()?.get_item(key).ok().flatten()?;
    let (holder, expires) = touchpoint_core::wire::cut(&value, b':')?;
    let live = touchpoint_core::wire::parse_uint(expires).is_some_and(|t| t > now_ms());
    live.then(|| holder == tab)
}

/// The lease of the tab showing a prompt; dropped when the prompt goes.
pub struct Lease {
    key: String,
    tab: String,
    _renew: Interval,
    /// Leaving the page with the prompt up frees the lease at once.
    _unload: EventListener,
}

impl Lease {
    pub fn take(site: &str, tab: &str) -> Lease {
        let key = key(site);
        write(&key, tab);
        let (k, t) = (key.clone(), tab.to_owned());
        // Renewed only while no other tab has taken it: a hidden tab's
        // timers may run late enough for this lease to lapse.
        let renew = Interval::new(RENEW_MS, move || {
            if held_by(&k, &t) != Some(false) {
                write(&k, &t);
            }
        });
        let (k, t) = (key.clone(), tab.to_owned());
        let unload = EventListener::new(&window(), "pagehide", move |_| release(&k, &t));
        Lease { key, tab: tab.to_owned(), _renew: renew, _unload: unload }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        release(&self.key, &self.tab);
    }
}

/// Removes the lease if `tab` still holds it (an expired one is free
/// already).
fn release(key: &str, tab: &str) {
    if held_by(key, tab) == Some(true) {
        if let Some(storage) = storage() {
            let _ = storage.remove_item(key);
        }
    }
}

fn write(key: &str, tab: &str) {
    let mut value = String::from(tab);
    value.push(':');
    touchpoint_core::wire::uint(&mut value, now_ms() + LEASE_MS);
    if let Some(storage) = storage() {
        let _ = storage.set_item(key, &value);
    }
}
