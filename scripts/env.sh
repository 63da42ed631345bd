# Sourced by the project's scripts (not run): where the toolchain and the build live.
# Everything here is derived; override OPG_CACHE or CARGO_TARGET_DIR to move them.
OPG_CACHE="${OPG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/opg}"
OPG_TOOLCHAIN="$OPG_CACHE/toolchain"
# The build lives outside the clone so a fresh clone (CI) reuses a warm build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$OPG_CACHE/target}"
# Debian's rustc with a wasm32v1-none sysroot, first in PATH (see scripts/setup.sh).
case ":$PATH:" in
  *":$OPG_TOOLCHAIN/bin:"*) ;;
  *) export PATH="$OPG_TOOLCHAIN/bin:$PATH" ;;
esac
# The runtime's WASM is built in a nested workspace under the target dir: point it at this
# workspace so it uses the same Cargo.lock (pinned versions) instead of resolving its own.
export WASM_BUILD_WORKSPACE_HINT="${WASM_BUILD_WORKSPACE_HINT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
# Cross builds for arm64 (the probe of inference/tests/cross_cpu.rs): Debian's cross gcc links and
# compiles the C of build scripts (ring); `cargo run/test --target` runs the result under qemu,
# with the cross C library's loader and libraries together (the loader alone would pick the libc
# of libc6:arm64 from /lib/aarch64-linux-gnu, another version: threads then hang).
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib"
# Models fetched from package registries by scripts/fetch-models.sh.
export OPG_MODELS_DIR="${OPG_MODELS_DIR:-$OPG_CACHE/models}"
export OPG_ONNX_FIXTURES="${OPG_ONNX_FIXTURES:-$OPG_CACHE/onnx-fixtures}" # by scripts/onnx-fixtures.sh
# The one build profile used for the node, the tests and the benchmarks.
OPG_PROFILE=release
OPG_NODE_BIN="$CARGO_TARGET_DIR/$OPG_PROFILE/opg-node"
# The one feature set of development builds and tests: the node's test-only fault switch
# (`--dev-executor-fault`) is compiled in, so end-to-end tests can run a lying executor.
# Release images (docker/) build without it.
OPG_FEATURES="opg-node/dev-fault"
# hadolint (the Dockerfile linter), installed from PyPI by scripts/setup.sh.
OPG_HADOLINT="$OPG_TOOLCHAIN/hadolint/bin/hadolint"
export OPG_CACHE OPG_TOOLCHAIN OPG_PROFILE OPG_NODE_BIN OPG_FEATURES OPG_HADOLINT
