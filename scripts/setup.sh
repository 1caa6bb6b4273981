#!/usr/bin/env bash
# One-shot, idempotent set-up on a fresh Debian bookworm machine:
#   - KiCad 9 from bookworm-backports (kicad-cli, eeschema, symbol libraries) [+ Xvfb tools with --gui]
#   - with --kicad10: KiCad 10 in a chroot (scripts/install-kicad10.sh; root, ~4 min, 2 GB),
#     so the tests also check the codec against KiCad 10
#   - a virtual environment .venv with tokn installed editable, plus test extras with --test
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
for a in "$@"; do
  case "$a" in
    --test) extras="[test]" ;;
    --gui) export TOKN_NEED_GUI=1 ;;
    --kicad10) kicad10=1 ;;
  esac
done
bash scripts/install-kicad.sh
if [ "${kicad10:-0}" = 1 ]; then
  bash scripts/install-kicad10.sh
fi
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".${extras}"
