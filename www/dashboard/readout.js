// One card per survey entry of the stats read-out: the headline score with
// its interval, the counts, how it changed since the period before (when
// the read-out compares), and when grouped a table of the groups (with the
// difference of each variant to its baseline) and, by day, the charts.
import { dayCharts } from "./chart.js";
import {
  METRICS, SCORE_NAMES, count, el, fixed, groupLabel, groupName, hasResponses, interval, isInterval, isNum, percent, uid,
} from "./format.js";

/**
 * The card of survey entry `s`; `groupBy` as the read-out says, `ci` the
 * interval's label ("95% CI"), `before` what the compared period is called
 * ("the previous 7 days"; null: no comparison).
 */
export function card(s, groupBy, ci, before = null) {
  const headingId = uid("survey");
  const metric = typeof s.metric === "string" ? s.metric : null;
  return el("article", { class: "card", "aria-labelledby": headingId },
    el("h3", { id: headingId }, typeof s.survey === "string" ? s.survey : "(unnamed survey)"),
    el("p", { class: "metric" }, METRICS[metric] ?? (metric ? `Metric: ${metric}` : "Metric not known")),
    headline(s, metric, ci),
    counts(s, ci),
    before && s.change && typeof s.change === "object" ? change(s, metric, ci, before) : null,
    groupBy && Array.isArray(s.groups) ? groupTable(s, metric, groupBy, ci, before) : null,
    groupBy === "day" && Array.isArray(s.groups) ? dayCharts(s, metric) : null);
}

function headline(s, metric, ci) {
  const box = el("div", { class: "headline" });
  const none = () => box.append(el("p", { class: "empty" }, "No responses yet."));
  if (metric === "nps") {
    const t = s.nps;
    if (!hasResponses(t) || !isNum(t.score)) return none(), box;
    box.append(el("p", { class: "score" }, el("span", { class: "big" }, fixed(t.score, 1)), " NPS"),
      el("p", { class: "ci" }, interval(t.interval, ci, 1)), npsBar(t));
  } else if (metric === "csat") {
    const t = s.csat;
    if (!hasResponses(t) || !isNum(t.score)) return none(), box;
    box.append(el("p", { class: "score" }, el("span", { class: "big" }, percent(t.score)), " satisfied"),
      el("p", { class: "detail" }, `${count(t.satisfied)} of ${count(t.responses)} answered 4 or 5`),
      el("p", { class: "ci" }, interval(t.interval, ci, 1, "%")));
  } else if (metric === "ces") {
    const scales = Array.isArray(s.ces) ? s.ces.filter(hasResponses) : [];
    if (scales.length === 0) return none(), box;
    for (const c of scales) box.append(cesLines(c, ci));
  } else {
    none();
  }
  for (const p of box.querySelectorAll("p.ci")) if (!p.textContent) p.remove();
  return box;
}

function cesLines(c, ci) {
  const scale = isNum(c.scale) ? ` on 1–${c.scale}` : "";
  return el("div", { class: "ces" },
    el("p", { class: "score" }, el("span", { class: "big" }, fixed(c.mean, 2)), ` mean effort${scale} (1 = very easy)`),
    el("p", { class: "ci" }, interval(c.mean_interval, ci, 2)),
    el("p", { class: "detail" }, `Easy: ${percent(c.easy_percent)} (${count(c.easy)} of ${count(c.responses)})`),
    el("p", { class: "ci" }, interval(c.easy_interval, ci, 1, "%")));
}

/** Promoters/passives/detractors as a bar (decoration) and as text. */
function npsBar(t) {
  const parts = [
    ["promoters", "Promoters (9–10)", t.promoters],
    ["passives", "Passives (7–8)", t.passives],
    ["detractors", "Detractors (0–6)", t.detractors],
  ];
  const total = parts.reduce((n, [, , v]) => n + (isNum(v) ? v : 0), 0);
  const bar = el("div", { class: "bar", "aria-hidden": "true" });
  const legend = el("ul", { class: "legend" });
  for (const [key, label, v] of parts) {
    const share = total > 0 && isNum(v) ? (100 * v) / total : 0;
    const segment = el("span", { class: `segment ${key}` });
    segment.style.width = `${share}%`;
    bar.append(segment);
    legend.append(el("li", {}, el("span", { class: `swatch ${key}`, "aria-hidden": "true" }),
      `${label}: ${count(v)}${total > 0 ? ` (${fixed(share, 1)}%)` : ""}`));
  }
  return el("div", { class: "mix" }, bar, legend);
}

function counts(s, ci) {
  const rate = isNum(s.response_rate) ? percent(s.response_rate) : "n/a (no impressions)";
  const rateCi = interval(s.response_rate_interval, ci, 1, "%");
  const item = (term, value, extra) => [el("dt", {}, term), el("dd", {}, value, extra ? el("span", { class: "ci" }, ` (${extra})`) : null)];
  return el("dl", { class: "counts" },
    item("Responses", count(s.responses)),
    item("Impressions", count(s.impressions)),
    item("Dismisses", count(s.dismisses)),
    item("Response rate", rate, rateCi));
}

/** The group's score as text: "16.7 (95% CI …)", one line per CES scale. */
function groupScore(g, metric, ci) {
  const withCi = (value, iv, digits, unit = "") => {
    const range = interval(iv, ci, digits, unit);
    return range ? `${value} (${range})` : value;
  };
  if (metric === "nps") return hasResponses(g.nps) ? [withCi(fixed(g.nps.score, 1), g.nps.interval, 1)] : ["No responses"];
  if (metric === "csat") return hasResponses(g.csat) ? [withCi(percent(g.csat.score), g.csat.interval, 1, "%")] : ["No responses"];
  if (metric === "ces") {
    const scales = Array.isArray(g.ces) ? g.ces.filter(hasResponses) : [];
    if (scales.length === 0) return ["No responses"];
    return scales.map((c) => withCi(`${fixed(c.mean, 2)}${isNum(c.scale) ? ` on 1–${c.scale}` : ""}`, c.mean_interval, 2));
  }
  return ["n/a"];
}

function groupTable(s, metric, groupBy, ci, before) {
  let groups = s.groups.filter((g) => g && typeof g === "object");
  if (groups.length === 0) return el("p", { class: "empty" }, `No groups by ${groupName(groupBy)} in this period.`);
  if (groupBy === "day") groups = [...groups].sort((a, b) => String(a.day).localeCompare(String(b.day)));
  const compare = groupBy === "variant" && groups.some((g) => g.difference && typeof g.difference === "object");
  // Each group against itself in the period before (variants have their baseline instead).
  const trend = before && groupBy !== "variant" && groups.some((g) => g.change && typeof g.change === "object");
  const baselines = new Set(groups.filter((g) => typeof g.baseline === "string").map((g) => `${g.experiment}\u0000${g.baseline}`));
  const columns = [groupName(groupBy)[0].toUpperCase() + groupName(groupBy).slice(1), "Impressions", "Responses", "Response rate",
    SCORE_NAMES[metric] ?? "Score", compare ? "Difference to the baseline" : null,
    trend ? `Change since ${before}` : null].filter(Boolean);
  const numeric = new Set(["Impressions", "Responses", "Response rate"]);
  const head = el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col", class: numeric.has(c) ? "num" : null }, c))));
  const rows = groups.map((g) => {
    const rate = interval(g.response_rate_interval, ci, 1, "%");
    return el("tr", {},
      el("th", { scope: "row" }, groupLabel(g, groupBy)),
      el("td", { class: "num" }, count(g.impressions)),
      el("td", { class: "num" }, count(g.responses)),
      el("td", { class: "num" }, isNum(g.response_rate) ? percent(g.response_rate) : "n/a", rate ? el("span", { class: "ci" }, ` (${rate})`) : null),
      el("td", {}, groupScore(g, metric, ci).map((line) => el("div", {}, line))),
      compare ? el("td", {}, difference(g, metric, ci, baselines)) : null,
      trend ? el("td", {}, since(g, metric, ci, before)) : null);
  });
  const caption = `${s.survey} by ${groupName(groupBy)}`;
  return el("div", { class: "table-wrap", role: "region", "aria-label": caption, tabindex: "0" },
    el("table", {}, el("caption", {}, caption), head, el("tbody", {}, rows)));
}

/** The survey against the period before: each figure's change, with a verdict. */
function change(s, metric, ci, before) {
  const box = el("div", { class: "change" }, el("h4", {}, `Compared with ${before}`));
  const then = s.previous && typeof s.previous === "object" ? s.previous : {};
  const lines = verdicts(s.change, metric, ci, before);
  if (lines.length > 0) box.append(...lines);
  else if (!(then.impressions > 0) && !(then.responses > 0)) box.append(el("p", { class: "empty" }, `No answers in ${before} to compare with.`));
  else box.append(el("p", { class: "empty" }, "Nothing to compare yet."));
  return box;
}

/** The difference of a variant to its experiment's baseline, with a verdict. */
function difference(g, metric, ci, baselines) {
  const d = g.difference;
  if (!d || typeof d !== "object") {
    return baselines.has(`${g.experiment}\u0000${g.variant}`) ? "Baseline" : "Not compared";
  }
  const lines = verdicts(d, metric, ci, typeof g.baseline === "string" ? g.baseline : "the baseline");
  // How many answers would settle it: the read-out's plan for this experiment.
  const plan = g.answers_needed;
  if (plan && typeof plan === "object" && isNum(plan.difference) && isNum(plan.per_variant)) {
    const size = `${fixed(plan.difference, metric === "ces" ? 1 : 0)}-point ${SCORE_NAMES[metric] ?? "score"}`;
    lines.push(el("div", { class: "plan" }, `To show a ${size} difference 80% of the times it is real: about ` +
      `${count(plan.per_variant)} answers a variant (this one has ${count(g.responses)}).`));
  }
  return lines;
}

/** A group against itself in the period before. */
function since(g, metric, ci, before) {
  const lines = g.change && typeof g.change === "object" ? verdicts(g.change, metric, ci, before) : [];
  return lines.length > 0 ? lines : "Nothing to compare";
}

/** A line per figure of difference `d` (response rate, score) against `other`: value, interval, verdict. */
function verdicts(d, metric, ci, other) {
  const line = (name, part, digits, unit) => {
    if (!part || typeof part !== "object" || !isNum(part.value)) return null;
    const range = interval(part.interval, ci, digits);
    let verdict = "no clear difference yet";
    if (isInterval(part.interval) && part.interval[0] > 0) verdict = `higher than ${other} (${ci} excludes 0)`;
    else if (isInterval(part.interval) && part.interval[1] < 0) verdict = `lower than ${other} (${ci} excludes 0)`;
    return el("div", {}, `${name}: ${fixed(part.value, digits, true)}${unit}${range ? ` (${range})` : ""}: `,
      el("strong", {}, verdict));
  };
  const scoreDigits = metric === "ces" ? 2 : 1;
  return [line("Response rate", d.response_rate, 1, " points"),
    line(SCORE_NAMES[metric] ?? "Score", d.score, scoreDigits, metric === "ces" ? "" : " points")].filter(Boolean);
}
