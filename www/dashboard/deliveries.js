// Webhook deliveries that failed every retry (GET .../dead-letters), and
// the button that sends them again (POST .../dead-letters/replay, which
// takes the oldest hundred a call: it is called until none are left).
// Shown only when there are some.
import { api } from "./api.js";

const $ = (id) => document.getElementById(id);
const ui = { box: $("deliveries"), text: $("deliveries-text"), replay: $("replay") };

let session = null;
/** A replay under way: refreshes leave the box alone meanwhile. */
let replaying = false;

const plural = (n, one, many) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
const utc = (ms) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
const base = () => `/v1/admin/sites/${encodeURIComponent(session.site)}/dead-letters`;

/** Reads how many deliveries failed for the signed-in site; hides the box when none (or unreadable). */
export async function loadDeliveries(value, signal) {
  session = value;
  if (!session || replaying) return;
  let body = null;
  try {
    const res = await api(session.token, base(), { signal });
    body = res.ok ? await res.json() : null;
  } catch {}
  if (signal?.aborted || replaying) return;
  const total = Number.isSafeInteger(body?.total) ? body.total : 0;
  const oldest = Array.isArray(body?.dead_letters) ? body.dead_letters[0] : null;
  if (total === 0) {
    ui.box.hidden = true;
    return;
  }
  const to = typeof oldest?.url === "string" ? `, to ${oldest.url},` : "";
  const when = Number.isFinite(oldest?.failed_at) ? ` The oldest${to} failed on ${utc(oldest.failed_at)}.` : "";
  ui.text.textContent = `${plural(total, "delivery", "deliveries")} to the site's webhooks failed every retry.${when}` +
    " Once the receiver works again, send them again.";
  ui.replay.hidden = false;
  ui.box.hidden = false;
}

async function replay() {
  if (!session || replaying) return;
  replaying = true;
  ui.replay.disabled = true;
  let sent = 0;
  let failure = null;
  try {
    // Bounded: a hundred a call, and never more calls than that many thousands.
    for (let call = 0; call < 1000; call++) {
      const res = await api(session.token, `${base()}/replay`, { method: "POST" });
      const body = await res.json().catch(() => null);
      if (res.status !== 202 || !Number.isSafeInteger(body?.replayed) || !Number.isSafeInteger(body?.left)) {
        failure = `the collector answered ${res.status}`;
        break;
      }
      sent += body.replayed;
      ui.text.textContent = `Sending again… ${plural(sent, "delivery", "deliveries")} so far, ${body.left.toLocaleString("en")} left.`;
      if (body.left === 0 || body.replayed === 0) break;
    }
  } catch {
    failure = "the collector could not be reached";
  }
  replaying = false;
  ui.replay.disabled = false;
  if (failure) {
    ui.text.textContent = `${sent ? `${plural(sent, "delivery was", "deliveries were")} sent again, then ` : ""}` +
      `${failure}: press the button to go on.`;
    return;
  }
  ui.replay.hidden = true;
  ui.text.textContent = `${plural(sent, "delivery is", "deliveries are")} on their way again. Any the receiver ` +
    "still refuses come back here after their retries.";
}

export function setupDeliveries() {
  ui.replay.addEventListener("click", replay);
}

/** Signing out: nothing of the last site stays on screen. */
export function clearDeliveries() {
  session = null;
  ui.box.hidden = true;
  ui.text.textContent = "";
}
