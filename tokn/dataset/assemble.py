"""From completed shards to the published dataset: licence filter, de-duplication, split,
contamination check, output shards and reports.

Runs in one process after every shard is complete (it only reads the shard files, so it is
cheap and repeatable).  Order of the steps, each deterministic:

1. records whose licence the :class:`LicencePolicy` refuses, records whose TOKN breaks the
   format's rules (the source design's own defects, e.g. one reference on two different
   symbols), incomplete designs (a sheet file they reference does not exist: a partial
   download, a sub-sheet left out of the repository) and empty designs (no part) are set
   aside (``excluded.jsonl``);
2. exact duplicates (same :func:`files_digest`), other versions of one file of one
   repository (same group and path; the newest file format is kept), then near duplicates
   (same connectivity hash) are removed, keeping the first by (no repository known, group,
   path): a design with known provenance wins over a local copy (``duplicates.jsonl``);
3. each group (repository) gets a split from a hash of its name, so a repository never
   spans two splits and adding repositories never moves another one;
4. training records (and pairs) that are evaluation material are removed
   (``contamination.jsonl``);
5. ``data/<split>-NNNNN.jsonl`` (design records), ``instructions/<split>-NNNNN.jsonl``
   (pairs), ``errors.jsonl`` and ``stats.json`` are written, and the card (README.md).

Rows of kind ``describe`` in ``errors.jsonl`` (a pair left without its LLM-written
description) do not count as file errors (``Summary.errors``): the pair is in the dataset.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from typing import Callable

from ..fsutil import write_atomic
from .contamination import EvalSet
from .licence import LicencePolicy
from .plan import Problem, ShardSpec, design_id
from .shard import marker, paths, read_jsonl

DEFAULT_SPLITS = (("train", 0.8), ("validation", 0.1), ("test", 0.1))


def parse_splits(text: str) -> tuple[tuple[str, float], ...]:
    """``"train=0.8,validation=0.1,test=0.1"`` -> ratios (normalised to sum 1).  Raises
    ``ValueError`` for a malformed spec, a negative ratio, or no ``train``."""
    out = []
    for part in text.split(","):
        name, _, val = part.partition("=")
        if not name.strip() or not val.strip():
            raise ValueError(f"split {part!r} is not NAME=RATIO")
        r = float(val)
        if r < 0:
            raise ValueError(f"split {name}: negative ratio")
        out.append((name.strip(), r))
    total = sum(r for _, r in out)
    if total <= 0 or "train" not in {n for n, _ in out}:
        raise ValueError("splits need a train split and a positive total")
    return tuple((n, r / total) for n, r in out)


def split_of(group: str, splits: tuple[tuple[str, float], ...] = DEFAULT_SPLITS) -> str:
    """The split of repository/group ``group``: a uniform draw from its SHA-256."""
    u = int(hashlib.sha256(f"tokn-split\n{group}".encode("utf-8")).hexdigest()[:12], 16) / float(1 << 48)
    acc = 0.0
    for name, r in splits:
        acc += r
        if u < acc:
            return name
    return splits[-1][0]


@dataclass
class Summary:
    """What :func:`assemble` did (also written as ``stats.json``)."""
    designs_found: int = 0
    designs_encoded: int = 0
    errors: int = 0
    excluded_licence: int = 0
    excluded_empty: int = 0
    excluded_invalid: int = 0
    excluded_incomplete: int = 0
    version_duplicates: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0
    contaminated: int = 0
    pairs_contaminated: int = 0
    records: dict[str, int] = field(default_factory=dict)      # split -> designs
    pairs: dict[str, int] = field(default_factory=dict)        # split -> instruction pairs
    by_licence: dict[str, dict[str, int]] = field(default_factory=dict)   # licence -> split -> n
    by_size: dict[str, dict[str, int]] = field(default_factory=dict)      # size bucket -> split -> n
    tokens: dict[str, int] = field(default_factory=dict)       # split -> TOKN tokens
    licence_policy: str = ""
    splits: list = field(default_factory=list)
    pairs_dropped: dict[str, int] = field(default_factory=dict)   # reason -> candidate pairs not made
    # with --describe: model, published pairs described and left without (request_llm null)
    # (all shards, before filtering); {} without (then left out of stats.json)
    descriptions: dict = field(default_factory=dict)


SIZE_BUCKETS = ((10, "1-10 parts"), (50, "11-50 parts"), (200, "51-200 parts"), (10 ** 9, "over 200 parts"))


def size_bucket(n_parts: int) -> str:
    for top, name in SIZE_BUCKETS:
        if n_parts <= top:
            return name
    return SIZE_BUCKETS[-1][1]


def _jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def _write_split_files(out: str, sub: str, rows_by_split: dict[str, list[dict]], per_file: int) -> dict[str, int]:
    d = os.path.join(out, sub)
    os.makedirs(d, exist_ok=True)
    for old in glob.glob(os.path.join(d, "*.jsonl")):
        os.unlink(old)
    counts = {}
    for split, rows in rows_by_split.items():
        counts[split] = len(rows)
        for k in range(0, len(rows), per_file):
            write_atomic(os.path.join(d, f"{split}-{k // per_file:05d}.jsonl"), _jsonl(rows[k: k + per_file]))
    return counts


@dataclass
class _ShardRows:
    """Everything the complete shards hold, concatenated in shard order."""
    records: list[dict]
    pairs: list[dict]
    errors: list[dict]                  # the plan's problems first
    pairs_dropped: dict[str, int]       # reason -> candidate pairs not made
    descriptions: dict = field(default_factory=dict)    # the markers' ``describe`` counts, summed


def _read_shards(out: str, specs: list[ShardSpec], problems: list[Problem]) -> _ShardRows:
    """Read the records, pairs, errors and dropped-pair counts of every shard of ``specs``."""
    rows = _ShardRows([], [], [p.row() for p in problems], {})
    for s in specs:
        p = paths(out, s.name)
        rows.records += read_jsonl(p["records"])
        rows.pairs += read_jsonl(p["pairs"])
        rows.errors += read_jsonl(p["errors"])
        m = marker(out, s.name)
        for reason, n in m.get("pairs_dropped", {}).items():
            rows.pairs_dropped[reason] = rows.pairs_dropped.get(reason, 0) + n
        desc = m.get("describe")
        if isinstance(desc, dict):
            for k, v in desc.items():
                if isinstance(v, int):
                    rows.descriptions[k] = rows.descriptions.get(k, 0) + v
                else:
                    rows.descriptions[k] = v
    return rows


def _exclude(records: list[dict], policy: LicencePolicy, sm: Summary) -> tuple[list[dict], list[dict]]:
    """Step 1: (kept records, ``excluded.jsonl`` rows): a licence the policy refuses, TOKN
    that breaks the format's rules, a missing sheet file, or no part.  Counts them in ``sm``."""
    excluded: list[dict] = []
    kept: list[dict] = []
    for r in records:
        if not policy.admits(r["licence"]):
            sm.excluded_licence += 1
            reason = f"licence {r['licence'] or 'unknown'} ({r['licence_category']}) not admitted"
        elif not r["valid"]:
            sm.excluded_invalid += 1
            reason = "not valid TOKN: " + "; ".join(r["errors"][:5])
        elif r["missing_sheets"]:
            sm.excluded_incomplete += 1
            reason = "incomplete: sheet file(s) not found: " + ", ".join(r["missing_sheets"])
        elif r["stats"]["components"] == 0:
            sm.excluded_empty += 1
            reason = "no part"
        else:
            kept.append(r)
            continue
        excluded.append({"id": r["id"], "repository": r["repository"], "path": r["path"],
                         "licence": r["licence"], "reason": reason})
    return kept, excluded


def _duplicate_row(r: dict, first: dict, kind: str) -> dict:
    """The ``duplicates.jsonl`` row of ``r``, a ``kind`` ("exact"/"near") duplicate of ``first``."""
    return {"id": r["id"], "repository": r["repository"], "path": r["path"], "kind": kind,
            "duplicate_of": first["id"], "duplicate_of_repository": first["repository"],
            "duplicate_of_path": first["path"]}


def _first_of_each(records: list[dict], key: Callable[[dict], str]) -> tuple[list[dict], list[tuple[dict, dict]]]:
    """(the first record of each value of ``key(record)``, (record, that first) for every
    other), both in the order of ``records``."""
    first_of: dict[str, dict] = {}
    firsts: list[dict] = []
    others: list[tuple[dict, dict]] = []
    for r in records:
        first = first_of.setdefault(key(r), r)
        if first is r:
            firsts.append(r)
        else:
            others.append((r, first))
    return firsts, others


def _deduplicate(kept: list[dict], group: dict[str, str], sm: Summary) -> tuple[list[dict], list[dict]]:
    """Step 2: (unique records, ``duplicates.jsonl`` rows).  ``kept`` is sorted in place:
    the first of a group of duplicates is kept, one with a known repository before a local
    copy, then by (repository or group, path).  Exact duplicates (same bytes in every
    sheet) go first, then other versions of one file of one repository (same group and
    path: two checkouts, KiCad 9's and 10's copies of a demo; the newest file format is
    kept), then near duplicates (same circuit).  Counts them in ``sm``."""
    kept.sort(key=lambda r: (r["repository"] is None, group.get(r["id"], ""), r["path"], -r["kicad_version"],
                             r["id"] != design_id(group.get(r["id"], ""), r["path"]), r["id"]))
    exact_unique, exact = _first_of_each(kept, lambda r: r["design_sha256"])
    newest, versions = _first_of_each(exact_unique, lambda r: f"{group.get(r['id'], '')}\n{r['path']}")
    unique, near = _first_of_each(newest, lambda r: r["connectivity_hash"])
    sm.version_duplicates += len(versions)
    sm.exact_duplicates += len(exact)
    sm.near_duplicates += len(near)
    duplicates = [_duplicate_row(r, first, "exact") for r, first in exact]
    duplicates += [_duplicate_row(r, first, "version") for r, first in versions]
    duplicates += [_duplicate_row(r, first, "near") for r, first in near]
    return unique, duplicates


def _split_records(unique: list[dict], group: dict[str, str], splits: tuple[tuple[str, float], ...],
                   eval_set: EvalSet | None, sm: Summary, contaminated: list[dict]) -> list[dict]:
    """Steps 3 and 4 for designs: set each record's ``split`` (from its group); training
    records that are evaluation material are left out (rows appended to ``contaminated``,
    counted in ``sm``).  Returns the records kept."""
    final: list[dict] = []
    for r in unique:
        r["split"] = split_of(group.get(r["id"], r["repository"] or ""), splits)
        hit = eval_set.match_record(r) if (eval_set is not None and r["split"] == "train") else None
        if hit:
            sm.contaminated += 1
            contaminated.append({"id": r["id"], "repository": r["repository"], "path": r["path"],
                                 "kind": "design", "matches": hit})
            continue
        final.append(r)
    return final


def _split_pairs(pairs: list[dict], final: list[dict], eval_set: EvalSet | None, sm: Summary,
                 contaminated: list[dict]) -> list[dict]:
    """Step 4 for instruction pairs: each pair of a kept design takes the design's split;
    training pairs that are evaluation material are left out (as in :func:`_split_records`).
    Returns the pairs kept."""
    from .contamination import tokn_hash

    split_by_id = {r["id"]: r["split"] for r in final}
    final_pairs: list[dict] = []
    for pr in pairs:
        sp = split_by_id.get(pr["design_id"])
        if sp is None:
            continue
        pr["split"] = sp
        if eval_set is not None and sp == "train":
            hit = eval_set.match_pair(pr, tokn_hash(pr["completion"]) if eval_set.connectivity else None)
            if hit:
                sm.pairs_contaminated += 1
                contaminated.append({"id": pr["id"], "repository": pr["repository"], "path": pr["path"],
                                     "kind": "pair", "matches": hit})
                continue
        final_pairs.append(pr)
    return final_pairs


def _tally(final: list[dict], excluded: list[dict], sm: Summary) -> None:
    """Per-split counts by licence (with licence exclusions as "excluded"), by size bucket,
    and TOKN tokens per split, into ``sm``."""
    for r in final:
        lic = r["licence"] or "unknown"
        sm.by_licence.setdefault(lic, {}).setdefault(r["split"], 0)
        sm.by_licence[lic][r["split"]] += 1
        b = size_bucket(r["stats"]["components"])
        sm.by_size.setdefault(b, {}).setdefault(r["split"], 0)
        sm.by_size[b][r["split"]] += 1
        sm.tokens[r["split"]] = sm.tokens.get(r["split"], 0) + r["tokens"]
    for r in excluded:
        if r["reason"].startswith("licence"):
            lic = r["licence"] or "unknown"
            sm.by_licence.setdefault(lic, {}).setdefault("excluded", 0)
            sm.by_licence[lic]["excluded"] += 1


def _write_reports(out: str, sm: Summary, eval_set: EvalSet | None, errors: list[dict],
                   duplicates: list[dict], excluded: list[dict], contaminated: list[dict]) -> None:
    """``errors``, ``duplicates``, ``excluded``, ``contamination`` (.jsonl), ``stats.json``
    and the card (README.md) under ``out``."""
    write_atomic(os.path.join(out, "errors.jsonl"), _jsonl(errors))
    write_atomic(os.path.join(out, "duplicates.jsonl"), _jsonl(duplicates))
    write_atomic(os.path.join(out, "excluded.jsonl"), _jsonl(excluded))
    write_atomic(os.path.join(out, "contamination.jsonl"), _jsonl(contaminated))
    stats = asdict(sm)
    if not stats["descriptions"]:
        del stats["descriptions"]                 # without --describe, stats.json is as before
    write_atomic(os.path.join(out, "stats.json"), json.dumps(stats, indent=1, sort_keys=True) + "\n")
    from .card import dataset_card
    write_atomic(os.path.join(out, "README.md"), dataset_card(sm, eval_set))


def assemble(out: str, specs: list[ShardSpec], problems: list[Problem], policy: LicencePolicy,
             splits: tuple[tuple[str, float], ...] = DEFAULT_SPLITS, eval_set: EvalSet | None = None,
             rows_per_file: int = 1000) -> Summary:
    """Build the dataset under ``out`` from the (complete) shards of ``specs`` (steps in
    the module doc)."""
    group = {it.id: it.group for s in specs for it in s.items}
    shards = _read_shards(out, specs, problems)
    sm = Summary(designs_found=len(group), designs_encoded=len(shards.records),
                 errors=sum(1 for e in shards.errors if e.get("kind") not in ("superseded", "describe")),
                 licence_policy=policy.describe(), splits=[list(x) for x in splits],
                 pairs_dropped=shards.pairs_dropped)
    kept, excluded = _exclude(shards.records, policy, sm)
    unique, duplicates = _deduplicate(kept, group, sm)
    contaminated: list[dict] = []
    final = _split_records(unique, group, splits, eval_set, sm, contaminated)
    final_pairs = _split_pairs(shards.pairs, final, eval_set, sm, contaminated)
    if shards.descriptions:                     # counted over the pairs published
        sm.descriptions = {"model": shards.descriptions.get("model"),
                           "described": sum(1 for p in final_pairs if p.get("request_llm")),
                           "failed": sum(1 for p in final_pairs if not p.get("request_llm"))}
    names = [n for n, _ in splits]
    rows = {n: [r for r in final if r["split"] == n] for n in names}
    prow = {n: [p for p in final_pairs if p["split"] == n] for n in names}
    sm.records = _write_split_files(out, "data", {n: v for n, v in rows.items() if v}, rows_per_file)
    sm.pairs = _write_split_files(out, "instructions", {n: v for n, v in prow.items() if v}, rows_per_file)
    _tally(final, excluded, sm)
    _write_reports(out, sm, eval_set, shards.errors, duplicates, excluded, contaminated)
    return sm
