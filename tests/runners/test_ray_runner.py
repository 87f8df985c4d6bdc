"""`runner: ray` against a private 2-CPU Ray cluster: the same dataset, report and side files as the local
runner at block sizes 1, 7 and 64, and nothing paid twice when an actor or the driver dies."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from bisect import bisect_right
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from safedata import api
from safedata.engines.cache import cache_path
from safedata.engines.prompts import GUIDELINES
from tests.conftest import REPO
from tests.fixtures.openai_server import FakeOpenAIServer, request_key
from tests.runners.conftest import ray_temp_dir
from tests.runners.test_block_equality import (
    AWARE,
    MIX_SELECTIONS,
    PARTS,
    UNAWARE,
    _prompts,
    answer_half_unaware,
    decontamination_recipe,
    dedup_against_recipe,
    fingerprint,
    mix_recipe,
    mixed_rows,
    removed_against_and_duplicates,
    removed_near_copies,
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
        for part in PARTS:
            assert on_ray[part] == local[part], f"ray at block size {b}: {part} differs from the local build"
    return local


@pytest.fixture
def chains(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The stage names of every actor pool the Ray runner starts, in order."""
    from safedata.runners import ray_runner

    started: list[list[str]] = []
    start = ray_runner.RayRows.start

    def noted(self: ray_runner.RayRows, stages: list[Any]) -> list[Any]:
        started.append([s.name for s in stages])
        return start(self, stages)

    monkeypatch.setattr(ray_runner.RayRows, "start", noted)
    return started


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
    ray_cluster: str, openai_server: FakeOpenAIServer, tmp_path: Path, chains: list[list[str]]
) -> None:
    openai_server.config.style = "think"
    openai_server.config.responder = answer_half_unaware
    src = _prompts(tmp_path / "harmful.jsonl", 12, "harmful")
    whole = same_on_ray(teacher_recipe(openai_server, src), tmp_path, ray_cluster)
    assert chains == [["generate", "filters"]] * len(RAY_BLOCKS), "generate and filters were not fused"
    notes = next(s for s in whole["report"]["stages"] if s["name"] == "filters")["notes"]
    assert notes["rounds"][1]["regenerated"], "no row was repaired by regeneration"


def test_adversarial_teacher_build_equals_local(
    ray_cluster: str, openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    """Augmented prompts through a teacher with long-tailed latency, K = 2, regeneration and
    `all_safe_then_pick_one`; duplicate prompts across blocks and a quarantined line in the source."""
    openai_server.config.style = "think"
    openai_server.config.responder = answer_half_unaware
    openai_server.config.latency_ms, openai_server.config.latency_dist = 5, "exp"
    src = _prompts(tmp_path / "harmful.jsonl", 6, "harmful")
    with src.open("a") as f:
        f.write("this line is not JSON\n")
    recipe = teacher_recipe(openai_server, src)
    recipe["augment"] = {"per_seed": 1, "tactics": ["roleplay", "fake-system"]}
    whole = same_on_ray(recipe, tmp_path, ray_cluster, blocks=(7,))
    stages = {s["name"]: s for s in whole["report"]["stages"]}
    assert stages["augment"]["out_by"]["tactic"] and whole["report"]["quarantined"] == 1
    assert stages["dedup_prompts"]["dropped"], "no duplicate prompt was dropped"
    assert stages["filters"]["notes"]["rounds"][1]["regenerated"], "no row was repaired by regeneration"


def test_dedup_against_equals_local(ray_cluster: str, tmp_path: Path) -> None:
    whole = same_on_ray(dedup_against_recipe(tmp_path), tmp_path, ray_cluster, blocks=(1,))
    assert removed_against_and_duplicates(whole)


def test_decontamination_equals_local(ray_cluster: str, tmp_path: Path) -> None:
    whole = same_on_ray(decontamination_recipe(tmp_path), tmp_path, ray_cluster, blocks=(7,))
    assert removed_near_copies(whole)


@pytest.mark.parametrize("select", MIX_SELECTIONS)
def test_every_mix_selection_equals_local(select: str, ray_cluster: str, tmp_path: Path) -> None:
    whole = same_on_ray(mix_recipe(select), tmp_path, ray_cluster, blocks=(7,))
    assert mixed_rows(whole) == 60


def scripted_faults(seen: Counter[str]) -> Any:
    """Faults chosen by the request, not by arrival order (which differs between runners): by a hash of the
    request, its first attempt meets a 429, a 500 or a hang, or every attempt fails with a 500."""

    def fault_for(body: dict[str, Any]) -> str | None:
        key = request_key(body)
        seen[key] += 1
        kind = int(key, 16) % 8
        if kind == 0:
            return "500"
        return {1: "429", 2: "500", 3: "hang"}.get(kind) if seen[key] == 1 else None

    return fault_for


def test_faults_counted_as_locally(
    ray_cluster: str, openai_server: FakeOpenAIServer, tmp_path: Path, chains: list[list[str]]
) -> None:
    """429s, 500s and hangs: the same requests arrive as often under Ray as locally, the same rows are kept,
    the same requests are listed as failed, and the engine's counters (sent, failed, retries) are equal.
    Generation and judges ask for different pools here, so they run as two chains."""
    openai_server.config.style = "think"
    openai_server.config.responder = answer_half_unaware
    # A timeout well above a reply's time on a loaded 2-core box: only the scripted hangs may time out.
    openai_server.config.retry_after_s, openai_server.config.hang_s = 0.02, 6
    src = distinct_prompts(tmp_path / "harmful.jsonl", 24)
    recipe = teacher_recipe(openai_server, src, max_retries=1, timeout_s=3)
    recipe["runner"] = {"generate": {"actors": 2}, "judges": {"actors": 1}}
    runs: dict[str, tuple[dict[str, Any], Counter[str]]] = {}
    for name, kw in (("local", {}), ("ray", {"runner": "ray", "ray_address": ray_cluster, "block_rows": 7})):
        openai_server.reset()
        openai_server.config.fault_for = scripted_faults(Counter())
        build = api.build(recipe, out=str(tmp_path / name), **kw)
        runs[name] = (fingerprint_of(build), openai_server.counts())
        runs[name][0]["this_run"] = [
            s["notes"].get("this_run") for s in build.report["stages"] if "notes" in s
        ]
    (local, local_counts), (on_ray, ray_counts) = runs["local"], runs["ray"]
    differ = {k: (local_counts[k], ray_counts[k]) for k in {*local_counts, *ray_counts}}
    assert ray_counts == local_counts, {k: v for k, v in differ.items() if v[0] != v[1]}
    assert sum(local_counts.values()) > len(local_counts), "no request was retried"
    assert local["side"]["failed.jsonl"], "no request failed for good"
    assert sorted(chains) == [["filters"], ["generate"]]  # the chain nearest the output starts first
    for part in (*PARTS, "this_run"):
        assert on_ray[part] == local[part], f"{part} differs from the local build"


def asked_with(level: str) -> Any:
    """Every user turn's text of a request that carries `level`'s guidelines (repair's regeneration)."""

    def text(body: dict[str, Any]) -> bool:
        return GUIDELINES[level] in "\n".join(m["content"] for m in body["messages"] if m["role"] == "user")

    return text


def busiest(times: list[float], window_s: float) -> int:
    """The most requests that arrived within any `window_s` seconds."""
    times = sorted(times)
    return max(bisect_right(times, t + window_s) - i for i, t in enumerate(times))


def test_rate_limit_is_global_across_chains(
    ray_cluster: str, openai_server: FakeOpenAIServer, tmp_path: Path, chains: list[list[str]]
) -> None:
    """Generation (2 actors) and repair's regeneration (1 actor, another chain) ask the same endpoint at
    once: together they keep to its `requests_per_minute`, not to one limit per chain (twice it here)."""
    regenerated = asked_with("realsafe")
    openai_server.config.style = "think"
    # Every first answer lacks safety awareness: each generated row is asked again by the filters' chain.
    openai_server.config.responder = lambda body: AWARE if regenerated(body) else UNAWARE
    rpm = 600
    src = distinct_prompts(tmp_path / "harmful.jsonl", 12)
    recipe = block_teacher_recipe(openai_server, src, ("long",), requests_per_minute=rpm)
    recipe["runner"] = {"generate": {"actors": 2}, "judges": {"actors": 1}}
    api.build(recipe, out=str(tmp_path / "ray"), runner="ray", ray_address=ray_cluster, block_rows=2)
    assert sorted(chains) == [["filters"], ["generate"]]
    first = [r["t"] for r in openai_server.requests if not regenerated(r["body"])]
    again = [r["t"] for r in openai_server.requests if regenerated(r["body"])]
    assert len(first) == len(again) == 24
    assert min(again) < max(first) - 1, "the two chains did not send at the same time"
    # Each of the 3 engines (2 generating actors, 1 repairing) paces its own starts at a third of the limit,
    # its first request at once: at most rpm/60 per second plus one each. Half a second more of the limit
    # for arrival jitter (requests bunch up on the way when the 2-core box is busy).
    window_s, engines, jitter_s = 2.0, 3, 0.5
    most = busiest(first + again, window_s)
    assert most <= rpm / 60 * (window_s + jitter_s) + engines, f"{most} requests within {window_s} s"


def test_api_key_never_through_rays_objects_or_files(
    ray_cluster: str, openai_server: FakeOpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The teacher's key reaches the server from every actor, yet nothing the driver serializes for Ray or
    reads back from it (actor arguments, blocks out, rows and reports back) holds it, and no file of the
    cluster's session folder (worker logs, spilled objects, runtime env files) does."""
    import ray
    import ray.cloudpickle

    secret = f"sk-{uuid.uuid4().hex}"
    monkeypatch.setenv("SAFEDATA_TEST_KEY", secret)
    crossed: list[bytes] = []
    dumps, loads = ray.cloudpickle.dumps, ray.cloudpickle.loads

    def dumped(*args: Any, **kw: Any) -> bytes:
        crossed.append(data := dumps(*args, **kw))
        return data

    def loaded(data: Any, *args: Any, **kw: Any) -> Any:
        crossed.extend(bytes(b) for b in [data, *kw.get("buffers", ())])
        return loads(data, *args, **kw)

    serialize = ray._private.serialization.SerializationContext.serialize

    def serialized(self: Any, value: Any) -> Any:  # plain values (the recipe's YAML) skip pickle: msgpack
        out = serialize(self, value)
        if hasattr(out, "to_bytes"):
            crossed.append(out.to_bytes())
        return out

    monkeypatch.setattr(ray.cloudpickle, "dumps", dumped)
    monkeypatch.setattr(ray.cloudpickle, "loads", loaded)
    monkeypatch.setattr(ray._private.serialization.SerializationContext, "serialize", serialized)
    openai_server.config.style = "think"
    openai_server.config.responder = answer_half_unaware
    src = distinct_prompts(tmp_path / "harmful.jsonl", 8)
    recipe = teacher_recipe(openai_server, src, api_key="${SAFEDATA_TEST_KEY}")
    recipe["runner"] = {"generate": {"actors": 2}, "judges": {"actors": 1}}
    api.build(recipe, out=str(tmp_path / "ray"), runner="ray", ray_address=ray_cluster, block_rows=4)
    assert {r["auth"] for r in openai_server.requests} == {f"Bearer {secret}"}
    assert any(b"SAFEDATA_TEST_KEY" in b for b in crossed), "the actors' recipe was not seen crossing"
    assert any(b"how would one pick lock 7" in b for b in crossed), "no block was seen crossing"
    assert not [b for b in crossed if secret.encode() in b], "the key went through Ray's serialization"
    # What the actors wrote: their logs, and whatever Ray keeps of the session (the head's temp folder).
    files = [f for f in ray_temp_dir().rglob("*") if f.is_file() and not f.is_symlink()]
    assert any(f.name.startswith("worker") for f in files), "no worker log was read"
    leaked = [f for f in files if secret.encode() in f.read_bytes()]
    assert not leaked, f"the key is in {leaked}"


def test_progress_view_sums_every_actors_engines(
    ray_cluster: str,
    openai_server: FakeOpenAIServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One progress view on the driver: the generation bar carries the engine line a local build shows,
    its counts added up over both generation actors (each answered about half of the requests)."""
    monkeypatch.setenv("COLUMNS", "250")  # the whole line, not cut to a terminal's width
    openai_server.config.style = "think"
    src = distinct_prompts(tmp_path / "harmful.jsonl", 12)
    recipe = block_teacher_recipe(openai_server, src, ("long",))  # K = 2: 24 requests
    del recipe["filter"], recipe["repair"]
    recipe["runner"] = {"generate": {"actors": 2}}
    api.build(
        recipe, out=str(tmp_path / "ray"), runner="ray", ray_address=ray_cluster, block_rows=2, quiet=False
    )
    bar = next(line for line in capsys.readouterr().err.splitlines() if line.startswith("generate"))
    assert len(openai_server.requests) == 24
    assert "done 24 · in flight 0 · failed 0 · cached 0" in bar, bar


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
    # Ray ends the dead driver's actors a moment later; until then they go on sending and caching.
    first, still = len(openai_server.requests), time.monotonic()
    while time.monotonic() - still < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
        if len(openai_server.requests) != first:
            first, still = len(openai_server.requests), time.monotonic()
    assert 0 < first < paid, "the driver was not killed mid-generation"
    with sqlite3.connect(cache_path(Path(out))) as db:
        cached = db.execute("SELECT COUNT(*) FROM requests WHERE status = 'ok'").fetchone()[0]
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, timeout=300)
    # Every reply that reached the cache is a hit: the rerun pays for exactly the rest.
    assert len(openai_server.requests) - first == paid - cached
    # What is sent twice is only what was in flight or not yet committed when the actors died: a few per actor
    # (max_concurrency 4 x 2 actors, one per CPU of the 2-CPU cluster; x2 for replies awaiting their commit).
    lost = first - cached
    assert 0 <= lost <= 4 * 2 * 2, f"{lost} requests were sent twice after the driver died"

    def rows(folder: Path) -> dict[str, list[dict[str, Any]]]:
        return {
            f"{f.parent.name}/{f.name.split('-')[0]}": pq.read_table(f).to_pylist()
            for f in sorted(folder.glob("data/*/*.parquet"))
        }

    assert rows(Path(out)) == rows(tmp_path / "clean") and clean["rows"]


DYING_DRIVER = """
import os, signal, sys
from safedata import api
from safedata.dedup.stage import DedupStage

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if sys.argv[4] == "dedup":
    DedupStage.decide = die
else:
    finish = api.ConfigWriter.finish
    api.ConfigWriter.finish = lambda self: (finish(self), die())
api.build(sys.argv[1], out=sys.argv[2], runner="ray", ray_address=sys.argv[3], block_rows=8)
"""


@pytest.mark.parametrize("stage", ["dedup", "write"])
def test_driver_killed_in_a_global_stage(
    stage: str, ray_cluster: str, openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    """The driver SIGKILLs itself inside dedup's decision, or after the writer wrote the shards but before the
    folder is committed: every reply was paid before that, so the rerun sends nothing and writes the dataset
    of a clean build."""
    openai_server.config.style = "think"
    openai_server.config.responder = answer_half_unaware
    src = distinct_prompts(tmp_path / "harmful.jsonl", 16)
    recipe = teacher_recipe(openai_server, src, max_concurrency=4)
    recipe_file = tmp_path / "recipe.json"
    recipe_file.write_text(json.dumps(recipe))
    clean = fingerprint_of(api.build(recipe, out=str(tmp_path / "clean")))
    paid = openai_server.counts()
    openai_server.reset()

    out = str(tmp_path / "ray")
    dying = subprocess.run(
        [sys.executable, "-c", DYING_DRIVER, str(recipe_file), out, ray_cluster, stage],
        cwd=REPO,
        capture_output=True,
        timeout=300,
    )
    assert dying.returncode == -signal.SIGKILL, dying.stderr.decode()[-2000:]
    assert openai_server.counts() == paid, "the killed run did not send each request once"
    assert not (Path(out) / "build_report.json").exists(), "the killed run committed its output"
    openai_server.reset()
    again = api.build(recipe_file, out=out, runner="ray", ray_address=ray_cluster, block_rows=8)
    assert not openai_server.requests, f"the rerun sent {len(openai_server.requests)} requests again"
    for part in PARTS:
        assert fingerprint_of(again)[part] == clean[part], f"{part} differs from a clean build"
