// The demo shop's web server: serves www/ (or another folder) on its own
// origin, filling {{COLLECTOR}} and {{SITE}} into HTML so the page embeds
// the widget from the collector exactly as a customer site would.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

/** Starts the server; resolves to the node http.Server once listening. */
export function serveWww({ root, port = 8080, collector, site = "demo", headers = {} }) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://localhost");
    if (req.method === "POST" && url.pathname === "/checkout") {
      // The order is "placed": go to the confirmation page, like a real shop.
      req.resume();
      res.writeHead(303, { Location: "/confirmation.html?order=" + (1000 + Math.floor(Math.random() * 9000)) });
      return res.end();
    }
    if (url.pathname === "/dashboard" || url.pathname.startsWith("/dashboard/")) {
      // www/dashboard is the collector's page (same origin as the stats it
      // reads), not a shop page: send the visitor there.
      req.resume();
      res.writeHead(302, { Location: `${collector}/dashboard/?site=${encodeURIComponent(site)}` });
      return res.end();
    }
    let path = normalize(decodeURIComponent(url.pathname));
    if (path.endsWith("/")) path += "index.html";
    const file = join(base, path);
    if (!file.startsWith(base)) return notFound(res);
    try {
      let body = await readFile(file);
      const type = TYPES[extname(file)] ?? "application/octet-stream";
      if (type.startsWith("text/html")) {
        body = body.toString("utf8").replaceAll("{{COLLECTOR}}", collector).replaceAll("{{SITE}}", site);
      }
      res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-store", ...headers[path], ...headers["*"] });
      res.end(body);
    } catch {
      notFound(res);
    }
  });
  return new Promise((ok) => server.listen(port, "127.0.0.1", () => ok(server)));
}

function notFound(res) {
  res.writeHead(404, { "Content-Type": "text/plain" });
  res.end("not found");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf("--" + name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const root = arg("root", join(fileURLToPath(new URL("..", import.meta.url)), "www"));
  const port = Number(arg("port", "8080"));
  await serveWww({ root, port, collector: arg("collector", "http://127.0.0.1:8787"), site: arg("site", "demo") });
  console.log(`demo shop on http://127.0.0.1:${port}/`);
}
