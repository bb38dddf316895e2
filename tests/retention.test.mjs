// Retention on the real runtime: a site's `retention_days` has the cron
// sweep (wrangler dev --test-scheduled) delete its events older than that
// from local D1, and nothing newer, nor another site's.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { exportEvents, putSite, responseEvent, startCollector } from "./harness.mjs";

const ORIGIN = "https://shop.example";
const DAY_MS = 86_400_000;
let collector;

const survey = { id: "nps1", metric: "nps", touchpoint: "t", trigger: { event: "e" }, question: { en: "Q?" } };
const post = (site, events) => fetch(`${collector.url}/v1/events`, {
  method: "POST", headers: { Origin: ORIGIN, "Content-Type": "application/json" }, body: JSON.stringify({ site, events }) });
const answers = (site, n) => Array.from({ length: n }, () =>
  responseEvent({ prefix: site, visitor: `visitor-${site}-01`, origin: ORIGIN }));

before(async () => {
  collector = await startCollector();
});
after(async () => collector?.stop());

test("the sweep deletes a site's events older than its retention_days, and nothing else", async () => {
  await putSite(collector, "ret", { version: 1, origins: [ORIGIN], surveys: [survey], retention_days: 30 });
  await putSite(collector, "keep", { version: 1, origins: [ORIGIN], surveys: [survey] });
  const old = answers("ret", 3);
  const kept = answers("keep", 2);
  assert.equal((await post("ret", old)).status, 202);
  assert.equal((await post("keep", kept)).status, 202);
  // Received 31 days ago, as far as the database knows (no clock can be set).
  const aged = `received_at - ${31 * DAY_MS}`;
  await collector.sql(`UPDATE events SET received_at = ${aged} WHERE site IN ('ret', 'keep')`);
  const recent = answers("ret", 2);
  assert.equal((await post("ret", recent)).status, 202);
  assert.equal((await exportEvents(collector, "ret")).length, 5);

  const res = await fetch(`${collector.url}/__scheduled?cron=*/15+*+*+*+*`);
  assert.equal(res.status, 200);
  const left = await exportEvents(collector, "ret");
  assert.deepEqual(left.map((e) => e.id).sort(), recent.map((e) => e.id).sort(), "only the last 30 days are kept");
  assert.equal((await exportEvents(collector, "keep")).length, 2, "a site without retention keeps everything");
  const stats = await fetch(`${collector.url}/v1/sites/ret/stats`, { headers: { Authorization: `Bearer ${collector.token}` } });
  assert.equal((await stats.json()).surveys[0].responses, 2, "the read-out counts what is kept");
});

test("retention_days is 1 to 3650 and never served to browsers", async () => {
  for (const bad of [0, 3651, "30", 1.5]) {
    const res = await fetch(`${collector.url}/v1/admin/sites/ret`, { method: "PUT",
      headers: { Authorization: `Bearer ${collector.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ version: 1, origins: [ORIGIN], surveys: [survey], retention_days: bad }) });
    const body = await res.json();
    assert.equal(res.status, 400, `${bad}: ${JSON.stringify(body)}`);
    assert.equal(body.error.field, "retention_days", JSON.stringify(body));
  }
  const config = await (await fetch(`${collector.url}/v1/sites/ret/config`)).json();
  assert.equal(config.retention_days, undefined);
  assert.equal(config.surveys[0].id, "nps1");
});

test("a sweep stays within its D1 query budget and the next one goes on where it stopped", async () => {
  // A budget for two retention sites a sweep (3 queries of overhead, at most 11 a site).
  const small = await startCollector({ vars: { SWEEP_QUERY_BUDGET: "25" } });
  try {
    const sites = ["r1", "r2", "r3", "r4", "r5"];
    const postTo = (site, events) => fetch(`${small.url}/v1/events`, { method: "POST",
      headers: { Origin: ORIGIN, "Content-Type": "application/json" }, body: JSON.stringify({ site, events }) });
    const age = () => small.sql(`UPDATE events SET received_at = received_at - ${31 * DAY_MS} WHERE received_at > ${Date.now() - DAY_MS}`);
    for (const site of sites) {
      await putSite(small, site, { version: 1, origins: [ORIGIN], surveys: [survey], retention_days: 30 });
      assert.equal((await postTo(site, answers(site, 2))).status, 202);
    }
    await age();
    const left = async () => {
      const out = [];
      for (const site of sites) out.push((await exportEvents(small, site)).length);
      return out;
    };
    const sweep = async () => assert.equal((await fetch(`${small.url}/__scheduled?cron=*/15+*+*+*+*`)).status, 200);
    assert.deepEqual(await left(), [2, 2, 2, 2, 2]);
    await sweep();
    assert.deepEqual(await left(), [0, 0, 2, 2, 2], "two sites, in the order of their ids");
    await sweep();
    assert.deepEqual(await left(), [0, 0, 0, 0, 2], "the next two");
    // Old answers again on r1, r2 and r5: the third sweep does r5 and, round
    // to the first, r1; r2 waits for the fourth.
    for (const site of ["r1", "r2", "r5"]) assert.equal((await postTo(site, answers(site, 1))).status, 202);
    await age();
    await sweep();
    assert.deepEqual(await left(), [0, 1, 0, 0, 0], "r5, then round to r1");
    await sweep();
    assert.deepEqual(await left(), [0, 0, 0, 0, 0], "every site swept, however many");
  } finally {
    await small.stop();
  }
});
