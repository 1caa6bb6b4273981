#!/usr/bin/env bash
# Set up everything the tests need, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# KiCad 10 (a chroot) needs root, as CI has; elsewhere its tests skip, saying why.
if [ "$(id -u)" = 0 ]; then
  bash scripts/setup.sh --test --gui --kicad10
else
  bash scripts/setup.sh --test --gui
fi
exec .venv/bin/python -m pytest -q -n 2 "$@"
