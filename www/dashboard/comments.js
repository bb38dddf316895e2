// The "why" behind the scores: one answer of GET /v1/sites/{site}/comments
// as a list item. The comment is the visitor's own text, so it only ever
// becomes a text node.
import { el, isNum } from "./format.js";

/** The comment filter's choices: the API's score bands, by how the answer felt. */
export const MOODS = {
  unhappy: { bands: "detractor,low,hard", label: "Unhappy (NPS 0-6, CSAT 1-3, hard CES)" },
  neutral: { bands: "passive", label: "Neutral (NPS 7-8)" },
  happy: { bands: "promoter,high,easy", label: "Happy (NPS 9-10, CSAT 4-5, easy CES)" },
};
const TOPS = { nps: 10, csat: 5 };
const MOOD_OF = { detractor: "unhappy", low: "unhappy", hard: "unhappy", passive: "neutral",
  promoter: "happy", high: "happy", easy: "happy" };
const text = (v) => (typeof v === "string" && v !== "" ? v : null);

/** "NPS 3/10 (detractor)", "CES 3/7 (easy)". */
function scoreLabel(c) {
  const metric = text(c.metric);
  const top = metric === "ces" ? c.scale : TOPS[metric];
  if (!metric || !isNum(c.score)) return "No score";
  const band = Object.hasOwn(MOOD_OF, c.band) ? ` (${c.band})` : "";
  return `${metric.toUpperCase()} ${c.score}${isNum(top) ? `/${top}` : ""}${band}`;
}

export function commentItem(c) {
  const when = isNum(c.received_at) ? new Date(c.received_at).toISOString().slice(0, 16).replace("T", " ") + " UTC" : null;
  const where = [text(c.survey), text(c.touchpoint) && `at ${c.touchpoint}`].filter(Boolean).join(" ");
  const about = [where, when, text(c.device), text(c.country), text(c.locale),
    text(c.variant) && `variant ${c.variant}`].filter(Boolean).join(" · ");
  const mood = Object.hasOwn(MOOD_OF, c.band) ? MOOD_OF[c.band] : "none";
  return el("li", { class: `comment ${mood}` },
    el("p", { class: "said" }, text(c.comment) ?? ""),
    el("p", { class: "about" }, el("strong", {}, scoreLabel(c)), about ? ` · ${about}` : ""));
}
