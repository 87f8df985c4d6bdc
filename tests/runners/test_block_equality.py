"""The same build at block sizes 1, 7, 64 and all-in-one writes the same dataset, report and clusters file.

Rows are cut into blocks anywhere; every order-dependent choice uses the canonical order key, so nothing a
build writes may change with the cut.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from safedata import api
from safedata.engines.prompts import GUIDELINES
from safedata.runners import local
from tests.conftest import REPO
from tests.fixtures.openai_server import FakeOpenAIServer

BLOCKS = (1, 7, 64, 10**9)


RUNTIME = ("seconds", "this_run")
PARTS = ("rows", "report", "card", "side", "records")
# The card's rendering of the stages' notes (their timings and this run's request counters included): the
# notes themselves are compared in the report, without those.
CARD_NOTES = re.compile(r"What each stage measured:.*?(?=^## )", re.S | re.M)


def _untimed(value: Any) -> Any:
    """The value without wall-clock figures and the engine's sent/cached counters of this run: with small
    blocks a repeated request may be answered from the cache, in one block both copies go out at once."""
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if k not in RUNTIME}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


def fingerprint(result: api.BuildResult) -> dict[str, Any]:
    """Everything the build wrote that may not depend on blocks: rows in shard order, report, card, side files
    (quarantine, failed requests, clusters)."""
    out = result.out_dir
    report = _untimed(json.loads((out / "build_report.json").read_text()))
    report.pop("output_dir")
    shards = {
        f"{config}/{split}": [row for f in files for row in pq.read_table(out / f).to_pylist()]
        for config, splits in report["files"].items()
        for split, files in splits.items()
    }
    side = {p.name: p.read_text() for p in sorted(out.glob("*.jsonl"))}
    return {
        "report": report,
        "rows": shards,
        "side": side,
        "card": CARD_NOTES.sub("", (out / "README.md").read_text()),
        "records": [r.model_dump() for r in result.records],
    }


def same_at_every_block_size(build: Callable[[int, Path], api.BuildResult], tmp_path: Path) -> dict[str, Any]:
    prints = {b: fingerprint(build(b, tmp_path / f"b{b}")) for b in BLOCKS}
    whole = prints[BLOCKS[-1]]
    assert whole["records"], "the build wrote no rows: nothing was compared"
    for b, p in prints.items():
        for part in PARTS:
            assert p[part] == whole[part], f"block size {b}: {part} differs from the all-in-one build"
    return whole


def test_quickstart(tmp_path: Path) -> None:
    whole = same_at_every_block_size(
        lambda b, out: api.build(REPO / "recipes" / "quickstart.yaml", out=str(out), block_rows=b), tmp_path
    )
    stages = {s["name"]: s for s in whole["report"]["stages"]}
    assert stages["filters"]["notes"]["safe_at_k"]["overall"]["prompts"] > 0 and stages["mix"]["dropped"]


def _prompts(path: Path, n: int, kind: str) -> Path:
    rows = [
        {"prompt": f"{kind} request number {i}: how would one {'pick a lock' if i % 3 else 'stay safe'}?"}
        for i in range(n)
    ]
    rows += rows[:2] + rows[-2:]  # exact duplicates for dedup (of rows an earlier output may hold, and not)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


UNAWARE = (
    "<think>A lockpicking question. Let me list the tools and the motion.</think>Here is how: first, ..."
)
AWARE = (
    "<think>This would harm someone, which is illegal and harmful. I should refuse.</think>"
    "I'm sorry, but I can't help with that."
)


def teacher_recipe(
    server: FakeOpenAIServer, src: Path, variants: tuple[str, ...] = ("long", "template"), **teacher: Any
) -> dict[str, Any]:
    """A teacher build against the fixture: K = 2, heuristic filter with Safe@K, repair by regeneration."""
    return {
        "name": "t",
        "seed": 3,
        "sources": [{"type": "file", "path": str(src), "kind": "harmful"}],
        "variants": list(variants),
        "teacher": {
            "engine": "openai",
            "model": "fake-r1",
            "base_url": server.base_url,
            "samples": 2,
            "backoff_s": 0.01,
            **teacher,
        },
        "filter": {"backend": "heuristic", "selection": "all_safe_then_pick_one"},
        "repair": {
            "rounds": 2,
            "actions": {"lack_of_safety_awareness": "regenerate", "weak_refusal": "regenerate"},
        },
        "dedup": {"exact": {"fields": ["prompt"]}},
    }


def answer_half_unaware(body: dict[str, Any]) -> str:
    """Half the first answers lack safety awareness; escalated guidelines always clear it."""
    text = "\n".join(m["content"] for m in body["messages"] if m["role"] == "user")
    return AWARE if GUIDELINES["realsafe"] in text or len(text) % 2 else UNAWARE


def test_teacher_build_with_two_samples_and_regeneration(
    openai_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    openai_server.config.style = "think"
    openai_server.config.responder = answer_half_unaware
    src = _prompts(tmp_path / "harmful.jsonl", 12, "harmful")

    def build(b: int, out: Path) -> api.BuildResult:
        recipe = teacher_recipe(openai_server, src)
        return api.build(recipe, out=str(out), block_rows=b)

    whole = same_at_every_block_size(build, tmp_path)
    notes = next(s for s in whole["report"]["stages"] if s["name"] == "filters")["notes"]
    assert notes["rounds"][1]["regenerated"], "no row was repaired by regeneration"
    overall = notes["safe_at_k"]["overall"]
    # The 4 duplicate prompts go before the teacher: 12 rows x (2 `long` samples + 1 `template`).
    assert (overall["prompts"], overall["samples"]) == (24, 36)
    before = next(s for s in whole["report"]["stages"] if s["name"] == "dedup_prompts")["notes"]
    assert before["teacher_requests_saved"] == 4 * 2  # each would have asked for 2 `long` samples


def dedup_against_recipe(tmp_path: Path) -> dict[str, Any]:
    """Builds an earlier output from the first 10 prompts; the recipe whose dedup runs against it (exact and
    MinHash, keep first)."""
    src = _prompts(tmp_path / "p.jsonl", 30, "bad")
    base = {
        "sources": [{"type": "file", "path": str(src), "kind": "harmful"}],
        "variants": ["template", "nocot"],
    }
    first = api.build(
        {
            "name": "v1",
            **base,
            "sources": [{**base["sources"][0], "limit": 10}],
            "output": {"dir": str(tmp_path / "v1")},
        }
    )
    assert first.rows
    dedup = {
        "against": [str(tmp_path / "v1")],
        "exact": {"fields": ["prompt"]},
        "minhash": {"fields": ["prompt"], "threshold": 0.7},
        "keep": "first",
    }
    return {"name": "v2", **base, "dedup": dedup}


def removed_against_and_duplicates(whole: dict[str, Any]) -> bool:
    removed = next(s for s in whole["report"]["stages"] if s["name"] == "dedup")["notes"]["removed"]
    return any(k.startswith("already published") for k in removed) and any(
        k.startswith("duplicate") for k in removed
    )


def built(recipe: dict[str, Any]) -> Callable[[int, Path], api.BuildResult]:
    return lambda b, out: api.build(recipe, out=str(out), block_rows=b)


def test_dedup_against_an_earlier_output(tmp_path: Path) -> None:
    whole = same_at_every_block_size(built(dedup_against_recipe(tmp_path)), tmp_path)
    assert removed_against_and_duplicates(whole)


def decontamination_recipe(tmp_path: Path) -> dict[str, Any]:
    src = _prompts(tmp_path / "p.jsonl", 30, "bad")
    evals = tmp_path / "eval.jsonl"
    evals.write_text(
        json.dumps({"q": "bad request number 4: how would one pick a lock?"})
        + "\n"
        + json.dumps({"q": "bad reqest number 17: how would one pick a lock"})
        + "\n"
    )
    return {
        "name": "d",
        "sources": [{"type": "file", "path": str(src), "kind": "harmful"}],
        "variants": ["template"],
        "decontaminate": {
            "eval_sets": [{"type": "file", "path": str(evals), "id": "ev", "fields": {"prompt": "q"}}],
            "ngram": 5,
            "examples": 2,
        },
    }


def removed_near_copies(whole: dict[str, Any]) -> bool:
    sets = next(s for s in whole["report"]["stages"] if s["name"] == "decontaminate")["notes"]["eval_sets"]
    return sets["ev"]["removed"] >= 2 and len(sets["ev"]["examples"]) == 2


def test_decontamination(tmp_path: Path) -> None:
    whole = same_at_every_block_size(built(decontamination_recipe(tmp_path)), tmp_path)
    assert removed_near_copies(whole)


MIX_SELECTIONS = ("random", "hardest", "diverse")


def mix_recipe(select: str) -> dict[str, Any]:
    return {
        "name": "m",
        "sources": [{"type": "seeds", "set": "harmful"}, {"type": "seeds", "set": "benign"}],
        "variants": ["template", "nocot"],
        "filter": {"backend": "heuristic"},
        "mix": {
            "ratio": {"harmful": 1, "benign": 1},
            "total": 60,
            "select": select,
            "balance_categories": True,
        },
    }


def mixed_rows(whole: dict[str, Any]) -> int:
    return sum(len(v) for k, v in whole["rows"].items() if k.startswith("default/"))


@pytest.mark.parametrize("select", MIX_SELECTIONS)
def test_every_mix_selection(select: str, tmp_path: Path) -> None:
    whole = same_at_every_block_size(built(mix_recipe(select)), tmp_path)
    assert mixed_rows(whole) == 60


def test_two_worker_processes_write_the_same_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Row stages in two forked workers (small blocks, a held-out test split, shards of 25 rows), and with
    them every global stage's decision applied, the next one's view and the writer's chunks: the same
    dataset, report and records as one process with one block."""
    monkeypatch.delitem(sys.modules, "torch", raising=False)  # an earlier test's torch: none in this build
    pooled: list[bool] = []
    poolable = local._poolable
    monkeypatch.setattr(local, "_poolable", lambda ctx: pooled.append(poolable(ctx)) or pooled[-1])
    recipe = {
        "name": "w",
        "seed": 5,
        "sources": [{"type": "seeds", "set": "harmful"}, {"type": "seeds", "set": "benign"}],
        "variants": ["template", "nocot"],
        "filter": {"backend": "heuristic"},
        "dedup": {
            "exact": {"fields": ["prompt"]},
            "minhash": {"fields": ["prompt", "reasoning"], "threshold": 0.5},
        },
        "mix": {"ratio": {"harmful": 2, "benign": 1}, "total": 90, "select": "hardest"},
        "output": {"test_size": 0.2, "shard_rows": 25},
    }
    one = fingerprint(api.build({**recipe, "output": {**recipe["output"], "dir": str(tmp_path / "a")}}))
    two = fingerprint(
        api.build(
            {**recipe, "output": {**recipe["output"], "dir": str(tmp_path / "b")}}, block_rows=7, workers=2
        )
    )
    assert pooled and all(pooled), "the row stages did not run in worker processes"
    assert one["rows"]["default/test"] and len(one["report"]["files"]["default"]["train"]) > 1
    stages = {s["name"]: s for s in one["report"]["stages"]}
    assert stages["dedup"]["dropped"] and stages["mix"]["dropped"], "no row-level dedup or mix drop to apply"
    for part in ("rows", "report", "side", "records"):
        assert two[part] == one[part], f"two workers: {part} differs from one process"
