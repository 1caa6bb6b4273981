"""Design fingerprints for de-duplication and contamination checks.

* :func:`files_digest` -- the *exact* fingerprint: SHA-256 over the sorted SHA-256 of every
  sheet file of a design (:func:`design_digest` adds the project file's bus aliases).  Independent of file names and locations, so a vendored copy of a
  whole project has the same digest; any byte changed in any sheet changes it.
* :func:`connectivity_hash` -- the *near-duplicate* fingerprint: a Weisfeiler-Lehman hash of
  the circuit as a bipartite graph (parts labelled by symbol name and value, nets unlabelled,
  edges labelled by pin number).  It does not depend on reference designators (renumbering),
  net names, placement, wiring geometry, sheet structure, footprints or anything drawn, so a
  fork that re-annotates, moves parts or re-draws wires collides with its origin.  Two
  designs collide only when their part-and-pin connectivity is identical up to those.
"""
from __future__ import annotations

import hashlib
from typing import Iterable

from ..doc.model import Document

#: Refinement rounds; 4 distinguishes every pair of distinct corpus designs (tested).
WL_ROUNDS = 4


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str) -> str:
    """Hex SHA-256 of the bytes of ``path``."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def design_digest(root: str, file_digests: Iterable[str]) -> str:
    """The exact fingerprint of the design whose top-level schematic is ``root``:
    :func:`files_digest` of its sheet files' digests, plus, when its project file defines
    bus aliases (KiCad 10 keeps them there, :mod:`tokn.kicad.project`), the digest of
    those aliases -- they change the circuit, unlike the rest of a project file, so an
    edit of them makes ``tokn encode --resume`` and ``tokn dataset`` redo the design, and
    a copy with other aliases is not an exact duplicate."""
    from ..kicad.project import project_bus_aliases
    parts = list(file_digests)
    aliases, _ = project_bus_aliases(root)
    if aliases:
        import json
        parts.append(sha256_bytes(json.dumps(aliases, sort_keys=True).encode("utf-8")))
    return files_digest(parts)


def files_digest(file_digests: Iterable[str]) -> str:
    """Exact design fingerprint from the hex SHA-256 of each sheet file (order-free)."""
    return sha256_bytes("\n".join(sorted(set(file_digests))).encode("ascii"))


def _h(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=12).hexdigest()


def _split_pin(p: str) -> tuple[str, str] | None:
    i = p.rfind(".")
    return (p[:i], p[i + 1:]) if i > 0 else None


def connectivity_hash(doc: Document) -> str:
    """Near-duplicate fingerprint of ``doc`` (see the module docstring); hex, 32 chars.

    Parts are grouped by reference (units of one part are one node); a pin that names an
    unknown reference still counts, as a part of unknown type.
    """
    part_label: dict[str, str] = {}
    for c in doc.components:
        part_label.setdefault(c.ref, _h("part", c.type or "", c.value or ""))
    edges: list[tuple[str, int, str]] = []       # (ref, net index, pin number)
    for ni, net in enumerate(doc.nets):
        for p in net.pins:
            sp = _split_pin(p)
            if sp is None:
                continue
            ref, pin = sp
            part_label.setdefault(ref, _h("part", "?", ""))
            edges.append((ref, ni, pin))
    nets = sorted({ni for _, ni, _ in edges})
    net_label = {ni: _h("net") for ni in nets}
    by_part: dict[str, list[tuple[int, str]]] = {r: [] for r in part_label}
    by_net: dict[int, list[tuple[str, str]]] = {ni: [] for ni in nets}
    for ref, ni, pin in edges:
        by_part[ref].append((ni, pin))
        by_net[ni].append((ref, pin))
    for _ in range(WL_ROUNDS):
        new_part = {r: _h(lab, *sorted(f"{pin}:{net_label[ni]}" for ni, pin in by_part[r]))
                    for r, lab in part_label.items()}
        new_net = {ni: _h(lab, *sorted(f"{pin}:{part_label[r]}" for r, pin in by_net[ni]))
                   for ni, lab in net_label.items()}
        part_label, net_label = new_part, new_net
    labels = sorted(part_label.values()) + sorted(net_label.values())
    return hashlib.sha256("\n".join(labels).encode("ascii")).hexdigest()[:32]
