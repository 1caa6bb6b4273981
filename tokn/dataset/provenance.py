"""Where a design comes from: repository, commit, path in the repository, declared licence.

Two sources, tried in this order for each design file:

* a **manifest** (:class:`Manifest`, a CSV such as ``shared/corpus/manifest.csv``): rows
  with a local path (``local_path`` or ``path``, relative to the manifest's directory; a
  directory row covers every file under it, the longest match wins), ``repo`` /
  ``repository``, ``commit``, ``path`` (in the repository) and ``license`` / ``licence``
  (free text, read by :func:`tokn.dataset.licence.parse_declared`);
* the enclosing **git** work tree (:func:`git_info`): ``remote.origin.url`` (any other
  remote when there is no origin; user names and passwords are stripped) and ``HEAD``.

Files in neither have no repository: their group (what a split keeps together) is then
the top directory of the input they were found under.
"""
from __future__ import annotations

import csv
import functools
import os
import re
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    """Provenance of one design.  ``repository`` may be None (not in git, no manifest);
    ``path`` is relative to the repository root (or to the input root); ``licence_text``
    is a declared licence (manifest) or None; ``repo_root`` is the local directory that
    stands for the repository (licence detection stops there)."""
    repository: str | None
    commit: str | None
    path: str
    repo_root: str
    licence_text: str | None = None


_CRED = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", re.I)


def clean_remote(url: str) -> str:
    """``url`` without credentials (``https://user:token@host/x`` -> ``https://host/x``)
    and without a trailing ``.git`` or ``/``."""
    u = _CRED.sub(r"\1", url.strip())
    if u.endswith("/"):
        u = u[:-1]
    if u.endswith(".git"):
        u = u[:-4]
    return u


def git_root(path: str) -> str | None:
    """The work-tree root enclosing ``path`` (a ``.git`` directory or file), or None."""
    d = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path))
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _git(root: str, *args: str) -> str | None:
    try:
        r = subprocess.run(["git", "-C", root, *args], capture_output=True, text=True, timeout=30,
                           env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else None


@functools.lru_cache(maxsize=None)
def git_info(root: str) -> tuple[str | None, str | None]:
    """``(remote URL, HEAD commit)`` of the git work tree at ``root`` (None when unknown)."""
    url = _git(root, "config", "--get", "remote.origin.url")
    if url is None:
        remotes = _git(root, "remote")
        if remotes:
            url = _git(root, "config", "--get", f"remote.{remotes.split()[0]}.url")
    return (clean_remote(url) if url else None), _git(root, "rev-parse", "HEAD")


@dataclass(frozen=True)
class ManifestRow:
    local: str                 # absolute path (file or directory)
    repository: str | None
    commit: str | None
    path: str | None
    licence_text: str | None


class Manifest:
    """Rows of one or more provenance CSV files, looked up by local path."""

    def __init__(self, rows: list[ManifestRow]) -> None:
        self.rows = {os.path.normcase(r.local): r for r in rows}
        for r in _repository_rows(rows):
            self.rows.setdefault(os.path.normcase(r.local), r)

    @classmethod
    def read(cls, paths: list[str] | tuple[str, ...]) -> "Manifest":
        """Read CSV files; raises ``ValueError`` naming file and line for a row without a
        local path, and ``OSError`` when a file cannot be read."""
        rows: list[ManifestRow] = []
        for p in paths:
            base = os.path.dirname(os.path.abspath(p))
            with open(p, newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                for rec in reader:
                    local = rec.get("local_path") or rec.get("path")
                    if not local:
                        raise ValueError(f"{p}:{reader.line_num}: row has no local_path (or path) column value")
                    get = lambda *ks: next((rec[k].strip() for k in ks if rec.get(k) and rec[k].strip()), None)
                    rows.append(ManifestRow(os.path.normpath(os.path.join(base, local)),
                                            get("repo", "repository"), get("commit"),
                                            get("path") if rec.get("local_path") else None,
                                            get("license", "licence")))
        return cls(rows)

    def lookup(self, path: str) -> ManifestRow | None:
        """The row for ``path``: its own, else the nearest enclosing directory's."""
        d = os.path.normcase(os.path.abspath(path))
        while True:
            row = self.rows.get(d)
            if row is not None:
                return row
            parent = os.path.dirname(d)
            if parent == d:
                return None
            d = parent


def _repository_rows(rows: list[ManifestRow]) -> list[ManifestRow]:
    """One directory row per repository, at its local root (a file row's local path minus
    its path in the repository), so that files the manifest does not list -- another
    revision beside a listed one -- still get the repository, and the commit and licence
    when every row of the repository agrees on them."""
    by_root: dict[str, list[ManifestRow]] = {}
    for r in rows:
        if not (r.repository and r.path):
            continue
        local = r.local.replace(os.sep, "/")
        if not local.endswith("/" + r.path.strip("/")):
            continue
        root = local[: -len(r.path.strip("/")) - 1].replace("/", os.sep)
        by_root.setdefault(root, []).append(r)
    out = []
    for root, rs in by_root.items():
        one = lambda vals: vals.pop() if len(vals) == 1 else None
        repo = one({r.repository for r in rs})
        if repo is None:
            continue
        out.append(ManifestRow(root, repo, one({r.commit for r in rs}), None, one({r.licence_text for r in rs})))
    return out


def origin_of(path: str, input_root: str, manifest: Manifest | None) -> Origin:
    """Provenance of the design whose root schematic is ``path``, found under the input
    directory ``input_root``."""
    ap = os.path.abspath(path)
    row = manifest.lookup(ap) if manifest is not None else None
    if row is not None and row.repository:
        if row.path and os.path.normcase(row.local) == os.path.normcase(ap):
            rel = row.path
            root = ap[: -len(row.path)].rstrip(os.sep) if ap.replace(os.sep, "/").endswith(row.path) \
                else os.path.dirname(ap)
        else:                          # a directory row: paths are relative to the outermost
            root = row.local if os.path.isdir(row.local) else os.path.dirname(row.local)
            while True:                # directory row of the same repository
                up = manifest.lookup(os.path.dirname(root))
                if up is None or up.repository != row.repository or up.path or \
                        os.path.normcase(up.local) == os.path.normcase(root):
                    break
                root = up.local
            rel = os.path.relpath(ap, root)
        return Origin(row.repository, row.commit, rel.replace(os.sep, "/"), root or os.sep, row.licence_text)
    groot = git_root(ap)
    if groot is not None:
        url, commit = git_info(groot)
        return Origin(url, commit, os.path.relpath(ap, groot).replace(os.sep, "/"), groot,
                      row.licence_text if row else None)
    root = os.path.abspath(input_root)
    return Origin(None, None, os.path.relpath(ap, root).replace(os.sep, "/"), root,
                  row.licence_text if row else None)
