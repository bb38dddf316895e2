// Time to first prompt: from navigation start until the prompt of a
// page-view survey is on screen, for a first visit (empty cache) over a
// throttled network, in headless Chromium against the real collector
// (workerd + local D1), loopback only. Chromium's network emulation adds
// the latency to every request and limits the throughput, so what counts
// is how many round trips follow one another and how many bytes they carry.
// Bounded: RUNS page loads per profile, each at most 30 s.
// Usage: node scripts/bench-load.mjs [runs=7]   (after make test or make demo)
import { join } from "node:path";
import { ROOT, launchBrowser, putSite, startCollector, startSite } from "../tests/harness.mjs";

const RUNS = Number(process.argv[2] ?? 7);
const SITE = "bench-load";
/** Chrome DevTools' presets, in its units (ms; bytes per second). */
const PROFILES = [
  { name: "Slow 4G", latency: 150, download: (1.6 * 1024 * 1024) / 8, upload: (750 * 1024) / 8 },
  { name: "Fast 4G", latency: 40, download: (9 * 1024 * 1024) / 8, upload: (1.5 * 1024 * 1024) / 8 },
];

const collector = await startCollector();
const site = await startSite({ root: join(ROOT, "tests", "pages"), collector, site: SITE });
const browser = await launchBrowser();
const rows = [];
try {
  await putSite(collector, SITE, {
    version: 1,
    origins: [site.origin],
    surveys: [{ id: "nps1", metric: "nps", touchpoint: "t", trigger: { page_view: true }, question: { en: "How likely?" } }],
  });
  for (const profile of PROFILES) {
    const times = [];
    for (let i = 0; i < RUNS; i++) times.push(await firstPrompt(profile));
    times.sort((a, b) => a - b);
    rows.push({ profile, times });
  }
} finally {
  await browser.close();
  await site.stop();
  await collector.stop();
}
console.log(`\n${RUNS} first visits per profile (empty cache)`);
console.log("| network | latency | min | median | max |");
console.log("|---|---|---|---|---|");
for (const { profile, times } of rows) {
  const ms = (t) => `${Math.round(t)} ms`;
  console.log(`| ${profile.name} | ${profile.latency} ms | ${ms(times[0])} | ${ms(times[times.length >> 1])} | ` +
    `${ms(times[times.length - 1])} |`);
}

/** One first visit: ms from navigation start until the prompt's dialog exists. */
async function firstPrompt(profile) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false, latency: profile.latency, downloadThroughput: profile.download, uploadThroughput: profile.upload,
    });
    // Checked every frame from the start, so the time is that of the frame
    // that first has the dialog.
    await page.addInitScript(() => {
      const check = () => {
        const host = document.querySelector("[data-touchpoint]");
        if (host?.shadowRoot?.querySelector("[role=dialog]")) window.__promptAt = performance.now();
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
    await page.goto(site.url + "/widget.html", { waitUntil: "commit" });
    await page.waitForFunction(() => window.__promptAt !== undefined, null, { timeout: 30_000, polling: 50 });
    return await page.evaluate(() => window.__promptAt);
  } finally {
    await context.close();
  }
}
