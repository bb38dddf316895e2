//! D1 storage: site configurations and events.

use serde::{Deserialize, Serialize};
use touchpoint_core::search::fold_for_search;
use touchpoint_core::{Event, SiteConfig};
use wasm_bindgen::JsValue;
use worker::{D1Database, Env};

use crate::error::{ApiError, ApiResult};

pub fn db(env: &Env) -> ApiResult<D1Database> {
    Ok(env.d1("DB")?)
}

#[derive(Deserialize)]
struct ConfigRow {
    config: String,
}

/// The stored configuration of `site`, if the site exists.
pub async fn site(env: &Env, site: &str) -> ApiResult<Option<SiteConfig>> {
    Ok(site_as_stored(env, site).await?.map(|(config, _)| config))
}

/// The stored configuration of `site` and its stored text (what a
/// conditional replace compares), if the site exists.
pub async fn site_as_stored(env: &Env, site: &str) -> ApiResult<Option<(SiteConfig, String)>> {
    let row: Option<ConfigRow> =
        db(env)?.prepare("SELECT config FROM sites WHERE id = ?1").bind(&[site.into()])?.first(None).await?;
    let Some(row) = row else { return Ok(None) };
    // Only validated configs are stored; a row that no longer parses is a bug.
    match serde_json::from_str(&row.config) {
        Ok(config) => Ok(Some((config, row.config))),
        Err(e) => {
            worker::console_error!("stored config of {site} does not parse: {e}");
            Err(ApiError::internal())
        }
    }
}

/// Replaces the configuration of `site` with `text` only if its stored text is still
/// `expected`, in one statement (two editors cannot both win); false when
/// it changed meanwhile or the site is gone.
pub async fn replace_site_if(env: &Env, site: &str, text: &str, now_ms: u64, expected: &str) -> ApiResult<bool> {
    let result = db(env)?
        .prepare("UPDATE sites SET config = ?2, updated_at = ?3 WHERE id = ?1 AND config = ?4")
        .bind(&[site.into(), text.into(), (now_ms as f64).into(), expected.into()])?
        .run()
        .await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}

/// Creates or replaces the configuration of `site` with `text` (a
/// validated configuration's JSON).
pub async fn put_site(env: &Env, site: &str, text: &str, now_ms: u64) -> ApiResult<()> {
    db(env)?
        .prepare(
            "INSERT INTO sites (id, config, updated_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at",
        )
        .bind(&[site.into(), text.into(), (now_ms as f64).into()])?
        .run()
        .await?;
    Ok(())
}

fn opt<T: Into<JsValue>>(v: Option<T>) -> JsValue {
    v.map_or(JsValue::NULL, Into::into)
}

/// New events are inserted; a replayed one changes nothing. The one update
/// allowed: a response's follow-up comment, sent later under the same id by
/// the same visitor, replaces the stored comment.
const INSERT_EVENT: &str = "INSERT INTO events (site, id, type, survey, touchpoint, metric, scale, score, comment, \
     visitor, client_ts, received_at, url, locale, country, device, experiment, variant, attributes, comment_fold) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20) \
     ON CONFLICT (site, id) DO UPDATE SET comment = excluded.comment, comment_fold = excluded.comment_fold, \
     forwarded = 0 \
     WHERE events.type = 'response' AND excluded.type = 'response' AND excluded.comment IS NOT NULL \
     AND events.visitor = excluded.visitor AND events.score = excluded.score \
     AND events.comment IS NOT excluded.comment";

/// Server-side facts about the request that sent a batch.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Enrichment {
    /// Collector clock when the batch was accepted, ms since the epoch.
    pub received_at: u64,
    pub country: Option<String>,
    pub device: String,
}

/// Accepted events of one site, as they are written to D1.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Accepted {
    pub site: String,
    pub more: Enrichment,
    pub events: Vec<Event>,
}

/// What one write changed.
pub struct Written {
    /// Events that changed storage (new events and comment updates); the
    /// rest of the batch were duplicates.
    pub changed: usize,
    /// Ids of the batch's events stored but not yet handed to forwarding
    /// (only asked for when the site has webhooks).
    pub unforwarded: Vec<String>,
}

/// Writes several accepted batches in one D1 round trip (one `batch`, a
/// transaction): the upsert of every event, then, for each batch whose site
/// forwards, which of its events are not forwarded yet. Returns one
/// [`Written`] per batch, in order.
pub async fn write(env: &Env, batches: &[(&Accepted, bool)]) -> ApiResult<Vec<Written>> {
    let db = db(env)?;
    let mut statements = Vec::new();
    for (batch, _) in batches {
        for e in &batch.events {
            statements.push(db.prepare(INSERT_EVENT).bind(&event_values(&batch.site, e, &batch.more)?)?);
        }
    }
    for (batch, forwards) in batches {
        if *forwards {
            let ids: Vec<&str> = batch.events.iter().map(|e| e.id.as_str()).collect();
            let ids = serde_json::to_string(&ids).map_err(|_| ApiError::internal())?;
            statements.push(db.prepare(UNFORWARDED).bind(&[batch.site.as_str().into(), ids.into()])?);
        }
    }
    let mut results = db.batch(statements).await?.into_iter();
    let mut written = Vec::with_capacity(batches.len());
    for (batch, _) in batches {
        let mut changed = 0;
        for r in results.by_ref().take(batch.events.len()) {
            changed += r.meta()?.and_then(|m| m.changes).unwrap_or(0);
        }
        written.push(Written { changed, unforwarded: Vec::new() });
    }
    for ((_, forwards), w) in batches.iter().zip(written.iter_mut()) {
        if *forwards {
            #[derive(Deserialize)]
            struct Id {
                id: String,
            }
            // D1 answered a batch with fewer results than statements: a
            // storage fault like any other, retried by the client.
            let rows: Vec<Id> = results.next().ok_or_else(ApiError::unavailable)?.results()?;
            w.unforwarded = rows.into_iter().map(|r| r.id).collect();
        }
    }
    Ok(written)
}

fn event_values(site: &str, e: &Event, more: &Enrichment) -> ApiResult<[JsValue; 20]> {
    let attributes = match e.attributes.is_empty() {
        true => None,
        false => Some(serde_json::to_string(&e.attributes).map_err(|_| ApiError::internal())?),
    };
    Ok([
        site.into(),
        e.id.as_str().into(),
        e.kind.as_str().into(),
        e.survey.as_str().into(),
        e.touchpoint.as_str().into(),
        e.metric.as_str().into(),
        opt(e.scale),
        opt(e.score),
        opt(e.comment.as_deref()),
        e.visitor.as_str().into(),
        (e.ts as f64).into(),
        (more.received_at as f64).into(),
        e.url.as_str().into(),
        e.locale.as_str().into(),
        opt(more.country.as_deref()),
        more.device.as_str().into(),
        opt(e.experiment.as_deref()),
        opt(e.variant.as_deref()),
        opt(attributes),
        opt(e.comment.as_deref().and_then(fold_for_search)),
    ])
}

const UNFORWARDED: &str =
    "SELECT id FROM events WHERE site = ?1 AND forwarded = 0 AND id IN (SELECT value FROM json_each(?2))";

/// One stored event as exported: the wire event plus the server's time.
#[derive(Serialize, Deserialize)]
pub struct StoredEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub survey: String,
    pub touchpoint: String,
    pub metric: String,
    pub scale: Option<u8>,
    pub score: Option<u8>,
    pub comment: Option<String>,
    pub visitor: String,
    /// Client clock, ms since the epoch.
    #[serde(rename = "ts", alias = "client_ts")]
    pub client_ts: u64,
    /// Collector clock when stored, ms since the epoch (authoritative).
    pub received_at: u64,
    pub url: String,
    pub locale: String,
    /// ISO country of the sender, when the edge knows it.
    pub country: Option<String>,
    /// `mobile`, `tablet` or `desktop`, from the user agent.
    pub device: Option<String>,
    pub experiment: Option<String>,
    pub variant: Option<String>,
    /// Segment attributes: a JSON object as text in D1, an object in the
    /// export (`null` when the event had none).
    #[serde(with = "json_text")]
    pub attributes: Option<serde_json::Value>,
}

/// A JSON document kept as TEXT in D1 and exported as JSON.
mod json_text {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<serde_json::Value>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }
}

/// Counts `n` events from a bot for `site` today (UTC).
pub async fn count_bot_hits(env: &Env, site: &str, n: usize, now_ms: u64) -> ApiResult<()> {
    db(env)?
        .prepare(
            "INSERT INTO bot_hits (site, day, hits) VALUES (?1, date(?2 / 1000, 'unixepoch'), ?3) \
             ON CONFLICT (site, day) DO UPDATE SET hits = hits + excluded.hits",
        )
        .bind(&[site.into(), (now_ms as f64).into(), (n as f64).into()])?
        .run()
        .await?;
    Ok(())
}

#[derive(Deserialize)]
struct Hits {
    hits: Option<f64>,
}

/// All bot events ever counted for `site`.
pub async fn bot_hits(env: &Env, site: &str) -> ApiResult<u64> {
    let row: Option<Hits> = db(env)?
        .prepare("SELECT SUM(hits) AS hits FROM bot_hits WHERE site = ?1")
        .bind(&[site.into()])?
        .first(None)
        .await?;
    Ok(row.and_then(|r| r.hits).unwrap_or(0.0) as u64)
}

/// Which events of a site a read takes: of one survey, of one visitor.
#[derive(Default)]
pub struct EventFilter<'a> {
    pub survey: Option<&'a str>,
    pub visitor: Option<&'a str>,
}

/// One page of the events of `site` (narrowed by `only`) in the order
/// they arrived: received in `[from, to)`, after the event `after`
/// (`(received_at, id)`), at most `limit`.
pub async fn events(
    env: &Env,
    site: &str,
    only: EventFilter<'_>,
    (from, to): (u64, u64),
    after: Option<(u64, &str)>,
    limit: u32,
) -> ApiResult<Vec<StoredEvent>> {
    let (after_ms, after_id) = after.map_or((None, ""), |(ms, id)| (Some(ms), id));
    // One visitor's events through their index (a privacy request on a
    // site with millions of events reads only theirs); SQLite would walk
    // the time index instead, for the order. Every other page walks the
    // time index, whose (received_at, id) order is the page's: the wider
    // events_for_stats also starts with received_at, but choosing it would
    // sort the whole window to find one page.
    let (index, visitor) = match only.visitor {
        Some(_) => ("INDEXED BY events_by_visitor", "visitor = ?8"),
        None => ("INDEXED BY events_by_time", "?8 IS NULL"),
    };
    let sql = format!(
        "SELECT id, type, survey, touchpoint, metric, scale, score, comment, visitor, client_ts, \
         received_at, url, locale, country, device, experiment, variant, attributes \
         FROM events {index} WHERE site = ?1 AND received_at >= ?2 AND received_at < ?3 \
         AND (?4 IS NULL OR received_at > ?4 OR (received_at = ?4 AND id > ?5)) \
         AND (?7 IS NULL OR survey = ?7) AND {visitor} ORDER BY received_at, id LIMIT ?6"
    );
    let result = db(env)?
        .prepare(sql)
        .bind(&[
            site.into(),
            (from as f64).into(),
            (to as f64).into(),
            after_ms.map_or(JsValue::NULL, |ms| (ms as f64).into()),
            after_id.into(),
            limit.into(),
            opt(only.survey),
            opt(only.visitor),
        ])?
        .all()
        .await?;
    Ok(result.results()?)
}

/// Deletes every stored event of `visitor` on `site`, and takes their
/// copies out of the site's dead letters (a letter left with nothing to
/// deliver goes too), in one transaction. Returns how many events were
/// deleted and how many dead letters held some.
pub async fn erase_visitor(env: &Env, site: &str, visitor: &str) -> ApiResult<(u64, u64)> {
    let db = db(env)?;
    let args = [site.into(), visitor.into()];
    let results = db
        .batch(vec![
            // Through the visitor index, not a scan of the site's events
            // (without statistics SQLite picks the primary key).
            db.prepare("DELETE FROM events INDEXED BY events_by_visitor WHERE site = ?1 AND visitor = ?2").bind(&args)?,
            // `instr` first: only letters that can hold the id are parsed.
            db.prepare(
                "UPDATE dead_letters SET events = (SELECT json_group_array(json(value)) FROM json_each(dead_letters.events) \
                 WHERE json_extract(value, '$.visitor') IS NOT ?2) \
                 WHERE site = ?1 AND instr(events, ?2) > 0 \
                 AND EXISTS (SELECT 1 FROM json_each(dead_letters.events) WHERE json_extract(value, '$.visitor') = ?2)",
            )
            .bind(&args)?,
            db.prepare(
                "DELETE FROM dead_letters WHERE site = ?1 AND events = '[]' AND alerts IS NULL AND erasures IS NULL",
            )
            .bind(&[site.into()])?,
        ])
        .await?;
    let changes = |i: usize| -> ApiResult<u64> {
        let meta = results.get(i).map(|r| r.meta()).transpose()?.flatten();
        Ok(meta.and_then(|m| m.changes).unwrap_or(0) as u64)
    };
    Ok((changes(0)?, changes(1)?))
}

/// Marks events as handed to forwarding.
pub async fn mark_forwarded(env: &Env, site: &str, ids: &[String]) -> ApiResult<()> {
    let sql = "UPDATE events SET forwarded = 1 WHERE site = ?1 AND id IN (SELECT value FROM json_each(?2))";
    run_on_ids(env, sql, site, ids).await
}

/// Runs `sql` once with `?1` = `site` and `?2` = `ids` as a JSON array
/// (for `IN (SELECT value FROM json_each(?2))`): one statement for any
/// number of ids.
async fn run_on_ids<T: Serialize>(env: &Env, sql: &str, site: &str, ids: &[T]) -> ApiResult<()> {
    let ids = serde_json::to_string(ids).map_err(|_| ApiError::internal())?;
    db(env)?.prepare(sql).bind(&[site.into(), ids.into()])?.run().await?;
    Ok(())
}

/// A delivery that failed all its retries.
#[derive(Serialize, Deserialize)]
pub struct DeadLetter {
    pub id: String,
    pub site: String,
    pub url: String,
    /// The events, as a JSON array.
    pub events: String,
    /// Alert notices, as a JSON array (none: `None`).
    pub alerts: Option<String>,
    /// Erasure notices, as a JSON array (none: `None`).
    #[serde(default)]
    pub erasures: Option<String>,
    pub failed_at: u64,
}

pub async fn add_dead_letter(env: &Env, letter: &DeadLetter) -> ApiResult<()> {
    db(env)?
        .prepare(
            "INSERT OR IGNORE INTO dead_letters (id, site, url, events, failed_at, alerts, erasures) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(&[
            letter.id.as_str().into(),
            letter.site.as_str().into(),
            letter.url.as_str().into(),
            letter.events.as_str().into(),
            (letter.failed_at as f64).into(),
            opt(letter.alerts.as_deref()),
            opt(letter.erasures.as_deref()),
        ])?
        .run()
        .await?;
    Ok(())
}

/// The oldest `limit` dead letters of `site`, and how many it has in all.
pub async fn dead_letters(env: &Env, site: &str, limit: u32) -> ApiResult<(Vec<DeadLetter>, u64)> {
    #[derive(Deserialize)]
    struct Count {
        n: f64,
    }
    let db = db(env)?;
    let results = db
        .batch(vec![
            db.prepare(
                "SELECT id, site, url, events, alerts, erasures, failed_at FROM dead_letters WHERE site = ?1 \
                 ORDER BY failed_at, id LIMIT ?2",
            )
            .bind(&[site.into(), limit.into()])?,
            db.prepare("SELECT COUNT(*) AS n FROM dead_letters WHERE site = ?1").bind(&[site.into()])?,
        ])
        .await?;
    let mut results = results.into_iter();
    let letters = results.next().map(|r| r.results()).transpose()?.unwrap_or_default();
    let total = results.next().map(|r| r.results::<Count>()).transpose()?.unwrap_or_default();
    Ok((letters, total.first().map_or(0, |c| c.n as u64)))
}

/// Deletes these dead letters of `site` (replayed), in one statement.
pub async fn delete_dead_letters(env: &Env, site: &str, ids: &[&str]) -> ApiResult<()> {
    run_on_ids(env, "DELETE FROM dead_letters WHERE site = ?1 AND id IN (SELECT value FROM json_each(?2))", site, ids)
        .await
}

/// Every site with a retention or alerts configured, with its
/// configuration: what the sweep works on.
pub async fn sites_to_sweep(env: &Env) -> ApiResult<Vec<(String, SiteConfig)>> {
    #[derive(Deserialize)]
    struct Row {
        id: String,
        config: String,
    }
    // A cheap filter in SQL, the real one on the parsed configuration.
    let rows: Vec<Row> = db(env)?
        .prepare(
            "SELECT id, config FROM sites WHERE config LIKE '%\"alerts\"%' OR config LIKE '%\"retention_days\"%' \
             ORDER BY id",
        )
        .all()
        .await?
        .results()?;
    Ok(rows
        .into_iter()
        .filter_map(|r| serde_json::from_str::<SiteConfig>(&r.config).ok().map(|c| (r.id, c)))
        .filter(|(_, c)| !c.alerts.is_empty() || c.retention_days.is_some())
        .collect())
}

/// The site the next sweep starts with (where the last one stopped).
pub async fn sweep_start(env: &Env) -> ApiResult<Option<String>> {
    #[derive(Deserialize)]
    struct Row {
        next_site: Option<String>,
    }
    let row: Option<Row> = db(env)?.prepare("SELECT next_site FROM sweep_state WHERE id = 1").first(None).await?;
    Ok(row.and_then(|r| r.next_site))
}

/// Records where the next sweep starts (`None`: from the first site).
pub async fn set_sweep_start(env: &Env, site: Option<&str>) -> ApiResult<()> {
    db(env)?
        .prepare(
            "INSERT INTO sweep_state (id, next_site) VALUES (1, ?1) \
             ON CONFLICT (id) DO UPDATE SET next_site = excluded.next_site",
        )
        .bind(&[site.map_or(JsValue::NULL, Into::into)])?
        .run()
        .await?;
    Ok(())
}

#[derive(Deserialize)]
struct TokenRow {
    token_hash: Option<String>,
}

/// The stored token digest of `site`.
pub async fn token_hash(env: &Env, site: &str) -> ApiResult<Option<String>> {
    let row: Option<TokenRow> =
        db(env)?.prepare("SELECT token_hash FROM sites WHERE id = ?1").bind(&[site.into()])?.first(None).await?;
    Ok(row.and_then(|r| r.token_hash))
}

/// The site whose token has this digest.
pub async fn site_of_token(env: &Env, hash: &str) -> ApiResult<Option<String>> {
    #[derive(Deserialize)]
    struct Site {
        id: String,
    }
    let row: Option<Site> =
        db(env)?.prepare("SELECT id FROM sites WHERE token_hash = ?1").bind(&[hash.into()])?.first(None).await?;
    Ok(row.map(|r| r.id))
}

/// Replaces the token digest of an existing site; false if no such site.
pub async fn set_token_hash(env: &Env, site: &str, hash: &str) -> ApiResult<bool> {
    let result = db(env)?
        .prepare("UPDATE sites SET token_hash = ?2 WHERE id = ?1")
        .bind(&[site.into(), hash.into()])?
        .run()
        .await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
}
