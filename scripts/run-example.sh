#!/usr/bin/env bash
# Set up (idempotent), then run the main job on the bundled example:
# encode a real KiCad schematic to TOKN, validate it against the KiCad libraries, decode it
# back to a KiCad 9 schematic and check that KiCad sees the same netlist; then decode an
# LLM-style document (no coordinates) into a laid-out sheet with a PNG preview.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
T=.venv/bin/tokn
OUT=${OUT:-out/example}
mkdir -p "$OUT"
SRC=examples/mcp2551-can-transceiver/schematic.kicad_sch
echo "== encode $SRC"
$T encode "$SRC" -o "$OUT/mcp2551.tokn"
head -n 30 "$OUT/mcp2551.tokn"
echo "== validate"
$T validate "$OUT/mcp2551.tokn" || true
echo "== decode (round trip from the TOKN text alone)"
$T decode "$OUT/mcp2551.tokn" -o "$OUT/mcp2551/mcp2551.kicad_sch"
.venv/bin/python - "$SRC" "$OUT/mcp2551/mcp2551.kicad_sch" <<'PY'
import sys
from tokn.encode import encode_design
a, b = (encode_design(p).document for p in sys.argv[1:3])
nets = lambda d: {frozenset(n.pins): n.name for n in d.nets if len(n.pins) > 1}
print("round trip keeps every multi-pin net and its name:", nets(a) == nets(b))
PY
echo "== decode an LLM-style document (no drawing) with a preview"
$T decode examples/regulator.tokn -o "$OUT/regulator/regulator.kicad_sch" --png "$OUT/regulator.png"
echo "outputs in $OUT/"
