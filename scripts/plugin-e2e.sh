#!/usr/bin/env bash
# Headless end-to-end test of the plugin on KiCad 9 and 10 (tests/test_plugin_e2e.py): builds the PCM
# package, installs it into a throw-away KiCad config, drives eeschema under Xvfb and checks
# KiCad's netlist of the saved result.  Screenshots and logs go to $TOKN_ARTIFACTS
# (default: out/artifacts).  Needs: bash scripts/setup.sh --test --gui [--kicad10], and PyPI access
# (KiCad pip-installs the plugin's requirements into its own venv).
set -euo pipefail
cd "$(dirname "$0")/.."
export TOKN_ARTIFACTS=${TOKN_ARTIFACTS:-$PWD/out/artifacts}
mkdir -p "$TOKN_ARTIFACTS"
exec .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/test_plugin_e2e.py "$@"
