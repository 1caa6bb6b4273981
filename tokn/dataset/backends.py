"""Running :func:`tokn.dataset.shard.process_shard` over shards: local processes or Ray.

* ``local`` (default): ``jobs`` worker processes (:func:`tokn.workers.worker_pool`;
  ``jobs <= 1``: in this process).  When a worker process dies (killed for memory, by a
  signal), the shards not finished are run again in a fresh pool, up to ``retries`` times;
  then :class:`WorkerDied` says which shards are left.  An interrupted run (Ctrl-C) stops
  after the shards already running: the others are never started.
* ``ray``: each shard is a Ray task (``ray.remote(process_shard)``) with ``retries``
  retries on worker or node failure and on exceptions.  ``address`` is passed to
  ``ray.init`` (``"auto"`` joins the cluster of this machine, ``"ray://host:10001"`` a
  remote one through Ray Client, ``None`` starts a private local Ray).  Every node must
  see the inputs and the output directory at the same paths (a shared file system) and
  have tokn installed.

Both call the same function with the same arguments; a retried or repeated shard rewrites
the same files (see :mod:`tokn.dataset.shard`), so a killed worker loses and duplicates
nothing.  Completed shards are never submitted (their markers are checked first).
"""
from __future__ import annotations

import os
from typing import Callable, Iterator

from .plan import ShardSpec
from .shard import ShardResult, is_complete, process_shard

BACKENDS = ("local", "ray")


def run_shards(specs: list[ShardSpec], out: str, backend: str = "local", jobs: int = 1,
               address: str | None = None, retries: int = 3,
               on_done: Callable[[ShardResult], None] | None = None) -> list[ShardResult]:
    """Process every incomplete shard of ``specs`` into ``out``; returns one result per
    spec (``skipped`` for those already complete), in spec order."""
    out = os.path.abspath(out)
    results: dict[int, ShardResult] = {}
    todo = []
    for s in specs:
        if is_complete(out, s):
            results[s.index] = process_shard(s, out)      # reads the marker only
            if on_done:
                on_done(results[s.index])
        else:
            todo.append(s)
    if backend == "local":
        it = _local(todo, out, jobs, retries)
    elif backend == "ray":
        it = _ray(todo, out, address, retries)
    else:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    for r in it:
        results[r.index] = r
        if on_done:
            on_done(r)
    return [results[s.index] for s in specs]


class WorkerDied(ChildProcessError):
    """A local worker process died (a signal: the out-of-memory killer, ``kill -9``) every
    time the shards of :attr:`left` were run; completed shards are kept for resuming."""

    def __init__(self, left: list[ShardSpec], retries: int) -> None:
        self.left = left
        names = [s.name for s in left]
        roots = [i.root for s in left for i in s.items]
        shown = ", ".join(names[:3] + roots[:3]) + (" ..." if len(names) > 3 or len(roots) > 3 else "")
        super().__init__(
            f"a worker process died (killed by a signal, e.g. for lack of memory) {retries + 1} time(s); "
            f"{len(left)} shard(s) not done: {shown}; completed shards are kept: run the same command "
            "again to resume, or with -j 1 --shard-size 1 to find the design that kills its worker")


def _local(todo: list[ShardSpec], out: str, jobs: int, retries: int = 3) -> Iterator[ShardResult]:
    if jobs <= 1 or len(todo) <= 1:
        for s in todo:
            yield process_shard(s, out)
        return
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    from ..workers import worker_pool
    left = list(todo)
    for _ in range(retries + 1):
        finished: set[int] = set()
        ex = worker_pool(min(jobs, len(left)))
        try:
            for f in as_completed([ex.submit(process_shard, s, out) for s in left]):
                r = f.result()
                finished.add(r.index)
                yield r
            return
        except BrokenProcessPool:
            left = [s for s in left if s.index not in finished]
        finally:
            ex.shutdown(wait=True, cancel_futures=True)
    raise WorkerDied(left, retries)


def _ray(todo: list[ShardSpec], out: str, address: str | None, retries: int) -> Iterator[ShardResult]:
    try:
        import ray
    except ImportError:
        raise RuntimeError("the ray backend needs Ray: pip install 'tokn[ray]'") from None
    started = False
    if not ray.is_initialized():
        kw = {"include_dashboard": False} if address is None else {}
        try:
            ray.init(address=address, ignore_reinit_error=True, log_to_driver=False, **kw)
        except ConnectionError as e:
            raise ConnectionError(
                f"{e} (is the cluster running? A cluster with Ray's token authentication, "
                "RAY_AUTH_MODE=token, also needs its token here: RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH "
                "or ~/.ray/auth_token; docs/dataset.md)") from None
        started = True
    try:
        task = ray.remote(max_retries=retries, retry_exceptions=True)(process_shard)
        pending = [task.remote(s, out) for s in todo]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                yield ray.get(ref)
    finally:
        if started:
            ray.shutdown()
