// Ingestion benchmark on the real local runtime (workerd + local D1 +
// local Queues): bounded request count, loopback only. Prints events/s and
// latency percentiles for the D1 write path alone, and with the queue
// hand-off that forwarding adds (a site with a webhook).
// Usage: node scripts/bench-ingest.mjs [requests=1500] [concurrency=16] [events-per-batch=10]
import { createServer } from "node:http";
import { freePort, putSite, startCollector } from "../tests/harness.mjs";

const [REQUESTS, CONCURRENCY, PER_BATCH] = [1500, 16, 10].map((d, i) => Number(process.argv[2 + i] ?? d));
const ORIGIN = "https://bench.example";
const survey = { id: "nps1", metric: "nps", touchpoint: "t", trigger: { event: "e" }, question: { en: "Q?" } };

const receiverPort = await freePort();
const receiver = createServer((req, res) => { req.resume(); req.on("end", () => res.writeHead(204).end()); });
await new Promise((ok) => receiver.listen(receiverPort, "127.0.0.1", ok));
const collector = await startCollector();
try {
  await putSite(collector, "direct", { version: 1, origins: [ORIGIN], rate_limit: "high", surveys: [survey] });
  await putSite(collector, "queued", { version: 1, origins: [ORIGIN], rate_limit: "high", surveys: [survey],
    webhooks: [{ url: `http://127.0.0.1:${receiverPort}/hook`, secret: "bench-secret-0123456789" }] });
  console.log(`requests ${REQUESTS}, concurrency ${CONCURRENCY}, ${PER_BATCH} events per batch`);
  for (const site of ["direct", "queued", "direct", "queued"]) await run(site);
} finally {
  await collector.stop();
  receiver.close();
}

async function run(site) {
  let next = 0;
  const latencies = [];
  let failures = 0;
  const started = performance.now();
  async function worker(w) {
    while (next < REQUESTS) {
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
  latencies.sort((a, b) => a - b);
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1);
  const label = site === "direct" ? "D1 write only      " : "D1 + queue hand-off";
  console.log(`${label}: ${(REQUESTS * PER_BATCH / seconds).toFixed(0)} events/s, ` +
    `${(REQUESTS / seconds).toFixed(0)} req/s, p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, p99 ${p(0.99)} ms, non-202: ${failures}`);
}
