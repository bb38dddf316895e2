// Ingestion benchmark on the real local runtime (workerd + local D1 + local
// Queues), loopback only, bounded in requests and time. One run measures both
// durability modes (INGEST_MODE=d1: 202 after the D1 write; INGEST_MODE=queue:
// 202 after the ingest queue has the batch), each for a site without and with
// a webhook, and prints one table. For the queue mode it also reports how long
// after the first request the last event was in D1 (the consumer's drain).
// Usage: node scripts/bench-ingest.mjs [requests=1000] [concurrency=16] [events-per-batch=10] [rounds=1]
import { createServer } from "node:http";
import { exportEvents, freePort, putSite, startCollector } from "../tests/harness.mjs";

const [REQUESTS, CONCURRENCY, PER_BATCH, ROUNDS] = [1000, 16, 10, 1].map((d, i) => Number(process.argv[2 + i] ?? d));
/** Upper bound for one measured run, and for waiting on the queue's drain. */
const RUN_LIMIT_MS = 120_000;
const ORIGIN = "https://bench.example";
const survey = { id: "nps1", metric: "nps", touchpoint: "t", trigger: { event: "e" }, question: { en: "Q?" } };

const receiverPort = await freePort();
const receiver = createServer((req, res) => { req.resume(); req.on("end", () => res.writeHead(204).end()); });
await new Promise((ok) => receiver.listen(receiverPort, "127.0.0.1", ok));
const rows = [];
console.log(`requests ${REQUESTS} per run, concurrency ${CONCURRENCY}, ${PER_BATCH} events per batch, ${ROUNDS} round(s)`);
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ["d1", "queue"]) {
      const collector = await startCollector({ vars: { INGEST_MODE: mode } });
      try {
        await putSite(collector, "direct", { version: 1, origins: [ORIGIN], rate_limit: "high", surveys: [survey] });
        await putSite(collector, "hooked", { version: 1, origins: [ORIGIN], rate_limit: "high", surveys: [survey],
          webhooks: [{ url: `http://127.0.0.1:${receiverPort}/hook`, secret: "bench-secret-0123456789" }] });
        for (const site of ["direct", "hooked"]) rows.push({ mode, site, ...(await run(collector, site, mode)) });
      } finally {
        await collector.stop();
      }
    }
  }
} finally {
  receiver.close();
}
console.log("\n| mode | webhook | events/s (202) | p50 ms | p95 ms | p99 ms | non-202 | all stored after |");
console.log("|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(`| ${r.mode} | ${r.site === "hooked" ? "yes" : "no"} | ${r.rate} | ${r.p50} | ${r.p95} | ${r.p99} | ` +
    `${r.failures} | ${r.stored} |`);
}

async function run(collector, site, mode) {
  let next = 0;
  const latencies = [];
  let failures = 0;
  const started = performance.now();
  const deadline = started + RUN_LIMIT_MS;
  async function worker(w) {
    while (next < REQUESTS && performance.now() < deadline) {
      const n = next++;
      const events = Array.from({ length: PER_BATCH }, (_, i) => ({
        id: `bench-${site}-${started.toFixed(0)}-${n}-${i}`, type: "response", survey: "nps1", touchpoint: "t",
        metric: "nps", score: (n + i) % 11, comment: null, visitor: `visitor-${w}-bench`, ts: Date.now(),
        url: `${ORIGIN}/p`, locale: "en" }));
      const t0 = performance.now();
      const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
        headers: { Origin: ORIGIN, "CF-Connecting-IP": `10.${w}.${n % 250}.1` }, body: JSON.stringify({ site, events }) });
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (res.status !== 202) failures += 1;
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  const seconds = (performance.now() - started) / 1000;
  const sent = latencies.length;
  // Everything accepted must end up stored; in queue mode, wait for it.
  const expected = (sent - failures) * PER_BATCH;
  let count = 0;
  while ((count = (await exportEvents(collector, site)).length) < expected && performance.now() < deadline + RUN_LIMIT_MS) {
    await new Promise((r) => setTimeout(r, 500));
  }
  const storedAfter = ((performance.now() - started) / 1000).toFixed(1);
  latencies.sort((a, b) => a - b);
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(0);
  const result = { rate: (sent * PER_BATCH / seconds).toFixed(0), p50: p(0.5), p95: p(0.95), p99: p(0.99), failures,
    stored: count >= expected ? `${storedAfter} s (sending took ${seconds.toFixed(1)} s)` : `only ${count}/${expected}` };
  console.log(`${mode} ${site}: ${sent} requests, ${JSON.stringify(result)}`);
  return result;
}
