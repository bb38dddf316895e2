#!/usr/bin/env bash
# Builds the widget (wasm + glue + loader into dist/assets/widget, served by
# the collector under /widget/) and the collector (collector/build/).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

out="$ROOT/dist/assets/widget"
log "building the widget"
cargo build -q -p touchpoint-widget --release --target wasm32-unknown-unknown
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name touchpoint_widget \
  target/wasm32-unknown-unknown/release/touchpoint_widget.wasm
# The features rustc 1.96 emits for wasm32, named one by one: binaryen 132's
# --all-features also turns on encodings (compact imports) browsers reject.
wasm-opt -Oz --enable-bulk-memory --enable-bulk-memory-opt --enable-mutable-globals --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-reference-types --enable-multivalue --strip-debug --strip-producers \
  -o "$out/touchpoint_widget_bg.wasm" "$out/touchpoint_widget_bg.wasm"
esbuild --log-level=warning --minify --format=esm --outfile="$out/touchpoint_widget.js" \
  --allow-overwrite "$out/touchpoint_widget.js"
esbuild --log-level=warning --minify --outfile="$out/loader.js" widget/loader.js
esbuild --log-level=warning --minify --format=esm --outfile="$out/touchpoint.mjs" widget/touchpoint.mjs

log "building the collector"
(cd collector && worker-build --release >/dev/null 2>"$ROOT/target/worker-build.log") || {
  cat "$ROOT/target/worker-build.log" >&2
  exit 1
}
