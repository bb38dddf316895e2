// Read-path benchmark on the real local runtime (workerd + local D1): how
// long the dashboard's questions take as a site's events pile up. One
// collector; a site with an NPS survey in an A/B test, a CSAT and a CES
// survey, and two alerts. Its events are seeded straight into the local D1
// (copies of events that went through POST /v1/events, spread over 30 days
// of received_at, visitors, devices, variants, scores and a segment
// attribute; ingestion has its own benchmark), then every read is timed at
// each size: stats (plain, by variant, by day, by attribute, against the
// previous period), comments, export pages, one visitor's export (an access
// request) and the alert sweep (the 15-minute cron); then, once, the
// retention sweep of the events over 29 days old (the next size adds to
// what it left). Loopback only; every
// size is bounded, a read that takes over 60 s is
// reported as such and not repeated.
// Usage: node scripts/bench-stats.mjs [sizes=10000,100000,1000000] [runs=5] [only=TEXT]
// (only: time just the reads whose name contains TEXT, e.g. "by day")
import { putSite, startCollector } from "../tests/harness.mjs";

const SIZES = (process.argv[2] ?? "10000,100000,1000000").split(",").map(Number);
const RUNS = Number(process.argv[3] ?? 5);
const ONLY = process.argv[4] ?? "";
if (SIZES.some((n) => !Number.isInteger(n) || n < 100 || n > 5_000_000) || !(RUNS >= 1 && RUNS <= 50)) {
  console.error("usage: node scripts/bench-stats.mjs [sizes=10000,100000,1000000] [runs=5] [only=TEXT]  (sizes 100-5000000)");
  process.exit(2);
}
const ORIGIN = "https://bench.example";
const DAY = 86_400_000;
const SITE = "shop";
/** A read that takes longer is reported as over it, and not repeated. */
const LIMIT_MS = 60_000;

const collector = await startCollector();
try {
  const now = Date.now();
  const config = {
    version: 1, origins: [ORIGIN], rate_limit: "high",
    surveys: [
      { id: "nps1", metric: "nps", touchpoint: "order-confirmed", trigger: { event: "e" }, question: { en: "Q?" },
        experiment: { id: "timing", variants: [{ id: "now", weight: 1 }, { id: "later", weight: 1 }] } },
      { id: "csat1", metric: "csat", touchpoint: "delivery", trigger: { event: "e" }, question: { en: "Q?" } },
      { id: "ces1", metric: "ces", touchpoint: "help", trigger: { event: "e" }, question: { en: "Q?" } },
    ],
    alerts: [{ id: "nps-drop", survey: "nps1", below: 30 }, { id: "ces-hard", survey: "ces1", above: 4.5, days: 30 }],
  };
  await putSite(collector, SITE, config);
  // One real event per survey: the seed copies them, so every column is
  // what the collector itself writes.
  const templates = ["nps1", "csat1", "ces1"].map((survey, i) => ({
    id: `template-${i}`, type: "response", survey, touchpoint: "t", metric: survey.slice(0, -1),
    score: 3, comment: "the delivery was late", visitor: "template-visitor", ts: now, url: `${ORIGIN}/p`, locale: "en",
    ...(survey === "nps1" ? { experiment: "timing", variant: "now" } : {}),
    attributes: { plan: "pro" },
  }));
  const posted = await fetch(`${collector.url}/v1/events`, {
    method: "POST", headers: { Origin: ORIGIN }, body: JSON.stringify({ site: SITE, events: templates }) });
  if (posted.status !== 202) throw new Error(`seed templates: ${posted.status} ${await posted.text()}`);

  const rows = [];
  let seeded = 0;
  for (const size of SIZES) {
    if (size <= seeded) continue;
    const t0 = performance.now();
    await seed(seeded, size, now);
    const seedSeconds = ((performance.now() - t0) / 1000).toFixed(1);
    seeded = size;
    const counted = await total(now);
    console.log(`\n${size} events seeded in ${seedSeconds} s (stats count ${counted} in the last 30 days)`);
    for (const [name, path] of reads(now).filter(([name]) => name.includes(ONLY))) {
      const times = [];
      for (let i = 0; i < RUNS + 1; i++) {
        const t = performance.now();
        let res;
        try {
          res = await fetch(collector.url + path, {
            headers: { Authorization: `Bearer ${collector.token}` }, signal: AbortSignal.timeout(LIMIT_MS) });
        } catch (e) {
          if (e.name !== "TimeoutError") throw e;
          times.length = 0; // reported as over the limit; the next read goes on
          break;
        }
        const body = await res.text();
        if (res.status !== 200) throw new Error(`${name}: ${res.status} ${body.slice(0, 300)}`);
        if (i > 0) times.push(performance.now() - t); // the first run warms the caches
      }
      times.sort((a, b) => a - b);
      const ms = (t) => (t === undefined ? `> ${LIMIT_MS / 1000} s` : `${t.toFixed(0)} ms`);
      const row = { size, name, median: ms(times[Math.floor(times.length / 2)]), max: ms(times[times.length - 1]) };
      rows.push(row);
      console.log(`  ${name.padEnd(34)} median ${row.median.padStart(9)}   max ${row.max.padStart(9)}`);
    }
    // The retention sweep, once: with retention_days 29 the events received
    // over 29 days ago go (about a thirtieth), in the sweep's chunks, out of
    // the table and every index; the same cron judges the alerts too.
    await putSite(collector, SITE, { ...config, retention_days: 29 });
    const kept = await total(now);
    const t = performance.now();
    const swept = await fetch(`${collector.url}/__scheduled?cron=*/15+*+*+*+*`, { signal: AbortSignal.timeout(LIMIT_MS) });
    if (swept.status !== 200) throw new Error(`sweep: ${swept.status} ${await swept.text()}`);
    const sweepMs = performance.now() - t;
    const deleted = kept - (await total(now));
    await putSite(collector, SITE, config);
    rows.push({ size, name: `retention sweep (${deleted.toLocaleString("en")} deleted)`, median: `${sweepMs.toFixed(0)} ms`,
      max: "(once)" });
    console.log(`  retention sweep: ${deleted} events deleted in ${sweepMs.toFixed(0)} ms (with the alerts)`);
  }
  console.log(`\n| events | read | median | max |\n|---|---|---|---|`);
  for (const r of rows) {
    console.log(`| ${r.size.toLocaleString("en")} | ${r.name} | ${r.median} | ${r.max} |`);
  }
} finally {
  await collector.stop();
}

/** The reads timed at each size: [name, path], each a GET. */
function reads(now) {
  const month = `from=${now - 30 * DAY}&to=${now + DAY}`;
  return [
    ["stats, 30 days", `/v1/sites/${SITE}/stats?${month}`],
    ["stats, all time", `/v1/sites/${SITE}/stats`],
    ["stats, 7 days vs previous", `/v1/sites/${SITE}/stats?from=${now - 7 * DAY}&compare=previous`],
    ["stats nps1 by variant", `/v1/sites/${SITE}/stats?survey=nps1&group_by=variant&${month}`],
    ["stats by day", `/v1/sites/${SITE}/stats?group_by=day&${month}`],
    ["stats by device", `/v1/sites/${SITE}/stats?group_by=device&${month}`],
    ["stats by attributes.plan", `/v1/sites/${SITE}/stats?group_by=attributes.plan&${month}`],
    ["comments, newest 50", `/v1/sites/${SITE}/comments`],
    ["comments, detractors, q=late", `/v1/sites/${SITE}/comments?survey=nps1&band=detractor&q=late`],
    ["comments, q= found nowhere", `/v1/sites/${SITE}/comments?q=refund`],
    ["export, first page", `/v1/sites/${SITE}/export.ndjson`],
    ["export of one visitor", `/v1/sites/${SITE}/export.ndjson?visitor=visitor-42`],
    ["alert sweep (cron)", `/__scheduled?cron=*/15+*+*+*+*`],
  ];
}

/** The events the plain stats count in the last 30 days (a check that the seed landed). */
async function total(now) {
  const res = await fetch(`${collector.url}/v1/sites/${SITE}/stats?from=${now - 30 * DAY}&to=${now + DAY}`,
    { headers: { Authorization: `Bearer ${collector.token}` } });
  const body = await res.json();
  return body.surveys.reduce((n, s) => n + s.impressions + s.responses + s.dismisses, 0);
}

/**
 * Adds events `from`..`to` (exclusive) to the site, copied from the
 * templates in one INSERT ... SELECT with the collector stopped: half
 * impressions, 40 % responses (a third with a comment), 10 % dismisses;
 * 5,000 visitors; received over the last 30 days.
 */
async function seed(from, to, now) {
  const x = "c.x";
  const sql = `WITH RECURSIVE c(x) AS (SELECT ${from} UNION ALL SELECT x + 1 FROM c WHERE x + 1 < ${to})
    INSERT INTO events (site, id, type, survey, touchpoint, metric, scale, score, comment, visitor, client_ts,
      received_at, url, locale, country, device, experiment, variant, attributes, comment_fold, forwarded)
    SELECT t.site, 'seed-' || ${x},
      CASE WHEN ${x} % 10 < 5 THEN 'impression' WHEN ${x} % 10 < 9 THEN 'response' ELSE 'dismiss' END,
      t.survey, t.touchpoint, t.metric, t.scale,
      CASE WHEN ${x} % 10 BETWEEN 5 AND 8 THEN
        CASE t.metric WHEN 'nps' THEN (${x} * 7) % 11 WHEN 'csat' THEN 1 + (${x} * 7) % 5 ELSE 1 + (${x} * 7) % 7 END END,
      CASE WHEN ${x} % 10 BETWEEN 5 AND 8 AND ${x} % 3 = 0 THEN t.comment END,
      'visitor-' || (${x} * 7919) % 5000, ${now} - (${x} * 2654435761) % ${30 * DAY},
      ${now} - (${x} * 2654435761) % ${30 * DAY}, t.url, t.locale, t.country,
      CASE ${x} % 3 WHEN 0 THEN 'mobile' WHEN 1 THEN 'desktop' ELSE 'tablet' END,
      t.experiment, CASE WHEN t.experiment IS NULL THEN NULL WHEN ${x} % 2 = 0 THEN 'now' ELSE 'later' END,
      json_object('plan', CASE ${x} % 4 WHEN 0 THEN 'free' WHEN 1 THEN 'pro' ELSE 'team' END),
      CASE WHEN ${x} % 10 BETWEEN 5 AND 8 AND ${x} % 3 = 0 THEN t.comment_fold END, 1
    FROM c JOIN events t ON t.site = '${SITE}' AND t.id = 'template-' || (${x} % 3)`;
  await collector.sql(sql.replace(/\s+/g, " "));
}
