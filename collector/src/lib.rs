//! Touchpoint's edge collector, a Rust Cloudflare Worker.
//!
//! The request's path: [`router`] -> one handler module per endpoint
//! ([`config`], [`ingest`], [`export`], [`admin`], [`assets`]) -> [`store`]
//! (D1). Validation is `touchpoint-core`'s; every failure is an
//! [`error::ApiError`] mapped to a status and a JSON body, never a panic.

mod admin;
mod assets;
mod auth;
mod config;
mod error;
mod export;
mod forward;
mod http;
mod ingest;
mod router;
mod store;

use worker::{event, Context, Env, MessageBatch, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    router::handle(req, &env).await
}

/// Forwarding and dead-letter queues; every message is acked or retried.
#[event(queue)]
async fn queue(batch: MessageBatch<forward::Delivery>, env: Env, _ctx: Context) -> Result<()> {
    forward::consume(batch, &env).await;
    Ok(())
}
