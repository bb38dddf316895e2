// Numbers and labels of the read-out as text, and the DOM builders every
// view uses: values from the API only ever become text nodes or attribute
// values, never markup.

/** Group-by values of the stats API and how the page names them. */
export const GROUPS = {
  variant: "experiment variant",
  touchpoint: "touchpoint",
  stage: "journey stage",
  day: "day (UTC)",
  device: "device",
  country: "country",
};
const ATTRIBUTE = /^attributes\.([A-Za-z0-9_-]{1,64})$/;
/** The visitor attribute a `group_by` value names (`attributes.plan` -> `plan`), else null. */
export const attributeOf = (groupBy) => (typeof groupBy === "string" && ATTRIBUTE.exec(groupBy)?.[1]) || null;
/** Whether the stats API groups by this value. */
export const isGroup = (groupBy) => Object.hasOwn(GROUPS, groupBy) || attributeOf(groupBy) !== null;
/** How the page names a grouping: "touchpoint", "attribute plan". */
export const groupName = (groupBy) => GROUPS[groupBy] ?? `attribute ${attributeOf(groupBy)}`;
export const METRICS = {
  nps: "Net Promoter Score (NPS)",
  csat: "Customer satisfaction (CSAT)",
  ces: "Customer effort score (CES)",
};
export const SCORE_NAMES = { nps: "NPS", csat: "CSAT", ces: "CES mean" };
const SVG_NS = "http://www.w3.org/2000/svg";
let idSeq = 0;

export const isNum = (v) => typeof v === "number" && Number.isFinite(v);

/** `v` with exactly `digits` decimals, "n/a" when the API gave none. */
export function fixed(v, digits, sign = false) {
  if (!isNum(v)) return "n/a";
  const rounded = Number(v.toFixed(digits)) || 0; // no "-0.0"
  return rounded.toLocaleString("en", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    signDisplay: sign ? "exceptZero" : "auto",
  });
}

export const count = (v) => (isNum(v) ? v.toLocaleString("en") : "n/a");
export const percent = (v) => (isNum(v) ? `${fixed(v, 1)}%` : "n/a");
export const isInterval = (iv) => Array.isArray(iv) && iv.length === 2 && isNum(iv[0]) && isNum(iv[1]);

/** "95% CI a to b", or null when there is no interval. */
export function interval(iv, ci, digits, unit = "") {
  return isInterval(iv) ? `${ci} ${fixed(iv[0], digits)}${unit} to ${fixed(iv[1], digits)}${unit}` : null;
}

export function ciLabel(confidence) {
  return `${isNum(confidence) && confidence > 0 && confidence < 1 ? Math.round(confidence * 1000) / 10 : 95}% CI`;
}

/** "exp / variant", "(none)" for a null part, "12 other values" for an attribute's folded ones. */
export function groupLabel(g, groupBy) {
  const part = (v) => (v === null || v === undefined || v === "" ? "(none)" : String(v));
  if (isNum(g.other_values)) return `${count(g.other_values)} other ${g.other_values === 1 ? "value" : "values"}`;
  if (groupBy === "variant") {
    if (g.experiment == null && g.variant == null) return "(none)";
    return `${part(g.experiment)} / ${part(g.variant)}`;
  }
  return part(g[groupBy]);
}

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) if (value != null) node.setAttribute(name, value);
  node.append(...children.flat().filter((c) => c != null && c !== false));
  return node;
}

/** The same for SVG. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...children.flat().filter((c) => c != null));
  return node;
}

export const uid = (prefix) => `${prefix}-${++idSeq}`;

/** A tally (the survey's, a group's, a CES scale's) with at least one answer. */
export const hasResponses = (t) => t && isNum(t.responses) && t.responses > 0;
