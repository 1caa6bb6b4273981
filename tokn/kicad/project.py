"""What a design takes from its KiCad project file (``<root>.kicad_pro``, JSON).

KiCad 10 keeps a schematic's bus aliases in the project file (``schematic.bus_aliases``:
name -> member list) instead of ``(bus_alias ...)`` lists in the sheet files; a design
that uses ``{ALIAS}`` buses across sheets is connected only with them.  KiCad 6-9 project
files have no such key.  :func:`project_bus_aliases` reads them; a project file that
cannot be read gives a warning, not an error (the sheets still encode; the aliases are
missing, as KiCad would lack them).
"""
from __future__ import annotations

import os


def project_file(root_schematic: str) -> str:
    """The project file of a top-level schematic: ``X.kicad_pro`` beside ``X.kicad_sch``."""
    return os.path.splitext(root_schematic)[0] + ".kicad_pro"


def project_bus_aliases(root_schematic: str) -> tuple[dict[str, list[str]], list[str]]:
    """(alias -> members as written, warnings) from the project file of ``root_schematic``;
    ``({}, [])`` when there is no project file or it names no alias.  Members are stored
    as the schematic's ``(members ...)`` are: unescaped text (``~{ALERT}``, ``D[0..7]``)."""
    path = project_file(root_schematic)
    if not os.path.isfile(path):
        return {}, []
    import json
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        return {}, [f"{path}: project file not read ({_reason(e)}): its bus aliases, if any, are not used"]
    section = data.get("schematic") if isinstance(data, dict) else None
    raw = section.get("bus_aliases") if isinstance(section, dict) else None
    if raw is None:
        return {}, []
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, list)
                                            and all(isinstance(m, str) for m in v) for k, v in raw.items()):
        return {}, [f"{path}: schematic.bus_aliases is not a map of names to lists of member names; "
                    "not used"]
    return {name: list(members) for name, members in raw.items()}, []


def _reason(e: Exception) -> str:
    if isinstance(e, ValueError) and hasattr(e, "lineno"):
        return f"invalid JSON at line {e.lineno}, column {e.colno}"          # json.JSONDecodeError
    if isinstance(e, UnicodeDecodeError):
        return f"not UTF-8 text (byte {e.start})"
    return getattr(e, "strerror", None) or str(e)
