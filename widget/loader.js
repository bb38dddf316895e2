/*! Touchpoint loader: keeps the page's command queue, loads the wasm widget.
 *  <script async src="https://COLLECTOR/widget/loader.js" data-site="SITE"></script>
 *  data-collector="https://shop.example/tp" overrides where events go
 *  (a first-party proxy path); by default it is the origin serving this file. */
(function () {
  var w = window;
  var script = document.currentScript;
  if (!script || w.__touchpoint) return;
  var site = script.getAttribute("data-site");
  if (!site) {
    console.warn("[touchpoint] the loader script needs a data-site attribute");
    return;
  }
  var base = new URL(".", script.src);
  var collector = (script.getAttribute("data-collector") || new URL("..", base).href).replace(/\/$/, "");
  var queue = [];
  var stub = w.touchpoint;
  if (stub && stub.q) queue = Array.prototype.slice.call(stub.q);
  var live = null;
  w.touchpoint = function () {
    var args = Array.prototype.slice.call(arguments);
    if (live) live(args);
    else queue.push(args);
  };
  w.__touchpoint = true;
  // The three downloads the first prompt needs start together, not one
  // after the other: the glue, the wasm and the site's configuration.
  // Marked as handled here; the widget still sees a failure when it reads them.
  // The glue and the wasm are asked for with this build's id (a hash of
  // both, set by scripts/build.sh): the collector lets browsers keep them
  // for a year, and a new release has new addresses, so the two always match.
  var build = "?v=" + TOUCHPOINT_BUILD;
  var noop = function () {};
  // The debug build, with the texts that explain each decision, for
  // ?touchpoint_debug=1 (any value but 0), else when touchpoint('debug')
  // turned it on in this tab; visitors get the smaller one.
  // (The widget itself reads both again: ?touchpoint_debug=0 turns debug
  // mode off even in the debug build.)
  var debug;
  try {
    debug = /[?&]touchpoint_debug=(?!0\b)/.test(location.search) || sessionStorage["touchpoint:debug"] == "1";
  } catch (e) {}
  var name = "touchpoint_widget" + (debug ? "_debug" : "");
  var wasm = fetch(new URL(name + "_bg.wasm" + build, base));
  // The configuration is asked for with the build id too (the collector
  // ignores it): a cache never hands this release a configuration response
  // of the one before, whose format may differ (theme.css).
  // It is asked for once more, a second later, when the
  // network or the collector failed (a phone between cells) or gave no
  // answer in 8 s (a stalled connection); a 4xx is final.
  var getConfig = function (again) {
    var retry = again && function () {
      return new Promise(function (ok) { setTimeout(ok, 1000); }).then(getConfig);
    };
    var signal = retry && AbortSignal.timeout && AbortSignal.timeout(8000);
    return fetch(collector + "/v1/sites/" + site + "/config" + build, { credentials: "omit", signal: signal || undefined }).then(function (r) {
      if (r.ok) return r.json();
      if (retry && r.status > 499) return retry();
      throw r.status;
    }, retry);
  };
  var config = getConfig(1);
  wasm.catch(noop);
  config.catch(noop);
  import(new URL(name + ".js" + build, base).href)
    .then(function (m) {
      return m.default({ module_or_path: wasm }).then(function () {
        var replay = queue.map(function (a) { return Array.prototype.slice.call(a); });
        queue = [];
        m.start(site, collector, replay, config);
        live = function (args) { m.command(args); };
      });
    })
    .catch(function (e) {
      console.warn("[touchpoint] the widget could not load:", e);
    });
})();
