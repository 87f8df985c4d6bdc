"""A private Ray head for the Ray runner tests: 2 CPUs, a free port, no dashboard, no usage stats, no auth.

Connected to by explicit address only (a killed cluster leaves /tmp/ray/ray_current_cluster behind, and a
plain `ray.init()` would join that dead address). Torn down by killing the head's own process tree, never
`ray stop`, which would stop any other cluster on the machine too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

RAY_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}
# `ray` through this interpreter, not the console script: the head starts its workers with the Python that
# runs it, and a `ray` script found elsewhere (another virtualenv) would run another copy of safedata.
RAY_CLI = [sys.executable, "-c", "import sys; from ray.scripts.scripts import main; sys.exit(main())"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree(pid: int) -> list[int]:
    """`pid` and every process below it (from /proc, so no psutil is needed)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _session_pids(temp_dir: Path) -> set[int]:
    """Every live process whose command line names this cluster's temp folder (workers sit outside the
    head's process group and tree once it daemonises)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(temp_dir) in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    pids.add(int(entry.name))
            except OSError:
                continue
    return pids


def ray_temp_dir() -> Path:
    """The private head's temp folder (its logs and session files). A short path: Ray's unix sockets live
    under it and their paths must stay under 107 bytes."""
    return Path(f"/tmp/sdray-{os.getpid()}")


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("ray")
    port = _free_port()
    temp_dir = ray_temp_dir()
    env = {**os.environ, **RAY_ENV}
    head = subprocess.Popen(
        [
            *RAY_CLI,
            "start",
            "--head",
            "--port",
            str(port),
            "--num-cpus",
            "2",
            "--include-dashboard=false",
            "--disable-usage-stats",
            "--temp-dir",
            str(temp_dir),
            "--block",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    address = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    else:
        head.kill()
        pytest.fail("the private Ray head did not come up within 60 s")
    for key, value in RAY_ENV.items():
        os.environ[key] = value
    try:
        yield address
    finally:
        pids = set(_tree(head.pid)) | _session_pids(temp_dir)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        head.wait(timeout=30)
        left = _alive(pids | _session_pids(temp_dir))
        shutil.rmtree(temp_dir, ignore_errors=True)
        assert not left, f"processes of the private Ray head outlived its teardown: {sorted(left)}"


def _alive(pids: set[int], wait_s: float = 10) -> set[int]:
    """Those of `pids` still running (not zombies) after up to `wait_s` seconds."""
    deadline = time.monotonic() + wait_s
    while True:
        left = set()
        for pid in pids:
            with contextlib.suppress(OSError, IndexError):
                if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    left.add(pid)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)
