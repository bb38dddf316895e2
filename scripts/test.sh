#!/usr/bin/env bash
# The whole test suite: style and lints, host tests of the core, then the
# collector on real workerd + local D1, the widget in headless Chromium and
# the end-to-end checkout, each runner printing its own summary.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

bash scripts/setup.sh
log "cargo fmt --check"
cargo fmt --all --check
log "cargo clippy -D warnings (host and wasm32)"
cargo clippy -q -p touchpoint-core --all-targets -- -D warnings
cargo clippy -q --target wasm32-unknown-unknown -p touchpoint-widget -p touchpoint-collector -- -D warnings
cargo clippy -q --target wasm32-unknown-unknown -p touchpoint-widget --features debug -- -D warnings
log "host tests: touchpoint-core"
mkdir -p target
cargo test -p touchpoint-core 2>&1 | tee target/host-tests.log | grep -E "^test result|FAILED|panicked"
bash scripts/build.sh
log "collector (workerd + D1), widget (Chromium) and end-to-end tests"
status=0
node --test --test-concurrency=1 tests/*.test.mjs 2>&1 | tee target/node-tests.log || status=$?

# One closing line over every tier.
sum() { grep -Eo "$1" "$2" | grep -Eo '[0-9]+' | awk '{ s += $1 } END { print s + 0 }'; }
passed=$(( $(sum '[0-9]+ passed' target/host-tests.log) + $(sum '^# pass [0-9]+' target/node-tests.log) ))
failed=$(( $(sum '[0-9]+ failed' target/host-tests.log) + $(sum '^# fail [0-9]+' target/node-tests.log) ))
echo "all tiers: $passed passed, $failed failed"
exit "$status"
