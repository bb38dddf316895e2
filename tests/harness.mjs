// Test harness: the real collector under `wrangler dev` (workerd, local D1)
// on a free loopback port with its own fresh database, the demo shop on
// another origin, and headless Debian Chromium driven by playwright-core.
import { spawn, execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serveWww } from "../scripts/serve-www.mjs";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
const COLLECTOR_DIR = join(ROOT, "collector");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const run = promisify(execFile);

/**
 * The tests' own requests to a collector get the same care as the
 * browser's (see [`askAgainIfStalled`]): a request with no response
 * headers after 20 s is made once or twice more, with a line on stderr.
 * Seen once in CI: an export request wrangler dev never answered, failing
 * the test after undici's 300 s header timeout. Asking again is safe for
 * what the tests send: reads, PUTs of a whole configuration, and event
 * batches, which the collector de-duplicates by event id. A request that
 * brings its own AbortSignal, or a body that cannot be sent twice (a
 * stream), and requests anywhere else are made once, as they are. Only
 * under `node --test`: the benchmarks (scripts/bench-*.mjs) time every
 * request as it is.
 */
const fetchOnce = globalThis.fetch;
if (process.env.NODE_TEST_CONTEXT) globalThis.fetch = fetchAskingAgain;
async function fetchAskingAgain(input, init = {}) {
  const url = String(input instanceof Request ? input.url : input);
  const toCollector = [...COLLECTORS].some((c) => url.startsWith(c.url + "/"));
  const resendable = init.body === undefined || typeof init.body === "string";
  if (!toCollector || input instanceof Request || init.signal || !resendable) return fetchOnce(input, init);
  for (let attempt = 1; ; attempt++) {
    const stalled = new AbortController();
    const timer = setTimeout(() => stalled.abort(new Error("no response headers in 20 s")), 20_000);
    try {
      return await fetchOnce(input, { ...init, signal: stalled.signal });
    } catch (e) {
      if (!stalled.signal.aborted || attempt >= 3) throw e;
      process.stderr.write(`# ${init.method ?? "GET"} ${url}: no answer from wrangler dev in 20 s; asked again\n`);
    } finally {
      clearTimeout(timer);
    }
  }
}

export async function freePort() {
  const srv = createServer();
  await new Promise((ok) => srv.listen(0, "127.0.0.1", ok));
  const { port } = srv.address();
  await new Promise((ok) => srv.close(ok));
  return port;
}

/**
 * Starts the collector with an empty local D1. `stop()` ends it by PID and
 * deletes its data; `pause()` ends it but keeps port and data, and
 * `resume()` starts it again on both (an outage). `vars` override the
 * Worker vars of wrangler.toml (`{ INGEST_MODE: "queue" }`).
 */
export async function startCollector({ vars = {} } = {}) {
  const persist = await mkdtemp(join(tmpdir(), "touchpoint-d1-"));
  const token = "test-admin-" + Math.random().toString(36).slice(2);
  const port = await freePort();
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" };
  await run(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], { cwd: COLLECTOR_DIR, env });
  const url = `http://127.0.0.1:${port}`;
  let child = null;
  let output = "";
  async function launch() {
    child = spawn(
      WRANGLER,
      ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persist, "--var", `ADMIN_TOKEN:${token}`,
        ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
        "--test-scheduled", "--show-interactive-dev-session=false", "--log-level", "warn"],
      { cwd: COLLECTOR_DIR, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error("wrangler dev exited:\n" + output);
      try {
        if ((await fetch(url + "/healthz")).ok) return;
      } catch {}
      if (Date.now() > deadline) {
        process.kill(-child.pid, "SIGKILL");
        throw new Error("wrangler dev did not answer within 60 s:\n" + output);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  async function halt() {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    try {
      process.kill(-c.pid, "SIGTERM");
    } catch {}
    await exited;
    // Wait until the port is really closed.
    for (let i = 0; i < 40; i++) {
      try {
        await fetch(url + "/healthz");
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  await launch();
  const collector = {
    url,
    token,
    output: () => output,
    pause: halt,
    resume: launch,
    /**
     * Runs SQL on the collector's local D1 (the same database file it
     * serves), with the collector stopped meanwhile: for a test that needs
     * stored data to look old, where no clock can be set.
     */
    async sql(command) {
      await halt();
      try {
        await run(WRANGLER, ["d1", "execute", "DB", "--local", "--persist-to", persist, "--command", command],
          { cwd: COLLECTOR_DIR, env });
      } finally {
        await launch();
      }
    },
    async stop() {
      COLLECTORS.delete(collector);
      await halt();
      await rm(persist, { recursive: true, force: true });
    },
  };
  COLLECTORS.add(collector);
  return collector;
}

/** PUT a site's configuration through the admin API. */
export async function putSite(collector, site, config) {
  const res = await fetch(`${collector.url}/v1/admin/sites/${site}`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${collector.token}`, "Content-Type": "application/json" },
    body: JSON.stringify(config),
  });
  if (res.status !== 200) throw new Error(`PUT site ${site}: ${res.status} ${await res.text()}`);
}

/** The site's stored events, parsed from the NDJSON export, every page. */
export async function exportEvents(collector, site) {
  const events = [];
  let url = `${collector.url}/v1/sites/${site}/export.ndjson`;
  while (url) {
    const res = await fetch(url, { headers: { Authorization: `Bearer ${collector.token}` } });
    if (res.status !== 200) throw new Error(`export: ${res.status} ${await res.text()}`);
    events.push(...(await res.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l)));
    url = res.headers.get("link")?.match(/^<([^>]+)>; rel="next"$/)?.[1];
  }
  return events;
}

/** Polls `fn` until it returns a truthy value or `ms` pass. */
export async function eventually(fn, ms = 10_000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Serves a folder on a fresh loopback origin with the collector filled in. */
export async function startSite({ root = join(ROOT, "www"), collector, site = "demo", headers } = {}) {
  const port = await freePort();
  const server = await serveWww({ root, port, collector: collector.url, site, headers });
  return { url: `http://127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, stop: () => new Promise((r) => server.close(r)) };
}

/**
 * Headless Chromium. Every context it opens keeps a log of what its pages
 * printed and of their requests (sent, answered or failed), read by
 * [`appears`] when a prompt does not appear, and, unless `reask` is false,
 * sends the widget's GETs through [`askAgainIfStalled`] (routing turns the
 * browser's HTTP cache off, which tests of a collector outage need on).
 */
export async function launchBrowser({ reask = true } = {}) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    const log = [];
    PAGE_LOGS.set(context, log);
    const started = Date.now();
    const at = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
    context.on("console", (m) => log.push(`${at()} console.${m.type()}: ${m.text()}`));
    context.on("weberror", (e) => log.push(`${at()} page error: ${e.error().message}`));
    // Every request, so that one that never finishes shows too.
    context.on("request", (r) => log.push(`${at()} ${r.method()} ${r.url()} sent`));
    context.on("requestfailed", (r) => log.push(`${at()} ${r.method()} ${r.url()} failed: ${r.failure()?.errorText}`));
    context.on("requestfinished", async (r) => {
      const status = (await r.response().catch(() => null))?.status();
      log.push(`${at()} ${r.method()} ${r.url()}: ${status}`);
    });
    if (reask) await context.route(isCollectorGet, (route) => askAgainIfStalled(route, log, at));
    return context;
  };
  return browser;
}

/**
 * The browser's GETs to a collector of this test file: the widget's files
 * and the site configuration (never the events it posts), the dashboard's
 * files and the stats it reads.
 */
function isCollectorGet(url) {
  const collector = [...COLLECTORS].some((c) => c.url === url.origin);
  const { pathname: path } = url;
  return collector && (path.startsWith("/widget/") || path.endsWith("/config") || path.startsWith("/dashboard/") ||
    /^\/v1\/sites\/[^/]+\/stats$/.test(path));
}

/**
 * `wrangler dev` 4.86 (pinned; later releases need Node 22) sometimes never
 * answers a request: its proxy hands it to the Worker on a pooled
 * connection that is being closed at that moment (cloudflare/workers-sdk
 * #14641, #15317). Seen here about once per full run, on the glue, the wasm
 * or the configuration, each time with nothing in the Worker's log. The
 * browser's GETs to the collector therefore go through this handler: the
 * same request, to the same real collector, asked again when no answer came
 * in 5 s, and noted in the page's log. The widget's own retry of a stalled
 * configuration is tested with a page route, which takes precedence.
 */
async function askAgainIfStalled(route, log, at) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await route.fulfill({ response: await route.fetch({ timeout: 5_000, maxRetries: 0 }) });
    } catch (e) {
      if (attempt >= 3 || !/timeout/i.test(String(e?.message))) return route.abort("failed").catch(() => {});
      log.push(`${at()} GET ${route.request().url()}: no answer from wrangler dev in 5 s; asked again`);
    }
  }
}

/** Each browser context's log, kept by [`launchBrowser`]. */
const PAGE_LOGS = new WeakMap();
/** The collectors running in this test file, for their output on failure. */
const COLLECTORS = new Set();

/**
 * Waits until `locator` (a prompt) is visible. When it does not appear, the
 * error carries what the page logged, its requests and the end of each
 * running collector's output: a failure in CI explains itself.
 */
export async function appears(locator, timeout = 15_000) {
  try {
    await locator.waitFor({ timeout });
  } catch (e) {
    const context = locator.page().context();
    const page = (PAGE_LOGS.get(context) ?? []).join("\n") || "(nothing)";
    const collectors = [...COLLECTORS].map((c) => c.output().slice(-2000)).join("\n---\n") || "(nothing)";
    e.message += `\n--- the page's log:\n${page}\n--- collector output (end):\n${collectors}`;
    throw e;
  }
}

/** Collects console warnings of a page, for assertions. */
export function consoleWarnings(page) {
  const warnings = [];
  page.on("console", (m) => {
    if (m.type() === "warning" || m.type() === "error") warnings.push(m.text() + (m.location()?.url ? ` (${m.location().url})` : ""));
  });
  page.on("pageerror", (e) => warnings.push("pageerror: " + e.message));
  return warnings;
}

/** The demo site's configuration from www/, with the test origin allowed. */
export async function demoConfig(origin) {
  const { readFile } = await import("node:fs/promises");
  const config = JSON.parse(await readFile(join(ROOT, "www", "demo-config.json"), "utf8"));
  config.origins = [origin];
  return config;
}

/** The documented bucket (README, Sampling and experiments), written again in JS. */
export function bucket(text) {
  const M = (1n << 64n) - 1n;
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(text)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & M;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & M;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & M;
  h ^= h >> 33n;
  return Number(h % 1000000n);
}

let eventSeq = 0;
/** A valid NPS response of survey `nps1` (touchpoint `t`) for direct POSTs, with a fresh id. */
export function responseEvent({ prefix, visitor, origin }, over = {}) {
  return { id: `${prefix}-${Date.now()}-${++eventSeq}`, type: "response", survey: "nps1", touchpoint: "t", metric: "nps",
    score: 8, comment: null, visitor, ts: Date.now(), url: `${origin}/x`, locale: "en", ...over };
}

/**
 * A real local HTTP webhook receiver on a free loopback port. `answer(headers, body, path)`
 * hears each delivery (raw body text, and the path with its query) and
 * returns the status to reply with.
 */
export async function startWebhookReceiver(answer) {
  const port = await freePort();
  const server = createHttpServer((req, res) => {
    // Whole bytes first, decoded once: a chunk may end inside a character.
    const chunks = [];
    req.on("data", (d) => chunks.push(d));
    req.on("end", () => res.writeHead(answer(req.headers, Buffer.concat(chunks).toString("utf8"), req.url)).end());
  });
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${port}/hooks/touchpoint`, close: () => new Promise((r) => server.close(r)) };
}
