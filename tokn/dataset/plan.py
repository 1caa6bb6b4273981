"""What a dataset run works on: designs found in the inputs, with provenance and licence,
cut into shards.

:func:`discover` turns input folders (project folders, clones, a corpus tree) into
:class:`WorkItem` objects -- one per top-level schematic (a design), with its sheet files,
their exact digest, provenance (:mod:`tokn.dataset.provenance`) and licence
(:mod:`tokn.dataset.licence`) -- plus the per-file problems found without encoding (KiCad 5
files).  :func:`make_shards` sorts the items by id and cuts them into :class:`ShardSpec`
objects whose :meth:`ShardSpec.key` changes whenever anything that affects the shard's
output changes (a sheet file's bytes, provenance, options), which is what resuming checks.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

from ..sources import RefIndex, expand
from .fingerprint import design_digest, sha256_file
from .licence import Licence, detect_licence, parse_declared
from .provenance import Manifest, origin_of

if TYPE_CHECKING:
    from .describe import DescribeSpec


@dataclass(frozen=True)
class WorkItem:
    """One design to encode.  ``root``: absolute path of its top-level schematic;
    ``files``: its sheet files (absolute, hierarchy order, by the quick reference scan);
    ``digest``: :func:`files_digest` of their bytes; ``group``: what a split keeps together
    (the repository, or ``local:<top input folder>``)."""
    id: str
    root: str
    files: tuple[str, ...]
    digest: str
    repository: str | None
    commit: str | None
    path: str
    group: str
    licence: str | None
    licence_confidence: float
    licence_source: str


@dataclass(frozen=True)
class Options:
    """Per-record options that change a shard's output."""
    detail: str = "nets"
    source_tokens: bool = False
    instructions: bool = True
    max_pair_tokens: int = 2048


@dataclass(frozen=True)
class ShardSpec:
    """One shard: its designs, the options, and the describer's settings when pairs get
    LLM-written descriptions (``describe``, :class:`tokn.dataset.describe.DescribeSpec`;
    None: no description, no network)."""
    index: int
    items: tuple[WorkItem, ...]
    options: Options = field(default_factory=Options)
    describe: "DescribeSpec | None" = None

    def key(self) -> str:
        """Hex digest of everything the shard's output depends on (with descriptions: the
        model and the prompt, not the endpoint or its key)."""
        from .. import __version__
        data = {"v": __version__, "opts": asdict(self.options), "items": [asdict(i) for i in self.items]}
        if self.describe is not None:
            data["describe"] = self.describe.key_part()
        blob = json.dumps(data, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    @property
    def name(self) -> str:
        return f"shard-{self.index:05d}"


@dataclass
class Problem:
    """A per-file problem found before encoding (an ``errors.jsonl`` row: :meth:`row`)."""
    source: str
    message: str
    kind: str                        # "legacy-format", "superseded", "unreadable"
    repository: str | None = None
    path: str | None = None
    line: int | None = None
    col: int | None = None
    type: str = "LegacyFormat"       # what went wrong: an exception's class name for "unreadable"

    def row(self) -> dict:
        """The ``errors.jsonl`` row: the keys, in the order, of a design's encoding error
        (``tokn.dataset.shard._error_row``)."""
        return {"source": self.source, "repository": self.repository, "path": self.path, "id": None,
                "message": self.message, "type": self.type, "line": self.line, "col": self.col,
                "kind": self.kind}


def design_id(group: str, path: str, digest: str | None = None) -> str:
    """Stable record id: the same repository (or local group) and path give the same id
    on every run, whatever the commit or the machine.  ``digest``: for another version of
    a file that another item already has the plain id of (:func:`_unique_ids`)."""
    key = f"{group}\n{path}" + (f"\n{digest}" if digest else "")
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _unique_ids(items: list[WorkItem]) -> list[WorkItem]:
    """``items`` (in input order) with unique ids: two versions of one file of one
    repository (two checkouts, KiCad 9's and KiCad 10's copies of its demos under one
    manifest) would share :func:`design_id`; the first found keeps it, the others take
    their content's (``digest``) into theirs.  The dataset keeps one of them
    (:mod:`tokn.dataset.assemble`, duplicates of kind ``version``)."""
    seen: set[str] = set()
    out = []
    for it in items:
        if it.id in seen:
            it = replace(it, id=design_id(it.group, it.path, it.digest))
        seen.add(it.id)
        out.append(it)
    return out


def _licence(root: str, repo_root: str, declared: str | None, cache: dict) -> Licence:
    if declared:
        sid = parse_declared(declared)
        if sid:
            return Licence(sid, 1.0, "manifest")
    d = os.path.dirname(root)
    key = (d, repo_root)
    if key not in cache:
        cache[key] = detect_licence(d, repo_root)
    return cache[key]


def discover(inputs: list[str], manifest: Manifest | None = None) -> tuple[list[WorkItem], list[Problem]]:
    """Designs under ``inputs`` (directories or files) and the problems found on the way.

    Raises :class:`tokn.sources.InputError` for an input that does not exist.  Items are
    unique by root file; two inputs naming the same file give one item.
    """
    index = RefIndex()
    items: dict[str, WorkItem] = {}
    problems: list[Problem] = []
    lic_cache: dict = {}
    for inp in inputs:
        sources, _ = expand([inp], index)
        in_root = inp if os.path.isdir(inp) else os.path.dirname(inp) or "."
        for src in sources:
            ap = os.path.abspath(src.path)
            if ap in items:
                continue
            org = origin_of(ap, in_root, manifest)
            if org.repository:
                group = org.repository
            else:
                rel = os.path.relpath(ap, os.path.abspath(in_root)).replace(os.sep, "/")
                top = rel.split("/")[0] if "/" in rel else ""
                group = "local:" + "/".join(x for x in (os.path.basename(os.path.abspath(in_root)), top) if x)
            files = tuple(index.hierarchy(ap))
            try:
                digest = design_digest(ap, [sha256_file(p) for p in files])
            except OSError as e:
                problems.append(Problem(src.path, f"{getattr(e, 'filename', None) or src.path}: cannot read: "
                                        f"{e.strerror or e}", "unreadable", org.repository, org.path,
                                        type=type(e).__name__))
                continue
            lic = _licence(ap, org.repo_root, org.licence_text, lic_cache)
            items[ap] = WorkItem(design_id(group, org.path), ap, files, digest, org.repository, org.commit,
                                 org.path, group, lic.spdx, lic.confidence, lic.source)
    for lf in index.legacy:
        org = origin_of(os.path.abspath(lf.path), os.path.dirname(lf.path), manifest)
        problems.append(Problem(lf.path, lf.message(), "superseded" if lf.superseded_by else "legacy-format",
                                org.repository, org.path, 1, 1))
    return sorted(_unique_ids(list(items.values())), key=lambda i: i.id), problems


def make_shards(items: list[WorkItem], shard_size: int, options: Options,
                describe: "DescribeSpec | None" = None) -> list[ShardSpec]:
    """``items`` (sorted by id) cut into shards of at most ``shard_size`` designs, each
    with ``options`` and ``describe``."""
    if shard_size < 1:
        raise ValueError("shard_size must be at least 1")
    items = sorted(items, key=lambda i: i.id)
    return [ShardSpec(k, tuple(items[s: s + shard_size]), options, describe)
            for k, s in enumerate(range(0, len(items), shard_size))]
