//! Touchpoint's pure core, shared by the wasm widget and the edge collector.
//!
//! Nothing here touches a browser, a Worker or a clock: it is plain Rust,
//! tested on the host. The data's path through it is
//! [`config`] (what a site asks) -> [`event`] (what a visitor answered) ->
//! [`validate`] (is it acceptable) -> [`stats`] (what it means).
//! In the browser, before any answer: page signal -> [`trigger`] ->
//! [`decide`] (over [`rule`] targeting, [`fatigue`], [`experiment`]
//! sampling and variants, and the [`visitor`] state) -> prompt.

pub mod alert;
pub mod config;
pub mod decide;
pub mod enrich;
pub mod error;
pub mod event;
pub mod experiment;
pub mod fatigue;
pub mod flow;
pub mod i18n;
pub mod limits;
pub mod map;
pub mod metric;
pub mod outbox;
pub mod prompt;
pub mod queue;
pub mod rule;
pub mod search;
pub mod stats;
pub mod theme;
pub mod trigger;
pub mod validate;
pub mod visitor;
pub mod webhook;
pub mod wire;

pub use config::{SiteConfig, Survey};
pub use error::{FieldError, Result};
pub use event::{Event, EventKind};
pub use metric::Metric;
