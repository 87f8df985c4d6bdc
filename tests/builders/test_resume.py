"""A build killed with SIGKILL mid-generation resumes from the request cache: nothing that finished is sent
again, and the output equals an uninterrupted run's."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import yaml

import safedata
from tests.conftest import _env
from tests.fixtures.openai_server import FakeOpenAIServer

ROWS = 40


def write_recipe(tmp_path: Path, server: FakeOpenAIServer) -> Path:
    recipe = {
        "name": "resume",
        "sources": [{"type": "seeds", "set": "harmful", "limit": ROWS}],
        "variants": ["long"],
        "teacher": {
            "engine": "openai",
            "model": "fake-r1",
            "base_url": server.base_url,
            "max_concurrency": 4,
        },
    }
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def build(recipe: Path, out: Path) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "safedata.cli", "build", str(recipe), "--out", str(out), "--quiet"]
    return subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def table(out: Path) -> pl.DataFrame:
    # Whole rows: the written `usage` leaves out `cached` (whether this run paid), which a resume changes.
    return pl.read_parquet(out / "data" / "long" / "*.parquet").sort("id")


def test_sigkill_midway_then_resume_equals_an_uninterrupted_run(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    openai_server.config.latency_ms = 150
    openai_server.config.latency_dist = "exp"
    recipe = write_recipe(tmp_path, openai_server)
    out = tmp_path / "killed"

    proc = build(recipe, out)
    deadline = time.monotonic() + 120
    while openai_server.completed < ROWS // 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    first_run = len(openai_server.requests)
    assert ROWS // 3 <= first_run < ROWS, "the kill must land mid-generation"

    done = build(recipe, out)
    assert done.wait(120) == 0, done.stderr.read() if done.stderr else ""
    report = json.loads((out / "build_report.json").read_text())
    this_run = next(s for s in report["stages"] if s["name"] == "generate")["notes"]["teacher"]["this_run"]
    finished_before_kill = this_run["cached"]
    assert finished_before_kill >= ROWS // 3 - 4  # all but those in flight at the kill (concurrency 4)
    assert this_run["sent"] == ROWS - finished_before_kill  # nothing that finished is sent again
    counts = openai_server.counts()
    assert len(counts) == ROWS
    assert sum(n > 1 for n in counts.values()) <= first_run - finished_before_kill  # only the unfinished

    clean = safedata.build(recipe, out=str(tmp_path / "clean"))  # in-process: saves a slow interpreter start
    assert table(out).equals(table(clean.out_dir))
