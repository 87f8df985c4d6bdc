"""A build against an endpoint that fails a share of requests in every way it can (429 with Retry-After,
5xx, timeouts, empty and truncated bodies): no row is lost, failures are listed, and the same command run
again sends exactly the failed requests and gives the dataset of a build that met no fault."""

from __future__ import annotations

import json
import random
from pathlib import Path

import yaml

import safedata
from tests.fixtures.openai_server import FakeOpenAIServer
from tests.reliability.conftest import teacher_recipe

ROWS = 40
MIX = [("429", 0.20), ("500", 0.10), ("empty", 0.05), ("cut_body", 0.05), ("hang", 0.05)]


def faults(seed: int):
    rng = random.Random(seed)

    def pick(body: dict) -> str | None:
        x = rng.random()
        for fault, share in MIX:
            if x < share:
                return fault
            x -= share
        return None

    return pick


def rows(out: Path) -> list[dict]:
    import polars as pl

    df = pl.read_parquet(out / "data" / "long" / "*.parquet").sort("id")
    return df.select("id", "messages").to_dicts()


def test_a_fault_mix_loses_no_row_and_the_rerun_sends_only_the_failures(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    path = teacher_recipe(tmp_path, openai_server, [{"type": "seeds", "set": "harmful", "limit": ROWS}])
    data = yaml.safe_load(path.read_text())
    data["teacher"] |= {"max_retries": 1, "timeout_s": 0.5, "max_concurrency": 16}
    openai_server.config.hang_s = 2.0
    openai_server.config.retry_after_s = 0.02
    openai_server.config.fault_for = faults(seed=7)

    first = safedata.build(data, out=str(tmp_path / "out"))
    failed = [json.loads(x) for x in (tmp_path / "out" / "failed.jsonl").read_text().splitlines()]
    assert first.rows + len(failed) == ROWS  # every prompt is a row or a listed failure
    assert len(openai_server.requests) > ROWS  # faults were met and retried
    assert failed and all(f["attempts"] == 2 for f in failed)  # ~20 % of prompts fail twice

    openai_server.reset()
    openai_server.config.fault_for = None
    again = safedata.build(data, out=str(tmp_path / "out"))
    assert len(openai_server.requests) == len(failed)  # exactly the failed requests go out again
    assert again.rows == ROWS

    clean = safedata.build(data, out=str(tmp_path / "clean"))
    assert rows(tmp_path / "out") == rows(tmp_path / "clean") and clean.rows == ROWS
