// "Download events (CSV)": every stored event of the chosen period (and
// survey) from GET /v1/sites/{site}/export.ndjson, page after page, as a
// file a spreadsheet opens as is: UTF-8 with a byte order mark, CRLF line
// ends, RFC 4180 quoting, and any text a spreadsheet would run as a
// formula (starting with =, +, -, @, a tab or a carriage return) kept as
// text with a leading apostrophe: a visitor's comment never runs.
import { api } from "./api.js";

export const COLUMNS = ["received_at", "type", "survey", "touchpoint", "metric", "scale", "score", "comment",
  "experiment", "variant", "locale", "device", "country", "url", "visitor", "id", "attributes"];

/** One CSV field. */
export function cell(value) {
  if (value === null || value === undefined) return "";
  let text = typeof value === "object" ? JSON.stringify(value) : String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One event (a line of the export) as a CSV line. */
function row(e) {
  const at = Number.isFinite(e.received_at) ? new Date(e.received_at).toISOString() : "";
  return COLUMNS.map((c) => cell(c === "received_at" ? at : e[c])).join(",");
}

/** The next page's address from a `Link: <...>; rel="next"` header, if any. */
function nextPage(link) {
  const m = /<([^>]+)>;\s*rel="next"/.exec(link ?? "");
  return m ? m[1] : null;
}

/**
 * Reads every event of `site` in the window (`from`, ms, or null) and, if
 * given, of one `survey` or `visitor` (filtered by the export); `progress(n)`
 * hears the count as pages arrive.
 * Returns `{parts, count}`: the CSV as one string per page, for a Blob
 * (joined into one string, a few million events would pass the longest
 * string a browser makes, about 512 M characters in Chromium, and hold the
 * file twice while joining), and how many events it holds; or throws an
 * Error whose message says what failed.
 */
export async function exportCsv({ site, token, from, survey, visitor, signal, progress }) {
  const params = new URLSearchParams();
  if (from) params.set("from", String(from));
  if (survey) params.set("survey", survey);
  if (visitor) params.set("visitor", visitor);
  const query = params.toString();
  let url = `/v1/sites/${encodeURIComponent(site)}/export.ndjson${query ? `?${query}` : ""}`;
  const parts = ["\ufeff" + COLUMNS.join(",") + "\r\n"];
  let count = 0;
  while (url) {
    const res = await api(token, url, { signal });
    if (!res.ok) {
      const body = await res.json().catch(() => null);
      throw new Error(`the collector answered ${res.status}${body?.error?.message ? `: ${body.error.message}` : ""}`);
    }
    const rows = [];
    for (const text of (await res.text()).split("\n")) {
      if (text) rows.push(row(JSON.parse(text)) + "\r\n");
    }
    parts.push(rows.join(""));
    count += rows.length;
    progress?.(count);
    url = nextPage(res.headers.get("Link"));
  }
  return { parts, count };
}

/** Hands `parts` (strings) to the browser as one file download named `name`. */
export function saveFile(name, parts, type = "text/csv;charset=utf-8") {
  const href = URL.createObjectURL(new Blob(parts, { type }));
  const link = document.createElement("a");
  link.href = href;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}
