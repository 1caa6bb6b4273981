"""Evaluation material that must stay out of the training split.

:func:`load_eval_set` reads what a user names with ``--eval``: KiCad designs (a
``.kicad_sch`` or a directory of them), TOKN documents (``.tokn``) and prompt sets (JSONL
records with ``prompt`` and/or ``reference_tokn``, as in the TOKN v1.2 benchmark files).
Designs and reference documents give connectivity hashes (and, for KiCad files, exact
digests); prompts give normalised request texts.  :meth:`EvalSet.match` tells whether a
record or an instruction pair is one of them.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

from ..sources import expand
from .fingerprint import connectivity_hash, files_digest, sha256_bytes


def normalise_prompt(text: str) -> str:
    """Lower case, punctuation and runs of spaces collapsed: how prompts are compared."""
    return " ".join(re.sub(r"[^\w.+-]+", " ", text.lower()).split())


@dataclass
class EvalSet:
    connectivity: dict[str, str] = field(default_factory=dict)   # hash -> where it came from
    digests: dict[str, str] = field(default_factory=dict)
    prompts: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)            # unreadable items, one line each

    def __len__(self) -> int:
        return len(self.connectivity) + len(self.digests) + len(self.prompts)

    def match_record(self, rec: dict) -> str | None:
        """Where ``rec`` (a design record) appears in the evaluation set, or None."""
        return self.digests.get(rec["design_sha256"]) or self.connectivity.get(rec["connectivity_hash"])

    def match_pair(self, pair: dict, completion_hash: str | None) -> str | None:
        """Where an instruction pair's request (or its LLM-written one, ``request_llm``) or
        completion appears, or None."""
        hit = self.prompts.get(normalise_prompt(pair["request"]))
        if hit is None and pair.get("request_llm"):
            hit = self.prompts.get(normalise_prompt(pair["request_llm"]))
        if hit is None and completion_hash is not None:
            hit = self.connectivity.get(completion_hash)
        return hit


def tokn_hash(text: str) -> str:
    """Connectivity hash of a TOKN text (raises the reader's errors)."""
    from ..doc import parse_tokn
    return connectivity_hash(parse_tokn(text))


def _add_design(es: EvalSet, path: str) -> None:
    from ..encode import encode_design
    try:
        res = encode_design(path, "nets")
        digests = []
        for p in res.design.files:
            with open(p, "rb") as f:
                digests.append(sha256_bytes(f.read()))
    except Exception as e:             # noqa: BLE001 - reported, the check goes on
        es.problems.append(f"{path}: {' '.join(str(e).split())}")
        return
    es.connectivity.setdefault(connectivity_hash(res.document), path)
    es.digests.setdefault(files_digest(digests), path)


def load_eval_set(paths: list[str] | tuple[str, ...]) -> EvalSet:
    """Read every evaluation source in ``paths`` (see the module docstring).  A path that
    does not exist raises ``FileNotFoundError``; an unreadable item inside one is recorded
    in :attr:`EvalSet.problems` (file and line) and skipped."""
    es = EvalSet()
    for p in paths:
        if not os.path.exists(p):
            raise FileNotFoundError(f"{p}: evaluation set not found")
        if os.path.isdir(p) or p.endswith(".kicad_sch"):
            sources, _ = expand([p])
            for src in sources:
                if src.path.endswith(".kicad_sch"):
                    _add_design(es, src.path)
            if os.path.isdir(p):
                for d, _, files in os.walk(p):
                    for name in sorted(files):
                        if name.endswith(".tokn"):
                            _add_tokn_file(es, os.path.join(d, name))
        elif p.endswith(".tokn"):
            _add_tokn_file(es, p)
        else:
            _add_jsonl(es, p)
    return es


def _add_tokn_file(es: EvalSet, path: str) -> None:
    try:
        with open(path, encoding="utf-8") as f:
            es.connectivity.setdefault(tokn_hash(f.read()), path)
    except Exception as e:             # noqa: BLE001
        es.problems.append(f"{path}: {' '.join(str(e).split())}")


def _add_jsonl(es: EvalSet, path: str) -> None:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as e:
                es.problems.append(f"{path}:{n}: not JSON ({e})")
                continue
            if not isinstance(rec, dict):
                continue
            where = f"{path}:{n}"
            if isinstance(rec.get("prompt"), str) and rec["prompt"].strip():
                es.prompts.setdefault(normalise_prompt(rec["prompt"]), where)
            ref = rec.get("reference_tokn") or rec.get("tokn")
            if isinstance(ref, str) and ref.strip():
                try:
                    es.connectivity.setdefault(tokn_hash(ref), where)
                except Exception as e:     # noqa: BLE001
                    es.problems.append(f"{where}: reference TOKN unreadable: {' '.join(str(e).split())}")
