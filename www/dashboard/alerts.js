// One threshold alert of GET /v1/sites/{site}/alerts as a list item, in
// words: its state, the line, and what the window held when last judged.
import { count, el, fixed, isNum } from "./format.js";

const STATES = { firing: "Firing", ok: "OK" };

/** A line as configured, to two decimals at most (4.5 - 0.3 is not 4.2 in binary). */
const num = (v) => String(Math.round(v * 100) / 100);

/** "below 30", "above 4.5", "below 10 or above 60"; with a recovery margin, where it resolves too. */
function line(a, unit = "") {
  const parts = [];
  if (isNum(a.below)) parts.push(`below ${num(a.below)}${unit}`);
  if (isNum(a.above)) parts.push(`above ${num(a.above)}${unit}`);
  let text = parts.join(" or ");
  if (isNum(a.recovery) && a.recovery > 0) {
    const low = isNum(a.below) ? `${num(a.below + a.recovery)}${unit}` : null;
    const high = isNum(a.above) ? `${num(a.above - a.recovery)}${unit}` : null;
    if (low && high) text += `, resolves between ${low} and ${high}`;
    else if (low) text += `, resolves at ${low} or more`;
    else if (high) text += `, resolves at ${high} or less`;
  }
  return text;
}

export function alertItem(a) {
  const state = typeof a.state === "string" && Object.hasOwn(STATES, a.state) ? a.state : "waiting";
  const days = isNum(a.days) ? a.days : "?";
  const name = typeof a.id === "string" ? a.id : "?";
  const survey = typeof a.survey === "string" ? a.survey : "?";
  const period = days === 1 ? "the last day" : `the last ${days} days`;
  let detail;
  if (a.measure === "impressions") {
    detail = state === "waiting"
      ? `not judged yet; fires when shown ${line(a)} times in ${period}`
      : `shown ${count(a.impressions)} times in ${period} (fires when ${line(a)})`;
  } else if (a.measure === "response_rate") {
    detail = state === "waiting"
      ? `waiting for ${count(a.min_responses)} impressions in ${days} days; fires when the response rate is ${line(a, "%")}`
      : `response rate ${fixed(a.score, 1)}% (${count(a.responses)} answers of ${count(a.impressions)} impressions) ` +
        `in ${period} (fires when ${line(a, "%")})`;
  } else if (state === "waiting") {
    detail = `waiting for ${count(a.min_responses)} answers in ${days} days; fires when the score is ${line(a)}`;
  } else {
    detail = `score ${fixed(a.score, 1)} from ${count(a.responses)} answers in the last ${days} days ` +
      `(fires when ${line(a)})`;
  }
  if (state !== "waiting" && isNum(a.since)) detail += ` since ${new Date(a.since).toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return el("li", { class: `alert ${state}`, "data-state": state },
    el("strong", {}, `${STATES[state] ?? "Waiting"}: ${name}`), ` (${survey}): ${detail}`);
}
