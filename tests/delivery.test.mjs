// Delivery you can trust, in headless Chromium against the real collector:
// answers given while the collector is down (including one given right
// before leaving the page) are kept in the outbox and stored exactly once,
// with their comments, when it is back.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, appears, eventually, exportEvents, launchBrowser, putSite, startCollector, startSite } from "./harness.mjs";

const SITE = "delivery";
let collector, site, browser;

before(async () => {
  collector = await startCollector();
  site = await startSite({ root: join(ROOT, "tests", "pages"), collector, site: SITE });
  const survey = (id, event) => ({ id, metric: "nps", touchpoint: id, trigger: { event },
    question: { en: `Question ${id}?` }, follow_up: { en: "Why?" } });
  await putSite(collector, SITE, { version: 1, origins: [site.origin],
    surveys: [survey("one", "open_one"), survey("two", "open_two"), survey("three", "open_three")] });
  // The outage tests load the widget from the browser's HTTP cache, which
  // the harness's re-ask route would turn off.
  browser = await launchBrowser({ reask: false });
});
after(async () => {
  await browser?.close();
  await site?.stop();
  await collector?.stop();
});

async function answer(page, event, score, comment) {
  await page.waitForFunction(() => window.__touchpoint === true);
  await page.evaluate((e) => window.touchpoint("event", e), event);
  const dialog = page.getByRole("dialog");
  await appears(dialog, 15_000);
  await dialog.locator(`input[value="${score}"]`).check();
  await dialog.getByRole("button", { name: "Send" }).click();
  await dialog.getByRole("textbox").fill(comment);
  await dialog.getByRole("button", { name: "Send" }).click();
  await page.getByRole("status").waitFor();
}

/** The widget's visitor id, once the widget has started. */
async function visitorOf(page) {
  await page.waitForFunction(() => localStorage.getItem("touchpoint:v1:visitor"));
  return page.evaluate(() => localStorage.getItem("touchpoint:v1:visitor"));
}

const outbox = (page) => page.evaluate((k) => JSON.parse(localStorage.getItem(k) || "[]"), `touchpoint:v1:outbox:${SITE}`);

test("collector down: three answers on three pages survive and are stored exactly once", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // A first visit while the collector is up caches the widget and config.
  const configLoaded = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith(`/v1/sites/${SITE}/config`) && r.ok());
  await page.goto(`${site.url}/widget.html`);
  await configLoaded;
  const visitor = await visitorOf(page);

  await collector.pause();
  await page.reload();
  await answer(page, "open_one", 9, "first page");
  await page.goto(`${site.url}/widget.html?page=2`);
  await answer(page, "open_two", 4, "second page");
  await page.goto(`${site.url}/widget.html?page=3`);
  await answer(page, "open_three", 10, "answered right before leaving");
  await page.goto(`${site.url}/prompt.html`); // leave at once
  const queued = await outbox(page);
  assert.deepEqual(queued.filter((e) => e.type === "response").map((e) => [e.survey, e.score, e.comment]).sort(), [
    ["one", 9, "first page"], ["three", 10, "answered right before leaving"], ["two", 4, "second page"]]);
  assert.equal(await exportEvents(collector, SITE).catch(() => null), null,
    "the collector really is down");

  await collector.resume();
  await page.goto(`${site.url}/widget.html?page=4`); // the next page resends
  const responses = await eventually(async () => {
    const rs = (await exportEvents(collector, SITE)).filter((e) => e.visitor === visitor && e.type === "response");
    return rs.length === 3 && rs.every((r) => r.comment) && rs;
  }, 30_000);
  assert.ok(responses, "all three answers arrived");
  assert.deepEqual(responses.map((r) => [r.survey, r.score, r.comment]).sort(), [
    ["one", 9, "first page"], ["three", 10, "answered right before leaving"], ["two", 4, "second page"]]);
  const all = await exportEvents(collector, SITE);
  assert.equal(new Set(all.map((e) => e.id)).size, all.length, "nothing stored twice");
  assert.equal(all.filter((e) => e.type === "impression" && e.visitor === visitor).length, 3);
  await eventually(async () => (await outbox(page)).length === 0, 10_000);
  assert.deepEqual(await outbox(page), [], "the outbox is empty once delivered");
  await context.close();
});

test("a corrupt outbox in storage is replaced, not crashed on", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${site.url}/widget.html`);
  await page.evaluate((k) => localStorage.setItem(k, "{not json"), `touchpoint:v1:outbox:${SITE}`);
  await page.reload();
  await answer(page, "open_one", 7, "after corruption");
  await eventually(async () => (await outbox(page)).length === 0, 10_000);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a stored event the collector refuses is dropped with a warning; the rest of its batch is stored", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const warnings = [];
  page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
  await page.goto(`${site.url}/widget.html`);
  const visitor = await visitorOf(page);
  // What an earlier page left: an answer as the widget writes it, and an
  // entry damaged since (no metric, no visitor...). The outbox sends what
  // was stored as it was stored; the collector judges each event.
  const good = { id: `kept-${Date.now()}`, type: "response", survey: "one", touchpoint: "one", metric: "nps",
    score: 6, comment: "from the last page", visitor, ts: Date.now(), url: `${site.url}/widget.html`, locale: "en" };
  const bad = { id: `damaged-${Date.now()}`, type: "response", survey: "one" };
  await page.evaluate(([k, v]) => localStorage.setItem(k, v), [`touchpoint:v1:outbox:${SITE}`, JSON.stringify([bad, good])]);
  await page.reload();
  const stored = await eventually(async () => (await exportEvents(collector, SITE)).find((e) => e.id === good.id), 10_000);
  assert.equal(stored?.comment, "from the last page");
  assert.equal(stored?.score, 6);
  await eventually(async () => (await outbox(page)).length === 0, 10_000);
  assert.deepEqual(await outbox(page), [], "nothing left to resend");
  assert.equal((await exportEvents(collector, SITE)).filter((e) => e.id === bad.id).length, 0);
  assert.equal(warnings.filter((w) => w.includes("refused an event and it was dropped")).length, 1, warnings.join("\n"));
  await context.close();
});

test("a flaky network: 503s with Retry-After are retried in the page until stored", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const attempts = [];
  await page.route(`${collector.url}/v1/events`, async (route) => {
    attempts.push(Date.now());
    if (attempts.length <= 2) {
      return route.fulfill({
        status: 503,
        // The collector's own 503 headers, CORS exposure of Retry-After included.
        headers: { "Retry-After": "1", "Access-Control-Allow-Origin": site.origin,
          "Access-Control-Expose-Headers": "Retry-After", "Content-Type": "application/json" },
        body: JSON.stringify({ error: { code: "unavailable", message: "try later", field: null } }),
      });
    }
    return route.continue();
  });
  await page.goto(`${site.url}/widget.html`);
  const visitor = await visitorOf(page);
  await answer(page, "open_two", 6, "through a flaky network");
  const stored = await eventually(async () => {
    const rs = (await exportEvents(collector, SITE)).filter((e) => e.visitor === visitor && e.type === "response");
    return rs.length && rs[0].comment && rs;
  }, 30_000);
  assert.ok(stored, "stored without a reload");
  assert.equal(stored[0].comment, "through a flaky network");
  assert.ok(attempts.length >= 3);
  assert.ok(attempts[1] - attempts[0] >= 1000, "the second try waited for Retry-After");
  await context.close();
});

test("an answer given right before leaving the site is delivered", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${site.url}/widget.html`);
  const visitor = await visitorOf(page);
  await answer(page, "open_three", 10, "leaving now");
  await page.goto("about:blank"); // gone: keepalive fetch or the pagehide beacon must carry it
  const stored = await eventually(async () => {
    const rs = (await exportEvents(collector, SITE)).filter((e) => e.visitor === visitor && e.comment === "leaving now");
    return rs.length === 1 && rs;
  }, 15_000);
  assert.ok(stored);
  await context.close();
});

test("a page address with a long query still delivers its answers; the query never leaves the browser", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const query = `?utm_campaign=spring&utm_content=${"x".repeat(2100)}&token=secret`;
  await page.goto(`${site.url}/widget.html${query}`);
  const visitor = await visitorOf(page);
  await answer(page, "open_one", 8, "long address");
  const stored = await eventually(async () => {
    const rs = (await exportEvents(collector, SITE)).filter((e) => e.visitor === visitor);
    return rs.some((r) => r.type === "response" && r.comment) && rs;
  }, 15_000);
  assert.ok(stored, "impression and response stored");
  for (const e of stored) assert.equal(e.url, `${site.url}/widget.html`);
  await context.close();
});

test("when the outbox cannot be written (storage full), answers are still sent", async () => {
  const context = await browser.newContext();
  await context.addInitScript((key) => {
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k, v) {
      if (k === key) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      return setItem.call(this, k, v);
    };
  }, `touchpoint:v1:outbox:${SITE}`);
  const page = await context.newPage();
  await page.goto(`${site.url}/widget.html`);
  const visitor = await visitorOf(page);
  await answer(page, "open_two", 7, "storage is full");
  const response = await eventually(async () => {
    const rs = (await exportEvents(collector, SITE)).filter((e) => e.visitor === visitor && e.type === "response");
    return rs.find((r) => r.comment);
  }, 15_000);
  assert.equal(response?.comment, "storage is full");
  await context.close();
});
