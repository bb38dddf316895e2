# shellcheck shell=bash
# Shared environment for the project's scripts: which Rust toolchain builds
# wasm32, where the locally installed tools are. Sourced, never executed.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
export WRANGLER_SEND_METRICS=false
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# The version of every tool that must match a crate comes from Cargo.lock.
lock_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' \
    "$ROOT/Cargo.lock" 2>/dev/null || true
}
WASM_BINDGEN_VERSION="$(lock_version wasm-bindgen)"
WASM_BINDGEN_VERSION="${WASM_BINDGEN_VERSION:-0.2.130}"
WORKER_BUILD_VERSION="$(lock_version worker)"
WORKER_BUILD_VERSION="${WORKER_BUILD_VERSION:-0.8.7}"
export WASM_BINDGEN_VERSION WORKER_BUILD_VERSION

# True when the given rustc (default: the one on PATH) has a
# wasm32-unknown-unknown standard library.
has_wasm_std() {
  local sysroot
  sysroot="$("${1:-rustc}" --print sysroot 2>/dev/null)" || return 1
  compgen -G "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib" >/dev/null
}

# Prefer a rustup toolchain that already has the target (a laptop with
# internet); otherwise the Debian rustc-web toolchain in /usr/bin, whose
# sysroot setup.sh completes offline. One toolchain for the whole workspace.
if has_wasm_std "$HOME/.cargo/bin/rustc"; then
  export PATH="$HOME/.cargo/bin:$PATH"
elif [ -x /usr/bin/rustc ]; then
  export PATH="/usr/bin:$HOME/.cargo/bin:$PATH"
fi
export PATH="$ROOT/node_modules/.bin:$PATH"

# worker-build must not download anything: hand it the local binaries.
export WASM_BINDGEN_BIN="$HOME/.cargo/bin/wasm-bindgen"
export ESBUILD_BIN="$ROOT/node_modules/.bin/esbuild"
export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
export CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
