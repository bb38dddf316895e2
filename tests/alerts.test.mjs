// Threshold alerts on the real runtime: answers stored in local D1 move a
// survey's score across a configured line, and real local webhooks hear
// `firing` once and `resolved` once, signed, through the local Queue; the
// scheduled sweep (wrangler dev --test-scheduled) judges without new
// answers; queue-first ingestion judges too; a notice that fails every
// retry is a dead letter that keeps it and replays it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { eventually, putSite, responseEvent, startCollector, startWebhookReceiver } from "./harness.mjs";

const ORIGIN = "https://shop.example";
const SECRET = "whsec_" + "a".repeat(24);
let collector, receiver;
const received = [];
let failing = () => false;

const survey = { id: "nps1", metric: "nps", touchpoint: "t", trigger: { event: "e" }, question: { en: "Q?" } };
const hooks = (url) => [
  { url: `${url}?hook=all`, secret: SECRET },
  { url: `${url}?hook=answers`, secret: SECRET, only: { types: ["response"] } },
  { url: `${url}?hook=alerts`, secret: SECRET, only: { types: ["alert"] } },
];

before(async () => {
  receiver = await startWebhookReceiver((headers, body, path) => {
    const failed = failing(path);
    received.push({ headers, body, path, failed });
    return failed ? 500 : 204;
  });
  collector = await startCollector();
});
after(async () => {
  await collector?.stop();
  await receiver?.close();
});

const post = (c, site, events) => fetch(`${c.url}/v1/events`, {
  method: "POST", headers: { Origin: ORIGIN, "Content-Type": "application/json" }, body: JSON.stringify({ site, events }),
});
const answers = (site, scores) => scores.map((score) =>
  responseEvent({ prefix: site, visitor: `visitor-${site}-01`, origin: ORIGIN }, { score }));
/** The alert notices each webhook heard: `{hook: [notice...]}`, from deliveries that got a 2xx. */
const notices = (site) => {
  const out = {};
  for (const r of received.filter((r) => !r.failed)) {
    const body = JSON.parse(r.body);
    if (body.site !== site) continue;
    const hook = new URL(r.path, "http://x").searchParams.get("hook");
    (out[hook] ??= []).push(...(body.alerts ?? []));
  }
  return out;
};
const alertsOf = async (c, site) => {
  const res = await fetch(`${c.url}/v1/sites/${site}/alerts`, { headers: { Authorization: `Bearer ${c.token}` } });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text).alerts;
};
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

test("a score that drops below the line fires once, to the webhooks that take alerts, and resolves once", async () => {
  await putSite(collector, "al", {
    version: 1, origins: [ORIGIN], webhooks: hooks(receiver.url), surveys: [survey],
    alerts: [{ id: "nps-drop", survey: "nps1", below: 0, min_responses: 3 }],
  });
  const [before] = await alertsOf(collector, "al");
  assert.deepEqual([before.id, before.state, before.days], ["nps-drop", null, 7], "not judged yet, a week by default");

  assert.equal((await post(collector, "al", answers("al", [2, 3]))).status, 202);
  await pause(2000);
  assert.equal((await alertsOf(collector, "al"))[0].state, null, "two answers are too few to judge");

  assert.equal((await post(collector, "al", answers("al", [6]))).status, 202);
  const fired = await eventually(() => notices("al").alerts?.length === 1 && notices("al").all?.length === 1, 20_000);
  assert.ok(fired, `the alert webhooks hear it: ${JSON.stringify(notices("al"))}`);
  const notice = notices("al").alerts[0];
  assert.deepEqual(
    { ...notice, at: 0, interval: 0 },
    { alert: "nps-drop", survey: "nps1", metric: "nps", status: "firing", score: -100, responses: 3, impressions: 0,
      below: 0, days: 7, at: 0, interval: 0 },
  );
  assert.ok(notice.interval[0] >= -100 && notice.interval[1] > notice.interval[0], "with its interval");
  const delivery = received.find((r) => r.path.includes("hook=alerts") && r.body.includes('"alerts"'));
  const ts = delivery.headers["x-touchpoint-timestamp"];
  const expected = "v1=" + createHmac("sha256", SECRET).update(`${ts}.${delivery.body}`).digest("hex");
  assert.equal(delivery.headers["x-touchpoint-signature"], expected, "signed like every delivery");
  assert.deepEqual(JSON.parse(delivery.body).events, [], "a notice carries no events");
  const [firing] = await alertsOf(collector, "al");
  assert.deepEqual([firing.state, firing.score, firing.responses], ["firing", -100, 3]);

  // Still below: no second notice.
  assert.equal((await post(collector, "al", answers("al", [0]))).status, 202);
  await eventually(async () => (await alertsOf(collector, "al"))[0].responses === 4, 10_000);
  await pause(2000);
  assert.equal(notices("al").alerts.length, 1, "told once while it stays below");

  // 4 detractors and 6 promoters: NPS 20, back above 0.
  assert.equal((await post(collector, "al", answers("al", [9, 10, 9, 10, 9, 10]))).status, 202);
  const resolved = await eventually(() => notices("al").alerts?.length === 2, 20_000);
  assert.ok(resolved, `resolved is told: ${JSON.stringify(notices("al"))}`);
  assert.deepEqual([notices("al").alerts[1].status, notices("al").alerts[1].score], ["resolved", 20]);
  assert.equal(notices("al").all.length, 2, "the unfiltered webhook hears both");
  assert.deepEqual(notices("al").answers, [], "a webhook that asked for responses only hears no alert...");
  assert.ok(received.some((r) => r.path.includes("hook=answers") && JSON.parse(r.body).events.length > 0),
    "...but does hear the answers");
  assert.equal((await alertsOf(collector, "al"))[0].state, "ok");
});

test("with a recovery margin, a score back on the line keeps firing; it resolves once past the margin", async () => {
  await putSite(collector, "hy", {
    version: 1, origins: [ORIGIN], webhooks: hooks(receiver.url), surveys: [survey],
    alerts: [{ id: "nps-drop", survey: "nps1", below: 0, recovery: 30, min_responses: 3 }],
  });
  assert.equal((await post(collector, "hy", answers("hy", [0, 0, 0]))).status, 202);
  assert.ok(await eventually(() => notices("hy").alerts?.length === 1, 20_000), JSON.stringify(notices("hy")));
  assert.deepEqual([notices("hy").alerts[0].status, notices("hy").alerts[0].recovery], ["firing", 30]);

  // 3 detractors, 3 promoters: NPS 0, on the line. Without the margin this resolves.
  assert.equal((await post(collector, "hy", answers("hy", [10, 10, 10]))).status, 202);
  assert.ok(await eventually(async () => (await alertsOf(collector, "hy"))[0].responses === 6, 10_000));
  await pause(2000);
  const [held] = await alertsOf(collector, "hy");
  assert.deepEqual([held.state, held.score, held.recovery], ["firing", 0, 30], "the reading is recorded, the state kept");
  assert.equal(notices("hy").alerts.length, 1, "nothing told inside the margin");

  // 3 detractors, 9 promoters: NPS 50, past 0 + 30.
  assert.equal((await post(collector, "hy", answers("hy", [10, 10, 10, 10, 10, 10]))).status, 202);
  assert.ok(await eventually(() => notices("hy").alerts?.length === 2, 20_000), JSON.stringify(notices("hy")));
  assert.deepEqual([notices("hy").alerts[1].status, notices("hy").alerts[1].score], ["resolved", 50]);
  assert.equal((await alertsOf(collector, "hy"))[0].state, "ok");
});

test("the scheduled sweep judges alerts without new answers", async () => {
  // The same answers (NPS 20) against a line moved above them.
  await putSite(collector, "al", {
    version: 1, origins: [ORIGIN], webhooks: hooks(receiver.url), surveys: [survey],
    alerts: [{ id: "nps-drop", survey: "nps1", below: 30, min_responses: 3 }],
  });
  await pause(1500);
  assert.equal(notices("al").alerts.length, 2, "a configuration change alone tells nothing");
  const res = await fetch(`${collector.url}/__scheduled?cron=*/15+*+*+*+*`);
  assert.equal(res.status, 200, await res.text());
  const fired = await eventually(() => notices("al").alerts?.length === 3, 20_000);
  assert.ok(fired, `the sweep fired it: ${JSON.stringify(notices("al").alerts)}`);
  assert.deepEqual([notices("al").alerts[2].status, notices("al").alerts[2].below], ["firing", 30]);
});

test("a response rate or impressions alert: fewer people answering, or a prompt that stopped showing", async () => {
  await putSite(collector, "rr", {
    version: 1, origins: [ORIGIN], webhooks: hooks(receiver.url), surveys: [survey],
    alerts: [
      { id: "few-answer", survey: "nps1", measure: "response_rate", below: 20, min_responses: 10 },
      { id: "not-shown", survey: "nps1", measure: "impressions", below: 1, days: 1 },
    ],
  });
  const told = (id) => (notices("rr").alerts ?? []).filter((n) => n.alert === id);
  // Nothing shown yet: the sweep finds the prompt not shown at all (a response rate needs 10 impressions).
  assert.equal((await fetch(`${collector.url}/__scheduled?cron=*/15+*+*+*+*`)).status, 200);
  assert.ok(await eventually(() => told("not-shown").length === 1, 20_000), JSON.stringify(notices("rr")));
  assert.deepEqual(pick(told("not-shown")[0]), { status: "firing", measure: "impressions", score: 0, impressions: 0 });
  assert.equal(told("few-answer").length, 0);

  // Shown 10 times, answered once: 10% is below 20%; and the prompt shows again. Both told after the write.
  const shown = Array.from({ length: 10 }, () =>
    responseEvent({ prefix: "rr", visitor: "visitor-rr-01", origin: ORIGIN }, { type: "impression", score: null }));
  assert.equal((await post(collector, "rr", [...shown, ...answers("rr", [9])])).status, 202);
  assert.ok(await eventually(() => told("few-answer").length === 1 && told("not-shown").length === 2, 20_000),
    JSON.stringify(notices("rr")));
  assert.deepEqual(pick(told("few-answer")[0]), { status: "firing", measure: "response_rate", score: 10, impressions: 10 });
  assert.equal(told("few-answer")[0].responses, 1);
  assert.equal(told("few-answer")[0].interval, null, "an interval is a score's");
  assert.deepEqual(pick(told("not-shown")[1]), { status: "resolved", measure: "impressions", score: 10, impressions: 10 });
  const listed = Object.fromEntries((await alertsOf(collector, "rr")).map((a) => [a.id, a]));
  assert.deepEqual([listed["few-answer"].measure, listed["few-answer"].state, listed["few-answer"].score,
    listed["few-answer"].responses, listed["few-answer"].impressions], ["response_rate", "firing", 10, 1, 10]);
  assert.deepEqual([listed["not-shown"].measure, listed["not-shown"].state], ["impressions", "ok"]);

  // Three more answers: 4 of 10, 40%: resolved.
  assert.equal((await post(collector, "rr", answers("rr", [8, 7, 10]))).status, 202);
  assert.ok(await eventually(() => told("few-answer").length === 2, 20_000), JSON.stringify(notices("rr")));
  assert.deepEqual(pick(told("few-answer")[1]), { status: "resolved", measure: "response_rate", score: 40, impressions: 10 });
  // Lines out of a measure's range are refused by field.
  const res = await fetch(`${collector.url}/v1/admin/sites/rr`, { method: "PUT",
    headers: { Authorization: `Bearer ${collector.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ version: 1, origins: [ORIGIN], surveys: [survey],
      alerts: [{ id: "x", survey: "nps1", measure: "response_rate", below: 150 }] }) });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error.field, "alerts[0].below");
});
const pick = (n) => ({ status: n.status, measure: n.measure, score: n.score, impressions: n.impressions });

test("an alert that names an unknown survey or no line is refused, naming the field", async () => {
  const res = await fetch(`${collector.url}/v1/admin/sites/al-bad`, {
    method: "PUT", headers: { Authorization: `Bearer ${collector.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ version: 1, origins: [ORIGIN], surveys: [survey],
      alerts: [{ id: "a", survey: "nope", below: 0 }, { id: "b", survey: "nps1" }] }),
  });
  assert.equal(res.status, 400);
  const body = await res.json();
  const fields = [body.error.field, ...(body.error.errors ?? []).map((e) => e.field)];
  assert.ok(fields.includes("alerts[0].survey"), JSON.stringify(body));
  assert.ok(fields.includes("alerts[1]"), JSON.stringify(body));
});

test("a notice no webhook takes is a dead letter that keeps it, and a replay delivers it", async () => {
  failing = (path) => path.includes("hook=dead");
  await putSite(collector, "al-dead", {
    version: 1, origins: [ORIGIN], surveys: [survey],
    webhooks: [{ url: `${receiver.url}?hook=dead`, secret: SECRET, only: { types: ["alert"] } }],
    alerts: [{ id: "csat-ish", survey: "nps1", below: 50, min_responses: 1 }],
  });
  assert.equal((await post(collector, "al-dead", answers("al-dead", [1]))).status, 202);
  const admin = (path, method = "GET") => fetch(`${collector.url}/v1/admin/sites/al-dead${path}`, {
    method, headers: { Authorization: `Bearer ${collector.token}` } });
  const letters = await eventually(async () => {
    const list = (await (await admin("/dead-letters")).json()).dead_letters;
    return list.length === 1 && list;
  }, 60_000);
  assert.ok(letters, "the failed notice became a dead letter");
  assert.deepEqual([letters[0].alerts[0].alert, letters[0].alerts[0].status], ["csat-ish", "firing"]);
  failing = () => false;
  assert.equal((await admin("/dead-letters/replay", "POST")).status, 202);
  const heard = await eventually(() => notices("al-dead").dead?.length === 1, 20_000);
  assert.ok(heard, "the replay delivered the notice");
  assert.equal(notices("al-dead").dead[0].alert, "csat-ish");
});

test("with queue-first ingestion the consumer judges the alerts, several at once", async () => {
  const queued = await startCollector({ vars: { INGEST_MODE: "queue" } });
  try {
    const ces = { id: "ces1", metric: "ces", scale: 5, touchpoint: "t", trigger: { event: "e" }, question: { en: "Q?" } };
    await putSite(queued, "al-q", {
      version: 1, origins: [ORIGIN], webhooks: hooks(receiver.url), surveys: [survey, ces],
      alerts: [{ id: "nps-drop", survey: "nps1", below: 0, min_responses: 2 },
        { id: "nps-high", survey: "nps1", above: 50, min_responses: 2 },
        { id: "nps-drop-month", survey: "nps1", below: 0, days: 30, min_responses: 2 },
        { id: "too-hard", survey: "ces1", above: 3.5, min_responses: 2 }],
    });
    const hard = [5, 4].map((score) =>
      responseEvent({ prefix: "al-q", visitor: "visitor-al-q-01", origin: ORIGIN }, { survey: "ces1", metric: "ces", scale: 5, score }));
    const res = await post(queued, "al-q", [...answers("al-q", [1, 2]), ...hard]);
    assert.equal(res.status, 202);
    assert.equal((await res.json()).queued, true);
    const fired = await eventually(() => notices("al-q").alerts?.length === 3, 30_000);
    assert.ok(fired, `fired from the consumer: ${JSON.stringify(notices("al-q"))}`);
    const told = notices("al-q").alerts.map((n) => [n.alert, n.status, n.responses, n.score]).sort();
    assert.deepEqual(told, [["nps-drop", "firing", 2, -100], ["nps-drop-month", "firing", 2, -100], ["too-hard", "firing", 2, 4.5]]);
    const states = Object.fromEntries((await alertsOf(queued, "al-q")).map((a) => [a.id, a.state]));
    assert.deepEqual(states, { "nps-drop": "firing", "nps-high": "ok", "nps-drop-month": "firing", "too-hard": "firing" });
  } finally {
    await queued.stop();
  }
});

test("an alert whose window holds 10,000 events or more is judged after a write at most once a minute; the sweep judges it", async () => {
  const big = { ...survey, id: "big" };
  const small = { ...survey, id: "small" };
  await putSite(collector, "busy", {
    version: 1, origins: [ORIGIN], surveys: [big, small],
    alerts: [{ id: "big-drop", survey: "big", below: 30 }, { id: "small-drop", survey: "small", below: 30, min_responses: 1 }],
  });
  // One promoter through the API, then 9,999 copies of it straight into D1.
  const [first] = answers("busy", [10]).map((e) => ({ ...e, survey: "big", id: "busy-template" }));
  assert.equal((await post(collector, "busy", [first])).status, 202);
  await collector.sql("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 9999) " +
    "INSERT INTO events (site, id, type, survey, touchpoint, metric, scale, score, comment, visitor, client_ts, " +
    "received_at, url, locale, forwarded) SELECT site, 'busy-copy-' || x, type, survey, touchpoint, metric, scale, score, " +
    "comment, visitor, client_ts, received_at, url, locale, 1 FROM c JOIN events ON site = 'busy' AND id = 'busy-template'");
  assert.equal((await fetch(`${collector.url}/__scheduled?cron=*/15+*+*+*+*`)).status, 200);
  const judged = (await alertsOf(collector, "busy")).find((a) => a.id === "big-drop");
  assert.deepEqual([judged.responses, judged.state, judged.score], [10_000, "ok", 100]);

  // Answers to both surveys in one batch: the small window is judged at
  // once, the busy one not within the minute, so it still reads 10,000.
  const batch = [...answers("busy", [0, 0]).map((e) => ({ ...e, survey: "big" })),
    ...answers("busy", [0]).map((e) => ({ ...e, survey: "small" }))];
  assert.equal((await post(collector, "busy", batch)).status, 202);
  const smallJudged = await eventually(async () =>
    (await alertsOf(collector, "busy")).find((a) => a.id === "small-drop" && a.responses === 1), 20_000);
  assert.ok(smallJudged, "the small window is judged right after the write");
  const still = (await alertsOf(collector, "busy")).find((a) => a.id === "big-drop");
  assert.deepEqual([still.responses, still.checked_at], [10_000, judged.checked_at]);

  // The sweep counts it whatever the minute.
  assert.equal((await fetch(`${collector.url}/__scheduled?cron=*/15+*+*+*+*`)).status, 200);
  const swept = (await alertsOf(collector, "busy")).find((a) => a.id === "big-drop");
  assert.equal(swept.responses, 10_002);
  assert.ok(swept.checked_at > judged.checked_at);
});
