// The site's configuration as JSON, read and saved through the admin API
// (GET / PUT /v1/admin/sites/{site}) with the session's token. A save
// names the version it edits (If-Match), so an edit made while someone
// else saved is refused rather than undoing theirs; the collector
// validates, and its field errors are listed as text.
import { api } from "./api.js";
import { el } from "./format.js";

const $ = (id) => document.getElementById(id);
const ui = {
  details: $("settings"),
  form: $("config-form"),
  text: $("config-text"),
  reload: $("config-reload"),
  save: $("config-save"),
  result: $("config-result"),
  errors: $("config-errors"),
};

/** What was read: the tag to save against; null until read. */
let etag = null;
let session = null;
let onSaved = () => {};

function tell(message, kind = "info", errors = []) {
  ui.result.textContent = message;
  ui.result.dataset.kind = kind;
  ui.errors.replaceChildren(...errors.map((e) => el("li", {},
    el("code", {}, typeof e.field === "string" ? e.field : "?"), `: ${typeof e.message === "string" ? e.message : "invalid"}`)));
}

async function call(method, body) {
  const headers = {};
  if (method === "PUT") {
    headers["Content-Type"] = "application/json";
    if (etag) headers["If-Match"] = etag;
  }
  try {
    const res = await api(session.token, `/v1/admin/sites/${encodeURIComponent(session.site)}`, { method, headers, body });
    return { res, json: await res.json().catch(() => null) };
  } catch {
    return { res: null, json: null };
  }
}

function refused(res, json) {
  const error = json && typeof json.error === "object" && json.error ? json.error : {};
  const message = typeof error.message === "string" ? error.message : `the collector answered ${res.status}`;
  if (res.status === 401 || res.status === 403) return tell(`Refused: ${message}.`, "error", []);
  if (res.status === 412) {
    return tell("Someone saved the configuration after you loaded it, so this save was refused to keep their " +
      "change. Your text is still here: copy your edit, press Reload, and apply it again.", "error");
  }
  const errors = Array.isArray(error.errors) ? error.errors : error.field ? [error] : [];
  const n = errors.length;
  tell(n ? `Not saved: ${n} problem${n === 1 ? "" : "s"} to fix.` : `Not saved: ${message}.`, "error", errors);
}

/** Reads the stored configuration into the editor. */
async function load() {
  if (!session) return;
  ui.reload.disabled = ui.save.disabled = true;
  tell("Loading the configuration…");
  const { res, json } = await call("GET");
  ui.reload.disabled = ui.save.disabled = false;
  if (!res) return tell("Could not reach the collector: check the connection, then press Reload.", "error");
  if (!res.ok || !json || typeof json.config !== "object") return refused(res, json);
  etag = res.headers.get("ETag");
  ui.text.value = JSON.stringify(json.config, null, 2);
  tell("Loaded. Edit it and press Save configuration.");
}

async function save() {
  if (!session || ui.save.disabled) return;
  // Never a blind overwrite, and never the text typed replaced by a read.
  if (etag === null) return tell("Press Reload first: a save names the version it changes.", "error");
  ui.reload.disabled = ui.save.disabled = true;
  tell("Saving…");
  const { res, json } = await call("PUT", ui.text.value);
  ui.reload.disabled = ui.save.disabled = false;
  if (!res) return tell("Could not reach the collector: nothing was saved. Check the connection and save again.", "error");
  if (!res.ok || !json || typeof json.config !== "object") return refused(res, json);
  etag = res.headers.get("ETag");
  ui.text.value = JSON.stringify(json.config, null, 2);
  const time = new Date().toLocaleTimeString("en-GB");
  tell(`Saved at ${time}. Visitors' widgets get it within about a minute.`);
  onSaved();
}

/** Wires the editor; `saved` runs after each save (the read-out may list other surveys). */
export function setupSettings(saved) {
  onSaved = saved;
  ui.details.addEventListener("toggle", () => {
    if (ui.details.open && etag === null) load();
  });
  ui.form.addEventListener("submit", (e) => {
    e.preventDefault();
    save();
  });
  ui.reload.addEventListener("click", load);
}

/** The signed-in session, or null: signing out empties the editor (it holds webhook secrets). */
export function settingsSession(value) {
  if (value?.site === session?.site && value?.token === session?.token) return;
  session = value;
  etag = null;
  ui.text.value = "";
  tell("");
  ui.details.open = false;
}
