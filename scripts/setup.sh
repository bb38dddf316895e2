#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine (or a developer laptop):
# a Rust toolchain with a wasm32 standard library (offline when needed),
# wasm-bindgen-cli and worker-build at the versions Cargo.lock asks for,
# npm packages, Chromium. Fast when everything is already there.
set -euo pipefail
source "$(dirname "$0")/env.sh"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
APT_UPDATED=""

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# 1. Rust toolchain with wasm32-unknown-unknown std.
setup_rust() {
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    return 0
  fi
  if ! has_wasm_std; then
    # No wasm32 std and no way to download one: Debian's rustc-web ships its
    # library source, so build std for wasm32 once and install it in the sysroot.
    apt_install rustc-web cargo-web rust-web-src rust-web-llvm lld-22 rustfmt-web rust-web-clippy
    export PATH="/usr/bin:$PATH"
  fi
  apt_install rust-web-llvm rustfmt-web rust-web-clippy
  if has_wasm_std; then return 0; fi
  log "building the wasm32 standard library into $(rustc --print sysroot) (once, ~1 min)"
  local tmp libdir
  tmp="$(mktemp -d)"
  mkdir -p "$tmp/src"
  printf '[package]\nname = "sysroot-build"\nversion = "0.0.0"\nedition = "2021"\n[profile.release]\ndebug = 0\n' >"$tmp/Cargo.toml"
  echo '#![no_std]' >"$tmp/src/lib.rs"
  (cd "$tmp" && RUSTFLAGS="-Cembed-bitcode=yes" RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$tmp/target" \
    cargo build -q --release --target wasm32-unknown-unknown \
    -Zbuild-std=std,panic_abort,panic_unwind,test)
  libdir="$(rustc --print sysroot)/lib/rustlib/wasm32-unknown-unknown/lib"
  $SUDO mkdir -p "$libdir"
  $SUDO cp "$tmp"/target/wasm32-unknown-unknown/release/deps/*.rlib "$libdir"/
  $SUDO rm -f "$libdir"/libsysroot_build-*.rlib
  rm -rf "$tmp"
  # Stale wasm artefacts built against another std fail with "can't find crate".
  rm -rf "$ROOT/target/wasm32-unknown-unknown"
}

cargo_install() { # name version binary
  local have
  have="$("$HOME/.cargo/bin/$3" --version 2>/dev/null | awk '{print $NF}')" || true
  [ "$have" = "$2" ] && return 0
  log "cargo install $1 $2 (have: ${have:-none})"
  cargo install -q "$1" --version "$2"
}

setup_node() {
  # wrangler 4.86 (pinned: the last release that runs on Node 20) needs >= 20.3.
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -lt 20 ]; then
    echo "Node.js 20 or newer is needed (found: $(node --version 2>/dev/null || echo none)); Debian 12's own nodejs is 18: install Node 20+ from nodesource or nvm." >&2
    exit 1
  fi
  # npm ci wipes node_modules; only run it when the lockfile changed since.
  if [ ! -f "$ROOT/node_modules/.touchpoint-lock" ] || ! cmp -s "$ROOT/package-lock.json" "$ROOT/node_modules/.touchpoint-lock"; then
    log "npm ci"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$ROOT/package-lock.json" "$ROOT/node_modules/.touchpoint-lock"
  fi
}

setup_rust
apt_install chromium chromium-driver
cargo_install wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen
cargo_install worker-build "$WORKER_BUILD_VERSION" worker-build
setup_node
log "set-up complete ($(rustc --version), wasm-bindgen $WASM_BINDGEN_VERSION, worker-build $WORKER_BUILD_VERSION)"
