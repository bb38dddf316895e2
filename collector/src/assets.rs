//! `GET /widget/*`: the widget files from the static-assets binding, with
//! the headers a CDN would add: CORS (the glue is an ES module and the wasm
//! is fetched, both cross-origin from the customer's page) and caching.

use worker::{Env, Request, Response};

use crate::error::ApiResult;
use crate::http::{cors_public, set_header};

/// The loader's URL is in every customer's page, so it must not be cached
/// long; the files it loads are re-checked with ETags after an hour.
const LOADER_CACHE: &str = "public, max-age=300";
const FILE_CACHE: &str = "public, max-age=3600";

pub async fn get(req: Request, env: &Env) -> ApiResult<Response> {
    let is_loader = req.path().ends_with("/loader.js");
    let mut upstream = env.assets("ASSETS")?.fetch_request(req).await?;
    let status = upstream.status_code();
    let mut response = if status == 200 { Response::from_bytes(upstream.bytes().await?)? } else { Response::empty()? }
        .with_status(status);
    for name in ["Content-Type", "ETag"] {
        if let Some(value) = upstream.headers().get(name).ok().flatten() {
            set_header(&mut response, name, &value);
        }
    }
    set_header(&mut response, "Cache-Control", if is_loader { LOADER_CACHE } else { FILE_CACHE });
    cors_public(&mut response);
    Ok(response)
}
