#!/usr/bin/env bash
# Static checks, run first by scripts/test.sh: formatting (rustfmt with the repository's
# rustfmt.toml) and clippy with the workspace lints (`[workspace.lints]` in Cargo.toml) on every
# crate and target, warnings denied. Both are Debian's (rustfmt-web, rust-web-clippy), the
# tools of the toolchain this project builds with, installed by scripts/setup.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
cd "$here/.."
start=$(date +%s)
echo "[check] cargo fmt --all --check"
cargo fmt --all --check
echo "[check] cargo clippy (workspace lints, all targets, warnings denied)"
# The one profile and feature set of scripts/test.sh, so clippy shares its build scripts (the
# runtime's WASM among them) instead of redoing them.
cargo clippy --profile "$OPG_PROFILE" --workspace --all-targets \
  --features "$OPG_FEATURES" --quiet -- -D warnings
echo "[check] passed in $(( $(date +%s) - start )) s"
