// Bad input on every endpoint of the collector (workerd, local D1): seeded
// random mutations of valid requests (fields removed, swapped for values of
// other types, sizes and scripts, unknown fields added), hand-picked
// malformed bodies, query strings and paths. Whatever comes in, the answer
// is a 2xx or a 4xx JSON error with a code, never a 5xx, and the collector
// keeps storing valid answers afterwards. Then the widget in Chromium, given
// mutated configuration responses (what a page holding another release's
// widget for a few minutes after a deploy could meet): it never fails in
// the page. Bounded: a few hundred requests and a few dozen pages, the same
// ones every run (the seed is printed on failure).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT, exportEvents, launchBrowser, putSite, startCollector, startSite } from "./harness.mjs";

const ORIGIN = "https://shop.example";
const SEED = 20261127;
const PER_KIND = 120;
const PAGES = 30;
let collector, demo, auth;

/** A small deterministic generator (an LCG), so a failure can be replayed. */
function random(seed) {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return { next, pick: (list) => list[Math.floor(next() * list.length)] };
}

const ODD = [null, true, false, 0, -1, 1.5, -0.5, 1e308, -1e308, 2 ** 53, 2 ** 64, 7, 11, 100, -100, 1e-9, "", " ",
  "x".repeat(3000), "a".repeat(70), "ünï€😀", "\u0000", "\ud800", "<img src=x onerror=alert(1)>", "1", "-1", "NaN",
  "Infinity", "%", "'; DROP TABLE events;--", "2026-02-30", "mobile", "nps", "csat", "ces", "#zzz", "#fff", [],
  [1, "a"], {}, { a: { b: { c: [] } } }];

/** `v` with one to three of its fields (at any depth) removed, replaced or mutated further. */
function mutate(rng, v) {
  if (Array.isArray(v)) {
    const c = v.map((x) => (rng.next() < 0.3 ? mutate(rng, x) : x));
    if (rng.next() < 0.1) c.push(rng.pick(ODD));
    if (rng.next() < 0.1 && c.length) c.splice(Math.floor(rng.next() * c.length), 1);
    return c;
  }
  if (v && typeof v === "object") {
    const c = { ...v };
    const keys = Object.keys(c);
    for (let i = 0, n = 1 + Math.floor(rng.next() * 3); i < n && keys.length; i++) {
      const k = rng.pick(keys);
      const r = rng.next();
      if (r < 0.3) delete c[k];
      else if (r < 0.75) c[k] = rng.pick(ODD);
      else c[k] = mutate(rng, c[k]);
    }
    if (rng.next() < 0.1) c[rng.pick(["extra", "__proto__", "constructor"])] = rng.pick(ODD);
    return c;
  }
  return rng.next() < 0.5 ? rng.pick(ODD) : v;
}

const FIELD_CODES = new Set(["missing_field", "invalid_type", "invalid_value", "out_of_range", "too_long", "unknown_survey",
  "metric_mismatch", "unknown_parameter"]);

/**
 * What is wrong with an answer, or null: a 5xx, or an error that is not JSON
 * with a code and a message, or one about a value that names no field.
 */
async function fault(res) {
  const text = await res.text();
  if (res.status >= 500) return `${res.status} ${text.slice(0, 300)}`;
  if (res.status < 400 || res.status === 405) return null;
  let error;
  try {
    error = JSON.parse(text).error;
  } catch {
    return `${res.status} not JSON: ${text.slice(0, 200)}`;
  }
  if (!error?.code || !error.message) return `${res.status} without error.code and message: ${text.slice(0, 200)}`;
  // An error about a value says which one.
  if (FIELD_CODES.has(error.code) && !error.field) return `${res.status} ${error.code} naming no field: ${text.slice(0, 200)}`;
  return null;
}

function event(rng) {
  return { id: `fz-${Math.floor(rng.next() * 1e12)}`, type: rng.pick(["response", "impression", "dismiss"]),
    survey: "post-checkout-nps", touchpoint: "checkout_completed", metric: "nps", score: 9, comment: "ok",
    visitor: "visitor-abcdef12", ts: Date.now(), url: `${ORIGIN}/c`, locale: "en", experiment: "nps-timing",
    variant: "immediate", attributes: { plan: "pro", n: 3 } };
}

let ip = 0;
const postEvents = (body) => fetch(`${collector.url}/v1/events`, {
  method: "POST",
  headers: { Origin: ORIGIN, "Content-Type": "application/json", "CF-Connecting-IP": `10.9.${++ip % 250}.${(ip >> 8) % 250}` },
  body,
});

before(async () => {
  collector = await startCollector();
  auth = { Authorization: `Bearer ${collector.token}` };
  demo = JSON.parse(await readFile(join(ROOT, "www", "demo-config.json"), "utf8"));
  demo.origins = [ORIGIN];
  await putSite(collector, "demo", demo);
});
after(async () => collector?.stop());

describe("bad input never gets a 5xx or a non-JSON error", () => {
  test(`${PER_KIND} mutated event batches`, async () => {
    const rng = random(SEED);
    const faults = [];
    const statuses = new Set();
    for (let i = 0; i < PER_KIND; i++) {
      const body = JSON.stringify(mutate(rng, { site: "demo", events: [event(rng), event(rng)] }));
      const res = await postEvents(body);
      statuses.add(res.status);
      const why = await fault(res);
      if (why) faults.push(`${why}\n  body: ${body.slice(0, 400)}`);
    }
    assert.deepEqual(faults, [], `seed ${SEED}`);
    // The mutations reach past the first checks: some batches are stored
    // (an event or both survive), some refused whole.
    assert.ok(statuses.has(202) && statuses.has(400), [...statuses].join(", "));
  });

  test(`${PER_KIND} mutated site configurations`, async () => {
    const rng = random(SEED + 1);
    const faults = [];
    const statuses = new Set();
    for (let i = 0; i < PER_KIND; i++) {
      const body = JSON.stringify(mutate(rng, { ...demo, webhooks: [{ url: "https://hooks.example/x", secret: "s".repeat(32) }] }));
      const res = await fetch(`${collector.url}/v1/admin/sites/fz${i % 3}`, {
        method: "PUT", headers: { ...auth, "Content-Type": "application/json" }, body,
      });
      statuses.add(res.status);
      const why = await fault(res);
      if (why) faults.push(`${why}\n  body: ${body.slice(0, 400)}`);
    }
    assert.deepEqual(faults, [], `seed ${SEED + 1}`);
    assert.ok(statuses.has(200) && statuses.has(400), [...statuses].join(", "));
  });

  test(`${PER_KIND} odd query strings on the read endpoints`, async () => {
    const rng = random(SEED + 2);
    const paths = ["/v1/sites/demo/stats", "/v1/sites/demo/comments", "/v1/sites/demo/export.ndjson",
      "/v1/sites/demo/alerts", "/v1/admin/sites/demo/dead-letters", "/v1/sites/demo/config"];
    const params = ["from", "to", "survey", "group_by", "compare", "difference", "q", "band", "limit", "cursor",
      "visitor", "after", "days"];
    const faults = [];
    for (let i = 0; i < PER_KIND; i++) {
      const url = new URL(collector.url + rng.pick(paths));
      for (let j = 0, n = Math.floor(rng.next() * 4); j < n; j++) {
        const v = rng.pick(ODD);
        url.searchParams.append(rng.pick(params), typeof v === "object" ? JSON.stringify(v) : String(v));
      }
      if (rng.next() < 0.3) {
        url.searchParams.set("group_by", rng.pick(["attributes.", "attributes.plan", "attributes.x y", "variant",
          "day", "device", "country", "touchpoint", "locale", "page", "attributes." + "a".repeat(100)]));
      }
      const why = await fault(await fetch(url, { headers: auth }));
      if (why) faults.push(`${why}\n  GET ${url.pathname}${url.search}`);
    }
    assert.deepEqual(faults, [], `seed ${SEED + 2}`);
  });

  test("malformed bodies and paths", async () => {
    const faults = [];
    const bodies = ["[".repeat(20000), `{"site":"demo","events":[${"[".repeat(5000)}`, "\ufeff{}", "null", "1e999", "\"x\"",
      '{"site":"demo","events":{}}', '{"site":"demo","events":[{}]}', '{"site":"demo","events":[null,1,"a",[]]}',
      '{"site":"demo","events":[]}', "{\"site\":\"demo\",\"events\":[\"\\ud800\"]}"];
    for (const body of bodies) {
      const why = await fault(await postEvents(body));
      if (why) faults.push(`${why}\n  POST /v1/events ${body.slice(0, 40)}`);
      const res = await fetch(`${collector.url}/v1/admin/sites/fzz`, { method: "PUT", headers: auth, body });
      const why2 = await fault(res);
      if (why2) faults.push(`${why2}\n  PUT ${body.slice(0, 40)}`);
    }
    const paths = ["/v1/admin/sites/demo/visitors/%00", `/v1/admin/sites/demo/visitors/${"a".repeat(500)}`,
      "/v1/sites/%ff/config", `/v1/sites/${"a".repeat(300)}/stats`, "/v1/admin/sites/a%2Fb", "//v1/events",
      "/v1/sites/demo/config?x=%zz", "/v1/sites/demo/", "/v1/admin/sites/", "/v1/admin/sites/demo/dead-letters/replay/x"];
    for (const path of paths) {
      for (const method of ["GET", "DELETE", "PUT", "POST"]) {
        const body = method === "PUT" || method === "POST" ? "{}" : undefined;
        const why = await fault(await fetch(collector.url + path, { method, headers: { ...auth, Origin: ORIGIN }, body }));
        if (why) faults.push(`${why}\n  ${method} ${path.slice(0, 60)}`);
      }
    }
    assert.deepEqual(faults, []);
  });

  test("afterwards a valid answer is stored as before", async () => {
    const rng = random(SEED + 3);
    const good = { ...event(rng), type: "response", id: `fz-good-${Date.now()}`, visitor: "visitor-after-fuzz" };
    const res = await postEvents(JSON.stringify({ site: "demo", events: [good] }));
    assert.equal(res.status, 202, await res.text());
    const stored = (await exportEvents(collector, "demo")).filter((e) => e.id === good.id);
    assert.equal(stored.length, 1);
    assert.equal(stored[0].score, 9);
  });
});

describe("the widget never fails in the page on a configuration it only partly understands", () => {
  let site, browser, served;
  before(async () => {
    site = await startSite({ root: join(ROOT, "www"), collector, site: "shop" });
    await putSite(collector, "shop", { ...demo, origins: [site.origin] });
    served = await (await fetch(`${collector.url}/v1/sites/shop/config`)).json();
    // Every survey shown at once on the event "go" (mutations may change that).
    for (const survey of served.surveys) {
      survey.trigger = { event: "go" };
      delete survey.sample_rate;
      delete survey.target;
      delete survey.experiment;
    }
    delete served.fatigue;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.stop();
  });

  /** Opens the shop with `config` as the configuration response; what failed in the page, and whether a prompt came. */
  async function visit(config, phone) {
    const context = await browser.newContext(phone ? { viewport: { width: 375, height: 667 }, hasTouch: true } : {});
    const page = await context.newPage();
    const failures = [];
    page.on("pageerror", (e) => failures.push(e.message));
    page.on("console", (m) => /RuntimeError|unreachable/.test(m.text()) && failures.push(m.text()));
    // Debug mode's first line says the widget has started.
    const started = new Promise((ok) => page.on("console", (m) => m.text().startsWith("[touchpoint]") && ok()));
    await page.route((url) => url.pathname.endsWith("/v1/sites/shop/config"), (route) =>
      route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(config) }));
    await page.goto(`${site.url}/?touchpoint_debug=1`);
    await Promise.race([started, page.waitForTimeout(10_000)]);
    await page.evaluate(() => {
      touchpoint("set", { plan: "pro", locale: "de" });
      touchpoint("event", "go");
    });
    const dialog = page.getByRole("dialog");
    const shown = await dialog.waitFor({ timeout: 1500 }).then(() => true, () => false);
    if (shown) {
      // Answer it if it has a scale, then close it.
      const radio = dialog.getByRole("radio").first();
      if (await radio.count()) {
        await radio.check();
        await dialog.locator("button[type=submit]").click();
      }
      await page.keyboard.press("Escape");
    }
    await page.evaluate(() => touchpoint("show", "help-csat"));
    await page.waitForTimeout(300);
    await context.close();
    return { failures, shown };
  }

  test("the configuration as served: the prompt comes", async () => {
    const { failures, shown } = await visit(served, false);
    assert.deepEqual(failures, []);
    assert.equal(shown, true);
  });

  test(`${PAGES} mutated configurations, desktop and phone`, async () => {
    const rng = random(SEED + 4);
    const faults = [];
    let prompts = 0;
    for (let i = 0; i < PAGES; i++) {
      const config = mutate(rng, structuredClone(served));
      const { failures, shown } = await visit(config, i % 2 === 1);
      prompts += shown;
      if (failures.length) faults.push(`${failures.join("; ")}\n  config: ${JSON.stringify(config).slice(0, 1500)}`);
    }
    assert.deepEqual(faults, [], `seed ${SEED + 4}`);
    // The mutations leave some configurations usable: prompts were rendered and answered.
    assert.ok(prompts > 0 && prompts < PAGES, `${prompts} prompts`);
  });
});
