// The prompt as visitors meet it, in headless Chromium: every metric on a
// desktop and a phone, light and dark, left-to-right and right-to-left,
// answered by mouse, touch and keyboard, with axe-core on every step; a
// strict-CSP page, a hostile-CSS page and the centred modal's focus trap.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ROOT, appears, consoleWarnings, eventually, exportEvents, launchBrowser, putSite, startCollector, startSite } from "./harness.mjs";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
const SHOTS = join(ROOT, "tests", "artifacts", "screenshots");
const PAGES = join(ROOT, "tests", "pages");
const AR = { question: "ما مدى احتمال أن توصي بنا لصديق أو زميل؟", why: "ما السبب الرئيسي لتقييمك؟" };

// [survey id, trigger, metric, points, follow-up label (en)]
const VARIANTS = [
  ["nps", "open_nps", "nps", 11],
  ["csat-stars", "open_csat_stars", "csat", 5],
  ["csat-emoji", "open_csat_emoji", "csat", 5],
  ["ces5", "open_ces5", "ces", 5],
  ["ces7", "open_ces7", "ces", 7],
];

function surveys() {
  const text = (en) => ({ en, ar: AR.question });
  return [
    { id: "nps", metric: "nps", touchpoint: "checkout", trigger: { event: "open_nps" },
      question: text("How likely are you to recommend Acme to a friend or colleague?"),
      follow_up: { en: "What is the main reason for your score?", ar: AR.why },
      follow_up_by_band: { detractor: { en: "What should we do better?", ar: AR.why } } },
    { id: "csat-stars", metric: "csat", display: "stars", touchpoint: "delivery", trigger: { event: "open_csat_stars" },
      question: text("How satisfied were you with your delivery?"), follow_up: {} },
    { id: "csat-emoji", metric: "csat", display: "emoji", touchpoint: "support", trigger: { event: "open_csat_emoji" },
      question: text("How satisfied were you with our support?"), follow_up: {} },
    { id: "ces5", metric: "ces", scale: 5, touchpoint: "search", trigger: { event: "open_ces5" },
      question: text("How easy was it to find what you were looking for?"), follow_up: {} },
    { id: "ces7", metric: "ces", scale: 7, touchpoint: "returns", trigger: { event: "open_ces7" },
      question: text("How easy was it to return your order?"), follow_up: {} },
  ];
}

let collector, site, modalSite, cspSite, themedSite, textOnlySite, yellowSite, browser;

before(async () => {
  collector = await startCollector();
  site = await startSite({ root: PAGES, collector, site: "prompts" });
  modalSite = await startSite({ root: PAGES, collector, site: "modal" });
  cspSite = await startSite({ root: PAGES, collector, site: "prompts", headers: { "/csp.html": {
    "Content-Security-Policy": `default-src 'self'; script-src 'self' 'wasm-unsafe-eval' ${collector.url}; ` +
      `connect-src 'self' ${collector.url}; style-src 'self'`,
  } } });
  // Every test here answers from 127.0.0.1, one client to the rate limiter:
  // the high tier (600 a minute), so that the matrix's 40 visitors in about a
  // minute, each sending three times, are not throttled into Retry-After waits.
  await putSite(collector, "prompts", {
    version: 1, origins: [site.origin, cspSite.origin], surveys: surveys(), rate_limit: "high",
  });
  await putSite(collector, "modal", {
    version: 1, origins: [modalSite.origin], theme: { position: "center", brand: "#0f766e", radius: 8 }, surveys: surveys(),
  });
  themedSite = await startSite({ root: PAGES, collector, site: "themed" });
  textOnlySite = await startSite({ root: PAGES, collector, site: "text-only" });
  // The README's example theme, and a text colour alone.
  await putSite(collector, "themed", {
    version: 1, origins: [themedSite.origin], surveys: surveys(),
    theme: { brand: "#0f766e", text: "#111827", background: "#ffffff", mode: "auto" },
  });
  await putSite(collector, "text-only", {
    version: 1, origins: [textOnlySite.origin], surveys: surveys(), theme: { brand: "#0f766e", text: "#111827" },
  });
  yellowSite = await startSite({ root: PAGES, collector, site: "yellow" });
  await putSite(collector, "yellow", { version: 1, origins: [yellowSite.origin], surveys: surveys(), theme: { brand: "#fde047" } });
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
});
after(async () => {
  await browser?.close();
  for (const s of [site, modalSite, cspSite, themedSite, textOnlySite, yellowSite]) await s?.stop();
  await collector?.stop();
});

async function axe(page, step) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }));
  const found = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  assert.deepEqual(found, [], `axe violations on the ${step} step`);
}

async function openPrompt({ viewport, phone, scheme = "light", lang = "en", trigger, base = site }) {
  const context = await browser.newContext({ viewport, hasTouch: phone, isMobile: phone, colorScheme: scheme });
  const page = await context.newPage();
  const warnings = consoleWarnings(page);
  await page.goto(`${base.url}/prompt.html?lang=${lang}`);
  if (trigger) await page.evaluate((t) => window.touchpoint("event", t), trigger);
  const dialog = page.getByRole("dialog");
  await appears(dialog, 15_000);
  return { context, page, dialog, warnings };
}

/**
 * WCAG contrast against the panel's background of each `[name, selector,
 * property]` ("color", "outlineColor"), from the page's computed colours.
 */
function contrasts(dialog, items) {
  return dialog.evaluate((panel, items) => {
    const lum = (c) => {
      const channels = c.match(/[\d.]+/g).slice(0, 3).map(Number);
      const [r, g, b] = channels.map((v) => (v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
    const bg = getComputedStyle(panel).backgroundColor;
    return Object.fromEntries(items.map(([name, sel, property]) =>
      [name, ratio(getComputedStyle(panel.querySelector(sel))[property], bg)]));
  }, items);
}

const visitorOf = (page) => page.evaluate(() => localStorage.getItem("touchpoint:v1:visitor"));
const responsesOf = async (visitor) => (await exportEvents(collector, "prompts")).filter((e) => e.visitor === visitor && e.type === "response");

describe("every metric x desktop/phone x light/dark x ltr/rtl", () => {
  for (const [id, trigger, metric, points] of VARIANTS) {
    for (const [device, viewport] of [["desktop", { width: 1280, height: 800 }], ["phone", { width: 375, height: 667 }]]) {
      for (const scheme of ["light", "dark"]) {
        for (const lang of ["en", "ar"]) {
          test(`${id} on ${device}, ${scheme}, ${lang === "ar" ? "rtl" : "ltr"}`, async () => {
            const phone = device === "phone";
            const { context, page, dialog, warnings } = await openPrompt({ viewport, phone, scheme, lang, trigger });
            const radios = dialog.getByRole("radio");
            assert.equal(await radios.count(), points);
            assert.equal(await dialog.getAttribute("dir"), lang === "ar" ? "rtl" : "ltr");
            // The scale reads from its low end in the language's direction.
            const first = await radios.nth(0).boundingBox();
            const second = await radios.nth(1).boundingBox();
            if (first.y === second.y) assert.equal(first.x < second.x, lang !== "ar", "scale order follows the reading direction");
            if (phone) {
              const box = await dialog.boundingBox();
              assert.equal(Math.round(box.width), viewport.width, "a full-width bottom sheet");
              assert.ok(Math.abs(box.y + box.height - viewport.height) < 2, "anchored to the bottom");
              for (let i = 0; i < points; i++) {
                const b = await radios.nth(i).boundingBox();
                assert.ok(b.width >= 44 && b.height >= 44, `tap target ${i} is ${b.width}x${b.height}`);
              }
            }
            assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), true, "no horizontal scroll");
            if (id === "csat-emoji") {
              // Each face is drawn: an SVG element (not an unknown HTML one) of its 30 px size.
              const faces = await dialog.evaluate((panel) => [...panel.querySelectorAll(".pt svg.face")].map((f) => {
                const r = f.getBoundingClientRect();
                return [f.namespaceURI, Math.round(r.width), Math.round(r.height), f.querySelectorAll("circle").length, !!f.querySelector("path[d]")];
              }));
              assert.deepEqual(faces, Array(points).fill(["http://www.w3.org/2000/svg", 30, 30, 3, true]));
            }
            await axe(page, "score");
            const visitor = await visitorOf(page);
            const choice = radios.nth(points - 2);
            if (phone) await choice.tap();
            else await choice.click();
            await page.screenshot({ path: join(SHOTS, `${id}-${device}-${scheme}-${lang}.png`) });
            const send = dialog.getByRole("button", { name: lang === "ar" ? "إرسال" : "Send" });
            if (phone) await send.tap();
            else await send.click();
            const comment = dialog.getByRole("textbox");
            await comment.waitFor();
            await axe(page, "follow-up");
            await comment.fill(lang === "ar" ? "خدمة ممتازة" : "Great service");
            await (phone ? send.tap() : send.click());
            await page.getByRole("status").waitFor();
            await axe(page, "thank-you");
            const [stored] = await eventually(async () => {
              const rs = await responsesOf(visitor);
              return rs.length && rs[0].comment && rs;
            });
            assert.equal(stored.metric, metric);
            assert.equal(stored.survey, id);
            assert.equal(stored.locale, lang);
            assert.equal(stored.comment, lang === "ar" ? "خدمة ممتازة" : "Great service");
            const bottom = metric === "nps" ? 0 : 1;
            assert.equal(stored.score, bottom + points - 2);
            assert.deepEqual(warnings, []);
            await context.close();
          });
        }
      }
    }
  }
});

describe("keyboard only", () => {
  for (const [id, trigger, , points] of VARIANTS) {
    test(`${id}: Tab reaches the prompt, arrows choose without sending, Enter sends`, async () => {
      const { context, page, dialog } = await openPrompt({ viewport: { width: 1280, height: 800 }, trigger });
      const visitor = await visitorOf(page);
      assert.equal(await page.evaluate(() => document.activeElement === document.body), true, "a non-modal prompt does not take focus");
      for (let i = 0; i < 10 && !(await page.evaluate(() => Boolean(document.activeElement?.shadowRoot))); i++) {
        await page.keyboard.press("Tab");
      }
      await page.keyboard.press("Tab"); // past the close button, into the scale
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowRight");
      const chosen = await dialog.getByRole("radio", { checked: true }).getAttribute("value");
      assert.ok(chosen !== null);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await responsesOf(visitor)).length, 0, "arrow keys never send");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      await dialog.getByRole("textbox").waitFor();
      await page.keyboard.type("Keyboard only");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      await page.getByRole("status").waitFor();
      const [r] = await eventually(async () => {
        const rs = await responsesOf(visitor);
        return rs.length && rs[0].comment && rs;
      });
      assert.equal(String(r.score), chosen);
      assert.equal(r.comment, "Keyboard only");
      assert.ok(points > 0);
      await context.close();
    });
  }
});

test("a centred modal takes focus, traps Tab, and gives focus back on Escape", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${modalSite.url}/prompt.html`);
  await page.waitForFunction(() => window.__touchpoint === true);
  await page.click("#open-modal");
  const dialog = page.getByRole("dialog");
  await appears(dialog, 15_000);
  assert.equal(await dialog.getAttribute("aria-modal"), "true");
  const inside = () => page.evaluate(() => Boolean(document.querySelector("[data-touchpoint]")?.shadowRoot?.activeElement));
  assert.equal(await inside(), true, "focus moved into the modal");
  for (let i = 0; i < 16; i++) {
    await page.keyboard.press(i % 3 ? "Tab" : "Shift+Tab");
    assert.equal(await inside(), true, `focus left the modal after ${i + 1} Tab presses`);
  }
  await axe(page, "modal score");
  await page.keyboard.press("Escape");
  await page.locator("[data-touchpoint]").waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => document.activeElement?.id), "open-modal", "focus returned to the opener");
  await context.close();
});

test("works under a strict CSP (style-src 'self', no inline script)", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const warnings = consoleWarnings(page);
  await page.goto(`${cspSite.url}/csp.html`);
  const dialog = page.getByRole("dialog");
  await appears(dialog, 15_000);
  const styled = await dialog.evaluate((d) => getComputedStyle(d).position);
  assert.equal(styled, "fixed", "the constructable stylesheet applied");
  const visitor = await visitorOf(page);
  await dialog.getByRole("radio", { name: "10, extremely likely" }).check();
  await dialog.getByRole("button", { name: "Send" }).click();
  await dialog.getByRole("textbox").waitFor();
  assert.equal((await eventually(() => responsesOf(visitor).then((r) => r.length)))?.valueOf(), 1);
  assert.deepEqual(warnings.filter((w) => /Content Security Policy|Refused/i.test(w)), []);
  await context.close();
});

test("a hostile host stylesheet neither breaks the prompt nor is broken by it", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${site.url}/hostile.html`);
  const dialog = page.getByRole("dialog");
  await appears(dialog, 15_000);
  const box = await dialog.boundingBox();
  assert.ok(box.width >= 380 && box.width <= 420, `dialog width ${box.width}`);
  assert.ok(box.x + box.width <= 1280 && box.y + box.height <= 800 && box.y > 0, "inside the viewport");
  const fontSize = await dialog.evaluate((d) => parseFloat(getComputedStyle(d).fontSize));
  assert.equal(fontSize, 16, "html { font-size: 10px } does not shrink it");
  // On top of the page's own z-index 2147483646 overlay: a real click lands.
  const visitor = await visitorOf(page);
  await dialog.getByRole("radio", { name: "7", exact: true }).click();
  await dialog.getByRole("button", { name: "Send" }).click();
  await dialog.getByRole("textbox").waitFor();
  assert.equal(await eventually(() => responsesOf(visitor).then((r) => r.length)), 1);
  // The widget's styles do not leak: the page's .send/.q keep the page's look.
  const leak = await page.evaluate(() => [getComputedStyle(document.getElementById("page-send")).backgroundColor,
    getComputedStyle(document.querySelector("p.q")).fontWeight]);
  assert.deepEqual(leak, ["rgba(0, 0, 0, 0)", "400"]);
  await context.close();
});

test("narrow phones: every point is still a 44x44 target, in the bottom sheet and the centred modal", async () => {
  for (const width of [320, 360]) {
    for (const base of [site, modalSite]) {
      for (const [id, trigger, , points] of [VARIANTS[0], VARIANTS[4]]) {
        const where = `${id} at ${width} px, ${base === site ? "sheet" : "modal"}`;
        const { context, page, dialog } = await openPrompt({ viewport: { width, height: 640 }, phone: true, trigger, base });
        const radios = dialog.getByRole("radio");
        assert.equal(await radios.count(), points);
        for (let i = 0; i < points; i++) {
          const b = await radios.nth(i).boundingBox();
          assert.ok(b.width >= 44 && b.height >= 44, `${where}: point ${i} is ${b.width}x${b.height}`);
        }
        const box = await dialog.boundingBox();
        assert.ok(box.x >= 0 && box.x + box.width <= width, `${where}: inside the screen`);
        assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), true, `${where}: no horizontal scroll`);
        await context.close();
      }
    }
  }
});

test("a themed text or background colour stays readable in dark mode", async () => {
  for (const base of [themedSite, textOnlySite]) {
    for (const scheme of ["light", "dark"]) {
      const { context, dialog } = await openPrompt({ viewport: { width: 1280, height: 800 }, scheme, trigger: "open_nps", base });
      const ratios = await contrasts(dialog, [["question", ".q", "color"], ["end label", ".ends span", "color"],
        ["close", ".x", "color"], ["point", ".pt span", "color"]]);
      for (const [name, r] of Object.entries(ratios)) {
        assert.ok(r >= 4.5, `${base === themedSite ? "text and background" : "text only"}, ${scheme}: ${name} at ${r.toFixed(2)}:1`);
      }
      await context.close();
    }
  }
});

test("a brand colour that would not show is shaded: the chosen star and the focus ring reach 3:1", async () => {
  // A yellow brand on the light prompt, a dark teal one on the dark prompt.
  for (const [base, scheme] of [[yellowSite, "light"], [modalSite, "dark"]]) {
    const { context, page, dialog } = await openPrompt({ viewport: { width: 1280, height: 800 }, scheme, trigger: "open_csat_stars", base });
    await dialog.getByRole("radio").nth(3).check();
    await dialog.getByRole("radio").nth(3).focus();
    await page.keyboard.press("ArrowLeft"); // keyboard focus: the ring shows
    const chosen = ".pt input:checked + span";
    const ringStyle = await dialog.evaluate((panel, sel) => getComputedStyle(panel.querySelector(sel)).outlineStyle, chosen);
    assert.equal(ringStyle, "solid", "the focus ring is on the chosen point");
    const ratios = await contrasts(dialog, [["star", chosen, "color"], ["ring", chosen, "outlineColor"]]);
    assert.ok(ratios.star >= 3, `${scheme}: chosen star at ${ratios.star.toFixed(2)}:1`);
    assert.ok(ratios.ring >= 3, `${scheme}: focus ring at ${ratios.ring.toFixed(2)}:1`);
    await context.close();
  }
});

test("the comment field rides above the on-screen keyboard, and the sheet drops back when it goes", async () => {
  const { context, page, dialog } = await openPrompt({ viewport: { width: 375, height: 667 }, phone: true, trigger: "open_nps" });
  await dialog.getByRole("radio", { name: "8", exact: true }).tap();
  await dialog.getByRole("button", { name: "Send" }).tap();
  await dialog.getByRole("textbox").waitFor();
  // The keyboard as the browser reports it: the visual viewport shrinks
  // (Android: resize) or moves (iOS: scroll).
  const keyboard = (height, event) => page.evaluate(([h, e]) => {
    Object.defineProperty(visualViewport, "height", { configurable: true, get: () => h });
    visualViewport.dispatchEvent(new Event(e));
  }, [height, event]);
  const bottom = async () => { const b = await dialog.boundingBox(); return Math.round(b.y + b.height); };
  await keyboard(367, "resize");
  assert.equal(await bottom(), 367, "lifted above a 300 px keyboard");
  await keyboard(417, "scroll");
  assert.equal(await bottom(), 417, "follows the visual viewport when it only moves");
  await dialog.getByRole("textbox").fill("Quick checkout");
  await dialog.getByRole("button", { name: "Send" }).tap();
  await page.getByRole("status").waitFor();
  await keyboard(667, "resize");
  assert.equal(await bottom(), 667, "the thank-you note sits at the bottom once the keyboard is gone");
  await context.close();
});

test("the browser's languages are tried in order when the page names none", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Swedish first (no survey has it), then Arabic, then English.
  await context.addInitScript(() => Object.defineProperty(navigator, "languages", { get: () => ["sv-SE", "ar", "en"] }));
  const page = await context.newPage();
  await page.goto(`${site.url}/prompt.html?lang=none`);
  await page.evaluate(() => window.touchpoint("event", "open_nps"));
  const dialog = page.getByRole("dialog");
  await appears(dialog, 15_000);
  assert.equal(await dialog.getAttribute("lang"), "ar");
  assert.equal(await dialog.getAttribute("dir"), "rtl");
  await dialog.getByText(AR.question).waitFor();
  await context.close();
});

test("a page calling touchpoint() from its own focus listener while the prompt moves focus gets no error", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const warnings = consoleWarnings(page);
  // Analytics-style code reacting to focus changes: it puts them in the
  // URL and, when the comment field gets focus, asks to hear the response.
  await page.addInitScript(() => {
    let n = 0;
    document.addEventListener("focusin", (e) => {
      history.replaceState(null, "", `#focus-${++n}`);
      if (e.composedPath()[0].tagName === "TEXTAREA") {
        window.touchpoint("on", "response", (r) => (window.__heard = r.comment));
      }
    });
  });
  await page.goto(`${modalSite.url}/prompt.html`);
  await page.evaluate(() => window.touchpoint("event", "open_nps"));
  const dialog = page.getByRole("dialog");
  await appears(dialog, 15_000);
  const visitor = await page.evaluate(() => localStorage.getItem("touchpoint:v1:visitor"));
  await dialog.getByRole("radio", { name: "9", exact: true }).check();
  await dialog.getByRole("button", { name: "Send" }).click();
  // The prompt moves focus to the comment field: the page's listener runs
  // inside that move and calls back into the widget.
  await dialog.getByRole("textbox").fill("Fine");
  await dialog.getByRole("button", { name: "Send" }).click();
  await page.getByRole("status").waitFor();
  const [stored] = await eventually(async () => {
    const rs = (await exportEvents(collector, "modal")).filter((e) => e.visitor === visitor && e.type === "response");
    return rs.length && rs[0].comment && rs;
  });
  assert.equal(stored.comment, "Fine");
  assert.equal(await page.evaluate(() => window.__heard), "Fine", "the call made inside the focus move was applied");
  assert.deepEqual(warnings, []);
  await context.close();
});
