//! Touchpoint's edge collector, a Rust Cloudflare Worker.
//!
//! The request's path: [`router`] -> one handler module per endpoint
//! ([`config`], [`ingest`], [`export`], [`stats`], [`admin`], [`assets`]) -> [`store`]
//! (D1). Validation is `touchpoint-core`'s; every failure is an
//! [`error::ApiError`] mapped to a status and a JSON body, never a panic.

mod admin;
mod alerts;
mod assets;
mod auth;
mod comments;
mod config;
mod error;
mod export;
mod forward;
mod http;
mod ingest;
mod intake;
mod router;
mod stats;
mod store;
mod sweep;

use worker::{event, Context, Env, MessageBatch, Request, Response, Result, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    router::handle(req, &env, &ctx).await
}

/// The cron trigger (wrangler.toml): retention and alerts ([`sweep`]).
#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    sweep::run(&env, event.schedule() as u64).await;
}

/// The ingest, forwarding and dead-letter queues; every message is acked or
/// retried, and the handler never returns `Err`.
#[event(queue)]
async fn queue(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
    if batch.queue() == intake::QUEUE_NAME {
        intake::consume(&batch, &env).await;
    } else {
        forward::consume(&batch, &env).await;
    }
    Ok(())
}
