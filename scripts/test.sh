#!/usr/bin/env bash
# Set up everything the tests need, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test --gui
exec .venv/bin/python -m pytest -q -n 2 "$@"
