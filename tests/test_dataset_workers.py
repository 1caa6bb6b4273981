"""``tokn dataset``'s local worker processes under faults: a worker killed mid-shard, a
driver interrupted (Ctrl-C) or killed with SIGKILL (:mod:`tokn.dataset.backends`,
:mod:`tokn.workers`).  The shard function is replaced by small stand-ins that sleep, die or
leave a file behind, so no design is encoded here."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tokn.dataset import backends
from tokn.dataset.plan import ShardSpec
from tokn.dataset.shard import ShardResult

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; fork start method")


def _ran(spec: ShardSpec, out: str) -> ShardResult:
    """Stand-in shard: takes a moment, leaves ``<out>/ran-N``."""
    time.sleep(0.2)
    with open(os.path.join(out, f"ran-{spec.index}"), "w", encoding="utf-8"):
        pass
    return ShardResult(spec.index, 1, 0, 0)


def _dies_once(spec: ShardSpec, out: str) -> ShardResult:
    """Stand-in shard: shard 3's first run kills its worker process (as the out-of-memory
    killer would); every later run succeeds."""
    flag = os.path.join(out, "died")
    if spec.index == 3 and not os.path.exists(flag):
        with open(flag, "w", encoding="utf-8"):
            pass
        os._exit(137)
    return _ran(spec, out)


def _always_dies(spec: ShardSpec, out: str) -> ShardResult:
    if spec.index == 3:
        os._exit(137)
    return _ran(spec, out)


def _specs(n: int) -> list[ShardSpec]:
    return [ShardSpec(i, ()) for i in range(n)]


def test_a_worker_killed_mid_shard_costs_a_retry_not_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "process_shard", _dies_once)
    got = list(backends._local(_specs(8), str(tmp_path), jobs=2, retries=1))
    assert sorted(r.index for r in got) == list(range(8))            # every shard once
    assert sorted(os.listdir(tmp_path)) == sorted(["died"] + [f"ran-{i}" for i in range(8)])


def test_a_shard_that_always_kills_its_worker_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "process_shard", _always_dies)
    with pytest.raises(backends.WorkerDied, match=r"died .* 2 time\(s\); \d shard\(s\) not done: .*shard-00003"
                                                  r".*run the same command again to resume") as e:
        list(backends._local(_specs(6), str(tmp_path), jobs=2, retries=1))
    # the shard and those in flight beside it when its worker died
    assert 3 in [s.index for s in e.value.left] and len(e.value.left) < 6
    assert isinstance(e.value, OSError)                # the CLI's one-line error, exit status 1
    assert "ran-3" not in os.listdir(tmp_path)


def test_an_interrupted_run_starts_no_other_shard(tmp_path, monkeypatch):
    """Ctrl-C in the driver while it waits for the workers: the shards queued behind the
    running ones are cancelled (they used to run to the end, silently, before the
    interruption was seen)."""
    monkeypatch.setattr(backends, "process_shard", _ran)
    gen = backends._local(_specs(40), str(tmp_path), jobs=2, retries=0)
    next(gen)
    with pytest.raises(KeyboardInterrupt):
        gen.throw(KeyboardInterrupt)
    ran = len(os.listdir(tmp_path))
    assert 1 <= ran <= 8, ran                          # the running and the few already handed over


DRIVER = """
import os, sys, time
from tokn.workers import worker_pool
ex = worker_pool(1)
print(ex.submit(os.getpid).result(), flush=True)
time.sleep(60)
"""


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            return any(line.startswith("State:") and "Z" in line.split()[1] for line in f)
    except OSError:
        return True


def test_workers_end_when_their_driver_is_killed():
    """``kill -9`` of the driver (no chance to shut the pool down): its worker ends within a
    second or two instead of waiting for work forever."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    drv = subprocess.Popen([sys.executable, "-c", DRIVER], stdout=subprocess.PIPE, text=True, env=env,
                           start_new_session=True)
    worker = int(drv.stdout.readline())
    try:
        assert not _gone(worker)
        drv.kill()
        drv.wait(10)
        deadline = time.monotonic() + 10
        while not _gone(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _gone(worker)
    finally:
        if not _gone(worker):
            os.kill(worker, 9)
