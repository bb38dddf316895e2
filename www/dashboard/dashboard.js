// The results dashboard: reads GET /v1/sites/{site}/stats, /alerts and
// /comments (same origin, a site or operator token) and shows the site's
// threshold alerts, one card per survey (optionally split into groups),
// then what people wrote. Plain DOM: every value from the API goes in as text
// (createElement/append/textContent), never as markup; the page runs under
// a CSP with no inline script or style.
import { card } from "./readout.js";
import { alertItem } from "./alerts.js";
import { api } from "./api.js";
import { MOODS, commentItem } from "./comments.js";
import { exportCsv, saveFile } from "./download.js";
import { privacySession, setupPrivacy } from "./privacy.js";
import { settingsSession, setupSettings } from "./settings.js";
import { clearDeliveries, loadDeliveries, setupDeliveries } from "./deliveries.js";
import { GROUPS, attributeOf, ciLabel, el, isGroup } from "./format.js";

const STORE_KEY = "touchpoint-dashboard";
/** Auto-refresh period, ms, while the tab is visible. */
const REFRESH_MS = 60_000;
const DAY_MS = 86_400_000;
const WINDOWS = ["7", "30", "90"];

const $ = (id) => document.getElementById(id);
const ui = {
  status: $("status"),
  signIn: $("sign-in"),
  signInForm: $("sign-in-form"),
  site: $("site"),
  token: $("token"),
  signOut: $("sign-out"),
  results: $("results"),
  heading: $("results-heading"),
  controls: $("controls"),
  window: $("window"),
  survey: $("survey"),
  groupBy: $("group-by"),
  attributeField: $("attribute-field"),
  attribute: $("attribute"),
  differenceField: $("difference-field"),
  difference: $("difference"),
  updated: $("updated"),
  cards: $("cards"),
  download: $("download"),
  alerts: $("alerts"),
  alertList: $("alert-list"),
  commentFilter: $("comment-filter"),
  mood: $("mood"),
  search: $("search"),
  commentCount: $("comment-count"),
  commentList: $("comment-list"),
  moreComments: $("more-comments"),
};
/** Comments per page read from the API. */
const COMMENT_PAGE = 20;

/** `{site, token}` once signed in. */
let session = null;
/** Survey ids of the site, in the read-out's order, for the survey control. */
let knownSurveys = [];
let inFlight = null;
let lastLoad = 0;
/** The comments read so far: the next page's cursor, how many pages, the request on its way. */
const comments = { next: null, pages: 0, ctl: null };

// ---- session and URL ------------------------------------------------------

function readSession() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE_KEY) ?? "null");
    return saved && typeof saved.site === "string" && typeof saved.token === "string" ? saved : null;
  } catch {
    return null;
  }
}

function writeSession(value) {
  try {
    if (value) sessionStorage.setItem(STORE_KEY, JSON.stringify(value));
    else sessionStorage.removeItem(STORE_KEY);
  } catch {
    // Storage turned off: the session lasts until a reload.
  }
}

/** Sets the controls from the page's query (a bookmarked or shared view). */
function readControls(params) {
  const window = params.get("window");
  ui.window.value = WINDOWS.includes(window) ? window : "all";
  const group = params.get("group_by");
  const attribute = attributeOf(group);
  ui.groupBy.value = attribute ? "attribute" : group && Object.hasOwn(GROUPS, group) ? group : "";
  ui.attribute.value = attribute ?? "";
  ui.attributeField.hidden = !attribute;
  ui.difference.value = params.get("difference") ?? "";
  const mood = params.get("comments");
  ui.mood.value = mood && Object.hasOwn(MOODS, mood) ? mood : "";
  ui.search.value = (params.get("q") ?? "").slice(0, 200);
  const survey = params.get("survey");
  if (survey) {
    surveyOptions([survey]);
    ui.survey.value = survey;
  }
  showPlanField();
}

/** The planned difference is asked for when one survey's variants are compared. */
function showPlanField() {
  ui.differenceField.hidden = !(ui.groupBy.value === "variant" && ui.survey.value);
}

/** The stats API's `difference`: "" unless asked for and a number above 0. */
function planParam() {
  const value = Number(ui.difference.value);
  return !ui.differenceField.hidden && ui.difference.value.trim() && value > 0 ? String(value) : "";
}

/** Writes the site and the controls (never the token) into the address. */
function writeUrl() {
  const params = new URLSearchParams();
  const site = session?.site ?? ui.site.value.trim();
  if (site) params.set("site", site);
  if (ui.survey.value) params.set("survey", ui.survey.value);
  if (groupParam()) params.set("group_by", groupParam());
  if (planParam()) params.set("difference", planParam());
  if (ui.window.value !== "all") params.set("window", ui.window.value);
  if (ui.mood.value) params.set("comments", ui.mood.value);
  if (ui.search.value.trim()) params.set("q", ui.search.value.trim());
  const query = params.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

/** Where the chosen period starts (ms), null for all time. */
function windowStart() {
  return ui.window.value === "all" ? null : Date.now() - Number(ui.window.value) * DAY_MS;
}

/** The stats API's `group_by` for the controls: "" for none, or while no attribute name is given. */
function groupParam() {
  if (ui.groupBy.value !== "attribute") return ui.groupBy.value;
  const param = `attributes.${ui.attribute.value.trim()}`;
  return attributeOf(param) ? param : "";
}

function statsQuery() {
  const params = new URLSearchParams();
  if (ui.survey.value) params.set("survey", ui.survey.value);
  if (groupParam()) params.set("group_by", groupParam());
  if (planParam()) params.set("difference", planParam());
  const from = windowStart();
  if (from !== null) {
    params.set("from", String(from));
    params.set("compare", "previous");
  }
  const query = params.toString();
  return query ? `?${query}` : "";
}

// ---- screens --------------------------------------------------------------

function say(message, kind = "info") {
  ui.status.textContent = message;
  ui.status.dataset.kind = kind;
}

function showSignIn(site) {
  ui.results.hidden = true;
  ui.signOut.hidden = true;
  ui.signIn.hidden = false;
  ui.cards.replaceChildren();
  ui.updated.textContent = "";
  ui.alerts.hidden = true;
  ui.alertList.replaceChildren();
  comments.ctl?.abort();
  ui.commentList.replaceChildren();
  ui.commentCount.textContent = "";
  ui.moreComments.hidden = true;
  ui.site.value = site ?? "";
  ui.token.value = "";
}

function showResults() {
  settingsSession(session);
  privacySession(session);
  ui.signIn.hidden = true;
  ui.results.hidden = false;
  ui.signOut.hidden = false;
  ui.heading.textContent = `Results for ${session.site}`;
}

function signOut(message) {
  inFlight?.abort();
  const site = session?.site;
  session = null;
  settingsSession(null);
  privacySession(null);
  clearDeliveries();
  knownSurveys = [];
  surveyOptions([]);
  writeSession(null);
  showSignIn(site);
  say(message ?? "Signed out.", message ? "error" : "info");
  writeUrl();
}

// ---- reading the stats ----------------------------------------------------

/**
 * Reads the stats for the session and the controls. `signingIn`: the
 * session is not kept until the collector accepts it. `quiet`: an
 * automatic refresh, which announces only failures.
 */
async function load({ signingIn = false, quiet = false } = {}) {
  if (!session) return;
  inFlight?.abort();
  const ctl = new AbortController();
  inFlight = ctl;
  if (!quiet) say(signingIn ? "Signing in…" : "Loading results…");
  ui.cards.setAttribute("aria-busy", "true");
  const url = `/v1/sites/${encodeURIComponent(session.site)}/stats${statsQuery()}`;
  let res;
  let body = null;
  try {
    res = await api(session.token, url, { signal: ctl.signal });
    body = await res.json().catch(() => null);
  } catch {
    if (ctl.signal.aborted) return;
    res = null;
  }
  if (ctl.signal.aborted) return;
  inFlight = null;
  ui.cards.removeAttribute("aria-busy");
  lastLoad = Date.now();
  if (res?.ok && body && Array.isArray(body.surveys)) {
    loaded(body, signingIn, quiet);
    // An automatic refresh leaves older comments the reader asked for alone.
    const readingOlder = quiet && comments.pages > 1;
    return Promise.all([loadAlerts(ctl), loadDeliveries(session, ctl.signal), readingOlder ? null : loadComments()]);
  }
  failed(res, body, signingIn);
}

/**
 * Reads where the site's alerts stand (after the stats, with the same
 * token); firing ones first. Not being able to read them hides the list
 * and never the results.
 */
async function loadAlerts(ctl) {
  let alerts = null;
  try {
    const url = `/v1/sites/${encodeURIComponent(session.site)}/alerts`;
    const res = await api(session.token, url, { signal: ctl.signal });
    const body = res.ok ? await res.json() : null;
    alerts = Array.isArray(body?.alerts) ? body.alerts.filter((a) => a && typeof a === "object") : null;
  } catch {}
  if (ctl.signal.aborted) return;
  if (!alerts?.length) {
    ui.alerts.hidden = true;
    return ui.alertList.replaceChildren();
  }
  const rank = (a) => (a.state === "firing" ? 0 : a.state === "ok" ? 2 : 1);
  alerts.sort((a, b) => rank(a) - rank(b));
  ui.alertList.replaceChildren(...alerts.map(alertItem));
  ui.alerts.hidden = false;
}

/**
 * Reads the first page of comments for the controls, or (`more`) the next
 * one, after those on screen. A failure says so under the heading and
 * never touches the results.
 */
async function loadComments({ more = false } = {}) {
  if (!session || (more && !comments.next)) return;
  comments.ctl?.abort();
  const ctl = new AbortController();
  comments.ctl = ctl;
  const params = new URLSearchParams({ limit: String(COMMENT_PAGE) });
  if (ui.survey.value) params.set("survey", ui.survey.value);
  const from = windowStart();
  if (from !== null) params.set("from", String(from));
  if (ui.mood.value) params.set("band", MOODS[ui.mood.value].bands);
  const words = ui.search.value.trim();
  if (words) params.set("q", words);
  if (more) params.set("before", comments.next);
  ui.moreComments.disabled = true;
  let body = null;
  let status = 0;
  try {
    const res = await api(session.token, `/v1/sites/${encodeURIComponent(session.site)}/comments?${params}`,
      { signal: ctl.signal });
    status = res.status;
    body = await res.json().catch(() => null);
  } catch {}
  if (ctl.signal.aborted) return;
  comments.ctl = null;
  ui.moreComments.disabled = false;
  const list = Array.isArray(body?.comments) ? body.comments.filter((c) => c && typeof c === "object") : null;
  if (status !== 200 || !list) {
    const message = typeof body?.error?.message === "string" ? `: ${body.error.message}` : "";
    ui.commentCount.textContent = status
      ? `The comments could not be read (the collector answered ${status}${message}).`
      : "The comments could not be read: check the connection, then press Show comments.";
    return;
  }
  const items = list.map(commentItem);
  if (more) ui.commentList.append(...items);
  else ui.commentList.replaceChildren(...items);
  comments.pages = more ? comments.pages + 1 : 1;
  comments.next = typeof body.next === "string" ? body.next : null;
  ui.moreComments.hidden = comments.next === null;
  const n = ui.commentList.children.length;
  const narrowed = ui.mood.value || words ? " matching" : "";
  ui.commentCount.textContent = n === 0
    ? `No${narrowed} comments in this period yet.`
    : `Showing ${n}${narrowed} comment${n === 1 ? "" : "s"}${comments.next ? "; there are older ones" : ""}.`;
}

function loaded(body, signingIn, quiet) {
  if (signingIn) {
    writeSession(session);
    showResults();
    writeUrl();
    ui.heading.focus();
  }
  render(body);
  const n = body.surveys.length;
  // Every configured survey is listed, events or not.
  const any = body.surveys.some((s) => s && (s.impressions > 0 || s.responses > 0 || s.dismisses > 0));
  const shown = `Showing ${n} survey read-out${n === 1 ? "" : "s"}`;
  if (!quiet) say(n === 0 ? "No answers in this period yet." : any ? `${shown}.` : `${shown}; no events in this period yet.`);
  const time = new Date().toLocaleTimeString("en-GB");
  ui.updated.textContent = `Updated at ${time}; refreshes every minute while this tab is visible.`;
}

function failed(res, body, signingIn) {
  const error = body && typeof body.error === "object" && body.error ? body.error : {};
  const message = typeof error.message === "string" ? error.message : "";
  const site = session.site;
  if (!res) {
    say("Could not reach the collector: check the connection, then press Refresh.", "error");
    if (signingIn) session = null;
  } else if (res.status === 401 || res.status === 403) {
    const why = res.status === 403 ? " It belongs to another site, or lacks access to this one." : "";
    signOut(`The token was refused for site "${site}".${why} Check it and sign in again.`);
  } else if (res.status === 404) {
    signOut(`No such site: "${site}". Check the site id.`);
  } else if (res.status === 400) {
    const field = typeof error.field === "string" ? error.field : "";
    if (signingIn && field === "site") return signOut(`The site id was refused: ${message}.`);
    if (signingIn) {
      writeSession(session);
      showResults();
      writeUrl();
    }
    ui.cards.replaceChildren();
    say(`The collector refused the request: ${message || "bad request"}${field ? ` (parameter: ${field})` : ""}.`, "error");
  } else {
    const retry = res.headers.get("Retry-After");
    say(`The collector answered ${res.status}${message ? `: ${message}` : ""}. ` +
      `Press Refresh${retry ? ` in ${retry} s` : " in a moment"}.`, "error");
    if (signingIn) session = null;
  }
}

// ---- the read-out ---------------------------------------------------------

/** Adds `ids` to the survey control's choices, keeping the chosen one. */
function surveyOptions(ids) {
  const selected = ui.survey.value;
  for (const id of ids) if (!knownSurveys.includes(id)) knownSurveys.push(id);
  if (selected && !knownSurveys.includes(selected)) knownSurveys.push(selected);
  const shown = [...ui.survey.options].slice(1).map((o) => o.value);
  if (shown.join("\n") === knownSurveys.join("\n")) return; // an open list is left alone
  ui.survey.replaceChildren(el("option", { value: "" }, "All surveys"),
    ...knownSurveys.map((id) => el("option", { value: id }, id)));
  ui.survey.value = knownSurveys.includes(selected) ? selected : "";
}

function render(body) {
  const surveys = body.surveys.filter((s) => s && typeof s === "object");
  const ids = surveys.map((s) => s.survey).filter((id) => typeof id === "string");
  if (!ui.survey.value) knownSurveys = [];
  surveyOptions(ids);
  const ci = ciLabel(body.confidence);
  const groupBy = isGroup(body.group_by) ? body.group_by : null;
  if (surveys.length === 0) {
    ui.cards.replaceChildren(el("p", { class: "empty" }, "No answers in this period yet."));
    return;
  }
  ui.cards.classList.toggle("grouped", groupBy !== null);
  const before = body.previous && WINDOWS.includes(ui.window.value) ? `the previous ${ui.window.value} days` : null;
  ui.cards.replaceChildren(...surveys.map((s) => card(s, groupBy, ci, before)));
}

// ---- the CSV download -----------------------------------------------------

/** Saves every event of the chosen period and survey as a CSV file. */
async function download() {
  if (!session || ui.download.disabled) return;
  ui.download.disabled = true;
  const { site, token } = session;
  const survey = ui.survey.value;
  say("Preparing the download…");
  try {
    const { parts, count: n } = await exportCsv({ site, token, from: windowStart(), survey,
      progress: (n) => say(`Preparing the download… ${n.toLocaleString("en")} events so far.`) });
    const day = new Date().toISOString().slice(0, 10);
    const name = `touchpoint-${site}${survey ? `-${survey}` : ""}-${day}.csv`;
    saveFile(name, parts);
    say(`Downloaded ${name}: ${n.toLocaleString("en")} event${n === 1 ? "" : "s"}.`);
  } catch (e) {
    say(`The download failed: ${e.message}. Press the button to try again.`, "error");
  } finally {
    ui.download.disabled = false;
  }
}

// ---- wiring ---------------------------------------------------------------

function start() {
  const params = new URLSearchParams(location.search);
  const urlSite = params.get("site") ?? "";
  ui.mood.append(...Object.entries(MOODS).map(([value, { label }]) => el("option", { value }, label)));
  readControls(params);
  const saved = readSession();
  if (saved && (!urlSite || urlSite === saved.site)) {
    session = saved;
    showResults();
    writeUrl();
    load();
  } else {
    showSignIn(urlSite);
  }

  ui.signInForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const site = ui.site.value.trim();
    const token = ui.token.value.trim();
    if (!site || !token) {
      say(!site ? "Enter the site id." : "Enter the token.", "error");
      (!site ? ui.site : ui.token).focus();
      return;
    }
    // A survey chosen in the address belongs to the address's site.
    if (site !== urlSite) ui.survey.value = "";
    knownSurveys = [];
    surveyOptions([]);
    showPlanField();
    session = { site, token };
    load({ signingIn: true });
  });
  ui.signOut.addEventListener("click", () => {
    signOut();
    ui.site.focus();
  });
  ui.controls.addEventListener("submit", (e) => {
    e.preventDefault();
    writeUrl();
    load();
  });
  ui.download.addEventListener("click", download);
  ui.commentFilter.addEventListener("submit", (e) => {
    e.preventDefault();
    writeUrl();
    loadComments();
  });
  ui.mood.addEventListener("change", () => {
    writeUrl();
    loadComments();
  });
  ui.moreComments.addEventListener("click", () => loadComments({ more: true }));
  setupSettings(() => load({ quiet: true }));
  setupDeliveries();
  setupPrivacy();
  for (const control of [ui.window, ui.survey, ui.difference]) {
    control.addEventListener("change", () => {
      showPlanField();
      writeUrl();
      load();
    });
  }
  // A visitor attribute needs its name first: the read-out is asked for
  // once one is given (Enter or leaving the field).
  ui.groupBy.addEventListener("change", () => {
    const byAttribute = ui.groupBy.value === "attribute";
    ui.attributeField.hidden = !byAttribute;
    showPlanField();
    if (byAttribute && !groupParam()) return ui.attribute.focus();
    writeUrl();
    load();
  });
  ui.attribute.addEventListener("change", () => {
    if (!groupParam()) return say("An attribute name is 1-64 letters, digits, - or _.", "error");
    writeUrl();
    load();
  });
  setInterval(() => {
    if (session && !document.hidden && !inFlight) load({ quiet: true });
  }, REFRESH_MS);
  document.addEventListener("visibilitychange", () => {
    if (session && !document.hidden && Date.now() - lastLoad >= REFRESH_MS) load({ quiet: true });
  });
}

start();
