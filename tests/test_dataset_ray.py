"""``tokn dataset --backend ray`` on a real local Ray cluster (a head and one worker node on
127.0.0.1, started by the test), with one Ray worker process killed while it encodes a
shard: the task is retried and the dataset has every design exactly once, the same as a
local build.

Needs Ray (in the ``test`` extra) and Linux (/proc).  Every Ray process is started in a
session of its own and ended by its process-group id; nothing else is touched.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

try:
    from .conftest import CORPUS, needs_shared
except ImportError:
    from conftest import CORPUS, needs_shared

pytestmark = [pytest.mark.slow, needs_shared,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")]

BIN = os.path.dirname(sys.executable)
FILES = os.path.join(CORPUS, "files")
PROJECTS = ["mjbots__moteus/hw/mjuart", "DangerousPrototypes__BusPirate5-hardware/adapter-flash-sop-1REV3",
            "DangerousPrototypes__BusPirate5-hardware/adapter-ir-toy-3REV3",
            "DangerousPrototypes__BusPirate5-hardware/adapter-rs232-dual-1REV0",
            "TinyTapeout__tt-demo-pcb", "Sleepdealr__RP2040-designguide"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pids_titled(prefix: str, session_ids: set[int]) -> list[int]:
    """Processes of our Ray sessions whose title (cmdline) starts with ``prefix``."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
            if cmd.startswith(prefix) and os.getsid(int(d)) in session_ids:
                out.append(int(d))
        except (OSError, ProcessLookupError):
            continue
    return out


def _records(out: str) -> list[dict]:
    rows = []
    for name in sorted(os.listdir(os.path.join(out, "data"))):
        with open(os.path.join(out, "data", name), encoding="utf-8") as f:
            rows += [json.loads(x) for x in f]
    return rows


@pytest.fixture
def ray_cluster():
    """A Ray head (no CPU, so tasks run on the worker) and a worker node (1 CPU), with
    Ray's token authentication on (a token of the test's own, given to every process: Ray
    2.59+ turns it on by default for some clusters and not others, and an older Ray ignores
    it).  Yields the address, the Ray processes' session ids and the environment a client
    needs."""
    pytest.importorskip("ray")
    tmp = tempfile.mkdtemp(prefix="rt", dir="/tmp")        # short: Ray's socket paths are limited
    port = _free_port()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_DEDUP_LOGS": "0",
           "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    common = ["--block", "--disable-usage-stats", "--node-ip-address=127.0.0.1",
              "--object-store-memory=80000000"]
    procs = []
    log = open(os.path.join(tmp, "ray.log"), "w")
    try:
        procs.append(subprocess.Popen(
            [os.path.join(BIN, "ray"), "start", "--head", f"--port={port}", "--num-cpus=0",
             "--include-dashboard=false", f"--temp-dir={tmp}", *common],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        _wait_for_port(port, 90)
        procs.append(subprocess.Popen(
            [os.path.join(BIN, "ray"), "start", f"--address=127.0.0.1:{port}", "--num-cpus=1", *common],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        _wait_for_nodes(f"127.0.0.1:{port}", 2, 90, env)
        yield f"127.0.0.1:{port}", {p.pid for p in procs}, env
    finally:
        for p in procs:                      # our sessions only, by their ids
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.time() + 20
        for p in procs:
            try:
                p.wait(max(1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                pass
        time.sleep(1)
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _wait_for_port(port: int, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 1):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the Ray head did not start")


def _wait_for_nodes(address: str, n: int, timeout: float, env: dict) -> None:
    code = ("import ray, sys; ray.init(address=sys.argv[1], log_to_driver=False); "
            "print(sum(1 for x in ray.nodes() if x['Alive']))")
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = subprocess.run([sys.executable, "-c", code, address], capture_output=True, text=True, timeout=120,
                           env=env)
        if r.returncode == 0 and r.stdout.strip().splitlines()[-1:] == [str(n)]:
            return
        time.sleep(1)
    raise RuntimeError(f"the Ray cluster did not reach {n} nodes")


def test_ray_backend_with_a_worker_killed_mid_run(ray_cluster, tmp_path):
    address, sessions, env = ray_cluster
    inputs = tmp_path / "in"
    for rel in PROJECTS:
        shutil.copytree(os.path.join(FILES, rel), inputs / os.path.basename(rel))
    common = [str(inputs), "--shard-size", "1", "--no-instructions", "--licence", "unknown,permissive"]
    tokn = [os.path.join(BIN, "tokn"), "dataset"]

    local = tmp_path / "local"
    r = subprocess.run(tokn + common + ["-o", str(local)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr

    out = tmp_path / "ray"
    driver = subprocess.Popen(tokn + common + ["-o", str(out), "--backend", "ray", "--address", address,
                                               "--retries", "3"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    killed = None
    deadline = time.time() + 300
    while killed is None and driver.poll() is None and time.time() < deadline:
        busy = _pids_titled("ray::process_shard", sessions)
        if busy:
            killed = busy[0]
            os.kill(killed, signal.SIGKILL)          # a Ray worker dies while encoding a shard
            break
        time.sleep(0.05)
    stdout, stderr = driver.communicate(timeout=600)
    assert killed is not None, "no shard was seen running on the worker: " + stderr
    assert driver.returncode == 0, stderr

    want = _records(str(local))
    got = _records(str(out))
    assert len(got) == len({g["id"] for g in got})                      # nothing duplicated
    assert sorted(g["id"] for g in got) == sorted(w["id"] for w in want)    # nothing lost
    by_id = {w["id"]: w for w in want}
    assert all(g["tokn"] == by_id[g["id"]]["tokn"] for g in got)
    n = len([x for x in os.listdir(local / "work") if x.endswith(".done")])
    assert n >= len(PROJECTS) and len(got) == n
    assert len([x for x in os.listdir(out / "work") if x.endswith(".done")]) == n
    assert stderr.count(" done: ") == n                              # each shard reported once
