// Forwarding on the real runtime: accepted events reach a real local HTTP
// webhook receiver through the local Queue, signed; a failing receiver gets
// retries, then the delivery is a dead letter the admin API lists and
// replays.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { eventually, putSite, responseEvent, startCollector, startWebhookReceiver } from "./harness.mjs";

const ORIGIN = "https://shop.example";
const SECRET = "whsec_" + "k".repeat(24);
let collector, receiver, receiverUrl;
const received = [];
let failing = false;

/** Verifies a delivery exactly as the README tells receivers to. */
function verify(headers, body) {
  const ts = headers["x-touchpoint-timestamp"];
  const sig = headers["x-touchpoint-signature"] ?? "";
  const expected = "v1=" + createHmac("sha256", SECRET).update(`${ts}.${body}`).digest("hex");
  const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300;
  return fresh && sig.length === expected.length && timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
}

before(async () => {
  receiver = await startWebhookReceiver((headers, body, path) => {
    received.push({ headers, body, path, failed: failing });
    return failing ? 500 : 204;
  });
  receiverUrl = receiver.url;
  collector = await startCollector();
  await putSite(collector, "fwd", {
    version: 1, origins: [ORIGIN], webhooks: [{ url: receiverUrl, secret: SECRET }],
    surveys: [{ id: "nps1", metric: "nps", touchpoint: "t", trigger: { event: "e" }, question: { en: "Q?" } }],
  });
});
after(async () => {
  await collector?.stop();
  await receiver?.close();
});

const event = (over = {}) => responseEvent({ prefix: "fwd", visitor: "visitor-fwd-01", origin: ORIGIN }, over);
const post = (events) => fetch(`${collector.url}/v1/events`, {
  method: "POST", headers: { Origin: ORIGIN, "Content-Type": "application/json" }, body: JSON.stringify({ site: "fwd", events }),
});
// Chat deliveries (`format: "slack"`) carry text, not events.
const deliveredIds = () => received.filter((r) => !r.failed).flatMap((r) => (JSON.parse(r.body).events ?? []).map((e) => e.id));
const admin = (path, method = "GET") => fetch(`${collector.url}/v1/admin/sites/fwd${path}`, {
  method, headers: { Authorization: `Bearer ${collector.token}` } });

test("every accepted event is delivered once per webhook, signed; a replayed batch is not re-sent", async () => {
  const batch = [event(), event({ type: "impression", score: null })];
  assert.equal((await post(batch)).status, 202);
  await eventually(() => batch.every((e) => deliveredIds().includes(e.id)), 20_000);
  const delivery = received.find((r) => JSON.parse(r.body).events.some((e) => e.id === batch[0].id));
  assert.ok(verify(delivery.headers, delivery.body), "valid X-Touchpoint-Signature");
  assert.equal(JSON.parse(delivery.body).site, "fwd");
  assert.equal((await post(batch)).status, 202);
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(deliveredIds().filter((id) => id === batch[0].id).length, 1, "not forwarded twice");
});

test("a large batch reaches each of ten webhooks whole, in as many queue messages as it needs", async () => {
  const hooks = Array.from({ length: 10 }, (_, i) => ({ url: `${receiverUrl}?hook=${i}`, secret: SECRET }));
  await putSite(collector, "fan", {
    version: 1, origins: [ORIGIN], webhooks: hooks,
    surveys: [{ id: "nps1", metric: "nps", touchpoint: "t", trigger: { event: "e" }, question: { en: "Q?" } }],
  });
  // About 60 KB, near the body limit, of text the queue counts at more than
  // a byte a character: Chinese (three bytes each in UTF-8) and quotes
  // (escaped once more in the queued message).
  const comment = "送货很快".repeat(450) + '"'.repeat(200);
  const batch = Array.from({ length: 10 }, () => responseEvent({ prefix: "fan", visitor: "visitor-fan-01", origin: ORIGIN }, { comment }));
  const res = await fetch(`${collector.url}/v1/events`, {
    method: "POST", headers: { Origin: ORIGIN, "Content-Type": "application/json" }, body: JSON.stringify({ site: "fan", events: batch }),
  });
  assert.equal(res.status, 202, await res.text());
  const byHook = () => {
    const ids = new Map();
    for (const r of received.filter((r) => !r.failed && r.path.includes("?hook="))) {
      const set = ids.get(r.path) ?? new Set();
      for (const e of JSON.parse(r.body).events) if (e.id.startsWith("fan-")) set.add(e.id);
      ids.set(r.path, set);
    }
    return ids;
  };
  const all = await eventually(() => byHook().size === 10 && [...byHook().values()].every((s) => s.size === 10), 30_000);
  assert.ok(all, `deliveries per webhook: ${[...byHook()].map(([p, s]) => `${p}: ${s.size}`).join(", ")}`);
  const delivered = received.filter((r) => r.path.includes("?hook="));
  assert.ok(delivered.every((r) => verify(r.headers, r.body)), "every part signed");
});

test("experiment, variant and segment attributes travel in the forwarded event", async () => {
  const e = event({ experiment: "timing", variant: "exit", attributes: { plan: "pro", returning: true, ltv: 129 } });
  assert.equal((await post([e])).status, 202);
  await eventually(() => deliveredIds().includes(e.id), 20_000);
  const sent = received.flatMap((r) => JSON.parse(r.body).events).find((x) => x.id === e.id);
  assert.deepEqual([sent.experiment, sent.variant, sent.attributes], ["timing", "exit", e.attributes]);
});

test("a later comment is forwarded as an update of the same response", async () => {
  const e = event();
  await post([e]);
  await post([{ ...e, comment: "the why" }]);
  await eventually(() => received.some((r) => !r.failed && JSON.parse(r.body).events.some((x) => x.id === e.id && x.comment === "the why")), 20_000);
});

test("a webhook's filter: a help desk hears only detractors who said why, as they say it", async () => {
  const only = { types: ["response"], bands: ["detractor"], with_comment: true };
  await putSite(collector, "desk", {
    version: 1, origins: [ORIGIN], surveys: [{ id: "nps1", metric: "nps", touchpoint: "t", trigger: { event: "e" }, question: { en: "Q?" } }],
    webhooks: [{ url: `${receiverUrl}?to=all`, secret: SECRET }, { url: `${receiverUrl}?to=desk`, secret: SECRET, only }],
  });
  const send = async (events) => {
    const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
      headers: { Origin: ORIGIN, "Content-Type": "application/json" }, body: JSON.stringify({ site: "desk", events }) });
    assert.equal(res.status, 202, await res.text());
  };
  const e = (over) => responseEvent({ prefix: "desk", visitor: "visitor-desk-01", origin: ORIGIN }, over);
  const angry = e({ score: 2 });
  const happy = e({ score: 10, comment: "great" });
  const quiet = e({ score: 0 });
  const shown = e({ type: "impression", score: null });
  await send([shown, angry, happy, quiet]);
  await send([{ ...angry, comment: "late again" }]);
  const heard = (to) => received.filter((r) => !r.failed && r.path.endsWith(`?to=${to}`)).flatMap((r) => JSON.parse(r.body).events);
  // The unfiltered webhook hears all five (the update included): by then
  // every delivery of both batches has been handed to the queue.
  await eventually(() => heard("all").length === 5, 20_000);
  await eventually(() => heard("desk").length >= 1, 20_000);
  await new Promise((r) => setTimeout(r, 2000));
  assert.deepEqual(heard("desk").map((x) => [x.id, x.score, x.comment]), [[angry.id, 2, "late again"]]);
  assert.ok(received.filter((r) => r.path.endsWith("?to=desk")).every((r) => verify(r.headers, r.body)));
  // A filter that cannot be read is refused, naming it: a typo never means "everything".
  for (const [bad, field] of [[{ bands: ["angry"] }, "webhooks[1].only.bands[0]"], [{ band: ["detractor"] }, "webhooks[1].only"],
    [{ surveys: ["no such/id"] }, "webhooks[1].only.surveys[0]"]]) {
    const res = await fetch(`${collector.url}/v1/admin/sites/desk`, { method: "PUT",
      headers: { Authorization: `Bearer ${collector.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ version: 1, origins: [ORIGIN], surveys: [],
        webhooks: [{ url: `${receiverUrl}?to=all`, secret: SECRET }, { url: `${receiverUrl}?to=desk`, secret: SECRET, only: bad }] }) });
    const body = await res.json();
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.ok(JSON.stringify(body).includes(field), `${JSON.stringify(body)} names ${field}`);
  }
});

test("a chat webhook (format slack) gets a line per answer, the visitor's text escaped", async () => {
  await putSite(collector, "chat", {
    version: 1, origins: [ORIGIN], surveys: [{ id: "nps1", metric: "nps", touchpoint: "t", trigger: { event: "e" }, question: { en: "Q?" } }],
    webhooks: [{ url: `${receiverUrl}?to=chat`, secret: SECRET, format: "slack", only: { bands: ["detractor"], with_comment: true } }],
  });
  const e = (over) => responseEvent({ prefix: "chat", visitor: "visitor-chat-01", origin: ORIGIN }, over);
  const res = await fetch(`${collector.url}/v1/events`, { method: "POST", headers: { Origin: ORIGIN, "Content-Type": "application/json" },
    body: JSON.stringify({ site: "chat", events: [e({ score: 3, comment: "<!channel> it came <b>late</b> & cold" }), e({ score: 10, comment: "great" })] }) });
  assert.equal(res.status, 202);
  const chat = () => received.filter((r) => !r.failed && r.path.endsWith("?to=chat"));
  await eventually(() => chat().length >= 1, 20_000);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(chat().length, 1, "one message: the promoter is filtered out");
  assert.deepEqual(JSON.parse(chat()[0].body),
    { text: "[chat] NPS 3/10 (detractor) · nps1 at t: “&lt;!channel&gt; it came &lt;b&gt;late&lt;/b&gt; &amp; cold”" });
  assert.ok(verify(chat()[0].headers, chat()[0].body), "signed as well");
  const bad = await fetch(`${collector.url}/v1/admin/sites/chat`, { method: "PUT",
    headers: { Authorization: `Bearer ${collector.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ version: 1, origins: [ORIGIN], webhooks: [{ url: receiverUrl, secret: SECRET, format: "teams" }] }) });
  const body = await bad.json();
  assert.equal(bad.status, 400);
  assert.ok(JSON.stringify(body).includes("webhooks[0].format"), JSON.stringify(body));
});

test("a failing receiver: retries, then a dead letter; replay delivers it", async () => {
  failing = true;
  const e = event({ score: 2 });
  assert.equal((await post([e])).status, 202);
  const letters = await eventually(async () => {
    const body = await (await admin("/dead-letters")).json();
    return body.dead_letters.length > 0 && body.dead_letters;
  }, 90_000);
  assert.ok(letters, "the delivery became a dead letter");
  const attempts = received.filter((r) => r.failed && r.body.includes(e.id)).length;
  assert.ok(attempts >= 2, `retried before giving up (${attempts} attempts)`);
  assert.equal(letters[0].url, receiverUrl);
  assert.equal(letters[0].events[0].id, e.id);
  failing = false;
  const replay = await admin("/dead-letters/replay", "POST");
  assert.equal((await replay.json()).replayed, letters.length);
  await eventually(() => deliveredIds().includes(e.id), 20_000);
  const ok = received.find((r) => !r.failed && r.body.includes(e.id));
  assert.ok(verify(ok.headers, ok.body));
  assert.deepEqual((await (await admin("/dead-letters")).json()).dead_letters, []);
});

test("a pile of dead letters (a receiver down for long) is listed a page at a time and replayed 100 a call", async () => {
  const before = await (await admin("/dead-letters")).json();
  assert.deepEqual([before.dead_letters, before.total], [[], 0]);
  // 120 deliveries that failed every retry, as the dead-letter consumer stores them.
  const piled = Array.from({ length: 120 }, () => event());
  const now = Date.now();
  const rows = piled.map((e, i) => `('pile-${i}', 'fwd', '${receiverUrl}', '${JSON.stringify([e]).replaceAll("'", "''")}', ${now - 120 + i})`);
  await collector.sql(`INSERT INTO dead_letters (id, site, url, events, failed_at) VALUES ${rows.join(", ")}`);
  const listed = await (await admin("/dead-letters")).json();
  assert.equal(listed.total, 120);
  assert.equal(listed.dead_letters.length, 100, "a page of the oldest");
  assert.deepEqual(listed.dead_letters.slice(0, 2).map((l) => l.events[0].id), [piled[0].id, piled[1].id]);
  const replay = async () => {
    const res = await admin("/dead-letters/replay", "POST");
    assert.equal(res.status, 202);
    return res.json();
  };
  assert.deepEqual(await replay(), { replayed: 100, left: 20 });
  assert.deepEqual(await replay(), { replayed: 20, left: 0 });
  assert.deepEqual(await replay(), { replayed: 0, left: 0 });
  const ids = piled.map((e) => e.id);
  assert.ok(await eventually(() => ids.every((id) => deliveredIds().includes(id)), 30_000), "every one delivered");
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(ids.every((id) => deliveredIds().filter((x) => x === id).length === 1), "each once");
  assert.equal((await (await admin("/dead-letters")).json()).total, 0);
});

test("erasing a visitor tells every JSON webhook that takes events, signed; a failed notice is a dead letter replay delivers", async () => {
  const hooks = [
    { url: `${receiverUrl}?hook=all`, secret: SECRET },
    { url: `${receiverUrl}?hook=detractors`, secret: SECRET, only: { types: ["response"], bands: ["detractor"] } },
    { url: `${receiverUrl}?hook=alerts`, secret: SECRET, only: { types: ["alert"] } },
    { url: `${receiverUrl}?hook=chat`, secret: SECRET, format: "slack" },
  ];
  await putSite(collector, "ers", { version: 1, origins: [ORIGIN], webhooks: hooks,
    surveys: [{ id: "nps1", metric: "nps", touchpoint: "t", trigger: { event: "e" }, question: { en: "Q?" } }] });
  const visitor = "visitor-ers-forget";
  const erasuresAt = (hook) => received.filter((r) => !r.failed && r.path.includes(`hook=${hook}`))
    .flatMap((r) => JSON.parse(r.body).erasures ?? []);
  const res = await fetch(`${collector.url}/v1/admin/sites/ers/visitors/${visitor}`,
    { method: "DELETE", headers: { Authorization: `Bearer ${collector.token}` } });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.webhooks_told, 2);
  assert.ok(await eventually(() => erasuresAt("all").length === 1 && erasuresAt("detractors").length === 1, 20_000),
    "the webhooks that may hold their events hear it");
  const delivery = received.find((r) => r.path.includes("hook=all") && r.body.includes('"erasures"'));
  assert.ok(verify(delivery.headers, delivery.body), "signed like every delivery");
  const sent = JSON.parse(delivery.body);
  assert.deepEqual([sent.site, sent.events, sent.erasures[0].visitor], ["ers", [], visitor]);
  assert.ok(Math.abs(sent.erasures[0].at - Date.now()) < 60_000);
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual([erasuresAt("alerts"), received.filter((r) => r.path.includes("hook=chat"))], [[], []],
    "not the alerts-only webhook, not a chat");

  // A notice that failed every retry: kept with its erasures, listed, and delivered by a replay.
  const notice = JSON.stringify([{ visitor: "visitor-ers-later", at: 1 }]);
  await collector.sql("INSERT INTO dead_letters (id, site, url, events, erasures, failed_at) VALUES " +
    `('ers-1', 'ers', '${receiverUrl}?hook=all', '[]', '${notice}', 1)`);
  const ersAdmin = (path, method = "GET") => fetch(`${collector.url}/v1/admin/sites/ers${path}`,
    { method, headers: { Authorization: `Bearer ${collector.token}` } });
  const [letter] = (await (await ersAdmin("/dead-letters")).json()).dead_letters;
  assert.deepEqual(letter.erasures, [{ visitor: "visitor-ers-later", at: 1 }]);
  assert.deepEqual(await (await ersAdmin("/dead-letters/replay", "POST")).json(), { replayed: 1, left: 0 });
  assert.ok(await eventually(() => erasuresAt("all").some((e) => e.visitor === "visitor-ers-later"), 20_000));
  // Erasing a visitor keeps a letter that still tells of an erasure.
  await collector.sql("INSERT INTO dead_letters (id, site, url, events, erasures, failed_at) VALUES " +
    `('ers-2', 'ers', '${receiverUrl}?hook=all', '[]', '${notice}', 2)`);
  const again = await (await fetch(`${collector.url}/v1/admin/sites/ers/visitors/${visitor}`,
    { method: "DELETE", headers: { Authorization: `Bearer ${collector.token}` } })).json();
  assert.equal(again.dead_letters_changed, 0);
  assert.equal((await (await ersAdmin("/dead-letters")).json()).total, 1);
});

test("a webhook with only.words hears the answers whose comment says one of them, in any case", async () => {
  await putSite(collector, "wrd", { version: 1, origins: [ORIGIN],
    webhooks: [{ url: `${receiverUrl}?hook=words`, secret: SECRET, only: { words: ["refund", "CASSÉ"] } }],
    surveys: [{ id: "nps1", metric: "nps", touchpoint: "t", trigger: { event: "e" }, question: { en: "Q?" } }] });
  const said = (comment, score = 3) => responseEvent({ prefix: "wrd", visitor: "visitor-wrd-01", origin: ORIGIN }, { score, comment });
  const events = [said("I want a Refund"), said("Écran cassé"), said("all good", 10), said(null, 2)];
  const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
    headers: { Origin: ORIGIN, "Content-Type": "application/json" }, body: JSON.stringify({ site: "wrd", events }) });
  assert.equal(res.status, 202, await res.text());
  const heard = () => received.filter((r) => !r.failed && r.path.includes("hook=words"))
    .flatMap((r) => JSON.parse(r.body).events.map((e) => e.comment));
  assert.ok(await eventually(() => heard().length >= 2, 20_000), JSON.stringify(heard()));
  // The score-only answer, once its comment arrives, is delivered if the comment says a word.
  const later = { ...events[3], comment: "where is my REFUND?" };
  assert.equal((await fetch(`${collector.url}/v1/events`, { method: "POST",
    headers: { Origin: ORIGIN, "Content-Type": "application/json" },
    body: JSON.stringify({ site: "wrd", events: [later] }) })).status, 202);
  assert.ok(await eventually(() => heard().length >= 3, 20_000), JSON.stringify(heard()));
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(heard().sort(), ["I want a Refund", "where is my REFUND?", "Écran cassé"].sort());
});
