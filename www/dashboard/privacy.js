// A privacy request about one visitor: their events as a CSV file (GET
// .../export.ndjson?visitor=), or erased (DELETE
// /v1/admin/sites/{site}/visitors/{visitor}) once confirmed. The visitor id
// is what the widget's callbacks gave the site's page, or what the
// person's browser keeps.
import { api } from "./api.js";
import { exportCsv, saveFile } from "./download.js";

const $ = (id) => document.getElementById(id);
const ui = {
  details: $("privacy"),
  form: $("privacy-form"),
  visitor: $("visitor-id"),
  download: $("visitor-download"),
  erase: $("visitor-erase"),
  result: $("privacy-result"),
  confirm: $("erase-dialog"),
  confirmVisitor: $("erase-visitor"),
};
const VISITOR = /^[A-Za-z0-9_-]{8,64}$/;

let session = null;

function tell(message, kind = "info") {
  ui.result.textContent = message;
  ui.result.dataset.kind = kind;
}

const events = (n) => `${n.toLocaleString("en")} event${n === 1 ? "" : "s"}`;

/** The id typed, or null (and says why) when it cannot be one. */
function visitorId() {
  const id = ui.visitor.value.trim();
  if (VISITOR.test(id)) return id;
  tell("A visitor id is 8-64 letters, digits, - or _.", "error");
  ui.visitor.focus();
  return null;
}

/** Runs `work` with both buttons disabled, so one request at a time. */
async function busy(work) {
  // A disabled button drops focus: the one pressed gets it back after.
  const focused = document.activeElement;
  ui.download.disabled = ui.erase.disabled = true;
  try {
    await work();
  } finally {
    ui.download.disabled = ui.erase.disabled = false;
    if ((focused === ui.download || focused === ui.erase) && document.activeElement === document.body) focused.focus();
  }
}

async function download() {
  const visitor = visitorId();
  if (!session || !visitor) return;
  const { site, token } = session;
  tell("Reading their events…");
  try {
    const { parts, count } = await exportCsv({ site, token, visitor });
    if (count === 0) return tell("No events are stored under this visitor id.");
    const name = `touchpoint-${site}-visitor-${visitor}.csv`;
    saveFile(name, parts);
    tell(`Downloaded ${name}: ${events(count)}.`);
  } catch (e) {
    tell(`The download failed: ${e.message}.`, "error");
  }
}

/**
 * Asks in the page, not with `confirm()` (which answers false without
 * asking once someone ticked "don't let this page ask again"): a modal that
 * keeps focus, starts on Cancel, closes on Escape as Cancel, and gives
 * focus back to the button. Resolves true only for "Erase".
 */
function confirmed(visitor) {
  const dialog = ui.confirm;
  ui.confirmVisitor.textContent = visitor;
  dialog.returnValue = "cancel";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "erase"), { once: true });
  });
}

async function erase() {
  const visitor = visitorId();
  const asked = session;
  if (!asked || !visitor) return;
  const yes = await confirmed(visitor);
  // Signed out (or in elsewhere) meanwhile: the dialog closed as declined.
  if (session !== asked) return;
  if (!yes) return tell("Nothing was erased.");
  await busy(() => eraseNow(asked, visitor));
}

async function eraseNow({ site, token }, visitor) {
  tell("Erasing…");
  try {
    const url = `/v1/admin/sites/${encodeURIComponent(site)}/visitors/${encodeURIComponent(visitor)}`;
    const res = await api(token, url, { method: "DELETE" });
    const body = await res.json().catch(() => null);
    if (res.status !== 200 || !Number.isSafeInteger(body?.events_deleted)) {
      const why = typeof body?.error?.message === "string" ? `: ${body.error.message}` : "";
      return tell(`The collector answered ${res.status}${why}. Nothing was erased.`, "error");
    }
    const letters = Number.isSafeInteger(body.dead_letters_changed) ? body.dead_letters_changed : 0;
    const told = Number.isSafeInteger(body.webhooks_told) ? body.webhooks_told : 0;
    tell((body.events_deleted === 0 && letters === 0
      ? "No events are stored under this visitor id: nothing to erase."
      : `Erased ${events(body.events_deleted)}` +
        `${letters ? ` and their copies in ${letters.toLocaleString("en")} failed deliveries` : ""}.`) +
      (told ? ` ${told === 1 ? "1 webhook was" : `${told} webhooks were`} told to erase their copies.` : ""));
  } catch {
    tell("The collector could not be reached. Nothing was erased.", "error");
  }
}

export function setupPrivacy() {
  ui.form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(download);
  });
  ui.erase.addEventListener("click", erase);
}

/** The signed-in session, or null: signing out empties the panel. */
export function privacySession(value) {
  if (value?.site === session?.site && value?.token === session?.token) return;
  session = value;
  if (ui.confirm.open) ui.confirm.close("cancel");
  ui.visitor.value = "";
  tell("");
  ui.details.open = false;
}
