"""Which schematics a corpus command works on: files, directories and globs.

* A file named on the command line is taken as is (it is the user's choice).
* A directory is searched recursively for ``*.kicad_sch``; only top-level sheets are kept.
* A glob (``*``, ``?``, ``[``; quoted so the shell leaves it alone) is expanded here,
  recursively for ``**``; matched directories are searched as above, matched files are
  kept when top-level.  A glob that matches nothing is an error.

A ``.kicad_sch`` is *top-level* when a ``.kicad_pro`` with the same stem sits beside it, or
when no other ``.kicad_sch`` under the same scan root (the directory argument, or the
non-magic prefix of the glob) references it as a sheet file.  A KiCad 10 project listing
several top-level sheets references the others from its own schematic (they are one
design: :func:`tokn.kicad.project.joined_top_level_sheets`).  References are found with a
regular expression on the raw bytes (``(property "Sheetfile" "...")``, or ``"Sheet file"``
in older files), not a full parse, resolved against the referencing file's directory as
:func:`tokn.kicad.hierarchy.load_design` does.

KiCad 5 schematics (``*.sch`` starting with ``EESchema Schematic File Version``) cannot be
encoded; a directory scan records the top-level ones in :attr:`RefIndex.legacy` so that
callers report them instead of skipping them silently (``.sch`` files of other tools,
e.g. Eagle's XML, are not KiCad's and are ignored).
"""
from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field

from .errors import InputError

SCH_EXT = ".kicad_sch"
LEGACY_EXT = ".sch"
_LEGACY_MAGIC = b"EESchema Schematic File Version"
_LEGACY_SHEETFILE = re.compile(rb'^F1 "((?:[^"\\]|\\.)*)"', re.M)
_SHEETFILE = re.compile(rb'\(property\s+"Sheet ?[Ff]ile"\s+"((?:[^"\\]|\\.)*)"')
_MAGIC = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class Source:
    """A top-level schematic to process.

    ``path`` is as the user would write it (joined onto the argument); ``root`` is the
    directory its output path is mirrored from (directory argument, glob prefix, or the
    file's own directory).
    """
    path: str
    root: str


def _key(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def sheet_refs(path: str, data: bytes | None = None) -> list[str]:
    """Absolute paths of the files ``path`` references as sheets (unchecked, may not exist)."""
    if data is None:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return []
    base = os.path.dirname(os.path.abspath(path))
    out = []
    for m in _SHEETFILE.finditer(data):
        raw = m.group(1).decode("utf-8", "replace")
        name = re.sub(r"\\(.)", r"\1", raw).replace("\\", "/")
        if name:
            out.append(_key(os.path.join(base, name)))
    return out


def project_sheet_refs(path: str) -> list[str]:
    """Absolute paths of the other top-level sheets that KiCad 10 joins to ``path``'s design
    (its own project file lists several, ``path`` among them); ``[]`` for most designs
    (no ``.kicad_pro`` of the same stem is the common case, checked first)."""
    if not os.path.isfile(os.path.splitext(path)[0] + ".kicad_pro"):
        return []
    from .kicad.project import joined_top_level_sheets, read_project
    settings = read_project(path)
    folder = os.path.dirname(os.path.abspath(settings.path))
    me = _key(path)
    return [k for k in (_key(os.path.join(folder, t.file)) for t in joined_top_level_sheets(path, settings))
            if k != me]


def design_refs(path: str) -> list[str]:
    """What ``path``'s design takes in beside it: its sheet files (:func:`sheet_refs`) and
    the project's other top-level sheets (:func:`project_sheet_refs`); absolute keys."""
    k = _key(path)
    return [r for r in sheet_refs(path) + project_sheet_refs(path) if r != k]


def find_schematics(directory: str, ext: str = SCH_EXT) -> list[str]:
    """Every ``*<ext>`` under ``directory`` (recursive, hidden dirs skipped, sorted)."""
    found = []
    for d, dirs, files in os.walk(directory):
        dirs[:] = sorted(x for x in dirs if not x.startswith("."))
        found.extend(os.path.join(d, f) for f in sorted(files) if f.endswith(ext))
    return found


def is_legacy_schematic(path: str) -> bool:
    """True when ``path`` is a KiCad 5 (or older) ``.sch`` file, by its first line."""
    try:
        with open(path, "rb") as f:
            return f.read(len(_LEGACY_MAGIC)) == _LEGACY_MAGIC
    except OSError:
        return False


@dataclass(frozen=True)
class LegacyFile:
    """A top-level KiCad 5 schematic found by a scan.  ``superseded_by``: the
    ``.kicad_sch`` of the same stem beside it (KiCad's conversion), when there is one."""
    path: str
    superseded_by: str | None = None

    def message(self) -> str:
        """One line for an error report."""
        if self.superseded_by:
            return (f"{self.path}: KiCad 5 schematic not encoded: superseded by its KiCad 6+ "
                    f"conversion {os.path.basename(self.superseded_by)}")
        return (f"{self.path}: KiCad 5 schematic (.sch) format is not supported: open it in "
                "KiCad 6 or later and save it as .kicad_sch")


def legacy_top_level(directory: str) -> list[LegacyFile]:
    """Top-level KiCad 5 schematics under ``directory`` (not referenced as a sub-sheet by
    another KiCad 5 file there), sorted."""
    files = [p for p in find_schematics(directory, LEGACY_EXT) if is_legacy_schematic(p)]
    referenced: set[str] = set()
    for p in files:
        try:
            with open(p, "rb") as f:
                data = f.read()
        except OSError:
            continue
        base = os.path.dirname(os.path.abspath(p))
        for m in _LEGACY_SHEETFILE.finditer(data):
            name = m.group(1).decode("utf-8", "replace").replace("\\", "/")
            if name:
                referenced.add(_key(os.path.join(base, name)))
    out = []
    for p in files:
        if _key(p) in referenced:
            continue
        conv = os.path.splitext(p)[0] + SCH_EXT
        out.append(LegacyFile(p, conv if os.path.isfile(conv) else None))
    return out


@dataclass
class RefIndex:
    """Sheet references of the schematics under scan roots (each file read once)."""
    refs: dict[str, list[str]] = field(default_factory=dict)   # abs key -> referenced keys
    referenced: set[str] = field(default_factory=set)
    scanned_roots: set[str] = field(default_factory=set)
    #: top-level KiCad 5 schematics met by :meth:`scan` (each once, in scan order)
    legacy: list[LegacyFile] = field(default_factory=list)

    def scan(self, root: str) -> list[str]:
        """Index every schematic under ``root``; returns them (sorted).  Top-level KiCad 5
        files under ``root`` are added to :attr:`legacy`."""
        files = find_schematics(root)
        if _key(root) not in self.scanned_roots:
            self.scanned_roots.add(_key(root))
            known = {_key(x.path) for x in self.legacy}
            self.legacy.extend(x for x in legacy_top_level(root) if _key(x.path) not in known)
            for p in files:
                k = _key(p)
                if k not in self.refs:
                    self.refs[k] = design_refs(p)
                    self.referenced.update(self.refs[k])
        return files

    def is_top_level(self, path: str) -> bool:
        stem = os.path.splitext(path)[0]
        if os.path.exists(stem + ".kicad_pro"):
            return True
        return _key(path) not in self.referenced

    def hierarchy(self, path: str) -> list[str]:
        """``path`` and the sheet files reachable from it that exist (by the regex index),
        with the project's other top-level sheets (:func:`design_refs`)."""
        seen: list[str] = []
        stack = [_key(path)]
        while stack:
            k = stack.pop()
            if k in seen:
                continue
            seen.append(k)
            kids = self.refs.get(k)
            if kids is None:
                kids = self.refs[k] = design_refs(k)
            stack.extend(r for r in kids if os.path.isfile(r))
        return seen


def glob_root(pattern: str) -> str:
    """The directory part of ``pattern`` before its first magic component."""
    parts = pattern.replace(os.sep, "/").split("/")
    fixed = []
    for p in parts:
        if _MAGIC.search(p):
            break
        fixed.append(p)
    root = "/".join(fixed)
    if pattern.startswith("/") and not root:
        return "/"
    return root or "."


def is_glob(arg: str) -> bool:
    return bool(_MAGIC.search(arg))


PROJECT_EXT = ".kicad_pro"


def root_schematic_of(path: str) -> str:
    """``path`` itself, or for a KiCad project file (``board.kicad_pro``) its root schematic,
    ``board.kicad_sch`` beside it, as KiCad opens it; :class:`InputError` when that is
    missing."""
    if not path.endswith(PROJECT_EXT):
        return path
    sch = path[: -len(PROJECT_EXT)] + SCH_EXT
    if not os.path.isfile(sch):
        raise InputError(f"{path}: a KiCad project file; its root schematic {os.path.basename(sch)} "
                         "is not beside it")
    return sch


def expand(args: list[str], index: RefIndex | None = None) -> tuple[list[Source], bool]:
    """Top-level schematics named by ``args``, in argument order, without duplicates.

    Returns ``(sources, corpus)`` where ``corpus`` is False only when ``args`` is a single
    existing file (the plain ``tokn encode board.kicad_sch`` case; a project file
    ``board.kicad_pro`` stands for its root schematic).  Raises
    :class:`InputError` for a path that does not exist or a glob that matches nothing.
    """
    index = index if index is not None else RefIndex()
    out: list[Source] = []
    seen: set[str] = set()

    def add(path: str, root: str) -> None:
        k = _key(path)
        if k not in seen:
            seen.add(k)
            out.append(Source(path, root))

    corpus = not (len(args) == 1 and os.path.isfile(args[0]))
    for arg in args:
        if os.path.isfile(arg):
            add(root_schematic_of(arg), os.path.dirname(arg) or ".")
        elif os.path.isdir(arg):
            for p in index.scan(arg):
                if index.is_top_level(p):
                    add(p, arg)
        elif is_glob(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                raise InputError(f"no file matches {arg!r}")
            root = glob_root(arg)
            if os.path.isdir(root):
                index.scan(root)
            for p in matches:
                if os.path.isdir(p):
                    for q in index.scan(p):
                        if index.is_top_level(q):
                            add(q, root)
                elif p.endswith(PROJECT_EXT):
                    if os.path.isfile(p[: -len(PROJECT_EXT)] + SCH_EXT):    # else a board-only project
                        add(root_schematic_of(p), root)
                elif os.path.isfile(p) and (not p.endswith(SCH_EXT) or index.is_top_level(p)):
                    add(p, root)
        else:
            raise InputError(f"path {arg!r} does not exist")
    return out, corpus


def mirror_path(src: Source, base: str, out_dir: str, ext: str = ".tokn") -> str:
    """Output path of ``src`` under ``out_dir``: its path relative to ``base``, ``ext``
    replacing ``.kicad_sch`` (appended to any other name, so two inputs never collide)."""
    rel = os.path.relpath(os.path.abspath(src.path), os.path.abspath(base))
    if rel.startswith(".."):
        rel = os.path.basename(src.path)
    if rel.endswith(SCH_EXT):
        rel = rel[: -len(SCH_EXT)]
    return os.path.join(out_dir, rel + ext)


def common_root(sources: list[Source]) -> str:
    """Deepest directory containing every source's root (the base of mirrored outputs)."""
    if not sources:
        return "."
    return os.path.commonpath([os.path.abspath(s.root) for s in sources])
