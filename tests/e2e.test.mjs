// End to end, as a visitor: the demo shop (one origin) embeds the widget
// from the collector (another origin); checkout, answer NPS 9 with a
// comment, and the answer is in the export exactly once.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { appears, bucket, consoleWarnings, demoConfig, eventually, exportEvents, launchBrowser, putSite, startCollector, startSite } from "./harness.mjs";

let collector, shop, browser;

before(async () => {
  collector = await startCollector();
  shop = await startSite({ collector, site: "demo" });
  await putSite(collector, "demo", await demoConfig(shop.origin));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await shop?.stop();
  await collector?.stop();
});

test("checkout -> NPS prompt in a shadow root -> answer 9 with a comment -> stored exactly once", async () => {
  const page = await browser.newPage();
  const warnings = consoleWarnings(page);
  await page.goto(shop.url + "/");
  assert.equal(await page.locator("[data-touchpoint]").count(), 0, "no prompt before the touchpoint");
  await page.click("#buy");
  await page.fill("input[name=name]", "Ada Lovelace");
  await page.fill("input[name=email]", "ada@example.com");
  await page.fill("input[name=card]", "4242424242424242");
  await page.click("#place-order");
  await page.waitForURL(/confirmation\.html/);

  const dialog = page.getByRole("dialog");
  await appears(dialog, 15_000);
  const inShadow = await page.evaluate(() => {
    const host = document.querySelector("[data-touchpoint]");
    return Boolean(host && host.shadowRoot && host.shadowRoot.querySelector("[role=dialog]"));
  });
  assert.ok(inShadow, "the dialog lives in the open shadow root of a [data-touchpoint] host");
  await assert.doesNotReject(dialog.getByText("How likely are you to recommend Acme Outfitters").waitFor());
  assert.equal(await dialog.getByRole("radio").count(), 11, "an 11-point 0-10 scale");
  await dialog.getByRole("radio", { name: "0, not at all likely" }).waitFor();
  await dialog.getByRole("radio", { name: "10, extremely likely" }).waitFor();

  await dialog.getByRole("radio", { name: "9", exact: true }).check();
  await dialog.getByRole("button", { name: "Send" }).click();
  // The score is sent at once; the "why?" follows and updates the same response.
  await dialog.getByLabel("What is the main reason for your score?").fill("Quick checkout, clear shipping date");
  await dialog.getByRole("button", { name: "Send" }).click();
  await page.getByRole("status").getByText("Thank you").waitFor();

  const responses = await eventually(async () => {
    const rs = (await exportEvents(collector, "demo")).filter((e) => e.type === "response");
    return rs.length > 0 && rs[0].comment && rs;
  });
  assert.equal(responses.length, 1, "exactly one response stored");
  const [r] = responses;
  assert.equal(r.score, 9);
  assert.equal(r.comment, "Quick checkout, clear shipping date");
  assert.equal(r.metric, "nps");
  assert.equal(r.survey, "post-checkout-nps");
  assert.equal(r.touchpoint, "checkout_completed");
  assert.match(r.url, /\/confirmation\.html/);
  const all = await exportEvents(collector, "demo");
  assert.equal(all.filter((e) => e.type === "impression").length, 1, "one impression");
  assert.ok(all.every((e) => e.visitor === r.visitor), "one visitor id across events");

  await page.locator("[data-touchpoint]").waitFor({ state: "detached", timeout: 10_000 });
  assert.deepEqual(warnings, [], "no console warnings or page errors");
});

test("demo: the help article asks for CSAT after 10 s on the page (desktop), not at once", async () => {
  const page = await browser.newPage();
  await page.goto(shop.url + "/help.html");
  await page.waitForFunction(() => window.__touchpoint === true);
  await new Promise((r) => setTimeout(r, 3_000));
  assert.equal(await page.getByRole("dialog").count(), 0, "not before the dwell time");
  const dialog = page.getByRole("dialog");
  await appears(dialog, 20_000);
  await dialog.getByText("How satisfied were you with this help article?").waitFor();
  assert.equal(await dialog.getByRole("radio").count(), 5);
  await page.close();
});

test("demo: leaving checkout asks the CES question (a visitor in its 50% sample)", async () => {
  const visitor = Array.from({ length: 40 }, (_, i) => `demo-visitor-${i}-abcdef`).find((v) => bucket(`sample:${v}:checkout-ces`) < 500000);
  const context = await browser.newContext();
  await context.addInitScript((v) => localStorage.getItem("touchpoint:v1:visitor") || localStorage.setItem("touchpoint:v1:visitor", v), visitor);
  const page = await context.newPage();
  await page.goto(shop.url + "/checkout.html");
  await page.waitForFunction(() => window.__touchpoint === true);
  // Exit intent is watched once the site configuration has arrived, which
  // takes a moment on a loaded machine: the pointer leaves through the top
  // until the prompt answers, as a hesitating visitor's might.
  const dialog = page.getByRole("dialog");
  const leave = () => page.evaluate(() => document.dispatchEvent(new MouseEvent("mouseout", { clientY: -2, relatedTarget: null, bubbles: true })));
  assert.ok(await eventually(async () => (await leave(), (await dialog.count()) > 0), 10_000), "the CES prompt appears on exit intent");
  await dialog.getByText("How easy was it to check out today?").waitFor();
  assert.equal(await dialog.getByRole("radio").count(), 7);
  await context.close();
});
