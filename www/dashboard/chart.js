// The day view's small SVG charts: responses per day and the score per day,
// each with a title and a description (the table beside them has every
// figure).
import { SCORE_NAMES, count, fixed, hasResponses, isNum, svg, el, uid } from "./format.js";

function dayScore(g, metric) {
  if (metric === "nps") return hasResponses(g.nps) && isNum(g.nps.score) ? g.nps.score : null;
  if (metric === "csat") return hasResponses(g.csat) && isNum(g.csat.score) ? g.csat.score : null;
  if (metric === "ces") return (Array.isArray(g.ces) ? g.ces.find((c) => hasResponses(c) && isNum(c.mean)) : null)?.mean ?? null;
  return null;
}

export function dayCharts(s, metric) {
  const days = s.groups.filter((g) => g && typeof g.day === "string").sort((a, b) => a.day.localeCompare(b.day));
  if (days.length === 0) return null;
  const span = days.length === 1 ? `on ${days[0].day}` : `from ${days[0].day} to ${days[days.length - 1].day}`;
  const responses = days.map((g) => (isNum(g.responses) ? g.responses : 0));
  const total = responses.reduce((a, b) => a + b, 0);
  const top = responses.indexOf(Math.max(...responses));
  const charts = [chart({
    title: `${s.survey}: responses per day, ${span}`,
    desc: `${count(total)} responses in total; the most, ${count(responses[top])}, on ${days[top].day}. Each day's figures are in the table above.`,
    days, values: responses, min: 0, max: Math.max(1, ...responses), bars: true,
  })];
  if (metric in SCORE_NAMES) {
    const scores = days.map((g) => dayScore(g, metric));
    const known = scores.map((v, i) => [v, days[i].day]).filter(([v]) => v !== null);
    const cesMax = Math.max(5, ...(Array.isArray(s.ces) ? s.ces.map((c) => c.scale).filter(isNum) : []));
    const [min, max] = { nps: [-100, 100], csat: [0, 100], ces: [1, cesMax] }[metric];
    const digits = metric === "ces" ? 2 : 1;
    const name = SCORE_NAMES[metric];
    const desc = known.length === 0 ? "No scores yet." : (() => {
      const low = known.reduce((a, b) => (b[0] < a[0] ? b : a));
      const high = known.reduce((a, b) => (b[0] > a[0] ? b : a));
      const last = known[known.length - 1];
      return `${name} from ${fixed(low[0], digits)} (${low[1]}) to ${fixed(high[0], digits)} (${high[1]}); ` +
        `latest ${fixed(last[0], digits)} on ${last[1]}. Each day's figures are in the table above.`;
    })();
    charts.push(chart({ title: `${s.survey}: ${name} per day, ${span}`, desc, days, values: scores, min, max, bars: false }));
  }
  return el("div", { class: "charts" }, charts);
}

/** A small SVG chart: bars or a line over the days, with a title and a description. */
function chart({ title, desc, days, values, min, max, bars }) {
  const [w, h, left, right, top, bottom] = [320, 150, 40, 8, 12, 24];
  const plotW = w - left - right;
  const plotH = h - top - bottom;
  const step = plotW / days.length;
  const y = (v) => top + plotH - ((v - min) / (max - min || 1)) * plotH;
  const titleId = uid("chart-title");
  const descId = uid("chart-desc");
  const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-labelledby": `${titleId} ${descId}`, class: "chart" },
    svg("title", { id: titleId }, title), svg("desc", { id: descId }, desc));
  const axis = (v) => svg("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end", class: "tick" }, fixed(v, 0));
  root.append(svg("line", { x1: left, x2: w - right, y1: y(min), y2: y(min), class: "axis" }),
    axis(min), axis(max));
  if (min < 0 && max > 0) root.append(svg("line", { x1: left, x2: w - right, y1: y(0), y2: y(0), class: "zero" }), axis(0));
  if (bars) {
    values.forEach((v, i) => {
      const barH = Math.max(0, y(min) - y(v));
      root.append(svg("rect", { x: left + i * step + step * 0.15, y: y(min) - barH, width: Math.max(1, step * 0.7), height: barH, class: "bar-day" }));
    });
  } else {
    const points = values.map((v, i) => (v === null ? null : [left + i * step + step / 2, y(v)])).filter(Boolean);
    if (points.length > 1) root.append(svg("polyline", { points: points.map((p) => p.join(",")).join(" "), class: "line" }));
    for (const [cx, cy] of points) root.append(svg("circle", { cx, cy, r: 3, class: "dot" }));
  }
  root.append(svg("text", { x: left, y: h - 6, class: "tick" }, days[0].day));
  if (days.length > 1) root.append(svg("text", { x: w - right, y: h - 6, "text-anchor": "end", class: "tick" }, days[days.length - 1].day));
  return el("figure", {}, root, el("figcaption", { "aria-hidden": "true" }, title.slice(title.indexOf(": ") + 2)));
}
