"""SIGKILL at points in every stage of a build (generation, filters with an LLM judge, then dedup, mix, write
and report), and SIGINT: the same command run again gives the same dataset as an uninterrupted build, and
re-sends only what was in flight at the kill.

CI runs 10 kills chosen by event (the k-th reply, the k-th judge request, a fraction of the time between the
last reply and the end of a clean run); the `slow` mark adds 20 at seeded random moments of the whole run."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest
import yaml

import safedata
from tests.conftest import _env
from tests.fixtures.openai_server import FakeOpenAIServer, ServerConfig
from tests.reliability.conftest import teacher_recipe

ROWS = 16
CONCURRENCY = 4


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    s = FakeOpenAIServer(ServerConfig(latency_ms=25, latency_dist="exp", seed=3)).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def recipe(server: FakeOpenAIServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kills")
    path = teacher_recipe(folder, server, [{"type": "seeds", "set": "harmful", "limit": ROWS}])
    data = yaml.safe_load(path.read_text())
    data["teacher"]["max_concurrency"] = CONCURRENCY
    data["filter"] = {"backend": "llm", "teacher": {**data["teacher"], "model": "judge"}}
    data["dedup"] = {"minhash": {}}
    data["mix"] = {"ratio": {"harmful": 1}}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def start(recipe: Path, out: Path) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "safedata.cli", "build", str(recipe), "--out", str(out), "--quiet"]
    return subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def dataset(out: Path) -> dict[str, object]:
    """What a build delivers: every config's rows (the written rows leave out `usage.cached`, the one thing
    a resume changes), the stage counts and the quarantine."""
    tables = {}
    for folder in sorted((out / "data").iterdir()):
        tables[folder.name] = pl.read_parquet(folder / "*.parquet").sort("id").to_dicts()
    report = json.loads((out / "build_report.json").read_text())
    stages = [{k: s[k] for k in ("name", "rows_in", "rows_out", "dropped")} for s in report["stages"]]
    return {"tables": tables, "stages": stages, "quarantine": (out / "quarantine.jsonl").read_text()}


@pytest.fixture(scope="module")
def clean(server: FakeOpenAIServer, recipe: Path) -> dict[str, object]:
    """An uninterrupted CLI build: the reference, and how long its tail after the last reply lasts."""
    out = recipe.parent / "clean"
    server.reset()
    proc = start(recipe, out)
    assert proc.wait(300) == 0, proc.stderr.read() if proc.stderr else ""
    ended = time.time()
    return {
        "data": dataset(out),
        "tail_s": ended - server.last_t,  # dedup, mix, write, report (and the interpreter's exit)
        "span_s": ended - server.first_t,  # from the first request to the end
        "requests": len(server.requests),
    }


def judge_requests(server: FakeOpenAIServer) -> int:
    return sum(r["body"].get("model") == "judge" for r in list(server.requests))


def kill_when(
    recipe: Path, out: Path, ready: Callable[[], bool], sig: int = signal.SIGKILL
) -> subprocess.Popen[str]:
    proc = start(recipe, out)
    deadline = time.monotonic() + 300
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    proc.send_signal(sig)
    proc.wait(60)
    return proc


def resume_and_compare(server: FakeOpenAIServer, recipe: Path, out: Path, clean: dict[str, object]) -> None:
    safedata.build(recipe, out=str(out))  # the same command again (in process: saves an interpreter start)
    assert dataset(out) == clean["data"]
    resent = [k for k, n in server.counts().items() if n > 1]
    # Only requests in flight at the kill go out twice: at most one per slot of generation and of the judge.
    assert len(resent) <= 2 * CONCURRENCY, len(resent)
    assert len(server.counts()) == clean["requests"]


# (where, at): the at-th reply; the at-th judge request; `at` of the clean run's time between its last reply
# and its end; the moment a file or folder of the output appears (write, then report).
CI_KILLS = [
    ("generate", 2),
    ("generate", 7),
    ("generate", 12),
    ("judge", 3),
    ("judge", 20),
    ("tail", 0.0),
    ("tail", 0.2),
    ("tail", 0.4),
    ("appears", "data"),
    ("appears", "build_report.json"),
]


def moment(
    server: FakeOpenAIServer, clean: dict[str, object], out: Path, where: str, at: object
) -> Callable[[], bool]:
    """When to kill: the at-th reply, the at-th judge request, `at` of the clean tail after the last reply
    (dedup, mix, write, report), or when `out/at` appears."""
    total = clean["requests"]
    return {
        "generate": lambda: server.completed >= at,
        "judge": lambda: judge_requests(server) >= at,
        "tail": lambda: server.completed >= total and time.time() >= server.last_t + at * clean["tail_s"],
        "appears": lambda: (out / str(at)).exists(),
    }[where]


@pytest.mark.parametrize(("where", "at"), CI_KILLS, ids=[f"{w}-{a}" for w, a in CI_KILLS])
def test_sigkill_then_the_same_command_gives_the_same_dataset(
    server: FakeOpenAIServer, recipe: Path, clean: dict[str, object], tmp_path: Path, where: str, at: object
) -> None:
    # A tail moment is a share of the clean run's tail, which a loaded machine stretches or shrinks from one
    # run to the next: a build that ends first is run again aiming at half the moment (0.0 always lands).
    for attempt in range(3 if where == "tail" else 1):
        server.reset()
        out = tmp_path / f"out{attempt}"
        at_now = at / 2**attempt if where == "tail" else at  # type: ignore[operator]
        proc = kill_when(recipe, out, moment(server, clean, out, where, at_now))
        if proc.returncode == -signal.SIGKILL:
            break
    if proc.returncode == 0 and where == "appears":
        pytest.skip(f"the build ended within the poll interval after {at} appeared")  # shown, not hidden
    assert proc.returncode == -signal.SIGKILL, "the build ended before the kill"
    resume_and_compare(server, recipe, out, clean)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(20))
def test_sigkill_at_a_random_moment(
    server: FakeOpenAIServer, recipe: Path, clean: dict[str, object], tmp_path: Path, seed: int
) -> None:
    server.reset()
    out = tmp_path / "out"
    after = random.Random(seed).uniform(0, clean["span_s"])  # counted from the first request, not the start
    proc = kill_when(recipe, out, lambda: server.first_t > 0 and time.time() >= server.first_t + after)
    if proc.returncode == 0:
        pytest.skip("the build finished before this moment")
    resume_and_compare(server, recipe, out, clean)


def test_sigint_exits_130_in_one_line_and_resumes(
    server: FakeOpenAIServer, recipe: Path, clean: dict[str, object], tmp_path: Path
) -> None:
    server.reset()
    out = tmp_path / "out"
    proc = kill_when(recipe, out, lambda: server.completed >= 5, sig=signal.SIGINT)
    stderr = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 130, stderr
    assert stderr.strip() == "interrupted"
    resume_and_compare(server, recipe, out, clean)
