// Queue-first ingestion (INGEST_MODE = "queue") on the real runtime: a 202
// means the batch is in the local touchpoint-ingest queue; its consumer
// writes it to the local D1 (idempotently) and hands new events to
// forwarding, which delivers them to a real local webhook receiver.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { eventually, exportEvents, putSite, responseEvent, startCollector, startWebhookReceiver } from "./harness.mjs";

const ORIGIN = "https://shop.example";
const SECRET = "whsec_" + "q".repeat(24);
let collector, receiver;
const received = [];

before(async () => {
  receiver = await startWebhookReceiver((_, body) => {
    received.push(JSON.parse(body));
    return 204;
  });
  collector = await startCollector({ vars: { INGEST_MODE: "queue" } });
  const survey = { id: "nps1", metric: "nps", touchpoint: "t", trigger: { event: "e" }, question: { en: "Q?" } };
  await putSite(collector, "q", { version: 1, origins: [ORIGIN], rate_limit: "high", surveys: [survey],
    webhooks: [{ url: receiver.url, secret: SECRET }] });
});
after(async () => {
  await collector?.stop();
  await receiver?.close();
});

const event = (over = {}) => responseEvent({ prefix: "q", visitor: "visitor-q-0001", origin: ORIGIN }, over);
let ip = 0;
const post = (events) => fetch(`${collector.url}/v1/events`, { method: "POST",
  headers: { Origin: ORIGIN, "Content-Type": "application/json", "CF-Connecting-IP": `203.0.113.${++ip % 250}` },
  body: JSON.stringify({ site: "q", events }) });
const stored = async (ids) => (await exportEvents(collector, "q")).filter((e) => ids.includes(e.id));
const deliveries = (id) => received.flatMap((d) => d.events).filter((e) => e.id === id);

test("a 202 means queued; the consumer then stores the events and forwards them", async () => {
  const batch = [event(), event({ type: "impression", score: null })];
  const res = await post(batch);
  assert.equal(res.status, 202);
  assert.deepEqual(await res.json(), { accepted: 2, duplicates: 0, rejected: [], queued: true });
  const ids = batch.map((e) => e.id);
  const rows = await eventually(async () => ((await stored(ids)).length === 2 ? stored(ids) : null), 20_000);
  assert.ok(rows, "both events reach D1 through the consumer");
  const response = rows.find((e) => e.type === "response");
  assert.equal(response.score, 8);
  assert.equal(response.device, "desktop");
  assert.ok(await eventually(() => ids.every((id) => deliveries(id).length === 1), 20_000), "forwarded to the webhook");
});

test("an invalid batch is refused at once and nothing is queued", async () => {
  const bad = event({ score: 11 });
  const res = await post([bad]);
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error.field, "events[0].score");
  const sentinel = event();
  await post([sentinel]);
  await eventually(async () => (await stored([sentinel.id])).length === 1, 20_000);
  assert.equal((await stored([bad.id])).length, 0);
});

test("replay storm: the same batch 100 times at once is stored once and forwarded once", async () => {
  const batch = [event({ score: 10 }), event({ type: "dismiss", score: null })];
  const statuses = await Promise.all(Array.from({ length: 100 }, () => post(batch).then((r) => r.status)));
  assert.deepEqual([...new Set(statuses)], [202]);
  const ids = batch.map((e) => e.id);
  assert.ok(await eventually(async () => (await stored(ids)).length === 2, 30_000), "stored");
  assert.ok(await eventually(() => ids.every((id) => deliveries(id).length >= 1), 30_000), "forwarded");
  // Let every queued copy be consumed, then count: one row and one delivery each.
  const sentinel = event();
  await post([sentinel]);
  await eventually(async () => (await stored([sentinel.id])).length === 1, 30_000);
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await stored(ids)).length, 2);
  for (const id of ids) assert.equal(deliveries(id).length, 1, `${id} forwarded once`);
});

test("a later comment updates the same response; another visitor cannot overwrite it", async () => {
  const score = event();
  await post([score]);
  await eventually(async () => (await stored([score.id])).length === 1, 20_000);
  const update = { ...score, comment: "Because it was fast" };
  assert.equal((await post([update])).status, 202);
  const updated = await eventually(async () => (await stored([score.id]))[0]?.comment === update.comment, 20_000);
  assert.ok(updated, "the comment reaches the stored response");
  // The forged update travels with a sentinel in one message: once the
  // sentinel is stored, the forged one was processed too.
  const sentinel = event();
  await post([{ ...update, visitor: "someone-else-123", comment: "overwritten" }, sentinel]);
  await eventually(async () => (await stored([sentinel.id])).length === 1, 20_000);
  const rows = await stored([score.id]);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].comment, "Because it was fast");
  assert.ok(await eventually(() => deliveries(score.id).some((e) => e.comment === update.comment), 20_000),
    "the comment update is forwarded");
});
