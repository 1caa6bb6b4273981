"""What a design takes from its KiCad project file (``<root>.kicad_pro``, JSON).

* **Bus aliases.** KiCad 10 keeps a schematic's bus aliases in the project file
  (``schematic.bus_aliases``: name -> member list) instead of ``(bus_alias ...)`` lists in
  the sheet files; a design that uses ``{ALIAS}`` buses across sheets is connected only
  with them.  KiCad 6-9 project files have no such key.
* **Text variables** (``text_variables``): KiCad resolves ``${NAME}`` in a label's text
  (its net name) and a symbol's value with them.
* **Top-level sheets.** A KiCad 10 project may list several top-level sheets
  (``schematic.top_level_sheets``: filename, name, uuid).  KiCad 10 then netlists them as
  one design, each top-level sheet named like a sheet of an unseen root (``/top/LOC``);
  :func:`joined_top_level_sheets` says which files join the design of the project's own
  schematic, and :func:`tokn.kicad.hierarchy.load_design` loads them so.  Another listed
  file, encoded on its own, is one sheet, as kicad-cli netlists it
  (:func:`top_level_sheets_warning` says so).

:func:`read_project` reads both; a project file that cannot be read gives a warning, not
an error (the sheets still encode; what the project adds is missing, as it would be for
KiCad).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import NamedTuple


class TopLevelSheet(NamedTuple):
    """One entry of a KiCad 10 project's ``schematic.top_level_sheets``."""
    file: str                       # relative to the project's folder
    name: str                       # the sheet's name ("" when the project gives none)
    uuid: str                       # "" when the project gives none


@dataclass
class ProjectSettings:
    """What :func:`read_project` found: bus aliases (name -> members as written, unescaped:
    ``~{ALERT}``, ``D[0..7]``), top-level sheets (file name, sheet name) when the project
    lists them, text variables, and warnings about the project file itself."""
    bus_aliases: dict[str, list[str]] = field(default_factory=dict)
    top_level_sheets: list[TopLevelSheet] = field(default_factory=list)
    text_variables: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    path: str = ""                  # the project file read ("" when none)


def project_file(root_schematic: str) -> str:
    """The project file of a top-level schematic: ``X.kicad_pro`` beside ``X.kicad_sch``."""
    return os.path.splitext(root_schematic)[0] + ".kicad_pro"


def read_project(root_schematic: str) -> ProjectSettings:
    """The settings of ``root_schematic``'s project file that change its circuit: its own
    ``X.kicad_pro``, else the one project file beside it that lists it as a top-level
    sheet (KiCad 10 opens that project for it); empty when there is none."""
    path = project_file(root_schematic)
    if not os.path.isfile(path):
        return _listing_project(root_schematic)
    data, out = _load(path)
    if data is not None:
        _fill(out, data, path)
    return out


def _load(path: str) -> tuple[object, ProjectSettings]:
    """(parsed JSON or None, settings holding the warning when it could not be read)."""
    import json
    out = ProjectSettings()
    try:
        with open(path, encoding="utf-8-sig") as f:
            return json.load(f), out
    except (OSError, UnicodeDecodeError, ValueError) as e:
        out.warnings.append(f"{path}: project file not read ({_reason(e)}): its bus aliases, if any, "
                            "are not used")
        return None, out


def _listing_project(root_schematic: str) -> ProjectSettings:
    """The settings of the only ``.kicad_pro`` in ``root_schematic``'s folder whose
    top-level sheets include it, if exactly one does (unreadable ones are passed over)."""
    folder = os.path.dirname(os.path.abspath(root_schematic))
    try:
        projects = sorted(n for n in os.listdir(folder) if n.endswith(".kicad_pro"))
    except OSError:
        return ProjectSettings()
    me = os.path.basename(root_schematic)
    found: list[ProjectSettings] = []
    for name in projects:
        data, out = _load(os.path.join(folder, name))
        if data is None:
            continue
        _fill(out, data, os.path.join(folder, name))
        if any(os.path.basename(t.file) == me for t in out.top_level_sheets):
            found.append(out)
    return found[0] if len(found) == 1 else ProjectSettings()


def _fill(out: ProjectSettings, data: object, path: str) -> None:
    """Read the schematic settings of project ``data`` (from ``path``) into ``out``."""
    out.path = path
    variables = data.get("text_variables") if isinstance(data, dict) else None
    if isinstance(variables, dict):
        out.text_variables = {str(k): str(v) for k, v in variables.items() if isinstance(v, (str, int, float))}
    section = data.get("schematic") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        return
    raw = section.get("bus_aliases")
    if raw is not None:
        if isinstance(raw, dict) and all(isinstance(k, str) and isinstance(v, list)
                                         and all(isinstance(m, str) for m in v) for k, v in raw.items()):
            out.bus_aliases = {name: list(members) for name, members in raw.items()}
        else:
            out.warnings.append(f"{path}: schematic.bus_aliases is not a map of names to lists of member "
                                "names; not used")
    sheets = section.get("top_level_sheets")
    if isinstance(sheets, list):
        out.top_level_sheets = [TopLevelSheet(str(s.get("filename", "")).replace("\\", "/"),
                                              str(s.get("name", "")), str(s.get("uuid", "")))
                                for s in sheets if isinstance(s, dict) and s.get("filename")]


def project_bus_aliases(root_schematic: str) -> tuple[dict[str, list[str]], list[str]]:
    """(alias -> members as written, warnings) from the project file of ``root_schematic``
    (:func:`read_project`); ``({}, [])`` when there is none or it names no alias."""
    settings = read_project(root_schematic)
    return settings.bus_aliases, settings.warnings


def joined_top_level_sheets(root_schematic: str, settings: ProjectSettings) -> list[TopLevelSheet]:
    """The top-level sheets that KiCad 10 netlists together with ``root_schematic``: those
    its own project file (``X.kicad_pro`` beside ``X.kicad_sch``) lists, when it lists two
    or more and ``root_schematic`` among them (probed with kicad-cli 10.0.7: ``X.kicad_sch``
    gives every listed sheet, ``/top/`` and ``/second/``; another listed file on its own
    gives itself alone).  ``[]`` otherwise."""
    sheets = settings.top_level_sheets
    if len(sheets) < 2 or settings.path != project_file(root_schematic):
        return []
    folder = os.path.dirname(os.path.abspath(settings.path))
    me = os.path.normcase(os.path.abspath(root_schematic))
    if not any(os.path.normcase(os.path.abspath(os.path.join(folder, t.file))) == me for t in sheets):
        return []
    return list(sheets)


def top_level_sheets_warning(root_schematic: str, settings: ProjectSettings, joined: bool) -> str | None:
    """A warning when the project lists top-level sheets besides ``root_schematic`` that
    the design does not include (``joined`` False): under KiCad 9's rules (KiCad 9 knows
    one top-level sheet), or for a listed file other than the project's own schematic, or
    for a project schematic the list leaves out (kicad-cli 10 netlists either alone, and
    so does tokn).  ``None`` when joined, or for one top-level sheet (or none listed)."""
    sheets = settings.top_level_sheets
    if len(sheets) < 2 or joined:
        return None
    me = os.path.basename(root_schematic)
    listed = [os.path.basename(t.file) for t in sheets]
    others = [t.file for t in sheets if os.path.basename(t.file) != me]
    names = ", ".join(f"{t.file} ({t.name})" if t.name else t.file for t in sheets)
    own = os.path.splitext(os.path.basename(settings.path))[0] + ".kicad_sch"
    head = (f"{settings.path}: the project lists {len(sheets)} top-level sheets ({names}), which KiCad 10 "
            "netlists as one design")
    if me not in listed:
        return f"{head}; {me} is not among them: KiCad 10 netlists it alone, and so does tokn"
    if own != me:
        if own in listed:
            return (f"{head}; {me} is encoded alone, as kicad-cli netlists it (encode {own} for the whole "
                    f"design): {', '.join(others)} not included")
        return (f"{head}; {me} is encoded alone, as kicad-cli netlists every listed file (the project's own "
                f"schematic, {own}, which would take in the others, is not among them): "
                f"{', '.join(others)} not included")
    return (f"{head}; under KiCad 9's rules {me} is encoded alone (KiCad 9 knows one top-level sheet): "
            f"{', '.join(others)} not included")


def _reason(e: Exception) -> str:
    if isinstance(e, ValueError) and hasattr(e, "lineno"):
        return f"invalid JSON at line {e.lineno}, column {e.colno}"          # json.JSONDecodeError
    if isinstance(e, UnicodeDecodeError):
        return f"not UTF-8 text (byte {e.start})"
    return getattr(e, "strerror", None) or str(e)
