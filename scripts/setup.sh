#!/usr/bin/env bash
# One-shot, idempotent set-up on a fresh Debian bookworm machine:
#   - KiCad 9 from bookworm-backports (kicad-cli, eeschema, symbol libraries) [+ Xvfb tools with --gui]
#   - a virtual environment .venv with tokn installed editable, plus test extras with --test
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
for a in "$@"; do
  case "$a" in
    --test) extras="[test]" ;;
    --gui) export TOKN_NEED_GUI=1 ;;
  esac
done
bash scripts/install-kicad.sh
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".${extras}"
