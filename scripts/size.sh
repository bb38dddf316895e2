#!/usr/bin/env bash
# Size benchmark: bytes a visitor downloads before the first prompt is on
# screen (loader + JS glue + wasm + config response), gzip -9, next to
# posthog-js's array.js + surveys.js from its npm package, same run.
# Run after scripts/build.sh (make test or make demo builds).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
POSTHOG_VERSION="${POSTHOG_VERSION:-1.449.2}"
widget="$ROOT/dist/assets/widget"
[ -f "$widget/touchpoint_widget_bg.wasm" ] || bash scripts/build.sh

gz() { gzip -9c "$1" | wc -c; }
# Brotli too, for information: Cloudflare serves brotli to browsers that take
# it, so that is what most visitors download. The budget is in gzip.
br() { node -e 'const z=require("zlib"),b=require("fs").readFileSync(process.argv[1]);process.stdout.write(String(z.brotliCompressSync(b,{params:{[z.constants.BROTLI_PARAM_QUALITY]:11}}).length))' "$1"; }
row() { printf '%-44s %9d %9d %9d\n' "$1" "$(wc -c <"$2")" "$(gz "$2")" "$(br "$2")"; }

bench="$ROOT/target/bench"
mkdir -p "$bench"
# The config response the demo site's widget receives, byte for byte what
# the collector serves: SiteConfig::public() (no origins, webhooks, alerts
# or collector-only settings; the built-in UI tables of the languages its
# questions are written in, German and French for the demo), serialized as
# the collector does, by the core crate's public_config example.
cargo run -q -p touchpoint-core --example public_config -- www/demo-config.json >"$bench/config.json"

printf '%-44s %9s %9s %9s\n' "Touchpoint (this build)" "bytes" "gzip -9" "brotli 11"
total=0
btotal=0
for f in "$widget/loader.js" "$widget/touchpoint_widget.js" "$widget/touchpoint_widget_bg.wasm" "$bench/config.json"; do
  row "  $(basename "$f")" "$f"
  total=$((total + $(gz "$f")))
  btotal=$((btotal + $(br "$f")))
done
printf '%-44s %9s %9d %9d\n' "  total before the first prompt" "" "$total" "$btotal"
# For information: the debug build, which the entry points load for site
# owners only (?touchpoint_debug=1, touchpoint('debug')), instead of the two
# files above.
printf '%-44s\n' "Touchpoint debug build (site owners only)"
for f in "$widget/touchpoint_widget_debug.js" "$widget/touchpoint_widget_debug_bg.wasm"; do
  row "  $(basename "$f")" "$f"
done

posthog="$bench/posthog-js-$POSTHOG_VERSION"
if [ ! -f "$posthog/package/dist/surveys.js" ]; then
  mkdir -p "$posthog"
  (cd "$posthog" && npm pack --silent "posthog-js@$POSTHOG_VERSION" >/dev/null && tar xzf posthog-js-*.tgz)
fi
printf '%-44s\n' "posthog-js $POSTHOG_VERSION (npm package)"
ptotal=0
pbtotal=0
for f in "$posthog/package/dist/array.js" "$posthog/package/dist/surveys.js"; do
  row "  $(basename "$f")" "$f"
  ptotal=$((ptotal + $(gz "$f")))
  pbtotal=$((pbtotal + $(br "$f")))
done
printf '%-44s %9s %9d %9d\n' "  total" "" "$ptotal" "$pbtotal"
echo "touchpoint: $total B gzip; posthog-js: $ptotal B gzip; budget 30720 B (aim 20480 B)"
