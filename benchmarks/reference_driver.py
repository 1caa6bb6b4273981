"""Run the public TOKN reference encoder over a list of ``.kicad_sch`` files, the way its own
entry points do, as one process (for ``bench_reference.py``).

Usage::

    python benchmarks/reference_driver.py REF_SRC dir OUT_DIR FILE_LIST
    python benchmarks/reference_driver.py REF_SRC jsonl OUT.jsonl FILE_LIST

``REF_SRC`` is the ``src/`` folder of a checkout of the reference (``kicad_sch.py``,
``connectivity.py``, ``tokn_encoder.py``, ``sexpr.py``); its code is imported from there,
never copied into this project.  ``FILE_LIST`` holds one path a line.

* ``dir``: per file what its ``convert_file(input, output)`` does -- ``parse_schematic``,
  ``analyze_connectivity``, ``encode_tokn`` -- and the text written to ``OUT_DIR/NNNN.tokn``
  (numbered: files of different folders share names);
* ``jsonl``: per file what its training-data script does (``encode_file_to_tokn``, then one
  ``json.dumps(..., ensure_ascii=False)`` line); its records carry no token counts.

A file the reference cannot encode is reported on stderr (``ERR path: message``), as its
scripts print and skip it; the exit status is 0 unless the list cannot be read.
"""
from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> int:
    src, mode, out, listing = argv
    sys.path.insert(0, os.path.abspath(src))
    from connectivity import analyze_connectivity      # the reference's modules
    from kicad_sch import parse_schematic
    from tokn_encoder import encode_tokn

    with open(listing, encoding="utf-8") as f:
        files = [line.rstrip("\n") for line in f if line.strip()]

    def encode(path: str) -> str | None:
        try:
            sch = parse_schematic(path)
            return encode_tokn(sch, analyze_connectivity(sch))
        except Exception as e:                          # its scripts print and go on
            print(f"ERR {path}: {type(e).__name__}: {e}", file=sys.stderr)
            return None

    if mode == "dir":
        os.makedirs(out, exist_ok=True)
        for i, path in enumerate(files):
            text = encode(path)
            if text is not None:
                with open(os.path.join(out, f"{i:04d}.tokn"), "w") as f:
                    f.write(text)
    elif mode == "jsonl":
        with open(out, "w", encoding="utf-8") as sink:
            for path in files:
                text = encode(path)
                if text is not None:
                    sink.write(json.dumps({"file": {"path": path}, "tokn": text}, ensure_ascii=False) + "\n")
    else:
        print(f"unknown mode {mode!r} (dir or jsonl)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
