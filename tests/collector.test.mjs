// The collector on the real Workers runtime (workerd via wrangler dev) with
// a real local D1: ingestion, validation, CORS, de-duplication, export,
// config serving and the admin API, as HTTP clients and browsers see them.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startCollector, putSite, exportEvents } from "./harness.mjs";

const ORIGIN = "https://shop.example";
const SITE = "acme";
let collector;

const config = {
  version: 1,
  origins: [ORIGIN],
  surveys: [
    { id: "nps1", metric: "nps", touchpoint: "checkout_completed", trigger: { event: "checkout_completed" },
      question: { en: "Recommend us?" }, follow_up: { en: "Why?" } },
    { id: "ces1", metric: "ces", scale: 5, touchpoint: "help", trigger: { event: "help" }, question: { en: "Easy?" } },
  ],
};

let seq = 0;
function event(overrides = {}) {
  seq += 1;
  return { id: `evt-${Date.now()}-${seq}`, type: "response", survey: "nps1", touchpoint: "checkout_completed",
    metric: "nps", score: 9, comment: "fast delivery", visitor: "visitor-abcdef12", ts: Date.now(),
    url: `${ORIGIN}/confirmation`, locale: "en", ...overrides };
}

// Each request comes from its own client IP unless a test says otherwise, so
// only the rate-limit test meets the per-site-and-IP limit.
let ipSeq = 0;
function post(body, { origin = ORIGIN, type = "application/json", raw = false, ip, ua, more = {} } = {}) {
  ipSeq += 1;
  const headers = { "Content-Type": type, "CF-Connecting-IP": ip ?? `198.51.100.${ipSeq % 250}`, ...more };
  if (ua) headers["User-Agent"] = ua;
  if (origin) headers.Origin = origin;
  return fetch(`${collector.url}/v1/events`, { method: "POST", headers, body: raw ? body : JSON.stringify(body) });
}

const PROXY_SECRET = "first-party-proxy-" + Math.random().toString(36).slice(2);

before(async () => {
  collector = await startCollector({ vars: { PROXY_SECRET } });
  await putSite(collector, SITE, config);
});
after(async () => collector?.stop());

describe("POST /v1/events", () => {
  test("a valid batch is stored once, and a replay is counted as duplicates", async () => {
    const batch = { site: SITE, events: [event(), event({ type: "impression", score: null, comment: null })] };
    const first = await post(batch);
    assert.equal(first.status, 202);
    assert.deepEqual(await first.json(), { accepted: 2, duplicates: 0, rejected: [] });
    assert.equal(first.headers.get("access-control-allow-origin"), ORIGIN);
    assert.match(first.headers.get("vary") ?? "", /Origin/);

    const replay = await post(batch);
    assert.equal(replay.status, 202);
    assert.deepEqual(await replay.json(), { accepted: 0, duplicates: 2, rejected: [] });

    const stored = (await exportEvents(collector, SITE)).filter((e) => batch.events.some((b) => b.id === e.id));
    assert.equal(stored.length, 2);
    const response = stored.find((e) => e.type === "response");
    assert.equal(response.score, 9);
    assert.equal(response.comment, "fast delivery");
    assert.ok(response.received_at >= response.ts - 60_000, "server timestamp is recorded");
  });

  test("replay storm: the same batch 100 times at once is stored once", async () => {
    const batch = { site: SITE, events: [event(), event({ type: "dismiss", score: null, comment: null })] };
    const answers = await Promise.all(Array.from({ length: 100 }, () => post(batch).then((r) => r.json())));
    assert.equal(answers.reduce((n, a) => n + a.accepted, 0), 2, "exactly two rows were written in total");
    assert.equal(answers.reduce((n, a) => n + a.duplicates, 0), 198);
    const stored = (await exportEvents(collector, SITE)).filter((e) => batch.events.some((b) => b.id === e.id));
    assert.equal(stored.length, 2);
  });

  test("a text/plain beacon body is accepted like JSON", async () => {
    const e = event();
    const res = await post({ site: SITE, events: [e] }, { type: "text/plain;charset=UTF-8" });
    assert.equal(res.status, 202);
    assert.ok((await exportEvents(collector, SITE)).some((s) => s.id === e.id));
  });

  test("the same id twice in one batch is stored once", async () => {
    const e = event();
    const res = await post({ site: SITE, events: [e, e] });
    assert.deepEqual(await res.json(), { accepted: 1, duplicates: 1, rejected: [] });
  });

  const invalid = [
    ["unknown site", () => ({ site: "nope", events: [event()] }), 404, "unknown_site", "site"],
    ["missing site", () => ({ events: [event()] }), 400, "missing_field", "site"],
    ["missing events", () => ({ site: SITE }), 400, "missing_field", "events"],
    ["wrong metric", () => ({ site: SITE, events: [event({ metric: "csat" })] }), 400, "metric_mismatch", "events[0].metric"],
    ["NPS score 11", () => ({ site: SITE, events: [event({ score: 11 })] }), 400, "out_of_range", "events[0].score"],
    ["CES 6 on a 5-point scale", () => ({ site: SITE, events: [event({ survey: "ces1", metric: "ces", touchpoint: "help", score: 6 })] }),
      400, "out_of_range", "events[0].score"],
    ["missing visitor", () => ({ site: SITE, events: [event({ visitor: undefined })] }), 400, "missing_field", "events[0].visitor"],
    ["missing score on a response", () => ({ site: SITE, events: [event({ score: null })] }), 400, "missing_field", "events[0].score"],
    ["oversize comment", () => ({ site: SITE, events: [event({ comment: "x".repeat(2001) })] }), 400, "too_long", "events[0].comment"],
    ["unknown survey", () => ({ site: SITE, events: [event({ survey: "other" })] }), 400, "unknown_survey", "events[0].survey"],
    ["score as a string", () => ({ site: SITE, events: [event({ score: "9" })] }), 400, "invalid_type", "events[0].score"],
    ["every event bad", () => ({ site: SITE, events: [event({ score: 12 }), event({ score: -3 })] }), 400, "out_of_range", "events[0].score"],
  ];
  for (const [name, body, status, code, field] of invalid) {
    test(`refused: ${name} -> ${status} ${code} naming ${field}, nothing stored`, async () => {
      const before = (await exportEvents(collector, SITE)).length;
      const res = await post(body());
      assert.equal(res.status, status);
      const { error } = await res.json();
      assert.equal(error.code, code);
      assert.equal(error.field, field);
      assert.equal(typeof error.message, "string");
      assert.equal((await exportEvents(collector, SITE)).length, before);
    });
  }

  test("one bad event among good ones: the good ones are stored, the bad one listed", async () => {
    const good = [event(), event()];
    const res = await post({ site: SITE, events: [good[0], event({ score: -3 }), good[1]] });
    assert.equal(res.status, 202);
    const body = await res.json();
    assert.equal(body.accepted, 2);
    assert.deepEqual(body.rejected.map((r) => [r.index, r.code, r.field]), [[1, "out_of_range", "events[1].score"]]);
    const stored = await exportEvents(collector, SITE);
    assert.ok(good.every((g) => stored.some((s) => s.id === g.id)));
  });

  test("a later comment updates the same response once; replays change nothing", async () => {
    const score = event({ comment: null });
    assert.equal((await (await post({ site: SITE, events: [score] })).json()).accepted, 1);
    const update = { ...score, comment: "Because of the fast delivery" };
    assert.deepEqual(await (await post({ site: SITE, events: [update] })).json(), { accepted: 1, duplicates: 0, rejected: [] });
    assert.deepEqual(await (await post({ site: SITE, events: [update] })).json(), { accepted: 0, duplicates: 1, rejected: [] });
    const forged = { ...update, visitor: "someone-else-123", comment: "overwritten" };
    assert.equal((await (await post({ site: SITE, events: [forged] })).json()).accepted, 0, "another visitor cannot overwrite");
    const rows = (await exportEvents(collector, SITE)).filter((e) => e.id === score.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].comment, "Because of the fast delivery");
  });

  test("malformed JSON -> 400 invalid_json", async () => {
    const res = await post("{not json", { raw: true });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.code, "invalid_json");
  });

  test("a body over 64 KiB -> 413", async () => {
    const res = await post({ site: SITE, events: [event({ comment: "x".repeat(70_000) })] });
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error.field, "body");
  });

  test("a disallowed Origin is rejected and nothing is stored", async () => {
    const before = (await exportEvents(collector, SITE)).length;
    const res = await post({ site: SITE, events: [event()] }, { origin: "https://evil.example" });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error.code, "origin_not_allowed");
    const none = await post({ site: SITE, events: [event()] }, { origin: null });
    assert.equal(none.status, 403);
    assert.equal((await exportEvents(collector, SITE)).length, before);
  });

  test("CORS preflight allows POST with Content-Type from a page", async () => {
    const res = await fetch(`${collector.url}/v1/events`, {
      method: "OPTIONS",
      headers: { Origin: ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), ORIGIN);
    assert.match(res.headers.get("access-control-allow-methods"), /POST/);
    assert.match(res.headers.get("access-control-allow-headers"), /Content-Type/i);
  });
});

describe("enrichment, privacy, bots and rate limits", () => {
  const PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";

  test("query strings, fragments and credentials in the address are dropped; the device class is recorded", async () => {
    const e = event({ url: `${ORIGIN}/confirmation?email=ada@example.com&token=abc#paid` });
    const withCredentials = event({ url: ORIGIN.replace("https://", "https://ada:hunter2@") + "/account" });
    assert.equal((await post({ site: SITE, events: [e, withCredentials] }, { ua: PHONE_UA })).status, 202);
    const events = await exportEvents(collector, SITE);
    const stored = events.find((s) => s.id === e.id);
    assert.equal(stored.url, `${ORIGIN}/confirmation`);
    assert.equal(events.find((s) => s.id === withCredentials.id).url, `${ORIGIN}/account`);
    assert.equal(stored.device, "mobile");
    assert.ok("country" in stored);
  });

  test("a site with redact_pii stores comments without emails, phones or cards", async () => {
    await putSite(collector, "private", { ...config, redact_pii: true });
    const e = event({ comment: "Mail jane@example.com or call +1 415 555 0100, card 4242 4242 4242 4242" });
    assert.equal((await post({ site: "private", events: [e] })).status, 202);
    const [stored] = (await exportEvents(collector, "private")).filter((s) => s.id === e.id);
    assert.equal(stored.comment, "Mail [email] or call [phone], card [card]");
    const plain = (await exportEvents(collector, SITE)).length;
    assert.ok(plain > 0, "other sites keep their comments as written");
  });

  test("half an emoji in a comment (a lone surrogate escape) costs that character, not the batch", async () => {
    const good = event();
    const broken = event({ comment: "BROKEN" });
    const body = JSON.stringify({ site: SITE, events: [good, broken] }).replace('"BROKEN"', '"great \\ud83d"');
    const res = await post(body, { raw: true });
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { accepted: 2, duplicates: 0, rejected: [] });
    const stored = await exportEvents(collector, SITE);
    assert.equal(stored.find((e) => e.id === broken.id).comment, "great \ufffd");
  });

  test("a phone whose maker's name ends in 'bot' (CUBOT) is a visitor, not a bot", async () => {
    const e = event();
    const ua = "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36";
    const res = await post({ site: SITE, events: [e] }, { ua });
    assert.deepEqual(await res.json(), { accepted: 1, duplicates: 0, rejected: [] });
    assert.ok((await exportEvents(collector, SITE)).some((x) => x.id === e.id && x.device === "mobile"));
  });

  test("events from known bots are counted, not stored", async () => {
    const e = event();
    const res = await post({ site: SITE, events: [e, event()] }, { ua: "Mozilla/5.0 (compatible; Googlebot/2.1)" });
    assert.equal(res.status, 202);
    assert.equal((await res.json()).bot, 2);
    assert.equal((await exportEvents(collector, SITE)).some((s) => s.id === e.id), false);
    const admin = await fetch(`${collector.url}/v1/admin/sites/${SITE}`, { headers: { Authorization: `Bearer ${collector.token}` } });
    assert.equal((await admin.json()).bot_hits, 2);
  });

  // The local rate limiter counts in windows of the wall clock's minutes: a
  // burst that crossed into the next minute would get a second allowance.
  // Each burst here takes about a second, so it starts with at least 10 s of
  // its minute left.
  const clearOfMinuteEnd = async () => {
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 10_000) await new Promise((r) => setTimeout(r, left + 500));
  };

  test("a site set to the low rate tier is limited sooner", async () => {
    await putSite(collector, "quiet", { ...config, rate_limit: "low" });
    const ip = "203.0.113.90";
    let accepted = 0;
    await clearOfMinuteEnd();
    for (let i = 0; i < 60; i++) {
      const res = await post({ site: "quiet", events: [event()] }, { ip });
      if (res.status === 429) break;
      assert.equal(res.status, 202);
      accepted += 1;
    }
    assert.equal(accepted, 30, "30 requests per minute, then 429");
  });

  test("behind a first-party proxy with the PROXY_SECRET, each visitor has their own limit and country; without it the proxy's headers are ignored", async () => {
    await putSite(collector, "proxied", { ...config, rate_limit: "low" });
    // Cloudflare sets CF-Connecting-IP itself: behind a proxy it is the proxy's.
    const via = (proof, visitorIp, country, proxyIp = "192.0.2.200") => {
      const e = event();
      const more = { "X-Touchpoint-Proxy": proof, "X-Touchpoint-Client-IP": visitorIp };
      if (country) more["X-Touchpoint-Client-Country"] = country;
      return post({ site: "proxied", events: [e] }, { ip: proxyIp, more }).then((res) => ({ status: res.status, id: e.id }));
    };
    let first = 0;
    await clearOfMinuteEnd();
    for (let i = 0; i < 40 && (await via(PROXY_SECRET, "198.51.100.1")).status === 202; i++) first += 1;
    assert.equal(first, 30, "the first visitor's 30 requests a minute, then 429");
    const second = await via(PROXY_SECRET, "2001:db8::2", "DE");
    assert.equal(second.status, 202, "another visitor behind the same proxy is not limited");
    const unnamed = await via(PROXY_SECRET, "2001:db8::3", "Germany");
    assert.equal(unnamed.status, 202);
    const stored = await exportEvents(collector, "proxied");
    assert.equal(stored.find((e) => e.id === second.id).country, "DE", "the country the proxy passed on");
    assert.equal(stored.find((e) => e.id === unnamed.id).country, null, "not a code: none, never the proxy's");
    // A wrong proof: the visitor addresses it claims are ignored, and all
    // its requests share its own address's limit.
    let claimed = 0;
    await clearOfMinuteEnd();
    for (let i = 0; i < 40; i++) {
      const { status } = await via("not-the-secret", `198.51.100.${100 + i}`, "DE", "192.0.2.201");
      if (status !== 202) break;
      claimed += 1;
    }
    assert.equal(claimed, 30, "one limit for the proxy's address whatever it claims");
  });

  test("past the per-site-and-IP rate limit: 429 with Retry-After; other clients are unaffected", async () => {
    const ip = "203.0.113.77";
    let limited = null;
    await clearOfMinuteEnd();
    for (let i = 0; i < 200 && !limited; i++) {
      const res = await post({ site: SITE, events: [event()] }, { ip });
      if (res.status === 429) limited = res;
      else assert.equal(res.status, 202);
    }
    assert.ok(limited, "the limit was reached within 200 requests");
    assert.equal(limited.headers.get("retry-after"), "60");
    assert.match(limited.headers.get("access-control-expose-headers") ?? "", /Retry-After/, "readable by the widget cross-origin");
    assert.equal((await limited.json()).error.code, "rate_limited");
    assert.equal((await post({ site: SITE, events: [event()] }, { ip: "203.0.113.78" })).status, 202);
    // After the window the same client is accepted again (a bounded wait).
    await new Promise((r) => setTimeout(r, (Number(limited.headers.get("retry-after")) + 1) * 1000));
    assert.equal((await post({ site: SITE, events: [event()] }, { ip })).status, 202);
  });
});

describe("GET /v1/sites/{site}/config", () => {
  test("serves the public config with an ETag, 304 when unchanged", async () => {
    const res = await fetch(`${collector.url}/v1/sites/${SITE}/config`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.surveys[0].id, "nps1");
    assert.equal(body.origins, undefined, "allowed origins are not published");
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.match(res.headers.get("cache-control"), /max-age=\d+/);
    const etag = res.headers.get("etag");
    assert.ok(etag);
    const again = await fetch(`${collector.url}/v1/sites/${SITE}/config`, { headers: { "If-None-Match": etag } });
    assert.equal(again.status, 304);
    // An edge that compresses the response weakens the tag: still a match.
    for (const tag of [`W/${etag}`, `"other", W/${etag}`, "*"]) {
      const res = await fetch(`${collector.url}/v1/sites/${SITE}/config`, { headers: { "If-None-Match": tag } });
      assert.equal(res.status, 304, tag);
    }
    const other = await fetch(`${collector.url}/v1/sites/${SITE}/config`, { headers: { "If-None-Match": '"other"' } });
    assert.equal(other.status, 200);
    const head = await fetch(`${collector.url}/v1/sites/${SITE}/config`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("etag"), etag);
    assert.equal(await head.text(), "");
  });

  test("webhook secrets and collector-only settings are never published", async () => {
    await putSite(collector, "private", {
      ...config,
      webhooks: [{ url: "https://hooks.example/touchpoint", secret: "whsec-do-not-publish" }],
      rate_limit: "high",
      redact_pii: true,
    });
    const res = await fetch(`${collector.url}/v1/sites/private/config`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes("whsec-do-not-publish") && !text.includes("hooks.example"), text);
    const body = JSON.parse(text);
    for (const key of ["webhooks", "origins", "rate_limit", "redact_pii"]) assert.equal(body[key], undefined, key);
    assert.equal(body.surveys[0].id, "nps1", "the widget still gets its surveys");
  });

  test("unknown site -> 404 naming the site field", async () => {
    const res = await fetch(`${collector.url}/v1/sites/missing/config`);
    assert.equal(res.status, 404);
    assert.deepEqual(Object.keys((await res.json()).error).sort(), ["code", "field", "message"]);
  });
});

describe("admin API and export", () => {
  test("export and admin need the admin token", async () => {
    for (const path of [`/v1/sites/${SITE}/export.ndjson`, `/v1/admin/sites/${SITE}`]) {
      const none = await fetch(collector.url + path);
      assert.equal(none.status, 401);
      const wrong = await fetch(collector.url + path, { headers: { Authorization: "Bearer wrong" } });
      assert.equal(wrong.status, 401);
      // The scheme's name is case-insensitive.
      const lower = await fetch(collector.url + path, { headers: { Authorization: `bearer ${collector.token}` } });
      assert.equal(lower.status, 200, path);
    }
  });

  test("the export of a site that does not exist is a 404, not an empty file", async () => {
    const res = await fetch(`${collector.url}/v1/sites/nosuch/export.ndjson`, { headers: { Authorization: `Bearer ${collector.token}` } });
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.field, "site");
  });

  test("the export comes a page at a time, each naming the next, oldest first, within from/to", async () => {
    await putSite(collector, "paged", config);
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const batch = Array.from({ length: 3 }, () => event());
      ids.push(...batch.map((e) => e.id));
      assert.equal((await post({ site: "paged", events: batch })).status, 202);
      await new Promise((r) => setTimeout(r, 20));
    }
    const auth = { headers: { Authorization: `Bearer ${collector.token}` } };
    let url = `${collector.url}/v1/sites/paged/export.ndjson?limit=4`;
    const pages = [];
    while (url && pages.length < 10) {
      const res = await fetch(url, auth);
      assert.equal(res.status, 200);
      pages.push((await res.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l)));
      url = res.headers.get("link")?.match(/^<([^>]+)>; rel="next"$/)?.[1];
    }
    assert.deepEqual(pages.map((p) => p.length), [4, 4, 1], "full pages name the next one; the last does not");
    const all = pages.flat();
    assert.deepEqual(new Set(all.map((e) => e.id)), new Set(ids), "every event once");
    const order = all.map((e) => [e.received_at, e.id]);
    assert.deepEqual(order, [...order].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1)), "oldest first");
    // A time window on the collector's clock.
    const cut = all[4].received_at;
    const late = await fetch(`${collector.url}/v1/sites/paged/export.ndjson?from=${cut}`, auth);
    const lateIds = (await late.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l).id);
    assert.deepEqual(lateIds, all.filter((e) => e.received_at >= cut).map((e) => e.id));
    // One survey's events, paged the same way (the next page keeps the filter).
    const survey = all[0].survey;
    const first = await fetch(`${collector.url}/v1/sites/paged/export.ndjson?survey=${survey}&limit=8`, auth);
    assert.equal((await first.text()).split("\n").filter(Boolean).length, 8);
    assert.match(first.headers.get("link"), new RegExp(`[?&]survey=${survey}&`), "the next page keeps the survey");
    const none = await fetch(`${collector.url}/v1/sites/paged/export.ndjson?survey=no-such-survey`, auth);
    assert.equal(await none.text(), "", "no events of another survey");
    for (const [query, field] of [["limit=0", "limit"], ["limit=5001", "limit"], ["after=x", "after"], ["after=12.bad id", "after"],
      ["from=5&to=4", "to"], ["page=2", "page"], ["survey=a%20b", "survey"]]) {
      const res = await fetch(`${collector.url}/v1/sites/paged/export.ndjson?${query}`, auth);
      assert.equal(res.status, 400, query);
      assert.equal((await res.json()).error.field, field, query);
    }
  });

  test("site tokens: rotated through the API, stored hashed, 403 for another site, old token dead", async () => {
    await putSite(collector, "other", config);
    const rotate = (site, token) => fetch(`${collector.url}/v1/admin/sites/${site}/token`, {
      method: "POST", headers: { Authorization: `Bearer ${token}` } });
    const first = await rotate(SITE, collector.token);
    assert.equal(first.status, 201);
    const { token } = await first.json();
    assert.match(token, /^tps_[0-9a-f]{32}$/);
    const exportWith = (site, t) => fetch(`${collector.url}/v1/sites/${site}/export.ndjson`, { headers: { Authorization: `Bearer ${t}` } });
    assert.equal((await exportWith(SITE, token)).status, 200, "the site token reads its own site");
    const otherRes = await exportWith("other", token);
    assert.equal(otherRes.status, 403, "and not another site");
    assert.equal((await otherRes.json()).error.code, "forbidden");
    const create = await fetch(`${collector.url}/v1/admin/sites/brand-new`, {
      method: "PUT", headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify(config) });
    assert.equal(create.status, 403, "only the operator creates sites");
    const putOwn = (body) => fetch(`${collector.url}/v1/admin/sites/${SITE}`, {
      method: "PUT", headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const raise = await putOwn({ ...config, rate_limit: "high" });
    assert.equal(raise.status, 403, "only the operator sets the rate tier");
    assert.equal((await raise.json()).error.field, "rate_limit");
    assert.equal((await putOwn(config)).status, 200, "the owner changes the rest of the site");
    // Left out of the owner's config, the tier the operator set stays.
    await putSite(collector, SITE, { ...config, rate_limit: "high" });
    assert.equal((await putOwn(config)).status, 200);
    const kept = await fetch(`${collector.url}/v1/admin/sites/${SITE}`, { headers: { Authorization: `Bearer ${collector.token}` } });
    assert.equal((await kept.json()).config.rate_limit, "high");
    await putSite(collector, SITE, config);
    const second = await rotate(SITE, token);
    assert.equal(second.status, 201, "a site can rotate its own token");
    const { token: newer } = await second.json();
    assert.equal((await exportWith(SITE, token)).status, 401, "the old token stops working at once");
    assert.equal((await exportWith(SITE, newer)).status, 200);
  });

  test("an invalid config is refused with every bad field listed, and the old one stays", async () => {
    const bad = { ...config, origins: ["https://ok.example/path", "https://Shop.Example:443"],
      surveys: [{ ...config.surveys[0], metric: "nps", scale: 7 }] };
    const res = await fetch(`${collector.url}/v1/admin/sites/${SITE}`, {
      method: "PUT", headers: { Authorization: `Bearer ${collector.token}` }, body: JSON.stringify(bad),
    });
    assert.equal(res.status, 400);
    const { error } = await res.json();
    assert.deepEqual(error.errors.map((e) => e.field), ["origins[0]", "origins[1]", "surveys[0].scale"]);
    // Spelled otherwise than browsers send it, an origin would never match.
    assert.match(error.errors[1].message, /https:\/\/shop\.example$/);
    const wrongType = await fetch(`${collector.url}/v1/admin/sites/${SITE}`, {
      method: "PUT", headers: { Authorization: `Bearer ${collector.token}` },
      body: JSON.stringify({ surveys: [{ ...config.surveys[0], metric: "stars" }] }),
    });
    assert.equal(wrongType.status, 400);
    assert.equal((await wrongType.json()).error.field, "surveys[0].metric");
    const current = await fetch(`${collector.url}/v1/sites/${SITE}/config`);
    assert.equal((await current.json()).surveys.length, 2);
  });

  test("If-Match: an edit of what was read is saved; one made after another editor's save is refused, 412", async () => {
    const site = "editing";
    await putSite(collector, site, config);
    const admin = { Authorization: `Bearer ${collector.token}` };
    const read = async () => {
      const res = await fetch(`${collector.url}/v1/admin/sites/${site}`, { headers: admin });
      assert.equal(res.status, 200);
      return { etag: res.headers.get("etag"), config: (await res.json()).config };
    };
    const put = (body, ifMatch) => fetch(`${collector.url}/v1/admin/sites/${site}`, { method: "PUT",
      headers: ifMatch ? { ...admin, "If-Match": ifMatch } : admin, body: JSON.stringify(body) });
    const question = async () => (await (await fetch(`${collector.url}/v1/sites/${site}/config`)).json()).surveys[0].question.en;

    const alice = await read();
    const bob = await read();
    assert.match(alice.etag, /^"[0-9a-f]{32}"$/);
    assert.equal(alice.etag, bob.etag, "the same configuration, the same tag");
    alice.config.surveys[0].question.en = "Alice's question?";
    const saved = await put(alice.config, alice.etag);
    assert.equal(saved.status, 200, await saved.clone().text());
    assert.notEqual(saved.headers.get("etag"), alice.etag);
    assert.equal(saved.headers.get("etag"), (await read()).etag, "the tag of what is now stored");

    bob.config.surveys[0].question.en = "Bob's question?";
    const late = await put(bob.config, bob.etag);
    assert.equal(late.status, 412);
    const { error } = await late.json();
    assert.deepEqual([error.code, error.field], ["precondition_failed", "If-Match"]);
    assert.match(error.message, /changed since it was read/);
    assert.equal(await question(), "Alice's question?", "Alice's edit is not lost");

    assert.equal((await put(bob.config, `W/${saved.headers.get("etag")}`)).status, 412, "a weak tag never matches");
    assert.equal((await put(bob.config, `"0", ${saved.headers.get("etag")}`)).status, 200, "one of a list");
    assert.equal(await question(), "Bob's question?");
    assert.equal((await put(config, "*")).status, 200, "* matches any stored configuration");
    assert.equal((await put(config)).status, 200, "without If-Match the last write wins, as before");
    const missing = await fetch(`${collector.url}/v1/admin/sites/never-made`, { method: "PUT",
      headers: { ...admin, "If-Match": "*" }, body: JSON.stringify(config) });
    assert.equal(missing.status, 412, "* does not match a site that does not exist");
    assert.equal((await fetch(`${collector.url}/v1/admin/sites/never-made`, { headers: admin })).status, 404);
    const unquoted = await put(config, (await read()).etag.replace(/"/g, ""));
    assert.equal(unquoted.status, 412, "an unquoted tag is not the tag");
  });
});

describe("widget files", () => {
  test("served under /widget/ with CORS, the wasm MIME type and cache headers", async () => {
    const loader = await fetch(`${collector.url}/widget/loader.js`);
    assert.equal(loader.status, 200);
    assert.match(loader.headers.get("content-type"), /javascript/);
    const wasm = await fetch(`${collector.url}/widget/touchpoint_widget_bg.wasm`, { headers: { Origin: ORIGIN } });
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers.get("content-type"), "application/wasm");
    assert.equal(wasm.headers.get("access-control-allow-origin"), "*");
    assert.match(wasm.headers.get("cache-control"), /max-age/);
    const bytes = new Uint8Array(await wasm.arrayBuffer());
    assert.deepEqual([...bytes.slice(0, 4)], [0, 0x61, 0x73, 0x6d], "a real wasm module");
    assert.equal((await fetch(`${collector.url}/widget/nope.js`)).status, 404);
  });

  test("the entry points name this build's glue and wasm, which browsers may keep for a year", async () => {
    const widget = `${collector.url}/widget`;
    const SHORT = "public, max-age=300";
    const builds = [];
    for (const entry of ["loader.js", "touchpoint.mjs"]) {
      const res = await fetch(`${widget}/${entry}`);
      assert.equal(res.headers.get("cache-control"), SHORT, `${entry} is in customers' pages: short cache`);
      const text = await res.text();
      const named = [...text.matchAll(/\?v=([0-9a-f]{12})/g)].map((m) => m[1]);
      assert.ok(named.length > 0, `${entry} asks for the files with ?v=`);
      builds.push(...named);
    }
    const build = builds[0];
    assert.deepEqual(builds, builds.map(() => build), "one build id everywhere");
    // Both builds, the visitors' and the debug one: glue, then wasm.
    const files = ["touchpoint_widget.js", "touchpoint_widget_debug.js", "touchpoint_widget_bg.wasm",
      "touchpoint_widget_debug_bg.wasm"];
    const responses = await Promise.all(files.map((f) => fetch(`${widget}/${f}?v=${build}`)));
    for (const [i, res] of responses.entries()) {
      assert.equal(res.status, 200, files[i]);
      assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable", files[i]);
    }
    const wasm = responses[2];
    // The id is a hash of the files it names, so a release that changes
    // any of them asks for new URLs instead of finding a stale pair in the
    // cache.
    const hash = createHash("sha256");
    for (const res of responses) hash.update(Buffer.from(await res.arrayBuffer()));
    assert.equal(hash.digest("hex").slice(0, 12), build);
    // Asked for without this build's id (an older cached loader): served,
    // but not kept long, so that pairing ends soon after a release.
    for (const query of ["", "?v=000000000000"]) {
      const res = await fetch(`${widget}/touchpoint_widget_bg.wasm${query}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("cache-control"), SHORT, `wasm${query}`);
    }
    // Revalidated, this build's wasm keeps its year: a 304's headers replace
    // the stored ones.
    const revalidated = await fetch(`${widget}/touchpoint_widget_bg.wasm?v=${build}`, {
      headers: { "If-None-Match": wasm.headers.get("etag") } });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.headers.get("cache-control"), "public, max-age=31536000, immutable");
    const missing = await fetch(`${widget}/nope.js?v=${build}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("cache-control"), "no-store", "a 404 is not kept");
    assert.equal((await missing.json()).error.code, "not_found");
  });
});

describe("one visitor's data: read out and erased on request", () => {
  const ERASE = "erase";
  const A = "visitor-erase-aaaa";
  const B = "visitor-erase-bbbb";
  const admin = (path, init = {}) => fetch(`${collector.url}/v1/admin/sites/${ERASE}${path}`,
    { ...init, headers: { Authorization: `Bearer ${collector.token}`, ...init.headers } });
  const exported = async (query) => {
    const res = await fetch(`${collector.url}/v1/sites/${ERASE}/export.ndjson${query}`,
      { headers: { Authorization: `Bearer ${collector.token}` } });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
  };

  test("export?visitor= lists that visitor's events; DELETE erases them and their copies in dead letters", async () => {
    await putSite(collector, ERASE, config);
    const mine = [event({ visitor: A, comment: "my words" }), event({ visitor: A, type: "impression", score: null, comment: null })];
    const theirs = event({ visitor: B, comment: `mentions ${A}` });
    assert.equal((await post({ site: ERASE, events: [...mine, theirs] })).status, 202);
    assert.deepEqual((await exported(`?visitor=${A}`)).map((e) => [e.id, e.visitor]).sort(),
      mine.map((e) => [e.id, A]).sort());
    // Failed deliveries holding copies: one of both visitors, one of A only, one of B only, one alert notice.
    const copy = (e) => JSON.stringify({ ...e, received_at: 1 }).replaceAll("'", "''");
    const notice = JSON.stringify([{ alert: "a", survey: "nps1", status: "firing" }]);
    await collector.sql("INSERT INTO dead_letters (id, site, url, events, alerts, failed_at) VALUES " +
      `('dl-both', '${ERASE}', 'https://hooks.example/a', '[${copy(mine[0])},${copy(theirs)}]', NULL, 1), ` +
      `('dl-a', '${ERASE}', 'https://hooks.example/a', '[${copy(mine[1])}]', NULL, 2), ` +
      `('dl-b', '${ERASE}', 'https://hooks.example/a', '[${copy(theirs)}]', NULL, 3), ` +
      `('dl-alert', '${ERASE}', 'https://hooks.example/a', '[]', '${notice}', 4)`);

    const res = await admin(`/visitors/${A}`, { method: "DELETE" });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(body, { site: ERASE, visitor: A, events_deleted: 2, dead_letters_changed: 2, webhooks_told: 0 });
    assert.deepEqual(await exported(`?visitor=${A}`), []);
    assert.deepEqual((await exported("")).map((e) => e.id), [theirs.id], "another visitor's answer stays, even naming A");
    const letters = (await (await admin("/dead-letters")).json()).dead_letters;
    assert.deepEqual(letters.map((l) => [l.id, l.events.map((e) => e.visitor), l.alerts?.length ?? 0]),
      [["dl-both", [B], 0], ["dl-b", [B], 0], ["dl-alert", [], 1]], "A's copies gone, a letter left empty with it");
    assert.equal(letters[0].events[0].comment, theirs.comment, "the rest of a letter as it was");

    const again = await (await admin(`/visitors/${A}`, { method: "DELETE" })).json();
    assert.deepEqual([again.events_deleted, again.dead_letters_changed], [0, 0], "erasing twice is harmless");
  });

  test("a bad visitor id is a 400 naming it; no token 401; unknown site 404; other methods 405", async () => {
    for (const bad of ["short", "has%20space", "x".repeat(65)]) {
      const res = await admin(`/visitors/${bad}`, { method: "DELETE" });
      assert.equal(res.status, 400, bad);
      assert.equal((await res.json()).error.field, "visitor");
    }
    const q = await fetch(`${collector.url}/v1/sites/${ERASE}/export.ndjson?visitor=a%20b`,
      { headers: { Authorization: `Bearer ${collector.token}` } });
    assert.equal(q.status, 400);
    assert.equal((await q.json()).error.field, "visitor");
    assert.equal((await fetch(`${collector.url}/v1/admin/sites/${ERASE}/visitors/${A}`, { method: "DELETE" })).status, 401);
    const missing = await fetch(`${collector.url}/v1/admin/sites/nosuchsite/visitors/${A}`,
      { method: "DELETE", headers: { Authorization: `Bearer ${collector.token}` } });
    assert.equal(missing.status, 404);
    assert.equal((await admin(`/visitors/${A}`)).status, 405);
  });
});
