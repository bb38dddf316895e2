// Touchpoints in headless Chromium: every trigger kind fires, and only when
// it should; SPA navigation; sticky sampling and experiment assignment
// across reloads; fatigue across reloads and across two tabs; consent;
// debug output naming the reason; the ES module entry. Each scenario is a
// site of its own on the real collector (workerd + local D1).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, appears, bucket, consoleWarnings, eventually, exportEvents, launchBrowser, putSite, startCollector, startSite } from "./harness.mjs";

let collector, site, browser;
let sites = 0;

before(async () => {
  collector = await startCollector();
  site = await startSite({ root: join(ROOT, "tests", "pages"), collector, site: "module" });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await site?.stop();
  await collector?.stop();
});

const Q = { en: "How likely are you to recommend us?" };

/** A fresh site whose surveys are `surveys` (NPS unless said otherwise). */
async function scenario(surveys, extra = {}) {
  const id = `j${++sites}`;
  await putSite(collector, id, {
    version: 1,
    origins: [site.origin],
    surveys: surveys.map((s) => ({ metric: "nps", touchpoint: s.id, question: Q, ...s })),
    ...extra,
  });
  return id;
}

/** Opens the journey page of site `id` in `context` (a fresh one by default), debug on. */
async function open(id, { context, path = "/journey.html", query = "", mobile = false } = {}) {
  context ??= await browser.newContext(mobile ? { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true } : {});
  const page = await context.newPage();
  const logs = [];
  page.on("console", (m) => logs.push(m.text()));
  const warnings = consoleWarnings(page);
  await page.goto(`${site.url}${path}?site=${id}&touchpoint_debug=1${query}`);
  await waitForLog(logs, /debug mode/);
  return { page, context, logs, warnings };
}

async function waitForLog(logs, pattern, ms = 10_000) {
  const found = await eventually(() => logs.find((l) => pattern.test(l)), ms);
  assert.ok(found, `console should show ${pattern}; it showed:\n${logs.join("\n")}`);
  return found;
}

const prompt = (page) => page.locator("[data-touchpoint]");
const shown = (page, ms = 10_000) => appears(page.getByRole("dialog"), ms);
const count = (page) => prompt(page).count();

test("event trigger with property filters: only a matching event shows the prompt", async () => {
  const id = await scenario([
    { id: "big-order", trigger: { event: "order", where: { all: [{ key: "value", op: "gte", value: 40 }], none: [{ key: "coupon", op: "exists" }] } } },
  ]);
  const { page, logs, context } = await open(id);
  await page.evaluate(() => touchpoint("event", "order", { value: 10 }));
  await waitForLog(logs, /'big-order'.*trigger not met/);
  await page.evaluate(() => touchpoint("event", "order", { value: 50, coupon: "X" }));
  await page.evaluate(() => touchpoint("event", "other", { value: 50 }));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await count(page), 0, "a small order, a coupon order and another event show nothing");
  await page.evaluate(() => touchpoint("event", "order", { value: 50 }));
  await shown(page);
  assert.equal(await page.evaluate(() => window.__events[0].survey), "big-order");
  await context.close();
});

test("page view with URL rules, re-evaluated on SPA navigation; the prompt goes when the URL stops matching", async () => {
  const id = await scenario([
    { id: "help-pv", trigger: { page_view: true, page: { any: [{ key: "path", op: "starts_with", value: "/spa/help" }, { key: "url", op: "regex", value: "[?&]topic=returns" }] } } },
  ]);
  const { page, logs, context } = await open(id);
  await waitForLog(logs, /'help-pv'.*page: trigger\.page/);
  assert.equal(await count(page), 0, "not on the journey page itself");
  await page.evaluate(() => history.pushState({}, "", "/spa/help/shipping"));
  await shown(page);
  await page.evaluate(() => history.pushState({}, "", "/spa/pricing"));
  await prompt(page).waitFor({ state: "detached", timeout: 5_000 });
  await waitForLog(logs, /'help-pv'.*removed: the URL no longer matches/);
  // Back (popstate) to a matching URL is a new page view: shown again.
  await page.evaluate(() => history.back());
  await shown(page);
  await context.close();
});

test("hash routes and replaceState count as navigations too", async () => {
  const id = await scenario([
    { id: "faq", trigger: { page_view: true, page: { all: [{ key: "url", op: "ends_with", value: "#/faq" }] } } },
  ]);
  const { page, context } = await open(id);
  assert.equal(await count(page), 0);
  await page.evaluate(() => { location.hash = "#/faq"; });
  await shown(page);
  await page.evaluate(() => history.replaceState({}, "", location.pathname + location.search + "#/home"));
  await prompt(page).waitFor({ state: "detached", timeout: 5_000 });
  await context.close();
});

test("reset: a new visitor, whose history starts over", async () => {
  const id = await scenario([{ id: "once-only", trigger: { event: "go" }, frequency: "once" }]);
  const context = await browser.newContext();
  const a = await open(id, { context });
  await a.page.evaluate(() => touchpoint("event", "go"));
  await shown(a.page);
  const first = await a.page.evaluate(() => localStorage.getItem("touchpoint:v1:visitor"));
  await a.page.getByRole("button", { name: "Close" }).click();
  await a.page.evaluate(() => touchpoint("event", "go"));
  await waitForLog(a.logs, /'once-only'.*frequency once/);
  await a.page.evaluate(() => touchpoint("reset"));
  const second = await a.page.evaluate(() => localStorage.getItem("touchpoint:v1:visitor"));
  assert.ok(second && second !== first, "a new visitor id");
  await a.page.evaluate(() => touchpoint("event", "go"));
  await shown(a.page);
  await context.close();
});

test("corrupt visitor state is replaced, not crashed on", async () => {
  const id = await scenario([{ id: "fresh", trigger: { event: "go" } }]);
  const context = await browser.newContext();
  await context.addInitScript((site) => localStorage.setItem(`touchpoint:v1:state:${site}`, "tp1;garbage;;{]"), id);
  const { page, warnings } = await open(id, { context });
  await page.evaluate(() => touchpoint("event", "go"));
  await shown(page);
  const state = await page.evaluate((site) => localStorage.getItem(`touchpoint:v1:state:${site}`), id);
  assert.match(state, /^tp1;\d+;1;/, "a fresh, valid state: first seen, one visit");
  assert.deepEqual(warnings, []);
  await context.close();
});

test("click on an element matching the selector, or inside one; other clicks do nothing", async () => {
  const id = await scenario([{ id: "click-help", trigger: { click: "button.help" } }]);
  const { page, context } = await open(id);
  await page.click("#other");
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await count(page), 0);
  await page.click("#help-label"); // a child of button.help
  await shown(page);
  await context.close();
});

test("scroll depth fires past the configured percent, not before", async () => {
  const id = await scenario([{ id: "deep", trigger: { scroll_percent: 50 } }]);
  const { page, context } = await open(id);
  await page.evaluate(() => window.scrollTo(0, (document.documentElement.scrollHeight - innerHeight) * 0.3));
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(await count(page), 0, "30% is not 50%");
  await page.evaluate(() => window.scrollTo(0, (document.documentElement.scrollHeight - innerHeight) * 0.6));
  await shown(page);
  await context.close();
});

test("dwell time and inactivity; a delayed prompt is cancelled by navigating to a non-matching URL", async () => {
  const id = await scenario([
    { id: "dwell", trigger: { dwell_seconds: 2, page: { all: [{ key: "path", op: "eq", value: "/journey.html" }] } } },
  ]);
  const { page, logs, context } = await open(id);
  assert.equal(await count(page), 0, "not at once");
  await shown(page, 8_000);
  await context.close();

  const idle = await scenario([{ id: "idle", trigger: { inactivity_seconds: 3 } }]);
  const t = await open(idle);
  // Input every 500 ms keeps the visitor active.
  for (let i = 0; i < 10; i++) {
    await t.page.mouse.move(10 + i * 20, 200);
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(await count(t.page), 0, "no prompt while the visitor is active");
  await shown(t.page, 8_000);
  await t.context.close();

  const delayed = await scenario([
    { id: "late", trigger: { event: "go", delay_seconds: 2, page: { all: [{ key: "path", op: "eq", value: "/journey.html" }] } } },
  ]);
  const d = await open(delayed);
  await d.page.evaluate(() => touchpoint("event", "go"));
  await waitForLog(d.logs, /'late'.*waiting for trigger\.delay_seconds/);
  await d.page.evaluate(() => history.pushState({}, "", "/spa/elsewhere"));
  await waitForLog(d.logs, /'late'.*delay cancelled/);
  await new Promise((r) => setTimeout(r, 2_500));
  assert.equal(await count(d.page), 0, "the delay was cancelled");
  void logs;
  await d.context.close();
});

test("show() replaces a prompt still waiting out its delay, which then never comes", async () => {
  const id = await scenario([
    { id: "late", trigger: { event: "go", delay_seconds: 2 } },
    { id: "asked", metric: "csat", trigger: { event: "never" } },
  ]);
  const { page, logs, context, warnings } = await open(id);
  await page.evaluate(() => touchpoint("event", "go"));
  await waitForLog(logs, /'late'.*waiting for trigger\.delay_seconds/);
  await page.evaluate(() => touchpoint("show", "asked"));
  await shown(page, 1_500);
  assert.equal(await prompt(page).getAttribute("data-touchpoint"), "asked");
  await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();
  await new Promise((r) => setTimeout(r, 2_500));
  assert.equal(await count(page), 0, "the delayed prompt was replaced, not shown after");
  assert.deepEqual(await page.evaluate(() => window.__events.map((e) => `${e.type} ${e.survey}`)),
    ["impression asked", "dismiss asked"]);
  assert.deepEqual(warnings, []);
  await context.close();
});

test("exit intent: the pointer leaving through the top on desktop, a fast upward fling on a phone", async () => {
  const id = await scenario([{ id: "leaving", metric: "ces", trigger: { exit_intent: true } }]);
  const { page, context } = await open(id);
  await page.mouse.move(300, 300);
  await page.mouse.move(300, 200);
  assert.equal(await count(page), 0);
  // On a desktop, reading down then going back to the top fast (Home, a
  // "back to top" link) is not leaving: the fling is for touch screens.
  const fling = () => page.evaluate(async () => {
    const start = scrollY;
    for (let i = 1; i <= 4; i++) {
      window.scrollTo(0, start - i * innerHeight * 0.2);
      await new Promise((r) => setTimeout(r, 30));
    }
  });
  const depth = await page.evaluate(() => document.documentElement.scrollHeight - innerHeight);
  for (const f of [0.1, 0.2, 0.3, 0.4]) {
    await page.evaluate((y) => window.scrollTo(0, y), depth * f);
    await new Promise((r) => setTimeout(r, 150));
  }
  await fling();
  await page.keyboard.press("Home");
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(await count(page), 0, "scrolling back up on a desktop");
  // The pointer leaves the window through its top edge.
  await page.evaluate(() => document.dispatchEvent(new MouseEvent("mouseout", { clientY: -2, relatedTarget: null, bubbles: true })));
  await shown(page);
  await context.close();

  const m = await open(id, { mobile: true });
  const scrollable = await m.page.evaluate(() => document.documentElement.scrollHeight - innerHeight);
  // Reading down slowly...
  for (const f of [0.1, 0.2, 0.3, 0.4]) {
    await m.page.evaluate((y) => window.scrollTo(0, y), scrollable * f);
    await new Promise((r) => setTimeout(r, 150));
  }
  assert.equal(await count(m.page), 0, "reading down is not leaving");
  // ...then a fling back up of most of a screen within a moment.
  await m.page.evaluate(async () => {
    const start = scrollY;
    for (let i = 1; i <= 4; i++) {
      window.scrollTo(0, start - i * innerHeight * 0.2);
      await new Promise((r) => setTimeout(r, 30));
    }
  });
  await shown(m.page);
  await m.context.close();
});

test("sampling and experiment assignment follow the documented hash and are sticky across reloads", async () => {
  const id = await scenario([
    {
      id: "ab", trigger: { event: "go" }, sample_rate: 0.5, frequency: { max_times: 5 },
      experiment: { id: "timing", variants: [{ id: "now", weight: 1 }, { id: "later", weight: 3, delay_seconds: 1 }] },
    },
  ]);
  const visitors = Array.from({ length: 40 }, (_, i) => `test-visitor-${String(i).padStart(4, "0")}`);
  const inSample = visitors.find((v) => bucket(`sample:${v}:ab`) < 500000);
  const outOfSample = visitors.find((v) => bucket(`sample:${v}:ab`) >= 500000);
  const expectedVariant = bucket(`experiment:${inSample}:timing`) * 4 / 1000000 < 1 ? "now" : "later";

  for (const visitor of [inSample, outOfSample]) {
    const context = await browser.newContext();
    await context.addInitScript((v) => localStorage.getItem("touchpoint:v1:visitor") || localStorage.setItem("touchpoint:v1:visitor", v), visitor);
    for (let load = 0; load < 3; load++) {
      const { page, logs } = await open(id, { context });
      await page.evaluate(() => touchpoint("event", "go"));
      const line = await waitForLog(logs, /'ab': (shown|not shown: sampled out.*)$/);
      if (visitor === inSample) {
        assert.match(line, /shown$/, `load ${load}: in the sample`);
        assert.equal(await page.evaluate(() => window.__events[0].variant), expectedVariant, `load ${load}: same variant`);
        await page.getByRole("button", { name: "Close" }).click();
      } else {
        assert.match(line, new RegExp(`sampled out: bucket ${bucket(`sample:${visitor}:ab`)} >= 500000`), `load ${load}`);
      }
      await page.close();
    }
    await context.close();
  }
  const stored = await eventually(async () => {
    const es = (await exportEvents(collector, id)).filter((e) => e.visitor === inSample && e.type !== "response");
    return es.length === 6 && es;
  });
  assert.ok(stored, "three impressions and three dismisses stored");
  assert.ok(stored.every((e) => e.experiment === "timing" && e.variant === expectedVariant), "variant recorded on every event");
});

test("a forced variant previews it; a holdout variant is never shown", async () => {
  const id = await scenario([
    { id: "held", trigger: { event: "go" }, experiment: { id: "exp", variants: [{ id: "show", weight: 1 }, { id: "hold", weight: 1, holdout: true }] } },
  ]);
  const forcedShow = await open(id, { query: "&touchpoint_variant=exp:show" });
  await forcedShow.page.evaluate(() => touchpoint("event", "go"));
  await shown(forcedShow.page);
  assert.equal(await forcedShow.page.evaluate(() => window.__events[0].variant), "show");
  await forcedShow.context.close();
  const forcedHold = await open(id, { query: "&touchpoint_variant=exp:hold" });
  await forcedHold.page.evaluate(() => touchpoint("event", "go"));
  await waitForLog(forcedHold.logs, /'held'.*experiment exp: holdout/);
  assert.equal(await count(forcedHold.page), 0);
  await forcedHold.context.close();
});

test("after reset() draws a visitor in another variant, that variant's trigger works on the same page", async () => {
  // The first visitor waits for an event; the other variant asks on exit
  // intent, whose listener the page must already have.
  const id = await scenario([
    { id: "how", trigger: { event: "go" }, experiment: { id: "when", variants: [{ id: "asked" }, { id: "leaving", trigger: { exit_intent: true } }] } },
  ]);
  const variant = (v) => (bucket(`experiment:${v}:when`) * 2 / 1000000 < 1 ? "asked" : "leaving");
  const first = Array.from({ length: 40 }, (_, i) => `test-visitor-${String(i).padStart(4, "0")}`).find((v) => variant(v) === "asked");
  const context = await browser.newContext();
  await context.addInitScript((v) => localStorage.getItem("touchpoint:v1:visitor") || localStorage.setItem("touchpoint:v1:visitor", v), first);
  const { page } = await open(id, { context });
  // New visitors until one is in "leaving" (each draw is a coin toss).
  let visitor = first;
  for (let i = 0; i < 30 && variant(visitor) === "asked"; i++) {
    await page.evaluate(() => touchpoint("reset"));
    visitor = await eventually(() => page.evaluate((old) => {
      const v = localStorage.getItem("touchpoint:v1:visitor");
      return v !== old && v;
    }, visitor));
  }
  assert.equal(variant(visitor), "leaving");
  await page.evaluate(() => document.dispatchEvent(new MouseEvent("mouseout", { clientY: -2, relatedTarget: null, bubbles: true })));
  await shown(page);
  assert.equal(await page.evaluate(() => window.__events[0].variant), "leaving");
  await context.close();
});

test("a variant that sets dwell_seconds on an event trigger shows after that dwell time", async () => {
  const id = await scenario([
    { id: "dwelt", trigger: { event: "never-sent" }, experiment: { id: "dwell", variants: [{ id: "after-1s", dwell_seconds: 1 }] } },
  ]);
  const { page, context } = await open(id);
  await shown(page, 5_000);
  assert.equal(await page.evaluate(() => window.__events[0].variant), "after-1s");
  await context.close();
});

test("an experiment variant's position moves the prompt: centred, it is a modal that takes focus", async () => {
  const id = await scenario([
    { id: "corner", trigger: { event: "corner" } },
    { id: "middle", trigger: { event: "middle" }, experiment: { id: "where", variants: [{ id: "centred", position: "center" }] } },
  ], { theme: { position: "bottom-left" } });
  const placed = async (event) => {
    const { page, context } = await open(id);
    await page.evaluate((e) => touchpoint("event", e), event);
    await shown(page);
    const where = {
      position: await prompt(page).locator(".frame").getAttribute("data-position"),
      modal: await page.getByRole("dialog").getAttribute("aria-modal"),
      focused: await page.evaluate(() => document.activeElement?.getAttribute("data-touchpoint") ?? null),
      variant: await page.evaluate(() => window.__events[0].variant),
    };
    await context.close();
    return where;
  };
  assert.deepEqual(await placed("middle"), { position: "center", modal: "true", focused: "middle", variant: "centred" });
  assert.deepEqual(await placed("corner"), { position: "bottom-left", modal: "false", focused: null, variant: null },
    "the site's own position, and the page keeps its focus");
});

test("fatigue across reloads: answered means never again; the recontact wait holds other surveys back", async () => {
  const id = await scenario(
    [
      { id: "first", trigger: { event: "one" } },
      { id: "second", trigger: { event: "two" } },
    ],
    { fatigue: { recontact_days: 30, recontact_after: "impression", dismiss_cooldown_days: 7 } },
  );
  const context = await browser.newContext();
  const a = await open(id, { context });
  await a.page.evaluate(() => touchpoint("event", "one"));
  await shown(a.page);
  const dialog = a.page.getByRole("dialog");
  await dialog.getByRole("radio", { name: "8", exact: true }).check();
  await dialog.getByRole("button", { name: "Send" }).click();
  await eventually(async () => (await exportEvents(collector, id)).some((e) => e.type === "response"));
  await a.page.close();

  const b = await open(id, { context });
  await b.page.evaluate(() => touchpoint("event", "one"));
  await waitForLog(b.logs, /'first'.*(answered|recontact)/);
  await b.page.evaluate(() => touchpoint("event", "two"));
  await waitForLog(b.logs, /'second'.*recontact wait until \d+/);
  assert.equal(await count(b.page), 0);
  await context.close();
});

test("one prompt on screen across two tabs of the site", async () => {
  const id = await scenario([
    { id: "tab-a", trigger: { event: "a" }, frequency: { max_times: 9 } },
    { id: "tab-b", trigger: { event: "b" }, frequency: { max_times: 9 } },
  ]);
  const context = await browser.newContext();
  const one = await open(id, { context });
  const two = await open(id, { context });
  await one.page.evaluate(() => touchpoint("event", "a"));
  await shown(one.page);
  await two.page.evaluate(() => touchpoint("event", "b"));
  await waitForLog(two.logs, /'tab-b'.*another prompt is on screen/);
  assert.equal(await count(two.page), 0);
  // Closed in the first tab: the second may show one now.
  await one.page.getByRole("button", { name: "Close" }).click();
  await prompt(one.page).waitFor({ state: "detached" });
  await two.page.evaluate(() => touchpoint("event", "b"));
  await shown(two.page);
  await context.close();
});

test("the tab showing a prompt keeps the screen past the lease time, and never takes it back from another tab", async () => {
  const id = await scenario([
    { id: "tab-a", trigger: { event: "a" }, frequency: { max_times: 9 } },
    { id: "tab-b", trigger: { event: "b" }, frequency: { max_times: 9 } },
  ]);
  const key = `touchpoint:v1:screen:${id}`;
  const context = await browser.newContext();
  await context.clock.install();
  const one = await open(id, { context });
  const two = await open(id, { context });
  await one.page.evaluate(() => touchpoint("event", "a"));
  await shown(one.page);
  const lease = () => one.page.evaluate((k) => [localStorage.getItem(k), Date.now()], key);
  const [first] = await lease();
  // Time stands still but for what the test runs: 40 s, past the 15 s a
  // lease lasts unrenewed, with the prompt still up.
  await context.clock.pauseAt((await lease())[1] + 1_000);
  await context.clock.runFor(40_000);
  const [renewed, now] = await lease();
  assert.equal(renewed.split(":")[0], first.split(":")[0], "same tab");
  assert.ok(Number(renewed.split(":")[1]) > now, "the lease was renewed");
  await two.page.evaluate(() => touchpoint("event", "b"));
  await waitForLog(two.logs, /'tab-b'.*another prompt is on screen/);
  assert.equal(await count(two.page), 0);
  // A tab whose timers ran late (hidden) finds that another tab took the
  // lapsed lease meanwhile: it leaves it, and does not free it on close.
  const other = `some-other-tab:${now + 15_000}`;
  await two.page.evaluate(([k, v]) => localStorage.setItem(k, v), [key, other]);
  await context.clock.runFor(6_000);
  assert.equal((await lease())[0], other, "renewal left the other tab's lease");
  await one.page.getByRole("button", { name: "Close" }).click();
  await prompt(one.page).waitFor({ state: "detached" });
  assert.equal((await lease())[0], other, "closing left the other tab's lease");
  await context.close();
});

test("targeting: a rule on an unknown attribute hides the survey, debug names the rule; set() makes it eligible", async () => {
  const id = await scenario([
    { id: "pro-only", trigger: { event: "go" }, target: { all: [{ key: "plan", op: "eq", value: "pro" }, { key: "device", op: "in", value: ["desktop", "tablet"] }] } },
  ]);
  const { page, logs, context } = await open(id);
  await page.evaluate(() => touchpoint("event", "go"));
  await waitForLog(logs, /'pro-only'.*targeting: target\.all\[0\]: plan eq "pro" is false \(plan is not set\)/);
  assert.equal(await count(page), 0);
  await page.evaluate(() => touchpoint("set", { plan: "pro" }));
  await page.evaluate(() => touchpoint("event", "go"));
  await shown(page);
  await context.close();
});

test("debug: visitors get the build without the reasons; touchpoint('debug') turns the tab's next pages to the debug build", async () => {
  const id = await scenario([{ id: "pro-only", trigger: { event: "go" }, target: { all: [{ key: "plan", op: "eq", value: "pro" }] } }]);
  const context = await browser.newContext();
  const page = await context.newPage();
  const logs = [];
  page.on("console", (m) => logs.push(m.text()));
  const builds = [];
  page.on("request", (r) => r.url().includes("_bg.wasm") && builds.push(new URL(r.url()).pathname.split("/").pop()));
  const reason = /'pro-only'.*targeting: target\.all\[0\]: plan eq "pro" is false/;
  await page.goto(`${site.url}/journey.html?site=${id}`);
  await page.evaluate(() => touchpoint("debug", true));
  await waitForLog(logs, /debug mode: the reasons are in the debug build/);
  await page.evaluate(() => touchpoint("event", "go"));
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(builds, ["touchpoint_widget_bg.wasm"]);
  assert.ok(!logs.some((l) => reason.test(l) || /not shown/.test(l)), `the visitors' build explains nothing:\n${logs.join("\n")}`);
  // The tab's next page: the debug build, debug mode on, no address change.
  logs.length = 0;
  await page.reload();
  await waitForLog(logs, /debug mode: visitor/);
  await page.evaluate(() => touchpoint("event", "go"));
  await waitForLog(logs, reason);
  assert.deepEqual(builds, ["touchpoint_widget_bg.wasm", "touchpoint_widget_debug_bg.wasm"]);
  // Off again: the next page is the visitors' build; ?touchpoint_debug=1 brings the debug build back.
  await page.evaluate(() => touchpoint("debug", false));
  await page.reload();
  await page.waitForFunction(() => window.__touchpoint === true);
  await eventually(() => builds.length === 3);
  assert.equal(builds[2], "touchpoint_widget_bg.wasm");
  logs.length = 0;
  await page.goto(`${site.url}/journey.html?site=${id}&touchpoint_debug=1`);
  await waitForLog(logs, /debug mode: visitor/);
  await eventually(() => builds.length === 4);
  assert.equal(builds[3], "touchpoint_widget_debug_bg.wasm");
  await context.close();
});

test("consent: a site that requires it shows and sends nothing until given; consent(false) clears the outbox", async () => {
  const id = await scenario([{ id: "needs-ok", trigger: { event: "go" }, frequency: { max_times: 9 } }], { require_consent: true });
  const { page, logs, context } = await open(id);
  const posts = [];
  page.on("request", (r) => r.url().includes("/v1/events") && posts.push(r.url()));
  await page.evaluate(() => touchpoint("event", "go"));
  await waitForLog(logs, /'needs-ok'.*no consent/);
  assert.equal(await count(page), 0);
  assert.equal(await page.evaluate(() => localStorage.getItem("touchpoint:v1:visitor")), null, "no visitor id stored");
  const impressionSent = page.waitForResponse((r) => r.url().includes("/v1/events"));
  await page.evaluate(() => touchpoint("consent", true));
  await page.evaluate(() => touchpoint("event", "go"));
  await shown(page);
  await impressionSent;
  // The dismiss is still on its way when consent is withdrawn: its answer,
  // arriving after, must not write the outbox back.
  let release, arrived = false;
  const held = new Promise((r) => (release = r));
  await page.route("**/v1/events", async (route) => { arrived = true; await held; await route.continue(); });
  const dismissAnswered = page.waitForResponse((r) => r.url().includes("/v1/events"));
  await page.getByRole("button", { name: "Close" }).click();
  assert.ok(await eventually(() => arrived), "the dismiss is being sent");
  await page.evaluate(() => touchpoint("consent", false));
  release();
  await dismissAnswered;
  await page.unroute("**/v1/events");
  await new Promise((r) => setTimeout(r, 300));
  const keys = await page.evaluate(() => Object.keys(localStorage).filter((k) => !k.startsWith("touchpoint:v1:consent")));
  assert.deepEqual(keys.filter((k) => k.startsWith("touchpoint:")), [], "outbox, state and id are gone");
  const before = posts.length;
  await page.evaluate(() => touchpoint("event", "go"));
  await waitForLog(logs, /'needs-ok'.*no consent/);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(posts.length, before, "nothing more is sent");
  await context.close();
});

test("consent withdrawn in one tab holds in the site's other open tabs at once", async () => {
  const id = await scenario([{ id: "two-tabs", trigger: { event: "go" }, frequency: { max_times: 9 } }]);
  const context = await browser.newContext();
  const a = await open(id, { context });
  const b = await open(id, { context });
  await a.page.evaluate(() => touchpoint("consent", false));
  await b.page.evaluate(() => touchpoint("event", "go"));
  await waitForLog(b.logs, /'two-tabs'.*no consent/);
  assert.equal(await count(b.page), 0, "the other tab shows nothing");
  await new Promise((r) => setTimeout(r, 300));
  const keys = await b.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("touchpoint:")));
  assert.deepEqual(keys, [`touchpoint:v1:consent:${id}`], "and stores nothing back");
  assert.deepEqual(await exportEvents(collector, id), [], "nor sends anything");
  // A prompt already on screen in another tab goes too, unreported.
  const c = await open(id, { context });
  await c.page.evaluate(() => touchpoint("consent", true));
  await c.page.evaluate(() => touchpoint("event", "go"));
  await shown(c.page);
  await a.page.evaluate(() => touchpoint("consent", false));
  await prompt(c.page).waitFor({ state: "detached", timeout: 5_000 });
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual((await exportEvents(collector, id)).map((e) => e.type).filter((t) => t !== "impression"), [],
    "no dismiss is sent for it");
  await context.close();
});

test("consent given, or reset, starts the visitor's history at this visit", async () => {
  // Aimed at customers of a month or more: a visitor who just agreed to
  // tracking on their first page is not one.
  const loyal = { all: [{ key: "days_since_first_visit", op: "gte", value: 30 }] };
  const id = await scenario([
    { id: "loyal", trigger: { event: "go" }, target: loyal },
    { id: "first", trigger: { event: "go" }, target: { all: [{ key: "visits", op: "eq", value: 1 }] } },
  ], { require_consent: true });
  const { page, logs, context } = await open(id);
  await page.evaluate(() => touchpoint("consent", true));
  await page.evaluate(() => touchpoint("event", "go"));
  await waitForLog(logs, /'loyal'.*days_since_first_visit gte 30 is false/);
  await shown(page);
  assert.equal(await page.evaluate(() => window.__events[0].survey), "first");
  const stored = await page.evaluate((k) => localStorage.getItem(k), `touchpoint:v1:state:${id}`);
  assert.match(stored, /^tp1;[1-9]\d{12};1;/, "first seen now, one visit, stored once consent allows");
  await context.close();
});

test("an SPA tab used again after 30 minutes starts a new visit", async () => {
  const id = await scenario([
    { id: "returning", trigger: { page_view: true }, target: { all: [{ key: "visitor_type", op: "eq", value: "returning" }] } },
  ]);
  const { page, logs, context } = await open(id);
  await waitForLog(logs, /'returning'.*visitor_type eq "returning" is false/);
  // The tab sat unused: its last activity is moved two hours back.
  await page.evaluate((k) => {
    const parts = localStorage.getItem(k).split(";");
    parts[1] = String(Number(parts[1]) - 7_200_000);
    parts[3] = String(Number(parts[3]) - 7_200_000);
    localStorage.setItem(k, parts.join(";"));
  }, `touchpoint:v1:state:${id}`);
  await page.evaluate(() => history.pushState({}, "", "/spa/later"));
  await shown(page);
  const state = await page.evaluate((k) => localStorage.getItem(k), `touchpoint:v1:state:${id}`);
  assert.equal(state.split(";")[2], "2", "two visits");
  await context.close();
});

test("with localStorage blocked, a page still remembers what it showed and when the visitor arrived", async () => {
  const id = await scenario([
    { id: "once", trigger: { page_view: true }, frequency: "once" },
    { id: "loyal", trigger: { event: "go" }, target: { all: [{ key: "days_since_first_visit", op: "gte", value: 30 }] } },
  ]);
  const context = await browser.newContext();
  // Safari with all cookies blocked, or storage disabled: using it throws.
  await context.addInitScript(() => Object.defineProperty(window, "localStorage", {
    get() { throw new DOMException("The operation is insecure.", "SecurityError"); },
  }));
  const { page, logs, warnings } = await open(id, { context });
  await shown(page);
  await page.getByRole("button", { name: "Close" }).click();
  await prompt(page).waitFor({ state: "detached" });
  await page.evaluate(() => history.pushState({}, "", "/spa/next"));
  await waitForLog(logs, /'once'.*not shown/);
  assert.equal(await count(page), 0, "once means once, within the page too");
  await page.evaluate(() => touchpoint("event", "go"));
  await waitForLog(logs, /'loyal'.*days_since_first_visit gte 30 is false/);
  assert.equal(await count(page), 0, "a first-time visitor is not a month-old customer");
  assert.deepEqual(warnings.filter((w) => /pageerror/.test(w)), []);
  await context.close();
});

test("the ES module entry works without the script tag", async () => {
  await putSite(collector, "module", {
    version: 1, origins: [site.origin],
    surveys: [{ id: "mod", metric: "csat", touchpoint: "module", trigger: { event: "module_open" }, question: { en: "Satisfied?" } }],
  });
  const page = await browser.newPage();
  const warnings = consoleWarnings(page);
  // Its first configuration request meets a collector error: asked again.
  let asked = 0;
  await page.route((url) => url.pathname.endsWith("/v1/sites/module/config"), (route) =>
    ++asked > 1 ? route.continue() : route.fulfill({ status: 502, body: "Bad gateway" }));
  await page.goto(`${site.url}/module.html`);
  await shown(page);
  assert.equal(asked, 2);
  assert.equal(await page.getByRole("radio").count(), 5);
  assert.equal(await page.evaluate(() => window.__events[0].survey), "mod");
  // The browser's own line about the 502 only.
  assert.deepEqual(warnings.filter((w) => !w.startsWith("Failed to load resource")), []);
  await page.close();
});

test("bad commands warn once each and never throw into the page", async () => {
  const id = await scenario([{ id: "x", trigger: { event: "go" } }]);
  const { page, warnings, context } = await open(id);
  const thrown = await page.evaluate(() => {
    try {
      touchpoint("consent", "yes");
      touchpoint("set", "plan");
      touchpoint("teleport");
      return null;
    } catch (e) {
      return String(e);
    }
  });
  assert.equal(thrown, null);
  await eventually(() => warnings.length >= 3);
  assert.match(warnings.join("\n"), /consent.*true or false/);
  assert.match(warnings.join("\n"), /unknown command 'teleport'/);
  await context.close();
});

test("the README's configuration example is accepted as written; a broken regex is refused naming its field", async () => {
  const { readFile } = await import("node:fs/promises");
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Site configuration"));
  const json = section.slice(section.indexOf("```json") + 7, section.indexOf("```", section.indexOf("```json") + 7));
  const config = JSON.parse(json);
  config.origins = [site.origin];
  await putSite(collector, "readme", config);
  const bad = structuredClone(config);
  bad.surveys[1].trigger.page.any[1].value = "([unclosed";
  const res = await fetch(`${collector.url}/v1/admin/sites/readme`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${collector.token}`, "Content-Type": "application/json" },
    body: JSON.stringify(bad),
  });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.error.field, "surveys[1].trigger.page.any[1].value");
});

test("a click trigger with an invalid CSS selector warns once and breaks nothing else", async () => {
  const id = await scenario([
    { id: "bad-selector", trigger: { click: "button[" } },
    { id: "good", trigger: { click: "#other" } },
  ]);
  const { page, warnings, context } = await open(id);
  await page.click("#help");
  await page.click("#help");
  await eventually(() => warnings.length > 0);
  assert.equal(warnings.filter((w) => /bad-selector.*not a valid CSS selector/.test(w)).length, 1, warnings.join("\n"));
  await page.click("#other");
  await shown(page);
  await context.close();
});
