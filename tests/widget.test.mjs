// The widget in headless Chromium: command queue, answering by mouse and
// keyboard, dismissing, callbacks, text safety and console warnings.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, appears, consoleWarnings, eventually, exportEvents, launchBrowser, putSite, startCollector, startSite } from "./harness.mjs";

const SITE = "widget";
const XSS = '<img src=x onerror="window.__xss=1">';
let collector, site, browser;

before(async () => {
  collector = await startCollector();
  site = await startSite({ root: join(ROOT, "tests", "pages"), collector, site: SITE });
  await putSite(collector, SITE, {
    version: 1,
    origins: [site.origin],
    surveys: [
      { id: "t-nps", metric: "nps", touchpoint: "test", trigger: { event: "test_open" },
        question: { en: "How likely are you to recommend us?" }, follow_up: { en: "Why?" } },
      { id: "t-xss", metric: "nps", touchpoint: "xss", trigger: { event: "xss_open" },
        question: { en: XSS }, follow_up: { en: XSS } },
      { id: "t-single", metric: "nps", touchpoint: "single", trigger: { event: "single_open" },
        question: { en: "Score only?" } },
    ],
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await site?.stop();
  await collector?.stop();
});

async function open(event, hash = "") {
  const page = await browser.newPage();
  const warnings = consoleWarnings(page);
  await page.goto(`${site.url}/widget.html${hash}`);
  if (event) await page.evaluate((e) => window.touchpoint("event", e), event);
  const dialog = page.getByRole("dialog");
  await appears(dialog, 15_000);
  return { page, dialog, warnings };
}

const stored = async (pred) => (await exportEvents(collector, SITE)).filter(pred);

test("a command queued before the loader ran is replayed", async () => {
  const { page, dialog } = await open(null, "#early");
  assert.equal(await dialog.getByRole("radio").count(), 11);
  await page.close();
});

test("keyboard only: arrows move the choice without submitting; Send submits", async () => {
  const { page, dialog } = await open("test_open");
  const visitor = await page.evaluate(() => localStorage.getItem("touchpoint:v1:visitor"));
  await dialog.getByRole("radio", { name: "0, not at all likely" }).focus();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  assert.equal(await dialog.getByRole("radio", { name: "3", exact: true }).isChecked(), true);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await stored((e) => e.visitor === visitor && e.type === "response")).length, 0, "arrows never submit");
  assert.equal(await dialog.isVisible(), true);
  await page.keyboard.press("Tab"); // to Send
  await page.keyboard.press("Enter");
  // The score is stored at once, before any comment.
  const [partial] = await eventually(() => stored((e) => e.visitor === visitor && e.type === "response").then((x) => x.length && x));
  assert.equal(partial.score, 3);
  assert.equal(partial.comment, null);
  // Focus moved into the follow-up field with the visitor.
  await page.keyboard.type("Too slow");
  await page.keyboard.press("Tab"); // Skip
  await page.keyboard.press("Tab"); // Send
  await page.keyboard.press("Enter");
  await page.getByRole("status").waitFor();
  const [r] = await eventually(() =>
    stored((e) => e.visitor === visitor && e.type === "response").then((x) => x.length && x[0].comment && x));
  assert.equal((await stored((e) => e.visitor === visitor && e.type === "response")).length, 1, "one response, updated");
  assert.equal(r.id, partial.id);
  assert.equal(r.score, 3);
  assert.equal(r.comment, "Too slow");
  const seen = await page.evaluate(() => window.__seen);
  assert.deepEqual(seen.map((e) => [e.type, e.score, e.comment]), [["response", 3, null], ["response", 3, "Too slow"]]);
  assert.deepEqual(seen.map((e) => e.visitor), [visitor, visitor], "the visitor id the answers are stored under");
  // The callback gets the event as the collector received it.
  const fields = (e) => [e.id, e.survey, e.touchpoint, e.metric, e.url, e.locale];
  assert.deepEqual(seen.map(fields), [fields(r), fields(r)]);
  assert.equal(seen[0].ts, r.ts, "the response keeps the time of its score");
  assert.deepEqual(seen.map((e) => [e.experiment, e.variant]), [[null, null], [null, null]], "no experiment: null, not missing");
  await page.close();
});

test("the close button dismisses: a dismiss event, no response, prompt removed", async () => {
  const { page, dialog } = await open("test_open");
  const visitor = await page.evaluate(() => localStorage.getItem("touchpoint:v1:visitor"));
  await dialog.getByRole("button", { name: "Close" }).click();
  await page.locator("[data-touchpoint]").waitFor({ state: "detached" });
  const events = await eventually(() => stored((e) => e.visitor === visitor && e.type === "dismiss").then((x) => x.length && x));
  assert.equal(events.length, 1);
  assert.equal((await stored((e) => e.visitor === visitor && e.type === "response")).length, 0);
  await page.close();
});

test("Escape dismisses too", async () => {
  const { page, dialog } = await open("test_open");
  await dialog.getByRole("radio", { name: "5", exact: true }).focus();
  await page.keyboard.press("Escape");
  await page.locator("[data-touchpoint]").waitFor({ state: "detached" });
  assert.equal((await page.evaluate(() => window.__seen))[0].type, "dismiss");
  await page.close();
});

test("Escape that ends an input method's composition keeps the comment; a real Escape then dismisses", async () => {
  const { page, dialog } = await open("test_open");
  await dialog.getByRole("radio", { name: "5", exact: true }).check();
  await dialog.getByRole("button", { name: "Send" }).click();
  const comment = dialog.getByRole("textbox");
  await comment.fill("配送が早い");
  // What Chromium sends when Escape cancels a Japanese conversion, and what
  // Safari sends as the composition ends.
  await comment.dispatchEvent("keydown", { key: "Escape", isComposing: true });
  await comment.dispatchEvent("keydown", { key: "Escape", keyCode: 229 });
  await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
  assert.equal(await comment.inputValue(), "配送が早い", "still there to send");
  await page.keyboard.press("Escape");
  await page.locator("[data-touchpoint]").waitFor({ state: "detached" });
  await page.close();
});

test("the comment's Send waits for text, so a double click on the score's Send does not skip the question", async () => {
  const { page, dialog } = await open("test_open");
  await dialog.getByRole("radio", { name: "9", exact: true }).check();
  await dialog.getByRole("button", { name: "Send" }).dblclick();
  const comment = dialog.getByRole("textbox");
  await comment.waitFor();
  await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
  assert.equal(await comment.isVisible(), true, "still asking why after the second click");
  const send = dialog.getByRole("button", { name: "Send" });
  assert.equal(await send.isDisabled(), true);
  await comment.fill("   ");
  assert.equal(await send.isDisabled(), true, "blank is nothing to send");
  await comment.fill("\u3000\n");
  assert.equal(await send.isDisabled(), true, "an ideographic space (Japanese keyboards) is blank too");
  await comment.fill("\u3000Fast delivery \n");
  assert.equal(await send.isDisabled(), false);
  await send.click();
  await page.getByRole("status").waitFor();
  assert.deepEqual(await page.evaluate(() => window.__seen.map((e) => e.comment)), [null, "Fast delivery"], "sent trimmed");
  await page.close();
});

test("Send stays disabled until a score is chosen; a score-only prompt has no text box", async () => {
  const { page, dialog } = await open("single_open");
  assert.equal(await dialog.getByRole("button", { name: "Send" }).isDisabled(), true);
  assert.equal(await dialog.locator("textarea").count(), 0);
  await dialog.getByRole("radio", { name: "10, extremely likely" }).check();
  assert.equal(await dialog.getByRole("button", { name: "Send" }).isDisabled(), false);
  await page.close();
});

test("config text is shown literally, never parsed as HTML", async () => {
  const { page, dialog } = await open("xss_open");
  await dialog.getByText(XSS).first().waitFor();
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  const imgs = await page.evaluate(() => document.querySelector("[data-touchpoint]").shadowRoot.querySelectorAll("img").length);
  assert.equal(imgs, 0);
  await page.close();
});

test("bad calls give one clear console warning each and never throw into the page", async () => {
  const page = await browser.newPage();
  const warnings = consoleWarnings(page);
  await page.goto(`${site.url}/widget.html`);
  await page.waitForFunction(() => window.__touchpoint === true);
  await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
  const threw = await page.evaluate(() => {
    try {
      touchpoint("bogus");
      touchpoint("event");
      touchpoint("on", "response", "not a function");
      touchpoint("show", "no-such-survey");
      touchpoint("debug", "off");
      return false;
    } catch {
      return true;
    }
  });
  assert.equal(threw, false);
  await eventually(() => warnings.length >= 5, 3000);
  assert.equal(warnings.length, 5, warnings.join("\n"));
  assert.ok(warnings.every((w) => w.startsWith("[touchpoint]")), warnings.join("\n"));
  // One each; `show` waits for the configuration, so on a slow load its warning comes last.
  for (const re of [/unknown command 'bogus'/, /event.*name/, /callback must be a function/, /show.*no survey with that id/,
    /debug.*true or false/]) {
    assert.equal(warnings.filter((w) => re.test(w)).length, 1, `${re}: ${warnings.join("\n")}`);
  }
  // ...and a refused call changes nothing: debug mode stayed off.
  const infos = [];
  page.on("console", (m) => m.type() === "info" && infos.push(m.text()));
  await page.evaluate(() => touchpoint("event", "nothing_listens_to_this"));
  await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
  assert.deepEqual(infos, []);
  await page.close();
});

test("objects that throw when read (Proxy traps, getters, revoked Proxies) are refused with a warning, never thrown into the page, and do not stop the calls queued after them", async () => {
  const page = await browser.newPage();
  const warnings = consoleWarnings(page);
  await page.addInitScript(() => {
    const fail = () => {
      throw new Error("hostile");
    };
    window.__hostile = () => [
      new Proxy({}, { ownKeys: fail }),
      Object.defineProperty({}, "plan", { get: fail, enumerable: true }),
      (() => {
        const r = Proxy.revocable({}, {});
        r.revoke();
        return r.proxy;
      })(),
      // Readable, so taken; the attribute whose items throw is left out.
      new Proxy({}, { getPrototypeOf: fail }),
      { plan: new Proxy(["free"], { get: fail }) },
      // A list that holds itself: read as the list of its plain items.
      {
        tags: (() => {
          const list = ["a"];
          list.push(list);
          return list;
        })(),
      },
    ];
    // Queued before the loader, ahead of the page's own calls (#early
    // asks for the prompt after them); an object without a prototype (as
    // some query-string parsers make) is an object like any other.
    window.touchpoint = function () {
      (touchpoint.q = touchpoint.q || []).push(arguments);
    };
    for (const h of window.__hostile()) touchpoint("set", h);
    touchpoint("set", Object.assign(Object.create(null), { plan: "pro" }));
  });
  await page.goto(`${site.url}/widget.html#early`);
  const dialog = page.getByRole("dialog");
  await appears(dialog);
  const threw = await page.evaluate(() => {
    let n = 0;
    for (const h of window.__hostile()) {
      for (const call of [["set", h], ["identify", "u1", h], ["event", "x", h], ["on", "response", h], ["show", h]]) {
        try {
          touchpoint(...call);
        } catch {
          n++;
        }
      }
    }
    return n;
  });
  assert.equal(threw, 0);
  const visitor = await page.evaluate(() => localStorage.getItem("touchpoint:v1:visitor"));
  await dialog.getByRole("radio", { name: "9", exact: true }).check();
  await dialog.getByRole("button", { name: "Send" }).click();
  const [response] = await eventually(() =>
    stored((e) => e.visitor === visitor && e.type === "response").then((x) => x.length && x));
  assert.deepEqual(response.attributes, { plan: "pro" }, "the refused and unreadable attributes changed nothing");
  assert.ok(!warnings.some((w) => /pageerror|RuntimeError|unreachable/.test(w)), warnings.join("\n"));
  assert.ok(warnings.every((w) => w.startsWith("[touchpoint]")), warnings.join("\n"));
  const count = (re) => warnings.filter((w) => re.test(w)).length;
  // Three unreadable objects: queued and live `set`, then `identify` and `event`.
  assert.equal(count(/'set', attributes\): attributes must be an object/), 6, warnings.join("\n"));
  assert.equal(count(/'identify', userId, attributes\): attributes must be an object/), 3, warnings.join("\n"));
  assert.equal(count(/'event', name, props\): props must be an object/), 3, warnings.join("\n"));
  assert.equal(count(/callback must be a function/), 6, warnings.join("\n"));
  assert.equal(count(/surveyId must be a string/), 6, warnings.join("\n"));
  await page.close();
});

test("the visitor's attributes travel with the answer within the collector's limits: decimals and huge numbers as text; lists, long texts, odd names and the user id left out; at most 20", async () => {
  const page = await browser.newPage();
  const warnings = consoleWarnings(page);
  await page.goto(`${site.url}/widget.html`);
  const heard = page.evaluate(() => new Promise((resolve) => touchpoint("on", "response", resolve)));
  await page.evaluate(() => {
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    touchpoint("identify", "user-42", { plan: "pro", returning: true, orders: 3, ltv: 129.5, big: 2 ** 60,
      tags: ["a", "b"], note: "x".repeat(257), "odd key": "v", ...many });
    touchpoint("event", "single_open");
  });
  const dialog = page.getByRole("dialog");
  await appears(dialog);
  const visitor = await page.evaluate(() => localStorage.getItem("touchpoint:v1:visitor"));
  await dialog.getByRole("radio", { name: "9", exact: true }).check();
  await dialog.getByRole("button", { name: "Send" }).click();
  const expected = { plan: "pro", returning: true, orders: 3, ltv: "129.5", big: String(2 ** 60),
    ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, i])) };
  const [response] = await eventually(() =>
    stored((e) => e.visitor === visitor && e.type === "response").then((x) => x.length && x));
  assert.deepEqual(response.attributes, expected);
  assert.equal(response.score, 9);
  assert.deepEqual((await heard).attributes, expected, "the page's callback hears the same attributes");
  assert.deepEqual(warnings, []);
  await page.close();
});

test("the loader downloads the configuration while the wasm downloads, not after it", async () => {
  const page = await browser.newPage();
  let configRequested;
  const configSeen = new Promise((r) => (configRequested = r));
  page.on("request", (req) => {
    if (new URL(req.url()).pathname.endsWith(`/v1/sites/${SITE}/config`)) configRequested();
  });
  // The wasm is held back until the configuration has been asked for (at
  // most 5 s): a loader that fetched it only once the wasm was running
  // would be refused here.
  let wasmHeld;
  const heldUntilConfig = new Promise((r) => (wasmHeld = r));
  await page.route((url) => url.pathname.endsWith("/widget/touchpoint_widget_bg.wasm"), async (route) => {
    wasmHeld(await Promise.race([configSeen.then(() => true), new Promise((r) => setTimeout(r, 5_000, false))]));
    await route.continue();
  });
  await page.goto(`${site.url}/widget.html`);
  assert.equal(await heldUntilConfig, true, "the configuration was not requested while the wasm downloaded");
  await page.evaluate(() => window.touchpoint("event", "test_open"));
  await appears(page.getByRole("dialog"), 15_000);
  await page.close();
});

test("the loader asks for the glue, the wasm and the configuration of its own build", async () => {
  const page = await browser.newPage();
  const asked = [];
  page.on("request", (req) => {
    const url = new URL(req.url());
    if (url.pathname.includes("/widget/touchpoint_widget") || url.pathname.endsWith(`/v1/sites/${SITE}/config`)) {
      asked.push([url.pathname.split("/").pop(), url.search]);
    }
  });
  await page.goto(`${site.url}/widget.html`);
  await page.evaluate(() => window.touchpoint("event", "test_open"));
  await appears(page.getByRole("dialog"), 15_000);
  const loader = await (await fetch(`${collector.url}/widget/loader.js`)).text();
  const build = loader.match(/\?v=([0-9a-f]{12})/)[1];
  assert.deepEqual(asked.sort(), [["config", `?v=${build}`], ["touchpoint_widget.js", `?v=${build}`],
    ["touchpoint_widget_bg.wasm", `?v=${build}`]]);
  await page.close();
});

test("a wrong data-site gives one clear console warning, and no unhandled error", async () => {
  const page = await browser.newPage();
  const warnings = consoleWarnings(page);
  let configAsked = 0;
  page.on("request", (r) => r.url().includes("/config") && configAsked++);
  await page.goto(`${site.url}/wrong-site.html`);
  const ours = () => warnings.filter((w) => w.startsWith("[touchpoint]"));
  await eventually(() => ours().length > 0, 10_000);
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(configAsked, 1, "a 404 is final: not asked again");
  assert.deepEqual(ours().map((w) => w.replace(/ \(.*\)$/, "")),
    ["[touchpoint] the site configuration could not be loaded; is data-site right?"], warnings.join("\n"));
  assert.equal(warnings.filter((w) => /Uncaught|pageerror/.test(w)).length, 0, warnings.join("\n"));
  await page.close();
});

test("a configuration request that fails (network, 5xx, no answer in 8 s) is made once more, and the prompt still shows", async () => {
  for (const failure of ["network", 503, "stalled"]) {
    const page = await browser.newPage();
    const warnings = consoleWarnings(page);
    let asked = 0;
    await page.route((url) => url.pathname.endsWith(`/v1/sites/${SITE}/config`), (route) =>
      ++asked > 1 ? route.continue()
        : failure === "network" ? route.abort("internetdisconnected")
          : failure === "stalled" ? undefined // never answered
            : route.fulfill({ status: 503, contentType: "application/json", body: '{"error":{"code":"unavailable"}}' }));
    await page.goto(`${site.url}/widget.html`);
    await page.evaluate(() => window.touchpoint("event", "test_open"));
    await appears(page.getByRole("dialog"), 15_000);
    assert.equal(asked, 2, failure);
    assert.deepEqual(warnings.filter((w) => w.startsWith("[touchpoint]")), [], failure);
    await page.close();
  }
});

test("a widget started by an older loader, without the configuration, fetches it itself", async () => {
  const page = await browser.newPage();
  const warnings = consoleWarnings(page);
  // A page of the site without the loader, booting the widget files the
  // way the previous loader did: start(site, collector, queued).
  await page.goto(`${site.url}/bare.html`);
  await page.evaluate(async ([collector, site]) => {
    const m = await import(`${collector}/widget/touchpoint_widget.js`);
    await m.default({ module_or_path: new URL(`${collector}/widget/touchpoint_widget_bg.wasm`) });
    m.start(site, collector, [["event", "test_open"]]);
  }, [collector.url, SITE]);
  const host = page.locator("[data-touchpoint]");
  await appears(host.getByRole("dialog"), 15_000);
  assert.equal(await host.getByRole("radio").count(), 11);
  assert.deepEqual(warnings, []);
  await page.close();
});
