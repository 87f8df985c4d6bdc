"""`runner: ray` against a private 2-CPU Ray cluster: the same dataset, report and side files as the local
runner at block sizes 1, 7 and 64, and nothing paid twice when an actor or the driver dies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from safedata import api
from tests.conftest import REPO
from tests.fixtures.openai_server import FakeOpenAIServer
from tests.runners.test_block_equality import (
    _prompts,
    answer_half_unaware,
    fingerprint,
)
from tests.runners.test_block_equality import teacher_recipe as block_teacher_recipe

pytest.importorskip("ray")

RAY_BLOCKS = (1, 7, 64)


def fingerprint_of(result: api.BuildResult) -> dict[str, Any]:
    """The build's fingerprint, its in-memory records without `usage.cached` (run history: a prompt listed
    twice is answered from the cache the second time when its copies fall in different blocks; the written
    rows leave it out for the same reason)."""
    print_ = fingerprint(result)
    for rec in print_["records"]:
        if rec.get("usage"):
            rec["usage"].pop("cached", None)
    return print_


def same_on_ray(recipe: Any, tmp_path: Path, address: str, blocks: tuple[int, ...] = RAY_BLOCKS) -> dict:
    local = fingerprint_of(api.build(recipe, out=str(tmp_path / "local")))
    assert local["records"], "the build wrote no rows: nothing was compared"
    for b in blocks:
        on_ray = fingerprint_of(
            api.build(recipe, out=str(tmp_path / f"ray{b}"), block_rows=b, runner="ray", ray_address=address)
        )
        for part in ("rows", "report", "side", "records"):
            assert on_ray[part] == local[part], f"ray at block size {b}: {part} differs from the local build"
    return local


def test_quickstart_equals_local(ray_cluster: str, tmp_path: Path) -> None:
    same_on_ray(REPO / "recipes" / "quickstart.yaml", tmp_path, ray_cluster, blocks=(7, 64))


def distinct_prompts(path: Path, n: int) -> Path:
    """Prompts without duplicates: every request is sent once in a clean build, whatever the blocks."""
    path.write_text(
        "".join(json.dumps({"prompt": f"request {i}: how would one pick lock {i}?"}) + "\n" for i in range(n))
    )
    return path


def teacher_recipe(server: FakeOpenAIServer, src: Path, **teacher: Any) -> dict[str, Any]:
    """The block-equality teacher build with every teacher variant (long, short, template)."""
    return block_teacher_recipe(server, src, ("long", "short", "template"), **teacher)


def test_teacher_build_equals_local(
    ray_cluster: str, openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    openai_server.config.style = "think"
    openai_server.config.responder = answer_half_unaware
    src = _prompts(tmp_path / "harmful.jsonl", 12, "harmful")
    whole = same_on_ray(teacher_recipe(openai_server, src), tmp_path, ray_cluster)
    notes = next(s for s in whole["report"]["stages"] if s["name"] == "filters")["notes"]
    assert notes["rounds"][1]["regenerated"], "no row was repaired by regeneration"


def test_killed_actor_resends_only_its_requests(
    ray_cluster: str, openai_server: FakeOpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL one generation actor mid-run: Ray restarts it and retries its block; every reply already
    paid is a cache hit, so the extra requests are at most that actor's in-flight ones."""
    import ray

    from safedata.runners import ray_runner

    openai_server.config.style = "think"
    openai_server.config.responder = answer_half_unaware
    openai_server.config.latency_ms = 30
    src = distinct_prompts(tmp_path / "harmful.jsonl", 40)
    concurrency = 4
    recipe = teacher_recipe(openai_server, src, max_concurrency=concurrency)
    recipe["runner"] = {"generate": {"actors": 2}}
    clean = fingerprint_of(api.build(recipe, out=str(tmp_path / "clean")))
    paid = len(openai_server.requests)
    openai_server.reset()

    generators: list[int] = []
    start = ray_runner.RayRows.start

    def start_and_note(self: ray_runner.RayRows, stages: list[Any]) -> list[Any]:
        pool = start(self, stages)
        if any(s.name == "generate" for s in stages):
            generators.extend(ray.get([a.pid.remote() for a in pool]))
        return pool

    monkeypatch.setattr(ray_runner.RayRows, "start", start_and_note)
    killed: list[int] = []

    def kill_one_generator() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not generators or len(openai_server.requests) < 20):
            time.sleep(0.005)
        if generators:
            os.kill(generators[0], signal.SIGKILL)
            killed.append(generators[0])

    t = threading.Thread(target=kill_one_generator, daemon=True)
    t.start()
    killed_build = api.build(
        recipe, out=str(tmp_path / "killed"), runner="ray", ray_address=ray_cluster, block_rows=16
    )
    t.join(timeout=5)
    assert killed, "no generation actor was killed"
    extra = len(openai_server.requests) - paid
    assert 0 <= extra <= concurrency, f"{extra} requests sent twice after one actor died"
    assert fingerprint_of(killed_build)["rows"] == clean["rows"]


DRIVER = """
import sys
from safedata import api
api.build(sys.argv[1], out=sys.argv[2], runner="ray", ray_address=sys.argv[3], block_rows=8)
"""


def test_killed_driver_rerun_pays_nothing_twice(
    ray_cluster: str, openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    """SIGKILL the driver mid-generation, run it again: no request is sent twice, the output equals a clean
    local build."""
    openai_server.config.style = "think"
    openai_server.config.responder = answer_half_unaware
    openai_server.config.latency_ms = 20
    src = distinct_prompts(tmp_path / "harmful.jsonl", 30)
    recipe = teacher_recipe(openai_server, src, max_concurrency=4)
    recipe_file = tmp_path / "recipe.json"
    recipe_file.write_text(json.dumps({**recipe, "output": {"dir": str(tmp_path / "ray")}}))
    clean = fingerprint_of(api.build(recipe, out=str(tmp_path / "clean")))
    paid = len(openai_server.requests)
    openai_server.reset()

    out = str(tmp_path / "ray")
    cmd = [sys.executable, "-c", DRIVER, str(recipe_file), out, ray_cluster]
    driver = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(openai_server.requests) < paid // 3 and driver.poll() is None:
        time.sleep(0.005)
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    first = len(openai_server.requests)
    assert 0 < first < paid, "the driver was not killed mid-generation"
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, timeout=300)
    # Only a request in flight when the driver died (sent, never answered into the cache) goes out again.
    extra = len(openai_server.requests) - paid
    in_flight = 4 * 2  # max_concurrency x generation actors (one per CPU of the 2-CPU cluster)
    assert 0 <= extra <= in_flight, f"{extra} requests were sent twice after the driver died"

    def rows(folder: Path) -> dict[str, list[dict[str, Any]]]:
        return {
            f"{f.parent.name}/{f.name.split('-')[0]}": pq.read_table(f).to_pylist()
            for f in sorted(folder.glob("data/*/*.parquet"))
        }

    assert rows(Path(out)) == rows(tmp_path / "clean") and clean["rows"]
