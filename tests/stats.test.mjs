// The stats read-out on the real runtime (workerd + local D1): known events
// in, hand-computed numbers out, for every metric, grouping and filter; bad
// query parameters are refused naming the parameter.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { exportEvents, putSite, startCollector } from "./harness.mjs";

const ORIGIN = "https://shop.example";
const SITE = "st";
const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148";
let collector, boundary;

let seq = 0;
const ev = (survey, metric, type, score = null, over = {}) => ({ id: `st-${Date.now()}-${++seq}`, type, survey,
  touchpoint: "checkout", metric, score: type === "response" ? score : null, comment: null, visitor: "visitor-st-0001",
  ts: Date.now(), url: `${ORIGIN}/x`, locale: "en", ...over });
const many = (n, f) => Array.from({ length: n }, f);
let ip = 0;
async function post(events, ua) {
  const headers = { Origin: ORIGIN, "Content-Type": "application/json", "CF-Connecting-IP": `192.0.2.${++ip}` };
  if (ua) headers["User-Agent"] = ua;
  const res = await fetch(`${collector.url}/v1/events`, { method: "POST", headers, body: JSON.stringify({ site: SITE, events }) });
  assert.equal(res.status, 202, await res.text());
}
async function stats(query = "", token = collector.token) {
  const res = await fetch(`${collector.url}/v1/sites/${SITE}/stats${query}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}
const near = (actual, expected) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} != ${expected}`);
// A 95% interval, to 0.01 (the figures are worked out by hand in the comments).
const within = (actual, [low, high]) => assert.ok(Array.isArray(actual) && Math.abs(actual[0] - low) < 0.01 &&
  Math.abs(actual[1] - high) < 0.01, `${JSON.stringify(actual)} != [${low}, ${high}]`);
const nps = (variant) => ({ experiment: "timing", variant });

before(async () => {
  collector = await startCollector();
  const q = { question: { en: "Q?" } };
  await putSite(collector, SITE, { version: 1, origins: [ORIGIN], surveys: [
    { id: "nps1", metric: "nps", touchpoint: "checkout", stage: "purchase", trigger: { event: "e" }, ...q,
      experiment: { id: "timing", variants: [{ id: "now", weight: 1 }, { id: "later", weight: 1 }] } },
    { id: "csat1", metric: "csat", touchpoint: "delivery", stage: "use", trigger: { event: "e" }, ...q },
    { id: "ces5", metric: "ces", scale: 5, touchpoint: "help", trigger: { event: "e" }, ...q },
    { id: "ces7", metric: "ces", scale: 7, touchpoint: "help", trigger: { event: "e" }, ...q },
  ] });
  // Batch A (desktop). NPS variant "now": 4 impressions, responses 10 9 6, 1 dismiss;
  // outside any experiment: 2 impressions, responses 7 3 (touchpoint "thanks").
  await post([
    ...many(4, () => ev("nps1", "nps", "impression", null, nps("now"))),
    ...[10, 9, 6].map((s) => ev("nps1", "nps", "response", s, { ...nps("now"), attributes: { plan: "pro", orders: 3 } })),
    ev("nps1", "nps", "dismiss", null, nps("now")),
    ...many(2, () => ev("nps1", "nps", "impression", null, { touchpoint: "thanks" })),
    ...[7, 3].map((s) => ev("nps1", "nps", "response", s, { touchpoint: "thanks" })),
    ...many(5, () => ev("csat1", "csat", "impression")),
    ...[5, 4, 3, 1].map((s) => ev("csat1", "csat", "response", s)),
    ...[1, 2, 3, 5].map((s) => ev("ces5", "ces", "response", s, { scale: 5 })),
    ...[1, 3, 4, 7, 2].map((s) => ev("ces7", "ces", "response", s, { scale: 7 })),
  ]);
  const stored = await exportEvents(collector, SITE);
  boundary = Math.max(...stored.map((e) => e.received_at)) + 1;
  await new Promise((r) => setTimeout(r, 50));
  // Batch B (a phone), later: NPS variant "later": 2 impressions, response 9.
  await post([...many(2, () => ev("nps1", "nps", "impression", null, nps("later"))),
    ev("nps1", "nps", "response", 9, nps("later"))], IPHONE);
});
after(async () => collector?.stop());

test("per survey: counts, response rate and each metric exactly as defined", async () => {
  const { status, body } = await stats();
  assert.equal(status, 200);
  assert.deepEqual(body.surveys.map((s) => s.survey), ["nps1", "csat1", "ces5", "ces7"]);
  const [n, c, e5, e7] = body.surveys;
  // NPS: 8 impressions, 6 responses: promoters 10 9 9, passive 7, detractors 6 3.
  assert.deepEqual([n.impressions, n.responses, n.dismisses], [8, 6, 1]);
  near(n.response_rate, 75);
  assert.deepEqual([n.nps.promoters, n.nps.passives, n.nps.detractors, n.nps.responses], [3, 1, 2, 6]);
  near(n.nps.score, 100 * 3 / 6 - 100 * 2 / 6);
  // Adjusted Wald: n = 9, p = 3.75/9, d = 2.75/9 -> 11.11 -+ 1.96 * sqrt((p + d - (p - d)^2) / 9).
  within(n.nps.interval, [-43.93, 66.16]);
  // Wilson, 6 of 8.
  within(n.response_rate_interval, [40.93, 92.85]);
  assert.equal(body.confidence, 0.95);
  // CSAT: 5 4 3 1 -> 2 of 4 satisfied.
  assert.deepEqual([c.impressions, c.responses], [5, 4]);
  near(c.response_rate, 80);
  near(c.csat.score, 50);
  within(c.csat.interval, [15.0, 85.0]);
  assert.equal(c.csat.satisfied, 2);
  // CES on 5 points: 1 2 3 5 -> mean 2.75, easy (1-2) 2 of 4. No impressions: no rate.
  assert.equal(e5.response_rate, null);
  // Student's t with 3 df (3.182) on a sample sd of 1.71 reaches past both
  // ends of the scale: the interval is the scale.
  assert.deepEqual(e5.ces, [{ scale: 5, responses: 4, mean: 2.75, mean_interval: [1, 5], easy: 2, easy_percent: 50,
    easy_interval: e5.ces[0].easy_interval }]);
  within(e5.ces[0].easy_interval, [15.0, 85.0]);
  // CES on 7 points: 1 3 4 7 2 -> mean 3.4, easy (1-3) 3 of 5.
  assert.equal(e7.ces.length, 1);
  assert.deepEqual([e7.ces[0].scale, e7.ces[0].responses, e7.ces[0].easy], [7, 5, 3]);
  near(e7.ces[0].mean, 3.4);
  near(e7.ces[0].easy_percent, 60);
  // Mean 3.4, sample sd 2.30, t(4) = 2.776: 3.4 -+ 2.86.
  within(e7.ces[0].mean_interval, [1.0, 6.26]);
});

test("group_by=variant: the A/B read-out per experiment variant", async () => {
  const { status, body } = await stats("?survey=nps1&group_by=variant");
  assert.equal(status, 200);
  assert.equal(body.surveys.length, 1);
  const groups = Object.fromEntries(body.surveys[0].groups.map((g) => [`${g.experiment}/${g.variant}`, g]));
  // The experiment's variants in its order (the baseline first), then the rest.
  assert.deepEqual(Object.keys(groups), ["timing/now", "timing/later", "null/null"]);
  const now = groups["timing/now"];
  assert.deepEqual([now.impressions, now.responses, now.dismisses, now.nps.promoters, now.nps.detractors], [4, 3, 1, 2, 1]);
  near(now.nps.score, 100 * 2 / 3 - 100 / 3);
  near(now.response_rate, 75);
  const later = groups["timing/later"];
  assert.deepEqual([later.impressions, later.responses, later.nps.score], [2, 1, 100]);
  near(later.response_rate, 50);
  const none = groups["null/null"];
  assert.deepEqual([none.responses, none.nps.passives, none.nps.detractors, none.nps.score], [2, 1, 1, -50]);
  // Each variant against the experiment's first one ("now"): response rate
  // 50% vs 75% (Agresti-Caffo), NPS 100 vs 33.3 (adjusted Wald); two and
  // four impressions are far from a clear difference.
  assert.equal(now.baseline, undefined);
  assert.equal(none.baseline, undefined);
  assert.equal(later.baseline, "now");
  near(later.difference.response_rate.value, -25);
  within(later.difference.response_rate.interval, [-78.50, 45.17]);
  near(later.difference.score.value, 100 - 100 / 3);
  within(later.difference.score.interval, [-91.80, 108.46]);
  assert.deepEqual([later.difference.response_rate.clear, later.difference.score.clear], [false, false]);
  // The plan: "now" has too few answers (3) to plan on its own spread, so the
  // largest NPS variance, 100^2: 2 (1.959964 + 0.841621)^2 100^2 / 10^2 = 1569.8 -> 1570 a variant.
  assert.deepEqual(later.answers_needed, { difference: 10, per_variant: 1570 });
  assert.equal(now.answers_needed, undefined, "the baseline is what others are planned against");
  // Planned for another difference (`difference`, in the survey's unit): 1569.8 (10/25)^2 = 251.2 -> 252,
  // 1569.8 (10/5)^2 = 6279.1 -> 6280.
  const plan = async (d) => (await stats(`?survey=nps1&group_by=variant&difference=${d}`)).body.surveys[0].groups
    .find((g) => g.variant === "later").answers_needed;
  assert.deepEqual(await plan(25), { difference: 25, per_variant: 252 });
  assert.deepEqual(await plan(5), { difference: 5, per_variant: 6280 });
});

test("group_by touchpoint, stage, device and day", async () => {
  const tp = (await stats("?survey=nps1&group_by=touchpoint")).body.surveys[0].groups;
  assert.deepEqual(tp.map((g) => [g.touchpoint, g.responses]), [["checkout", 4], ["thanks", 2]]);
  const stage = (await stats("?group_by=stage")).body.surveys;
  assert.deepEqual(stage.map((s) => s.groups.map((g) => [g.stage, g.responses])),
    [[["purchase", 6]], [["use", 4]], [[null, 4]], [[null, 5]]]);
  const device = (await stats("?survey=nps1&group_by=device")).body.surveys[0].groups;
  assert.deepEqual(device.map((g) => [g.device, g.impressions, g.responses]), [["desktop", 6, 5], ["mobile", 2, 1]]);
  const days = new Set((await exportEvents(collector, SITE)).map((e) => new Date(e.received_at).toISOString().slice(0, 10)));
  const day = (await stats("?survey=csat1&group_by=day")).body.surveys[0].groups;
  assert.deepEqual(day.map((g) => g.day).sort(), [...days].filter((d) => day.some((g) => g.day === d)).sort());
  assert.equal(day.reduce((n, g) => n + g.responses, 0), 4);
});

test("group_by=attributes.NAME: the read-out per visitor segment attribute", async () => {
  // nps1: "now" answered 10 9 6 as plan "pro" (orders 3); 7 3 9 came without attributes, as did every impression.
  const plan = (await stats("?survey=nps1&group_by=attributes.plan")).body;
  assert.equal(plan.group_by, "attributes.plan");
  const rows = (groups, key) => groups.map((g) => [g[key], g.impressions, g.responses, g.nps.score]);
  const byPlan = rows(plan.surveys[0].groups, "attributes.plan");
  assert.deepEqual(byPlan.map((r) => r.slice(0, 3)), [[null, 8, 3], ["pro", 0, 3]]);
  near(byPlan[0][3], 0); // 9, 7, 3: one promoter, one detractor
  near(byPlan[1][3], 100 / 3); // 10, 9, 6
  const orders = (await stats("?survey=nps1&group_by=attributes.orders")).body.surveys[0].groups;
  assert.deepEqual(orders.map((g) => [g["attributes.orders"], g.responses]), [[null, 3], ["3", 3]], "a number as its text");

  // Booleans, and a name with a '-', on a site of their own.
  await putSite(collector, "seg", { version: 1, origins: [ORIGIN], surveys: [
    { id: "csat1", metric: "csat", touchpoint: "delivery", trigger: { event: "e" }, question: { en: "Q?" } }] });
  const answers = [[5, { returning: true, "signup-source": "ads" }], [4, { returning: true }], [2, { returning: false }], [1, {}]]
    .map(([score, attributes]) => ev("csat1", "csat", "response", score, { attributes }));
  const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
    headers: { Origin: ORIGIN, "Content-Type": "application/json" }, body: JSON.stringify({ site: "seg", events: answers }) });
  assert.equal(res.status, 202, await res.text());
  const seg = async (query) => (await (await fetch(`${collector.url}/v1/sites/seg/stats${query}`,
    { headers: { Authorization: `Bearer ${collector.token}` } })).json()).surveys[0].groups;
  assert.deepEqual((await seg("?group_by=attributes.returning")).map((g) => [g["attributes.returning"], g.responses, g.csat.score]),
    [[null, 1, 0], ["false", 1, 0], ["true", 2, 100]]);
  assert.deepEqual((await seg("?group_by=attributes.signup-source")).map((g) => [g["attributes.signup-source"], g.responses]),
    [[null, 3], ["ads", 1]]);
  assert.deepEqual((await seg("?group_by=attributes.nobody-has-this")).map((g) => [g["attributes.nobody-has-this"], g.responses]),
    [[null, 4]], "an attribute no event has: one group of everyone");
});

test("group_by=attributes.NAME with a value per visitor: the 20 values with the most events, the rest folded into one group", async () => {
  await putSite(collector, "ids", { version: 1, origins: [ORIGIN], surveys: [
    { id: "csat1", metric: "csat", touchpoint: "delivery", trigger: { event: "e" }, question: { en: "Q?" } }] });
  // "big" answered 5 5 5; u00..u23 answered 1 each; two answers came without the attribute (5, 1).
  const answers = [...many(3, () => ev("csat1", "csat", "response", 5, { attributes: { who: "big" } })),
    ...many(24, (_, i) => ev("csat1", "csat", "response", 1, { attributes: { who: `u${String(i).padStart(2, "0")}` } })),
    ev("csat1", "csat", "response", 5), ev("csat1", "csat", "response", 1)];
  const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
    headers: { Origin: ORIGIN, "Content-Type": "application/json" }, body: JSON.stringify({ site: "ids", events: answers }) });
  assert.equal(res.status, 202, await res.text());
  const body = await (await fetch(`${collector.url}/v1/sites/ids/stats?group_by=attributes.who`,
    { headers: { Authorization: `Bearer ${collector.token}` } })).json();
  const [survey] = body.surveys;
  assert.equal(survey.responses, 29, "the total counts every answer");
  const groups = survey.groups.map((g) => [g["attributes.who"], g.responses, g.csat.score, g.other_values]);
  // Events without the attribute keep their group; ties (one answer each) are kept in the values' order.
  assert.deepEqual(groups, [[null, 2, 50, undefined], ["big", 3, 100, undefined],
    ...many(19, (_, i) => [`u${String(i).padStart(2, "0")}`, 1, 0, undefined]), [null, 5, 0, 5]]);
  assert.equal(survey.groups.reduce((n, g) => n + g.responses, 0), 29, "no answer lost by folding");
});

test("from (inclusive) and to (exclusive) filter on received_at", async () => {
  const later = (await stats(`?survey=nps1&from=${boundary}`)).body.surveys;
  assert.deepEqual(later.map((s) => [s.impressions, s.responses, s.nps.score]), [[2, 1, 100]]);
  const earlier = (await stats(`?to=${boundary}`)).body.surveys;
  assert.deepEqual(earlier.map((s) => [s.survey, s.responses]), [["nps1", 5], ["csat1", 4], ["ces5", 4], ["ces7", 5]]);
  // An empty window still lists every configured survey, with zeros.
  const empty = (await stats(`?from=${boundary}&to=${boundary}`)).body.surveys;
  assert.deepEqual(empty.map((s) => [s.survey, s.impressions, s.responses, s.response_rate]),
    [["nps1", 0, 0, null], ["csat1", 0, 0, null], ["ces5", 0, 0, null], ["ces7", 0, 0, null]]);
  assert.deepEqual([empty[0].nps.score, empty[0].nps.interval, empty[1].csat.score, empty[2].ces], [null, null, null, []]);
});

test("compare=previous: each survey against the period of the same length just before, with its change", async () => {
  // The window starts at the boundary and is long enough for the period
  // before it to hold all of batch A (and only it: nothing came earlier).
  const first = Math.min(...(await exportEvents(collector, SITE)).map((e) => e.received_at));
  const to = Math.max(Date.now() + 1, 2 * boundary - first);
  const { status, body } = await stats(`?from=${boundary}&to=${to}&compare=previous`);
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(body.previous, { from: 2 * boundary - to, to: boundary });
  const [n, c] = body.surveys;
  // Now: NPS 100 from one answer, 1 of 2 impressions answered. Before:
  // 10 9 6 7 3 -> NPS 0, 5 of 6 answered.
  assert.deepEqual([n.survey, n.responses, n.nps.score], ["nps1", 1, 100]);
  assert.deepEqual([n.previous.responses, n.previous.impressions, n.previous.nps.score], [5, 6, 0]);
  near(n.change.score.value, 100);
  // Adjusted Wald for two groups: (1.75 - 0.75) / 4 - (2.75 - 2.75) / 8 = 0.25,
  // variances 0.140625 and 0.0859375: 25 -+ 1.96 * 47.60.
  within(n.change.score.interval, [-68.29, 118.29]);
  assert.equal(n.change.score.clear, false, "one answer proves nothing");
  near(n.change.response_rate.value, 50 - 500 / 6);
  // Agresti-Caffo: 2/4 - 6/8 = -25 -+ 1.96 * sqrt(0.0625 + 0.0234375) = 57.46.
  within(n.change.response_rate.interval, [-82.46, 32.46]);
  // CSAT was answered before and not now: listed, with nothing to compare.
  assert.deepEqual([c.survey, c.responses, c.previous.responses, c.previous.csat.score], ["csat1", 0, 4, 50]);
  assert.equal(c.change.score, null);
  assert.deepEqual(body.surveys.map((s) => s.survey), ["nps1", "csat1", "ces5", "ces7"]);
  // Grouped, each group against itself in the period before. Now: checkout 9 (1 of 2 impressions).
  // Before: checkout 10 9 6 (3 of 4), thanks 7 3 (2 of 2): seen only then, listed with zeros.
  const grouped = async (by) =>
    (await stats(`?survey=nps1&from=${boundary}&to=${to}&compare=previous&group_by=${by}`)).body.surveys[0].groups;
  const tp = await grouped("touchpoint");
  assert.deepEqual(tp.map((g) => [g.touchpoint, g.responses, g.previous.responses, g.previous.impressions]),
    [["checkout", 1, 3, 4], ["thanks", 0, 2, 2]]);
  near(tp[0].change.score.value, 100 - 100 / 3);
  near(tp[0].change.response_rate.value, 50 - 75);
  assert.deepEqual([tp[1].change.score, tp[1].previous.nps.score], [null, -50], "no answers now: nothing to compare");
  const device = await grouped("device");
  assert.deepEqual(device.map((g) => [g.device, g.responses, g.previous.responses]), [["desktop", 0, 5], ["mobile", 1, 0]]);
  assert.ok((await grouped("day")).every((g) => g.previous === undefined && g.change === undefined),
    "days are not compared with other days");
  // Without compare, or without from, nothing of this.
  assert.equal((await stats(`?from=${boundary}`)).body.previous, undefined);
  const refused = await stats("?compare=previous");
  assert.deepEqual([refused.status, refused.body.error.field], [400, "compare"]);
  const typo = await stats(`?from=${boundary}&compare=last_week`);
  assert.deepEqual([typo.status, typo.body.error.field], [400, "compare"]);
});

test("a survey's metric or CES scale changed: answers keep theirs, and no number mixes two", async () => {
  const site = "changed";
  const q = { question: { en: "Q?" } };
  const surveys = (metric, scale) => [
    { id: "q1", metric, touchpoint: "t", trigger: { event: "e" }, ...q },
    { id: "c1", metric: "ces", scale, touchpoint: "t", trigger: { event: "e" }, ...q },
  ];
  const send = async (events) => {
    const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
      headers: { Origin: ORIGIN, "Content-Type": "application/json", "CF-Connecting-IP": `192.0.2.${++ip}` },
      body: JSON.stringify({ site, events }) });
    return [res.status, await res.json()];
  };
  await putSite(collector, site, { version: 1, origins: [ORIGIN], surveys: surveys("csat", 7) });
  await send([1, 2, 3].map((s) => ev("q1", "csat", "response", s)));
  await putSite(collector, site, { version: 1, origins: [ORIGIN], surveys: surveys("nps", 5) });
  // A page still holding the old configuration answers the CES question on
  // 7 points: kept on its scale, not refused.
  const [status, body] = await send([...[10, 10].map((s) => ev("q1", "nps", "response", s)),
    ev("c1", "ces", "response", 6, { scale: 7 }), ev("c1", "ces", "response", 2, { scale: 5 })]);
  assert.equal(status, 202);
  assert.deepEqual(body, { accepted: 4, duplicates: 0, rejected: [] });
  const res = await fetch(`${collector.url}/v1/sites/${site}/stats`, { headers: { Authorization: `Bearer ${collector.token}` } });
  const read = (await res.json()).surveys;
  assert.deepEqual(read.map((s) => [s.survey, s.metric, s.responses]), [["q1", "nps", 2], ["q1", "csat", 3], ["c1", "ces", 2]]);
  assert.deepEqual([read[0].nps.score, read[0].nps.detractors], [100, 0], "the NPS counts NPS answers only");
  assert.deepEqual([read[1].csat.score, read[1].csat.responses], [0, 3]);
  assert.deepEqual(read[2].ces.map((c) => [c.scale, c.responses, c.mean]), [[5, 1, 2], [7, 1, 6]]);
});

test("bad query parameters -> 400 naming the parameter; no token -> 401", async () => {
  const cases = [["?group_by=week", "group_by"], ["?group_by=attributes.", "group_by"], ["?group_by=attributes.a.b", "group_by"],
    ["?group_by=attributes.%22x", "group_by"], ["?group_by=attribute.plan", "group_by"], ["?from=abc", "from"], ["?to=-1", "to"], ["?from=5&to=1", "to"],
    ["?survey=a%20b", "survey"], ["?grup_by=day", "grup_by"], ["?survey=nps1&survey=csat1", "survey"],
    ["?from=9007199254740993", "from"], ["?group_by=variant&difference=5", "difference"],
    ["?survey=nps1&difference=5", "difference"], ["?survey=nps1&group_by=variant&difference=0", "difference"],
    ["?survey=nps1&group_by=variant&difference=-5", "difference"], ["?survey=nps1&group_by=variant&difference=ten", "difference"],
    ["?survey=nps1&group_by=variant&difference=201", "difference"], ["?survey=ces5&group_by=variant&difference=4.5", "difference"]];
  for (const [query, field] of cases) {
    const { status, body } = await stats(query);
    assert.equal(status, 400, query);
    assert.equal(body.error.field, field, query);
  }
  assert.equal((await stats("", "")).status, 401);
});

test("experiment, variant and attributes are stored and exported", async () => {
  const rows = await exportEvents(collector, SITE);
  const r = rows.find((e) => e.type === "response" && e.variant === "now");
  assert.equal(r.experiment, "timing");
  assert.deepEqual(r.attributes, { plan: "pro", orders: 3 });
  const plain = rows.find((e) => e.survey === "csat1");
  assert.equal(plain.attributes, null);
  assert.equal(plain.experiment, null);
});
