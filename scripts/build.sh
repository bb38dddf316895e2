#!/usr/bin/env bash
# Builds the widget (wasm + glue + loader into dist/assets/widget, served by
# the collector under /widget/), copies the dashboard (www/dashboard into
# dist/assets/dashboard, served under /dashboard/) and builds the collector
# (collector/build/).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

out="$ROOT/dist/assets/widget"
log "building the widget"
# Every visitor pays for the widget's bytes, so when the toolchain has its
# library source (Debian's rust-web-src, rustup's rust-src), the standard
# library is rebuilt for size with the widget: `optimize_for_size` picks
# std's small code paths, and `immediate-abort` panics trap at once instead
# of formatting a message nobody sees (there is no console in the panic
# path), which drops core::fmt and every panic's location string. -8 KB of
# gzip, measured. These are unstable options, hence RUSTC_BOOTSTRAP, and
# only here: the collector, the core crate and the tests build as usual. Its
# own target dir keeps the flags from rebuilding the collector's artefacts.
# Without reference types wasm-bindgen keeps JS objects in a JS array
# instead of an externref table: the glue grows by 0.2 KB, the wasm shrinks
# by 1.3 KB (gzip, measured).
# Two builds of the widget: the one visitors get, and the debug build, with
# the texts that explain each decision (`--features debug`, 1.5 KB gzip
# more), which the entry points load for `?touchpoint_debug=1` and after
# `touchpoint('debug', true)`. Cargo keeps both compiled; each is copied out
# before the other replaces it.
rm -rf "$out" && mkdir -p "$out"
reference_types=--enable-reference-types
for variant in touchpoint_widget touchpoint_widget_debug; do
  feature=()
  [ "$variant" = touchpoint_widget_debug ] && feature=(--features debug)
  widget_wasm="target/wasm32-unknown-unknown/release/touchpoint_widget.wasm"
  if [ -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library/std" ]; then
    RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$ROOT/target/widget-size" \
      RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none -Ctarget-feature=-reference-types" \
      cargo build -q -p touchpoint-widget "${feature[@]}" --release --target wasm32-unknown-unknown \
      -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
    widget_wasm="target/widget-size/wasm32-unknown-unknown/release/touchpoint_widget.wasm"
    reference_types=
  else
    [ "$variant" = touchpoint_widget ] &&
      log "no Rust library source: the widget is built with the prebuilt std (about 8 KB gzip larger)"
    cargo build -q -p touchpoint-widget "${feature[@]}" --release --target wasm32-unknown-unknown
  fi
  # The loader always passes the wasm's URL, and every supported browser has
  # TextEncoder.encodeInto: the glue needs neither fallback.
  wasm-bindgen --target web --no-typescript --omit-default-module-path --encode-into always \
    --out-dir "$out" --out-name "$variant" "$widget_wasm"
  # The features rustc 1.96 emits for wasm32, named one by one: binaryen 132's
  # --all-features also turns on encodings (compact imports) browsers reject.
  # --low-memory-unused: Rust's wasm32 layout puts a 1 MB stack first, growing
  # down from 1 MB, then data and heap, so the first 1 KB is never addressed
  # and binaryen may fold more address arithmetic into load/store offsets.
  # --flatten --rereloop between -Oz runs restructures control flow; together
  # 590 B gzip (measured). --converge repeats the passes until the module
  # stops shrinking: 200 B more, for about 8 s of build. The import and export
  # names are shortened too (wasm-bindgen's each carry a 16-digit hash):
  # wasm-opt prints the new names as JSON and the glue is renamed to match.
  # Through the text form first, to unlist the closure shims nothing can call
  # from the function table (see scripts/prune-closure-shims.mjs; 0.65 KB).
  wasm-dis "$out/${variant}_bg.wasm" | node scripts/prune-closure-shims.mjs >"$ROOT/target/$variant.wat"
  # The renaming runs once, on its own (in a converging run it would print
  # its table of names at every round), then -Oz once more on the shorter
  # names.
  features="--enable-bulk-memory --enable-bulk-memory-opt --enable-mutable-globals --enable-nontrapping-float-to-int
    --enable-sign-ext $reference_types --enable-multivalue"
  # shellcheck disable=SC2086 # $features is a list of flags
  wasm-opt --low-memory-unused -Oz --flatten --rereloop -Oz -Oz --converge $features \
    -o "$ROOT/target/$variant-opt.wasm" "$ROOT/target/$variant.wat"
  # shellcheck disable=SC2086
  wasm-opt $features --minify-imports-and-exports-and-modules -Oz --strip-debug --strip-producers --strip-target-features \
    -o "$out/${variant}_bg.wasm" "$ROOT/target/$variant-opt.wasm" >"$ROOT/target/$variant-names.json"
  # Last, the functions are laid out from the smallest to the largest (see
  # scripts/order-functions.mjs; 0.67 KB gzip), and -Oz runs once more on
  # that order, which it keeps.
  wasm-dis "$out/${variant}_bg.wasm" | node scripts/order-functions.mjs >"$ROOT/target/$variant-ordered.wat"
  # shellcheck disable=SC2086
  wasm-opt $features -Oz --strip-debug --strip-producers --strip-target-features \
    -o "$out/${variant}_bg.wasm" "$ROOT/target/$variant-ordered.wat"
  node scripts/minify-names.mjs "$ROOT/target/$variant-names.json" "$out/$variant.js"
  esbuild --log-level=warning --minify --tree-shaking=true --format=esm --outfile="$out/$variant.js" \
    --allow-overwrite "$out/$variant.js"
done
# The build id: a hash of both builds' glue and wasm. The entry points
# (loader.js, touchpoint.mjs) ask for a glue and its wasm with `?v=ID`, and the collector, built
# with the same id, lets browsers keep what is asked for with it for a year:
# repeat visits need no revalidation round trip, and a release changes the
# addresses, so a browser never pairs one release's glue with another's wasm.
build_id=$(cat "$out"/touchpoint_widget{,_debug}.js "$out"/touchpoint_widget{,_debug}_bg.wasm | sha256sum | cut -c1-12)
export TOUCHPOINT_WIDGET_BUILD="$build_id"
# The loader's header comment (how to embed it) stays in the source and the
# README: shipped, it was 196 of its 710 gzip bytes, on every page view.
esbuild --log-level=warning --minify --legal-comments=none --define:TOUCHPOINT_BUILD="\"$build_id\"" \
  --outfile="$out/loader.js" widget/loader.js
esbuild --log-level=warning --minify --format=esm --define:TOUCHPOINT_BUILD="\"$build_id\"" \
  --outfile="$out/touchpoint.mjs" widget/touchpoint.mjs

# The results dashboard, served by the collector under /dashboard/.
rm -rf "$ROOT/dist/assets/dashboard" && cp -r "$ROOT/www/dashboard" "$ROOT/dist/assets/dashboard"

log "building the collector (widget build $build_id)"
(cd collector && worker-build --release >/dev/null 2>"$ROOT/target/worker-build.log") || {
  cat "$ROOT/target/worker-build.log" >&2
  exit 1
}
