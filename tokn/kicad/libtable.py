"""Which symbol libraries a KiCad 9 (or KiCad 10) user or project sees: ``sym-lib-table`` files.

Contract of :func:`load_symbol_libraries`:

* the global table is ``<kicad config dir>/sym-lib-table`` (Linux ``~/.config/kicad/9.0``
  or ``$XDG_CONFIG_HOME/kicad/9.0``, macOS ``~/Library/Preferences/kicad/9.0``, Windows
  ``%APPDATA%\\kicad\\9.0``; ``KICAD_CONFIG_HOME`` overrides the part before ``9.0``); when
  there is no ``9.0`` but a ``10.0`` (a KiCad 10 user without KiCad 9), ``10.0``;
* when there is no global table, every ``*.kicad_sym`` file of the default symbol
  directory (:func:`default_symbol_dir`) is a library whose nickname is the file stem,
  in file-name order;
* a project's own ``sym-lib-table`` (next to its ``.kicad_pro``) adds libraries; a project
  nickname that is also global replaces the global entry in place (KiCad looks the project
  table up first);
* ``${VAR}`` and ``$(VAR)`` in URIs are substituted from, lowest to highest priority:
  built-in defaults (``KICAD9_SYMBOL_DIR``, ``KICAD10_SYMBOL_DIR`` and the older spellings
  -> the default symbol directory, ``KICAD9_3RD_PARTY``, ``KICAD10_3RD_PARTY``), the
  ``environment.vars`` of ``kicad_common.json``, the process environment, and ``KIPRJMOD``
  (always the project directory);
* entries that are disabled, not of type ``KiCad``, whose URI still holds an unknown
  variable, or whose file is missing or unreadable are left out with a message in
  ``warnings``; nothing here raises for a bad library, only the table order is kept;
* ``kicad`` (9 or 10) asks for that KiCad's libraries where both are installed (a document
  that says ``kicad: 10``, docs/format.md): its configuration directory first (``10.0``),
  and its own symbol directory (``KICAD10_SYMBOL_DIR``; on Windows ``KiCad\10.0``) is the
  one scanned without a global table and the default of every ``KICAD*_SYMBOL_DIR``.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from typing import Mapping

from ..errors import LibraryError, ToknError
from ..sexpr import parse, first_value, children, has_flag

KICAD_VERSION = "9.0"
#: Configuration versions looked for, in order: KiCad 9's, else KiCad 10's (a KiCad 10 user
#: without KiCad 9 has only ``10.0``, whose global table names ``${KICAD10_SYMBOL_DIR}``).
CONFIG_VERSIONS = (KICAD_VERSION, "10.0")

#: Variables that name the stock symbol directory in tables written by KiCad 6..10.
SYMBOL_DIR_VARS = ("KICAD9_SYMBOL_DIR", "KICAD10_SYMBOL_DIR", "KICAD8_SYMBOL_DIR", "KICAD7_SYMBOL_DIR",
                   "KICAD6_SYMBOL_DIR", "KICAD_SYMBOL_DIR")

_VAR = re.compile(r"\$\{([^}]*)\}|\$\(([^)]*)\)")


@dataclass
class LibTableEntry:
    """One ``(lib ...)`` row of a ``sym-lib-table``; ``path`` is the URI after substitution."""
    name: str
    type: str
    uri: str
    path: str
    options: str = ""
    descr: str = ""
    disabled: bool = False
    table: str = ""               # the sym-lib-table file it came from ("" = directory scan)


@dataclass
class SymbolLibraries:
    """Result of :func:`load_symbol_libraries`.

    ``libraries`` is the ordered mapping nickname -> absolute library file path;
    ``warnings`` says what was skipped and why; ``tables`` lists the table files read
    (or the scanned directory).
    """
    libraries: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)


def _versions(kicad: int | None) -> tuple[str, ...]:
    """:data:`CONFIG_VERSIONS`, KiCad ``kicad``'s first when given."""
    mine = f"{kicad}.0"
    return (mine, *[v for v in CONFIG_VERSIONS if v != mine]) if kicad else CONFIG_VERSIONS


def kicad_config_dir(environ: Mapping[str, str] | None = None,
                     platform: str | None = None, kicad: int | None = None) -> str:
    """The KiCad user configuration directory: KiCad 9's when it exists, else KiCad 10's
    when that exists, else KiCad 9's (:data:`CONFIG_VERSIONS`; it may not exist); with
    ``kicad``, that KiCad's first."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    base = env.get("KICAD_CONFIG_HOME")
    if not base:
        if plat.startswith("win"):
            base = os.path.join(env.get("APPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Roaming"),
                                "kicad")
        elif plat == "darwin":
            base = os.path.join(os.path.expanduser("~"), "Library", "Preferences", "kicad")
        else:
            base = os.path.join(env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config"),
                                "kicad")
    versions = _versions(kicad)
    return next((os.path.join(base, v) for v in versions if os.path.isdir(os.path.join(base, v))),
                os.path.join(base, versions[0]))


def _symbol_dir_vars(kicad: int | None) -> tuple[str, ...]:
    """:data:`SYMBOL_DIR_VARS`, KiCad ``kicad``'s own first when given."""
    mine = f"KICAD{kicad}_SYMBOL_DIR"
    return (mine, *[v for v in SYMBOL_DIR_VARS if v != mine]) if kicad else SYMBOL_DIR_VARS


def candidate_symbol_dirs(environ: Mapping[str, str] | None = None,
                          platform: str | None = None, kicad: int | None = None) -> list[str]:
    """Where the stock KiCad symbol libraries may be installed, most specific first (with
    ``kicad``, that KiCad's own variable and folder first)."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    out = [env[v] for v in _symbol_dir_vars(kicad) if env.get(v)]
    if plat.startswith("win"):
        pf = env.get("ProgramFiles", r"C:\Program Files")
        out += [os.path.join(pf, "KiCad", v, "share", "kicad", "symbols") for v in _versions(kicad)]
    elif plat == "darwin":
        out.append("/Applications/KiCad/KiCad.app/Contents/SharedSupport/symbols")
    out += ["/usr/share/kicad/symbols", "/usr/local/share/kicad/symbols"]
    return out


def default_symbol_dir(environ: Mapping[str, str] | None = None,
                       platform: str | None = None, kicad: int | None = None) -> str | None:
    """The first existing directory of :func:`candidate_symbol_dirs`, or None."""
    for d in candidate_symbol_dirs(environ, platform, kicad):
        if os.path.isdir(d):
            return d
    return None


def _third_party_dir(env: Mapping[str, str], plat: str, version: str = KICAD_VERSION) -> str:
    if plat.startswith("win") or plat == "darwin":
        return os.path.join(os.path.expanduser("~"), "Documents", "KiCad", version, "3rdparty")
    data = env.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(data, "kicad", version, "3rdparty")


def _kicad_common_vars(config_dir: str) -> dict[str, str]:
    """``environment.vars`` of ``kicad_common.json`` (empty when absent or malformed)."""
    import json                     # here: the encoder reads no kicad_common.json
    try:
        with open(os.path.join(config_dir, "kicad_common.json"), encoding="utf-8") as f:
            data = json.load(f)
        got = (data.get("environment") or {}).get("vars") or {}
        return {str(k): str(v) for k, v in got.items() if v is not None}
    except (OSError, ValueError, AttributeError):
        return {}


def path_variables(project_dir: str | None = None, *, environ: Mapping[str, str] | None = None,
                   config_dir: str | None = None, platform: str | None = None,
                   kicad: int | None = None) -> dict[str, str]:
    """The variables available to ``${VAR}`` substitution (see the module contract)."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    cfg = config_dir if config_dir is not None else kicad_config_dir(env, plat, kicad)
    out: dict[str, str] = {}
    sym_dir = default_symbol_dir(env, plat, kicad)
    if sym_dir:
        for v in SYMBOL_DIR_VARS:
            out[v] = sym_dir
    out["KICAD9_3RD_PARTY"] = _third_party_dir(env, plat)
    out["KICAD10_3RD_PARTY"] = _third_party_dir(env, plat, "10.0")
    out.update(_kicad_common_vars(cfg))
    out.update(env)
    if project_dir:
        out["KIPRJMOD"] = os.path.abspath(project_dir)
    return out


def expand_uri(uri: str, variables: Mapping[str, str]) -> str:
    """Substitute ``${VAR}`` / ``$(VAR)``; unknown variables are left as written."""
    def sub(m: re.Match) -> str:
        name = m.group(1) if m.group(1) is not None else m.group(2)
        return variables.get(name, m.group(0))
    prev = None
    out = uri
    for _ in range(8):                      # values may themselves hold variables
        if out == prev:
            break
        prev, out = out, _VAR.sub(sub, out)
    return os.path.normpath(os.path.expanduser(out)) if out else out


def parse_sym_lib_table(path: str, variables: Mapping[str, str]) -> list[LibTableEntry]:
    """All rows of the ``sym-lib-table`` at ``path`` (URIs expanded, nothing checked).

    Raises :class:`LibraryError` (with path/line) when the file is not a ``sym_lib_table``
    and :class:`~tokn.errors.SexprSyntaxError` when it is not an S-expression.
    """
    with open(path, encoding="utf-8-sig") as f:
        src = f.read()
    trees = parse(src, path)
    root = trees[0]
    if not root or root[0] != "sym_lib_table":
        raise LibraryError("not a sym-lib-table (expected '(sym_lib_table')", path, 1, 1)
    out = []
    base = os.path.dirname(os.path.abspath(path))
    for row in children(root, "lib"):
        uri = first_value(row, "uri", "") or ""
        p = expand_uri(uri, variables)
        if p and not _VAR.search(p) and not os.path.isabs(p):
            p = os.path.normpath(os.path.join(base, p))
        out.append(LibTableEntry(
            name=first_value(row, "name", "") or "",
            type=first_value(row, "type", "KiCad") or "KiCad",
            uri=uri, path=p,
            options=first_value(row, "options", "") or "",
            descr=first_value(row, "descr", "") or "",
            disabled=has_flag(row, "disabled"),
            table=path,
        ))
    return out


def _usable(entry: LibTableEntry, warnings: list[str]) -> bool:
    where = f"{entry.table}: " if entry.table else ""
    if entry.disabled:
        return False
    if entry.type.lower() != "kicad":
        warnings.append(f"{where}library {entry.name!r}: type {entry.type!r} is not supported, skipped")
        return False
    m = _VAR.search(entry.path)
    if m:
        warnings.append(f"{where}library {entry.name!r}: undefined variable {m.group(0)} in {entry.uri!r}, skipped")
        return False
    if os.path.isdir(entry.path):
        warnings.append(f"{where}library {entry.name!r}: {entry.path} is a directory library, not supported, skipped")
        return False
    if not os.path.isfile(entry.path):
        warnings.append(f"{where}library {entry.name!r}: {entry.path} not found, skipped")
        return False
    if not os.access(entry.path, os.R_OK):
        warnings.append(f"{where}library {entry.name!r}: {entry.path} is not readable, skipped")
        return False
    return True


def scan_symbol_dir(directory: str) -> list[LibTableEntry]:
    """One entry per ``*.kicad_sym`` file of ``directory`` (nickname = stem), sorted by name."""
    out = []
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return out
    for n in names:
        if n.endswith(".kicad_sym"):
            p = os.path.join(directory, n)
            out.append(LibTableEntry(name=n[:-len(".kicad_sym")], type="KiCad", uri=p, path=p))
    return out


def project_directory(project: str | None) -> str | None:
    """The directory of a project given as a directory, ``.kicad_pro`` or ``.kicad_sch`` path."""
    if not project:
        return None
    return project if os.path.isdir(project) else os.path.dirname(os.path.abspath(project))


def load_symbol_libraries(project_dir: str | None = None, *,
                          environ: Mapping[str, str] | None = None,
                          config_dir: str | None = None,
                          platform: str | None = None, kicad: int | None = None) -> SymbolLibraries:
    """Resolve the libraries visible to ``project_dir`` (or globally) -- KiCad ``kicad``'s
    where both KiCads are installed; never raises for a missing or broken library or table
    -- see the module docstring for the rules."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    cfg = config_dir if config_dir is not None else kicad_config_dir(env, plat, kicad)
    proj = project_directory(project_dir)
    variables = path_variables(proj, environ=env, config_dir=cfg, platform=plat, kicad=kicad)
    result = SymbolLibraries()
    entries: dict[str, LibTableEntry] = {}

    def read_table(path: str) -> list[LibTableEntry] | None:
        try:
            rows = parse_sym_lib_table(path, variables)
        except (OSError, UnicodeDecodeError) as e:
            result.warnings.append(f"{path}: cannot read symbol library table: {e}")
            return None
        except ToknError as e:
            result.warnings.append(f"cannot parse symbol library table: {e}")
            return None
        result.tables.append(path)
        return rows

    global_table = os.path.join(cfg, "sym-lib-table")
    rows = read_table(global_table) if os.path.isfile(global_table) else None
    if rows is None:
        sym_dir = variables.get(_symbol_dir_vars(kicad)[0])
        if sym_dir and os.path.isdir(sym_dir):
            rows = scan_symbol_dir(sym_dir)
            result.tables.append(sym_dir)
        else:
            rows = []
            result.warnings.append("no global sym-lib-table and no KiCad symbol directory found")
    for e in rows:
        if e.name and e.name not in entries:
            entries[e.name] = e
    if proj:
        ptable = os.path.join(proj, "sym-lib-table")
        if os.path.isfile(ptable):
            for e in read_table(ptable) or []:
                if e.name:
                    entries[e.name] = e     # project wins, keeps the global position
    for name, e in entries.items():
        if _usable(e, result.warnings):
            result.libraries[name] = os.path.abspath(e.path)
    return result
