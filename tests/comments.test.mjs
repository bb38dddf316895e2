// The comments read-out on the real runtime (workerd + local D1): the
// answers that came with a "why", newest first, a page at a time, narrowed
// by survey, band, words and period; bad parameters refused by name.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { putSite, startCollector } from "./harness.mjs";

const ORIGIN = "https://shop.example";
const SITE = "cm";
let collector;

let seq = 0;
const answer = (survey, metric, score, comment, over = {}) => ({ id: `cm-${Date.now()}-${++seq}`, type: "response",
  survey, touchpoint: `${survey}-tp`, metric, score, comment, visitor: "visitor-cm-0001", ts: Date.now(),
  url: `${ORIGIN}/thanks`, locale: "en", ...over });
async function post(events) {
  const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
    headers: { Origin: ORIGIN, "Content-Type": "application/json" }, body: JSON.stringify({ site: SITE, events }) });
  assert.equal(res.status, 202, await res.text());
  // The next batch is received at a later millisecond: newest first is then well defined.
  await new Promise((r) => setTimeout(r, 5));
}
async function comments(query = "", { site = SITE, token = collector.token } = {}) {
  const res = await fetch(`${collector.url}/v1/sites/${site}/comments${query}`,
    token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  return { status: res.status, body: await res.json() };
}
const texts = (body) => body.comments.map((c) => c.comment);

// Posted oldest first, one batch each (see `post`).
const posted = [];
before(async () => {
  collector = await startCollector();
  const q = { question: { en: "Q?" } };
  await putSite(collector, SITE, { version: 1, origins: [ORIGIN], surveys: [
    { id: "nps1", metric: "nps", touchpoint: "nps1-tp", trigger: { event: "e" }, ...q },
    { id: "csat1", metric: "csat", touchpoint: "csat1-tp", trigger: { event: "e" }, ...q },
    { id: "ces5", metric: "ces", scale: 5, touchpoint: "ces5-tp", trigger: { event: "e" }, ...q },
    { id: "ces7", metric: "ces", scale: 7, touchpoint: "ces7-tp", trigger: { event: "e" }, ...q },
  ] });
  await putSite(collector, "other", { version: 1, origins: [ORIGIN], surveys: [] });
  const add = async (...args) => {
    const e = answer(...args);
    posted.push(e);
    await post([e]);
    return e;
  };
  await add("nps1", "nps", 2, "Delivery was LATE again");
  await add("nps1", "nps", 10, "Lovely shop");
  await add("nps1", "nps", 7, "ok I guess, shipping slow");
  // Two in one batch: received in the same millisecond, ordered (and paged) by id.
  const pair = [answer("csat1", "csat", 2, "<b>Rude</b> support"), answer("csat1", "csat", 5, "Great help")];
  posted.push(...pair);
  await post(pair);
  await add("ces5", "ces", 3, "Took a while", { scale: 5 }); // 3 of 5 is the midpoint: hard
  await add("ces7", "ces", 3, "Fairly easy", { scale: 7 }); // 3 of 7 is below the midpoint: easy
  // Not comments: a score alone, a blank comment, an impression.
  await post([answer("nps1", "nps", 0, null), answer("nps1", "nps", 1, "   \n "),
    answer("nps1", "nps", null, null, { type: "impression" })]);
  // A score first, then its comment as an update of the same answer: one comment, the latest text.
  const first = answer("nps1", "nps", 4, null);
  await post([first]);
  await post([{ ...first, comment: "Checkout kept failing" }]);
  posted.push({ ...first, comment: "Checkout kept failing" });
});
after(async () => collector?.stop());

test("lists the answers with a comment, newest first, each with its score's band", async () => {
  const { status, body } = await comments();
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.site, SITE);
  assert.deepEqual(texts(body), posted.map((e) => e.comment).reverse());
  assert.equal(body.next, null, "everything fits one page");
  const latest = body.comments[0];
  assert.equal(latest.id, posted.at(-1).id, "the comment update is the same answer");
  assert.equal(latest.score, 4);
  assert.equal(latest.band, "detractor");
  assert.equal(latest.survey, "nps1");
  assert.equal(latest.touchpoint, "nps1-tp");
  assert.equal(latest.url, `${ORIGIN}/thanks`);
  assert.equal(typeof latest.received_at, "number");
  assert.equal(latest.visitor, undefined, "the read-out does not name visitors");
  const byText = Object.fromEntries(body.comments.map((c) => [c.comment, c]));
  assert.equal(byText["<b>Rude</b> support"].band, "low", "markup comes back as the text it was");
  assert.equal(byText["Took a while"].band, "hard");
  assert.deepEqual([byText["Fairly easy"].band, byText["Fairly easy"].scale], ["easy", 7]);
  assert.equal(byText["ok I guess, shipping slow"].band, "passive");
});

test("narrows by band, survey, words and period", async () => {
  assert.deepEqual(texts((await comments("?band=detractor,low,hard")).body),
    ["Checkout kept failing", "Took a while", "<b>Rude</b> support", "Delivery was LATE again"]);
  assert.deepEqual(texts((await comments("?band=easy")).body), ["Fairly easy"], "CES easy is judged on each answer's own scale");
  assert.deepEqual(texts((await comments("?survey=csat1")).body), ["Great help", "<b>Rude</b> support"]);
  assert.deepEqual(texts((await comments("?survey=nps1&band=promoter,passive")).body),
    ["ok I guess, shipping slow", "Lovely shop"]);
  assert.deepEqual(texts((await comments("?q=late")).body), ["Delivery was LATE again"], "any case");
  assert.deepEqual(texts((await comments(`?q=${encodeURIComponent("<b>")}`)).body), ["<b>Rude</b> support"]);
  assert.deepEqual(texts((await comments("?q=%25")).body), [], "% is a character, not a wildcard");
  assert.deepEqual(texts((await comments("?q=shipping&band=detractor")).body), []);
  const all = (await comments()).body.comments;
  const middle = all.find((c) => c.comment === "Great help").received_at;
  assert.deepEqual(texts((await comments(`?to=${middle}`)).body),
    ["ok I guess, shipping slow", "Lovely shop", "Delivery was LATE again"], "to is exclusive");
  assert.deepEqual(texts((await comments(`?from=${middle}&survey=csat1`)).body), ["Great help", "<b>Rude</b> support"],
    "from is inclusive");
});

test("words are found in any letter case in every script, also in a comment's update; %, _, * and ? are characters", async () => {
  await putSite(collector, "words", { version: 1, origins: [ORIGIN], surveys: [
    { id: "csat1", metric: "csat", touchpoint: "t", trigger: { event: "e" }, question: { en: "Q?" } }] });
  const said = ["Livraison ÉTAIT en retard", "GRÖSSE passt nicht", "ДОСТАВКА медленная", "配送が遅い",
    "Was it 50% off? [promo]", "5* service", "ΤΕΛΟΣ καλό, τέλος", "was late_again"];
  const events = said.map((c) => answer("csat1", "csat", 3, c));
  const send = async (batch) => {
    const res = await fetch(`${collector.url}/v1/events`, { method: "POST",
      headers: { Origin: ORIGIN, "Content-Type": "application/json" }, body: JSON.stringify({ site: "words", events: batch }) });
    assert.equal(res.status, 202, await res.text());
  };
  await send(events);
  const found = async (q) => texts((await comments(`?q=${encodeURIComponent(q)}`, { site: "words" })).body).sort();
  assert.deepEqual(await found("était"), ["Livraison ÉTAIT en retard"]);
  assert.deepEqual(await found("Größe"), [], "ß and SS are different letters here");
  assert.deepEqual(await found("grösse"), ["GRÖSSE passt nicht"]);
  assert.deepEqual(await found("доставка"), ["ДОСТАВКА медленная"]);
  assert.deepEqual(await found("配送"), ["配送が遅い"]);
  assert.deepEqual(await found("τελος"), ["ΤΕΛΟΣ καλό, τέλος"], "capital and final sigma");
  assert.deepEqual(await found("RETARD"), ["Livraison ÉTAIT en retard"], "A-Z in a comment stored with its folded text");
  assert.deepEqual(await found("?"), ["Was it 50% off? [promo]"]);
  assert.deepEqual(await found("*"), ["5* service"]);
  assert.deepEqual(await found("e_a"), ["was late_again"], "_ is a character");
  assert.deepEqual(await found("en retard livraison"), [], "the words as one text, in order");
  // The follow-up comment replaces the first one, and so does what it is found by.
  await send([{ ...events[3], comment: "ÜBERALL zu langsam" }]);
  assert.deepEqual(await found("配送"), []);
  assert.deepEqual(await found("überall"), ["ÜBERALL zu langsam"]);
});

test("pages follow `next` with no answer twice or left out, even as new ones arrive", async () => {
  const seen = [];
  let page = await comments("?limit=4");
  assert.equal(page.body.comments.length, 4);
  seen.push(...page.body.comments);
  // Answered while the pages are read: newer than the first page, so not in the next ones.
  const late = answer("nps1", "nps", 9, "Arrived while paging");
  await post([late]);
  while (page.body.next) {
    page = await comments(`?limit=4&before=${encodeURIComponent(page.body.next)}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    seen.push(...page.body.comments);
  }
  assert.deepEqual(seen.map((c) => c.comment), posted.map((e) => e.comment).reverse());
  assert.equal(texts((await comments("?limit=1")).body)[0], "Arrived while paging", "and it heads the next read");
  // Filters hold across pages.
  const first = await comments("?band=detractor,low,hard&limit=2");
  const second = await comments(`?band=detractor,low,hard&limit=2&before=${encodeURIComponent(first.body.next)}`);
  assert.deepEqual([...texts(first.body), ...texts(second.body)],
    ["Checkout kept failing", "Took a while", "<b>Rude</b> support", "Delivery was LATE again"]);
});

test("needs the site's token or the operator's; another site's is refused", async () => {
  assert.equal((await comments("", { token: null })).status, 401);
  const res = await fetch(`${collector.url}/v1/admin/sites/other/token`, { method: "POST",
    headers: { Authorization: `Bearer ${collector.token}` } });
  const { token } = await res.json();
  const refused = await comments("", { token });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, "forbidden");
  assert.equal((await comments("", { site: "other", token })).status, 200, "its own site");
  assert.deepEqual((await comments("", { site: "other", token })).body.comments, []);
  assert.equal((await comments("", { site: "nope" })).status, 404);
});

test("bad parameters are a 400 naming the parameter", async () => {
  const cases = [
    ["?band=angry", "band"], ["?band=", "band"], ["?band=detractor,", "band"], ["?limit=0", "limit"],
    ["?limit=201", "limit"], ["?limit=+5", "limit"], ["?q=", "q"], ["?q=%20%20", "q"], [`?q=${"x".repeat(201)}`, "q"],
    ["?before=yesterday", "before"], ["?before=12.no%20spaces", "before"], ["?survey=a%20b", "survey"],
    ["?from=-1", "from"], ["?from=10&to=5", "to"], ["?page=2", "page"], ["?band=low&band=high", "band"],
  ];
  for (const [query, field] of cases) {
    const { status, body } = await comments(query);
    assert.equal(status, 400, `${query}: ${JSON.stringify(body)}`);
    assert.equal(body.error.field, field, `${query}: ${JSON.stringify(body)}`);
  }
  assert.equal((await comments(`?q=${"é".repeat(200)}`)).status, 200, "200 characters, not bytes");
});
