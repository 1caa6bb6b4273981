"""A whole ``tokn dataset`` run: discover, shard, process (resumable), assemble."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Callable

from ..fsutil import write_atomic
from .assemble import DEFAULT_SPLITS, Summary, assemble
from .backends import run_shards
from .contamination import load_eval_set
from .licence import LicencePolicy
from .plan import Options, discover, make_shards
from .provenance import Manifest
from .shard import ShardResult, work_dir

if TYPE_CHECKING:
    from .describe import DescribeSpec


@dataclass
class BuildConfig:
    """Everything a run depends on (the command line's options)."""
    inputs: list[str]
    out: str
    manifests: list[str] = field(default_factory=list)
    options: Options = field(default_factory=Options)
    shard_size: int = 16
    policy: LicencePolicy = field(default_factory=LicencePolicy)
    splits: tuple = DEFAULT_SPLITS
    evals: list[str] = field(default_factory=list)
    backend: str = "local"
    jobs: int = 1
    address: str | None = None
    retries: int = 3
    describe: "DescribeSpec | None" = None      # LLM-written requests (tokn.dataset.describe); None: off


@dataclass
class BuildReport:
    summary: Summary
    shards: int
    shards_skipped: int
    problems: int
    eval_problems: list[str] = field(default_factory=list)   # unreadable evaluation items (file:line: why)


def build_dataset(cfg: BuildConfig, on_shard: Callable[[ShardResult], None] | None = None,
                  on_plan: Callable[[int, int], None] | None = None) -> BuildReport:
    """Run the pipeline; shards already complete in ``cfg.out`` (same inputs and options)
    are not redone.  Raises ``OSError``/``ValueError`` for unusable inputs (manifest,
    evaluation set) before any work starts."""
    manifest = Manifest.read(cfg.manifests) if cfg.manifests else None
    eval_set = load_eval_set(cfg.evals) if cfg.evals else None
    items, problems = discover(cfg.inputs, manifest)
    specs = make_shards(items, cfg.shard_size, cfg.options, cfg.describe)
    if on_plan:
        on_plan(len(items), len(specs))
    os.makedirs(work_dir(cfg.out), exist_ok=True)
    plan = {"shards": [{"name": s.name, "key": s.key(), "items": [i.id for i in s.items]} for s in specs],
            "options": asdict(cfg.options)}
    if cfg.describe is not None:
        plan["describe"] = cfg.describe.public()
    write_atomic(os.path.join(work_dir(cfg.out), "plan.json"), json.dumps(plan, indent=1) + "\n")
    results = run_shards(specs, cfg.out, cfg.backend, cfg.jobs, cfg.address, cfg.retries, on_shard)
    sm = assemble(cfg.out, specs, problems, cfg.policy, cfg.splits, eval_set)
    return BuildReport(sm, len(specs), sum(r.skipped for r in results), len(problems),
                       list(eval_set.problems) if eval_set is not None else [])
