// The results dashboard as the team meets it: the real collector serving
// /dashboard/ under its CSP and the real stats API, known answers posted,
// headless Chromium reading them back, with axe-core on each view at a
// desktop and a phone width, light and dark.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ROOT, appears, consoleWarnings, demoConfig, exportEvents, launchBrowser, putSite, startCollector, startSite } from "./harness.mjs";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
const ORIGIN = "https://shop.example";
const SITE = "dash";
/** A touchpoint name is free text (at most 64 bytes): the dashboard must show it as text. */
const HOSTILE = `<img src=x onerror="window.__pwned=1">`;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 667 };
const SHOTS = join(ROOT, "tests", "artifacts", "screenshots");
const IMMEDIATE = { experiment: "nps-timing", variant: "immediate" };
const DELAYED = { experiment: "nps-timing", variant: "after-4s" };

let collector, browser, siteToken;

let seq = 0;
let ip = 0;
const ev = (survey, metric, type, score = null, over = {}) => ({ id: `dash-${Date.now()}-${++seq}`, type, survey,
  touchpoint: "checkout_completed", metric, score: type === "response" ? score : null, comment: null,
  visitor: `visitor-dash-${String(seq).padStart(4, "0")}`, ts: Date.now(), url: `${ORIGIN}/confirmation`, locale: "en", ...over });
const many = (n, f) => Array.from({ length: n }, f);

async function post(events) {
  const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
    headers: { Origin: ORIGIN, "Content-Type": "application/json", "CF-Connecting-IP": `198.51.100.${++ip}` },
    body: JSON.stringify({ site: SITE, events }) });
  const body = await res.json();
  assert.equal(res.status, 202, JSON.stringify(body));
  assert.deepEqual(body.rejected, []);
}

async function newToken(site) {
  const res = await fetch(`${collector.url}/v1/admin/sites/${site}/token`, { method: "POST",
    headers: { Authorization: `Bearer ${collector.token}` } });
  assert.equal(res.status, 201);
  return (await res.json()).token;
}

before(async () => {
  collector = await startCollector();
  await putSite(collector, SITE, await demoConfig(ORIGIN));
  await putSite(collector, "other", await demoConfig(ORIGIN));
  siteToken = await newToken(SITE);
  // NPS: 8 impressions, 1 dismiss; responses 10 9 6 (immediate) and 9 7 3 (after 4 s):
  // promoters 3, passives 1, detractors 2 -> NPS 16.7; response rate 6/8 = 75.0%.
  // immediate: (2 - 1)/3 -> 33.3; after-4s: (1 - 1)/3 -> 0.0.
  await post([
    ...many(4, () => ev("post-checkout-nps", "nps", "impression", null, IMMEDIATE)),
    ...[10, 9, 6].map((s) => ev("post-checkout-nps", "nps", "response", s, IMMEDIATE)),
    ev("post-checkout-nps", "nps", "dismiss", null, IMMEDIATE),
    ...many(4, () => ev("post-checkout-nps", "nps", "impression", null, DELAYED)),
    ...[9, 7, 3].map((s) => ev("post-checkout-nps", "nps", "response", s, DELAYED)),
  ]);
  // CSAT: 5 impressions, answers 5 4 3 1 -> 2 of 4 satisfied, 50.0%; rate 80.0%.
  // One answer comes from a touchpoint named like markup.
  const csat = { touchpoint: "help_article_read" };
  await post([
    ...many(5, () => ev("help-csat", "csat", "impression", null, csat)),
    ...[5, 4, 3].map((s) => ev("help-csat", "csat", "response", s, csat)),
    ev("help-csat", "csat", "response", 1, { touchpoint: HOSTILE }),
  ]);
  // CES: seen twice, never answered.
  await post(many(2, () => ev("checkout-ces", "ces", "impression", null, { touchpoint: "checkout_abandoned" })));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await collector?.stop();
});

/** A fresh tab on the dashboard; `problems` collects console errors, page errors and CSP violations. */
async function open({ query = `?site=${SITE}`, viewport = DESKTOP, scheme = "light", clock = false } = {}) {
  const context = await browser.newContext({ viewport, colorScheme: scheme });
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  if (clock) await page.clock.install();
  const problems = consoleWarnings(page);
  await page.goto(`${collector.url}/dashboard/${query}`);
  return { context, page, problems };
}

async function signIn(page, token = collector.token, site = SITE) {
  await page.getByLabel("Site id").fill(site);
  await page.getByLabel("Token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** The card of one survey, found by its heading. */
/** Clicks the download button named `button` and reads the file it saves: `{name, text}`. */
async function download(page, button = "Download events (CSV)") {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: button }).click()]);
  return { name: file.suggestedFilename(), text: await readFile(await file.path(), "utf8") };
}
const card = (page, survey) => page.locator("article", { has: page.getByRole("heading", { level: 3, name: survey, exact: true }) });

/** A group row's impressions, responses, response rate and score, without their intervals. */
async function cells(row) {
  return (await row.getByRole("cell").allInnerTexts()).slice(0, 4).map((t) => t.split(/\s*\(/)[0].trim());
}

/** No page error, console error or CSP violation; `allow` filters expected console lines (a refused token's 401). */
async function clean(page, problems, allow = /^$/) {
  const violations = await page.evaluate(() => window.__violations);
  assert.deepEqual(violations, [], "CSP violations");
  assert.deepEqual(problems.filter((p) => !allow.test(p)), [], "console errors or page errors");
}

async function axe(page, step) {
  // Evaluated through the DevTools protocol: the page's CSP refuses inline scripts.
  await page.evaluate(`${await readFile(AXE, "utf8")}\n;0`);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }));
  const found = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  assert.deepEqual(found, [], `axe violations: ${step}`);
}

test("/dashboard/ is served with its CSP and no inline code; /dashboard and the shop's /dashboard lead to it", async () => {
  const res = await fetch(`${collector.url}/dashboard/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /^text\/html/);
  const csp = res.headers.get("content-security-policy") ?? "";
  for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) {
    assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
  }
  const html = await res.text();
  assert.match(html, /<script type="module" src="dashboard\.js"><\/script>/);
  assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, "no inline script");
  assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, "no inline style or handler");
  const modules = ["dashboard.js", "readout.js", "chart.js", "format.js", "alerts.js", "download.js", "comments.js",
    "settings.js", "deliveries.js", "api.js", "privacy.js"];
  for (const [file, type] of [...modules.map((m) => [m, /javascript/]), ["dashboard.css", /^text\/css/]]) {
    const r = await fetch(`${collector.url}/dashboard/${file}`);
    assert.equal(r.status, 200, file);
    assert.match(r.headers.get("content-type"), type, file);
    await r.arrayBuffer();
  }
  const bare = await fetch(`${collector.url}/dashboard`, { redirect: "manual" });
  assert.ok([301, 302, 307, 308].includes(bare.status), `redirect status ${bare.status}`);
  assert.equal(new URL(bare.headers.get("location"), collector.url).pathname, "/dashboard/");
  const shop = await startSite({ collector, site: SITE });
  try {
    for (const path of ["/dashboard", "/dashboard/", "/dashboard/index.html", "/dashboard/dashboard.js"]) {
      const r = await fetch(shop.url + path, { redirect: "manual" });
      assert.equal(r.status, 302, path);
      assert.equal(r.headers.get("location"), `${collector.url}/dashboard/?site=${SITE}`, path);
    }
    assert.equal((await fetch(shop.url + "/")).status, 200, "the shop's own pages are still served");
  } finally {
    await shop.stop();
  }
});

test("the page runs under its CSP: an inline script is refused", async () => {
  const { context, page } = await open();
  try {
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.__inline = 1";
      document.head.append(s);
    });
    await page.waitForFunction(() => window.__violations.length > 0);
    assert.equal(await page.evaluate(() => window.__inline), undefined);
    assert.match((await page.evaluate(() => window.__violations))[0], /^script-src/);
  } finally {
    await context.close();
  }
});

test("signed in: each survey's card shows the numbers posted, the token never in the address", async () => {
  const { context, page, problems } = await open();
  try {
    assert.equal(await page.getByLabel("Site id").inputValue(), SITE, "site prefilled from ?site=");
    await page.getByLabel("Site id").fill("");
    await signIn(page);
    const nps = card(page, "post-checkout-nps");
    await appears(nps);
    const npsText = await nps.innerText();
    assert.match(npsText, /Net Promoter Score/);
    assert.match(npsText, /16\.7\s*NPS/);
    assert.match(npsText, /Promoters \(9–10\): 3 \(50\.0%\)/);
    assert.match(npsText, /Passives \(7–8\): 1 \(16\.7%\)/);
    assert.match(npsText, /Detractors \(0–6\): 2 \(33\.3%\)/);
    assert.match(npsText, /Responses\s+6\b/);
    assert.match(npsText, /Impressions\s+8\b/);
    assert.match(npsText, /Dismisses\s+1\b/);
    assert.match(npsText, /Response rate\s+75\.0%/);
    // The intervals the collector computes (adjusted Wald; Wilson for 6 of 8).
    assert.match(npsText, /95% CI -43\.9 to 66\.2/);
    assert.match(npsText, /Response rate\s+75\.0% \(95% CI 40\.9% to 92\.9%\)/);
    const csatText = await card(page, "help-csat").innerText();
    assert.match(csatText, /50\.0%\s*satisfied/);
    assert.match(csatText, /2 of 4 answered 4 or 5/);
    assert.match(csatText, /Response rate\s+80\.0%/);
    const cesText = await card(page, "checkout-ces").innerText();
    assert.match(cesText, /No responses yet\./);
    assert.match(cesText, /Impressions\s+2\b/);
    assert.match(cesText, /Response rate\s+0\.0%/);
    // help-csat-mobile never showed: its card says so, with zeros.
    const mobileText = await card(page, "help-csat-mobile").innerText();
    assert.match(mobileText, /No responses yet\./);
    assert.match(mobileText, /Impressions\s+0\b/);
    assert.match(mobileText, /Response rate\s+n\/a \(no impressions\)/);
    assert.equal(await page.locator("article").count(), 4);
    const all = await page.locator("main").innerText();
    assert.doesNotMatch(all, /\b(null|undefined|NaN)\b/);
    assert.equal(new URL(page.url()).search, `?site=${SITE}`);
    assert.ok(!page.url().includes(collector.token));
    assert.equal(await page.getByLabel("Token").isVisible(), false, "the sign-in form is gone");
    await clean(page, problems);
  } finally {
    await context.close();
  }
});

test("the site's threshold alerts are listed in words, firing first, waiting ones saying for what", async () => {
  // The demo configuration's alerts: post-checkout-nps below 30 with at
  // least 5 answers (6 answers, NPS 16.7: firing) and checkout-ces above
  // 4.5 with at least 20 (no answers: never judged).
  const { context, page, problems } = await open();
  try {
    await signIn(page);
    const list = page.getByRole("region", { name: "Alerts" }).getByRole("listitem");
    await appears(list.first());
    const items = await list.allInnerTexts();
    assert.equal(items.length, 3, items.join("\n"));
    assert.match(items[0], /^Firing: checkout-nps-drop \(post-checkout-nps\): score 16\.7 from 6 answers in the last 7 days \(fires when below 30, resolves at 40 or more\) since \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    assert.equal(items[1], "Waiting: checkout-too-hard (checkout-ces): waiting for 20 answers in 30 days; fires when the score is above 4.5");
    // A response-rate alert waits for impressions (the demo's NPS has 8 of the 20 it needs).
    assert.equal(items[2], "Waiting: checkout-nps-ignored (post-checkout-nps): waiting for 20 impressions in 7 days; " +
      "fires when the response rate is below 20%");
    assert.equal(await list.first().getAttribute("data-state"), "firing");

    // A response rate and impressions, once judged: 2 answers of 5 impressions.
    const config = await demoConfig(ORIGIN);
    config.alerts = [{ id: "rate", survey: "post-checkout-nps", measure: "response_rate", below: 50, min_responses: 5 },
      { id: "shown", survey: "post-checkout-nps", measure: "impressions", below: 1, days: 1 }];
    await putSite(collector, "watch", config);
    const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
      headers: { Origin: ORIGIN, "Content-Type": "application/json", "CF-Connecting-IP": `198.51.100.${++ip}` },
      body: JSON.stringify({ site: "watch", events: [...many(5, () => ev("post-checkout-nps", "nps", "impression")),
        ...[9, 10].map((s) => ev("post-checkout-nps", "nps", "response", s))] }) });
    assert.equal(res.status, 202);
    await page.getByRole("button", { name: "Sign out" }).click();
    assert.equal(await list.count(), 0, "signed out, no site's alerts stay on the page");
    await signIn(page, collector.token, "watch");
    await appears(list.getByText(/^Firing: rate/));
    const judged = await list.allInnerTexts();
    assert.match(judged[0], /^Firing: rate \(post-checkout-nps\): response rate 40\.0% \(2 answers of 5 impressions\) in the last 7 days \(fires when below 50%\) since \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    assert.match(judged[1], /^OK: shown \(post-checkout-nps\): shown 5 times in the last day \(fires when below 1\) since /);
    await clean(page, problems);
  } finally {
    await context.close();
  }
});

test("a period is compared with the one before it: said in words when there is nothing to compare", async () => {
  // Every answer here came in the last few minutes: the 7 days before the
  // last 7 hold none. (The figures of a change are the API's, checked in
  // stats.test.mjs; their wording is the variant difference's.)
  for (const scheme of ["light", "dark"]) {
    const { context, page, problems } = await open({ query: `?site=${SITE}&window=7`, scheme });
    try {
      await signIn(page);
      const nps = card(page, "post-checkout-nps");
      await appears(nps.getByRole("heading", { level: 4, name: "Compared with the previous 7 days" }));
      assert.match(await nps.innerText(), /No answers in the previous 7 days to compare with\./);
      assert.match(await nps.innerText(), /16\.7\s*NPS/, "the period's own figures as before");
      assert.equal(await page.getByRole("heading", { level: 4, name: /^Compared with/ }).count(), 4, "one per card");
      await page.getByLabel("Period").selectOption("all");
      await appears(page.getByText("Updated at"));
      await page.waitForFunction(() => !document.querySelector(".change"));
      await page.getByLabel("Period").selectOption("30");
      await appears(nps.getByRole("heading", { level: 4, name: "Compared with the previous 30 days" }));
      await axe(page, `compared, ${scheme}`);
      await clean(page, problems);
    } finally {
      await context.close();
    }
  }
});

test("grouped, each group is compared with itself in the period before", async () => {
  // A site of its own: three detractors ten days ago, three promoters now, all on desktops.
  const site = "trend";
  await putSite(collector, site, await demoConfig(ORIGIN));
  const send = async (scores) => {
    const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
      headers: { Origin: ORIGIN, "Content-Type": "application/json", "CF-Connecting-IP": `198.51.100.${++ip}` },
      body: JSON.stringify({ site, events: scores.map((s) => ev("post-checkout-nps", "nps", "response", s)) }) });
    assert.equal(res.status, 202);
  };
  await send([0, 0, 0]);
  await collector.sql(`UPDATE events SET received_at = received_at - ${10 * 86_400_000} WHERE site = '${site}'`);
  await send([10, 10, 10]);
  const { context, page, problems } = await open({ query: `?site=${site}&window=7&group_by=device` });
  try {
    await signIn(page, collector.token, site);
    const table = card(page, "post-checkout-nps").getByRole("table", { name: "post-checkout-nps by device" });
    await appears(table);
    assert.ok(await table.getByRole("columnheader", { name: "Change since the previous 7 days" }).isVisible());
    const [row] = await table.getByRole("row", { name: /desktop/ }).all();
    const cells = await row.getByRole("cell").allInnerTexts();
    assert.match(cells.at(-1), /^NPS: \+200\.0 points \(95% CI [\d.]+ to [\d.]+\): higher than the previous 7 days \(95% CI excludes 0\)$/m);
    await axe(page, "groups compared with the period before");
    await clean(page, problems);
  } finally {
    await context.close();
  }
});

test("Download events (CSV): every event of the period in a file a spreadsheet opens, no formula run", async () => {
  // Events of their own on the "other" site: a comment that a spreadsheet
  // would run as a formula, with a quote, a comma and a line break, an
  // impression, and an answer to another survey.
  const formula = '=HYPERLINK("https://evil.example","click"), then\n"more"';
  const events = [ev("help-csat", "csat", "response", 2, { comment: formula, attributes: { plan: "pro" } }),
    ev("help-csat", "csat", "impression"), ev("post-checkout-nps", "nps", "response", 9)];
  const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
    headers: { Origin: ORIGIN, "Content-Type": "application/json", "CF-Connecting-IP": `198.51.100.${++ip}` },
    body: JSON.stringify({ site: "other", events }) });
  assert.equal(res.status, 202);
  const { context, page, problems } = await open({ query: "?site=other" });
  try {
    await signIn(page, collector.token, "other");
    await appears(card(page, "help-csat"));
    const { name, text } = await download(page);
    assert.match(name, /^touchpoint-other-\d{4}-\d\d-\d\d\.csv$/);
    assert.ok(text.startsWith("\ufeffreceived_at,type,survey,touchpoint,metric,scale,score,comment,"), "a BOM, then the header");
    const lines = text.slice(1).split("\r\n");
    assert.equal(lines.at(-1), "", "CRLF after the last line");
    // Records end with CRLF; the comment keeps its own line break, inside its quotes.
    assert.equal(lines.length, 1 + 3 + 1, JSON.stringify(lines));
    const response = lines.find((l) => l.includes(",response,"));
    assert.ok(response.includes(`,"'=HYPERLINK(""https://evil.example"",""click""), then`),
      `the formula is text, quotes doubled: ${response}`);
    assert.ok(response.includes('then\n""more"""'), "the line break kept, the last quote doubled and closed");
    assert.match(response, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,response,help-csat,checkout_completed,csat,,2,/);
    assert.ok(text.includes(`"{""plan"":""pro""}"`), "attributes as JSON text");
    assert.ok(lines.some((l) => /,impression,help-csat,checkout_completed,csat,,,,/.test(l)));
    await appears(page.getByRole("status").getByText(/Downloaded touchpoint-other-.*: 3 events\./));
    // One survey's events only, when one is chosen.
    await page.getByLabel("Survey").selectOption("help-csat");
    await page.waitForFunction(() => document.querySelectorAll("article").length === 1);
    const one = await download(page);
    assert.match(one.name, /^touchpoint-other-help-csat-\d{4}-\d\d-\d\d\.csv$/);
    const only = one.text.slice(1).split("\r\n").slice(1, -1);
    assert.deepEqual(only.map((l) => l.split(",")[2]), ["help-csat", "help-csat"]);
    await appears(page.getByRole("status").getByText(/: 2 events\./));
    await clean(page, problems);
  } finally {
    await context.close();
  }
});

test("Download events (CSV) over several export pages: every event once, under one header", async () => {
  // 5,050 events: the export answers 5,000 a page, so the file is put
  // together from two pages.
  await putSite(collector, "paged", await demoConfig(ORIGIN));
  const batches = many(101, (_, b) => many(50, (_, i) =>
    ev("help-csat", "csat", "response", 1 + ((b + i) % 5), { id: `paged-${b}-${i}` })));
  for (let b = 0; b < batches.length; b += 10) {
    await Promise.all(batches.slice(b, b + 10).map(async (events, i) => {
      const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
        headers: { Origin: ORIGIN, "Content-Type": "application/json", "CF-Connecting-IP": `203.0.113.${b + i + 1}` },
        body: JSON.stringify({ site: "paged", events }) });
      assert.equal(res.status, 202, await res.text());
    }));
  }
  const { context, page, problems } = await open({ query: "?site=paged" });
  try {
    await signIn(page, collector.token, "paged");
    await appears(card(page, "help-csat"));
    const { text } = await download(page);
    assert.ok(text.startsWith("\ufeffreceived_at,type,"), "one BOM and header, first");
    assert.ok(text.endsWith("\r\n") && !text.includes("\r\n\r\n"), "no empty line where the pages meet");
    const rows = text.slice(1).split("\r\n").slice(1, -1);
    const ids = rows.map((l) => l.split(",")[15]);
    assert.equal(rows.length, 5050);
    assert.equal(new Set(ids).size, 5050, "every event once");
    assert.ok(ids.every((id) => /^paged-\d+-\d+$/.test(id)), "no header or broken line among the events");
    await appears(page.getByRole("status").getByText("Downloaded touchpoint-paged-", { exact: false }));
    await appears(page.getByRole("status").getByText(/: 5,050 events\./));
    await clean(page, problems);
  } finally {
    await context.close();
  }
});

test("a refused token shows the refused message and no numbers; an unknown site says so", async () => {
  const { context, page, problems } = await open();
  try {
    const status = page.getByRole("status");
    await signIn(page, "not-the-token");
    await appears(status.getByText(/token was refused/));
    assert.equal(await page.locator("article").count(), 0);
    assert.doesNotMatch(await page.locator("main").innerText(), /16\.7|50\.0%/);
    assert.ok(await page.getByLabel("Token").isVisible(), "the sign-in form stays");
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, "a refused token is not kept");
    // Another site's token: 403, refused just the same.
    await signIn(page, await newToken("other"));
    await appears(status.getByText(/token was refused.*another site/));
    assert.equal(await page.locator("article").count(), 0);
    // The operator's token on a site that does not exist.
    await signIn(page, collector.token, "no-such-site");
    await appears(status.getByText('No such site: "no-such-site"'));
    assert.equal(await page.locator("article").count(), 0);
    await clean(page, problems, /status of 40[134]/);
  } finally {
    await context.close();
  }
});

test("sign-in (with the site's own token) survives a reload; Sign out forgets it", async () => {
  const { context, page, problems } = await open();
  try {
    await signIn(page, siteToken);
    await appears(card(page, "post-checkout-nps"));
    await page.reload();
    await appears(card(page, "post-checkout-nps"));
    assert.equal(await page.getByLabel("Token").isVisible(), false);
    assert.match(await card(page, "post-checkout-nps").innerText(), /16\.7\s*NPS/);
    await page.getByRole("button", { name: "Sign out" }).click();
    await appears(page.getByLabel("Token"));
    assert.equal(await page.locator("article").count(), 0);
    assert.ok(!(await page.evaluate(() => JSON.stringify(sessionStorage))).includes(siteToken));
    await page.reload();
    await appears(page.getByLabel("Token"));
    assert.equal(await page.locator("article").count(), 0);
    assert.equal(await page.getByLabel("Site id").inputValue(), SITE);
    await clean(page, problems);
  } finally {
    await context.close();
  }
});

test("group by variant: a row per variant by name, in an address that can be shared (never with the token)", async () => {
  const { context, page, problems } = await open();
  try {
    await signIn(page);
    await appears(card(page, "post-checkout-nps"));
    await page.getByLabel("Group by").selectOption("variant");
    const nps = card(page, "post-checkout-nps");
    const immediate = nps.getByRole("row", { name: /nps-timing \/ immediate/ });
    const delayed = nps.getByRole("row", { name: /nps-timing \/ after-4s/ });
    await appears(immediate);
    assert.ok(await nps.getByRole("rowheader", { name: "nps-timing / immediate", exact: true }).isVisible());
    assert.ok(await nps.getByRole("columnheader", { name: "Response rate" }).isVisible());
    assert.deepEqual(await cells(immediate), ["4", "3", "75.0%", "33.3"]);
    assert.deepEqual(await cells(delayed), ["4", "3", "75.0%", "0.0"]);
    // Each variant's score with its interval, and after-4s against the
    // baseline: three answers each tell nothing yet.
    assert.match((await immediate.getByRole("cell").allInnerTexts())[3], /^33\.3 \(95% CI -51\.3 to 84\.7\)$/);
    const versus = (await delayed.getByRole("cell").allInnerTexts())[4];
    assert.match(versus, /Response rate: 0\.0 points \(95% CI -53\.3 to 53\.3\): no clear difference yet/);
    assert.match(versus, /NPS: -33\.3 points \(95% CI -108\.1 to 74\.8\): no clear difference yet/);
    // And how many answers would tell: immediate's three are too few to plan on, so NPS's largest spread.
    assert.match(versus, /To show a 10-point NPS difference 80% of the times it is real: about 1,570 answers a variant \(this one has 3\)\./);
    assert.equal((await immediate.getByRole("cell").allInnerTexts())[4], "Baseline");
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "dashboard-variant.png"), fullPage: true });
    // Outside any experiment: the CSAT answers.
    assert.ok(await card(page, "help-csat").getByRole("rowheader", { name: "(none)", exact: true }).isVisible());
    const asking = page.waitForRequest((r) => r.url().includes("/stats?") && r.url().includes("from="));
    await page.getByLabel("Period").selectOption("30");
    const asked = await asking;
    const from = Number(new URL(asked.url()).searchParams.get("from"));
    assert.ok(Math.abs(from - (Date.now() - 30 * 86_400_000)) < 60_000, `from = now - 30 days: ${from}`);
    assert.equal(new URL(asked.url()).searchParams.get("group_by"), "variant");
    await appears(immediate);
    const address = new URL(page.url());
    assert.deepEqual(Object.fromEntries(address.searchParams), { site: SITE, group_by: "variant", window: "30" });
    assert.ok(!page.url().includes(collector.token));
    await clean(page, problems);

    // The shared address in another browser: sign in, and the same view.
    const other = await open({ query: address.search });
    try {
      assert.equal(await other.page.getByLabel("Site id").inputValue(), SITE);
      await signIn(other.page);
      await appears(card(other.page, "post-checkout-nps").getByRole("rowheader", { name: "nps-timing / after-4s" }));
      assert.equal(await other.page.getByLabel("Group by").inputValue(), "variant");
      assert.equal(await other.page.getByLabel("Period").inputValue(), "30");
      await clean(other.page, other.problems);
    } finally {
      await other.context.close();
    }

    // Another difference to plan for: asked for once one survey's variants are compared.
    assert.equal(await page.getByLabel("Difference to plan for").isVisible(), false);
    await page.getByLabel("Survey").selectOption("post-checkout-nps");
    await appears(page.getByLabel("Difference to plan for"));
    const planned = page.waitForRequest((r) => r.url().includes("/stats?") && r.url().includes("difference=20"));
    await page.getByLabel("Difference to plan for").fill("20");
    await page.getByLabel("Difference to plan for").press("Tab");
    await planned;
    // 1,569.8 (10/20)^2 = 392.4 -> 393.
    await appears(nps.getByText(/To show a 20-point NPS difference 80% of the times it is real: about 393 answers a variant/));
    assert.equal(new URL(page.url()).searchParams.get("difference"), "20");
    await axe(page, "planning another difference");
    await page.getByLabel("Group by").selectOption("device");
    assert.equal(await page.getByLabel("Difference to plan for").isVisible(), false, "only for variants");
    assert.equal(new URL(page.url()).searchParams.get("difference"), null);
    await clean(page, problems);
  } finally {
    await context.close();
  }
});

test("group by touchpoint: a touchpoint named like markup is shown as text and nothing runs", async () => {
  const { context, page, problems } = await open({ query: `?site=${SITE}&group_by=touchpoint` });
  try {
    await signIn(page);
    const csat = card(page, "help-csat");
    await appears(csat.getByRole("rowheader", { name: HOSTILE, exact: true }));
    assert.ok(await csat.getByRole("rowheader", { name: "help_article_read", exact: true }).isVisible());
    assert.equal(await page.locator("main img").count(), 0, "no element made from the value");
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await clean(page, problems);
  } finally {
    await context.close();
  }
});

test("group by a visitor attribute: its name asked for, a row per value, kept in the address", async () => {
  // A site of its own: answers of two plans and one without.
  await putSite(collector, "seg", await demoConfig(ORIGIN));
  const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
    headers: { Origin: ORIGIN, "Content-Type": "application/json", "CF-Connecting-IP": `198.51.100.${++ip}` },
    body: JSON.stringify({ site: "seg", events: [
      ...[10, 9].map((s) => ev("post-checkout-nps", "nps", "response", s, { attributes: { plan: "pro" } })),
      ev("post-checkout-nps", "nps", "response", 2, { attributes: { plan: "free" } }),
      ev("post-checkout-nps", "nps", "response", 8),
      // An attribute with a value per answer: 22 values, more than the read-out lists one by one.
      ...Array.from({ length: 22 }, (_, i) => ev("post-checkout-nps", "nps", "response", 7,
        { attributes: { order: `o${String(i).padStart(2, "0")}` } }))] }) });
  assert.equal(res.status, 202, await res.text());
  const { context, page, problems } = await open({ query: "?site=seg" });
  try {
    await signIn(page, collector.token, "seg");
    const nps = card(page, "post-checkout-nps");
    await appears(nps);
    assert.equal(await page.getByLabel("Attribute name").isVisible(), false, "asked for only when grouping by one");
    const asked = [];
    page.on("request", (r) => r.url().includes("/stats") && asked.push(new URL(r.url()).searchParams.get("group_by")));
    await page.getByLabel("Group by").selectOption("attribute");
    await appears(page.getByLabel("Attribute name"));
    assert.equal(await page.evaluate(() => document.activeElement.id), "attribute", "the name is asked for at once");
    await page.waitForTimeout(300);
    assert.deepEqual(asked, [], "no read-out is asked for without the name");
    await page.keyboard.type("plan");
    await page.keyboard.press("Enter");
    const table = nps.getByRole("table", { name: "post-checkout-nps by attribute plan" });
    await appears(table);
    const rows = await table.getByRole("rowheader").allInnerTexts();
    assert.deepEqual(rows, ["(none)", "free", "pro"]);
    assert.ok(asked.includes("attributes.plan"), asked.join());
    assert.match(new URL(page.url()).search, /[?&]group_by=attributes\.plan(&|$)/);
    await axe(page, "grouped by an attribute");
    await page.reload();
    await appears(nps.getByRole("table", { name: "post-checkout-nps by attribute plan" }));
    assert.equal(await page.getByLabel("Attribute name").inputValue(), "plan", "the view comes back from the address");
    await page.getByLabel("Attribute name").fill("order");
    await page.getByLabel("Attribute name").press("Enter");
    const orders = nps.getByRole("table", { name: "post-checkout-nps by attribute order" });
    await appears(orders);
    const heads = await orders.getByRole("rowheader").allInnerTexts();
    assert.equal(heads.length, 22, heads.join());
    assert.deepEqual([heads[0], heads[1], heads[20], heads[21]], ["(none)", "o00", "o19", "2 other values"]);
    await page.getByLabel("Attribute name").fill("not a name");
    await page.getByLabel("Attribute name").press("Tab");
    await appears(page.getByRole("status").getByText("An attribute name is 1-64 letters, digits, - or _."));
    await clean(page, problems);
  } finally {
    await context.close();
  }
});

test("group by day: charts of responses and score per day with text alternatives, and the table", async () => {
  const { context, page, problems } = await open({ query: `?site=${SITE}&group_by=day` });
  try {
    await signIn(page);
    const nps = card(page, "post-checkout-nps");
    const today = new Date().toISOString().slice(0, 10);
    await appears(nps.getByRole("rowheader", { name: today }));
    const responses = nps.getByRole("img", { name: /responses per day/ });
    const score = nps.getByRole("img", { name: /NPS per day/ });
    assert.ok(await responses.isVisible());
    assert.ok(await score.isVisible());
    assert.match(await responses.locator("desc").textContent(), /6 responses in total/);
    assert.match(await score.locator("desc").textContent(), /NPS from 16\.7/);
    assert.equal(await responses.locator("rect").count(), 1, "one bar per day");
    assert.equal(await score.locator("circle").count(), 1, "one point per day");
    assert.deepEqual(await cells(nps.getByRole("row", { name: new RegExp(today) })), ["8", "6", "75.0%", "16.7"]);
    await clean(page, problems);
  } finally {
    await context.close();
  }
});

test("survey control lists the site's surveys; a refused parameter shows the API's message and field", async () => {
  const { context, page, problems } = await open();
  try {
    await signIn(page);
    await appears(card(page, "post-checkout-nps"));
    const options = await page.getByLabel("Survey").locator("option").allTextContents();
    assert.deepEqual(options, ["All surveys", "post-checkout-nps", "help-csat", "help-csat-mobile", "checkout-ces"]);
    await page.getByLabel("Survey").selectOption("help-csat");
    await page.waitForFunction(() => document.querySelectorAll("article").length === 1);
    assert.match(await card(page, "help-csat").innerText(), /50\.0%\s*satisfied/);
    assert.equal(new URL(page.url()).searchParams.get("survey"), "help-csat");
    assert.deepEqual(await page.getByLabel("Survey").locator("option").allTextContents(), options, "the others stay choosable");
    // A hand-edited address the API refuses.
    await page.goto(`${collector.url}/dashboard/?site=${SITE}&survey=no%20such`);
    await appears(page.getByRole("status").getByText(/refused the request: a survey id.*\(parameter: survey\)/));
    assert.equal(await page.locator("article").count(), 0);
    await clean(page, problems, /status of 400/);
  } finally {
    await context.close();
  }
});

test("What people said: comments newest first, narrowed by how the answer felt and by words, older ones on request", async () => {
  // A site of its own: 21 promoters who wrote something, then a detractor
  // whose comment is markup, then an unhappy CSAT answer (newest).
  await putSite(collector, "said", await demoConfig(ORIGIN));
  const postSaid = async (events) => {
    const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
      headers: { Origin: ORIGIN, "Content-Type": "application/json", "CF-Connecting-IP": `198.51.100.${++ip}` },
      body: JSON.stringify({ site: "said", events }) });
    assert.equal(res.status, 202, await res.text());
    await new Promise((r) => setTimeout(r, 5));
  };
  for (let i = 1; i <= 21; i++) await postSaid([ev("post-checkout-nps", "nps", "response", 9, { comment: `Fast delivery #${i}` })]);
  await postSaid([ev("post-checkout-nps", "nps", "response", 2, { comment: `${HOSTILE} Late!` })]);
  await postSaid([ev("help-csat", "csat", "response", 2, { comment: "Rude support", touchpoint: "help_article_read" })]);
  for (const [viewport, scheme] of [[DESKTOP, "light"], [PHONE, "dark"]]) {
    const { context, page, problems } = await open({ query: "?site=said", viewport, scheme });
    try {
      await signIn(page, collector.token, "said");
      const region = page.getByRole("region", { name: "What people said" });
      const items = region.getByRole("listitem");
      await appears(items.first());
      assert.equal(await items.count(), 20, "a page at a time");
      const lines = async () => (await items.allInnerTexts()).map((t) => t.replace(/\n+/g, "\n"));
      const first = await lines();
      assert.match(first[0], /^Rude support\nCSAT 2\/5 \(low\) · help-csat at help_article_read · \d{4}-\d\d-\d\d \d\d:\d\d UTC · desktop(?: · [A-Z]{2})? · en$/);
      assert.match(first[1], /^<img src=x onerror="window.__pwned=1"> Late!\nNPS 2\/10 \(detractor\) · post-checkout-nps at checkout_completed/);
      assert.match(first[2], /^Fast delivery #21\nNPS 9\/10 \(promoter\)/);
      assert.match(await region.getByRole("status").innerText(), /^Showing 20 comments; there are older ones\.$/);
      await axe(page, `comments, ${viewport.width}x${viewport.height} ${scheme}`);
      await mkdir(SHOTS, { recursive: true });
      await region.screenshot({ path: join(SHOTS, `dashboard-comments-${viewport.width}-${scheme}.png`) });
      await region.getByRole("button", { name: "Show older comments" }).click();
      await appears(items.nth(22));
      assert.equal(await items.count(), 23);
      assert.match((await lines())[22], /^Fast delivery #1\n/);
      assert.equal(await region.getByRole("button", { name: "Show older comments" }).isVisible(), false, "no more to show");

      await region.getByLabel("Answers").selectOption({ label: "Unhappy (NPS 0-6, CSAT 1-3, hard CES)" });
      await appears(region.getByRole("status").getByText("Showing 2 matching comments."));
      assert.deepEqual((await lines()).map((t) => t.split("\n")[0]),
        ["Rude support", `${HOSTILE} Late!`]);
      await region.getByLabel("Containing").fill("RUDE");
      await region.getByLabel("Containing").press("Enter");
      await appears(region.getByRole("status").getByText("Showing 1 matching comment."));
      assert.equal(new URL(page.url()).search, "?site=said&comments=unhappy&q=RUDE", "the view can be shared");
      await page.reload();
      await appears(region.getByRole("status").getByText("Showing 1 matching comment."));
      assert.equal(await region.getByLabel("Containing").inputValue(), "RUDE");
      await region.getByLabel("Containing").fill("nobody wrote this");
      await region.getByRole("button", { name: "Show comments" }).click();
      await appears(region.getByRole("status").getByText("No matching comments in this period yet."));
      assert.equal(await items.count(), 0);
      assert.equal(await page.evaluate(() => window.__pwned), undefined, "a comment never runs");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no sideways scrolling: ${overflow}px too wide`);
      await clean(page, problems);
    } finally {
      await context.close();
    }
  }
});

test("Site configuration: edited as JSON and saved; problems listed by field; a save after someone else's is refused, nothing lost", async () => {
  const site = "conf";
  await putSite(collector, site, await demoConfig(ORIGIN));
  const publicQuestion = async () =>
    (await (await fetch(`${collector.url}/v1/sites/${site}/config`)).json()).surveys[0].question.en;
  const { context, page, problems } = await open({ query: `?site=${site}` });
  try {
    await signIn(page, await newToken(site), site);
    await appears(card(page, "post-checkout-nps"));
    const editor = page.getByRole("group").filter({ has: page.getByText("Site configuration", { exact: true }) });
    const text = page.getByLabel("Configuration (JSON)");
    const result = page.locator("#config-result");
    assert.equal(await text.isVisible(), false, "closed until asked for");
    // The first read fails (the network): what is typed then is never saved blind, nor replaced.
    await page.route(`**/v1/admin/sites/${site}`, (r) => r.abort(), { times: 1 });
    await page.getByText("Site configuration", { exact: true }).click();
    await appears(result.getByText(/^Could not reach the collector/));
    await text.fill('{"typed": "before any read"}');
    await page.getByRole("button", { name: "Save configuration" }).click();
    await appears(result.getByText("Press Reload first: a save names the version it changes."));
    assert.equal(await text.inputValue(), '{"typed": "before any read"}');
    await page.getByRole("button", { name: "Reload" }).click();
    await appears(result.getByText("Loaded. Edit it and press Save configuration."));
    const loaded = JSON.parse(await text.inputValue());
    assert.equal(loaded.surveys[0].id, "post-checkout-nps");

    // An edit, saved: visitors' configuration has it.
    loaded.surveys[0].question.en = "Would you recommend Conf to a friend?";
    await text.fill(JSON.stringify(loaded, null, 2));
    await page.getByRole("button", { name: "Save configuration" }).click();
    await appears(result.getByText(/^Saved at \d\d:\d\d:\d\d\. Visitors' widgets get it within about a minute\.$/));
    assert.equal(await publicQuestion(), "Would you recommend Conf to a friend?");

    // Problems are listed by field, and nothing is saved.
    const bad = { ...loaded, origins: ["https://ok.example/path"], surveys: [{ ...loaded.surveys[0], scale: 7 }, ...loaded.surveys.slice(1)] };
    await text.fill(JSON.stringify(bad, null, 2));
    await page.getByRole("button", { name: "Save configuration" }).click();
    await appears(result.getByText("Not saved: 2 problems to fix."));
    const listed = await page.locator("#config-errors li").allInnerTexts();
    assert.equal(listed.length, 2, listed.join("\n"));
    assert.match(listed[0], /^origins\[0\]: /);
    assert.match(listed[1], /^surveys\[0\]\.scale: /);
    await axe(page, "configuration problems listed");
    await text.fill(JSON.stringify(loaded, null, 2).replace('"metric": "nps"', '"metric": "stars"'));
    await page.getByRole("button", { name: "Save configuration" }).click();
    await appears(page.locator("#config-errors li").getByText(/^surveys\[0\]\.metric: /));
    assert.equal(await publicQuestion(), "Would you recommend Conf to a friend?");

    // Someone else saves while this editor is open: this save is refused, theirs kept, this text too.
    await page.getByRole("button", { name: "Reload" }).click();
    await appears(result.getByText("Loaded. Edit it and press Save configuration."));
    const theirs = structuredClone(loaded);
    theirs.surveys[0].question.en = "Changed by someone else?";
    await putSite(collector, site, theirs);
    const mine = structuredClone(loaded);
    mine.surveys[0].question.en = "My late edit?";
    await text.fill(JSON.stringify(mine, null, 2));
    await page.getByRole("button", { name: "Save configuration" }).click();
    await appears(result.getByText(/^Someone saved the configuration after you loaded it/));
    assert.equal(await publicQuestion(), "Changed by someone else?");
    assert.match(await text.inputValue(), /My late edit\?/, "the edit stays to be copied");
    await page.getByRole("button", { name: "Reload" }).click();
    await appears(result.getByText("Loaded. Edit it and press Save configuration."));
    assert.match(await text.inputValue(), /Changed by someone else\?/);

    // Signing out empties the editor: it holds the webhooks' secrets.
    await page.getByRole("button", { name: "Sign out" }).click();
    assert.equal(await page.evaluate(() => document.getElementById("config-text").value), "");
    assert.equal(await editor.count(), 0, "hidden with the results");
    await clean(page, problems, /status of 4(00|12)|ERR_FAILED/);
  } finally {
    await context.close();
  }
});

test("failed webhook deliveries are shown, with a button that sends every one again", async () => {
  // 130 deliveries that failed every retry, as the dead-letter consumer stores them
  // (to a webhook since removed: sent again, they are dropped, not retried).
  await putSite(collector, "dl", await demoConfig(ORIGIN));
  const oldest = Date.UTC(2026, 10, 20, 9, 30);
  const events = (i) => JSON.stringify([ev("post-checkout-nps", "nps", "response", 3, { id: `dl-event-${i}` })]);
  const rows = Array.from({ length: 130 }, (_, i) => `('dl-letter-${i}', 'dl', 'https://gone.example/hook', '${events(i)}', ${oldest + i})`);
  await collector.sql(`INSERT INTO dead_letters (id, site, url, events, failed_at) VALUES ${rows.join(", ")}`);
  const { context, page, problems } = await open({ query: "?site=dl" });
  try {
    await signIn(page, collector.token, "dl");
    const box = page.getByRole("region", { name: "Webhook deliveries" });
    await appears(box);
    assert.equal(await box.getByRole("status").innerText(), "130 deliveries to the site's webhooks failed every retry. " +
      "The oldest, to https://gone.example/hook, failed on 2026-11-20 09:30 UTC. Once the receiver works again, send them again.");
    await axe(page, "failed deliveries");
    await box.getByRole("button", { name: "Send failed deliveries again" }).click();
    await appears(box.getByText(/^130 deliveries are on their way again\./));
    assert.equal(await box.getByRole("button").isVisible(), false);
    const left = await (await fetch(`${collector.url}/v1/admin/sites/dl/dead-letters`,
      { headers: { Authorization: `Bearer ${collector.token}` } })).json();
    assert.equal(left.total, 0, "every one taken, a hundred a call");
    // A site without failed deliveries shows nothing of the kind.
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(page, collector.token, SITE);
    await appears(card(page, "post-checkout-nps"));
    assert.equal(await page.getByRole("region", { name: "Webhook deliveries" }).count(), 0);
    await clean(page, problems);
  } finally {
    await context.close();
  }
});

test("axe-core: no violations signed out, by variant and by day, 1280x800 and 375x667, light and dark", async () => {
  for (const viewport of [DESKTOP, PHONE]) {
    for (const scheme of ["light", "dark"]) {
      const where = `${viewport.width}x${viewport.height} ${scheme}`;
      const { context, page, problems } = await open({ viewport, scheme });
      try {
        await appears(page.getByLabel("Token"));
        await axe(page, `sign-in, ${where}`);
        await signIn(page, "not-the-token");
        await appears(page.getByRole("status").getByText(/token was refused/));
        await axe(page, `refused token, ${where}`);
        await signIn(page);
        await appears(card(page, "post-checkout-nps"));
        await appears(page.getByRole("region", { name: "Alerts" }).getByRole("listitem").first());
        await page.getByLabel("Group by").selectOption("variant");
        await appears(page.getByRole("rowheader", { name: "nps-timing / immediate" }));
        await axe(page, `by variant, ${where}`);
        await page.getByLabel("Group by").selectOption("day");
        await appears(page.getByRole("img", { name: /post-checkout-nps: responses per day/ }));
        await axe(page, `by day, ${where}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `no sideways scrolling at ${where}: ${overflow}px too wide`);
        await clean(page, problems, /status of 401/);
      } finally {
        await context.close();
      }
    }
  }
});

test("keyboard: sign in, change the grouping and refresh without a mouse, with a visible focus", async () => {
  const { context, page, problems } = await open();
  try {
    await page.keyboard.press("Tab"); // no sign-out button while signed out: the site id comes first
    assert.equal(await page.evaluate(() => document.activeElement.id), "site");
    await page.keyboard.press("Tab");
    await page.keyboard.type(collector.token);
    await page.keyboard.press("Enter");
    await appears(card(page, "post-checkout-nps"));
    assert.equal(await page.evaluate(() => document.activeElement.id), "results-heading", "focus moves to the results");
    const outline = async () => page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    await page.keyboard.press("Tab"); // Period
    await page.keyboard.press("Tab"); // Survey
    await page.keyboard.press("Tab"); // Group by
    assert.equal(await page.evaluate(() => document.activeElement.id), "group-by");
    assert.equal(await outline(), "solid", "a visible focus indicator");
    await page.keyboard.press("ArrowDown"); // None -> Experiment variant
    await appears(page.getByRole("rowheader", { name: "nps-timing / immediate" }));
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.textContent), "Refresh");
    assert.equal(await outline(), "solid");
    const asked = page.waitForRequest((r) => r.url().includes("/stats?group_by=variant"));
    await page.keyboard.press("Enter");
    await asked;
    await clean(page, problems);
  } finally {
    await context.close();
  }
});

// Last: it adds answers.
test("Refresh, and the refresh every minute, show answers posted meanwhile", async () => {
  const { context, page, problems } = await open({ clock: true });
  try {
    await signIn(page);
    const csat = card(page, "help-csat");
    await appears(csat.getByText("2 of 4 answered 4 or 5"));
    await post([ev("help-csat", "csat", "response", 5, { touchpoint: "help_article_read" })]);
    await page.getByRole("button", { name: "Refresh" }).click();
    await appears(csat.getByText("3 of 5 answered 4 or 5"));
    assert.match(await csat.innerText(), /60\.0%\s*satisfied/);
    await post([ev("help-csat", "csat", "response", 4, { touchpoint: "help_article_read" })]);
    await page.clock.runFor(30_000);
    await page.waitForTimeout(1000);
    assert.match(await csat.innerText(), /3 of 5 answered/, "not before the minute");
    await page.clock.runFor(31_000);
    await appears(csat.getByText("4 of 6 answered 4 or 5"));
    assert.match(await csat.innerText(), /66\.7%\s*satisfied/);
    await clean(page, problems);
  } finally {
    await context.close();
  }
});

test("Privacy request: one visitor's events downloaded, then erased once confirmed; others kept", async () => {
  const site = "priv";
  await putSite(collector, site, await demoConfig(ORIGIN));
  const asked = "visitor-priv-asked";
  const kept = "visitor-priv-other";
  const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
    headers: { Origin: ORIGIN, "Content-Type": "application/json", "CF-Connecting-IP": `198.51.100.${++ip}` },
    body: JSON.stringify({ site, events: [
      ev("post-checkout-nps", "nps", "impression", null, { visitor: asked }),
      ev("post-checkout-nps", "nps", "response", 3, { visitor: asked, comment: "my own words" }),
      ev("post-checkout-nps", "nps", "response", 9, { visitor: kept })] }) });
  assert.equal(res.status, 202, await res.text());
  const { context, page, problems } = await open({ query: `?site=${site}`, viewport: PHONE, scheme: "dark" });
  try {
    await signIn(page, collector.token, site);
    await appears(card(page, "post-checkout-nps"));
    const field = page.getByLabel("Visitor id");
    const result = page.locator("#privacy-result");
    assert.equal(await field.isVisible(), false, "closed until asked for");
    await page.getByText("Privacy request", { exact: true }).click();
    await field.fill("not an id");
    await page.getByRole("button", { name: "Erase their events" }).click();
    await appears(result.getByText("A visitor id is 8-64 letters, digits, - or _."));

    await field.fill(asked);
    const { name, text } = await download(page, "Download their events (CSV)");
    assert.equal(name, `touchpoint-${site}-visitor-${asked}.csv`);
    const lines = text.slice(1).split("\r\n").slice(1, -1);
    assert.equal(lines.length, 2, lines.join("\n"));
    assert.ok(lines.every((l) => l.includes(`,${asked},`)), "only theirs");
    assert.ok(lines.some((l) => l.includes("my own words")));
    await appears(result.getByText(`Downloaded touchpoint-${site}-visitor-${asked}.csv: 2 events.`));
    await axe(page, "privacy request");

    // Asked to confirm in the page, not by the browser's confirm(); declined
    // by Escape and by Cancel, nothing goes.
    const native = [];
    page.on("dialog", (d) => { native.push(d.message()); d.dismiss(); });
    const eraseButton = page.getByRole("button", { name: "Erase their events" });
    const ask = page.getByRole("dialog", { name: "Erase this visitor's events?" });
    await eraseButton.click();
    await appears(ask);
    assert.match(await ask.innerText(), new RegExp(`visitor ${asked} is deleted`));
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Cancel", "starts on Cancel");
    await axe(page, "erasure confirmation");
    await page.keyboard.press("Escape");
    await appears(result.getByText("Nothing was erased."));
    assert.equal(await ask.isVisible(), false, "Escape closes it");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "visitor-erase", "focus back on the button");
    await eraseButton.click();
    await ask.getByRole("button", { name: "Cancel" }).click();
    await appears(result.getByText("Nothing was erased."));
    assert.equal((await exportEvents(collector, site)).length, 3, "declined: nothing erased");
    await eraseButton.click();
    await ask.getByRole("button", { name: "Erase", exact: true }).click();
    await appears(result.getByText("Erased 2 events."));
    assert.equal(await page.evaluate(() => document.activeElement?.id), "visitor-erase", "focus kept after the request");
    assert.deepEqual(native, [], "no browser dialog");
    assert.deepEqual((await exportEvents(collector, site)).map((e) => e.visitor), [kept], "another visitor's answer stays");
    await page.getByRole("button", { name: "Download their events (CSV)" }).click();
    await appears(result.getByText("No events are stored under this visitor id."));

    await page.getByRole("button", { name: "Sign out" }).click();
    await appears(page.getByLabel("Token"));
    assert.equal(await page.locator("#visitor-id").inputValue(), "", "signing out empties the panel");
    await clean(page, problems);
  } finally {
    await context.close();
  }
});
