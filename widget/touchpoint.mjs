/*! Touchpoint as an ES module, for bundlers and module scripts:
 *    import { init } from "https://COLLECTOR/widget/touchpoint.mjs";  // or a vendored copy
 *    const touchpoint = init({ site: "SITE", collector: "https://COLLECTOR" });
 *    touchpoint("event", "checkout_completed", { value: 42 });
 *  The returned function takes the same commands as the script-tag API;
 *  calls made before the widget has loaded are kept and replayed in order.
 *  It is also set as window.touchpoint, so code written for the script tag
 *  keeps working. */
export function init({ site, collector, widget } = {}) {
  const w = window;
  if (!site || !collector) {
    console.warn("[touchpoint] init({ site, collector }) needs both");
    return function () {};
  }
  if (w.__touchpoint) return w.touchpoint;
  collector = String(collector).replace(/\/$/, "");
  const base = new URL((widget || collector + "/widget").replace(/\/?$/, "/"), location.href);
  let queue = w.touchpoint && w.touchpoint.q ? Array.prototype.slice.call(w.touchpoint.q) : [];
  let live = null;
  const touchpoint = function () {
    const args = Array.prototype.slice.call(arguments);
    if (live) live(args);
    else queue.push(args);
  };
  w.touchpoint = touchpoint;
  w.__touchpoint = true;
  // Glue, wasm and configuration download together (as in loader.js).
  // This build's files, kept by browsers for a year (see loader.js).
  const build = `?v=${TOUCHPOINT_BUILD}`;
  // The debug build for ?touchpoint_debug=1, or once touchpoint('debug')
  // turned it on in this tab (as in loader.js).
  let debug;
  try {
    debug = /[?&]touchpoint_debug=(?!0\b)/.test(location.search) || sessionStorage["touchpoint:debug"] === "1";
  } catch {}
  const name = `touchpoint_widget${debug ? "_debug" : ""}`;
  const wasm = fetch(new URL(`${name}_bg.wasm${build}`, base));
  // With the build id (as in loader.js), and asked for once more, a second
  // later, after a network or 5xx failure or no answer in 8 s.
  const getConfig = (again) => {
    const retry = again ? () => new Promise((ok) => setTimeout(ok, 1000)).then(() => getConfig(false)) : undefined;
    const signal = retry && AbortSignal.timeout ? AbortSignal.timeout(8000) : undefined;
    return fetch(`${collector}/v1/sites/${site}/config${build}`, { credentials: "omit", signal }).then((r) => {
      if (r.ok) return r.json();
      if (retry && r.status > 499) return retry();
      throw r.status;
    }, retry);
  };
  const config = getConfig(true);
  wasm.catch(() => {});
  config.catch(() => {});
  import(/* webpackIgnore: true */ /* @vite-ignore */ new URL(`${name}.js${build}`, base).href)
    .then((m) =>
      m.default({ module_or_path: wasm }).then(() => {
        const replay = queue.map((a) => Array.prototype.slice.call(a));
        queue = [];
        m.start(site, collector, replay, config);
        live = (args) => m.command(args);
      }),
    )
    .catch((e) => console.warn("[touchpoint] the widget could not load:", e));
  return touchpoint;
}
